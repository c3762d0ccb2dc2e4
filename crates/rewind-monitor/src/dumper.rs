//! Taking dumps: of a crashing process (in place: it is dying anyway) and of
//! a running one (from a copy-on-write fork, so it pauses only for the fork).

use crate::report::{self, Event, LiveMemory, ThreadRegs};
use crate::waits::{TaskWait, INJECTION_TIMEOUT, STOP_TIMEOUT};
use crate::{Monitor, MonitorError};
use rewind_dump::{capture, capture_thread, write_core, ThreadState};
use rewind_ptrace as pt;
use rewind_store::{AddOutcome, IncomingCore};
use std::time::{Duration, Instant};

/// How long a snapshot held the process.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotStats {
    /// From stopping the first thread to resuming the last one.
    pub pause: Duration,
    /// Threads captured.
    pub threads: usize,
    /// Whether a fork was used (false: memory was read with the process stopped).
    pub forked: bool,
}

/// A thread stopped for a dump, and how it goes on afterwards.
struct Held {
    tid: i32,
    stop: Stop,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Stopped by our interrupt: the one kind of stop a syscall can be
    /// injected in. Resumed as it was.
    Interrupted,
    /// Resumed with this signal (a trigger signal stopped at its delivery,
    /// or a signal that arrived during an injected syscall).
    Signal(i32),
    /// In a group-stop (SIGSTOP...): left there.
    Group,
    /// At a clone/fork/exec event: resumed as it was.
    Event,
    /// In a stop the main loop has yet to handle (a signal's delivery: it
    /// may be a crash): left stopped for it.
    Deferred,
}

impl Monitor {
    /// Stops every thread of `tgid` but `except` (already stopped). Also
    /// returns the threads that did not stop in time (blocked in vfork until
    /// the child execs, or in uninterruptible I/O): the dump goes on without
    /// them rather than hold the others.
    fn stop_others(&mut self, tgid: i32, except: Option<i32>) -> (Vec<Held>, Vec<i32>) {
        let tids: Vec<i32> = crate::threads_of(tgid)
            .into_iter()
            .filter(|&t| Some(t) != except)
            .collect();
        let mut held = Vec::new();
        let mut asked = Vec::new();
        for t in tids {
            if self.has_deferred(t) {
                held.push(Held {
                    tid: t,
                    stop: Stop::Deferred,
                });
            } else if pt::interrupt(t).is_ok() {
                asked.push(t);
            }
        }
        // One deadline for all: stuck threads do not add up.
        let deadline = Instant::now() + STOP_TIMEOUT;
        let mut missing = Vec::new();
        for t in asked {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.wait_task(t, left) {
                TaskWait::Stopped(status, st) => {
                    let stop = self.classify_stop(t, status, st);
                    held.push(Held { tid: t, stop });
                }
                TaskWait::Gone => {}
                TaskWait::TimedOut => missing.push(t),
            }
        }
        (held, missing)
    }

    /// What a stop that answered our interrupt is, and how to go on from it.
    fn classify_stop(&mut self, tid: i32, status: i32, st: pt::WaitStatus) -> Stop {
        match st {
            pt::WaitStatus::Event(pt::event::STOP) => {
                // A thread in a group-stop reports the stop signal; one that
                // SIGCONT woke meanwhile reports SIGTRAP and runs on.
                let sig = (status >> 8) & 0xff;
                if crate::STOP_SIGNALS.contains(&sig) {
                    self.listening.insert(tid);
                    Stop::Group
                } else {
                    self.listening.remove(&tid);
                    Stop::Interrupted
                }
            }
            pt::WaitStatus::Event(ev) => {
                if matches!(ev, pt::event::CLONE | pt::event::FORK | pt::event::VFORK) {
                    if let Ok(new) = pt::event_msg(tid) {
                        self.tasks.insert(new as i32);
                    }
                }
                Stop::Event
            }
            // A signal on its way in answered first: the main loop decides
            // (it may be a crash to dump).
            _ => {
                self.deferred.push_back((tid, status, st));
                Stop::Deferred
            }
        }
    }

    /// A task's end seen by a dump's own wait: the main process's is kept
    /// for the session's outcome.
    pub(crate) fn note_exit(&mut self, tid: i32, st: pt::WaitStatus) {
        self.tasks.remove(&tid);
        self.listening.remove(&tid);
        self.deferred.retain(|d| d.0 != tid);
        if tid == self.main_pid {
            self.main_exit = match st {
                pt::WaitStatus::Exited(c) => Some(crate::Outcome::Exited(c)),
                pt::WaitStatus::Killed(s) => Some(crate::Outcome::Killed(s)),
                _ => None,
            };
        }
    }

    fn release(&mut self, held: &[Held]) {
        for h in held {
            let _ = match h.stop {
                Stop::Interrupted | Stop::Event => pt::resume_cont(h.tid, 0),
                Stop::Signal(sig) => pt::resume_cont(h.tid, sig),
                Stop::Group => pt::listen(h.tid),
                Stop::Deferred => Ok(()),
            };
        }
    }

    /// Writes the core of `state` (memory from `mem_pid`); a failure becomes
    /// the note of a report without a dump.
    fn write_core_file(
        &mut self,
        state: &rewind_dump::ProcessState,
        mem_pid: i32,
    ) -> Result<IncomingCore, String> {
        let core = self
            .store
            .incoming_core(state.pid)
            .map_err(|e| format!("dump not kept: {e}"))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, core.file());
        let result = write_core(state, mem_pid, &mut w).and_then(|_| {
            use std::io::Write;
            w.flush()
        });
        drop(w);
        match result {
            Ok(()) => Ok(core),
            // Dropping the core removes its file.
            Err(e) => Err(format!("dump not kept: writing it failed ({e})")),
        }
    }

    fn store_event(
        &mut self,
        report: &rewind_store::Report,
        core: Option<IncomingCore>,
    ) -> Result<AddOutcome, MonitorError> {
        let result = self.store.add(
            report,
            core.as_ref().map(IncomingCore::path),
            &self.opts.store_options,
        );
        drop(core); // removes the raw core
        let outcome = result?;
        if outcome.dump_kept {
            self.limits.dump_kept();
        }
        Ok(outcome)
    }

    /// A thread is about to die of `sig`: dump the process, let it die.
    pub(crate) fn on_crash(&mut self, tid: i32, sig: i32) -> Result<(), MonitorError> {
        let tgid = pt::tgid_of(tid).unwrap_or(tid);
        let siginfo = pt::get_siginfo(tid).ok();
        let (held, missing) = self.stop_others(tgid, Some(tid));
        let mut states: Vec<ThreadState> = Vec::new();
        for t in std::iter::once(tid).chain(held.iter().map(|h| h.tid)) {
            if let Ok(s) = capture_thread(t) {
                states.push(s);
            }
        }
        let refused = self.dump_allowed().err();
        let state = capture(tgid, tgid, states, sig, siginfo);
        let mut core = None;
        let mut failed = None;
        if let Ok(state) = &state {
            if refused.is_none() {
                match self.write_core_file(state, tgid) {
                    Ok(p) => core = Some(p),
                    Err(n) => failed = Some(n),
                }
            }
        }
        let note = join_notes([refused, failed, missing_note(&missing)]);
        let report = match &state {
            Ok(s) => build_report(s, "crash", tgid, note),
            Err(e) => {
                // Gone meanwhile (killed with its process): nothing to keep.
                let _ = pt::resume_cont(tid, sig);
                self.release(&held);
                self.say(&format!(
                    "crash of process {tgid} not stored: reading it failed ({e})"
                ));
                return Ok(());
            }
        };
        // Let it die as it would have; then store (compression is not on its clock).
        let _ = pt::resume_cont(tid, sig);
        self.release(&held);
        let outcome = self.store_event(&report, core)?;
        self.announce(&report, &outcome);
        Ok(())
    }

    fn announce(&self, report: &rewind_store::Report, outcome: &AddOutcome) {
        let dump = if outcome.dump_kept {
            format!(
                "dump {} ({} compressed)",
                rewind_store::human_bytes(outcome.core_bytes),
                rewind_store::human_bytes(outcome.dump_bytes)
            )
        } else {
            outcome.note.clone().unwrap_or_else(|| "no dump".into())
        };
        self.say(&format!(
            "{}; stored as crash {} (group {}), {dump}; see `rewind crashes info {}`",
            report::summary_line(report),
            outcome.id,
            outcome.group,
            outcome.id
        ));
    }

    /// Dumps the running process `main_pid` for `reason`; `signal`: a thread
    /// stopped at the delivery of a trigger signal (delivered afterwards).
    pub(crate) fn snapshot_dump(
        &mut self,
        reason: &str,
        signal: Option<(i32, i32)>,
    ) -> Result<(AddOutcome, SnapshotStats), MonitorError> {
        let tgid = self.main_pid;
        let io = |e: std::io::Error| MonitorError::Io(format!("dumping process {tgid}: {e}"));
        let started = Instant::now();
        let mut held = Vec::new();
        if let Some((tid, sig)) = signal {
            held.push(Held {
                tid,
                stop: Stop::Signal(sig),
            });
        }
        let (others, missing) = self.stop_others(tgid, signal.map(|s| s.0));
        held.extend(others);
        if held.is_empty() {
            return Err(MonitorError::Io(format!(
                "process {tgid} exited before it could be dumped"
            )));
        }
        let states: Vec<ThreadState> = held
            .iter()
            .filter_map(|h| capture_thread(h.tid).ok())
            .collect();
        // The fork is injected in a thread our interrupt stopped; without
        // one, memory is read with the process stopped.
        let forker = held.iter().position(|h| h.stop == Stop::Interrupted);
        let child = forker.and_then(|i| self.fork_copy(&mut held[i]));
        let mem_pid = child.unwrap_or(tgid);
        let mut pause = started.elapsed();
        if child.is_some() {
            self.release(&held);
        }
        let state = capture(tgid, mem_pid, states, 0, None).map_err(io);
        let mut failed = None;
        let mut core = None;
        if let Ok(s) = &state {
            match self.write_core_file(s, mem_pid) {
                Ok(p) => core = Some(p),
                Err(n) => failed = Some(n),
            }
        }
        // The group comes from the reason, so it names the trigger's kind
        // ("memory"); the measured value goes to the note.
        let (kind, detail) = match reason.split_once(' ') {
            Some((k, _)) if k != "signal" => (k, Some(reason.to_string())),
            _ => (reason, None),
        };
        let note = join_notes([detail, failed, missing_note(&missing)]);
        let report = state.map(|s| build_report(&s, kind, mem_pid, note));
        if let Some(c) = child {
            self.discard_copy(c);
        } else {
            self.release(&held);
            pause = started.elapsed();
        }
        let report = report?;
        let outcome = self.store_event(&report, core)?;
        self.announce(&report, &outcome);
        Ok((
            outcome,
            SnapshotStats {
                pause,
                threads: held.len(),
                forked: child.is_some(),
            },
        ))
    }

    /// Kills the copy and reaps it from its parent (the monitored process):
    /// it was made with exit signal 0, so the parent got no SIGCHLD and only
    /// an injected wait4 removes its zombie.
    fn discard_copy(&mut self, child: i32) {
        self.kill_copy(child);
        // Any thread of the parent can reap it; the leader first. Threads may
        // be exiting meanwhile: those waits note their ends.
        for t in crate::threads_of(self.main_pid) {
            if self.has_deferred(t) || self.listening.contains(&t) || pt::interrupt(t).is_err() {
                continue;
            }
            let stop = match self.wait_task(t, STOP_TIMEOUT) {
                TaskWait::Stopped(status, st) => self.classify_stop(t, status, st),
                TaskWait::Gone | TaskWait::TimedOut => continue,
            };
            let mut h = Held { tid: t, stop };
            if stop == Stop::Interrupted {
                let mut signals = Vec::new();
                let reaped = pt::inject_syscall_in_stopped(
                    t,
                    libc::SYS_wait4 as u64,
                    &[child as u64, 0, libc::__WALL as u64, 0],
                    &mut signals,
                    &mut |tid| self.injection_wait(tid),
                );
                self.redeliver(&mut h, &signals);
                self.release(std::slice::from_ref(&h));
                // ECHILD: reaped already (the process ignores SIGCHLD).
                if matches!(reaped, Ok(r) if r == child as i64 || r == -(libc::ECHILD as i64)) {
                    return;
                }
            } else {
                self.release(std::slice::from_ref(&h));
            }
        }
        self.say(&format!(
            "the copy {child} of process {} could not be reaped: it stays a zombie until the process ends",
            self.main_pid
        ));
    }

    /// Kills a copy and collects its end as its tracer (its zombie then
    /// waits for its parent's wait4).
    fn kill_copy(&mut self, copy: i32) {
        unsafe { libc::kill(copy, libc::SIGKILL) };
        while let TaskWait::Stopped(..) = self.wait_task(copy, STOP_TIMEOUT) {}
    }

    /// Signals that arrived while a syscall was injected into `h`: the first
    /// goes with its resumption (from a syscall stop the kernel sends it
    /// anew, so the main loop sees its delivery), others are sent again.
    fn redeliver(&self, h: &mut Held, signals: &[i32]) {
        let Some((&first, rest)) = signals.split_first() else {
            return;
        };
        h.stop = Stop::Signal(first);
        for &sig in rest {
            unsafe { libc::syscall(libc::SYS_tgkill, self.main_pid, h.tid, sig) };
        }
    }

    /// Forks the process from interrupted thread `h` with an injected
    /// clone(exit signal 0): a copy-on-write image of its memory, stopped.
    fn fork_copy(&mut self, h: &mut Held) -> Option<i32> {
        let tid = h.tid;
        let regs = pt::get_regs(tid).ok()?;
        let at = pt::restartable(&regs).rip;
        let mut signals = Vec::new();
        // The new process's pid from the clone event, in case the injection
        // fails after the clone (the thread killed on the way out): that
        // copy must not run on.
        let mut made = None;
        let r = pt::inject_syscall_in_stopped(
            tid,
            libc::SYS_clone as u64,
            &[0, 0, 0, 0, 0],
            &mut signals,
            &mut |t| {
                let st = self.injection_wait(t)?;
                if st == pt::WaitStatus::Event(pt::event::CLONE) {
                    made = pt::event_msg(t).ok().map(|c| c as i32);
                }
                Ok(st)
            },
        );
        self.redeliver(h, &signals);
        let child = match r {
            Ok(c) if c > 0 => c as i32,
            _ => {
                if let Some(c) = made {
                    self.kill_copy(c);
                }
                return None;
            }
        };
        // Its first stop (auto-attached through PTRACE_O_TRACECLONE).
        loop {
            match self.wait_task(child, INJECTION_TIMEOUT) {
                TaskWait::Stopped(_, pt::WaitStatus::Event(pt::event::STOP))
                | TaskWait::Stopped(_, pt::WaitStatus::Signal(libc::SIGSTOP)) => break,
                TaskWait::Stopped(..) => {
                    let _ = pt::resume_cont(child, 0);
                }
                TaskWait::Gone => return None,
                TaskWait::TimedOut => {
                    self.kill_copy(child);
                    return None;
                }
            }
        }
        // The copy holds the syscall instruction written for the injection.
        if let Ok(orig) = pt::read_mem(tid, at, 2) {
            let _ = pt::write_mem(child, at, &orig);
        }
        Some(child)
    }
}

/// The parts of a report's note that apply, joined.
fn join_notes<const N: usize>(parts: [Option<String>; N]) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn missing_note(missing: &[i32]) -> Option<String> {
    let tids: Vec<String> = missing.iter().map(|t| t.to_string()).collect();
    (!tids.is_empty()).then(|| {
        format!(
            "thread(s) {} not in the dump: not stopped within {} ms (blocked in vfork or uninterruptible I/O?)",
            tids.join(", "),
            STOP_TIMEOUT.as_millis()
        )
    })
}

/// The report of a captured process; memory and mappings from `mem_pid`.
fn build_report(
    s: &rewind_dump::ProcessState,
    reason: &str,
    mem_pid: i32,
    note: Option<String>,
) -> rewind_store::Report {
    let threads: Vec<ThreadRegs> = s
        .threads
        .iter()
        .map(|t| ThreadRegs {
            tid: t.tid,
            name: &t.name,
            regs: &t.regs,
        })
        .collect();
    let mem = LiveMemory::open(mem_pid);
    let mappings = report::live_mappings(mem_pid);
    let event = Event {
        reason: reason.to_string(),
        signal: (s.signal != 0).then_some(s.signal),
        siginfo: s.siginfo,
        pid: s.pid,
        executable: s.executable.clone(),
        cmdline: s.cmdline.clone(),
        process_uptime_secs: s.process_uptime_secs,
        note,
    };
    match mem {
        Ok(m) => report::build(event, &threads, &mappings, &m),
        Err(_) => report::build(event, &threads, &mappings, &|_: u64, _: &mut [u8]| false),
    }
}
