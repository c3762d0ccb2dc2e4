//! Taking dumps: of a crashing process (in place: it is dying anyway) and of
//! a running one (from a copy-on-write fork, so it pauses only for the fork).

use crate::report::{self, Event, LiveMemory, ThreadRegs};
use crate::{Monitor, MonitorError};
use rewind_dump::{capture, capture_thread, write_core, ThreadState};
use rewind_ptrace as pt;
use rewind_store::AddOutcome;
use std::path::PathBuf;
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

/// A thread stopped for a dump and the signal to give back when it resumes.
struct Held {
    tid: i32,
    pending: i32,
}

impl Monitor {
    /// Stops every thread of `tgid` but `except` (already stopped).
    fn stop_others(&mut self, tgid: i32, except: i32) -> Vec<Held> {
        let tids: Vec<i32> = crate::threads_of(tgid)
            .into_iter()
            .filter(|&t| t != except)
            .collect();
        let mut asked = Vec::new();
        for t in tids {
            if pt::interrupt(t).is_ok() {
                asked.push(t);
            }
        }
        let mut held = Vec::new();
        for t in asked {
            match pt::wait(t) {
                Ok((_, _, pt::WaitStatus::Signal(sig))) => held.push(Held {
                    tid: t,
                    pending: sig,
                }),
                Ok((_, _, st @ (pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_)))) => {
                    self.note_exit(t, st);
                }
                Err(_) => {
                    self.tasks.remove(&t);
                }
                Ok((_, _, pt::WaitStatus::Event(ev))) => {
                    if matches!(ev, pt::event::CLONE | pt::event::FORK | pt::event::VFORK) {
                        if let Ok(new) = pt::event_msg(t) {
                            self.tasks.insert(new as i32);
                        }
                    }
                    held.push(Held { tid: t, pending: 0 });
                }
                Ok(_) => held.push(Held { tid: t, pending: 0 }),
            }
        }
        held
    }

    /// A task's end seen by a dump's own wait: the main process's is kept
    /// for the session's outcome.
    fn note_exit(&mut self, tid: i32, st: pt::WaitStatus) {
        self.tasks.remove(&tid);
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
            if self.listening.contains(&h.tid) {
                let _ = pt::listen(h.tid);
            } else {
                let _ = pt::resume_cont(h.tid, h.pending);
            }
        }
    }

    fn incoming_path(&mut self, pid: i32) -> PathBuf {
        self.seq += 1;
        self.incoming
            .join(format!("{}-{pid}-{}.core", std::process::id(), self.seq))
    }

    /// Writes the core of `state` (memory from `mem_pid`); a failure becomes
    /// the note of a report without a dump.
    fn write_core_file(
        &mut self,
        state: &rewind_dump::ProcessState,
        mem_pid: i32,
    ) -> Result<PathBuf, String> {
        let path = self.incoming_path(state.pid);
        let result = std::fs::File::create(&path).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            write_core(state, mem_pid, &mut w)?;
            use std::io::Write;
            w.flush()
        });
        match result {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(format!("dump not kept: writing it failed ({e})"))
            }
        }
    }

    fn store_event(
        &mut self,
        report: &rewind_store::Report,
        core: Option<PathBuf>,
    ) -> Result<AddOutcome, MonitorError> {
        let result = self
            .store
            .add(report, core.as_deref(), &self.opts.store_options);
        if let Some(p) = &core {
            let _ = std::fs::remove_file(p);
        }
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
        let held = self.stop_others(tgid, tid);
        let mut states: Vec<ThreadState> = Vec::new();
        for t in std::iter::once(tid).chain(held.iter().map(|h| h.tid)) {
            if let Ok(s) = capture_thread(t) {
                states.push(s);
            }
        }
        let mut note = self.limits.dump_allowed(&self.opts.limits).err();
        let state = capture(tgid, tgid, states, sig, siginfo);
        let mut core = None;
        if let Ok(state) = &state {
            if note.is_none() {
                match self.write_core_file(state, tgid) {
                    Ok(p) => core = Some(p),
                    Err(n) => note = Some(n),
                }
            }
        }
        let report = match &state {
            Ok(s) => build_report(s, "crash", tgid, note),
            Err(e) => {
                let _ = pt::resume_cont(tid, sig);
                self.release(&held);
                return Err(MonitorError::Io(format!(
                    "reading crashed process {tgid}: {e}"
                )));
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
        let (first, first_sig) = match signal {
            Some((t, s)) => (t, s),
            None => {
                // Stop one thread to start with (the leader if it still runs).
                let lead = crate::threads_of(tgid).first().copied().unwrap_or(tgid);
                pt::interrupt(lead).map_err(io)?;
                match pt::wait(lead).map_err(io)? {
                    (_, _, pt::WaitStatus::Signal(s)) => (lead, s),
                    (_, _, st @ (pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_))) => {
                        self.note_exit(lead, st);
                        return Err(MonitorError::Io(format!("process {tgid} exited")));
                    }
                    _ => (lead, 0),
                }
            }
        };
        let mut held = vec![Held {
            tid: first,
            pending: first_sig,
        }];
        held.extend(self.stop_others(tgid, first));
        let states: Vec<ThreadState> = held
            .iter()
            .filter_map(|h| capture_thread(h.tid).ok())
            .collect();
        // A thread stopped by our interrupt (not at a signal) runs the fork.
        let forker = held
            .iter()
            .find(|h| h.pending == 0 && !self.listening.contains(&h.tid))
            .map(|h| h.tid);
        let mut child = None;
        if let Some(f) = forker {
            child = fork_copy(f, &mut held);
        }
        let mem_pid = child.unwrap_or(tgid);
        let mut pause = started.elapsed();
        if child.is_some() {
            self.release(&held);
        }
        let state = capture(tgid, mem_pid, states, 0, None).map_err(io);
        let mut note = None;
        let mut core = None;
        if let Ok(s) = &state {
            match self.write_core_file(s, mem_pid) {
                Ok(p) => core = Some(p),
                Err(n) => note = Some(n),
            }
        }
        // The group comes from the reason, so it names the trigger's kind
        // ("memory"); the measured value goes to the note.
        let (kind, detail) = match reason.split_once(' ') {
            Some((k, _)) if k != "signal" => (k, Some(reason.to_string())),
            _ => (reason, None),
        };
        let note = match (detail, note) {
            (Some(d), Some(n)) => Some(format!("{d}; {n}")),
            (d, n) => d.or(n),
        };
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
        unsafe { libc::kill(child, libc::SIGKILL) };
        while let Ok((_, _, st)) = pt::wait(child) {
            if matches!(st, pt::WaitStatus::Killed(_) | pt::WaitStatus::Exited(_)) {
                break;
            }
        }
        let tgid = self.main_pid;
        let lead = crate::threads_of(tgid).first().copied().unwrap_or(tgid);
        if pt::interrupt(lead).is_err() {
            return;
        }
        let pending = match pt::wait(lead) {
            Ok((_, _, pt::WaitStatus::Signal(s))) => s,
            Ok((_, _, st @ (pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_)))) => {
                self.note_exit(lead, st);
                return;
            }
            Err(_) => return,
            Ok(_) => 0,
        };
        let mut extra = Vec::new();
        if pending == 0 {
            let _ = pt::inject_syscall_in_stopped(
                lead,
                libc::SYS_wait4 as u64,
                &[child as u64, 0, libc::__WALL as u64, 0],
                &mut extra,
            );
        }
        // A signal that arrived during the wait4 is delivered now.
        let pending = extra.first().copied().unwrap_or(pending);
        let held = [Held { tid: lead, pending }];
        self.release(&held);
    }
}

/// Forks the process from stopped thread `tid` with an injected
/// clone(exit signal 0): a copy-on-write image of its memory, stopped.
fn fork_copy(tid: i32, held: &mut [Held]) -> Option<i32> {
    let regs = pt::get_regs(tid).ok()?;
    let at = pt::restartable(&regs).rip;
    let mut pending = Vec::new();
    let r =
        pt::inject_syscall_in_stopped(tid, libc::SYS_clone as u64, &[0, 0, 0, 0, 0], &mut pending)
            .ok()?;
    if let Some(&sig) = pending.first() {
        if let Some(h) = held.iter_mut().find(|h| h.tid == tid) {
            h.pending = sig;
        }
    }
    if r <= 0 {
        return None;
    }
    let child = r as i32;
    // Its first stop (auto-attached through PTRACE_O_TRACECLONE).
    loop {
        match pt::wait(child).ok()?.2 {
            pt::WaitStatus::Event(pt::event::STOP) | pt::WaitStatus::Signal(libc::SIGSTOP) => break,
            pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_) => return None,
            _ => {
                let _ = pt::resume_cont(child, 0);
            }
        }
    }
    // The copy holds the syscall instruction written for the injection.
    if let Ok(orig) = pt::read_mem(tid, at, 2) {
        let _ = pt::write_mem(child, at, &orig);
    }
    Some(child)
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
