//! Attaching to processes rewind did not start, and the primitives a monitor
//! needs to leave them as it found them (listen, detach, syscall restarts).

use crate::{check, get_regs, read_mem, set_regs, write_mem, Tid, WaitStatus};
use rewind_trace::Regs;
use std::io;

/// `PTRACE_SEIZE`s one task with `options` without stopping it.
pub fn seize(tid: Tid, options: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_SEIZE, tid, 0, options as libc::c_long) }).map(drop)
}

/// Leaves a task in its group-stop (SIGSTOP, SIGTSTP...) but lets the tracer be
/// told when it is continued: job control behaves as without a tracer.
pub fn listen(tid: Tid) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_LISTEN, tid, 0, 0) }).map(drop)
}

/// Detaches from a stopped task, delivering `sig` (0: none).
pub fn detach(tid: Tid, sig: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_DETACH, tid, 0, sig as libc::c_long) }).map(drop)
}

/// The XSAVE area (x87, SSE, AVX, AVX-512... as the CPU has them) of a stopped task.
pub fn get_xstate(tid: Tid) -> io::Result<Vec<u8>> {
    // Large enough for AVX-512 + AMX (11008 bytes on Sapphire Rapids).
    let mut buf = vec![0u8; 16384];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    check(unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid,
            NT_X86_XSTATE as usize,
            &mut iov as *mut libc::iovec,
        )
    })?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Note type of the XSAVE register set (and of its note in core files).
pub const NT_X86_XSTATE: u32 = 0x202;

/// Signal and event stops tolerated while an injected syscall runs.
const MAX_STOPS_IN_INJECTION: u32 = 64;

const ERESTARTSYS: i64 = -512;
const ERESTARTNOINTR: i64 = -513;
const ERESTARTNOHAND: i64 = -514;
const ERESTART_RESTARTBLOCK: i64 = -516;

/// Registers a task stopped on the way out of an interrupted syscall must get
/// back once something else ran in its place. The kernel restarts such a call
/// only on its signal path, which an injected syscall has already gone through,
/// so the restart it would have made (no handler runs) is made here: back over
/// the `syscall` instruction with the call number in rax. Other registers are
/// returned unchanged.
pub fn restartable(saved: &Regs) -> Regs {
    let mut r = *saved;
    if (saved.orig_rax as i64) < 0 {
        return r;
    }
    match saved.rax as i64 {
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND => {
            r.rax = saved.orig_rax;
            r.rip = saved.rip.wrapping_sub(2);
        }
        ERESTART_RESTARTBLOCK => {
            r.rax = libc::SYS_restart_syscall as u64;
            r.rip = saved.rip.wrapping_sub(2);
        }
        _ => {}
    }
    r
}

/// Makes a task stopped by [`crate::interrupt`] (a `PTRACE_EVENT_STOP`, possibly
/// in the middle of a blocking syscall) execute syscall `nr` and returns its
/// result. Signals that arrive meanwhile are returned for redelivery (the
/// caller resumes the task with them); its registers and code are restored,
/// an interrupted syscall set up to restart (see [`restartable`]).
///
/// `wait` waits for the task's next stop: a caller whose other tasks keep
/// running must not block on the task id alone (a thread-group leader's exit
/// is only reported after the other threads are reaped); [`wait`] otherwise.
pub fn inject_syscall_in_stopped(
    tid: Tid,
    nr: u64,
    args: &[u64],
    pending: &mut Vec<i32>,
    wait: &mut dyn FnMut(Tid) -> io::Result<WaitStatus>,
) -> io::Result<i64> {
    let saved = get_regs(tid)?;
    let back = restartable(&saved);
    let at = back.rip;
    let orig_code = read_mem(tid, at, 2)?;
    write_mem(tid, at, &[0x0f, 0x05])?;
    let r = crate::syscall_call_regs(&back, nr, args);
    let result = (|| {
        set_regs(tid, &r)?;
        let mut stops = 0;
        let mut others = 0;
        crate::resume_syscall(tid, 0)?;
        loop {
            match wait(tid)? {
                WaitStatus::Syscall => {
                    stops += 1;
                    if stops == 2 {
                        break;
                    }
                }
                WaitStatus::Signal(sig) => {
                    // Standard signals do not queue: one of each is enough.
                    // Real-time ones do: each is kept.
                    if sig >= 32 || !pending.contains(&sig) {
                        pending.push(sig);
                    }
                    others += 1;
                }
                WaitStatus::Event(_) => others += 1,
                other => {
                    return Err(io::Error::other(format!(
                        "task {tid} {other:?} during an injected syscall"
                    )))
                }
            }
            // A signal that keeps coming back (a fault at the syscall
            // instruction) would never let the call finish.
            if others >= MAX_STOPS_IN_INJECTION {
                return Err(io::Error::other(format!(
                    "task {tid} stopped {others} times during an injected syscall"
                )));
            }
            crate::resume_syscall(tid, 0)?;
        }
        Ok(get_regs(tid)?.rax as i64)
    })();
    write_mem(tid, at, &orig_code)?;
    set_regs(tid, &back)?;
    result
}

/// Why `PTRACE_SEIZE` of `pid` failed, in words a user can act on.
pub fn attach_error(pid: i32, err: &io::Error) -> String {
    let status = crate::ProcStatus::read(pid);
    match err.raw_os_error() {
        Some(libc::ESRCH) if status.is_err() => format!("there is no process {pid}"),
        Some(libc::EPERM) | Some(libc::ESRCH) => {
            let status = status.unwrap_or_default();
            if let Some(tracer) = status.word("TracerPid").filter(|&t| t != "0") {
                let comm = std::fs::read_to_string(format!("/proc/{tracer}/comm"))
                    .map(|c| c.trim().to_string())
                    .unwrap_or_else(|_| "?".into());
                return format!(
                    "process {pid} is already traced by process {tracer} ({comm}); a process can have only one tracer: detach it first"
                );
            }
            if std::fs::read_link(format!("/proc/{pid}/exe")).is_err()
                && status.word("Kthread") == Some("1")
            {
                return format!("process {pid} is a kernel thread and cannot be traced");
            }
            let uid = status.word("Uid").unwrap_or_default();
            let me = unsafe { libc::geteuid() };
            if uid != me.to_string() && me != 0 {
                return format!(
                    "not permitted to trace process {pid}: it belongs to uid {uid} and you are uid {me}; run rewind as that user or as root"
                );
            }
            let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            if !scope.is_empty() && scope != "0" && me != 0 {
                return format!(
                    "not permitted to trace process {pid}: kernel.yama.ptrace_scope is {scope}; run as root or `sysctl kernel.yama.ptrace_scope=0`"
                );
            }
            format!("not permitted to trace process {pid}: {err}")
        }
        _ => format!("cannot trace process {pid}: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_syscalls_restart_over_the_syscall_instruction() {
        let mut r = Regs {
            rip: 0x1002,
            orig_rax: 7,
            rax: (-512i64) as u64,
            ..Regs::default()
        };
        let back = restartable(&r);
        assert_eq!((back.rip, back.rax), (0x1000, 7));
        r.rax = (-516i64) as u64;
        let back = restartable(&r);
        assert_eq!(
            (back.rip, back.rax),
            (0x1000, libc::SYS_restart_syscall as u64)
        );
        // A finished syscall (or none) is left alone.
        r.rax = 3;
        assert_eq!(restartable(&r), r);
        r.rax = (-512i64) as u64;
        r.orig_rax = u64::MAX;
        assert_eq!(restartable(&r), r);
    }

    #[test]
    fn attach_error_names_a_missing_process() {
        let e = io::Error::from_raw_os_error(libc::ESRCH);
        assert_eq!(
            attach_error(999_999_999, &e),
            "there is no process 999999999"
        );
    }
}
