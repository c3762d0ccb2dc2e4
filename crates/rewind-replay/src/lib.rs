//! The replayer: re-executes a recorded program tree so that it makes the same
//! syscalls, sees the same results and memory, and prints the same output.
//!
//! Replay follows the trace's global event order, running one task at a time.
//! Syscalls that only exchange data with the world are *emulated*: the syscall is
//! skipped (orig_rax = -1) and the recorded result and memory are restored.
//! Syscalls that shape the address space or signal state (mmap, brk, sigaction,
//! fork, execve, ...) are performed for real, steered to the recorded outcome
//! (MAP_FIXED at the recorded address, the trace's copy of the executable), and
//! checked. Every syscall's number and arguments are compared with the trace: a
//! difference stops replay with the event number.

mod cpu;
mod debug;
mod exec;
mod kwrites;
mod shared;
mod task;
mod verify;

pub use debug::{DebugOptions, Debugger, Focus, Position, Resume, StopReason, WatchKind};

use rewind_ptrace::{self as pt, TrapInsn};
use rewind_syscalls::{self as sc, Policy};
use rewind_trace::{
    Event, EventReader, FileStore, ForkKind, MemWrite, OutputStream, SignalKind, SyscallCheck,
    SyscallExtra, Tid, TraceError,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use task::{Stop, Task};

/// How a replay ended.
pub struct ReplayOutcome {
    /// The replay reached the end of a complete recording.
    pub complete: bool,
    pub events: u64,
    /// The recorder stopped the program itself (say, at an unsupported syscall):
    /// why, as it said then.
    pub aborted: Option<String>,
}

/// Why a replay could not finish faithfully.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("replay diverged at event {event} (process {tid}): expected {expected}, but {actual}")]
    Divergence {
        event: u64,
        tid: Tid,
        expected: String,
        actual: String,
    },
    #[error("the recording ends at event {last_event} (it was cut short, e.g. the recorder was killed); replayed up to there")]
    Truncated { last_event: u64 },
    #[error("replay failed at event {event}: {what}")]
    Failed { event: u64, what: String },
    /// Internal: a debugging session restarts the replay (going backwards).
    #[error("replay restarted")]
    Restart,
    /// Internal: the debugger ended the session.
    #[error("debugging session ended")]
    Quit,
    #[error("the recording has {last} events, so a session cannot start after event {asked}; pick one up to {last} (`rewind info` counts them)")]
    NoSuchEvent { asked: u64, last: u64 },
}

impl ReplayError {
    /// Process exit status for `rewind replay`.
    pub fn exit_code(&self) -> u8 {
        match self {
            ReplayError::Trace(_) => 1,
            ReplayError::Failed { .. } | ReplayError::NoSuchEvent { .. } => 1,
            ReplayError::Divergence { .. } => 3,
            ReplayError::Truncated { .. } => 4,
            ReplayError::Restart | ReplayError::Quit => 0,
        }
    }
}

type Result<T> = std::result::Result<T, ReplayError>;

const SYS_MMAP: u64 = libc::SYS_mmap as u64;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
const PROT_WRITE: u64 = 0x2;
const RLIMIT_CORE: u64 = 4;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
pub(crate) const CLONE_THREAD: u64 = 0x10000;
const CLONE_VM: u64 = 0x100;

/// Replays the trace in `dir` to its end with no debugger, writing the program's
/// recorded stdout/stderr output to ours.
pub fn autopilot(dir: &Path) -> Result<ReplayOutcome> {
    let mut r = Session::open(dir)?;
    // A missing or damaged copy in files/ is the trace's fault: say so up front.
    r.files.verify()?;
    let result = r.run();
    let _ = r.stdout.flush();
    r.kill_all();
    result
}

/// One replay of a trace, from its start. A debugging session may go through
/// several (each backwards move re-runs the replay).
pub struct Session {
    reader: EventReader,
    /// Events read ahead (rt_sigsuspend needs to know the signal that ends it);
    /// a read error is kept in place until replay reaches it.
    lookahead: std::collections::VecDeque<std::result::Result<Option<(u64, Event)>, TraceError>>,
    files: FileStore,
    header: rewind_trace::Header,
    tasks: HashMap<Tid, Task>,
    stdout: std::io::BufWriter<std::io::Stdout>,
    /// Number of the event being replayed.
    event: u64,
    /// Set when a debugger drives the replay.
    dbg: Option<debug::Ctl>,
    /// Memory files behind shared file mappings and SysV segments.
    shared: shared::Backings,
    /// Compare registers and sent bytes with the recording (always, but for
    /// measuring what that costs: REWIND_REPLAY_NO_CHECKS=1).
    checks: bool,
}

const ERESTART_RESTARTBLOCK: i64 = 516;
/// After this long looking for one recorded point, replay says why it is slow.
const SLOW_POINT_NS: u64 = 10_000_000_000;

/// -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK: results
/// a program never sees; the kernel restarts the syscall or turns them into
/// EINTR while delivering a signal.
fn is_restart(result: i64) -> bool {
    matches!(-result, 512..=514 | ERESTART_RESTARTBLOCK)
}

fn is_error(result: i64) -> bool {
    (-4095..0).contains(&result)
}

fn describe_syscall(nr: u64, args: &[u64; 6]) -> String {
    let n = sc::spec(nr).map(|s| s.nargs as usize).unwrap_or(6);
    let a: Vec<String> = args[..n].iter().map(|a| format!("{a:#x}")).collect();
    format!("{}({})", sc::name(nr), a.join(", "))
}

impl Session {
    /// A replay of the trace in `dir`, before its first event.
    fn open(dir: &Path) -> Result<Session> {
        let reader = EventReader::open(dir)?;
        cpu::bind_for(reader.header()).map_err(|what| ReplayError::Failed { event: 0, what })?;
        Ok(Session {
            files: FileStore::new(dir),
            header: reader.header().clone(),
            reader,
            lookahead: std::collections::VecDeque::new(),
            tasks: HashMap::new(),
            stdout: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            event: 0,
            dbg: None,
            shared: shared::Backings::default(),
            checks: std::env::var_os("REWIND_REPLAY_NO_CHECKS").is_none(),
        })
    }

    fn next(&mut self) -> std::result::Result<Option<(u64, Event)>, TraceError> {
        match self.lookahead.pop_front() {
            Some(r) => r,
            None => self.reader.next_event(),
        }
    }

    /// Whether the next event of task `tid` delivers a signal to it.
    fn signal_comes_next(&mut self, tid: Tid) -> bool {
        matches!(
            self.peek_task(tid),
            Some(Event::Signal { .. } | Event::SignalAt { .. })
        )
    }

    /// The next event of task `tid`, reading ahead at most `LOOKAHEAD` events.
    fn peek_task(&mut self, tid: Tid) -> Option<&Event> {
        const LOOKAHEAD: usize = 100_000;
        let mut i = 0;
        loop {
            if i == self.lookahead.len() {
                if i >= LOOKAHEAD {
                    return None;
                }
                let r = self.reader.next_event();
                self.lookahead.push_back(r);
            }
            match &self.lookahead[i] {
                Ok(Some((_, e))) if e.tid() == Some(tid) => break,
                Ok(Some(_)) => i += 1,
                _ => return None,
            }
        }
        match &self.lookahead[i] {
            Ok(Some((_, e))) => Some(e),
            _ => None,
        }
    }

    fn run(&mut self) -> Result<ReplayOutcome> {
        loop {
            if self.dbg.is_some() {
                self.check_segment_end()?;
                self.maybe_checkpoint();
            }
            let (n, event) = match self.next() {
                Ok(Some(e)) => e,
                Ok(None) => {
                    return Err(ReplayError::Truncated {
                        last_event: self.event,
                    })
                }
                Err(TraceError::Truncated { last_event, .. }) => {
                    return Err(ReplayError::Truncated { last_event })
                }
                Err(e) => return Err(e.into()),
            };
            self.event = n;
            if let Event::End(summary) = event {
                return Ok(ReplayOutcome {
                    complete: true,
                    events: n,
                    aborted: summary.aborted,
                });
            }
            // Writes made for a task do not run it (a debugger's step goes on).
            let tid = event
                .tid()
                .filter(|_| !matches!(event, Event::KernelWrites { .. }));
            self.replay_event(event)?;
            if self.dbg.is_some() {
                if let Some(tid) = tid {
                    self.after_focus_event(tid);
                }
                self.after_event()?;
            }
        }
    }

    fn fail(&self, what: impl std::fmt::Display) -> ReplayError {
        ReplayError::Failed {
            event: self.event,
            what: what.to_string(),
        }
    }

    fn diverged(
        &self,
        tid: Tid,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> ReplayError {
        ReplayError::Divergence {
            event: self.event,
            tid,
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    fn task(&mut self, tid: Tid) -> Result<&mut Task> {
        let event = self.event;
        self.tasks.get_mut(&tid).ok_or_else(|| ReplayError::Failed {
            event,
            what: format!("the trace names process {tid}, which replay has not created"),
        })
    }

    /// Runs the task to its next stop, turning ptrace failures into replay errors.
    fn advance(&mut self, tid: Tid) -> Result<Stop> {
        loop {
            // Inside a syscall (between its entry and exit stops) the focus only
            // finishes it; breakpoints and steps apply to user code.
            let in_syscall = self
                .tasks
                .get(&tid)
                .is_some_and(|t| t.in_syscall || t.mid_syscall.is_some());
            if !self.is_focus(tid) || in_syscall {
                let stop = self.task(tid)?.advance().map_err(|e| self.lost(tid, e))?;
                return Ok(match stop {
                    Stop::SigTrap(_) => Stop::Signal(libc::SIGTRAP),
                    s => s,
                });
            }
            let on_breakpoint = self.before_focus_runs(tid)?;
            let stepping = self.focus_stepping(tid);
            let real = self.task(tid)?.real;
            // A `syscall` instruction is never single-stepped: the event logic runs it.
            let at_syscall = || {
                pt::get_regs(real)
                    .ok()
                    .and_then(|r| pt::read_mem(real, r.rip, 2).ok())
                    .is_some_and(|c| c == [0x0f, 0x05])
            };
            let (stop, stepped) = if on_breakpoint {
                match self.step_over_breakpoint(tid)? {
                    // While continuing, the step over our breakpoint is silent
                    // unless it hit a watchpoint (see focus_stop).
                    Some(stop) => (stop, stepping),
                    None => (
                        self.task(tid)?.advance().map_err(|e| self.lost(tid, e))?,
                        false,
                    ),
                }
            } else if stepping && !at_syscall() {
                (
                    self.task(tid)?
                        .single_step()
                        .map_err(|e| self.lost(tid, e))?,
                    true,
                )
            } else {
                (
                    self.task(tid)?.advance().map_err(|e| self.lost(tid, e))?,
                    false,
                )
            };
            match self.focus_stop(tid, stop, stepped)? {
                None => continue,
                Some(stop) => return Ok(stop),
            }
        }
    }

    fn lost(&self, tid: Tid, e: std::io::Error) -> ReplayError {
        ReplayError::Failed {
            event: self.event,
            what: format!("lost control of process {tid}: {e}"),
        }
    }

    fn io<T>(&self, r: std::io::Result<T>) -> Result<T> {
        r.map_err(|e| self.fail(e))
    }

    /// Runs the task to the entry of its next syscall and checks it is the recorded one.
    fn run_to_entry(
        &mut self,
        tid: Tid,
        nr: u64,
        args: Option<&[u64; 6]>,
        check: Option<&SyscallCheck>,
    ) -> Result<rewind_trace::Regs> {
        let expected = match args {
            Some(a) => describe_syscall(nr, a),
            None => sc::name(nr),
        };
        match self.advance(tid)? {
            Stop::Entry(regs) => {
                let actual = pt::syscall_args(&regs);
                let same_nr = regs.orig_rax == nr;
                let nargs = sc::spec(nr).map(|s| s.nargs as usize).unwrap_or(6);
                let same_args = args.is_none_or(|a| a[..nargs] == actual[..nargs]);
                if !same_nr || !same_args {
                    return Err(self.diverged(
                        tid,
                        format!("syscall {expected}"),
                        format!(
                            "the program made syscall {}",
                            describe_syscall(regs.orig_rax, &actual)
                        ),
                    ));
                }
                let check = check.filter(|_| self.checks);
                if let Some(diff) = check.and_then(|c| verify::regs_differ(&c.regs, &regs)) {
                    return Err(self.diverged(
                        tid,
                        format!("syscall {expected} with the recorded registers"),
                        format!("at its entry {diff}"),
                    ));
                }
                Ok(regs)
            }
            other => Err(self.diverged(
                tid,
                format!("syscall {expected}"),
                format!("the program {}", other.describe()),
            )),
        }
    }

    fn replay_event(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Syscall {
                tid,
                nr,
                args,
                result,
                writes,
                extra,
                check,
            } => self.replay_syscall(tid, nr, &args, result, &writes, extra, &check),
            Event::SyscallNoReturn {
                tid,
                nr,
                args,
                check,
            } => {
                self.run_to_entry(tid, nr, Some(&args), Some(&check))?;
                self.replay_exit_call(tid, nr)
            }
            Event::SyscallBlocked {
                tid,
                nr,
                args,
                check,
            } => {
                let regs = self.run_to_entry(tid, nr, Some(&args), Some(&check))?;
                self.task(tid)?.at_entry = Some(regs);
                Ok(())
            }
            Event::Preempt {
                tid,
                regs,
                fpu_hash,
                stack_hash,
            } => {
                let point = rewind_trace::ExecPoint {
                    regs,
                    fpu_hash,
                    stack_hash,
                    written: Vec::new(),
                    written_crc: 0,
                    xmm_low: Vec::new(),
                    stack_words: Vec::new(),
                    mem_words: Vec::new(),
                };
                self.run_to_point(tid, &point)
            }
            Event::PreemptAt { tid, point } => self.run_to_point(tid, &point),
            Event::SignalAt {
                tid,
                signo,
                siginfo,
                point,
            } => {
                self.run_to_point(tid, &point)?;
                self.replay_signal(tid, signo, SignalKind::Asynchronous, siginfo)
            }
            Event::NewTask {
                tid,
                child,
                kind,
                flags: _,
            } => self.replay_new_task(tid, child, kind),
            Event::Exec {
                tid,
                exe,
                regs,
                stack,
                mappings,
            } => {
                let real = if self.tasks.contains_key(&tid) {
                    let path = self.files.path_of(&exe);
                    let task_regs = self.advance(tid)?;
                    let Stop::Entry(entry) = task_regs else {
                        return Err(self.diverged(
                            tid,
                            "syscall execve",
                            format!("the program {}", task_regs.describe()),
                        ));
                    };
                    if entry.orig_rax != libc::SYS_execve as u64
                        && entry.orig_rax != libc::SYS_execveat as u64
                    {
                        return Err(self.diverged(
                            tid,
                            "syscall execve",
                            format!(
                                "the program made syscall {}",
                                describe_syscall(entry.orig_rax, &pt::syscall_args(&entry))
                            ),
                        ));
                    }
                    let event = self.event;
                    let leader = self.task(tid)?.rec_tgid;
                    let tgid = self.task(tid)?.tgid;
                    let others = self
                        .tasks
                        .iter()
                        .any(|(&t, task)| t != tid && task.tgid == tgid && task.exited.is_none());
                    if leader != tid || others {
                        return self.exec_from_thread(tid, leader, &entry, &path).and_then(
                            |real| self.finish_exec(leader, real, &regs, &stack, &mappings),
                        );
                    }
                    exec::exec_in_task(self.task(tid)?, &entry, &path)
                        .map_err(|what| ReplayError::Failed { event, what })?;
                    self.task(tid)?.real
                } else {
                    let path = self.files.path_of(&exe);
                    let event = self.event;
                    let mut task = exec::spawn_initial(&path, &self.header)
                        .map_err(|what| ReplayError::Failed { event, what })?;
                    task.rec_tgid = tid;
                    let real = task.real;
                    self.tasks.insert(tid, task);
                    real
                };
                self.finish_exec(tid, real, &regs, &stack, &mappings)
            }
            Event::Signal {
                tid,
                signo,
                kind,
                siginfo,
            } => self.replay_signal(tid, signo, kind, siginfo),
            Event::Rdtsc { tid, rip, tsc, aux } => {
                let insn = if aux.is_some() {
                    TrapInsn::Rdtscp
                } else {
                    TrapInsn::Rdtsc
                };
                let mut regs = self.run_to_trap(tid, insn, rip)?;
                pt::apply_tsc(&mut regs, tsc, aux);
                self.finish_trap(tid, insn, regs)
            }
            Event::Cpuid {
                tid,
                rip,
                leaf,
                subleaf,
                out,
            } => {
                let mut regs = self.run_to_trap(tid, TrapInsn::Cpuid, rip)?;
                if regs.rax as u32 != leaf || regs.rcx as u32 != subleaf {
                    return Err(self.diverged(
                        tid,
                        format!("cpuid leaf {leaf:#x}/{subleaf}"),
                        format!(
                            "cpuid asked for leaf {:#x}/{}",
                            regs.rax as u32, regs.rcx as u32
                        ),
                    ));
                }
                pt::apply_cpuid(&mut regs, out);
                self.finish_trap(tid, TrapInsn::Cpuid, regs)
            }
            Event::Exit { tid, status } => self.replay_exit(tid, status),
            Event::KernelWrites { tid, writes, .. } => self.replay_kernel_writes(tid, &writes),
            Event::End(_) => Ok(()),
        }
    }

    /// Makes the image task `tid` (real `real`) just exec'd the recorded one.
    fn finish_exec(
        &mut self,
        tid: Tid,
        real: i32,
        regs: &rewind_trace::Regs,
        stack: &MemWrite,
        mappings: &[rewind_trace::Mapping],
    ) -> Result<()> {
        exec::after_exec(
            real,
            regs,
            stack,
            mappings,
            &self.files,
            self.header.cpuid_faulting,
        )
        .map_err(|what| match what {
            exec::ExecProblem::Layout(actual) => {
                self.diverged(tid, "the recorded address space after execve", actual)
            }
            exec::ExecProblem::Other(what) => self.fail(what),
        })?;
        if let Some(d) = &mut self.dbg {
            if d.focus == Some(tid) && d.start_event == self.event {
                d.started = true;
                self.focus_started()?;
            }
        }
        Ok(())
    }

    /// execve by thread `tid` of a process with other threads (`leader` is its
    /// leader): the kernel kills the other threads (their exits are in the trace
    /// after this event) and the caller takes the leader's tid (an old leader is
    /// gone without a report). Returns the real tid the task has now.
    fn exec_from_thread(
        &mut self,
        tid: Tid,
        leader: Tid,
        entry: &rewind_trace::Regs,
        exe: &Path,
    ) -> Result<i32> {
        let tgid = self.task(tid)?.tgid;
        for (&t, task) in self.tasks.iter_mut() {
            if task.tgid == tgid && t != tid && task.exited.is_none() {
                task.exiting = true;
                task.running = true;
                task.at_entry = None;
            }
        }
        let event = self.event;
        let mut task = self.tasks.remove(&tid).expect("checked by the caller");
        let r = exec::exec_in_thread(&mut task, entry, exe, tgid, &mut self.tasks);
        if leader != tid {
            self.tasks.remove(&leader);
        }
        let real = task.real;
        self.tasks.insert(leader, task);
        r.map_err(|what| ReplayError::Failed { event, what })?;
        Ok(real)
    }

    /// Delivers a recorded signal to task `tid` at its current point.
    fn replay_signal(
        &mut self,
        tid: Tid,
        signo: i32,
        kind: SignalKind,
        siginfo: Vec<u8>,
    ) -> Result<()> {
        if kind == SignalKind::Asynchronous {
            let task = self.task(tid)?;
            if task.queued_signal != Some(signo) {
                let (tgid, real) = (task.tgid, task.real);
                let r = pt::tgkill(tgid, real, signo);
                self.io(r)?;
                self.task(tid)?.queued_signal = Some(signo);
            }
        }
        match self.advance(tid)? {
            Stop::Signal(sig) if sig == signo => {}
            // RDTSC or CPUID faulting because the program asked so
            // (replay traps them anyway and reports them as traps).
            Stop::Trap(..) if signo == libc::SIGSEGV && kind == SignalKind::Synchronous => {}
            other => {
                return Err(self.diverged(
                    tid,
                    format!("signal {}", signal_name(signo)),
                    format!("the program {}", other.describe()),
                ))
            }
        }
        if kind == SignalKind::Synchronous {
            self.signal_stop(tid, signo)?;
        }
        let task = self.task(tid)?;
        let real = task.real;
        task.inject = signo;
        let r = pt::set_siginfo(real, &siginfo);
        self.io(r)
    }

    fn run_to_trap(&mut self, tid: Tid, insn: TrapInsn, rip: u64) -> Result<rewind_trace::Regs> {
        match self.advance(tid)? {
            Stop::Trap(i, regs) if i == insn && regs.rip == rip => Ok(regs),
            other => Err(self.diverged(
                tid,
                format!("{insn:?} at {rip:#x}"),
                format!("the program {}", other.describe()),
            )),
        }
    }

    fn finish_trap(
        &mut self,
        tid: Tid,
        insn: TrapInsn,
        mut regs: rewind_trace::Regs,
    ) -> Result<()> {
        regs.rip += insn.length();
        let real = self.task(tid)?.real;
        let r = pt::set_regs(real, &regs);
        self.io(r)
    }

    fn replay_new_task(&mut self, tid: Tid, child: Tid, kind: ForkKind) -> Result<()> {
        let regs = match self.advance(tid)? {
            Stop::Entry(regs)
                if [libc::SYS_clone, libc::SYS_fork, libc::SYS_vfork]
                    .contains(&(regs.orig_rax as i64)) =>
            {
                regs
            }
            other => {
                return Err(self.diverged(
                    tid,
                    format!("a {kind:?} syscall"),
                    format!("the program {}", other.describe()),
                ))
            }
        };
        let real_child = match self.advance(tid)? {
            Stop::Event(pt::event::FORK | pt::event::VFORK | pt::event::CLONE) => {
                let real = self.task(tid)?.real;
                let r = pt::event_msg(real);
                self.io(r)? as i32
            }
            other => {
                return Err(self.diverged(
                    tid,
                    format!("a new process from {kind:?}"),
                    format!("the program {}", other.describe()),
                ))
            }
        };
        let mut task = Task::new(real_child);
        task.rec_tgid = child;
        if regs.orig_rax == libc::SYS_clone as u64 && regs.rdi & CLONE_THREAD != 0 {
            task.tgid = self.task(tid)?.tgid;
            task.rec_tgid = self.task(tid)?.rec_tgid;
        }
        let r = task.wait_initial_stop();
        self.io(r)?;
        // The kernel wrote the child's real tid where CLONE_CHILD_SETTID asked; the
        // program must see the recorded one.
        if regs.orig_rax == libc::SYS_clone as u64
            && regs.rdi & CLONE_CHILD_SETTID != 0
            && regs.r10 != 0
        {
            let r = pt::write_mem(real_child, regs.r10, &child.to_ne_bytes());
            self.io(r)?;
        }
        self.tasks.insert(child, task);
        if let Some(d) = &mut self.dbg {
            if d.focus == Some(child) && d.start_event == self.event {
                d.started = true;
                self.focus_started()?;
            } else if self.is_focus(child) {
                // A new thread of the focus: watchpoints live in each thread's
                // debug registers.
                let r = self.apply_watchpoints();
                self.io(r)?;
            } else if self.is_focus(tid) {
                let shares_memory = regs.orig_rax == libc::SYS_vfork as u64
                    || (regs.orig_rax == libc::SYS_clone as u64 && regs.rdi & CLONE_VM != 0);
                self.focus_forked(child, real_child, shares_memory)?;
            }
        }
        self.task(tid)?.mid_syscall = Some(regs);
        Ok(())
    }

    /// exit or exit_group, stopped at its entry. The syscall runs now: exit_group
    /// takes the other threads with it; a thread's exit clears its tid word and
    /// wakes its joiner, which the next events of other threads may rely on, so
    /// replay waits for it to be gone (unless it leads a process whose other
    /// threads live on: the kernel reports its end only after theirs).
    fn replay_exit_call(&mut self, tid: Tid, nr: u64) -> Result<()> {
        let tgid = self.task(tid)?.tgid;
        let alone = !self
            .tasks
            .iter()
            .any(|(&t, task)| task.tgid == tgid && t != tid && task.exited.is_none());
        let r = self.task(tid)?.let_die();
        self.io(r)?;
        if nr == libc::SYS_exit_group as u64 {
            self.mark_dying(tgid);
        } else if self.task(tid)?.real != tgid || alone {
            let r = self.task(tid)?.wait_exit();
            self.io(r)?;
        } else {
            // A leader leaving its threads behind: done once it is a zombie.
            let real = self.task(tid)?.real;
            pt::wait_zombie(real, 2_000_000_000);
        }
        Ok(())
    }

    /// Runs the task to the point the recorder preempted it at: the first place
    /// where its registers, x87/SSE state and top of stack are the recorded ones
    /// (see the recorder's `spin` module for why that is the same point).
    /// The pages written lately, xmm and stack words are compared where the
    /// point has them (a preemption point has none).
    fn run_to_point(&mut self, tid: Tid, point: &rewind_trace::ExecPoint) -> Result<()> {
        let (want, fpu_hash, stack_hash) = (&point.regs, point.fpu_hash, point.stack_hash);
        let (written, written_crc) = (&point.written[..], point.written_crc);
        let extras = (
            &point.xmm_low[..],
            &point.stack_words[..],
            &point.mem_words[..],
        );
        let mem_words = &point.mem_words[..];
        let real = self.task(tid)?.real;
        let addr = want.rip;
        let want_cmp = pt::comparable_regs(want);
        let at_point = |regs: &rewind_trace::Regs| -> bool {
            pt::comparable_regs(regs) == want_cmp
                && pt::preempt_key(real, regs).ok() == Some((fpu_hash, stack_hash))
                && mem_words.iter().all(|&(a, v)| {
                    pt::read_mem(real, a, 8).ok().as_deref() == Some(&v.to_le_bytes()[..])
                })
                && (written.is_empty() || pt::pages_crc(real, written, regs.rsp) == written_crc)
        };
        let unexpected = |s: &Session, what: String| {
            s.diverged(
                tid,
                format!("to reach the point it was preempted or signalled at ({addr:#x})"),
                what,
            )
        };
        let debugged = self.is_focus(tid);
        if !debugged && self.run_to_point_with_stub(tid, want, extras, &at_point)? {
            return Ok(());
        }
        // The debugger's breakpoints: address -> original byte.
        let user_bp = |s: &Session, a: u64| {
            s.dbg
                .as_ref()
                .filter(|_| debugged)
                .and_then(|d| d.inserted.get(&a).copied())
        };
        loop {
            let r = pt::get_regs(real);
            let regs = self.io(r)?;
            if at_point(&regs) {
                return Ok(());
            }
            if debugged && user_bp(self, regs.rip).is_some() {
                // Resuming on a debugger breakpoint: execute the real instruction.
                match self.step_over_breakpoint(tid)? {
                    Some(stop) => {
                        if let Some(other) = self.focus_stop(tid, stop, false)? {
                            return Err(unexpected(
                                self,
                                format!("the program {}", other.describe()),
                            ));
                        }
                    }
                    None => return Err(unexpected(self, "the program reached a syscall".into())),
                }
                continue;
            }
            let ours = user_bp(self, addr).is_none();
            let orig = match user_bp(self, addr) {
                Some(b) => b,
                None => {
                    let r = pt::read_mem(real, addr, 1);
                    self.io(r)?[0]
                }
            };
            if ours {
                let r = pt::write_mem(real, addr, &[0xcc]);
                self.io(r)?;
            }
            let stop = self.task(tid)?.advance().map_err(|e| self.lost(tid, e));
            if ours {
                let r = pt::write_mem(real, addr, &[orig]);
                self.io(r)?;
            }
            let code = match stop? {
                Stop::SigTrap(code) => code,
                other => {
                    return Err(unexpected(
                        self,
                        format!("the program {}", other.describe()),
                    ))
                }
            };
            let r = pt::get_regs(real);
            let mut regs = self.io(r)?;
            if regs.rip != addr + 1 {
                // A debugger breakpoint or watchpoint on the way.
                if debugged {
                    match self.focus_stop(tid, Stop::SigTrap(code), false)? {
                        None => continue,
                        Some(other) => {
                            return Err(unexpected(
                                self,
                                format!("the program {}", other.describe()),
                            ))
                        }
                    }
                }
                return Err(unexpected(
                    self,
                    format!("the program trapped at {:#x}", regs.rip),
                ));
            }
            if ours {
                regs.rip = addr;
                let r = pt::set_regs(real, &regs);
                self.io(r)?;
            } else {
                // It is the debugger's breakpoint: report the hit (that also
                // puts the instruction pointer back on it).
                self.focus_stop(tid, Stop::SigTrap(code), false)?;
                let r = pt::get_regs(real);
                regs = self.io(r)?;
            }
            if at_point(&regs) {
                return Ok(());
            }
            // Not this visit: execute the instruction and look again.
            if ours {
                let s = self.task(tid)?.single_step();
                match self.io(s)? {
                    Stop::SigTrap(_) => {}
                    other => {
                        return Err(unexpected(
                            self,
                            format!("the program {}", other.describe()),
                        ))
                    }
                }
            }
        }
    }

    /// [`Session::run_to_point`] with a breakpoint that checks the registers
    /// inside the program (see `rewind_ptrace::PointStub`): a visit that does
    /// not match costs no ptrace stop. False when the instruction at the point
    /// cannot host the stub (then the caller stops at every visit).
    fn run_to_point_with_stub(
        &mut self,
        tid: Tid,
        want: &rewind_trace::Regs,
        (xmm_low, stack_words, mem_words): (&[u64], &[u64], &[(u64, u64)]),
        at_point: &dyn Fn(&rewind_trace::Regs) -> bool,
    ) -> Result<bool> {
        let real = self.task(tid)?.real;
        let r = pt::get_regs(real);
        if at_point(&self.io(r)?) {
            return Ok(true);
        }
        let stub = match pt::PointStub::install(real, want, xmm_low, stack_words, mem_words) {
            Ok(Some(stub)) => stub,
            Ok(None) => return Ok(false),
            Err(e) => return Err(self.fail(format!("cannot set a breakpoint stub: {e}"))),
        };
        let started = pt::monotonic_ns();
        let mut warned = false;
        let found = loop {
            if !warned && pt::monotonic_ns() - started > SLOW_POINT_NS {
                // Not a hang: the program passes this point with the recorded
                // registers again and again (its loop keeps its state in memory).
                warned = true;
                eprintln!(
                    "rewind: note: finding where a signal or preemption hit process {tid} (event {}) is taking long: its loop passes {:#x} with the same registers many times; recording with --signals boundaries avoids this",
                    self.event,
                    want.rip
                );
            }
            let stop = match self.task(tid)?.advance() {
                Ok(stop) => stop,
                Err(e) => break Err(self.lost(tid, e)),
            };
            let trapped = match stop {
                Stop::SigTrap(_) => pt::get_regs(real).ok().filter(|r| stub.trapped(r)),
                _ => None,
            };
            let Some(mut regs) = trapped else {
                break Err(self.diverged(
                    tid,
                    format!(
                        "to reach the point it was preempted or signalled at ({:#x})",
                        want.rip
                    ),
                    format!("the program {}", stop.describe()),
                ));
            };
            match stub.program_regs(real, &regs) {
                Ok(program) if at_point(&program) => {
                    break pt::set_regs(real, &program).map_err(|e| self.fail(e));
                }
                Ok(_) => {
                    regs.rip = stub.resume_addr();
                    if let Err(e) = pt::set_regs(real, &regs) {
                        break Err(self.fail(e));
                    }
                }
                Err(e) => break Err(self.fail(e)),
            }
        };
        let removed = stub.remove(real);
        found?;
        self.io(removed)?;
        Ok(true)
    }

    /// The kernel is killing the process `tgid` (exit_group, a fatal signal):
    /// its tasks are waited for where they are stopped, never resumed.
    fn mark_dying(&mut self, tgid: i32) {
        for task in self.tasks.values_mut().filter(|t| t.tgid == tgid) {
            if task.exited.is_none() && !task.running {
                task.exiting = true;
                task.running = true;
                task.at_entry = None;
            }
        }
    }

    fn replay_exit(&mut self, tid: Tid, status: i32) -> Result<()> {
        if !self.task(tid)?.exiting {
            // Not its own exit: a signal (or another thread's exit_group) is
            // taking its process down. Let the threads holding the fatal signal go;
            // the kernel kills the others where they are stopped.
            let tgid = self.task(tid)?.tgid;
            let fatal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
            let killers: Vec<Tid> = self
                .tasks
                .iter()
                .filter(|(&t, task)| {
                    task.tgid == tgid && t != tid && task.inject != 0 && Some(task.inject) == fatal
                })
                .map(|(&t, _)| t)
                .collect();
            let group_going = !killers.is_empty()
                || self
                    .tasks
                    .values()
                    .any(|t| t.tgid == tgid && t.exiting && t.running);
            for k in killers {
                let r = self.task(k)?.let_die();
                self.io(r)?;
            }
            if group_going {
                self.mark_dying(tgid);
            }
        }
        let task = self.task(tid)?;
        let real = task.real;
        if !task.exiting
            && task.inject == 0
            && libc::WIFSIGNALED(status)
            && libc::WTERMSIG(status) == libc::SIGKILL
        {
            // SIGKILL is never reported to a tracer: the trace has only the exit.
            // (rewind itself kills the program this way when it has to stop a
            // recording.) The task dies wherever it is, even parked at the entry
            // of a syscall it blocked in.
            unsafe { libc::kill(real, libc::SIGKILL) };
            task.exiting = true;
            task.at_entry = None;
        }
        let got = loop {
            match self.advance(tid)? {
                Stop::Exited(raw) => break raw,
                // A task told to exit may still pass a syscall-exit or signal stop.
                _ if self.task(tid)?.exiting => continue,
                other => {
                    return Err(self.diverged(
                        tid,
                        "the process to exit",
                        format!("the program {}", other.describe()),
                    ))
                }
            }
        };
        let was_focus = self.is_focus(tid);
        let (tgid, rec_tgid) = (self.task(tid)?.tgid, self.task(tid)?.rec_tgid);
        self.tasks.remove(&tid);
        // The focus process ends with its last thread.
        let was_focus = was_focus && !self.tasks.values().any(|t| t.rec_tgid == rec_tgid);
        if libc::WIFSIGNALED(got) {
            // A fatal signal takes the whole process.
            self.mark_dying(tgid);
        }
        if was_focus && got == status {
            self.focus_exited(tid, status)?;
        }
        if got != status {
            return Err(self.diverged(
                tid,
                format!("exit {}", describe_status(status)),
                format!("it ended with {}", describe_status(got)),
            ));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn replay_syscall(
        &mut self,
        tid: Tid,
        nr: u64,
        args: &[u64; 6],
        result: i64,
        writes: &[MemWrite],
        extra: SyscallExtra,
        check: &SyscallCheck,
    ) -> Result<()> {
        if let Some(entry) = self.task(tid)?.mid_syscall.take() {
            // The second half of a fork/clone/vfork performed for real.
            if let Some(diff) = verify::regs_differ(&check.regs, &entry) {
                return Err(self.diverged(
                    tid,
                    format!("{} with the recorded registers", sc::name(nr)),
                    format!("at its entry {diff}"),
                ));
            }
            self.finish_executed(tid, &entry, nr, result, writes, true)?;
            return Ok(());
        }
        let entry = self.run_to_entry(tid, nr, Some(args), Some(check))?;
        if extra == SyscallExtra::CancelledForSignal {
            return self.emulate(tid, entry, nr, result, writes);
        }
        let Some(spec) = sc::spec(nr).filter(|_| sc::trap_control(nr, args).is_none()) else {
            // An unknown number (the recorder answered ENOSYS without running
            // it), or the program's control of RDTSC/CPUID trapping (answered by
            // the recorder: replay keeps its own trapping).
            return self.emulate(tid, entry, nr, result, writes);
        };
        let sent = self.check_sent(tid, spec, args, result, check, &extra)?;
        if let Some(done) =
            self.replay_with_temporary_mask(tid, &entry, nr, args, result, writes)?
        {
            return Ok(done);
        }
        let execute_then_restore = match spec.policy {
            Policy::Execute => Some(false),
            Policy::ExecuteRestoreResult => Some(true),
            Policy::Emulate | Policy::Refuse { .. } => None,
            Policy::Special => match nr as i64 {
                libc::SYS_prlimit64 if args[0] == 0 && args[2] != 0 && args[1] != RLIMIT_CORE => {
                    Some(true)
                }
                libc::SYS_setrlimit if args[0] != RLIMIT_CORE => Some(true),
                _ if nr == SYS_MMAP && !is_error(result) => {
                    return self.replay_mmap(tid, entry, args, result, extra)
                }
                _ if shared::is_shm_call(nr) && !is_error(result) => {
                    return self.replay_shm(tid, entry, nr, args, result, extra)
                }
                _ => None,
            },
        };
        match execute_then_restore {
            Some(restore) => self.finish_executed(tid, &entry, nr, result, writes, restore)?,
            None => self.emulate(tid, entry, nr, result, writes)?,
        }
        self.after_shared_change(tid, args, result, &extra)?;
        match (extra, sent) {
            // The bytes the replayed program wrote (equal to the recorded ones:
            // check_sent made sure).
            (SyscallExtra::Output { stream, .. }, Some(data)) => self.print(stream, &data),
            // Bytes the kernel copied from a file (sendfile): the recorded ones.
            (SyscallExtra::Output { stream, data }, None) => self.print(stream, &data),
            _ => {}
        }
        Ok(())
    }

    /// A syscall that waits with a temporary signal mask (ppoll, pselect6,
    /// epoll_pwait, rt_sigsuspend) and was interrupted by the signal that comes
    /// next: the signal may be deliverable only under that mask. The task really
    /// suspends with rt_sigsuspend(that mask) and the signal queued, so the kernel
    /// installs the mask, delivers the signal under it and restores the old one
    /// when the handler returns, as it did; then the recorded result and memory
    /// are put back. None when this does not apply.
    fn replay_with_temporary_mask(
        &mut self,
        tid: Tid,
        entry: &rewind_trace::Regs,
        nr: u64,
        args: &[u64; 6],
        result: i64,
        writes: &[MemWrite],
    ) -> Result<Option<()>> {
        const INTERRUPTED: [i64; 5] = [-4, -512, -513, -514, -516];
        if !INTERRUPTED.contains(&result) {
            return Ok(None);
        }
        let real = self.task(tid)?.real;
        let mem = |addr, len| pt::read_mem(real, addr, len).ok();
        let Some(mask) = sc::temporary_sigmask(nr, args, &mem) else {
            return Ok(None);
        };
        let sig = match self.peek_task(tid) {
            Some(Event::Signal {
                tid: t,
                signo,
                kind: SignalKind::Asynchronous,
                ..
            }) if *t == tid => *signo,
            _ => return Ok(None),
        };
        let task = self.task(tid)?;
        if task.queued_signal != Some(sig) {
            let (tgid, real) = (task.tgid, task.real);
            let r = pt::tgkill(tgid, real, sig);
            self.io(r)?;
            self.task(tid)?.queued_signal = Some(sig);
        }
        let mut regs = *entry;
        regs.orig_rax = libc::SYS_rt_sigsuspend as u64;
        regs.rdi = mask;
        regs.rsi = 8;
        let r = pt::set_regs(real, &regs);
        self.io(r)?;
        let mut exit = self.run_to_exit(tid)?;
        // The program's argument registers, as its own syscall left them.
        exit.rdi = entry.rdi;
        exit.rsi = entry.rsi;
        let r = pt::set_regs(real, &exit);
        self.io(r)?;
        self.restore_result(tid, nr, result, writes)?;
        Ok(Some(()))
    }

    /// For a syscall that sends data: reads what the replayed program sends and
    /// compares it with the recording (the bytes themselves where the trace keeps
    /// them, their length and CRC-32 otherwise).
    fn check_sent(
        &mut self,
        tid: Tid,
        spec: &sc::SyscallSpec,
        args: &[u64; 6],
        result: i64,
        check: &SyscallCheck,
        extra: &SyscallExtra,
    ) -> Result<Option<Vec<u8>>> {
        if !self.checks {
            return Ok(None);
        }
        let real = self.task(tid)?.real;
        let Some(data) = verify::sent_bytes(real, spec, args, result) else {
            return Ok(None);
        };
        let what = || describe_syscall(spec.nr, args);
        if let SyscallExtra::Output { data: recorded, .. } = extra {
            if *recorded != data {
                return Err(self.diverged(
                    tid,
                    format!("{} to write the recorded bytes", what()),
                    format!(
                        "the bytes it writes {}",
                        verify::first_difference(recorded, &data)
                    ),
                ));
            }
        }
        if let Some(want) = check.sent {
            let got = rewind_trace::SentData::of([data.as_slice()]);
            if got != want {
                return Err(self.diverged(
                    tid,
                    format!(
                        "{} to send {} bytes with CRC-32 {:08x}",
                        what(),
                        want.len,
                        want.crc
                    ),
                    format!(
                        "the program's buffer holds {} bytes with CRC-32 {:08x}",
                        got.len, got.crc
                    ),
                ));
            }
        }
        Ok(Some(data))
    }

    fn print(&mut self, stream: OutputStream, data: &[u8]) {
        if !self.output_wanted() {
            return;
        }
        // Output errors (a closed pipe) must not change how the replay goes.
        match stream {
            OutputStream::Stdout => {
                let _ = self.stdout.write_all(data);
            }
            OutputStream::Stderr => {
                let _ = self.stdout.flush();
                let _ = std::io::stderr().write_all(data);
            }
        }
    }

    /// Skips the syscall and puts back the recorded result and memory.
    fn emulate(
        &mut self,
        tid: Tid,
        mut entry: rewind_trace::Regs,
        nr: u64,
        result: i64,
        writes: &[MemWrite],
    ) -> Result<()> {
        let real = self.task(tid)?.real;
        entry.orig_rax = u64::MAX;
        let r = pt::set_regs(real, &entry);
        self.io(r)?;
        self.run_to_exit(tid)?;
        self.restore_result(tid, nr, result, writes)
    }

    fn run_to_exit(&mut self, tid: Tid) -> Result<rewind_trace::Regs> {
        match self.advance(tid)? {
            Stop::Exit(regs) => Ok(regs),
            other => Err(self.fail(format!(
                "process {tid} {} instead of finishing its syscall",
                other.describe()
            ))),
        }
    }

    fn restore_result(
        &mut self,
        tid: Tid,
        nr: u64,
        result: i64,
        writes: &[MemWrite],
    ) -> Result<()> {
        let real = self.task(tid)?.real;
        let r = pt::get_regs(real);
        let mut regs = self.io(r)?;
        regs.rax = result as u64;
        // orig_rax decides how the kernel restarts an interrupted syscall when a
        // signal is delivered next: it must be the recorded syscall.
        regs.orig_rax = nr;
        if is_restart(result) && !self.signal_comes_next(tid) {
            // Interrupted by a signal that another thread took (or that was
            // dropped): the kernel restarted the syscall without a handler, which
            // the recording shows as the same syscall made again. Replay has no
            // signal pending to make the kernel do it: do it here.
            regs.rip -= 2;
            regs.rax = if result == -ERESTART_RESTARTBLOCK {
                libc::SYS_restart_syscall as u64
            } else {
                nr
            };
        }
        let r = pt::set_regs(real, &regs);
        self.io(r)?;
        self.check_kernel_writes(tid, writes);
        for w in writes {
            if let Err(e) = pt::write_mem(real, w.addr, &w.data) {
                return Err(self.diverged(
                    tid,
                    format!(
                        "memory at {:#x} (+{}) to be writable for {}",
                        w.addr,
                        w.data.len(),
                        sc::name(nr)
                    ),
                    format!("it is not: {e}"),
                ));
            }
        }
        Ok(())
    }

    /// Lets a syscall (already past its entry) run for real; restores its recorded
    /// result and memory, or checks that it returned the recorded result.
    fn finish_executed(
        &mut self,
        tid: Tid,
        entry: &rewind_trace::Regs,
        nr: u64,
        result: i64,
        writes: &[MemWrite],
        restore: bool,
    ) -> Result<()> {
        let regs = self.run_to_exit(tid)?;
        let got = regs.rax as i64;
        if restore {
            self.restore_result(tid, nr, result, writes)
        } else if got != result {
            Err(self.diverged(
                tid,
                format!(
                    "{} to return {result}",
                    describe_syscall(nr, &pt::syscall_args(entry))
                ),
                format!("it returned {got}"),
            ))
        } else {
            Ok(())
        }
    }

    /// mmap at the recorded address; file contents come from the trace's copy.
    fn replay_mmap(
        &mut self,
        tid: Tid,
        entry: rewind_trace::Regs,
        args: &[u64; 6],
        result: i64,
        extra: SyscallExtra,
    ) -> Result<()> {
        if let SyscallExtra::MapBackedFile { .. } = &extra {
            return self.replay_shared_mmap(tid, entry, args, result, &extra);
        }
        let real = self.task(tid)?.real;
        let mut regs = entry;
        let mut flags = (args[3] & !MAP_FIXED_NOREPLACE) | MAP_FIXED;
        if args[3] & MAP_ANONYMOUS == 0 {
            let shared = match extra {
                SyscallExtra::MapFile { shared, .. } => shared && args[2] & PROT_WRITE != 0,
                // /dev/zero: MAP_SHARED of it is shared anonymous memory
                // (a parent and its children see each other's stores).
                SyscallExtra::None => args[3] & MAP_SHARED != 0,
                _ => false,
            };
            flags = (flags & !0x3) | MAP_ANONYMOUS | if shared { MAP_SHARED } else { MAP_PRIVATE };
            regs.r8 = u64::MAX;
            regs.r9 = 0;
        }
        regs.rdi = result as u64;
        regs.r10 = flags;
        let r = pt::set_regs(real, &regs);
        self.io(r)?;
        let mut exit = self.run_to_exit(tid)?;
        if exit.rax as i64 != result {
            return Err(self.diverged(
                tid,
                format!("mmap at {result:#x}"),
                format!("the kernel answered {:#x}", exit.rax),
            ));
        }
        // The program expects its argument registers untouched by the syscall.
        exit.rdi = entry.rdi;
        exit.r10 = entry.r10;
        exit.r8 = entry.r8;
        exit.r9 = entry.r9;
        let r = pt::set_regs(real, &exit);
        self.io(r)?;
        if let SyscallExtra::MapFile { file, offset, .. } = extra {
            let path = self.files.path_of(&file);
            let r = exec::fill_from_file(real, result as u64, args[1], &path, offset);
            self.io(r).map_err(|_| {
                self.fail(format!(
                    "cannot read {} (the copy of {} in the trace)",
                    path.display(),
                    file.original
                ))
            })?;
        }
        if self.is_focus(tid) {
            self.refresh_breakpoints();
        }
        Ok(())
    }

    fn kill_all(&mut self) {
        for t in self.tasks.values() {
            unsafe { libc::kill(t.real, libc::SIGKILL) };
        }
        // Threads first: the kernel reports a thread group leader only after
        // all its other threads are reaped.
        let mut tasks: Vec<&Task> = self.tasks.values().filter(|t| t.exited.is_none()).collect();
        tasks.sort_by_key(|t| t.real == t.tgid);
        for t in tasks {
            let _ = pt::wait(t.real);
        }
        self.tasks.clear();
        // Reap zombies of replayed processes whose parents were emulated.
        while let Ok(Some(_)) = pt::try_wait(-1) {}
    }
}

pub(crate) fn signal_name(sig: i32) -> String {
    let name = unsafe { libc::strsignal(sig) };
    let desc = if name.is_null() {
        String::new()
    } else {
        unsafe { std::ffi::CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned()
    };
    format!("{sig} ({desc})")
}

fn describe_status(raw: i32) -> String {
    if libc::WIFSIGNALED(raw) {
        format!("killed by signal {}", signal_name(libc::WTERMSIG(raw)))
    } else {
        format!("status {}", libc::WEXITSTATUS(raw))
    }
}

/// Debugs the replay of the trace in `dir`: the `debugger` is called whenever the
/// focus process stops. Returns when the debugger quits.
pub fn debug(dir: &Path, options: DebugOptions, debugger: Box<dyn Debugger>) -> Result<()> {
    let start = debug::find_focus(dir, options.focus.as_ref())?;
    FileStore::new(dir).verify()?;
    let (focus_tid, start_event) = (start.tid, start.event);
    let exe = Some(FileStore::new(dir).path_of(&start.exe));
    let mut goal = debug::start_goal(&options, &start)?;
    let mut points = debug::Points::default();
    let mut debugger = debugger;
    let mut temp = None;
    let mut checkpoints: Vec<debug::Checkpoint> = Vec::new();
    let mut scratch = true;
    let result = loop {
        let mut s = Session::open(dir)?;
        let mut ctl = debug::Ctl::new(focus_tid, start_event, points, goal.clone(), debugger, temp);
        // Start from the latest checkpoint before where this move needs to be.
        let from = match goal.start_event() {
            Some(e) if !scratch => checkpoints.iter().rposition(|c| c.event < e),
            _ => None,
        };
        if let Some(i) = from {
            let c = &checkpoints[i];
            let restored = pt::fork_stopped(c.proc).map_err(|e| ReplayError::Failed {
                event: c.event,
                what: format!("cannot restore a checkpoint: {e}"),
            })?;
            s.reader.skip_to(c.pos)?;
            s.event = c.event;
            let mut task = task::Task::new(restored);
            task.rec_tgid = focus_tid;
            s.tasks.insert(focus_tid, task);
            ctl.started = true;
            ctl.restored_at = Some(c.event);
            ctl.inserted = c.inserted.clone();
        }
        ctl.checkpoints = std::mem::take(&mut checkpoints);
        ctl.options = options.clone();
        ctl.exe = exe.clone();
        s.dbg = Some(ctl);
        let result = if from.is_some() {
            s.resync_points().and_then(|_| s.run())
        } else {
            s.run()
        };
        let _ = s.stdout.flush();
        s.kill_all();
        let ctl = s.dbg.take().expect("debug state");
        points = ctl.points;
        debugger = ctl.debugger.expect("debugger returned");
        checkpoints = ctl.checkpoints;
        scratch = ctl.force_scratch;
        match result {
            Err(ReplayError::Restart) => {
                goal = ctl.next_goal.expect("restart goal");
                temp = ctl.temp;
            }
            Err(ReplayError::Quit) => break Ok(()),
            Err(e) => break Err(e),
            // The recording is over and the debugger did not go back: done.
            Ok(_) => break Ok(()),
        }
    };
    for c in checkpoints {
        c.discard();
    }
    result
}

/// The trace's copy of the executable the focus process runs (for the debugger).
pub fn focus_executable(dir: &Path, focus: Option<&Focus>) -> Result<std::path::PathBuf> {
    let start = debug::find_focus(dir, focus)?;
    Ok(FileStore::new(dir).path_of(&start.exe))
}

/// Checks `options` against the trace in `dir` before a debugging session
/// starts; returns the trace's copy of the focus's executable.
pub fn check_debug_options(dir: &Path, options: &DebugOptions) -> Result<std::path::PathBuf> {
    let start = debug::find_focus(dir, options.focus.as_ref())?;
    debug::start_goal(options, &start)?;
    Ok(FileStore::new(dir).path_of(&start.exe))
}
