//! Writing a captured process as an ELF core file (the kernel's layout:
//! one PT_NOTE, then one PT_LOAD per mapping, data page-aligned).

use crate::capture::{ProcessState, ThreadState};
use rewind_trace::Regs;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

const PAGE: u64 = 4096;
const EHDR_SIZE: u64 = 64;
const PHDR_SIZE: u64 = 56;
const PRSTATUS_SIZE: usize = 336;
const PRPSINFO_SIZE: usize = 136;

pub(crate) const NT_PRSTATUS: u32 = 1;
pub(crate) const NT_PRFPREG: u32 = 2;
pub(crate) const NT_PRPSINFO: u32 = 3;
pub(crate) const NT_AUXV: u32 = 6;
pub(crate) const NT_SIGINFO: u32 = 0x5349_4749;
pub(crate) const NT_FILE: u32 = 0x4649_4c45;
pub(crate) const NT_X86_XSTATE: u32 = rewind_ptrace::NT_X86_XSTATE;

/// Writes `state` as an ELF core, reading memory from process `mem_pid` (the
/// process itself, or a copy-on-write fork of it taken while it was stopped).
/// Unreadable pages are written as zeros. Returns the bytes written.
pub fn write_core(state: &ProcessState, mem_pid: i32, out: &mut dyn Write) -> io::Result<u64> {
    let notes = build_notes(state);
    let loads: Vec<_> = state.regions.iter().collect();
    let phnum = loads.len() as u64 + 1;
    let notes_off = EHDR_SIZE + PHDR_SIZE * phnum;
    let mut data_off = align(notes_off + notes.len() as u64, PAGE);

    // With PN_XNUM program headers or more, the real count goes in the
    // first section header, placed after the memory (as the kernel does).
    let extended = phnum >= PN_XNUM as u64;
    let data_end = data_off + loads.iter().map(|r| r.dumped_len()).sum::<u64>();

    let mut head = Vec::with_capacity((notes_off as usize) + notes.len());
    head.extend_from_slice(&elf_header(phnum, extended.then_some(data_end)));
    head.extend_from_slice(&phdr(PT_NOTE, 0, notes_off, 0, notes.len() as u64, 0, 4));
    let mut offsets = Vec::with_capacity(loads.len());
    for r in &loads {
        let filesz = r.dumped_len();
        let b = r.perms.as_bytes();
        let flags = (b[0] == b'r') as u32 * 4 + (b[1] == b'w') as u32 * 2 + (b[2] == b'x') as u32;
        head.extend_from_slice(&phdr(
            PT_LOAD,
            flags,
            if filesz > 0 { data_off } else { 0 },
            r.start,
            filesz,
            r.end - r.start,
            PAGE,
        ));
        offsets.push(data_off);
        data_off += filesz;
    }
    head.extend_from_slice(&notes);
    out.write_all(&head)?;
    let mut written = head.len() as u64;

    let mem = File::open(format!("/proc/{mem_pid}/mem"))?;
    let mut buf = vec![0u8; 1 << 20];
    for (r, &off) in loads.iter().zip(&offsets) {
        let len = r.dumped_len();
        if len == 0 {
            continue;
        }
        pad(out, off - written)?;
        written = off;
        let mut addr = r.start;
        while addr < r.start + len {
            let n = (r.start + len - addr).min(buf.len() as u64) as usize;
            read_or_zero(&mem, addr, &mut buf[..n]);
            out.write_all(&buf[..n])?;
            addr += n as u64;
        }
        written += len;
    }
    if extended {
        pad(out, data_end - written)?;
        out.write_all(&extension_section_header(phnum))?;
        written = data_end + SHDR_SIZE;
    }
    Ok(written)
}

/// Reads memory, page by page where a bulk read fails; what cannot be read is zero.
fn read_or_zero(mem: &File, addr: u64, buf: &mut [u8]) {
    if mem.read_exact_at(buf, addr).is_ok() {
        return;
    }
    let mut at = 0usize;
    while at < buf.len() {
        let page_end = (align(addr + at as u64 + 1, PAGE) - addr) as usize;
        let end = page_end.min(buf.len());
        if mem
            .read_exact_at(&mut buf[at..end], addr + at as u64)
            .is_err()
        {
            buf[at..end].fill(0);
        }
        at = end;
    }
}

fn pad(out: &mut dyn Write, mut n: u64) -> io::Result<()> {
    let zeros = [0u8; 4096];
    while n > 0 {
        let k = n.min(zeros.len() as u64) as usize;
        out.write_all(&zeros[..k])?;
        n -= k as u64;
    }
    Ok(())
}

fn align(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;

/// e_phnum's value that says the count is in section header 0's sh_info.
pub(crate) const PN_XNUM: u16 = 0xffff;
const SHDR_SIZE: u64 = 64;

/// `shoff`: where the section header holding the real program header count is
/// (None: the count fits e_phnum).
fn elf_header(phnum: u64, shoff: Option<u64>) -> [u8; 64] {
    let mut h = [0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little endian
    h[6] = 1; // version
    h[16..18].copy_from_slice(&4u16.to_le_bytes()); // ET_CORE
    h[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[32..40].copy_from_slice(&EHDR_SIZE.to_le_bytes()); // e_phoff
    h[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    h[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
    h[58..60].copy_from_slice(&(SHDR_SIZE as u16).to_le_bytes()); // e_shentsize
    match shoff {
        None => h[56..58].copy_from_slice(&(phnum as u16).to_le_bytes()),
        Some(off) => {
            h[56..58].copy_from_slice(&PN_XNUM.to_le_bytes());
            h[40..48].copy_from_slice(&off.to_le_bytes()); // e_shoff
            h[60..62].copy_from_slice(&1u16.to_le_bytes()); // e_shnum
        }
    }
    h
}

/// Section header 0 of a core with PN_XNUM or more segments: SHT_NULL,
/// sh_size = e_shnum (1), sh_info = the program header count.
fn extension_section_header(phnum: u64) -> [u8; 64] {
    let mut sh = [0u8; 64];
    sh[32..40].copy_from_slice(&1u64.to_le_bytes());
    sh[44..48].copy_from_slice(&(phnum as u32).to_le_bytes());
    sh
}

fn phdr(kind: u32, flags: u32, off: u64, vaddr: u64, filesz: u64, memsz: u64, al: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(56);
    p.extend_from_slice(&kind.to_le_bytes());
    p.extend_from_slice(&flags.to_le_bytes());
    for v in [off, vaddr, 0, filesz, memsz, al] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p
}

fn note(out: &mut Vec<u8>, name: &[u8], kind: u32, desc: &[u8]) {
    out.extend_from_slice(&(name.len() as u32 + 1).to_le_bytes());
    out.extend_from_slice(&(desc.len() as u32).to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(name);
    out.push(0);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out.extend_from_slice(desc);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// The notes in the kernel's order: the first thread's status, process info,
/// siginfo, auxv, mapped files and its FP state, then each other thread.
fn build_notes(s: &ProcessState) -> Vec<u8> {
    let mut n = Vec::new();
    for (i, t) in s.threads.iter().enumerate() {
        note(&mut n, b"CORE", NT_PRSTATUS, &prstatus(s, t));
        if i == 0 {
            note(&mut n, b"CORE", NT_PRPSINFO, &prpsinfo(s));
            let mut info = s.siginfo.unwrap_or([0; 128]);
            if s.siginfo.is_none() {
                info[..4].copy_from_slice(&s.signal.to_le_bytes());
            }
            note(&mut n, b"CORE", NT_SIGINFO, &info);
            if !s.auxv.is_empty() {
                note(&mut n, b"CORE", NT_AUXV, &s.auxv);
            }
            note(&mut n, b"CORE", NT_FILE, &nt_file(s));
        }
        note(&mut n, b"CORE", NT_PRFPREG, &t.fpregs);
        if let Some(x) = &t.xstate {
            note(&mut n, b"LINUX", NT_X86_XSTATE, &xstate_for_gdb(x));
        }
    }
    n
}

/// The registers as the 27 words of the kernel's `user_regs_struct`, the
/// layout of NT_PRSTATUS's pr_reg; rewind-ptrace's conversion knows the order.
pub(crate) fn regs_words(r: &Regs) -> [u64; 27] {
    // SAFETY: user_regs_struct is repr(C) with 27 u64 fields (transmute
    // checks the size at compile time).
    unsafe {
        std::mem::transmute::<libc::user_regs_struct, [u64; 27]>(rewind_ptrace::to_user_regs(r))
    }
}

pub(crate) fn regs_from_words(w: &[u64; 27]) -> Regs {
    // SAFETY: as above.
    rewind_ptrace::from_user_regs(&unsafe {
        std::mem::transmute::<[u64; 27], libc::user_regs_struct>(*w)
    })
}

fn prstatus(s: &ProcessState, t: &ThreadState) -> Vec<u8> {
    let mut p = vec![0u8; PRSTATUS_SIZE];
    let code = s
        .siginfo
        .map(|i| i32::from_le_bytes(i[8..12].try_into().unwrap()))
        .unwrap_or(0);
    p[0..4].copy_from_slice(&s.signal.to_le_bytes());
    p[4..8].copy_from_slice(&code.to_le_bytes());
    p[12..14].copy_from_slice(&(s.signal as u16).to_le_bytes());
    p[16..24].copy_from_slice(&t.sigpend.to_le_bytes());
    p[24..32].copy_from_slice(&t.sighold.to_le_bytes());
    for (at, v) in [(32, t.tid), (36, s.ppid), (40, s.pgrp), (44, s.sid)] {
        p[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    for (at, ticks) in [(48, t.utime), (64, t.stime)] {
        let usec = ticks * 1_000_000 / hz;
        p[at..at + 8].copy_from_slice(&(usec / 1_000_000).to_le_bytes());
        p[at + 8..at + 16].copy_from_slice(&(usec % 1_000_000).to_le_bytes());
    }
    for (i, w) in regs_words(&t.regs).iter().enumerate() {
        p[112 + i * 8..120 + i * 8].copy_from_slice(&w.to_le_bytes());
    }
    p[328..332].copy_from_slice(&1i32.to_le_bytes()); // pr_fpvalid
    p
}

fn prpsinfo(s: &ProcessState) -> Vec<u8> {
    let mut p = vec![0u8; PRPSINFO_SIZE];
    p[1] = if s.signal != 0 { b'R' } else { b'S' };
    p[16..20].copy_from_slice(&s.uid.to_le_bytes());
    p[20..24].copy_from_slice(&s.gid.to_le_bytes());
    for (at, v) in [(24, s.pid), (28, s.ppid), (32, s.pgrp), (36, s.sid)] {
        p[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    let comm = s.comm.as_bytes();
    let n = comm.len().min(15);
    p[40..40 + n].copy_from_slice(&comm[..n]);
    let args = s.cmdline.join(" ");
    let a = args.as_bytes();
    let n = a.len().min(79);
    p[56..56 + n].copy_from_slice(&a[..n]);
    p
}

/// NT_FILE: which file each file-backed mapping shows (gdb and the symbolizer
/// find the modules from it).
fn nt_file(s: &ProcessState) -> Vec<u8> {
    let files: Vec<_> = s.regions.iter().filter(|r| r.is_file()).collect();
    let mut d = Vec::new();
    d.extend_from_slice(&(files.len() as u64).to_le_bytes());
    d.extend_from_slice(&PAGE.to_le_bytes());
    for r in &files {
        for v in [r.start, r.end, r.offset / PAGE] {
            d.extend_from_slice(&v.to_le_bytes());
        }
    }
    for r in &files {
        d.extend_from_slice(r.path.as_bytes());
        d.push(0);
    }
    d
}

/// Offset and size of XSAVE components 2..=9 in the standard (uncompacted)
/// layout as Intel CPUs define it, which gdb assumes for core files.
const INTEL_XSAVE_LAYOUT: [(u32, u32, u32); 7] = [
    (2, 576, 256),   // AVX: upper halves of ymm0-15
    (3, 960, 64),    // MPX bounds
    (4, 1024, 64),   // MPX config
    (5, 1088, 64),   // AVX-512 opmask
    (6, 1152, 512),  // upper halves of zmm0-15
    (7, 1664, 1024), // zmm16-31
    (9, 2688, 8),    // PKRU
];

/// The XSAVE area in the layout gdb reads from cores. AMD CPUs without MPX
/// place AVX-512 and PKRU at other offsets (CPUID leaf 0xD says where);
/// gdb 13 only knows Intel's offsets and refuses such a note as "too small",
/// losing every AVX register. Moving the components to Intel's offsets makes
/// the note read correctly by old and new gdbs alike.
pub(crate) fn xstate_for_gdb(x: &[u8]) -> Vec<u8> {
    if x.len() < 576 {
        return x.to_vec();
    }
    let xcr0 = u64::from_le_bytes(x[464..472].try_into().unwrap());
    let mut moved = false;
    let mut out_len = 576usize;
    let mut parts = Vec::new();
    for &(bit, intel_off, size) in &INTEL_XSAVE_LAYOUT {
        if xcr0 & (1 << bit) == 0 {
            continue;
        }
        // CPUID leaf 0xD: size (eax) and offset (ebx) of component `bit`.
        let c = core::arch::x86_64::__cpuid_count(0xd, bit);
        let (off, sz) = (c.ebx as usize, c.eax as usize);
        if sz != size as usize || off + sz > x.len() {
            return x.to_vec(); // a layout we do not know: leave it as the kernel gave it
        }
        moved |= off != intel_off as usize;
        out_len = out_len.max((intel_off + size) as usize);
        parts.push((off, intel_off as usize, sz));
    }
    if !moved {
        return x.to_vec();
    }
    let mut out = vec![0u8; out_len];
    out[..576].copy_from_slice(&x[..576]);
    for (from, to, sz) in parts {
        out[to..to + sz].copy_from_slice(&x[from..from + sz]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{DumpPart, Region};

    fn thread() -> ThreadState {
        ThreadState {
            tid: std::process::id() as i32,
            name: "test".into(),
            regs: Regs::default(),
            fpregs: [0; 512],
            xstate: None,
            sigpend: 0,
            sighold: 0,
            utime: 0,
            stime: 0,
        }
    }

    /// More mappings than e_phnum can count (vm.max_map_count raised, as
    /// Elasticsearch asks): the count goes to section header 0 and the
    /// reader finds every segment, the last one's data included.
    #[test]
    fn more_segments_than_e_phnum_holds() {
        let data: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
        let addr = data.as_ptr() as u64;
        let mut regions: Vec<Region> = (0..70_000u64)
            .map(|i| Region {
                start: 0x1000_0000 + i * 0x2000,
                end: 0x1000_1000 + i * 0x2000,
                perms: if i % 2 == 0 { "r-xp" } else { "rw-p" }.into(),
                offset: 0,
                path: String::new(),
                dump: DumpPart::Nothing,
            })
            .collect();
        regions.push(Region {
            start: addr,
            end: addr + data.len() as u64,
            perms: "rw-p".into(),
            offset: 0,
            path: String::new(),
            dump: DumpPart::Whole,
        });
        let state = ProcessState {
            pid: std::process::id() as i32,
            ppid: 1,
            pgrp: 0,
            sid: 0,
            uid: 0,
            gid: 0,
            comm: "test".into(),
            cmdline: vec!["test".into()],
            executable: String::new(),
            threads: vec![thread()],
            signal: 11,
            siginfo: None,
            auxv: Vec::new(),
            regions,
            process_uptime_secs: 0.0,
        };
        let mut out = Vec::new();
        let n = write_core(&state, std::process::id() as i32, &mut out).unwrap();
        assert_eq!(n, out.len() as u64);
        assert_eq!(u16::from_le_bytes([out[56], out[57]]), PN_XNUM);

        let core = crate::parse_core(out).unwrap();
        assert_eq!(core.threads.len(), 1);
        // Segment 69 998 (a late one) is executable, 69 999 is not.
        assert!(core.is_executable(0x1000_0000 + 69_998 * 0x2000));
        assert!(!core.is_executable(0x1000_0000 + 69_999 * 0x2000));
        let mut back = vec![0u8; data.len()];
        assert!(core.read_memory(addr, &mut back));
        assert_eq!(back, data);
    }
}
