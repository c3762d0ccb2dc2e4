//! Making the vDSO recordable without hiding it.
//!
//! The vDSO's time functions read the TSC and the kernel's vvar page, which the
//! kernel updates behind the program's back: their results cannot be recorded
//! or replayed. Hiding the vDSO (AT_SYSINFO_EHDR) makes the C library use
//! syscalls, but breaks programs that look for the vDSO themselves (it is still
//! in /proc/self/maps). Instead, as rr does, each of those functions is
//! rewritten in the process (its private copy of the vDSO) into a real syscall,
//! which rewind records; `getrandom` answers ENOSYS so the C library falls back
//! to the syscall. `getcpu` stays native: it reads the CPU number, and a
//! recorded process and its replay are bound to the same CPU.

use crate::{read_maps, read_mem, write_mem, Tid};
use object::read::elf::{ElfFile64, FileHeader};
use object::{Object, ObjectSymbol};
use std::io;

/// What a rewritten function does instead.
#[derive(Clone, Copy)]
enum Stub {
    /// `mov eax, NR; syscall; ret`
    Syscall(u32),
    /// `mov rax, -ENOSYS; ret`
    NoSys,
}

impl Stub {
    fn code(self) -> [u8; 8] {
        match self {
            Stub::Syscall(nr) => {
                let n = nr.to_le_bytes();
                [0xb8, n[0], n[1], n[2], n[3], 0x0f, 0x05, 0xc3]
            }
            Stub::NoSys => [0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3],
        }
    }
}

/// The functions rewritten, by their name without the `__vdso_` prefix.
const STUBS: &[(&str, Stub)] = &[
    (
        "clock_gettime",
        Stub::Syscall(libc::SYS_clock_gettime as u32),
    ),
    ("gettimeofday", Stub::Syscall(libc::SYS_gettimeofday as u32)),
    ("time", Stub::Syscall(libc::SYS_time as u32)),
    ("clock_getres", Stub::Syscall(libc::SYS_clock_getres as u32)),
    ("getrandom", Stub::NoSys),
];

/// Rewrites the vDSO of stopped task `tid` (see the module doc). Returns false
/// when it has no vDSO or a function could not be rewritten safely (then the
/// caller hides the vDSO instead).
pub fn make_vdso_recordable(tid: Tid) -> io::Result<bool> {
    let Some(vdso) = read_maps(tid)?.into_iter().find(|m| m.name == "[vdso]") else {
        return Ok(false);
    };
    let image = read_mem(tid, vdso.start, (vdso.end - vdso.start) as usize)?;
    let Some(patches) = stub_sites(&image) else {
        return Ok(false);
    };
    for (offset, code) in patches {
        write_mem(tid, vdso.start + offset, &code)?;
    }
    Ok(true)
}

/// Where each function of [`STUBS`] starts in `image` (a vDSO as mapped), with
/// its replacement code. None when the image cannot be read as an ELF file or a
/// function is too short for its stub.
fn stub_sites(image: &[u8]) -> Option<Vec<(u64, [u8; 8])>> {
    let elf = ElfFile64::<object::Endianness>::parse(image).ok()?;
    // Symbol values are relative to the image's link address (its first PT_LOAD).
    let endian = elf.endian();
    let base = elf
        .elf_header()
        .program_headers(endian, image)
        .ok()?
        .iter()
        .find(|p| p.p_type.get(endian) == object::elf::PT_LOAD)
        .map(|p| p.p_vaddr.get(endian))?;
    let mut sites = Vec::new();
    for sym in elf.dynamic_symbols() {
        let Ok(name) = sym.name() else { continue };
        let short = name.strip_prefix("__vdso_").unwrap_or(name);
        let Some(&(_, stub)) = STUBS.iter().find(|(n, _)| *n == short) else {
            continue;
        };
        let offset = sym.address().checked_sub(base)?;
        if sym.size() < 8 || offset + 8 > image.len() as u64 {
            return None;
        }
        // `clock_gettime` and `__vdso_clock_gettime` are the same function.
        if !sites.iter().any(|(o, _)| *o == offset) {
            sites.push((offset, stub.code()));
        }
    }
    Some(sites)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's own vDSO (read from our memory).
    fn own_vdso() -> Vec<u8> {
        let me = std::process::id() as i32;
        let m = read_maps(me)
            .unwrap()
            .into_iter()
            .find(|m| m.name == "[vdso]")
            .expect("a vDSO");
        unsafe { std::slice::from_raw_parts(m.start as *const u8, (m.end - m.start) as usize) }
            .to_vec()
    }

    #[test]
    fn finds_the_time_functions_of_this_kernels_vdso() {
        let image = own_vdso();
        let sites = stub_sites(&image).expect("the vDSO parses and its functions are long enough");
        // clock_gettime, gettimeofday, time and clock_getres at least.
        assert!(sites.len() >= 4, "{sites:?}");
        let clock = Stub::Syscall(libc::SYS_clock_gettime as u32).code();
        assert!(sites.iter().any(|(_, c)| *c == clock));
    }

    #[test]
    fn stub_code_is_what_it_says() {
        assert_eq!(
            Stub::Syscall(228).code(),
            [0xb8, 228, 0, 0, 0, 0x0f, 0x05, 0xc3]
        );
        // mov rax, -38 (sign-extended imm32); ret
        assert_eq!(&Stub::NoSys.code()[3..7], &(-38i32).to_le_bytes());
    }

    #[test]
    fn garbage_is_refused() {
        assert!(stub_sites(b"not an elf").is_none());
    }
}
