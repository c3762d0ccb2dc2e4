//! Crash monitoring: watch a process at full speed and, when it crashes or a
//! trigger fires, keep an ELF core and a symbolized report in the crash store.
//!
//! The process is traced with `PTRACE_SEIZE` but never stopped at syscalls:
//! the kernel only stops it for signals and for new threads/processes, so it
//! runs at native speed. A crash is a core-dumping signal (SIGSEGV, SIGABRT...)
//! about to be delivered with its default action; a signal the program
//! handles is passed on untouched. Dumps for triggers (CPU, memory, threads,
//! fds, a signal, on demand) are taken from a copy-on-write fork of the
//! process, so it is paused only for the fork.

mod dumper;
pub mod ingest;
mod limits;
pub mod report;
pub mod signals;
mod triggers;
mod waits;

pub use dumper::SnapshotStats;
pub use limits::Limits;
pub use triggers::Triggers;

use rewind_ptrace as pt;
use rewind_store::{Store, StoreError, StoreOptions};
use std::collections::{HashSet, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Options of a monitoring session.
#[derive(Clone, Debug)]
pub struct Options {
    pub store: PathBuf,
    pub store_options: StoreOptions,
    pub limits: Limits,
    pub triggers: Triggers,
    /// How often triggers are sampled.
    pub poll: Duration,
    /// Print one line per stored event on stderr.
    pub verbose: bool,
}

#[derive(Clone, Debug)]
pub enum Target {
    /// Start this program (resolved path) with these arguments (argv[0] first).
    Spawn {
        program: PathBuf,
        argv: Vec<OsString>,
    },
    /// Attach to a running process (all its threads).
    Pid(i32),
    /// Wait for a process with this name (comm or executable file name), then attach.
    Name(String),
}

/// How the monitored program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Killed(i32),
    /// Monitoring ended (--stop, --duration, SIGINT/SIGTERM to rewind) and the
    /// program was left running.
    Detached,
}

impl Outcome {
    /// The exit status a shell would show for the program.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Exited(c) => c,
            Outcome::Killed(s) => 128 + s,
            Outcome::Detached => 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Attach(String),
    #[error("{0}")]
    Spawn(String),
    #[error("{0}")]
    Io(String),
}

/// Options every monitored task gets: follow threads and children, see
/// execs. Tasks are never resumed with PTRACE_SYSCALL except to run an
/// injected syscall (snapshots), whose stops TRACESYSGOOD tells from SIGTRAPs.
/// No EXITKILL: if rewind dies, the program goes on.
const MONITOR_OPTIONS: i32 = libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACEEXEC;

/// Stop signals that put a thread group in a group-stop.
pub(crate) const STOP_SIGNALS: [i32; 4] =
    [libc::SIGSTOP, libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU];

/// A signal rewind itself received (SIGINT, SIGTERM, SIGHUP): 0 when none.
static STOP_REQUEST: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop_request(sig: libc::c_int) {
    STOP_REQUEST.store(sig, Ordering::Relaxed);
}

fn catch_stop_requests() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop_request as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

pub(crate) struct Monitor {
    pub(crate) opts: Options,
    pub(crate) store: Store,
    /// The process monitoring is about (its exit ends the session).
    pub(crate) main_pid: i32,
    /// We started it (we are its parent, not only its tracer).
    spawned: bool,
    /// Every task we trace.
    pub(crate) tasks: HashSet<i32>,
    /// Tasks left in a group-stop with PTRACE_LISTEN.
    pub(crate) listening: HashSet<i32>,
    pub(crate) limits: limits::State,
    triggers: triggers::State,
    /// The main process's end, when a dump's own waits collected it.
    pub(crate) main_exit: Option<Outcome>,
    /// Stops seen by a dump's waits, for the main loop (see `waits`).
    pub(crate) deferred: VecDeque<waits::Deferred>,
}

/// Runs a monitoring session until the program ends (or monitoring stops).
pub fn monitor(target: Target, opts: Options) -> Result<Outcome, MonitorError> {
    let mut store = Store::open(&opts.store)?;
    store.prune(report::now_unix(), opts.limits.retention_secs)?;
    pt::block_sigchld();
    catch_stop_requests();
    let (main_pid, spawned) = match &target {
        Target::Spawn { program, argv } => (spawn(program, argv)?, true),
        Target::Pid(pid) => (attach_process(*pid)?, false),
        Target::Name(name) => match wait_for_name(name, &opts.limits)? {
            Some(pid) => (attach_process(pid)?, false),
            None => {
                if opts.verbose && STOP_REQUEST.load(Ordering::Relaxed) == 0 {
                    eprintln!(
                        "rewind monitor: the monitoring time (--duration/--stop) is over: no process named {name} appeared"
                    );
                }
                return Ok(Outcome::Detached);
            }
        },
    };
    Monitor::new(opts, store, main_pid, spawned)?.run()
}

/// Takes one dump of a running process now (`rewind snapshot --pid`),
/// pausing it only for a copy-on-write fork, then detaches.
pub fn snapshot(
    pid: i32,
    opts: Options,
) -> Result<(rewind_store::AddOutcome, SnapshotStats), MonitorError> {
    let store = Store::open(&opts.store)?;
    pt::block_sigchld();
    attach_process(pid)?;
    let mut m = match Monitor::new(opts, store, pid, false) {
        Ok(m) => m,
        Err(e) => {
            detach_untouched(pid);
            return Err(e);
        }
    };
    let result = m.snapshot_dump("snapshot", None);
    m.detach_all();
    result
}

/// The program whose limits a session applies: the executable of its
/// process, as the kernel names it (a replaced binary's " (deleted)" mark
/// dropped, so an upgraded program restarted by its supervisor is the same).
fn program_of(pid: i32) -> String {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| {
            let s = p.to_string_lossy().into_owned();
            s.strip_suffix(" (deleted)")
                .map(str::to_string)
                .unwrap_or(s)
        })
        .unwrap_or_else(|_| format!("pid {pid}"))
}

/// Detaches from every thread of a process seized by `attach_process`
/// when the session cannot start after all.
fn detach_untouched(pid: i32) {
    for t in threads_of(pid) {
        if pt::interrupt(t).is_ok() {
            let _ = pt::wait(t);
            let _ = pt::detach(t, 0);
        }
    }
}

pub(crate) fn threads_of(pid: i32) -> Vec<i32> {
    let mut tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    tids.sort();
    tids
}

fn spawn(program: &Path, argv: &[OsString]) -> Result<i32, MonitorError> {
    use std::os::unix::ffi::OsStrExt;
    let args: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
    let env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend_from_slice(v.as_bytes());
            e
        })
        .collect();
    let path = program.to_string_lossy();
    let (pid, pipe) = pt::spawn_traced(
        &path,
        &args,
        &env,
        &pt::SpawnSetup {
            seize: true,
            ..Default::default()
        },
    )
    .map_err(|e| MonitorError::Spawn(format!("cannot start {path}: {e}")))?;
    let io = |e: std::io::Error| MonitorError::Io(format!("monitoring {path}: {e}"));
    pt::set_options(pid, MONITOR_OPTIONS).map_err(io)?;
    pt::resume_cont(pid, 0).map_err(io)?;
    // Until the execve: a failure to run the program is an error, not an exit.
    loop {
        let (_, _, st) = pt::wait(pid).map_err(io)?;
        match st {
            pt::WaitStatus::Event(pt::event::EXEC) => {
                pt::resume_cont(pid, 0).map_err(io)?;
                return Ok(pid);
            }
            pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_) => {
                let why = pt::exec_error(pipe)
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "it exited before starting".into());
                return Err(MonitorError::Spawn(format!("cannot run {path}: {why}")));
            }
            pt::WaitStatus::Signal(sig) => pt::resume_cont(pid, sig).map_err(io)?,
            _ => pt::resume_cont(pid, 0).map_err(io)?,
        }
    }
}

/// Seizes every thread of `pid` (threads created meanwhile are caught by
/// re-reading the list until it is stable, later ones by PTRACE_O_TRACECLONE).
fn attach_process(pid: i32) -> Result<i32, MonitorError> {
    if pid <= 0 {
        return Err(MonitorError::Attach(format!("there is no process {pid}")));
    }
    if pid as u32 == std::process::id() {
        return Err(MonitorError::Attach("rewind cannot monitor itself".into()));
    }
    // No /proc entry: no such process.
    let tgid = pt::tgid_of(pid).map_err(|_| {
        MonitorError::Attach(pt::attach_error(
            pid,
            &std::io::Error::from_raw_os_error(libc::ESRCH),
        ))
    })?;
    if tgid != pid {
        return Err(MonitorError::Attach(format!(
            "{pid} is a thread of process {tgid}: pass --pid {tgid}"
        )));
    }
    let mut seized: HashSet<i32> = HashSet::new();
    loop {
        let tids = threads_of(pid);
        let new: Vec<i32> = tids.into_iter().filter(|t| !seized.contains(t)).collect();
        if new.is_empty() {
            break;
        }
        for t in new {
            match pt::seize(t, MONITOR_OPTIONS) {
                Ok(()) => {
                    seized.insert(t);
                }
                // A thread that exited meanwhile.
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) && t != pid => {
                    seized.insert(t);
                }
                // A thread created meanwhile by a seized one: already ours
                // (PTRACE_O_TRACECLONE).
                Err(e) if e.raw_os_error() == Some(libc::EPERM) && traced_by_us(t) => {
                    seized.insert(t);
                }
                // A thread that has exited but is still listed: the kernel
                // refuses to trace a task past its exit with EPERM, not
                // ESRCH (regression: "not permitted to trace process" when
                // attaching to a program whose threads come and go).
                Err(e) if e.raw_os_error() == Some(libc::EPERM) && t != pid && exited(t) => {
                    seized.insert(t);
                }
                // The process itself has ended (its parent has yet to reap it).
                Err(e) if e.raw_os_error() == Some(libc::EPERM) && t == pid && exited(pid) => {
                    return Err(MonitorError::Attach(if threads_of(pid).len() > 1 {
                        format!("the main thread of process {pid} has exited (its other threads run on): rewind cannot attach to such a process")
                    } else {
                        format!(
                            "process {pid} has exited: there is nothing left to monitor or dump"
                        )
                    }));
                }
                Err(e) => return Err(MonitorError::Attach(pt::attach_error(pid, &e))),
            }
        }
    }
    Ok(pid)
}

/// Whether thread `tid` has exited (a zombie or dead task, or gone).
fn exited(tid: i32) -> bool {
    match pt::ProcStatus::read(tid) {
        Ok(status) => matches!(status.word("State"), Some("Z" | "X") | None),
        Err(_) => true,
    }
}

fn traced_by_us(tid: i32) -> bool {
    pt::ProcStatus::read(tid)
        .ok()
        .and_then(|s| s.number("TracerPid"))
        == Some(std::process::id() as u64)
}

/// Polls /proc for a process named `name` (ProcDump's -w).
fn wait_for_name(name: &str, limits: &Limits) -> Result<Option<i32>, MonitorError> {
    let me = std::process::id() as i32;
    catch_stop_requests();
    loop {
        if STOP_REQUEST.load(Ordering::Relaxed) != 0 || limits.past_stop(report::now_unix()) {
            return Ok(None);
        }
        let mut found: Vec<i32> = std::fs::read_dir("/proc")
            .map_err(|e| MonitorError::Io(format!("reading /proc: {e}")))?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&p| p != me && process_named(p, name))
            .collect();
        found.sort();
        if let Some(&pid) = found.first() {
            return Ok(Some(pid));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn process_named(pid: i32, name: &str) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim_end() == name {
        return true;
    }
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|p| p.file_name().map(|n| n == name))
        .unwrap_or(false)
}

impl Monitor {
    /// A session on `main_pid`, whose threads are already attached.
    fn new(
        mut opts: Options,
        mut store: Store,
        main_pid: i32,
        spawned: bool,
    ) -> Result<Monitor, MonitorError> {
        let program = program_of(main_pid);
        let limits = limits::State::new(
            &mut store,
            &opts.limits,
            program.clone(),
            report::now_unix(),
        )?;
        // Every crash of the session (its children's too) counts against it.
        opts.store_options.program = Some(program);
        Ok(Monitor {
            limits,
            triggers: triggers::State::new(main_pid),
            tasks: threads_of(main_pid).into_iter().collect(),
            listening: HashSet::new(),
            opts,
            store,
            main_pid,
            spawned,
            main_exit: None,
            deferred: VecDeque::new(),
        })
    }

    /// Whether a dump may be kept now (`--max-dumps`, `--min-spacing`);
    /// the note for the report if not.
    pub(crate) fn dump_allowed(&self) -> Result<(), String> {
        self.limits
            .dump_allowed(&self.store, &self.opts.limits, report::now_unix())
    }

    fn run(&mut self) -> Result<Outcome, MonitorError> {
        let io = |e: std::io::Error| MonitorError::Io(format!("waiting for the program: {e}"));
        let mut next_sample = Instant::now() + self.opts.poll;
        loop {
            if let Some(outcome) = self.main_exit {
                return Ok(outcome);
            }
            if let Some(outcome) = self.check_stop()? {
                return Ok(outcome);
            }
            // Sample triggers on time even when stops keep coming.
            if Instant::now() >= next_sample {
                next_sample = Instant::now() + self.opts.poll;
                self.on_tick();
                continue;
            }
            if let Some((tid, status, st)) = self.deferred.pop_front() {
                // A signal stop kept during a dump is stale if the task was
                // killed since (its process died of another thread's crash):
                // its exit comes next.
                let stale =
                    matches!(st, pt::WaitStatus::Signal(_)) && pt::get_siginfo(tid).is_err();
                if !stale {
                    if let Some(outcome) = self.on_stop(tid, status, st)? {
                        return Ok(outcome);
                    }
                }
                continue;
            }
            // Wake up for trigger samples and to notice stop requests.
            let tick = self.opts.poll.min(Duration::from_millis(250));
            let deadline = pt::monotonic_ns() + tick.as_nanos() as u64;
            match pt::wait_timeout(Some(deadline)).map_err(io)? {
                None => {}
                Some((tid, status, st)) => {
                    if let Some(outcome) = self.on_stop(tid, status, st)? {
                        return Ok(outcome);
                    }
                }
            }
        }
    }

    /// Monitoring ends at --stop/--duration or when rewind is asked to stop.
    fn check_stop(&mut self) -> Result<Option<Outcome>, MonitorError> {
        let req = STOP_REQUEST.load(Ordering::Relaxed);
        let past = self.opts.limits.past_stop(report::now_unix());
        if req == 0 && !past {
            return Ok(None);
        }
        if req != 0 && self.spawned {
            // The program we started runs on: a terminal's SIGINT/SIGQUIT
            // reached it already, other signals are passed on.
            if req != libc::SIGINT && req != libc::SIGQUIT {
                unsafe { libc::kill(self.main_pid, req) };
            }
            STOP_REQUEST.store(0, Ordering::Relaxed);
            return Ok(None);
        }
        if past && req == 0 {
            self.say(&format!(
                "the monitoring time (--duration/--stop) is over: process {} runs on unmonitored",
                self.main_pid
            ));
        }
        self.detach_all();
        if let Some(outcome) = self.main_exit {
            return Ok(Some(outcome));
        }
        if self.spawned {
            // Still its parent: wait for it to pass its exit status on. A
            // thread that did not stop in time for the detach stops later
            // (our interrupt is pending): it is detached then.
            loop {
                match pt::wait(-1) {
                    Ok((t, _, st @ (pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_)))) => {
                        if t == self.main_pid {
                            return Ok(Some(match st {
                                pt::WaitStatus::Exited(c) => Outcome::Exited(c),
                                pt::WaitStatus::Killed(s) => Outcome::Killed(s),
                                _ => Outcome::Detached,
                            }));
                        }
                    }
                    Ok((t, _, pt::WaitStatus::Signal(sig))) => {
                        let _ = pt::detach(t, sig);
                    }
                    Ok((t, _, _)) => {
                        let _ = pt::detach(t, 0);
                    }
                    Err(_) => return Ok(Some(Outcome::Detached)),
                }
            }
        }
        Ok(Some(Outcome::Detached))
    }

    fn on_stop(
        &mut self,
        tid: i32,
        status: i32,
        st: pt::WaitStatus,
    ) -> Result<Option<Outcome>, MonitorError> {
        match st {
            pt::WaitStatus::Exited(code) => {
                self.tasks.remove(&tid);
                if tid == self.main_pid {
                    return Ok(Some(Outcome::Exited(code)));
                }
            }
            pt::WaitStatus::Killed(sig) => {
                self.tasks.remove(&tid);
                if tid == self.main_pid {
                    return Ok(Some(Outcome::Killed(sig)));
                }
            }
            pt::WaitStatus::Event(pt::event::STOP) => {
                self.tasks.insert(tid);
                let sig = (status >> 8) & 0xff;
                if STOP_SIGNALS.contains(&sig) {
                    // Job control: stay stopped, as without a tracer.
                    if pt::listen(tid).is_ok() {
                        self.listening.insert(tid);
                    }
                } else {
                    self.listening.remove(&tid);
                    let _ = pt::resume_cont(tid, 0);
                }
            }
            pt::WaitStatus::Event(ev) => {
                if matches!(ev, pt::event::CLONE | pt::event::FORK | pt::event::VFORK) {
                    if let Ok(new) = pt::event_msg(tid) {
                        self.tasks.insert(new as i32);
                    }
                }
                let _ = pt::resume_cont(tid, 0);
            }
            pt::WaitStatus::Signal(sig) => {
                self.tasks.insert(tid);
                let now = report::now_unix();
                if self.opts.limits.in_window(now) && signals::is_fatal_crash(tid, sig) {
                    self.on_crash(tid, sig)?;
                } else if self.opts.limits.in_window(now)
                    && self.opts.triggers.signals.contains(&sig)
                    && self.dump_allowed().is_ok()
                {
                    let tgid = pt::tgid_of(tid).unwrap_or(tid);
                    if tgid == self.main_pid {
                        self.trigger_dump(
                            &format!("signal {}", signals::name(sig)),
                            Some((tid, sig)),
                        );
                    } else {
                        let _ = pt::resume_cont(tid, sig);
                    }
                } else {
                    let _ = pt::resume_cont(tid, sig);
                }
            }
            pt::WaitStatus::Syscall => {
                let _ = pt::resume_cont(tid, 0);
            }
        }
        Ok(None)
    }

    fn on_tick(&mut self) {
        let now = report::now_unix();
        if !self.opts.limits.in_window(now) {
            return;
        }
        if let Some(reason) = self.triggers.sample(&self.opts.triggers, Instant::now()) {
            if self.dump_allowed().is_ok() {
                self.trigger_dump(&reason, None);
            }
        }
    }

    fn trigger_dump(&mut self, reason: &str, signal: Option<(i32, i32)>) {
        match self.snapshot_dump(reason, signal) {
            Ok((outcome, stats)) => self.say(&format!(
                "{reason}: stored as crash {} (process paused {:.1} ms)",
                outcome.id,
                stats.pause.as_secs_f64() * 1000.0
            )),
            Err(e) => self.say(&format!("{reason}: dump failed: {e}")),
        }
    }

    pub(crate) fn say(&self, line: &str) {
        if self.opts.verbose {
            eprintln!("rewind monitor: {line}");
        }
    }

    /// Stops monitoring: every task is detached and runs on untraced.
    /// Threads and children that appear meanwhile are found at their
    /// clone/fork events and detached too.
    fn detach_all(&mut self) {
        let mut todo: Vec<i32> = self.tasks.iter().copied().collect();
        todo.extend(threads_of(self.main_pid));
        let mut done = HashSet::new();
        while let Some(t) = todo.pop() {
            if !done.insert(t) {
                continue;
            }
            if !self.has_deferred(t) && pt::interrupt(t).is_err() {
                continue;
            }
            // A task that does not stop in time is detached when it stops
            // later (check_stop's wait for a spawned program) or by the
            // kernel when rewind exits (no PTRACE_O_EXITKILL).
            let waits::TaskWait::Stopped(_, st) = self.wait_task(t, waits::STOP_TIMEOUT) else {
                continue;
            };
            let sig = match st {
                pt::WaitStatus::Signal(sig) => sig,
                pt::WaitStatus::Event(ev) => {
                    if matches!(ev, pt::event::CLONE | pt::event::FORK | pt::event::VFORK) {
                        if let Ok(new) = pt::event_msg(t) {
                            todo.push(new as i32);
                        }
                    }
                    0
                }
                _ => 0,
            };
            let _ = pt::detach(t, sig);
        }
        self.tasks.clear();
        self.listening.clear();
    }
}

/// Default of `--min-spacing` (for the command line's help).
pub fn limits_default_spacing() -> u64 {
    limits::DEFAULT_MIN_SPACING_SECS
}
