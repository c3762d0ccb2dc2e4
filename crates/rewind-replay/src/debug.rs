//! Debugging a replay: breakpoints, watchpoints, stepping, and going backwards.
//!
//! One recorded process is the *focus*; a debugger (the gdb server) is called back
//! whenever one of its threads stops for it (that thread becomes the *current*
//! one). The rest of the replay runs as in autopilot.
//!
//! Going backwards re-runs the replay from the start (a fresh session) to find the
//! point to stop at, then runs again to that point. A point in time is a
//! [`Position`]: the number of the event being replayed plus the focus's full
//! register set. Without hardware counters this cannot tell apart two moments with
//! identical registers within one event interval (a loop whose registers repeat
//! while memory changes); replay then stops at the first of them.

mod diversion;

use crate::task::Stop;
use crate::{ReplayError, Result, Session};
use rewind_ptrace as pt;
use rewind_trace::{Regs, Tid};
use std::collections::BTreeMap;

/// Why the focus stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The focus process just started (after its execve): the beginning of history.
    Start,
    /// Went backwards to the beginning of history.
    HistoryStart,
    Breakpoint,
    Step,
    Watch {
        addr: u64,
        kind: WatchKind,
    },
    /// A signal is about to be delivered to the focus.
    Signal(i32),
    /// The focus process ended (raw wait status).
    Exited(i32),
    /// A `goto` arrived at its event.
    Arrived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    Write,
    Read,
    Access,
}

/// What the debugger wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Positions are copied around a handful at a time: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Resume {
    Continue,
    Step,
    ReverseContinue,
    ReverseStep,
    /// Stop after event N (going backwards if needed).
    Goto(u64),
    /// Return to a position seen before (a checkpoint).
    Seek(Position),
    /// Start over: the focus's start, as when the session began (gdb's `run`).
    Restart,
    /// End the debugging session.
    Quit,
}

/// A debugger driving a replay (the gdb server implements it).
pub trait Debugger {
    fn stopped(&mut self, session: &mut Session, why: StopReason) -> Resume;
}

/// A moment of the focus's execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub event: u64,
    /// The focus thread (recorded tid) the registers are of.
    pub tid: Tid,
    pub regs: Regs,
    /// Hash of the top of the stack: tells apart loop iterations whose registers
    /// repeat but whose locals (say, a loop counter in an unoptimised frame) do not.
    pub stack_hash: u64,
}

/// Bytes above the stack pointer that a position covers.
const STACK_WINDOW: usize = 1024;

/// How a debugging session runs.
#[derive(Clone, Debug, Default)]
pub struct DebugOptions {
    /// Which recorded process to debug (default: the first).
    pub focus: Option<Focus>,
    /// Do not print the program's output.
    pub quiet_output: bool,
    /// Start positioned just after this event rather than at the focus's start.
    pub start_after: Option<u64>,
}

/// Which recorded process to debug.
#[derive(Clone, Debug)]
pub enum Focus {
    /// The recorded process with this pid.
    Pid(Tid),
    /// The first process whose executable has this file name.
    Command(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Watchpoint {
    pub addr: u64,
    pub len: u64,
    pub kind: WatchKind,
}

/// Breakpoints and watchpoints, which outlive the replay sessions of one debugging session.
#[derive(Clone, Debug, Default)]
pub(crate) struct Points {
    pub breakpoints: BTreeMap<u64, ()>,
    pub watchpoints: Vec<Watchpoint>,
}

/// Where an automatic (debugger-less) run is going.
#[derive(Clone, Debug)]
pub(crate) enum Goal {
    /// Report every stop to the debugger.
    Interactive,
    /// Reverse-continue, first pass: run to `until`, remembering the last
    /// breakpoint/watchpoint stop before it.
    FindLastHit {
        until: Until,
        last: Option<(Position, StopReason)>,
    },
    /// Reverse-step, first pass: run to `until` with a temporary breakpoint at its
    /// address, remembering the last arrival there (or the last focus event
    /// boundary) before it: a nearby point to single-step from.
    FindAnchor {
        until: Position,
        last: Option<Position>,
        report: StopReason,
    },
    /// Reverse-step, second pass: from `anchor`, count single steps to `until`.
    CountSteps {
        anchor: Position,
        until: Position,
        reached: bool,
        steps: u64,
        report: StopReason,
    },
    /// Go to `target`, then take `steps` single steps, then report `report`.
    Seek {
        target: Target,
        steps: u64,
        reached: bool,
        report: StopReason,
    },
    /// Stop once event `n` has been replayed.
    Goto(u64),
}

/// A point to run to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Positions are copied around a handful at a time: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Target {
    Start,
    At(Position),
}

/// The point a backwards search must reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Positions are copied around a handful at a time: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Until {
    At(Position),
    /// The focus's exit (reverse from the end of its history).
    Exit,
    /// The point after event N, where a later search segment began.
    AfterEvent(u64),
}

/// Debugging state of one replay session.
pub(crate) struct Ctl {
    /// The focus's recorded pid.
    pub focus: Option<Tid>,
    /// The focus thread that stopped last (or the debugger selected).
    pub current: Option<Tid>,
    /// The thread the pending stop belongs to.
    pub pending_tid: Option<Tid>,
    /// The event after which the focus starts (its last execve).
    pub start_event: u64,
    pub started: bool,
    pub points: Points,
    /// Breakpoints written into the focus: address -> original byte.
    pub inserted: BTreeMap<u64, u8>,
    /// Temporary breakpoint of a backwards search.
    pub temp: Option<u64>,
    pub stepping: bool,
    /// A stop to report before the focus next runs (after a syscall finished).
    pub pending: Option<StopReason>,
    pub goal: Goal,
    pub debugger: Option<Box<dyn Debugger>>,
    /// Set when this session ends to restart another with this goal.
    pub next_goal: Option<Goal>,
    /// The trace's copy of the focus's executable.
    pub exe: Option<std::path::PathBuf>,
    /// Snapshots of the focus, shared by the sessions of one debugging session.
    pub checkpoints: Vec<Checkpoint>,
    pub last_checkpoint_ns: u64,
    /// The event of the checkpoint this session started from (None: from the start).
    pub restored_at: Option<u64>,
    /// The next session must start from the beginning.
    pub force_scratch: bool,
    pub options: DebugOptions,
    /// A `goto` runs on forwards from where the user was (not a re-run).
    pub goto_forwards: bool,
    /// The focus's current thread sits in a signal-delivery stop for this signal.
    pub at_signal: Option<i32>,
    /// Where gdb's changes go while it explores a stop.
    pub diversion: Option<diversion::Diversion>,
    /// vfork children (recorded tids) that may still share the focus's
    /// memory: our breakpoints stay out of it until they exec or exit.
    pub vfork_children: Vec<Tid>,
}

/// A copy-on-write snapshot of the focus (a forked, stopped copy of it) and where
/// the replay was when it was taken.
pub(crate) struct Checkpoint {
    /// The last event replayed before the snapshot.
    pub event: u64,
    pub pos: rewind_trace::ReaderPos,
    pub proc: i32,
    /// Our breakpoints in its memory.
    pub inserted: BTreeMap<u64, u8>,
}

/// Replay time between automatic checkpoints.
const CHECKPOINT_INTERVAL_NS: u64 = 100_000_000;
/// At most this many checkpoints live at once.
const MAX_CHECKPOINTS: usize = 32;

impl Checkpoint {
    pub(crate) fn discard(self) {
        unsafe { libc::kill(self.proc, libc::SIGKILL) };
        let _ = pt::wait(self.proc);
    }
}

impl Ctl {
    pub(crate) fn new(
        focus: Tid,
        start_event: u64,
        points: Points,
        goal: Goal,
        debugger: Box<dyn Debugger>,
        temp: Option<u64>,
    ) -> Ctl {
        Ctl {
            focus: Some(focus),
            current: Some(focus),
            pending_tid: None,
            start_event,
            started: false,
            points,
            inserted: BTreeMap::new(),
            temp,
            stepping: false,
            pending: None,
            goal,
            debugger: Some(debugger),
            next_goal: None,
            exe: None,
            checkpoints: Vec::new(),
            last_checkpoint_ns: pt::monotonic_ns(),
            restored_at: None,
            force_scratch: false,
            vfork_children: Vec::new(),
            diversion: None,
            at_signal: None,
            goto_forwards: false,
            options: DebugOptions::default(),
        }
    }

    /// Backwards searches also stop after each focus event: anchors to single-step
    /// from, and the only way to recognise positions between events.
    fn wants_event_points(&self) -> bool {
        !matches!(self.goal, Goal::Interactive | Goal::Goto(_))
    }
}

/// `REWIND_DEBUG_LOG` set: trace the debugging layer's stops and moves on stderr.
/// Read once: stops are a hot path during backwards searches.
fn debug_log() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("REWIND_DEBUG_LOG").is_some())
}

const SI_KERNEL: i32 = 0x80;
const TRAP_TRACE: i32 = 2;
const TRAP_HWBKPT: i32 = 4;
const EFLAGS_TF: u64 = 1 << 8;
const EFLAGS_RF: u64 = 1 << 16;
/// offsetof(struct user, u_debugreg) on x86-64.
const DEBUGREG_OFFSET: usize = 848;

/// Whether two tasks share one address space (kcmp KCMP_VM). Where the
/// kernel lacks kcmp, they are taken not to.
fn same_memory(a: i32, b: i32) -> bool {
    const KCMP_VM: libc::c_long = 1;
    let r = unsafe { libc::syscall(libc::SYS_kcmp, a, b, KCMP_VM, 0, 0) };
    r == 0
}

fn poke_debugreg(tid: i32, n: usize, value: u64) -> std::io::Result<()> {
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_POKEUSER,
            tid,
            DEBUGREG_OFFSET + n * 8,
            value as libc::c_ulong,
        )
    };
    if r == -1 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn peek_debugreg(tid: i32, n: usize) -> std::io::Result<u64> {
    unsafe { *libc::__errno_location() = 0 };
    let r = unsafe { libc::ptrace(libc::PTRACE_PEEKUSER, tid, DEBUGREG_OFFSET + n * 8, 0) };
    if r == -1 && unsafe { *libc::__errno_location() } != 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r as u64)
    }
}

impl Session {
    fn ctl(&mut self) -> &mut Ctl {
        self.dbg.as_mut().expect("debug session")
    }

    /// Whether the program's output at this point goes to ours: always without
    /// a debugger; when debugging, only while the user runs the program forwards
    /// (continuing, stepping, a `goto` ahead; the re-runs that go backwards or
    /// back to a `goto` target replay stretches already shown), unless the user
    /// asked for no output at all.
    pub(crate) fn output_wanted(&self) -> bool {
        self.dbg.as_ref().is_none_or(|d| {
            !d.options.quiet_output && (matches!(d.goal, Goal::Interactive) || d.goto_forwards)
        })
    }

    /// Whether `tid` is a thread of the focus process (once it has started).
    pub(crate) fn is_focus(&self, tid: Tid) -> bool {
        self.dbg.as_ref().is_some_and(|d| {
            d.started
                && d.focus
                    .is_some_and(|f| self.tasks.get(&tid).is_some_and(|t| t.rec_tgid == f))
        })
    }

    /// Real tids of the focus's live threads.
    fn focus_reals(&self) -> Vec<i32> {
        let Some(f) = self.dbg.as_ref().and_then(|d| d.focus) else {
            return Vec::new();
        };
        self.tasks
            .values()
            .filter(|t| t.rec_tgid == f && t.exited.is_none())
            .map(|t| t.real)
            .collect()
    }

    /// The current thread's real tid (or, if it is gone, another focus
    /// thread's); the diversion's while there is one.
    fn focus_real(&self) -> Option<i32> {
        let d = self.dbg.as_ref()?;
        if let Some(proc) = d.diversion_proc() {
            return Some(proc);
        }
        let current = d.current.and_then(|c| self.tasks.get(&c));
        match current {
            Some(t) if t.exited.is_none() => Some(t.real),
            _ => {
                let f = d.focus?;
                self.tasks
                    .get(&f)
                    .filter(|t| t.exited.is_none())
                    .or_else(|| {
                        self.tasks
                            .values()
                            .find(|t| t.rec_tgid == f && t.exited.is_none())
                    })
                    .map(|t| t.real)
            }
        }
    }

    /// The focus's live threads (recorded tids), in creation order.
    pub fn threads(&self) -> Vec<Tid> {
        let mut ts: Vec<Tid> = self
            .tasks
            .iter()
            .filter(|(&t, task)| self.is_focus(t) && task.exited.is_none())
            .map(|(&t, _)| t)
            .collect();
        ts.sort_by_key(|t| self.tasks[t].real);
        ts
    }

    /// The thread registers and memory are read from (recorded tid).
    pub fn current_thread(&self) -> Option<Tid> {
        if let Some(d) = self.dbg.as_ref().and_then(|d| d.diversion.as_ref()) {
            return Some(d.tid);
        }
        let real = self.focus_real()?;
        self.tasks
            .iter()
            .find(|(_, t)| t.real == real)
            .map(|(&t, _)| t)
    }

    /// Selects the thread whose registers [`Session::regs`] returns (gdb's `thread N`).
    pub fn select_thread(&mut self, tid: Tid) -> bool {
        if !self.threads().contains(&tid) {
            return false;
        }
        self.ctl().current = Some(tid);
        true
    }

    /// Registers of the current focus thread.
    pub fn regs(&self) -> std::io::Result<Regs> {
        let real = self
            .focus_real()
            .ok_or_else(|| std::io::Error::other("the process is not running"))?;
        pt::get_regs(real)
    }

    /// Real tid of a live focus thread.
    fn thread_real(&self, tid: Tid) -> Option<i32> {
        let diversion = self.dbg.as_ref().and_then(|d| d.diversion.as_ref());
        if let Some(d) = diversion.filter(|d| d.tid == tid) {
            return Some(d.proc);
        }
        self.tasks
            .get(&tid)
            .filter(|t| self.is_focus(tid) && t.exited.is_none())
            .map(|t| t.real)
    }

    /// Registers of focus thread `tid`.
    pub fn regs_of(&self, tid: Tid) -> std::io::Result<Regs> {
        let real = self
            .thread_real(tid)
            .ok_or_else(|| std::io::Error::other("no such thread"))?;
        pt::get_regs(real)
    }

    /// Raw XSAVE area of the current focus thread (FPU, SSE, AVX state).
    pub fn xstate(&self) -> Option<Vec<u8>> {
        self.xstate_of_real(self.focus_real()?)
    }

    /// Raw XSAVE area of focus thread `tid`.
    pub fn xstate_of(&self, tid: Tid) -> Option<Vec<u8>> {
        self.xstate_of_real(self.thread_real(tid)?)
    }

    fn xstate_of_real(&self, real: i32) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 16384];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_GETREGSET,
                real,
                0x202usize,
                &mut iov as *mut libc::iovec,
            )
        };
        if r == -1 {
            return None;
        }
        buf.truncate(iov.iov_len);
        Some(buf)
    }

    /// Memory of the focus as the program sees it (rewind's breakpoints hidden).
    pub fn read_memory(&self, addr: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let real = self
            .focus_real()
            .ok_or_else(|| std::io::Error::other("the process is not running"))?;
        let mut data = pt::read_mem(real, addr, len)?;
        if let Some(d) = &self.dbg {
            for (&a, &orig) in d.inserted.range(addr..addr.saturating_add(len as u64)) {
                data[(a - addr) as usize] = orig;
            }
        }
        Ok(data)
    }

    /// The kernel's auxiliary vector of the focus (gdb relocates PIE programs with it).
    pub fn focus_auxv(&self) -> Option<Vec<u8>> {
        let mut auxv = std::fs::read(format!("/proc/{}/auxv", self.focus_real()?)).ok()?;
        // The recorded program saw no vDSO (rewind hides it); neither should gdb.
        for pair in auxv.chunks_exact_mut(16) {
            if u64::from_le_bytes(pair[..8].try_into().unwrap()) == 33 {
                pair[..8].copy_from_slice(&1u64.to_le_bytes());
            }
        }
        Some(auxv)
    }

    /// The trace's copy of the focus's executable.
    pub fn focus_exe(&self) -> Option<std::path::PathBuf> {
        self.dbg.as_ref()?.exe.clone()
    }

    /// How many checkpoints exist and the memory they hold on their own (private
    /// dirty pages: what copy-on-write has duplicated).
    pub fn checkpoint_stats(&self) -> (usize, u64) {
        let Some(d) = &self.dbg else { return (0, 0) };
        let bytes = d
            .checkpoints
            .iter()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{}/smaps_rollup", c.proc)).ok())
            .filter_map(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("Private_Dirty:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .sum::<u64>()
            * 1024;
        (d.checkpoints.len(), bytes)
    }

    /// A few lines about the trace, for `monitor info`.
    pub fn summary(&self) -> String {
        let h = &self.header;
        let argv: Vec<String> = h
            .argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        format!(
            "command: {}\nrecorded on: {} / Linux {}\nmode: {}\ndebugging process {} at event {}",
            argv.join(" "),
            h.cpu_model,
            h.kernel,
            h.mode.describe(),
            self.focus_pid().unwrap_or(0),
            self.event
        )
    }

    /// The recorded pid of the focus.
    pub fn focus_pid(&self) -> Option<Tid> {
        self.dbg.as_ref().and_then(|d| d.focus)
    }

    /// Number of the event being replayed.
    pub fn current_event(&self) -> u64 {
        self.event
    }

    pub fn add_breakpoint(&mut self, addr: u64) -> bool {
        self.ctl().points.breakpoints.insert(addr, ());
        self.insert_breakpoint(addr).is_ok()
    }

    pub fn remove_breakpoint(&mut self, addr: u64) -> bool {
        self.ctl().points.breakpoints.remove(&addr);
        if self.ctl().temp != Some(addr) {
            self.uninsert_breakpoint(addr);
        }
        true
    }

    pub fn add_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> bool {
        let wps = &mut self.ctl().points.watchpoints;
        if wps.len() >= 4 || !matches!(len, 1 | 2 | 4 | 8) || !addr.is_multiple_of(len) {
            return false;
        }
        wps.push(Watchpoint { addr, len, kind });
        self.apply_watchpoints().is_ok()
    }

    pub fn remove_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> bool {
        self.ctl()
            .points
            .watchpoints
            .retain(|w| !(w.addr == addr && w.len == len && w.kind == kind));
        self.apply_watchpoints().is_ok()
    }

    fn insert_breakpoint(&mut self, addr: u64) -> std::io::Result<()> {
        let Some(real) = self.focus_real() else {
            return Ok(());
        };
        if self.memory_shared_with_child() {
            // Inserted when the child is gone (`refresh_breakpoints`).
            return Ok(());
        }
        if self.ctl().inserted.contains_key(&addr) {
            return Ok(());
        }
        let orig = pt::read_mem(real, addr, 1)?[0];
        pt::write_mem(real, addr, &[0xcc])?;
        self.ctl().inserted.insert(addr, orig);
        Ok(())
    }

    fn uninsert_breakpoint(&mut self, addr: u64) {
        let real = self.focus_real();
        if let (Some(orig), Some(real)) = (self.ctl().inserted.remove(&addr), real) {
            let _ = pt::write_mem(real, addr, &[orig]);
        }
    }

    /// Programs the debug registers of every focus thread.
    pub(crate) fn apply_watchpoints(&mut self) -> std::io::Result<()> {
        let wps = self.ctl().points.watchpoints.clone();
        let mut dr7 = 0u64;
        for (i, w) in wps.iter().enumerate() {
            let rw = match w.kind {
                WatchKind::Write => 0b01,
                WatchKind::Read | WatchKind::Access => 0b11,
            };
            let len = match w.len {
                1 => 0b00,
                2 => 0b01,
                8 => 0b10,
                _ => 0b11,
            };
            dr7 |= 1 << (i * 2);
            dr7 |= (rw | len << 2) << (16 + i * 4);
        }
        for real in self.focus_reals() {
            for (i, w) in wps.iter().enumerate() {
                poke_debugreg(real, i, w.addr)?;
            }
            if debug_log() {
                eprintln!("rewind-debug: watchpoints {wps:?} dr7 {dr7:#x} in {real}");
            }
            poke_debugreg(real, 7, dr7)?;
        }
        Ok(())
    }

    /// The search for the last breakpoint/watchpoint stop reached its end point:
    /// go to the hit, or search the stretch before this one.
    fn finish_find_last_hit(&mut self, last: Option<(Position, StopReason)>) -> Result<()> {
        let next = match last {
            // Stop before the instruction that wrote: where the value changes when
            // going backwards.
            Some((hit, why @ StopReason::Watch { .. })) => Goal::FindAnchor {
                until: hit,
                last: None,
                report: why,
            },
            Some((hit, why)) => Goal::Seek {
                target: Target::At(hit),
                steps: 0,
                reached: false,
                report: why,
            },
            None => match self.ctl().restored_at {
                // Nothing since the checkpoint this search started from: search
                // the stretch before it.
                Some(e) => Goal::FindLastHit {
                    until: Until::AfterEvent(e),
                    last: None,
                },
                None => Goal::Seek {
                    target: Target::Start,
                    steps: 0,
                    reached: false,
                    report: StopReason::HistoryStart,
                },
            },
        };
        self.restart(next)
    }

    /// At the top of each event: a search segment may end here.
    pub(crate) fn check_segment_end(&mut self) -> Result<()> {
        let Some(d) = &self.dbg else { return Ok(()) };
        if let Goal::FindLastHit {
            until: Until::AfterEvent(n),
            last,
        } = d.goal
        {
            if self.event >= n {
                return self.finish_find_last_hit(last);
            }
        }
        Ok(())
    }

    /// (Re)writes every breakpoint into the focus's memory: at its start, and after
    /// it maps memory (a library loaded later; replay fills mappings with file
    /// contents, which would wipe breakpoints there).
    pub(crate) fn refresh_breakpoints(&mut self) {
        let Some(real) = self.focus_real() else {
            return;
        };
        if self.memory_shared_with_child() {
            return;
        }
        let mut addrs: Vec<u64> = self.ctl().points.breakpoints.keys().copied().collect();
        addrs.extend(self.ctl().temp);
        if debug_log() {
            eprintln!(
                "rewind-debug: refresh {addrs:x?} inserted {:x?}",
                self.ctl().inserted
            );
        }
        for a in addrs {
            let Ok(byte) = pt::read_mem(real, a, 1) else {
                continue;
            };
            if byte[0] == 0xcc && self.ctl().inserted.contains_key(&a) {
                continue;
            }
            if pt::write_mem(real, a, &[0xcc]).is_ok() {
                self.ctl().inserted.insert(a, byte[0]);
            }
        }
    }

    /// Called when the focus has just started (its last execve is replayed).
    pub(crate) fn focus_started(&mut self) -> Result<()> {
        let focus = self.ctl().focus;
        self.ctl().current = focus;
        self.refresh_breakpoints();
        let r = self.apply_watchpoints();
        self.io(r)?;
        let goal = self.ctl().goal.clone();
        match goal {
            Goal::Seek {
                target: Target::Start,
                steps: 0,
                report,
                ..
            } => {
                self.ctl().goal = Goal::Interactive;
                self.deliver(report)
            }
            Goal::Interactive => self.report(StopReason::Start),
            // `replay -g N` with N before the focus's start: here is as close as it gets.
            Goal::Goto(n) if self.event >= n => self.report(StopReason::Arrived),
            _ => Ok(()),
        }
    }

    /// The focus's current position, if it is alive (and not diverted).
    pub fn position(&self) -> Option<Position> {
        // A diversion's moments are not the replay's.
        if self.dbg.as_ref()?.diversion.is_some() {
            return None;
        }
        let mut regs = self.regs().ok()?;
        // The kernel sets the resume flag at a fault (the faulting instruction is
        // retried without re-triggering a debug trap) and the trap flag while
        // single-stepping: neither tells two moments apart, and a stop at a
        // fatal signal must equal the arrival at the faulting instruction.
        regs.eflags &= !(EFLAGS_RF | EFLAGS_TF);
        // Up to the window, stopping at the end of the stack mapping.
        let mut len = STACK_WINDOW;
        let stack = loop {
            match self.read_memory(regs.rsp, len) {
                Ok(b) => break b,
                Err(_) if len > 64 => len /= 2,
                Err(_) => break Vec::new(),
            }
        };
        Some(Position {
            event: self.event,
            tid: self.current_thread()?,
            regs,
            stack_hash: rewind_trace::fnv1a(&stack),
        })
    }

    /// Gives a stop to the debugger, or to the backwards search in progress.
    fn report(&mut self, why: StopReason) -> Result<()> {
        let pos = self.position();
        if debug_log() {
            eprintln!(
                "rewind-debug: stop {why:?} at event {} rip {:#x?} goal {:?}",
                self.event,
                pos.map(|p| p.regs.rip),
                self.dbg.as_ref().map(|d| &d.goal)
            );
        }
        let goal = self.ctl().goal.clone();
        let user_stop = matches!(why, StopReason::Breakpoint | StopReason::Watch { .. })
            && match (why, pos) {
                (StopReason::Breakpoint, Some(p)) => {
                    self.ctl().points.breakpoints.contains_key(&p.regs.rip)
                }
                _ => true,
            };
        match goal {
            // Event-boundary pseudo-stops of a finished search mean nothing to
            // the debugger.
            Goal::Interactive if why == StopReason::Arrived => Ok(()),
            Goal::Goto(_) if !matches!(why, StopReason::Arrived | StopReason::Exited(_)) => Ok(()),
            Goal::Interactive | Goal::Goto(_) => self.deliver(why),
            Goal::FindLastHit { until, last } => {
                let arrived = match until {
                    Until::At(u) => pos == Some(u),
                    Until::Exit => matches!(why, StopReason::Exited(_)),
                    // Detected between events (check_segment_end).
                    Until::AfterEvent(_) => false,
                };
                if arrived {
                    // Arriving right after a watched write: going backwards crosses
                    // that write first.
                    let last = match (why, pos) {
                        (StopReason::Watch { .. }, Some(p)) => Some((p, why)),
                        _ => last,
                    };
                    return self.finish_find_last_hit(last);
                }
                if user_stop {
                    if let Some(p) = pos {
                        self.ctl().goal = Goal::FindLastHit {
                            until,
                            last: Some((p, why)),
                        };
                    }
                }
                Ok(())
            }
            Goal::FindAnchor {
                until,
                last,
                report,
            } => {
                let Some(p) = pos else { return Ok(()) };
                if p == until {
                    let next = match last {
                        Some(anchor) => Goal::CountSteps {
                            anchor,
                            until,
                            reached: false,
                            steps: 0,
                            report,
                        },
                        None if self.ctl().restored_at.is_some() => {
                            self.ctl().force_scratch = true;
                            Goal::FindAnchor {
                                until,
                                last: None,
                                report,
                            }
                        }
                        None => Goal::Seek {
                            target: Target::Start,
                            steps: 0,
                            reached: false,
                            report: StopReason::HistoryStart,
                        },
                    };
                    return self.restart(next);
                }
                // Anchors are points of the thread going backwards.
                if why != StopReason::Exited(0) && p.tid == until.tid {
                    self.ctl().goal = Goal::FindAnchor {
                        until,
                        last: Some(p),
                        report,
                    };
                }
                Ok(())
            }
            Goal::CountSteps {
                anchor,
                until,
                reached,
                steps,
                report,
            } => {
                let Some(p) = pos else { return Ok(()) };
                if !reached {
                    if p == anchor {
                        self.ctl().current = Some(p.tid);
                        self.ctl().goal = Goal::CountSteps {
                            anchor,
                            until,
                            reached: true,
                            steps: 0,
                            report,
                        };
                        self.ctl().stepping = true;
                    }
                    return Ok(());
                }
                if why != StopReason::Step {
                    return Ok(());
                }
                let steps = steps + 1;
                if p == until {
                    // The instruction before `until` is `steps - 1` steps after the anchor.
                    let next = Goal::Seek {
                        target: Target::At(anchor),
                        steps: steps - 1,
                        reached: false,
                        report,
                    };
                    return self.restart(next);
                }
                self.ctl().goal = Goal::CountSteps {
                    anchor,
                    until,
                    reached,
                    steps,
                    report,
                };
                Ok(())
            }
            Goal::Seek {
                target,
                steps,
                reached,
                report,
            } => {
                let Some(p) = pos else { return Ok(()) };
                if !reached {
                    if Target::At(p) == target {
                        self.ctl().current = Some(p.tid);
                        if steps == 0 {
                            self.ctl().goal = Goal::Interactive;
                            self.clear_temp();
                            return self.deliver(report);
                        }
                        self.ctl().goal = Goal::Seek {
                            target,
                            steps,
                            reached: true,
                            report,
                        };
                        self.ctl().stepping = true;
                    }
                    return Ok(());
                }
                if why != StopReason::Step {
                    return Ok(());
                }
                let left = steps - 1;
                if left == 0 {
                    self.ctl().goal = Goal::Interactive;
                    self.clear_temp();
                    self.ctl().stepping = false;
                    return self.deliver(report);
                }
                self.ctl().goal = Goal::Seek {
                    target,
                    steps: left,
                    reached,
                    report,
                };
                Ok(())
            }
        }
    }

    /// Hands a stop to the debugger and applies its answer.
    fn deliver(&mut self, why: StopReason) -> Result<()> {
        // What the program printed so far comes out before gdb reports the stop.
        let _ = std::io::Write::flush(&mut self.stdout);
        let ctl = self.ctl();
        ctl.goal = Goal::Interactive;
        ctl.goto_forwards = false;
        if ctl.pending == Some(StopReason::Arrived) {
            ctl.pending = None;
        }
        let mut dbg = ctl.debugger.take().expect("debugger present");
        let mut resume = dbg.stopped(self, why);
        // gdb runs a function it calls (or code whose registers it changed) in
        // the diversion, stop after stop, until it resumes the program itself.
        while matches!(resume, Resume::Continue | Resume::Step) && self.resume_runs_diversion() {
            let stop = self.run_diversion(resume == Resume::Step);
            resume = dbg.stopped(self, stop);
        }
        self.ctl().debugger = Some(dbg);
        self.end_diversion()?;
        // The position of the thread the debugger moves (it may have picked
        // another one than the one that stopped, say for a reverse-step).
        let pos = self.position();
        self.resume_as(resume, pos, why)
    }

    /// Applies the debugger's answer.
    fn resume_as(&mut self, resume: Resume, pos: Option<Position>, why: StopReason) -> Result<()> {
        let ctl = self.ctl();
        ctl.stepping = false;
        match resume {
            Resume::Continue => Ok(()),
            Resume::Step => {
                self.ctl().stepping = true;
                Ok(())
            }
            Resume::Quit => Err(ReplayError::Quit),
            Resume::Goto(n) => {
                if n > self.event {
                    self.ctl().goal = Goal::Goto(n);
                    self.ctl().goto_forwards = true;
                    Ok(())
                } else {
                    self.restart(Goal::Goto(n))
                }
            }
            Resume::Restart => self.restart(Goal::Seek {
                target: Target::Start,
                steps: 0,
                reached: false,
                report: StopReason::Start,
            }),
            Resume::Seek(p) => self.restart(Goal::Seek {
                target: Target::At(p),
                steps: 0,
                reached: false,
                report: StopReason::Arrived,
            }),
            Resume::ReverseContinue => {
                let until = match (why, pos) {
                    (StopReason::Exited(_), _) | (_, None) => Until::Exit,
                    (_, Some(p)) => Until::At(p),
                };
                if matches!(why, StopReason::Start | StopReason::HistoryStart) {
                    return self.restart(Goal::Seek {
                        target: Target::Start,
                        steps: 0,
                        reached: false,
                        report: StopReason::HistoryStart,
                    });
                }
                self.restart(Goal::FindLastHit { until, last: None })
            }
            Resume::ReverseStep => match (why, pos) {
                (StopReason::Start | StopReason::HistoryStart, _) => self.restart(Goal::Seek {
                    target: Target::Start,
                    steps: 0,
                    reached: false,
                    report: StopReason::HistoryStart,
                }),
                (_, Some(p)) if !matches!(why, StopReason::Exited(_)) => {
                    self.restart(Goal::FindAnchor {
                        until: p,
                        last: None,
                        report: StopReason::Step,
                    })
                }
                _ => self.restart(Goal::FindLastHit {
                    until: Until::Exit,
                    last: None,
                }),
            },
        }
    }

    fn restart(&mut self, goal: Goal) -> Result<()> {
        if debug_log() {
            eprintln!("rewind-debug: restart at event {} -> {goal:?}", self.event);
        }
        let temp = match &goal {
            Goal::FindAnchor { until, .. } => Some(until.regs.rip),
            Goal::CountSteps { anchor, .. } => Some(anchor.regs.rip),
            Goal::Seek {
                target: Target::At(p),
                ..
            } => Some(p.regs.rip),
            Goal::FindLastHit {
                until: Until::At(p),
                ..
            } => Some(p.regs.rip),
            _ => None,
        };
        let ctl = self.ctl();
        ctl.temp = temp;
        ctl.next_goal = Some(goal);
        Err(ReplayError::Restart)
    }

    /// Whether the focus should take a single step rather than run.
    pub(crate) fn focus_stepping(&self, tid: Tid) -> bool {
        let Some(d) = self.dbg.as_ref() else {
            return false;
        };
        // A search steps the thread of its anchor or target, whatever stops on the way.
        let stepper = match &d.goal {
            Goal::CountSteps {
                anchor,
                reached: true,
                ..
            } => Some(anchor.tid),
            Goal::Seek {
                target: Target::At(p),
                reached: true,
                ..
            } => Some(p.tid),
            _ => d.current,
        };
        d.stepping && stepper == Some(tid) && self.is_focus(tid)
    }

    /// Before the focus runs: deliver a pending report; step over a breakpoint
    /// under the instruction pointer.
    pub(crate) fn before_focus_runs(&mut self, tid: Tid) -> Result<bool> {
        if let Some(why) = self.ctl().pending.take() {
            let ctl = self.ctl();
            if let Some(t) = ctl.pending_tid.take() {
                ctl.current = Some(t);
            }
            self.report(why)?;
        }
        if !self.ctl().vfork_children.is_empty() {
            // Puts the breakpoints back once no vfork child shares the memory.
            self.refresh_breakpoints();
        }
        let real = self.task(tid)?.real;
        let regs = pt::get_regs(real);
        let regs = self.io(regs)?;
        // Resuming on top of one of our breakpoints: execute the real instruction first.
        let on_bp = self.ctl().inserted.contains_key(&regs.rip);
        Ok(on_bp)
    }

    /// After the focus finished a recorded event (a syscall, a trap...).
    pub(crate) fn after_focus_event(&mut self, tid: Tid) {
        if !self.is_focus(tid) {
            return;
        }
        let stepping = self.focus_stepping(tid);
        let event_points = self.ctl().wants_event_points();
        if stepping {
            self.ctl().pending = Some(StopReason::Step);
            self.ctl().pending_tid = Some(tid);
        } else if event_points && self.ctl().pending.is_none() {
            self.ctl().pending = Some(StopReason::Arrived);
            self.ctl().pending_tid = Some(tid);
        }
    }

    /// After any event: a `goto` may have arrived, or a search may be at a
    /// position a `goto` stopped at.
    pub(crate) fn after_event(&mut self) -> Result<()> {
        let Some(d) = &self.dbg else { return Ok(()) };
        if !d.started || self.focus_real().is_none() {
            return Ok(());
        }
        let at = match &d.goal {
            Goal::Goto(n) => self.event >= *n,
            Goal::FindLastHit {
                until: Until::At(p),
                ..
            }
            | Goal::FindAnchor { until: p, .. } => p.event == self.event,
            Goal::Seek {
                target: Target::At(p),
                reached: false,
                ..
            }
            | Goal::CountSteps {
                anchor: p,
                reached: false,
                ..
            } => p.event == self.event,
            _ => false,
        };
        if at {
            return self.report(StopReason::Arrived);
        }
        Ok(())
    }

    /// Kernel-written memory (an emulated syscall's output) in the focus: a write
    /// watchpoint over it triggers once the syscall is over.
    pub(crate) fn check_kernel_writes(&mut self, tid: Tid, writes: &[rewind_trace::MemWrite]) {
        if !self.is_focus(tid) {
            return;
        }
        let hit = self.ctl().points.watchpoints.iter().find_map(|w| {
            writes
                .iter()
                .any(|m| m.addr < w.addr + w.len && w.addr < m.addr + m.data.len() as u64)
                .then_some((w.addr, w.kind))
        });
        if let Some((addr, kind)) = hit {
            if kind != WatchKind::Read {
                self.ctl().pending = Some(StopReason::Watch { addr, kind });
                self.ctl().pending_tid = Some(tid);
            }
        }
    }

    /// Interprets a stop of the focus: breakpoint, step or watchpoint stops are
    /// handled here (Ok(None)); anything else goes back to the event logic.
    pub(crate) fn focus_stop(
        &mut self,
        tid: Tid,
        stop: Stop,
        stepped: bool,
    ) -> Result<Option<Stop>> {
        let Stop::SigTrap(code) = stop else {
            return Ok(Some(stop));
        };
        self.ctl().current = Some(tid);
        let real = self.task(tid)?.real;
        let r = pt::get_regs(real);
        let mut regs = self.io(r)?;
        if code == SI_KERNEL
            && self
                .ctl()
                .inserted
                .contains_key(&(regs.rip.wrapping_sub(1)))
        {
            regs.rip -= 1;
            let r = pt::set_regs(real, &regs);
            self.io(r)?;
            self.report(StopReason::Breakpoint)?;
            return Ok(None);
        }
        if code == TRAP_HWBKPT || code == TRAP_TRACE {
            let dr6 = peek_debugreg(real, 6).unwrap_or(0);
            let _ = poke_debugreg(real, 6, 0);
            let wps = self.ctl().points.watchpoints.clone();
            let interactive = matches!(self.ctl().goal, Goal::Interactive);
            if let Some(w) = wps
                .iter()
                .enumerate()
                .find(|(i, _)| dr6 & (1 << i) != 0)
                .map(|(_, w)| w)
            {
                // A search that single-steps counts the step, watchpoint or not.
                let why = if stepped && !interactive {
                    StopReason::Step
                } else {
                    StopReason::Watch {
                        addr: w.addr,
                        kind: w.kind,
                    }
                };
                self.report(why)?;
                return Ok(None);
            }
            if stepped {
                self.report(StopReason::Step)?;
                return Ok(None);
            }
            if code == TRAP_TRACE {
                // Our silent step over a breakpoint while continuing: it may have
                // landed on another breakpoint, which is then hit.
                if self.ctl().inserted.contains_key(&regs.rip) {
                    self.report(StopReason::Breakpoint)?;
                }
                return Ok(None);
            }
        }
        // The program's own SIGTRAP (int3 it contains): a recorded signal.
        Ok(Some(Stop::Signal(libc::SIGTRAP)))
    }

    /// Single-steps the focus over one instruction while one of our breakpoints is
    /// under it (the original byte is put back for the step).
    pub(crate) fn step_over_breakpoint(&mut self, tid: Tid) -> Result<Option<Stop>> {
        let real = self.task(tid)?.real;
        let r = pt::get_regs(real);
        let regs = self.io(r)?;
        let rip = regs.rip;
        let Some(orig) = self.ctl().inserted.get(&rip).copied() else {
            return Ok(None);
        };
        let r = pt::write_mem(real, rip, &[orig]);
        self.io(r)?;
        let code = pt::read_mem(real, rip, 2).unwrap_or_default();
        let stop = if code == [0x0f, 0x05] {
            // A syscall instruction: let the event logic take it (entry stop).
            None
        } else {
            let s = self.task(tid)?.single_step();
            Some(self.io(s)?)
        };
        let r = pt::write_mem(real, rip, &[0xcc]);
        self.io(r)?;
        Ok(stop)
    }
}

impl Session {
    /// Whether a vfork child still shares the focus's memory (then our
    /// breakpoints must stay out of it). Children that exec'd or exited are
    /// forgotten. A diversion has memory of its own.
    fn memory_shared_with_child(&mut self) -> bool {
        let ctl = self.ctl();
        if ctl.vfork_children.is_empty() || ctl.diversion.is_some() {
            return false;
        }
        let children = std::mem::take(&mut ctl.vfork_children);
        let Some(&focus) = self.focus_reals().first() else {
            return false;
        };
        let sharing: Vec<Tid> = children
            .into_iter()
            .filter(|c| {
                self.tasks
                    .get(c)
                    .is_some_and(|t| t.exited.is_none() && same_memory(t.real, focus))
            })
            .collect();
        let shared = !sharing.is_empty();
        self.ctl().vfork_children = sharing;
        shared
    }

    /// The focus forked (a process, not a thread): the child is not debugged and
    /// must run its recorded course untouched, so the int3 bytes of our
    /// breakpoints it inherited come out of its memory and its debug registers
    /// are cleared. A child sharing the focus's memory (vfork) cannot lose them
    /// alone: they come out of the shared memory and go back in once the child
    /// has exec'd or exited (see `memory_shared_with_child`).
    pub(crate) fn focus_forked(
        &mut self,
        child: Tid,
        child_real: i32,
        shares_memory: bool,
    ) -> Result<()> {
        let inserted: Vec<(u64, u8)> = self.ctl().inserted.iter().map(|(&a, &b)| (a, b)).collect();
        if debug_log() {
            eprintln!("rewind-debug: fork {child_real} (shared memory: {shares_memory}): removing {inserted:x?}");
        }
        for (addr, orig) in inserted {
            // A page the child cannot write (unmapped since) has nothing to clean.
            if let Err(e) = pt::write_mem(child_real, addr, &[orig]) {
                if debug_log() {
                    eprintln!("rewind-debug: cannot restore {addr:#x} in {child_real}: {e}");
                }
            }
        }
        if shares_memory {
            self.ctl().inserted.clear();
            self.ctl().vfork_children.push(child);
        }
        for n in 0..4 {
            let _ = poke_debugreg(child_real, n, 0);
        }
        let r = poke_debugreg(child_real, 7, 0);
        self.io(r)
    }
}

/// Where debugging a recorded process starts.
pub(crate) struct FocusStart {
    pub tid: Tid,
    /// The event after which the focus starts: its last execve (the program the
    /// user wants, not the shell that launched it), or the fork that created it
    /// if it never exec'd.
    pub event: u64,
    /// The executable it runs from there.
    pub exe: rewind_trace::FileRef,
    /// The number of the trace's last event.
    pub last_event: u64,
}

/// The goal of the first replay of a debugging session: stop at the focus's
/// start, or just after the event the user asked for (`replay -g N`).
pub(crate) fn start_goal(options: &DebugOptions, start: &FocusStart) -> Result<Goal> {
    match options.start_after {
        None => Ok(Goal::Interactive),
        Some(n) if n > start.last_event => Err(ReplayError::NoSuchEvent {
            asked: n,
            last: start.last_event,
        }),
        Some(n) => Ok(Goal::Goto(n)),
    }
}

/// Finds the focus in the trace: a pid, a program name (the first process that
/// ran it), or by default the first process.
pub(crate) fn find_focus(dir: &std::path::Path, focus: Option<&Focus>) -> Result<FocusStart> {
    use rewind_trace::Event;
    let mut reader = rewind_trace::EventReader::open(dir)?;
    let mut root = None;
    let mut by_name = None;
    let mut starts: std::collections::HashMap<Tid, (u64, rewind_trace::FileRef)> =
        Default::default();
    let mut running: std::collections::HashMap<Tid, rewind_trace::FileRef> = Default::default();
    let mut last_event = 0;
    loop {
        let (n, ev) = match reader.next_event() {
            Ok(Some(e)) => e,
            Ok(None) | Err(rewind_trace::TraceError::Truncated { .. }) => break,
            Err(e) => return Err(e.into()),
        };
        last_event = n;
        match &ev {
            Event::Exec { tid, exe, .. } => {
                root.get_or_insert(*tid);
                if let Some(Focus::Command(name)) = focus {
                    let file = std::path::Path::new(&exe.original)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned());
                    if by_name.is_none() && file.as_deref() == Some(name.as_str()) {
                        by_name = Some(*tid);
                    }
                }
                starts.insert(*tid, (n, exe.clone()));
                running.insert(*tid, exe.clone());
            }
            Event::NewTask {
                tid, child, flags, ..
            } if flags & crate::CLONE_THREAD == 0 => {
                if let Some(exe) = running.get(tid).cloned() {
                    starts.insert(*child, (n, exe.clone()));
                    running.insert(*child, exe);
                }
            }
            _ => {}
        }
    }
    let tid = match focus {
        Some(Focus::Pid(p)) => *p,
        Some(Focus::Command(name)) => by_name.ok_or_else(|| ReplayError::Failed {
            event: 0,
            what: format!("no recorded process ran a program named {name}"),
        })?,
        None => root.ok_or(ReplayError::Failed {
            event: 0,
            what: "the trace has no process".into(),
        })?,
    };
    match starts.remove(&tid) {
        Some((event, exe)) => Ok(FocusStart {
            tid,
            event,
            exe,
            last_event,
        }),
        None => {
            let mut pids: Vec<Tid> = starts.keys().copied().collect();
            pids.sort();
            Err(ReplayError::Failed {
                event: 0,
                what: format!("process {tid} is not in the trace (recorded processes: {pids:?})"),
            })
        }
    }
}

impl Session {
    /// A synchronous signal is about to be delivered to the focus.
    pub(crate) fn signal_stop(&mut self, tid: Tid, signo: i32) -> Result<()> {
        if self.is_focus(tid) && matches!(self.ctl().goal, Goal::Interactive) {
            self.ctl().current = Some(tid);
            self.ctl().at_signal = Some(signo);
            let r = self.report(StopReason::Signal(signo));
            self.ctl().at_signal = None;
            return r;
        }
        Ok(())
    }

    /// The focus process ended (`tid` was its last thread).
    pub(crate) fn focus_exited(&mut self, tid: Tid, status: i32) -> Result<()> {
        self.ctl().current = Some(tid);
        self.report(StopReason::Exited(status))
    }
}

impl Goal {
    /// The event a backwards move needs to replay from (a checkpoint taken before
    /// it is a good start), or None when it must start from the beginning.
    pub(crate) fn start_event(&self) -> Option<u64> {
        match self {
            Goal::Seek {
                target: Target::At(p),
                ..
            } => Some(p.event),
            Goal::FindLastHit {
                until: Until::At(p),
                ..
            } => Some(p.event),
            Goal::FindLastHit {
                until: Until::Exit, ..
            } => Some(u64::MAX),
            Goal::FindLastHit {
                until: Until::AfterEvent(e),
                ..
            } => Some(*e),
            Goal::FindAnchor { until, .. } => Some(until.event),
            Goal::CountSteps { anchor, .. } => Some(anchor.event),
            Goal::Goto(n) => Some(*n),
            _ => None,
        }
    }
}

impl Session {
    /// Takes a checkpoint of the focus now and then, when it is the only process
    /// left and sits at a clean point between events.
    pub(crate) fn maybe_checkpoint(&mut self) {
        let Some(d) = &self.dbg else { return };
        let Some(focus) = d.focus else { return };
        if !d.started || self.tasks.len() != 1 || !self.lookahead.is_empty() {
            return;
        }
        if !matches!(d.pending, None | Some(StopReason::Arrived))
            || d.checkpoints.iter().any(|c| c.event == self.event)
        {
            return;
        }
        let Some(t) = self.tasks.get(&focus) else {
            return;
        };
        if t.in_syscall
            || t.mid_syscall.is_some()
            || t.inject != 0
            || t.queued_signal.is_some()
            || t.exiting
        {
            return;
        }
        let now = pt::monotonic_ns();
        if now.saturating_sub(d.last_checkpoint_ns) < CHECKPOINT_INTERVAL_NS {
            return;
        }
        let real = t.real;
        if crate::shared::maps_shared_memory(real) {
            return;
        }
        // Not right after an interrupted syscall: its restart depends on the stop kind.
        match pt::get_regs(real) {
            Ok(r) if !(-516..=-512).contains(&(r.rax as i64)) => {}
            _ => return,
        }
        let Ok(proc) = pt::fork_stopped(real) else {
            return;
        };
        let pos = self.reader.pos();
        let event = self.event;
        let ctl = self.ctl();
        let inserted = ctl.inserted.clone();
        ctl.checkpoints.push(Checkpoint {
            event,
            pos,
            proc,
            inserted,
        });
        ctl.checkpoints.sort_by_key(|c| c.event);
        if ctl.checkpoints.len() > MAX_CHECKPOINTS {
            // Drop the one whose neighbours are closest, so the rest stay spread
            // over the whole recording.
            let cps = &ctl.checkpoints;
            let victim = (1..cps.len() - 1)
                .min_by_key(|&i| cps[i + 1].event - cps[i - 1].event)
                .unwrap_or(0);
            ctl.checkpoints.remove(victim).discard();
        }
        ctl.last_checkpoint_ns = now;
    }

    /// The temporary breakpoint of a finished search comes out of memory (unless
    /// the user has a breakpoint there too).
    fn clear_temp(&mut self) {
        if let Some(t) = self.ctl().temp.take() {
            if !self.ctl().points.breakpoints.contains_key(&t) {
                self.uninsert_breakpoint(t);
            }
        }
    }

    /// Makes the breakpoints in the focus's memory (`inserted`, which must say
    /// what is there) those gdb wants, plus the temporary one.
    pub(crate) fn sync_breakpoints(&mut self) {
        let keep: Vec<u64> = {
            let c = self.ctl();
            c.points.breakpoints.keys().copied().chain(c.temp).collect()
        };
        let stale: Vec<u64> = self
            .ctl()
            .inserted
            .keys()
            .copied()
            .filter(|a| !keep.contains(a))
            .collect();
        for a in stale {
            self.uninsert_breakpoint(a);
        }
        self.refresh_breakpoints();
    }

    /// After starting from a checkpoint: make breakpoints and watchpoints those
    /// of now (the snapshot has the ones of when it was taken).
    pub(crate) fn resync_points(&mut self) -> Result<()> {
        self.sync_breakpoints();
        let r = self.apply_watchpoints();
        self.io(r)?;
        if self.ctl().wants_event_points() {
            self.ctl().pending = Some(StopReason::Arrived);
        }
        Ok(())
    }
}
