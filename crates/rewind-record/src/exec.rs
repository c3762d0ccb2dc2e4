//! What a successful execve leaves behind: the new image's registers, the initial
//! stack, the kernel-made mappings and a copy of the executable.

use anyhow::{anyhow, Result};
use rewind_ptrace::{self as pt, Tid};
use rewind_trace::{Event, FileStore, Mapping, MemWrite, Regs};
use std::path::Path;

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_SYSINFO_EHDR: u64 = 33;

/// Called at the syscall-exit stop of a successful execve.
/// `tid` is the task now, `caller` the tid that made the execve (they differ
/// when a non-leader thread did: it took the leader's tid).
pub fn capture(
    tid: Tid,
    caller: Tid,
    regs: &Regs,
    files: &mut FileStore,
    cpuid_faulting: bool,
) -> Result<Event> {
    let maps = pt::read_maps(tid)?;
    let stack_map = maps
        .iter()
        .find(|m| m.contains(regs.rsp, 0) && m.name == "[stack]")
        .ok_or_else(|| anyhow!("no [stack] mapping after exec in process {tid}"))?;
    let mut stack = pt::read_mem(tid, regs.rsp, (stack_map.end - regs.rsp) as usize)?;
    // The vDSO's time functions become syscalls (replay rewrites them the same
    // way); if that cannot be done, the C library is told there is no vDSO.
    if !pt::make_vdso_recordable(tid)? {
        if let Some(off) = hide_vdso(&mut stack) {
            pt::write_mem(tid, regs.rsp + off as u64, &AT_IGNORE.to_ne_bytes())?;
        }
    }
    let mut mappings = Vec::with_capacity(maps.len());
    for m in &maps {
        let file = if m.is_file() {
            let link = format!("/proc/{tid}/map_files/{:x}-{:x}", m.start, m.end);
            Some(
                files
                    .add(Path::new(&link), &m.name)
                    .map_err(|e| anyhow!("cannot copy {} into the trace: {e}", m.name))?,
            )
        } else {
            None
        };
        mappings.push(Mapping {
            start: m.start,
            end: m.end,
            perms: m.perms.clone(),
            offset: m.offset,
            file,
            name: m.name.clone(),
        });
    }
    let exe_link = format!("/proc/{tid}/exe");
    let exe_name = std::fs::read_link(&exe_link)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exe = files
        .add(Path::new(&exe_link), &exe_name)
        .map_err(|e| anyhow!("cannot copy {exe_name} into the trace: {e}"))?;
    // CPUID faulting is reset by execve. Without it (CPUs that lack it) CPUID runs
    // natively, which is faithful when replaying on the same machine.
    if cpuid_faulting && !pt::enable_cpuid_faulting(tid)? {
        return Err(anyhow!("cannot enable CPUID faulting in process {tid}"));
    }
    Ok(Event::Exec {
        tid: caller,
        exe,
        regs: *regs,
        stack: MemWrite {
            addr: regs.rsp,
            data: stack,
        },
        mappings,
    })
}

/// Turns the auxv's AT_SYSINFO_EHDR entry into AT_IGNORE, so the C library does
/// not use the vDSO and time queries become (recordable) syscalls (the fallback
/// when the vDSO cannot be rewritten). `stack` starts
/// at the initial stack pointer: argc, argv[], NULL, envp[], NULL, auxv pairs.
/// Returns the offset of the patched key.
pub fn hide_vdso(stack: &mut [u8]) -> Option<usize> {
    let word = |s: &[u8], i: usize| {
        s.get(i * 8..i * 8 + 8)
            .map(|b| u64::from_ne_bytes(b.try_into().unwrap()))
    };
    let argc = word(stack, 0)? as usize;
    let mut i = 1 + argc + 1;
    while word(stack, i)? != 0 {
        i += 1;
    }
    i += 1;
    loop {
        let key = word(stack, i)?;
        if key == AT_NULL {
            return None;
        }
        if key == AT_SYSINFO_EHDR {
            stack[i * 8..i * 8 + 8].copy_from_slice(&AT_IGNORE.to_ne_bytes());
            return Some(i * 8);
        }
        i += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[u64]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    #[test]
    fn hides_the_vdso_entry() {
        // argc=1, argv0, NULL, env0, env1, NULL, (6, 4096), (33, vdso), (0, 0)
        let mut s = words(&[
            1, 0x1000, 0, 0x2000, 0x2008, 0, 6, 4096, 33, 0x7fff0000, 0, 0,
        ]);
        let off = hide_vdso(&mut s).unwrap();
        assert_eq!(off, 8 * 8);
        assert_eq!(&s[off..off + 8], &AT_IGNORE.to_ne_bytes());
        assert_eq!(&s[off + 8..off + 16], &0x7fff0000u64.to_ne_bytes());
    }

    #[test]
    fn no_vdso_or_garbage_is_left_alone() {
        let mut s = words(&[0, 0, 0, 6, 4096, 0, 0]);
        assert_eq!(hide_vdso(&mut s), None);
        let mut short = words(&[5, 1, 2]);
        assert_eq!(hide_vdso(&mut short), None);
    }
}
