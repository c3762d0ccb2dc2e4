//! Signal knowledge in one place: names, si_code names, which signals are crashes.

/// Signals whose default action dumps core: a process dying of one crashed.
pub const CRASH_SIGNALS: [i32; 10] = [
    libc::SIGQUIT,
    libc::SIGILL,
    libc::SIGTRAP,
    libc::SIGABRT,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGSEGV,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGSYS,
];

/// A signal's name; the standard ones come from the store's table.
pub fn name(sig: i32) -> String {
    if let Some(n) = rewind_store::signal_name(sig) {
        return n.to_string();
    }
    if (libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&sig) {
        format!("SIGRTMIN+{}", sig - libc::SIGRTMIN())
    } else {
        format!("signal {sig}")
    }
}

/// A signal by name ("SIGUSR1", "usr1", "10").
pub fn parse(text: &str) -> Option<i32> {
    if let Ok(n) = text.parse::<i32>() {
        return (1..=libc::SIGRTMAX()).contains(&n).then_some(n);
    }
    let up = text.to_ascii_uppercase();
    let full = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    (1..32).find(|&s| rewind_store::signal_name(s) == Some(full.as_str()))
}

/// Name of a kernel-generated si_code for `sig` (SEGV_MAPERR...), or of the
/// generic codes (SI_USER for kill(), SI_TKILL for raise()/abort()).
pub fn code_name(sig: i32, code: i32) -> Option<&'static str> {
    let generic = match code {
        0 => Some("SI_USER"),
        0x80 => Some("SI_KERNEL"),
        -1 => Some("SI_QUEUE"),
        -2 => Some("SI_TIMER"),
        -6 => Some("SI_TKILL"),
        _ => None,
    };
    if code <= 0 || code == 0x80 {
        return generic;
    }
    let table: &[&str] = match sig {
        libc::SIGSEGV => &["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"],
        libc::SIGBUS => &[
            "BUS_ADRALN",
            "BUS_ADRERR",
            "BUS_OBJERR",
            "BUS_MCEERR_AR",
            "BUS_MCEERR_AO",
        ],
        libc::SIGFPE => &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
            "FPE_FLTRES",
            "FPE_FLTINV",
            "FPE_FLTSUB",
        ],
        libc::SIGILL => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
        ],
        libc::SIGTRAP => &["TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"],
        libc::SIGSYS => &["SYS_SECCOMP"],
        _ => &[],
    };
    table.get(code as usize - 1).copied()
}

/// Whether siginfo of `sig` with `code` carries a fault address (si_addr).
pub fn has_fault_address(sig: i32, code: i32) -> bool {
    code > 0
        && code != 0x80
        && matches!(
            sig,
            libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL | libc::SIGTRAP
        )
}

/// Whether delivering `sig` now kills the process with a core-dump signal:
/// a crash signal whose disposition is the default one. Dispositions are
/// read when the signal is being delivered: a fault while the signal is
/// blocked or ignored has already been reset to the default by the kernel.
pub fn is_fatal_crash(tid: i32, sig: i32) -> bool {
    if !CRASH_SIGNALS.contains(&sig) {
        return false;
    }
    rewind_ptrace::ProcStatus::read(tid)
        .ok()
        .and_then(|s| s.default_disposition(sig))
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(name(libc::SIGSEGV), "SIGSEGV");
        assert_eq!(name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
        assert_eq!(parse("usr1"), Some(libc::SIGUSR1));
        assert_eq!(parse("SIGTERM"), Some(libc::SIGTERM));
        assert_eq!(parse("11"), Some(11));
        assert_eq!(parse("SIGNOPE"), None);
        assert_eq!(parse("0"), None);
        assert_eq!(code_name(libc::SIGSEGV, 1), Some("SEGV_MAPERR"));
        assert_eq!(code_name(libc::SIGFPE, 1), Some("FPE_INTDIV"));
        assert_eq!(code_name(libc::SIGABRT, -6), Some("SI_TKILL"));
        assert_eq!(code_name(libc::SIGSEGV, 99), None);
        assert!(has_fault_address(libc::SIGSEGV, 1));
        assert!(!has_fault_address(libc::SIGABRT, -6));
        assert!(!has_fault_address(libc::SIGSEGV, 0));
    }

    #[test]
    fn own_dispositions_decide_fatality() {
        // This test process: SIGSEGV default (fatal), SIGUSR1 not a crash signal.
        let me = std::process::id() as i32;
        assert!(!is_fatal_crash(me, libc::SIGUSR1));
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
        assert!(!is_fatal_crash(me, libc::SIGXFSZ));
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_DFL) };
        assert!(is_fatal_crash(me, libc::SIGXFSZ));
    }
}
