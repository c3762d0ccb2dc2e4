//! Waiting for one task while the others go on.
//!
//! A dump waits for particular threads: to stop, to run an injected syscall.
//! `waitpid(tid)` alone can hang there: a thread-group leader's exit is only
//! reported once every other thread of its group has been reaped, and those
//! threads' own exits would wait unseen. So these waits take any task's
//! event: exits are noted at once, other tasks' stops are kept, in order, for
//! the main loop (the task stays stopped until then).

use crate::Monitor;
use rewind_ptrace as pt;
use std::time::Duration;

/// How long threads may take to stop for a dump (all together). A thread
/// blocked in vfork (until its child execs) or in uninterruptible I/O does
/// not stop; the dump goes on without it rather than hold the others long.
pub(crate) const STOP_TIMEOUT: Duration = Duration::from_millis(500);

/// How long an injected syscall (a fork of the whole address space, a wait4
/// on a killed child) may take.
pub(crate) const INJECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// A stop kept for the main loop: (task, raw status, decoded status).
pub(crate) type Deferred = (i32, i32, pt::WaitStatus);

pub(crate) enum TaskWait {
    /// The task stopped: raw status and what it means.
    Stopped(i32, pt::WaitStatus),
    /// It exited or was killed (noted), or is not ours to wait for.
    Gone,
    TimedOut,
}

impl Monitor {
    /// Waits up to `timeout` for the next stop of `tid` (a stop of it kept
    /// for the main loop is taken instead).
    pub(crate) fn wait_task(&mut self, tid: i32, timeout: Duration) -> TaskWait {
        if let Some(i) = self.deferred.iter().position(|d| d.0 == tid) {
            if let Some((_, status, st)) = self.deferred.remove(i) {
                return TaskWait::Stopped(status, st);
            }
        }
        let deadline = pt::monotonic_ns() + timeout.as_nanos() as u64;
        loop {
            match pt::wait_timeout(Some(deadline)) {
                // ECHILD: no task of ours is left.
                Err(_) => return TaskWait::Gone,
                Ok(None) => return TaskWait::TimedOut,
                Ok(Some((t, status, st))) => {
                    if matches!(st, pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_)) {
                        self.note_exit(t, st);
                        if t == tid {
                            return TaskWait::Gone;
                        }
                    } else if t == tid {
                        return TaskWait::Stopped(status, st);
                    } else {
                        self.deferred.push_back((t, status, st));
                    }
                }
            }
        }
    }

    /// `tid` sits in a stop the main loop has not handled yet.
    pub(crate) fn has_deferred(&self, tid: i32) -> bool {
        self.deferred.iter().any(|d| d.0 == tid)
    }

    /// The wait an injected syscall uses: the task's next stop, or an error
    /// once it is gone or does not stop in time.
    pub(crate) fn injection_wait(&mut self, tid: i32) -> std::io::Result<pt::WaitStatus> {
        match self.wait_task(tid, INJECTION_TIMEOUT) {
            TaskWait::Stopped(_, st) => Ok(st),
            TaskWait::Gone => Err(std::io::Error::other(format!("task {tid} exited"))),
            TaskWait::TimedOut => Err(std::io::Error::other(format!(
                "task {tid} did not come back from an injected syscall in {} s",
                INJECTION_TIMEOUT.as_secs()
            ))),
        }
    }
}
