//! The gdb remote-protocol server: a [`Debugger`] that hands each stop of the
//! replayed focus process to gdb (through gdbstub's state machine) and turns gdb's
//! requests into replay moves, forwards and backwards.

use crate::arch::{LinuxRegs, X86_64Linux};
use gdbstub::common::{Pid, Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::auxv::{Auxv, AuxvOps};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::reverse_exec::{
    ReplayLogPosition, ReverseCont, ReverseContOps, ReverseStep, ReverseStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind as GdbWatchKind,
};
use gdbstub::target::ext::exec_file::{ExecFile, ExecFileOps};
use gdbstub::target::ext::extended_mode::{
    Args, AttachKind, ExtendedMode, ExtendedModeOps, ShouldTerminate,
};
use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd, MonitorCmdOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use rewind_replay::{Debugger, Position, Resume, Session, StopReason, WatchKind};
use std::net::{TcpListener, TcpStream};

/// Serves one gdb connection over a replay.
pub struct GdbServer {
    listener: Option<TcpListener>,
    sniffer: Sniffer,
    machine: Option<GdbStubStateMachine<'static, GdbTarget, TcpStream>>,
    target: GdbTarget,
    /// The last stop gdb heard of was the program's end.
    program_ended: bool,
}

/// What gdb sees. It points at the replay session only while a stop is being
/// handled (the session lives in the replay engine, which calls us).
pub struct GdbTarget {
    session: *mut Session,
    resume: Option<Resume>,
    /// The thread gdb asked to single-step (vCont;s:TID), if any.
    step_thread: Option<Tid>,
    /// Named positions (`monitor checkpoint`).
    checkpoints: Vec<Position>,
    /// gdb runs [`FLUSH_AFTER_MONITOR`], so a `monitor goto` leaves it fresh.
    gdb_flushes: bool,
}

/// gdb commands (a script for `gdb -x`) that make gdb drop its register, frame
/// and memory caches after each `monitor` command: `monitor goto` and
/// `monitor restart` move the replay while gdb believes the program stopped.
pub const FLUSH_AFTER_MONITOR: &str = "define hookpost-monitor
maintenance flush register-cache
maintenance flush dcache
end
";

impl GdbServer {
    /// A server that will accept gdb's connection on `listener` when the replay
    /// reaches the start of the focus process.
    pub fn new(listener: TcpListener) -> GdbServer {
        GdbServer {
            listener: Some(listener),
            sniffer: Sniffer::default(),
            machine: None,
            program_ended: false,
            target: GdbTarget {
                session: std::ptr::null_mut(),
                resume: None,
                step_thread: None,
                checkpoints: Vec::new(),
                gdb_flushes: false,
            },
        }
    }

    /// The gdb on the other end runs [`FLUSH_AFTER_MONITOR`].
    pub fn gdb_flushes_after_monitor(mut self) -> GdbServer {
        self.target.gdb_flushes = true;
        self
    }

    /// How gdb hears of a stop of focus thread `tid`.
    fn stop_reason(why: StopReason, tid: Tid) -> MultiThreadStopReason<u64> {
        let sigtrap = MultiThreadStopReason::SignalWithThread {
            tid,
            signal: Signal::SIGTRAP,
        };
        match why {
            StopReason::Start | StopReason::Arrived | StopReason::Step => sigtrap,
            StopReason::HistoryStart => MultiThreadStopReason::ReplayLog {
                tid: Some(tid),
                pos: ReplayLogPosition::Begin,
            },
            StopReason::Breakpoint => MultiThreadStopReason::SwBreak(tid),
            StopReason::Watch { addr, kind } => MultiThreadStopReason::Watch {
                tid,
                kind: match kind {
                    WatchKind::Write => GdbWatchKind::Write,
                    WatchKind::Read => GdbWatchKind::Read,
                    WatchKind::Access => GdbWatchKind::ReadWrite,
                },
                addr,
            },
            StopReason::Signal(s) => MultiThreadStopReason::SignalWithThread {
                tid,
                signal: Signal(s as u8),
            },
            StopReason::Exited(raw) => {
                if libc::WIFSIGNALED(raw) {
                    MultiThreadStopReason::Terminated(Signal(libc::WTERMSIG(raw) as u8))
                } else {
                    MultiThreadStopReason::Exited(libc::WEXITSTATUS(raw) as u8)
                }
            }
        }
    }

    fn serve(&mut self, why: StopReason) -> Result<Resume, String> {
        let mut machine = match self.machine.take() {
            Some(m) => m,
            None => {
                let listener = self.listener.take().ok_or("no gdb connection")?;
                let (conn, _) = listener
                    .accept()
                    .map_err(|e| format!("accepting gdb's connection: {e}"))?;
                let _ = conn.set_nodelay(true);
                let stub = GdbStub::new(conn);
                stub.run_state_machine(&mut self.target)
                    .map_err(|e| e.to_string())?
            }
        };
        if let GdbStubStateMachine::Running(running) = machine {
            let reason = Self::stop_reason(why, self.target.current_tid());
            machine = running
                .report_stop(&mut self.target, reason)
                .map_err(|e| e.to_string())?;
        }
        loop {
            machine = match machine {
                GdbStubStateMachine::Idle(mut idle) => {
                    let byte = match idle.borrow_conn().read() {
                        Ok(b) => b,
                        // gdb may hang up without a word once the program ended
                        // (plain `target remote` does).
                        Err(_) if self.program_ended => return Ok(Resume::Quit),
                        Err(e) => return Err(format!("reading from gdb: {e}")),
                    };
                    let bytes = match self.sniffer.take(byte) {
                        Taken::Pass(bytes) => bytes,
                        Taken::TlsRequest(args) => {
                            let reply = self.tls_reply(&args);
                            let framed = frame(&reply, !self.sniffer.no_ack);
                            std::io::Write::write_all(idle.borrow_conn(), &framed)
                                .map_err(|e| format!("writing to gdb: {e}"))?;
                            Vec::new()
                        }
                    };
                    let mut next = GdbStubStateMachine::Idle(idle);
                    for b in bytes {
                        next = match next {
                            GdbStubStateMachine::Idle(idle) => idle
                                .incoming_data(&mut self.target, b)
                                .map_err(|e| e.to_string())?,
                            other => other,
                        };
                    }
                    if let GdbStubStateMachine::Idle(_) = next {
                        // `monitor goto` / `restart`: move while gdb stays idle.
                        if let Some(r @ (Resume::Goto(_) | Resume::Seek(_) | Resume::Restart)) =
                            self.target.resume
                        {
                            self.target.resume = None;
                            self.machine = Some(next);
                            if r == Resume::Restart {
                                self.program_ended = false;
                            }
                            return Ok(r);
                        }
                    }
                    next
                }
                GdbStubStateMachine::Running(running) => {
                    self.machine = Some(GdbStubStateMachine::Running(running));
                    return Ok(self.target.resume.take().unwrap_or(Resume::Continue));
                }
                GdbStubStateMachine::CtrlCInterrupt(ctrl_c) => ctrl_c
                    .interrupt_handled(
                        &mut self.target,
                        Some(MultiThreadStopReason::Signal(Signal::SIGINT)),
                    )
                    .map_err(|e| e.to_string())?,
                GdbStubStateMachine::Disconnected(d) => match d.get_reason() {
                    // gdbstub ends the session when it reports the program's
                    // end; gdb (extended-remote) stays to `run` it again.
                    DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => {
                        self.program_ended = true;
                        d.return_to_idle()
                    }
                    _ => return Ok(Resume::Quit),
                },
            }
        }
    }
}

impl Debugger for GdbServer {
    fn stopped(&mut self, session: &mut Session, why: StopReason) -> Resume {
        // A `goto` arrives while gdb is idle: nothing to report, keep serving.
        self.target.session = session;
        let r = self.serve(why);
        self.target.session = std::ptr::null_mut();
        match r {
            Ok(r) => r,
            Err(e) => {
                eprintln!("rewind: gdb connection: {e}");
                Resume::Quit
            }
        }
    }
}

/// gdb's thread id for a recorded tid (recorded tids are positive).
fn gdb_tid(tid: i32) -> Tid {
    Tid::new(tid.max(1) as usize).expect("positive")
}

impl GdbTarget {
    /// The focus thread that stopped (gdb's id for it).
    fn current_tid(&mut self) -> Tid {
        gdb_tid(self.session().current_thread().unwrap_or(1))
    }

    /// What the user must do after a move made while gdb is idle.
    fn flush_hint(&self) -> &'static str {
        if self.gdb_flushes {
            ""
        } else {
            "; then run `maintenance flush register-cache` and `maintenance flush dcache` (gdb's caches are stale)"
        }
    }

    fn session(&mut self) -> &mut Session {
        assert!(!self.session.is_null(), "gdb request outside a stop");
        // SAFETY: set by `GdbServer::stopped` to the session that called it, for
        // the duration of that call only; gdbstub calls us only from within it.
        unsafe { &mut *self.session }
    }
}

impl Target for GdbTarget {
    type Arch = X86_64Linux;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<AuxvOps<'_, Self>> {
        Some(self)
    }

    fn support_exec_file(&mut self) -> Option<ExecFileOps<'_, Self>> {
        Some(self)
    }

    fn support_extended_mode(&mut self) -> Option<ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }
}

impl MultiThreadBase for GdbTarget {
    fn read_registers(&mut self, regs: &mut LinuxRegs, tid: Tid) -> TargetResult<(), Self> {
        let s = self.session();
        let tid = tid.get() as i32;
        let gprs = s.regs_of(tid).map_err(|_| TargetError::NonFatal)?;
        let xsave = s.xstate_of(tid);
        *regs = LinuxRegs::from_kernel(&gprs, xsave.as_deref());
        Ok(())
    }

    /// Changes go into a throwaway copy of the process (see
    /// `rewind_replay`'s diversions); the replay keeps to the recording.
    fn write_registers(&mut self, regs: &LinuxRegs, tid: Tid) -> TargetResult<(), Self> {
        let s = self.session();
        let tid = tid.get() as i32;
        let now = s.regs_of(tid).map_err(|_| TargetError::NonFatal)?;
        let xsave = s.xstate_of(tid);
        s.write_regs_of(tid, &regs.to_kernel())
            .map_err(|_| TargetError::NonFatal)?;
        // Floating-point arguments of a function gdb calls travel in xmm/x87.
        if !regs.same_fxsave_state(&LinuxRegs::from_kernel(&now, xsave.as_deref())) {
            let mut area = s.fpregs_of(tid).map_err(|_| TargetError::NonFatal)?;
            regs.store_fxsave(&mut area);
            s.write_fpregs_of(tid, &area)
                .map_err(|_| TargetError::NonFatal)?;
        }
        Ok(())
    }

    /// Threads share memory: any thread's view is the process's.
    fn read_addrs(&mut self, start: u64, data: &mut [u8], _tid: Tid) -> TargetResult<usize, Self> {
        let s = self.session();
        // Read page by page so a range running into unmapped memory returns what exists.
        let mut done = 0;
        while done < data.len() {
            let addr = start + done as u64;
            let page_left = (4096 - (addr % 4096)) as usize;
            let n = page_left.min(data.len() - done);
            match s.read_memory(addr, n) {
                Ok(bytes) => data[done..done + n].copy_from_slice(&bytes),
                Err(_) if done > 0 => return Ok(done),
                Err(_) => return Err(TargetError::NonFatal),
            }
            done += n;
        }
        Ok(done)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], _tid: Tid) -> TargetResult<(), Self> {
        self.session().write_memory(start, data).map_err(|e| {
            if std::env::var_os("REWIND_DEBUG_LOG").is_some() {
                eprintln!(
                    "rewind-debug: writing {} bytes at {start:#x}: {e}",
                    data.len()
                );
            }
            TargetError::NonFatal
        })
    }

    fn list_active_threads(
        &mut self,
        thread_is_active: &mut dyn FnMut(Tid),
    ) -> Result<(), Self::Error> {
        let threads = self.session().threads();
        if threads.is_empty() && self.resume == Some(Resume::Restart) {
            // `run` after the program ended: gdb is told of the stop at the start
            // of the new run before the replay gets there; its main thread is
            // the focus's pid, as always at the start.
            let focus = self.session().focus_pid().unwrap_or(1);
            thread_is_active(gdb_tid(focus));
        }
        for t in threads {
            thread_is_active(gdb_tid(t));
        }
        Ok(())
    }

    fn is_thread_alive(&mut self, tid: Tid) -> Result<bool, Self::Error> {
        Ok(self.session().threads().contains(&(tid.get() as i32)))
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

/// The replay runs every thread as recorded: "continue" lets it go on until any
/// focus thread stops; "step" single-steps one thread while the others run their
/// recorded course around it.
impl MultiThreadResume for GdbTarget {
    fn resume(&mut self) -> Result<(), Self::Error> {
        self.resume = Some(match self.step_thread.take() {
            Some(t) => {
                self.session().select_thread(t.get() as i32);
                Resume::Step
            }
            None => Resume::Continue,
        });
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.step_thread = None;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        _tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        // Signals are delivered as recorded, whatever gdb passes on.
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_reverse_cont(&mut self) -> Option<ReverseContOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_reverse_step(&mut self) -> Option<ReverseStepOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

/// gdb steps one thread with the others held (stepping over a breakpoint). A
/// replay cannot hold threads back from their recorded course: the other
/// threads' recorded events before the step still happen (they may stop at
/// breakpoints first, which gdb handles as a stop in another thread).
impl MultiThreadSchedulerLocking for GdbTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl MultiThreadSingleStep for GdbTarget {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        self.step_thread = Some(tid);
        Ok(())
    }
}

impl ReverseCont<Tid> for GdbTarget {
    fn reverse_cont(&mut self) -> Result<(), Self::Error> {
        self.resume = Some(Resume::ReverseContinue);
        Ok(())
    }
}

impl ReverseStep<Tid> for GdbTarget {
    fn reverse_step(&mut self, tid: Tid) -> Result<(), Self::Error> {
        self.session().select_thread(tid.get() as i32);
        self.resume = Some(Resume::ReverseStep);
        Ok(())
    }
}

impl Breakpoints for GdbTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }
}

/// `hbreak`: the replay has no need to spare the debug registers (they serve
/// watchpoints), so hardware breakpoints are implemented like software ones, which
/// gdb cannot tell apart.
impl HwBreakpoint for GdbTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.session().add_breakpoint(addr))
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.session().remove_breakpoint(addr))
    }
}

impl SwBreakpoint for GdbTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.session().add_breakpoint(addr))
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.session().remove_breakpoint(addr))
    }
}

fn watch_kind(kind: GdbWatchKind) -> WatchKind {
    match kind {
        GdbWatchKind::Write => WatchKind::Write,
        GdbWatchKind::Read => WatchKind::Read,
        GdbWatchKind::ReadWrite => WatchKind::Access,
    }
}

impl HwWatchpoint for GdbTarget {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        Ok(self.session().add_watchpoint(addr, len, watch_kind(kind)))
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        Ok(self
            .session()
            .remove_watchpoint(addr, len, watch_kind(kind)))
    }
}

fn copy_range(src: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let start = (offset as usize).min(src.len());
    let n = length.min(buf.len()).min(src.len() - start);
    buf[..n].copy_from_slice(&src[start..start + n]);
    n
}

impl Auxv for GdbTarget {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        // SAFETY: see `GdbTarget::session`.
        let s = unsafe { &*self.session };
        let auxv = s.focus_auxv().ok_or(TargetError::NonFatal)?;
        Ok(copy_range(&auxv, offset, length, buf))
    }
}

impl ExecFile for GdbTarget {
    fn get_exec_file(
        &self,
        _pid: Option<Pid>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        // SAFETY: see `GdbTarget::session`.
        let s = unsafe { &*self.session };
        let exe = s.focus_exe().ok_or(TargetError::NonFatal)?;
        Ok(copy_range(
            exe.as_os_str().as_encoded_bytes(),
            offset,
            length,
            buf,
        ))
    }
}

/// gdb's `run` (extended-remote) starts the replay over, at the start of the
/// debugged process; `kill` leaves the replay where it is until gdb runs or
/// quits. There is nothing else to attach to.
impl ExtendedMode for GdbTarget {
    fn run(&mut self, _filename: Option<&[u8]>, _args: Args<'_, '_>) -> TargetResult<Pid, Self> {
        self.resume = Some(Resume::Restart);
        Ok(Pid::new(1).expect("nonzero"))
    }

    fn attach(&mut self, _pid: Pid) -> TargetResult<(), Self> {
        Err(TargetError::NonFatal)
    }

    fn query_if_attached(&mut self, _pid: Pid) -> TargetResult<AttachKind, Self> {
        // As if attached: gdb detaches from a replay when it quits, it does not kill it.
        Ok(AttachKind::Attach)
    }

    fn kill(&mut self, _pid: Option<Pid>) -> TargetResult<ShouldTerminate, Self> {
        Ok(ShouldTerminate::No)
    }

    fn restart(&mut self) -> Result<(), Self::Error> {
        self.resume = Some(Resume::Restart);
        Ok(())
    }
}

impl MonitorCmd for GdbTarget {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        let words: Vec<&str> = cmd.split_whitespace().collect();
        match words.as_slice() {
            ["when"] => {
                let s = self.session();
                gdbstub::outputln!(out, "Current event: {}", s.current_event());
            }
            ["goto", n] | ["run", n] => match n.parse::<u64>() {
                Ok(n) => {
                    gdbstub::outputln!(out, "going to event {n}{}", self.flush_hint());
                    self.resume = Some(Resume::Goto(n));
                }
                Err(_) => gdbstub::outputln!(out, "usage: monitor goto EVENT"),
            },
            ["checkpoint"] => match self.session().position() {
                Some(p) => {
                    self.checkpoints.push(p);
                    gdbstub::outputln!(
                        out,
                        "Checkpoint {} at event {}",
                        self.checkpoints.len(),
                        p.event
                    );
                }
                None => gdbstub::outputln!(
                    out,
                    "nothing to checkpoint: the process has ended, or it is changed by gdb (set var, a call) until it resumes"
                ),
            },
            ["restart", n] => match n
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| self.checkpoints.get(i))
            {
                Some(p) => {
                    gdbstub::outputln!(
                        out,
                        "returning to checkpoint {n} (event {}){}",
                        p.event,
                        self.flush_hint()
                    );
                    self.resume = Some(Resume::Seek(*p));
                }
                None => gdbstub::outputln!(out, "no checkpoint {n}"),
            },
            ["checkpoints"] => {
                let (n, bytes) = self.session().checkpoint_stats();
                gdbstub::outputln!(
                    out,
                    "{n} automatic checkpoints, {:.1} MiB of private memory",
                    bytes as f64 / 1048576.0
                );
            }
            ["info"] => {
                let summary = self.session().summary();
                for line in summary.lines() {
                    gdbstub::outputln!(out, "{line}");
                }
            }
            _ => {
                gdbstub::outputln!(out, "rewind monitor commands:");
                gdbstub::outputln!(out, "  when           the current event number");
                gdbstub::outputln!(
                    out,
                    "  goto EVENT     replay to just after event EVENT (forwards or backwards)"
                );
                gdbstub::outputln!(out, "  checkpoint     remember the current point");
                gdbstub::outputln!(out, "  restart N      go back to checkpoint N");
                gdbstub::outputln!(out, "  info           what the trace holds");
                gdbstub::outputln!(
                    out,
                    "  checkpoints    how many automatic checkpoints exist, and their memory"
                );
            }
        }
        Ok(())
    }
}

/// What the packet sniffer makes of a byte from gdb.
enum Taken {
    /// Bytes to hand to gdbstub (possibly none yet: a packet is being collected).
    Pass(Vec<u8>),
    /// A complete `qGetTLSAddr` request (its arguments), answered by us.
    TlsRequest(String),
}

/// Picks `qGetTLSAddr` packets out of gdb's byte stream (gdbstub does not know
/// them); everything else goes through unchanged.
#[derive(Default)]
struct Sniffer {
    packet: Vec<u8>,
    checksum_left: u8,
    no_ack: bool,
    /// gdb acknowledges our own reply with a '+' that gdbstub must not see.
    swallow_ack: bool,
}

impl Sniffer {
    fn take(&mut self, b: u8) -> Taken {
        if self.packet.is_empty() {
            if self.swallow_ack && b == b'+' {
                self.swallow_ack = false;
                return Taken::Pass(Vec::new());
            }
            if b != b'$' {
                return Taken::Pass(vec![b]);
            }
        }
        self.packet.push(b);
        if self.checksum_left > 0 {
            self.checksum_left -= 1;
            if self.checksum_left > 0 {
                return Taken::Pass(Vec::new());
            }
            let packet = std::mem::take(&mut self.packet);
            let body = &packet[1..packet.len() - 3];
            if let Some(args) = body.strip_prefix(b"qGetTLSAddr:") {
                self.swallow_ack = !self.no_ack;
                return Taken::TlsRequest(String::from_utf8_lossy(args).into_owned());
            }
            if body == b"QStartNoAckMode" {
                self.no_ack = true;
            }
            return Taken::Pass(packet);
        }
        if b == b'#' {
            self.checksum_left = 2;
        }
        Taken::Pass(Vec::new())
    }
}

/// A reply packet, with gdb's '+' acknowledgement of its request first.
fn frame(body: &str, ack: bool) -> Vec<u8> {
    let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    let mut out = Vec::new();
    if ack {
        out.push(b'+');
    }
    out.extend_from_slice(format!("${body}#{sum:02x}").as_bytes());
    out
}

impl GdbServer {
    /// `qGetTLSAddr:THREAD,OFFSET,LM` -> the variable's address in hex.
    fn tls_reply(&mut self, args: &str) -> String {
        let parts: Vec<&str> = args.split(',').collect();
        let parse = |s: &str| u64::from_str_radix(s, 16).ok();
        let (Some(offset), Some(lm)) = (
            parts.get(1).and_then(|s| parse(s)),
            parts.get(2).and_then(|s| parse(s)),
        ) else {
            return "E01".into();
        };
        // The thread is "pPID.TID" or "TID" (hex); without one, the current thread.
        let s = self.target.session();
        let thread = parts
            .first()
            .map(|t| t.rsplit('.').next().unwrap_or(t))
            .and_then(|t| i32::from_str_radix(t.trim_start_matches('p'), 16).ok())
            .filter(|&t| t > 0)
            .or_else(|| s.current_thread())
            .unwrap_or(0);
        match crate::tls::tls_address(s, thread, lm, offset) {
            Some(addr) => format!("{addr:x}"),
            None => "E01".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(s: &mut Sniffer, data: &[u8]) -> (Vec<u8>, Vec<String>) {
        let mut passed = Vec::new();
        let mut tls = Vec::new();
        for &b in data {
            match s.take(b) {
                Taken::Pass(v) => passed.extend(v),
                Taken::TlsRequest(a) => tls.push(a),
            }
        }
        (passed, tls)
    }

    #[test]
    fn tls_requests_are_picked_out_and_the_rest_passes() {
        let mut s = Sniffer::default();
        let (passed, tls) = feed(
            &mut s,
            b"+$g#67$qGetTLSAddr:p1.1,10,7ffff7ffe2e0#00+$m1000,4#xx\x03",
        );
        assert_eq!(tls, vec!["p1.1,10,7ffff7ffe2e0".to_string()]);
        // The '+' acknowledging our reply is swallowed; the rest is untouched.
        assert_eq!(passed, b"+$g#67$m1000,4#xx\x03".to_vec());
    }

    #[test]
    fn reply_framing() {
        assert_eq!(frame("OK", true), b"+$OK#9a".to_vec());
        assert_eq!(frame("E01", false), b"$E01#a6".to_vec());
    }
}
