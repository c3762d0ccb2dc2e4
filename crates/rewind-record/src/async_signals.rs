//! Asynchronous signals delivered where they arrive.
//!
//! A signal from a timer or another process reaches a task while it runs user
//! code. Holding it back to the task's next syscall (rewind's "boundaries" mode)
//! is exact and free to replay, but a program computing without syscalls would
//! then never see it (an alarm() meant to stop a loop, a profiler's SIGPROF).
//! So it is delivered at once, and the point is recorded so that replay, without
//! hardware counters, can find it: the registers, the x87/SSE state, the top of
//! the stack, and the contents of the pages the process wrote lately (tracked
//! with userfaultfd write-protection, see `rewind_ptrace::WrittenPages`). Two
//! visits of the same registers between the task's previous event and the point
//! can only differ in memory written since then, which those pages cover.

use crate::{Recorder, Tid};
use anyhow::Result;
use rewind_ptrace::{self as pt, TrapInsn, WaitStatus};
use rewind_trace::{Event, ExecPoint, Regs};

/// How far a task may be stepped from where a signal arrived to a point replay
/// finds cheaply.
const MAX_STEPS: usize = 64;

/// How many memory words a preemption point compares at most.
const MAX_MEM_WORDS: usize = 8;

/// How often the written-pages set starts over (at a syscall exit): it must
/// reach back to before the task's previous event, and stay small to hash.
const RESET_INTERVAL_NS: u64 = 20_000_000;

impl Recorder {
    /// Starts tracking the pages process `tid` writes (after an execve, or in a
    /// new child with its own address space). Where that is impossible, signal
    /// points are told apart by registers and stack alone.
    pub(crate) fn track_writes(&mut self, tid: Tid) {
        if !self.exact_signals {
            return;
        }
        let tracker = pt::WrittenPages::attach(tid).ok();
        let g = self.tasks[&tid].group;
        let group = self.groups.entry(g).or_default();
        group.written = tracker;
        group.written_reset_ns = pt::monotonic_ns();
        group.brk_end = 0;
    }

    /// A syscall that may have created memory (mmap, mremap, brk) returned
    /// `result`: track writes there too.
    pub(crate) fn track_new_memory(&mut self, tid: Tid, nr: u64, args: &[u64; 6], result: i64) {
        if ![libc::SYS_mmap, libc::SYS_mremap, libc::SYS_brk].contains(&(nr as i64)) {
            return;
        }
        let g = self.tasks[&tid].group;
        let Some(group) = self.groups.get_mut(&g) else {
            return;
        };
        let Some(tracker) = &group.written else {
            return;
        };
        if (-4095..0).contains(&result) {
            return;
        }
        let page = |a: u64| (a + 4095) & !4095;
        let range = match nr as i64 {
            libc::SYS_mmap => Some((result as u64, page(args[1]))),
            libc::SYS_mremap => Some((result as u64, page(args[2]))),
            libc::SYS_brk => {
                let end = page(result as u64);
                let start = if group.brk_end == 0 {
                    end
                } else {
                    group.brk_end
                };
                group.brk_end = end;
                (end > start).then(|| (start, end - start))
            }
            _ => None,
        };
        if let Some((start, len)) = range {
            // Memory the kernel refuses to track (device mappings) just is not.
            let _ = tracker.add(start, len);
        }
    }

    /// At a syscall exit: start the written-pages set over now and then, so
    /// it stays small (it only has to reach back to the task's last event).
    pub(crate) fn maybe_reset_written(&mut self, tid: Tid) {
        // When the task was resumed into this syscall: a clock read of the
        // recorder's own, close enough for a 20 ms interval (no extra syscall).
        let task = &self.tasks[&tid];
        let (g, now) = (task.group, task.since);
        let Some(group) = self.groups.get_mut(&g) else {
            return;
        };
        if let Some(tracker) = &group.written {
            if now.saturating_sub(group.written_reset_ns) > RESET_INTERVAL_NS {
                if tracker.take().is_err() {
                    group.written = None;
                }
                group.written_reset_ns = now;
            }
        }
    }

    /// An asynchronous signal reached task `tid` in the middle of user code
    /// (stopped there with `regs`): deliver it there, or a few instructions on,
    /// at an instruction that can host replay's in-program breakpoint (see
    /// `rewind_ptrace::PointStub`), so that replay does not stop at every visit
    /// of the address on its way.
    pub(crate) fn deliver_where_it_arrived(
        &mut self,
        tid: Tid,
        sig: i32,
        info: [u8; 128],
        regs: Regs,
    ) -> Result<()> {
        if pt::patchable_insn(tid, regs.rip).is_some() {
            return self.record_signal_at(tid, sig, info, regs);
        }
        let mut dropped = vec![info];
        if !self.step_to_patchable(tid, &mut dropped)? {
            return self.record_signal_at(tid, sig, info, regs);
        }
        // The signals were dropped while stepping: send them again. The kernel
        // delivers the lowest-numbered first, at the stop it causes here; the
        // others follow at once (nested), each with its own siginfo.
        dropped.sort_by_key(crate::signo);
        self.send_again(tid, &dropped)?;
        let task = self.task(tid);
        task.deliver_at_point = Some(dropped.remove(0));
        task.resent = dropped;
        self.resume(tid, 0)
    }

    /// Sends task `tid` the signals of `infos` again (stepping dropped them);
    /// their original siginfo is put back when each is delivered (`resent`,
    /// `deliver_at_point`).
    fn send_again(&mut self, tid: Tid, infos: &[[u8; 128]]) -> Result<()> {
        let tgid = self.task(tid).tgid;
        for info in infos {
            pt::tgkill(tgid, tid, crate::signo(info))?;
        }
        Ok(())
    }

    /// Single-steps task `tid` (at a signal stop, whose signal is dropped) until
    /// it reaches a [`pt::patchable_insn`], at most [`MAX_STEPS`] instructions,
    /// never executing a syscall or a trapped instruction. False when it did not
    /// move (the signal is still there to deliver).
    fn step_to_patchable(&mut self, tid: Tid, dropped: &mut Vec<[u8; 128]>) -> Result<bool> {
        let mut moved = false;
        for _ in 0..MAX_STEPS {
            let regs = pt::get_regs(tid)?;
            if moved && pt::patchable_insn(tid, regs.rip).is_some() {
                break;
            }
            let code = pt::read_mem(tid, regs.rip, 3).unwrap_or_default();
            if code.starts_with(&[0x0f, 0x05]) || TrapInsn::decode(&code).is_some() {
                break;
            }
            pt::single_step(tid, 0)?;
            moved = true;
            let (_, raw, st) = pt::wait(tid)?;
            match st {
                WaitStatus::Signal(libc::SIGTRAP) => {}
                WaitStatus::Signal(other) => match pt::get_siginfo(tid) {
                    // Another asynchronous signal: it goes with the first (a
                    // standard signal already there merges, as in the kernel).
                    Ok(info) if !crate::is_synchronous(other, pt::siginfo_code(&info)) => {
                        if other >= 32 || !dropped.iter().any(|d| crate::signo(d) == other) {
                            dropped.push(info);
                        }
                    }
                    // The instruction faults (it recurs by itself), or a stop.
                    _ => break,
                },
                WaitStatus::Event(_) => {
                    // The watchdog's interrupt, which the step overtook.
                    self.task(tid).interrupt_sent = false;
                    break;
                }
                _ => {
                    return Err(anyhow::anyhow!(
                        "task {tid} stopped unexpectedly ({raw:#x}) while rewind stepped it to deliver a signal"
                    ))
                }
            }
        }
        Ok(moved)
    }

    /// Preempts task `tid` (stopped in user code, not spinning) at a point
    /// replay can find with its in-program breakpoint, and gives the CPU to the
    /// others.
    /// `updated`: memory the task's loop updates (see `spin::check`).
    pub(crate) fn preempt_at_point(&mut self, tid: Tid, updated: &[u64]) -> Result<()> {
        let regs = pt::get_regs(tid)?;
        if pt::patchable_insn(tid, regs.rip).is_none() {
            let mut dropped = Vec::new();
            self.step_to_patchable(tid, &mut dropped)?;
            // Signals that arrived meanwhile: sent again, delivered (with their
            // own siginfo) when the task runs on from the point.
            self.send_again(tid, &dropped)?;
            self.task(tid).resent.extend(dropped);
        }
        let regs = pt::get_regs(tid)?;
        let mut point = self.exec_point(tid, &regs)?;
        point.mem_words = updated
            .iter()
            .take(MAX_MEM_WORDS)
            .filter_map(|&a| {
                let word = a & !7;
                let v = pt::read_mem(tid, word, 8).ok()?;
                Some((word, u64::from_le_bytes(v.try_into().ok()?)))
            })
            .collect();
        let task = self.task(tid);
        task.exit_regs = None;
        task.quiet_checks = 0;
        task.stuck_since = None;
        self.push(Event::PreemptAt { tid, point })?;
        self.yield_cpu(tid)
    }

    /// Records and delivers signal `sig` at the point task `tid` is at.
    pub(crate) fn record_signal_at(
        &mut self,
        tid: Tid,
        sig: i32,
        info: [u8; 128],
        regs: Regs,
    ) -> Result<()> {
        let point = self.exec_point(tid, &regs)?;
        let task = self.task(tid);
        task.exit_regs = None;
        task.delivered = Some((sig, regs));
        self.push(Event::SignalAt {
            tid,
            signo: sig,
            siginfo: info.to_vec(),
            point,
        })?;
        self.resume(tid, sig)
    }

    /// The point task `tid` (stopped with `regs` in user code) is at.
    pub(crate) fn exec_point(&mut self, tid: Tid, regs: &Regs) -> Result<ExecPoint> {
        let (fpu_hash, stack_hash) = pt::preempt_key(tid, regs)?;
        let g = self.tasks[&tid].group;
        let mut written = Vec::new();
        if let Some(group) = self.groups.get_mut(&g) {
            if let Some(tracker) = &group.written {
                match tracker.take() {
                    Ok(w) => written = w,
                    Err(_) => group.written = None,
                }
                group.written_reset_ns = pt::monotonic_ns();
            }
        }
        if self.has_other_threads(tid) {
            // Other threads' stacks are in the set too, with dead areas below
            // their stack pointers that replay does not reproduce byte for byte
            // (seen: a preemption point never matched). Until those are left
            // out, threaded processes rely on the other parts of the point.
            written.clear();
        }
        let written_crc = pt::pages_crc(tid, &written, regs.rsp);
        let (xmm_low, stack_words) = pt::point_extras(tid, regs)?;
        Ok(ExecPoint {
            regs: *regs,
            fpu_hash,
            stack_hash,
            written,
            written_crc,
            xmm_low,
            stack_words,
            mem_words: Vec::new(),
        })
    }
}
