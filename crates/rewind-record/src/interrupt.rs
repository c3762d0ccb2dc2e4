//! Signals sent to rewind itself while it records.
//!
//! Ctrl-C in the terminal goes to the whole foreground process group: the
//! recorded program gets its SIGINT from the kernel like without rewind, so
//! rewind leaves that one alone. A SIGINT sent to rewind alone (`kill -INT`) asks
//! rewind to stop recording: the program is killed and the trace finished, so it
//! replays up to that point. SIGTERM and SIGHUP go on to the program, as if
//! rewind were not there.

use std::sync::atomic::{AtomicI32, Ordering};

/// The recorded program's pid, for forwarding.
pub(crate) static ROOT_PID: AtomicI32 = AtomicI32::new(0);
/// The signal that asked rewind to stop recording, or 0.
static STOP_REQUEST: AtomicI32 = AtomicI32::new(0);

/// `si_code` of a signal the kernel generated: a terminal's SIGINT/SIGQUIT.
const SI_KERNEL: i32 = 0x80;

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = ROOT_PID.load(Ordering::Relaxed);
    if pid > 0 {
        unsafe { libc::kill(pid, sig) };
    }
}

extern "C" fn on_sigint(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // Only atomics here: this runs in a signal handler.
    let from_terminal = !info.is_null() && unsafe { (*info).si_code } == SI_KERNEL;
    if !from_terminal {
        STOP_REQUEST.store(sig, Ordering::Relaxed);
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

/// The signal that asked rewind to stop recording, if one came.
pub(crate) fn stop_requested() -> Option<i32> {
    match STOP_REQUEST.load(Ordering::Relaxed) {
        0 => None,
        sig => Some(sig),
    }
}
