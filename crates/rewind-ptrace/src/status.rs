//! `/proc/TID/status`, read once, its fields looked up by name. Several
//! crates need a field or two (Tgid, TracerPid, signal masks, VmRSS...).

use crate::Tid;
use std::io;

/// The text of one task's `/proc/TID/status` (empty: every lookup is None).
#[derive(Clone, Debug, Default)]
pub struct ProcStatus(String);

impl ProcStatus {
    pub fn read(tid: Tid) -> io::Result<ProcStatus> {
        std::fs::read_to_string(format!("/proc/{tid}/status")).map(ProcStatus)
    }

    /// The first word of field `name` (given without its colon).
    pub fn word(&self, name: &str) -> Option<&str> {
        self.0
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))?
            .split_whitespace()
            .next()
    }

    /// A decimal field (`Tgid`, `TracerPid`, `Threads`, `VmRSS` in kB...).
    pub fn number(&self, name: &str) -> Option<u64> {
        self.word(name)?.parse().ok()
    }

    /// A hexadecimal mask (`SigCgt`, `SigBlk`...).
    pub fn mask(&self, name: &str) -> Option<u64> {
        u64::from_str_radix(self.word(name)?, 16).ok()
    }

    /// Whether signal `sig` has its default disposition: neither caught nor
    /// ignored (None without the masks).
    pub fn default_disposition(&self, sig: i32) -> Option<bool> {
        let bit = 1u64 << (sig - 1);
        Some(self.mask("SigCgt")? & bit == 0 && self.mask("SigIgn")? & bit == 0)
    }
}

/// A field (`pos`, `flags`, ...) of /proc/TID/fdinfo/FD, as written there.
pub fn fdinfo_field(tid: i32, fd: i32, field: &str) -> Option<String> {
    let info = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}")).ok()?;
    info.lines().find_map(|l| {
        l.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim().to_string())
    })
}

/// The file position of descriptor `fd` of task `tid`.
pub fn fd_position(tid: i32, fd: i32) -> Option<u64> {
    fdinfo_field(tid, fd, "pos")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_this_process() {
        let me = ProcStatus::read(std::process::id() as Tid).unwrap();
        assert_eq!(me.number("Tgid"), Some(std::process::id() as u64));
        assert_eq!(me.number("TracerPid"), Some(0));
        assert!(me.mask("SigBlk").is_some());
        // A prefix of a longer name is not that field.
        assert_eq!(me.word("Sig"), None);
        assert_eq!(me.default_disposition(libc::SIGUSR1), Some(true));
        assert_eq!(ProcStatus::default().number("Tgid"), None);
    }
}
