//! Signals sent to rewind itself while it records.
//!
//! Ctrl-C in the terminal goes to the whole foreground process group: the
//! recorded program gets its SIGINT from the kernel like without rewind, so
//! rewind leaves that one alone. So does a SIGINT sent to the process group
//! (`kill -INT -PGID`, a shell's `kill %1`): the program gets it too. A SIGINT
//! sent to rewind alone (`kill -INT PID`) asks rewind to stop recording: the
//! program is killed and the trace finished, so it replays up to that point.
//! SIGTERM and SIGHUP go on to the program, as if rewind were not there.
//!
//! A signal does not say whether it was sent to a process or to its group, so a
//! SIGINT that is not the terminal's is judged by what the program got: if, within
//! [`GROUP_SIGNAL_GRACE_NS`], a recorded task stops for SIGINT or has one pending,
//! it was a group signal.

use rewind_ptrace as pt;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// The recorded program's pid, for forwarding.
pub(crate) static ROOT_PID: AtomicI32 = AtomicI32::new(0);
/// When (monotonic ns) rewind last got a SIGINT that was not the terminal's; 0: none.
static SIGINT_AT: AtomicU64 = AtomicU64::new(0);
/// When a recorded task last stopped for SIGINT; 0: never.
static PROGRAM_SIGINT_AT: AtomicU64 = AtomicU64::new(0);

/// How long a SIGINT to rewind waits for signs that the program got it too.
const GROUP_SIGNAL_GRACE_NS: u64 = 200_000_000;

/// `si_code` of a signal the kernel generated: a terminal's SIGINT/SIGQUIT.
const SI_KERNEL: i32 = 0x80;

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = ROOT_PID.load(Ordering::Relaxed);
    if pid > 0 {
        unsafe { libc::kill(pid, sig) };
    }
}

extern "C" fn on_sigint(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // Only atomics and clock_gettime here: this runs in a signal handler.
    let from_terminal = !info.is_null() && unsafe { (*info).si_code } == SI_KERNEL;
    if !from_terminal {
        SIGINT_AT.store(pt::monotonic_ns().max(1), Ordering::Relaxed);
    }
}

/// Installs rewind's dispositions for the recording (see the module comment).
/// Handlers are installed without SA_RESTART: a wait they interrupt returns, and
/// the recorder's loop, which wakes at least every [`crate::HOUSEKEEPING_NS`],
/// sees the request.
pub(crate) fn install_signal_handlers() {
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        libc::signal(
            libc::SIGTERM,
            forward_signal as *const () as libc::sighandler_t,
        );
        libc::signal(
            libc::SIGHUP,
            forward_signal as *const () as libc::sighandler_t,
        );
    }
}

/// A recorded task stopped for `sig`.
pub(crate) fn note_program_signal(sig: i32) {
    if sig == libc::SIGINT {
        PROGRAM_SIGINT_AT.store(pt::monotonic_ns(), Ordering::Relaxed);
    }
}

/// Whether a SIGINT sent to rewind alone asks it to stop recording now.
/// `pending_in_program` tells whether a recorded task has a SIGINT pending.
pub(crate) fn stop_requested(pending_in_program: impl FnOnce() -> bool) -> bool {
    let at = SIGINT_AT.load(Ordering::Relaxed);
    if at == 0 {
        return false;
    }
    let program_at = PROGRAM_SIGINT_AT.load(Ordering::Relaxed);
    // The program's stop may be seen just before rewind's handler runs.
    let program_got_it = program_at != 0 && program_at + GROUP_SIGNAL_GRACE_NS >= at;
    if program_got_it || pending_in_program() {
        // A group signal: the program deals with it. Forget it, unless a newer
        // SIGINT came meanwhile.
        let _ = SIGINT_AT.compare_exchange(at, 0, Ordering::Relaxed, Ordering::Relaxed);
        return false;
    }
    pt::monotonic_ns() >= at + GROUP_SIGNAL_GRACE_NS
}

/// Whether task `tid` has a SIGINT pending (for the thread or its process).
pub(crate) fn sigint_pending(tid: pt::Tid) -> bool {
    let bit = 1u64 << (libc::SIGINT - 1);
    pt::ProcStatus::read(tid)
        .is_ok_and(|s| (s.mask("SigPnd").unwrap_or(0) | s.mask("ShdPnd").unwrap_or(0)) & bit != 0)
}
