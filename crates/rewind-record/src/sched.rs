//! Running the threads of a process one at a time.
//!
//! Threads share memory, so the order in which their user code runs must be
//! recorded for replay to reproduce what they saw. Each address space (a *group*:
//! the threads of one process) has one CPU: the *holder* may run user code; every
//! other thread of the group is stopped by ptrace, or blocked in a syscall the
//! recorder let it enter. Stops of non-holders wait in the group's ready queue.
//!
//! The holder gives the CPU up:
//! - when it blocks in a syscall while another thread is ready (an
//!   [`Event::SyscallBlocked`] tells replay to stop it at that syscall's entry);
//! - at a syscall exit, when it has had the CPU for a time slice and others wait;
//! - when the watchdog finds it spinning in user code while others wait (or a
//!   signal waits for it): see [`crate::spin`]; an [`Event::Preempt`] marks the point;
//! - when it exits.
//!
//! None of these decisions needs to be reproduced by timing: replay follows the
//! events. `--chaos` makes them at random to shake out races.

use crate::{spin, Recorder};
use anyhow::Result;
use rewind_ptrace::{self as pt, Tid, WaitStatus};
use rewind_trace::Event;
use std::collections::VecDeque;

/// A syscall still running after this long, while another thread is ready, is
/// considered blocked and gives up the CPU.
const SLOW_SYSCALL_NS: u64 = 1_000_000;
/// Time slice: how long a thread may keep the CPU while others are ready before
/// it yields at a syscall exit, or the watchdog looks for a spin.
const SLICE_NS: u64 = 2_000_000;
/// Checks that found no spin back off up to this slice.
const MAX_SLICE_NS: u64 = 256_000_000;
/// A signal held back for a thread in user code waits this long for its next
/// syscall before the watchdog looks for a point to deliver it at.
const SIGNAL_WAIT_NS: u64 = 20_000_000;
/// After this long without a preemptable point while others wait, say so.
const STUCK_WARNING_NS: u64 = 10_000_000_000;

/// One address space's CPU.
#[derive(Default)]
pub(crate) struct Group {
    pub holder: Option<Tid>,
    pub ready: VecDeque<(Tid, Pending)>,
    /// exit_group is taking the process down: nothing of it runs again. (After a
    /// fatal signal the threads' queued stops fail harmlessly: they are dead.)
    pub dying: bool,
    /// Exits of threads that a non-leader's execve is killing, held until the
    /// execve is in the trace (replay must see the execve first: it makes the
    /// kernel kill them there too).
    pub held_exits: Vec<Event>,
    /// The pages this address space writes (see `async_signals`).
    pub written: Option<pt::WrittenPages>,
    /// When the written-pages set last started over.
    pub written_reset_ns: u64,
    /// The program break as last seen (new heap memory gets tracked).
    pub brk_end: u64,
}

/// How long a thread that computes without syscalls (and is not spinning) may
/// keep the CPU while others wait before it is preempted at a recorded point.
const PREEMPT_AT_POINT_NS: u64 = 50_000_000;

/// Why a ready thread waits.
pub(crate) enum Pending {
    /// A stop wait() reported and the recorder has not handled yet.
    Stop(i32, WaitStatus),
    /// A stopped thread that had the CPU taken away; it only needs resuming.
    Resume,
}

/// Syscalls that usually block (waiting for another thread or the world): give
/// the CPU up as soon as someone else is ready.
fn usually_blocks(nr: u64) -> bool {
    matches!(
        nr as i64,
        libc::SYS_futex
            | libc::SYS_futex_waitv
            | libc::SYS_read
            | libc::SYS_readv
            | libc::SYS_recvfrom
            | libc::SYS_recvmsg
            | libc::SYS_recvmmsg
            | libc::SYS_poll
            | libc::SYS_ppoll
            | libc::SYS_select
            | libc::SYS_pselect6
            | libc::SYS_epoll_wait
            | libc::SYS_epoll_pwait
            | libc::SYS_epoll_pwait2
            | libc::SYS_nanosleep
            | libc::SYS_clock_nanosleep
            | libc::SYS_pause
            | libc::SYS_rt_sigsuspend
            | libc::SYS_rt_sigtimedwait
            | libc::SYS_wait4
            | libc::SYS_waitid
            | libc::SYS_accept
            | libc::SYS_accept4
            | libc::SYS_connect
            | libc::SYS_msgrcv
            | libc::SYS_semop
            | libc::SYS_semtimedop
            | libc::SYS_flock
            | libc::SYS_sched_yield
            | libc::SYS_io_getevents
    )
}

/// Syscalls whose entry and exit replay must see together (they create tasks,
/// replace the program or never return).
fn never_released(nr: u64) -> bool {
    matches!(
        nr as i64,
        libc::SYS_clone
            | libc::SYS_fork
            | libc::SYS_vfork
            | libc::SYS_execve
            | libc::SYS_execveat
            | libc::SYS_exit
            | libc::SYS_exit_group
    )
}

/// Whether the task is in a syscall it may block in without the CPU.
fn releasable(t: &crate::Task) -> bool {
    t.in_syscall
        && !t.released
        && !t.exiting
        && t.cancel_for.is_none()
        && t.refused.is_none()
        && t.held_exit.is_none()
        && t.redo.is_none()
        && !never_released(t.entry.orig_rax)
}

/// `REWIND_SCHED_LOG` set: say on stderr what each watchdog check found and how
/// long it took (read once).
fn sched_log() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("REWIND_SCHED_LOG").is_some())
}

/// xorshift64*: scheduling choices for `--chaos` (reproducibility of the choices
/// does not matter, the trace records what happened).
pub(crate) struct Chaos(u64);

impl Chaos {
    pub fn new(seed: u64) -> Chaos {
        Chaos(seed | 1)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

impl Recorder {
    /// Routes a stop reported by wait: handled now if its task may run, queued otherwise.
    pub(crate) fn on_stop(&mut self, tid: Tid, raw: i32, st: WaitStatus) -> Result<()> {
        if matches!(st, WaitStatus::Exited(_) | WaitStatus::Killed(_)) {
            return self.dispatch(tid, raw, st);
        }
        if st == WaitStatus::Event(pt::event::EXEC) {
            self.adopt_leader_tid(tid)?;
        }
        let Some(task) = self.tasks.get(&tid) else {
            // A new task reporting its first stop before its parent's fork event:
            // keep it stopped until the fork is in the trace.
            self.early_children.insert(tid, (raw, st));
            return Ok(());
        };
        let g = task.group;
        let group = self.groups.entry(g).or_default();
        if group.dying {
            // The process is being torn down; the task is about to be killed.
            return Ok(());
        }
        match group.holder {
            None => {
                group.holder = Some(tid);
                self.task(tid).held_since = pt::monotonic_ns();
                self.dispatch(tid, raw, st)
            }
            Some(h) if h == tid => self.dispatch(tid, raw, st),
            Some(h) => {
                group.ready.push_back((tid, Pending::Stop(raw, st)));
                self.maybe_release(h)
            }
        }
    }

    /// Gives the CPU of the group to the next ready thread, while it is free.
    pub(crate) fn schedule(&mut self, g: Tid) -> Result<()> {
        loop {
            let Some(group) = self.groups.get_mut(&g) else {
                return Ok(());
            };
            if group.holder.is_some() || group.dying || group.ready.is_empty() {
                return Ok(());
            }
            let i = match &mut self.chaos {
                Some(c) => c.below(group.ready.len() as u64) as usize,
                None => 0,
            };
            let (tid, pending) = group.ready.remove(i).expect("index in range");
            group.holder = Some(tid);
            self.task(tid).held_since = pt::monotonic_ns();
            match pending {
                Pending::Stop(raw, st) => self.dispatch(tid, raw, st)?,
                Pending::Resume => self.resume(tid, 0)?,
            }
        }
    }

    fn others_ready(&self, tid: Tid) -> bool {
        let g = self.tasks.get(&tid).map(|t| t.group);
        g.and_then(|g| self.groups.get(&g))
            .is_some_and(|g| !g.ready.is_empty())
    }

    /// The holder `tid` is inside a syscall: give the CPU up if the syscall blocks
    /// (or takes long) while another thread is ready.
    pub(crate) fn maybe_release(&mut self, tid: Tid) -> Result<()> {
        let Some(task) = self.tasks.get(&tid) else {
            return Ok(());
        };
        if !releasable(task) || !self.others_ready(tid) {
            return Ok(());
        }
        let nr = task.entry.orig_rax;
        let slow = pt::monotonic_ns().saturating_sub(task.since) >= SLOW_SYSCALL_NS;
        if usually_blocks(nr) || slow || self.chaos.is_some() {
            self.release(tid)?;
        }
        Ok(())
    }

    /// `tid` stays in its syscall without the CPU; the next ready thread runs.
    fn release(&mut self, tid: Tid) -> Result<()> {
        let task = self.task(tid);
        task.released = true;
        let (nr, args) = (task.entry.orig_rax, pt::syscall_args(&task.entry));
        let check = crate::entry_check(&task.entry);
        let g = task.group;
        self.push(Event::SyscallBlocked {
            tid,
            nr,
            args,
            check,
        })?;
        self.free_cpu(g, tid);
        self.schedule(g)
    }

    pub(crate) fn free_cpu(&mut self, g: Tid, tid: Tid) {
        if let Some(group) = self.groups.get_mut(&g) {
            if group.holder == Some(tid) {
                group.holder = None;
            }
        }
    }

    /// The stopped holder `tid` lets the next ready thread run and queues itself.
    pub(crate) fn yield_cpu(&mut self, tid: Tid) -> Result<()> {
        let g = self.task(tid).group;
        let group = self.groups.entry(g).or_default();
        group.ready.push_back((tid, Pending::Resume));
        self.free_cpu(g, tid);
        self.schedule(g)
    }

    /// At a syscall exit: keep running, or yield if the slice is used up and
    /// someone waits.
    pub(crate) fn continue_after_syscall(&mut self, tid: Tid) -> Result<()> {
        if !self.others_ready(tid) {
            return self.resume(tid, 0);
        }
        let held = pt::monotonic_ns().saturating_sub(self.task(tid).held_since);
        let turn = match &mut self.chaos {
            Some(c) => c.below(4) == 0,
            None => held >= SLICE_NS,
        };
        if turn {
            self.yield_cpu(tid)
        } else {
            self.resume(tid, 0)
        }
    }

    /// A task's slice before the watchdog looks at it. A chaos slice is drawn
    /// once per run of the task (at resume), so the deadline waited for is the
    /// one checked.
    fn slice(&mut self, tid: Tid) -> u64 {
        if let Some(s) = self.task(tid).chaos_slice {
            return s;
        }
        let checks = self.task(tid).quiet_checks.min(20);
        let base = if self.others_ready(tid) {
            SLICE_NS
        } else {
            SIGNAL_WAIT_NS
        };
        (base << checks).min(MAX_SLICE_NS)
    }

    /// Draws the task's next chaos slice (with `--chaos`).
    pub(crate) fn draw_slice(&mut self, tid: Tid) {
        if let Some(c) = &mut self.chaos {
            let s = 200_000 + c.below(SLICE_NS * 4);
            self.task(tid).chaos_slice = Some(s);
        }
    }

    /// When the holder `h`'s timer fires, if it has one: the release of a slow
    /// syscall, or the watchdog's look at user code.
    fn timer_of(&mut self, h: Tid) -> Option<u64> {
        let t = self.tasks.get(&h)?;
        if t.interrupt_sent || t.exiting {
            return None;
        }
        if t.in_syscall {
            (releasable(t) && self.others_ready(h)).then_some(t.since + SLOW_SYSCALL_NS)
        } else if !t.deferred.is_empty() || self.others_ready(h) {
            let since = t.since;
            Some(since + self.slice(h))
        } else {
            None
        }
    }

    /// The next moment a timer must act, if any.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        let holders: Vec<Tid> = self.groups.values().filter_map(|g| g.holder).collect();
        holders.into_iter().filter_map(|h| self.timer_of(h)).min()
    }

    /// Acts on expired timers: releases slow syscalls, interrupts long runners.
    pub(crate) fn on_timers(&mut self) -> Result<()> {
        let now = pt::monotonic_ns();
        let holders: Vec<Tid> = self.groups.values().filter_map(|g| g.holder).collect();
        for h in holders {
            if self.timer_of(h).is_none_or(|at| now < at) {
                continue;
            }
            if self.task(h).in_syscall {
                self.maybe_release(h)?;
                continue;
            }
            match pt::interrupt(h) {
                // Gone (ESRCH): its exit is on the way; no timer for it meanwhile.
                Ok(()) => self.task(h).interrupt_sent = true,
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
                    self.task(h).interrupt_sent = true
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The watchdog stopped `tid` in user code: preempt it if it is spinning.
    pub(crate) fn on_interrupt(&mut self, tid: Tid) -> Result<()> {
        self.task(tid).interrupt_sent = false;
        let regs = pt::get_regs(tid)?;
        if pt::read_mem(tid, regs.rip, 2).ok().as_deref() == Some(&[0x0f, 0x05]) {
            // About to make a syscall (again, after one skipped for this interrupt):
            // that boundary comes next anyway.
            return self.resume(tid, 0);
        }
        if self.task(tid).exit_regs == Some(regs) {
            // It had just returned from a syscall: a boundary, nothing to mark.
            return self.continue_after_syscall(tid);
        }
        let t0 = pt::monotonic_ns();
        let found = spin::check(tid)?;
        if sched_log() {
            eprintln!(
                "rewind-sched: check of {tid} took {} us: {}",
                (pt::monotonic_ns() - t0) / 1000,
                match &found {
                    spin::SpinCheck::Spinning { regs, .. } =>
                        format!("spinning at {:#x}", regs.rip),
                    spin::SpinCheck::NotSpinning { why, .. } => why.clone(),
                    spin::SpinCheck::OtherStop(..) => "other stop".into(),
                }
            );
        }
        match found {
            spin::SpinCheck::Spinning {
                regs,
                fpu_hash,
                stack_hash,
            } => {
                let task = self.task(tid);
                task.quiet_checks = 0;
                task.stuck_since = None;
                task.exit_regs = None;
                self.push(Event::Preempt {
                    tid,
                    regs,
                    fpu_hash,
                    stack_hash,
                })?;
                if let Some(info) = self.task(tid).deferred.pop_front() {
                    // The held-back signal is delivered here, at a recorded point.
                    self.task(tid).expect = Some(info);
                    let tgid = self.task(tid).tgid;
                    pt::tgkill(tgid, tid, crate::signo(&info))?;
                    return self.resume(tid, 0);
                }
                if self.others_ready(tid) {
                    return self.yield_cpu(tid);
                }
                self.resume(tid, 0)
            }
            spin::SpinCheck::NotSpinning { why, updated } => {
                let now = pt::monotonic_ns();
                let task = self.task(tid);
                task.quiet_checks += 1;
                let since = *task.stuck_since.get_or_insert(now);
                if self.exact_signals
                    && now - since >= PREEMPT_AT_POINT_NS
                    && self.others_ready(tid)
                {
                    // Others have waited long enough: stop it here, at a point
                    // replay can find (see async_signals).
                    return self.preempt_at_point(tid, &updated);
                }
                let task = self.task(tid);
                if now - since > STUCK_WARNING_NS && !task.warned {
                    task.warned = true;
                    eprintln!(
                        "rewind: thread {tid} has run for {} s without a syscall while other threads or a signal wait for it, and rewind cannot preempt it: {why}. If it waits for another thread, the recording will not progress (Ctrl-C stops it; the trace replays up to there).",
                        (now - since) / 1_000_000_000
                    );
                }
                self.resume(tid, 0)
            }
            spin::SpinCheck::OtherStop(raw, st) => self.dispatch(tid, raw, st),
        }
    }
}
