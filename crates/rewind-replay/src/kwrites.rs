//! Replays [`rewind_trace::Event::KernelWrites`]: memory the kernel wrote into a
//! process outside its own syscalls while recording (a thread's exit cleaning
//! up its robust futexes and clear_child_tid word, or another task writing
//! through process_vm_writev or /proc/PID/mem). Replay's own kernel does not
//! repeat these writes (the robust futex words hold the recorded tids, and the
//! writer's syscall is emulated), so they are made here, at the same point of
//! the event order.

use crate::{ReplayError, Result, Session};
use rewind_ptrace as pt;
use rewind_trace::{MemWrite, Tid};

impl Session {
    /// Writes `writes` into the address space of recorded task `tid`, through
    /// any of its process's live threads (`tid` itself may be the thread that
    /// just exited).
    pub(crate) fn replay_kernel_writes(&mut self, tid: Tid, writes: &[MemWrite]) -> Result<()> {
        let tgid = self.task(tid)?.tgid;
        let mut threads: Vec<(Tid, i32)> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.tgid == tgid && t.exited.is_none())
            .map(|(&t, task)| (t, task.real))
            .collect();
        // The named task first, then the others in a fixed order.
        threads.sort_by_key(|&(t, _)| (t != tid, t));
        let mut through = None;
        for w in writes {
            let done = threads
                .iter()
                .find(|&&(_, real)| pt::write_mem(real, w.addr, &w.data).is_ok());
            match done {
                Some(&(t, _)) => through = through.or(Some(t)),
                None => {
                    return Err(ReplayError::Divergence {
                        event: self.event,
                        tid,
                        expected: format!(
                            "memory at {:#x} (+{}) to be writable for what the kernel wrote there",
                            w.addr,
                            w.data.len()
                        ),
                        actual: "no live thread of the process could write it".into(),
                    })
                }
            }
        }
        if let Some(t) = through {
            // A watchpoint of the debugged process sees these writes too.
            self.check_kernel_writes(t, writes);
        }
        Ok(())
    }
}
