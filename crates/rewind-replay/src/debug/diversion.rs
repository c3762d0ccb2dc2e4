//! Exploring without changing the recording: when gdb writes registers or
//! memory (`set var`, `print f(3)`, `call`, `return`), the change goes into a
//! *diversion*, a copy-on-write fork of the stopped focus thread. gdb reads the
//! copy while it exists and runs it for function calls (it executes for real:
//! its system calls are not replayed). The first resume that finds the copy's
//! registers back as they were at the stop (gdb restores them after a call; a
//! `set var` leaves them alone) discards it and moves the replay, which never
//! saw the change.

use super::{Ctl, StopReason, SI_KERNEL, TRAP_TRACE};
use crate::{Result, Session};
use rewind_ptrace::{self as pt, WaitStatus};
use rewind_trace::{Regs, Tid};
use std::collections::BTreeMap;

/// A throwaway copy of the focus at a stop.
pub(crate) struct Diversion {
    /// The copy (a single-threaded process, stopped).
    pub proc: i32,
    /// The focus thread it copies.
    pub tid: Tid,
    /// That thread's registers at the stop.
    stop_regs: Regs,
    /// Our breakpoints in the focus's memory when the copy was made (the copy's
    /// own come and go with gdb's requests meanwhile).
    replay_inserted: BTreeMap<u64, u8>,
}

/// Faults that the faulting instruction raises again when it is run again.
const REFAULTING: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL];

/// Making the copy ran a system call in the focus thread, which left the
/// signal-delivery stop it was in (the replay delivers the recorded signal
/// from there): running the faulting instruction again brings it back.
fn back_to_the_fault(real: i32, sig: i32) -> std::io::Result<()> {
    loop {
        pt::single_step(real, 0)?;
        match pt::wait(real)?.2 {
            WaitStatus::Signal(s) if s == sig => return Ok(()),
            // A child of the program ended meanwhile (the replay ignores those).
            WaitStatus::Signal(libc::SIGCHLD) => continue,
            other => {
                return Err(std::io::Error::other(format!(
                    "the fault did not happen again ({other:?})"
                )))
            }
        }
    }
}

/// Registers equal for the program: the kernel's restart marker (`orig_rax`,
/// which gdb sets to -1 before calls) and the resume and trap flags aside.
fn same_regs(a: &Regs, b: &Regs) -> bool {
    let key = |r: &Regs| {
        let mut r = *r;
        r.orig_rax = 0;
        r.eflags &= !(super::EFLAGS_RF | super::EFLAGS_TF);
        r
    };
    key(a) == key(b)
}

impl Ctl {
    /// The diversion's process, if one exists.
    pub(crate) fn diversion_proc(&self) -> Option<i32> {
        self.diversion.as_ref().map(|d| d.proc)
    }
}

impl Session {
    /// Sets focus thread `tid`'s registers (gdb's `G`): in a diversion, made
    /// first if they differ from the current ones.
    pub fn write_regs_of(&mut self, tid: Tid, regs: &Regs) -> std::io::Result<()> {
        if same_regs(&self.regs_of(tid)?, regs) {
            return Ok(());
        }
        let real = self.divert(tid)?;
        pt::set_regs(real, regs)
    }

    /// The x87/SSE registers (an FXSAVE image) of focus thread `tid`.
    pub fn fpregs_of(&self, tid: Tid) -> std::io::Result<[u8; 512]> {
        let real = self
            .thread_real(tid)
            .ok_or_else(|| std::io::Error::other("no such thread"))?;
        pt::get_fpregs(real)
    }

    /// Sets focus thread `tid`'s x87/SSE registers: in a diversion, made first
    /// if they differ from the current ones.
    pub fn write_fpregs_of(&mut self, tid: Tid, area: &[u8; 512]) -> std::io::Result<()> {
        if &self.fpregs_of(tid)? == area {
            return Ok(());
        }
        let real = self.divert(tid)?;
        let r = unsafe { libc::ptrace(libc::PTRACE_SETFPREGS, real, 0, area.as_ptr()) };
        if r == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Writes the focus's memory as gdb asks (`M`/`X`): in a diversion, made
    /// first if the bytes differ from the current ones.
    pub fn write_memory(&mut self, addr: u64, data: &[u8]) -> std::io::Result<()> {
        if self.read_memory(addr, data.len())? == data {
            return Ok(());
        }
        let tid = self
            .current_thread()
            .ok_or_else(|| std::io::Error::other("the process is not running"))?;
        let real = self.divert(tid)?;
        pt::write_mem(real, addr, data)?;
        // Where one of our breakpoints sits, the new byte is what it hides.
        let end = addr.saturating_add(data.len() as u64);
        let covered: Vec<u64> = self
            .ctl()
            .inserted
            .range(addr..end)
            .map(|(&a, _)| a)
            .collect();
        for a in covered {
            self.ctl().inserted.insert(a, data[(a - addr) as usize]);
            pt::write_mem(real, a, &[0xcc])?;
        }
        Ok(())
    }

    /// The diversion of thread `tid`, made now if there is none.
    fn divert(&mut self, tid: Tid) -> std::io::Result<i32> {
        if let Some(d) = &self.ctl().diversion {
            return if d.tid == tid {
                Ok(d.proc)
            } else {
                Err(std::io::Error::other(
                    "only the thread changed first can be changed until the program resumes",
                ))
            };
        }
        let real = self
            .thread_real(tid)
            .ok_or_else(|| std::io::Error::other("no such thread"))?;
        let stop_regs = pt::get_regs(real)?;
        // The copy is made by a system call the thread runs: it must be in a
        // stop from which it returns to its own code.
        let inside_syscall = self.tasks.get(&tid).is_none_or(|t| {
            t.in_syscall
                || t.mid_syscall.is_some()
                || t.at_entry.is_some()
                || t.exiting
                || t.running
        }) || (-516..=-512).contains(&(stop_regs.rax as i64));
        if inside_syscall || self.ctl().current != Some(tid) {
            return Err(std::io::Error::other(
                "only the thread that stopped can be changed, outside system calls",
            ));
        }
        let at_signal = self.ctl().at_signal;
        if at_signal.is_some_and(|s| !REFAULTING.contains(&s)) {
            return Err(std::io::Error::other(
                "the program cannot be changed at this signal's stop",
            ));
        }
        let proc = pt::fork_stopped(real)?;
        if let Some(sig) = at_signal {
            back_to_the_fault(real, sig)?;
        }
        let ctl = self.ctl();
        let replay_inserted = ctl.inserted.clone();
        ctl.diversion = Some(Diversion {
            proc,
            tid,
            stop_regs,
            replay_inserted,
        });
        if super::debug_log() {
            eprintln!("rewind-debug: diversion {proc} of thread {tid}");
        }
        Ok(proc)
    }

    /// At a resume: whether it runs the diversion (gdb left its registers
    /// changed: a function call is under way) rather than the replay.
    pub(crate) fn resume_runs_diversion(&self) -> bool {
        let Some(d) = self.dbg.as_ref().and_then(|c| c.diversion.as_ref()) else {
            return false;
        };
        match pt::get_regs(d.proc) {
            Ok(now) => !same_regs(&now, &d.stop_regs),
            // Gone (it exited): nothing to run.
            Err(_) => false,
        }
    }

    /// Runs the diversion to its next stop (one instruction if `step`).
    pub(crate) fn run_diversion(&mut self, step: bool) -> StopReason {
        let Some(proc) = self.ctl().diversion_proc() else {
            return StopReason::Signal(libc::SIGKILL);
        };
        let r = if step {
            pt::single_step(proc, 0)
        } else {
            pt::resume_cont(proc, 0)
        };
        if r.is_err() {
            return StopReason::Signal(libc::SIGKILL);
        }
        loop {
            match pt::wait(proc).map(|w| w.2) {
                Ok(WaitStatus::Signal(libc::SIGTRAP)) => {
                    let code = pt::get_siginfo(proc)
                        .map(|i| pt::siginfo_code(&i))
                        .unwrap_or(0);
                    let Ok(mut regs) = pt::get_regs(proc) else {
                        return StopReason::Signal(libc::SIGKILL);
                    };
                    let at = regs.rip.wrapping_sub(1);
                    if code == SI_KERNEL && self.ctl().inserted.contains_key(&at) {
                        regs.rip = at;
                        let _ = pt::set_regs(proc, &regs);
                        return StopReason::Breakpoint;
                    }
                    if step && code == TRAP_TRACE {
                        return StopReason::Step;
                    }
                    return StopReason::Signal(libc::SIGTRAP);
                }
                Ok(WaitStatus::Signal(sig)) => return StopReason::Signal(sig),
                // Process events of the copy (a fork it makes is left stopped
                // and dies with it): go on.
                Ok(WaitStatus::Event(_) | WaitStatus::Syscall) => {
                    if pt::resume_cont(proc, 0).is_err() {
                        return StopReason::Signal(libc::SIGKILL);
                    }
                }
                // It ended (it called exit, say): to gdb, killed. The next
                // resume goes back to the replay.
                Ok(WaitStatus::Exited(_) | WaitStatus::Killed(_)) | Err(_) => {
                    if let Some(d) = self.ctl().diversion.as_mut() {
                        d.proc = -1;
                    }
                    // Putting breakpoints back may fail only if the focus is
                    // gone, which the replay finds out at once anyway.
                    let _ = self.end_diversion();
                    return StopReason::Signal(libc::SIGKILL);
                }
            }
        }
    }

    /// Discards the diversion: the focus's memory gets the breakpoints gdb
    /// wants now, the threads its watchpoints.
    pub(crate) fn end_diversion(&mut self) -> Result<()> {
        let Some(d) = self.ctl().diversion.take() else {
            return Ok(());
        };
        if d.proc > 0 {
            unsafe { libc::kill(d.proc, libc::SIGKILL) };
            let _ = pt::wait(d.proc);
        }
        if super::debug_log() {
            eprintln!("rewind-debug: diversion {} discarded", d.proc);
        }
        self.ctl().inserted = d.replay_inserted;
        self.sync_breakpoints();
        let r = self.apply_watchpoints();
        self.io(r)
    }
}
