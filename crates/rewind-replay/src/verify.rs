//! Checks that the replayed program is doing what the recorded one did, beyond the
//! syscall numbers and arguments: its registers at each syscall entry and the bytes
//! it sends (write, send...). A replay that computed something else stops at the
//! first such difference, with the event number, instead of going on with the
//! recorded results and printing the recorded output.

use rewind_ptrace as pt;
use rewind_syscalls::{self as sc, SyscallSpec};
use rewind_trace::Regs;

/// Trap and resume flags: the debugger's, not the program's.
const DEBUG_FLAGS: u64 = 0x100 | 0x10000;

/// Describes the first register (in `user_regs_struct` order) whose value at a
/// syscall entry differs from the recorded one. `rax` (the kernel's -ENOSYS at
/// entry) and `orig_rax` (the syscall number, checked apart) are not compared;
/// `eflags` and `r11` (the syscall instruction's copy of the flags) without the
/// debugger's trap and resume flags.
pub fn regs_differ(recorded: &Regs, actual: &Regs) -> Option<String> {
    let mask = |name: &str, v: u64| match name {
        "eflags" | "r11" => v & !DEBUG_FLAGS,
        _ => v,
    };
    recorded
        .named()
        .iter()
        .zip(actual.named().iter())
        .filter(|((name, _), _)| !matches!(*name, "rax" | "orig_rax"))
        .find(|((name, want), (_, got))| mask(name, *want) != mask(name, *got))
        .map(|((name, want), (_, got))| format!("{name} = {got:#x} (recorded {want:#x})"))
}

/// The bytes a write-family syscall that returned `result` sent, read from the
/// replayed task's memory the way the recorder read them (unreadable pieces are
/// left out on both sides). None for syscalls that send nothing.
pub fn sent_bytes(real: i32, spec: &SyscallSpec, args: &[u64; 6], result: i64) -> Option<Vec<u8>> {
    let mem = |addr, len| pt::read_mem(real, addr, len).ok();
    let (_fd, regions) = sc::data_in_regions(spec, args, result, &mem)?;
    let mut data = Vec::new();
    for r in regions {
        if let Ok(d) = pt::read_mem(real, r.addr, r.len as usize) {
            data.extend_from_slice(&d);
        }
    }
    Some(data)
}

/// Where two byte strings first differ, with a few bytes of each from there.
pub fn first_difference(recorded: &[u8], actual: &[u8]) -> String {
    let at = recorded
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(recorded.len().min(actual.len()));
    let show = |b: &[u8]| {
        let end = (at + 16).min(b.len());
        let mut s = String::from("\"");
        for &c in &b[at..end] {
            s.extend(std::ascii::escape_default(c).map(char::from));
        }
        s.push('"');
        if end < b.len() {
            s.push_str("...");
        }
        s
    };
    if recorded.len() != actual.len() && at == recorded.len().min(actual.len()) {
        return format!(
            "{} bytes where the recording has {} (same up to byte {at})",
            actual.len(),
            recorded.len()
        );
    }
    format!(
        "differ from byte {at}: {} where the recording has {}",
        show(actual),
        show(recorded)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_are_compared_except_the_kernels_and_debug_flags() {
        let want = Regs {
            rbx: 1,
            rip: 0x401000,
            eflags: 0x246,
            r11: 0x246,
            rax: (-38i64) as u64,
            ..Default::default()
        };
        let mut got = want;
        assert_eq!(regs_differ(&want, &got), None);
        got.rax = 7;
        got.orig_rax = 9;
        got.eflags |= 0x100;
        got.r11 |= 0x10000;
        assert_eq!(regs_differ(&want, &got), None);
        got.rbx = 2;
        assert_eq!(
            regs_differ(&want, &got).as_deref(),
            Some("rbx = 0x2 (recorded 0x1)")
        );
        got.rbx = 1;
        got.eflags |= 0x1; // carry: the program's
        assert!(regs_differ(&want, &got).unwrap().starts_with("eflags"));
    }

    #[test]
    fn first_difference_shows_both_sides() {
        assert_eq!(
            first_difference(b"value 42\n", b"value 47\n"),
            "differ from byte 7: \"7\\n\" where the recording has \"2\\n\""
        );
        assert_eq!(
            first_difference(b"abc", b"abcd"),
            "4 bytes where the recording has 3 (same up to byte 3)"
        );
    }
}
