//! Thread-local storage addresses for gdb's `qGetTLSAddr` (gdbserver answers it
//! with libthread_db; gdb 13 cannot find TLS on a remote target without it).
//!
//! glibc on x86-64: the thread pointer (fs_base) points at the TCB, whose second
//! word is the DTV; entry N of the DTV (16 bytes each) points at the TLS block of
//! the module with TLS id N. Modules loaded at startup get ids 1, 2, ... in
//! link-map order, counting only those with a PT_TLS segment.

use rewind_replay::Session;

const PT_TLS: u32 = 7;
const AT_PHDR: u64 = 3;
const AT_PHNUM: u64 = 5;

fn word(s: &Session, addr: u64) -> Option<u64> {
    let b = s.read_memory(addr, 8).ok()?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

fn auxv_value(auxv: &[u8], key: u64) -> Option<u64> {
    auxv.chunks_exact(16).find_map(|p| {
        let k = u64::from_le_bytes(p[..8].try_into().unwrap());
        (k == key).then(|| u64::from_le_bytes(p[8..].try_into().unwrap()))
    })
}

/// Whether the program headers at `phdr` (`phnum` of them) include PT_TLS.
fn phdrs_have_tls(s: &Session, phdr: u64, phnum: u64) -> Option<bool> {
    let table = s.read_memory(phdr, (phnum * 56) as usize).ok()?;
    Some(
        table
            .chunks_exact(56)
            .any(|ph| u32::from_le_bytes(ph[..4].try_into().unwrap()) == PT_TLS),
    )
}

/// Whether the module of link map `lm` has a TLS segment.
fn module_has_tls(s: &Session, lm: u64, is_main: bool, auxv: &[u8]) -> Option<bool> {
    if is_main {
        return phdrs_have_tls(s, auxv_value(auxv, AT_PHDR)?, auxv_value(auxv, AT_PHNUM)?);
    }
    // A shared object's ELF header is mapped at its load bias (l_addr).
    let base = word(s, lm)?;
    let ehdr = s.read_memory(base, 64).ok()?;
    if &ehdr[..4] != b"\x7fELF" {
        return None;
    }
    let phoff = u64::from_le_bytes(ehdr[32..40].try_into().ok()?);
    let phnum = u16::from_le_bytes(ehdr[56..58].try_into().ok()?) as u64;
    phdrs_have_tls(s, base + phoff, phnum)
}

/// The address of the thread-local variable at `offset` in the TLS block of the
/// module whose link map is `lm`.
pub fn tls_address(s: &Session, thread: rewind_trace::Tid, lm: u64, offset: u64) -> Option<u64> {
    let auxv = s.focus_auxv()?;
    // Walk back to the head of the link-map list (the main program).
    let mut head = lm;
    for _ in 0..10_000 {
        let prev = word(s, head + 32)?;
        if prev == 0 {
            break;
        }
        head = prev;
    }
    let mut modid = 0;
    let mut cur = head;
    let mut first = true;
    for _ in 0..10_000 {
        if cur == 0 {
            return None;
        }
        if module_has_tls(s, cur, first, &auxv).unwrap_or(false) {
            modid += 1;
        }
        if cur == lm {
            break;
        }
        cur = word(s, cur + 24)?;
        first = false;
    }
    if cur != lm || modid == 0 {
        return None;
    }
    let tp = s.regs_of(thread).ok()?.fs_base;
    let dtv = word(s, tp + 8)?;
    let block = word(s, dtv + 16 * modid)?;
    if block == 0 || block == u64::MAX {
        return None;
    }
    Some(block + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auxv_lookup() {
        let mut v = Vec::new();
        for (k, val) in [(AT_PHDR, 0x40u64), (AT_PHNUM, 13), (0, 0)] {
            v.extend_from_slice(&k.to_le_bytes());
            v.extend_from_slice(&val.to_le_bytes());
        }
        assert_eq!(auxv_value(&v, AT_PHDR), Some(0x40));
        assert_eq!(auxv_value(&v, AT_PHNUM), Some(13));
        assert_eq!(auxv_value(&v, 99), None);
    }
}
