//! The recorder: runs a program tree under ptrace and writes everything replay needs
//! to reproduce it into a trace.
//!
//! Every syscall stops the task twice (entry and exit). At exit the recorder saves
//! the result and the memory the kernel wrote (per the table in `rewind-syscalls`).
//! RDTSC and CPUID trap and are emulated; the vDSO is hidden from the program so
//! time queries become syscalls; ASLR is off so addresses repeat.
//!
//! Asynchronous signals are delivered only at syscall boundaries: one that arrives
//! while a task runs user code is held back and delivered at the task's next
//! syscall (which is cancelled and restarted), so replay can deliver it at the same
//! point without hardware counters.

mod async_signals;
mod cpu;
mod exec;
mod interrupt;
mod kwrites;
mod sched;
mod shared;
mod spin;
mod ticks;

use anyhow::{anyhow, Context, Result};
use interrupt::{install_signal_handlers, ROOT_PID};
use rewind_ptrace::{self as pt, Tid, TrapInsn, WaitStatus};
use rewind_syscalls::{self as sc, Policy};
use rewind_trace::{
    Event, FileStore, ForkKind, Header, MemWrite, OutputStream, RecordingMode, SignalKind, Summary,
    SyscallExtra, TraceWriter,
};
use std::collections::{HashMap, VecDeque};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// What to record.
pub struct RecordOptions {
    /// The executable, resolved through PATH.
    pub program: PathBuf,
    /// argv, starting with the name the user typed.
    pub argv: Vec<std::ffi::OsString>,
    /// Directory to create the trace in (must not exist or be empty).
    pub trace_dir: PathBuf,
    /// Vary scheduling decisions at random (seeded), to shake out races.
    pub chaos_seed: Option<u64>,
    /// Asynchronous signals are delivered where they arrive (the default);
    /// false holds them back to the task's next syscall ("boundaries").
    pub exact_signals: bool,
}

/// How a recording ended.
pub struct RecordOutcome {
    /// The program's exit code, or 128+N if signal N killed it.
    pub exit_code: i32,
    pub events: u64,
    /// Set when rewind had to stop the program (say, an unsupported syscall).
    pub aborted: Option<String>,
}

const SI_KERNEL: i32 = 0x80;
const ERESTARTNOINTR: i64 = 513;
const ERESTART_RESTARTBLOCK: i64 = 516;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const MAP_SHARED: u64 = 0x01;
const MAP_ANONYMOUS: u64 = 0x20;
/// Longest wait for an exiting thread to be gone (it normally takes microseconds).
const THREAD_EXIT_WAIT_NS: u64 = 2_000_000_000;
/// Flush the trace at least this often, so a killed recorder leaves a trace that
/// replays to within this much of where it was killed. (Output to rewind's
/// stdout/stderr is flushed at once: see [`Recorder::push`].)
const FLUSH_INTERVAL_NS: u64 = 50_000_000;
/// The recorder's loop wakes at least this often, even with nothing to do, to
/// flush the trace and to see a request to stop.
pub(crate) const HOUSEKEEPING_NS: u64 = 50_000_000;

#[derive(Default)]
pub(crate) struct Task {
    /// Between a syscall-entry stop and its exit stop.
    in_syscall: bool,
    /// Registers at the current syscall's entry.
    entry: rewind_trace::Regs,
    /// Saw PTRACE_EVENT_EXEC during the current execve.
    exec_seen: bool,
    /// The current syscall was skipped and returns `-errno` (0: succeeds without effect).
    refused: Option<i32>,
    /// The current syscall was cancelled so this held-back signal can be delivered.
    cancel_for: Option<[u8; 128]>,
    /// Asynchronous signals held back until the next syscall boundary.
    deferred: VecDeque<[u8; 128]>,
    /// A held-back signal we re-sent with tgkill; its original siginfo.
    expect: Option<[u8; 128]>,
    /// Registers at the last syscall exit, while the task has not run since.
    exit_regs: Option<rewind_trace::Regs>,
    /// Has passed its initial SIGSTOP.
    started: bool,
    /// A syscall interrupted with -ERESTART_RESTARTBLOCK, to be continued by
    /// restart_syscall.
    interrupted: Option<(u64, [u64; 6])>,
    /// Cache of [`Recorder::output_stream`] by descriptor.
    fd_streams: HashMap<i32, Option<OutputStream>>,
    /// The root process before its first execve: still rewind's own spawn code,
    /// which replay re-creates itself, so nothing is recorded.
    before_exec: bool,
    tgid: i32,
    /// A vfork child that has not exec'd or exited yet: the kernel may let this
    /// parent return from vfork before the child's execve is reported, but replay
    /// needs the child's exec first (the parent blocks until then).
    vfork_child: Option<Tid>,
    /// This task's vfork exit stop, held back until `vfork_child` execs or exits.
    held_exit: Option<rewind_trace::Regs>,
    /// The address space (thread group) whose CPU the task shares: see [`sched`].
    group: Tid,
    /// When the task was last resumed.
    since: u64,
    /// When it last got its group's CPU.
    held_since: u64,
    /// In a syscall it entered while holding the CPU, and gave the CPU up since.
    released: bool,
    /// Made exit or exit_group: it will not run again.
    exiting: bool,
    /// The watchdog sent PTRACE_INTERRUPT and the stop has not come yet.
    interrupt_sent: bool,
    /// Watchdog checks in a row that found no spin (they back off).
    quiet_checks: u32,
    /// Since when the watchdog has failed to preempt it.
    stuck_since: Option<u64>,
    /// Told the user it cannot be preempted.
    warned: bool,
    /// Entry registers of a syscall skipped because the watchdog's interrupt was
    /// pending (it would have broken the syscall): the task makes it again.
    redo: Option<rewind_trace::Regs>,
    /// With `--chaos`: this run's slice.
    chaos_slice: Option<u64>,
    /// The current syscall was answered by rewind itself (not performed): its
    /// result and the memory written for it.
    emulated: Option<(i64, Vec<MemWrite>)>,
    /// The program asked for RDTSC to fault (PR_SET_TSC, PR_TSC_SIGSEGV); rewind
    /// traps it anyway, and then delivers the fault.
    tsc_faults: bool,
    /// The program asked for CPUID to fault (ARCH_SET_CPUID 0); likewise.
    cpuid_faults: bool,
    /// An asynchronous signal rewind re-sent to deliver it at the point the task
    /// is stepped to; its original siginfo.
    deliver_at_point: Option<[u8; 128]>,
    /// Other signals re-sent along with it; their original siginfo.
    resent: Vec<[u8; 128]>,
    /// A new process with its own address space whose written pages are to be
    /// tracked at its first stop.
    own_address_space: bool,
    /// A non-leader thread's execve: the tid that made it (the task now has the
    /// leader's).
    exec_from: Option<Tid>,
    /// Resumed with this signal at a boundary (registers then): a signal stop
    /// that follows before any user code ran is at that boundary too (several
    /// pending signals are delivered one after the other, nested).
    delivered: Option<(i32, rewind_trace::Regs)>,
}

pub(crate) struct Recorder {
    writer: TraceWriter,
    files: FileStore,
    tasks: HashMap<Tid, Task>,
    /// Address spaces, by thread group id: who may run.
    groups: HashMap<Tid, sched::Group>,
    chaos: Option<sched::Chaos>,
    /// Children that stopped before their parent's fork event was seen, with that stop.
    early_children: HashMap<Tid, (i32, WaitStatus)>,
    root: Tid,
    root_status: Option<i32>,
    stdout_id: Option<(u64, u64)>,
    stderr_id: Option<(u64, u64)>,
    aborted: Option<String>,
    last_flush_ns: u64,
    cpuid_faulting: bool,
    shared: shared::SharedMemory,
    /// See [`RecordOptions::exact_signals`].
    exact_signals: bool,
    /// Memory the kernel writes outside a task's own syscalls: see [`kwrites`].
    kernel_writes: kwrites::KernelWrites,
}

/// Records `opts.program` into `opts.trace_dir`.
pub fn record(opts: &RecordOptions) -> Result<RecordOutcome> {
    let start = pt::monotonic_ns();
    let env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            use std::os::unix::ffi::OsStrExt;
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            kv
        })
        .collect();
    let mut stack = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut stack) };
    let start_unix_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // rewind and the program share one CPU (see trap_own_tsc); the program
    // inherits the binding. From here on rewind reads time with real syscalls.
    let cpu_index = pt::trap_own_tsc(None).map(|c| c as u32);
    let header = Header {
        rewind_version: env!("CARGO_PKG_VERSION").to_string(),
        mode: if opts.exact_signals {
            RecordingMode::ExactPoints
        } else {
            RecordingMode::Boundaries
        },
        argv: opts
            .argv
            .iter()
            .map(|a| std::os::unix::ffi::OsStrExt::as_bytes(a.as_os_str()).to_vec())
            .collect(),
        program: opts.program.to_string_lossy().into_owned(),
        cwd: std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        env: env.clone(),
        start_unix_ns,
        cpu_model: cpu::cpu_model(),
        kernel: cpu::kernel_release(),
        cpuid: cpu::all_leaves(),
        stack_limit: (stack.rlim_cur, stack.rlim_max),
        // REWIND_NO_CPUID_FAULTING=1 records as on a CPU without CPUID faulting
        // (the program runs CPUID itself), to test that path on any machine.
        cpuid_faulting: pt::cpuid_faulting_available()
            && std::env::var_os("REWIND_NO_CPUID_FAULTING").is_none(),
        chaos_seed: opts.chaos_seed,
        branch_counter: ticks::detect(&cpu::cpu_model()),
        cpu_index,
    };
    let writer = TraceWriter::create(&opts.trace_dir, &header)?;
    install_signal_handlers();

    let setup = pt::SpawnSetup {
        no_aslr: true,
        trap_tsc: true,
        seize: true,
        ..Default::default()
    };
    let (root, errpipe) = pt::spawn_traced(&header.program, &header.argv, &env, &setup)
        .with_context(|| format!("cannot start {}", header.program))?;
    ROOT_PID.store(root, Ordering::Relaxed);

    let mut rec = Recorder {
        writer,
        files: FileStore::new(&opts.trace_dir),
        tasks: HashMap::new(),
        groups: HashMap::new(),
        chaos: opts.chaos_seed.map(sched::Chaos::new),
        early_children: HashMap::new(),
        root,
        root_status: None,
        stdout_id: output_identity(Path::new("/proc/self/fd/1")),
        stderr_id: output_identity(Path::new("/proc/self/fd/2")),
        aborted: None,
        last_flush_ns: pt::monotonic_ns(),
        cpuid_faulting: header.cpuid_faulting,
        shared: shared::SharedMemory::default(),
        exact_signals: opts.exact_signals,
        kernel_writes: Default::default(),
    };
    rec.tasks.insert(
        root,
        Task {
            started: true,
            before_exec: true,
            tgid: root,
            group: root,
            ..Default::default()
        },
    );
    rec.groups.insert(
        root,
        sched::Group {
            holder: Some(root),
            ..Default::default()
        },
    );
    rec.resume(root, 0)?;
    rec.run()?;

    let status = rec.root_status.unwrap_or(0);
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 127 && rec.writer.event_count() == 0
    {
        if let Some(e) = pt::exec_error(errpipe) {
            return Err(anyhow!("cannot execute {}: {e}", header.program));
        }
    }
    let (exit_code, signal) = if libc::WIFSIGNALED(status) {
        (128 + libc::WTERMSIG(status), Some(libc::WTERMSIG(status)))
    } else {
        (libc::WEXITSTATUS(status), None)
    };
    let summary = Summary {
        exit_code,
        signal,
        duration_ns: pt::monotonic_ns() - start,
        aborted: rec.aborted.clone(),
    };
    rec.writer.push(&Event::End(summary))?;
    let events = rec.writer.event_count();
    rec.writer.finish()?;
    Ok(RecordOutcome {
        exit_code,
        events,
        aborted: rec.aborted,
    })
}

fn fd_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The identity of rewind's own stdout or stderr at `path`, unless it is
/// /dev/null: nothing written there needs reprinting (nor flushing the trace
/// for, nor keeping its bytes).
fn output_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::FileTypeExt;
    let m = std::fs::metadata(path).ok()?;
    let dev_null = m.file_type().is_char_device() && m.rdev() == libc::makedev(1, 3);
    (!dev_null).then(|| (m.dev(), m.ino()))
}

/// Hot syscalls that cannot change which file a descriptor refers to.
fn keeps_descriptors(nr: u64) -> bool {
    matches!(
        nr as i64,
        libc::SYS_read
            | libc::SYS_write
            | libc::SYS_pread64
            | libc::SYS_pwrite64
            | libc::SYS_readv
            | libc::SYS_writev
            | libc::SYS_lseek
            | libc::SYS_fstat
            | libc::SYS_newfstatat
            | libc::SYS_clock_gettime
            | libc::SYS_gettimeofday
            | libc::SYS_getpid
            | libc::SYS_brk
            | libc::SYS_mmap
            | libc::SYS_munmap
            | libc::SYS_mprotect
            | libc::SYS_rt_sigaction
            | libc::SYS_rt_sigprocmask
            | libc::SYS_rt_sigreturn
            | libc::SYS_poll
            | libc::SYS_ppoll
            | libc::SYS_select
            | libc::SYS_pselect6
            | libc::SYS_futex
            | libc::SYS_getrandom
            | libc::SYS_wait4
            | libc::SYS_ioctl
    )
}

/// The registers replay compares at a syscall entry.
pub(crate) fn entry_check(entry: &rewind_trace::Regs) -> rewind_trace::SyscallCheck {
    rewind_trace::SyscallCheck {
        regs: *entry,
        sent: None,
    }
}

pub(crate) fn signo(info: &[u8; 128]) -> i32 {
    i32::from_ne_bytes(info[0..4].try_into().unwrap())
}

fn is_error(result: i64) -> bool {
    (-4095..0).contains(&result)
}

/// What a sendfile that returned `n` copied: the `n` bytes of the input file
/// before its offset (the one at `*args[2]`, else the file position), both
/// already advanced by the kernel. None when the input cannot be read back (a
/// socket or pipe).
fn sendfile_data(tid: Tid, args: &[u64; 6], n: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let end = if args[2] != 0 {
        u64::from_le_bytes(pt::read_mem(tid, args[2], 8).ok()?.try_into().ok()?)
    } else {
        pt::fd_position(tid, args[1] as i32)?
    };
    let file = std::fs::File::open(format!("/proc/{tid}/fd/{}", args[1])).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut data = vec![0; n as usize];
    file.read_exact_at(&mut data, end.checked_sub(n)?).ok()?;
    Some(data)
}

/// Whether task `tid` runs a handler for `sig`.
fn is_caught(tid: Tid, sig: i32) -> bool {
    pt::ProcStatus::read(tid)
        .ok()
        .and_then(|s| s.mask("SigCgt"))
        .is_some_and(|m| m & (1u64 << (sig - 1)) != 0)
}

/// Whether a task stopped with `regs` is at the entry of the handler of `sig`,
/// its frame just built (the kernel passes the signal number, the siginfo and
/// the ucontext, which sits right above the return address): no instruction of
/// the handler has run.
fn at_handler_entry(regs: &rewind_trace::Regs, sig: i32) -> bool {
    regs.rdi == sig as u64 && regs.rdx == regs.rsp + 8 && regs.rax == 0
}

/// Signals the CPU raises for the instruction being executed.
pub(crate) fn is_synchronous(sig: i32, code: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL | libc::SIGTRAP | libc::SIGSYS
    ) && code > 0
}

/// The task will die of `sig` at delivery: not caught, not ignored, default action
/// terminates. Such a signal can be delivered wherever it arrives: nothing the
/// program does afterwards is observable.
fn is_fatal_now(tid: Tid, sig: i32) -> bool {
    if matches!(
        sig,
        libc::SIGCHLD
            | libc::SIGCONT
            | libc::SIGURG
            | libc::SIGWINCH
            | libc::SIGSTOP
            | libc::SIGTSTP
            | libc::SIGTTIN
            | libc::SIGTTOU
    ) {
        return false;
    }
    if sig == libc::SIGKILL {
        return true;
    }
    pt::ProcStatus::read(tid)
        .ok()
        .and_then(|s| s.default_disposition(sig))
        .unwrap_or(false)
}

impl Recorder {
    /// Appends an event. Output the program made on rewind's stdout/stderr is
    /// made durable at once: whatever a user saw before a recorder was killed is
    /// in the trace and is reprinted by its replay.
    fn push(&mut self, event: Event) -> Result<()> {
        let output = matches!(
            &event,
            Event::Syscall {
                extra: SyscallExtra::Output { .. },
                ..
            }
        );
        self.writer.push(&event)?;
        if output {
            self.flush_trace()?;
        } else if self.writer.unflushed_events().is_multiple_of(16) {
            self.flush_if_due()?;
        }
        Ok(())
    }

    /// Writes the buffered events out to the trace file.
    fn flush_trace(&mut self) -> Result<()> {
        self.writer.flush()?;
        self.last_flush_ns = pt::monotonic_ns();
        Ok(())
    }

    fn flush_if_due(&mut self) -> Result<()> {
        if self.writer.unflushed_events() > 0
            && pt::monotonic_ns() - self.last_flush_ns >= FLUSH_INTERVAL_NS
        {
            self.flush_trace()?;
        }
        Ok(())
    }

    /// When the loop must wake up at the latest, besides the scheduler's timers.
    fn housekeeping_deadline(&self, sched: Option<u64>) -> u64 {
        let due = if self.writer.unflushed_events() > 0 {
            self.last_flush_ns + FLUSH_INTERVAL_NS
        } else {
            pt::monotonic_ns() + HOUSEKEEPING_NS
        };
        sched.map_or(due, |s| s.min(due))
    }

    /// Periodic work of the loop: the time-based flush, and a stop that was
    /// asked for with a signal (see [`interrupt`]).
    fn housekeeping(&mut self) -> Result<()> {
        self.flush_if_due()?;
        if self.aborted.is_none()
            && interrupt::stop_requested(|| {
                self.tasks.keys().any(|&t| interrupt::sigint_pending(t))
            })
        {
            self.abort(
                "rewind received SIGINT: recording stopped and the program killed; the trace replays up to that point".into(),
            );
        }
        Ok(())
    }

    fn run(&mut self) -> Result<()> {
        pt::block_sigchld();
        let mut killed = false;
        while !self.tasks.is_empty() {
            let deadline = if self.aborted.is_some() {
                None
            } else {
                self.next_deadline()
            };
            let wake = self.housekeeping_deadline(deadline);
            match pt::wait_timeout(Some(wake)) {
                Ok(Some((tid, raw, st))) => {
                    if let WaitStatus::Signal(sig) = st {
                        interrupt::note_program_signal(sig);
                    }
                    self.on_stop(tid, raw, st)?
                }
                Ok(None) => {}
                Err(e) if e.raw_os_error() == Some(libc::ECHILD) => break,
                Err(e) => return Err(e.into()),
            }
            self.housekeeping()?;
            if self.aborted.is_some() {
                if !killed {
                    self.kill_all();
                    killed = true;
                }
            } else if deadline.is_some() {
                self.on_timers()?;
            }
        }
        Ok(())
    }

    /// Handles one stop of a task that may run (see [`sched`]).
    fn dispatch(&mut self, tid: Tid, raw: i32, st: WaitStatus) -> Result<()> {
        {
            let exit_stop =
                st == WaitStatus::Syscall && self.tasks.get(&tid).is_some_and(|t| t.in_syscall);
            if exit_stop || matches!(st, WaitStatus::Signal(_) | WaitStatus::Event(1..=7)) {
                // Any ptrace stop cancels a pending interrupt trap: no interrupt
                // stop will follow.
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.interrupt_sent = false;
                }
            }
            if !matches!(st, WaitStatus::Signal(_)) {
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.delivered = None;
                }
            }
            let step = match st {
                WaitStatus::Exited(_) | WaitStatus::Killed(_) => self.on_exit(tid, raw),
                WaitStatus::Syscall => self.on_syscall(tid),
                WaitStatus::Event(pt::event::STOP) => self.on_stop_event(tid, raw),
                WaitStatus::Event(ev) => self.on_event(tid, ev),
                WaitStatus::Signal(sig) => self.on_signal(tid, sig),
            };
            match step {
                Ok(()) => {}
                // The task vanished under us (killed): its exit status follows.
                Err(e) if is_esrch(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Runs only `tid` until its current syscall is over. Used for writes to
    /// rewind's own stdout/stderr: several processes writing there concurrently
    /// would otherwise reach the trace in the order wait() reports them, not the
    /// order their bytes came out, and replay would print them reordered.
    fn finish_syscall_alone(&mut self, tid: Tid) -> Result<()> {
        while self.tasks.get(&tid).is_some_and(|t| t.in_syscall) && self.aborted.is_none() {
            let (t, raw, st) = pt::wait(tid)?;
            self.dispatch(t, raw, st)?;
        }
        Ok(())
    }

    fn kill_all(&mut self) {
        for &tid in self.tasks.keys() {
            unsafe { libc::kill(tid, libc::SIGKILL) };
        }
    }

    fn abort(&mut self, why: String) {
        if self.aborted.is_none() {
            self.aborted = Some(why);
        }
    }

    fn resume(&mut self, tid: Tid, sig: i32) -> Result<()> {
        pt::resume_syscall(tid, sig)?;
        let task = self.task(tid);
        task.since = pt::monotonic_ns();
        if task.in_syscall {
            self.maybe_release(tid)?;
        } else {
            self.draw_slice(tid);
        }
        Ok(())
    }

    /// A `PTRACE_EVENT_STOP`: a new task's first stop, the watchdog's interrupt,
    /// or a group-stop (job control, which rewind does not support: ignored).
    fn on_stop_event(&mut self, tid: Tid, raw: i32) -> Result<()> {
        if !self.task(tid).started {
            self.task(tid).started = true;
            if std::mem::take(&mut self.task(tid).own_address_space) {
                self.track_writes(tid);
            }
            return self.resume(tid, 0);
        }
        if libc::WSTOPSIG(raw) == libc::SIGTRAP && self.task(tid).interrupt_sent {
            return self.on_interrupt(tid);
        }
        self.resume(tid, 0)
    }

    fn task(&mut self, tid: Tid) -> &mut Task {
        self.tasks.get_mut(&tid).expect("known task")
    }

    fn on_exit(&mut self, tid: Tid, raw: i32) -> Result<()> {
        if tid == self.root {
            self.root_status = Some(raw);
        }
        self.kernel_writes.forget(tid);
        if let Some(task) = self.tasks.remove(&tid) {
            let g = task.group;
            let exit = Event::Exit { tid, status: raw };
            if self.execve_under_way(g) {
                self.groups.entry(g).or_default().held_exits.push(exit);
            } else {
                self.push(exit)?;
            }
            if let Some(group) = self.groups.get_mut(&g) {
                group.ready.retain(|(t, _)| *t != tid);
            }
            self.free_cpu(g, tid);
            if !self.tasks.values().any(|t| t.group == g) {
                self.groups.remove(&g);
            }
            self.release_vfork_parent(tid)?;
            self.schedule(g)?;
        }
        Ok(())
    }

    fn on_event(&mut self, tid: Tid, ev: i32) -> Result<()> {
        match ev {
            pt::event::FORK | pt::event::VFORK | pt::event::CLONE => {
                let child = pt::event_msg(tid)? as Tid;
                let kind = match ev {
                    pt::event::FORK => ForkKind::Fork,
                    pt::event::VFORK => ForkKind::Vfork,
                    _ => ForkKind::Clone,
                };
                // clone() reports a fork or vfork event when its exit signal is
                // SIGCHLD or it has CLONE_VFORK: its flags still matter.
                let entry = self.task(tid).entry;
                let flags = if entry.orig_rax == libc::SYS_clone as u64 {
                    entry.rdi
                } else {
                    0
                };
                self.push(Event::NewTask {
                    tid,
                    child,
                    kind,
                    flags,
                })?;
                if kind == ForkKind::Vfork {
                    self.task(tid).vfork_child = Some(child);
                }
                let thread = flags & CLONE_THREAD != 0;
                if flags & CLONE_VM != 0 && !thread && flags & CLONE_VFORK == 0 {
                    self.abort("the program created a process sharing its memory (clone with CLONE_VM but not CLONE_THREAD); rewind cannot record that yet, so the recording stopped there".into());
                    return Ok(());
                }
                let parent = self.task(tid);
                let (tgid, group) = if thread {
                    (parent.tgid, parent.group)
                } else {
                    (child, child)
                };
                let (tsc_faults, cpuid_faults) = (parent.tsc_faults, parent.cpuid_faults);
                self.tasks.insert(
                    child,
                    Task {
                        tgid,
                        group,
                        tsc_faults,
                        cpuid_faults,
                        // A vfork child borrows its parent's memory until it execs.
                        own_address_space: !thread
                            && flags & CLONE_VM == 0
                            && kind != ForkKind::Vfork,
                        ..Default::default()
                    },
                );
                self.kernel_writes.new_task(child, flags, entry.r10);
                if let Some((raw, st)) = self.early_children.remove(&child) {
                    self.on_stop(child, raw, st)?;
                }
            }
            pt::event::EXEC => self.task(tid).exec_seen = true,
            _ => {}
        }
        self.resume(tid, 0)
    }

    fn on_syscall(&mut self, tid: Tid) -> Result<()> {
        let regs = pt::get_regs(tid)?;
        if self.task(tid).before_exec {
            let task = self.task(tid);
            task.in_syscall = !task.in_syscall;
            if !task.in_syscall && task.exec_seen && regs.rax == 0 {
                task.before_exec = false;
                task.in_syscall = true;
                return self.on_syscall_exit(tid, regs);
            }
            if task.in_syscall {
                task.entry = regs;
            }
            return self.resume(tid, 0);
        }
        if self.task(tid).in_syscall {
            self.on_syscall_exit(tid, regs)
        } else {
            self.on_syscall_entry(tid, regs)
        }
    }

    fn on_syscall_entry(&mut self, tid: Tid, mut regs: rewind_trace::Regs) -> Result<()> {
        if !keeps_descriptors(regs.orig_rax) {
            self.kernel_writes.descriptors_may_change();
        }
        let task = self.task(tid);
        task.in_syscall = true;
        if std::mem::take(&mut task.interrupt_sent) {
            // The watchdog's PTRACE_INTERRUPT crossed this syscall. This stop
            // cancelled it (any ptrace stop clears a pending interrupt trap), but
            // it left a signal-pending flag that would cut a blocking syscall
            // short (-ERESTARTSYS, restarted behind our back). Skip the syscall;
            // returning to user mode clears the flag; then the task executes the
            // syscall instruction again.
            task.redo = Some(regs);
            regs.orig_rax = u64::MAX;
            pt::set_regs(tid, &regs)?;
            // Not `resume`: this is no syscall the task may block in.
            pt::resume_syscall(tid, 0)?;
            return Ok(());
        }
        task.entry = regs;
        task.exit_regs = None;
        let nr = regs.orig_rax;
        if !task.fd_streams.is_empty() && !keeps_descriptors(nr) {
            task.fd_streams.clear();
        }
        // rt_sigreturn cannot be cancelled and restarted (it would return through
        // a frame that is gone): its exit is a boundary the signal can wait for.
        let restartable = nr != libc::SYS_rt_sigreturn as u64;
        if let Some(info) = task.deferred.pop_front().filter(|_| restartable) {
            // Deliver the held-back signal here: skip the syscall and make it restart
            // after the handler (-ERESTARTNOINTR at exit).
            task.cancel_for = Some(info);
            regs.orig_rax = u64::MAX;
            pt::set_regs(tid, &regs)?;
            return self.resume(tid, 0);
        }
        if let Some(ctl) = sc::trap_control(nr, &pt::syscall_args(&regs)) {
            let answer = self.answer_trap_control(tid, ctl);
            self.task(tid).emulated = Some(answer);
            regs.orig_rax = u64::MAX;
            pt::set_regs(tid, &regs)?;
            return self.resume(tid, 0);
        }
        let Some(spec) = sc::spec(nr) else {
            // A number the kernel does not implement (programs probe for new
            // syscalls this way), or one newer than rewind's table: the program
            // gets ENOSYS without the kernel running it, as if the kernel were older.
            self.task(tid).refused = Some(libc::ENOSYS);
            regs.orig_rax = u64::MAX;
            pt::set_regs(tid, &regs)?;
            return self.resume(tid, 0);
        };
        if nr == libc::SYS_sched_setaffinity as u64
            && (regs.rdi == 0 || self.tasks.contains_key(&(regs.rdi as Tid)))
        {
            // Recorded tasks stay on rewind's CPU (the replay runs on the same
            // one: without CPUID faulting the program reads the CPU's identity);
            // the call succeeds without moving them, as under rr.
            self.task(tid).refused = Some(0);
            regs.orig_rax = u64::MAX;
            pt::set_regs(tid, &regs)?;
            return self.resume(tid, 0);
        }
        match spec.policy {
            Policy::Refuse { errno } => {
                self.task(tid).refused = Some(errno);
                regs.orig_rax = u64::MAX;
                pt::set_regs(tid, &regs)?;
            }
            _ if spec.data_in.is_some() && self.output_stream(tid, regs.rdi as i32).is_some() => {
                // What led up to the output is on disk before the output appears.
                self.flush_trace()?;
                self.resume(tid, 0)?;
                return self.finish_syscall_alone(tid);
            }
            Policy::Special if nr == libc::SYS_exit as u64 || nr == libc::SYS_exit_group as u64 => {
                self.push(Event::SyscallNoReturn {
                    tid,
                    nr,
                    args: pt::syscall_args(&regs),
                    check: entry_check(&regs),
                })?;
                // It never runs user code again: the CPU goes to the others, unless
                // the whole process is going.
                let task = self.task(tid);
                task.exiting = true;
                let g = task.group;
                let group_exit = nr == libc::SYS_exit_group as u64 || !self.has_other_threads(tid);
                if group_exit {
                    self.push_process_death_writes(tid)?;
                } else {
                    self.kernel_writes.watch_thread_exit(tid);
                }
                self.resume(tid, 0)?;
                if group_exit {
                    self.groups.entry(g).or_default().dying = true;
                    self.free_cpu(g, tid);
                    return Ok(());
                }
                return self.await_thread_exit(tid);
            }
            _ => {}
        }
        self.resume(tid, 0)
    }

    /// Whether `tid`'s process has other live threads.
    pub(crate) fn has_other_threads(&self, tid: Tid) -> bool {
        let g = self.tasks.get(&tid).map(|t| t.group);
        self.tasks
            .iter()
            .any(|(&t, task)| t != tid && Some(task.group) == g && !task.exiting)
    }

    /// A thread called exit: it keeps the CPU until the kernel has finished it
    /// off, because the end of its exit (clearing its tid word and waking the
    /// joiner) is visible to the other threads, and replay performs it before
    /// they run on. A non-leader's end is reported by wait; a leader whose
    /// threads live on only turns into a zombie.
    fn await_thread_exit(&mut self, tid: Tid) -> Result<()> {
        let start = pt::monotonic_ns();
        let leader = self.task(tid).tgid == tid;
        loop {
            match pt::try_wait(tid) {
                Ok(Some((t, raw, st))) => match st {
                    WaitStatus::Exited(_) | WaitStatus::Killed(_) => {
                        self.push_thread_exit_writes(tid)?;
                        return self.on_exit(t, raw);
                    }
                    // Anything else on the way out (a signal): let it go on.
                    _ => {
                        let _ = pt::resume_syscall(tid, 0);
                    }
                },
                Ok(None) => {}
                Err(e) if e.raw_os_error() == Some(libc::ECHILD) => break,
                Err(e) => return Err(e.into()),
            }
            if !leader {
                if pt::monotonic_ns() - start > THREAD_EXIT_WAIT_NS {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_micros(20));
            } else {
                pt::wait_zombie(tid, THREAD_EXIT_WAIT_NS);
                break;
            }
        }
        self.push_thread_exit_writes(tid)?;
        let g = self.task(tid).group;
        self.free_cpu(g, tid);
        self.schedule(g)
    }

    /// Whether a thread of process `g` is inside execve (which kills the other
    /// threads, and gives the caller the leader's tid).
    fn execve_under_way(&self, g: Tid) -> bool {
        self.tasks.values().any(|task| {
            task.group == g
                && task.in_syscall
                && [libc::SYS_execve as u64, libc::SYS_execveat as u64]
                    .contains(&task.entry.orig_rax)
        })
    }

    /// PTRACE_EVENT_EXEC reported for `leader`: if a non-leader thread made the
    /// execve, the kernel has given it the leader's tid (the old leader is gone
    /// without an exit report). The recorder's view follows.
    fn adopt_leader_tid(&mut self, leader: Tid) -> Result<()> {
        let former = pt::event_msg(leader)? as Tid;
        if former == leader || !self.tasks.contains_key(&former) {
            return Ok(());
        }
        self.tasks.remove(&leader);
        let mut task = self.tasks.remove(&former).expect("checked");
        task.exec_from = Some(former);
        let g = task.group;
        self.tasks.insert(leader, task);
        if let Some(group) = self.groups.get_mut(&g) {
            group.ready.retain(|(t, _)| *t != leader);
            for (t, _) in group.ready.iter_mut() {
                if *t == former {
                    *t = leader;
                }
            }
            if group.holder == Some(former) {
                group.holder = Some(leader);
            }
        }
        Ok(())
    }

    /// Pushes the exits held back while a non-leader's execve was under way.
    fn flush_held_exits(&mut self, g: Tid) -> Result<()> {
        let held = self
            .groups
            .get_mut(&g)
            .map(|group| std::mem::take(&mut group.held_exits))
            .unwrap_or_default();
        for e in held {
            self.push(e)?;
        }
        Ok(())
    }

    /// The vfork child `child` exec'd or exited: its parent's vfork can complete.
    fn release_vfork_parent(&mut self, child: Tid) -> Result<()> {
        let parent = self
            .tasks
            .iter()
            .find(|(_, t)| t.vfork_child == Some(child))
            .map(|(&p, _)| p);
        if let Some(p) = parent {
            let task = self.task(p);
            task.vfork_child = None;
            if let Some(regs) = task.held_exit.take() {
                return self.on_syscall_exit(p, regs);
            }
        }
        Ok(())
    }

    fn on_syscall_exit(&mut self, tid: Tid, mut regs: rewind_trace::Regs) -> Result<()> {
        if let Some(mut entry) = self.task(tid).redo.take() {
            // Back to the syscall instruction, as before the skipped attempt.
            entry.rip -= 2;
            entry.rax = entry.orig_rax;
            pt::set_regs(tid, &entry)?;
            let task = self.task(tid);
            task.in_syscall = false;
            task.released = false;
            return self.resume(tid, 0);
        }
        if self.task(tid).vfork_child.is_some() {
            self.task(tid).held_exit = Some(regs);
            return Ok(());
        }
        let task = self.task(tid);
        task.in_syscall = false;
        task.released = false;
        task.stuck_since = None;
        let entry = task.entry;
        let nr = entry.orig_rax;
        let args = pt::syscall_args(&entry);
        let forced = if let Some(info) = task.cancel_for.take() {
            task.expect = Some(info);
            Some((-ERESTARTNOINTR, vec![], SyscallExtra::CancelledForSignal))
        } else if let Some((result, writes)) = task.emulated.take() {
            Some((result, writes, SyscallExtra::None))
        } else {
            task.refused
                .take()
                .map(|e| (-(e as i64), vec![], SyscallExtra::None))
        };
        if let Some((result, writes, extra)) = forced {
            regs.rax = result as u64;
            regs.orig_rax = nr;
            pt::set_regs(tid, &regs)?;
            self.push(Event::Syscall {
                tid,
                nr,
                args,
                result,
                writes,
                extra,
                check: entry_check(&entry),
            })?;
            if let Some(info) = self.task(tid).expect {
                let tgid = self.task(tid).tgid;
                pt::tgkill(tgid, tid, signo(&info))?;
            }
            self.task(tid).exit_regs = Some(regs);
            return self.continue_after_syscall(tid);
        }
        let result = regs.rax as i64;
        if (nr == libc::SYS_execve as u64 || nr == libc::SYS_execveat as u64)
            && result == 0
            && self.task(tid).exec_seen
        {
            self.task(tid).exec_seen = false;
            // execve resets CPUID faulting (the TSC mode survives it).
            self.task(tid).cpuid_faults = false;
            // A non-leader's execve is logged under the tid that made it (replay
            // runs that thread to its execve); it goes on as the leader.
            let caller = self.task(tid).exec_from.take().unwrap_or(tid);
            let event = exec::capture(tid, caller, &regs, &mut self.files, self.cpuid_faulting)?;
            self.push(event)?;
            self.track_writes(tid);
            let g = self.task(tid).group;
            self.flush_held_exits(g)?;
            self.release_vfork_parent(tid)?;
            return self.continue_after_syscall(tid);
        }
        // restart_syscall continues a syscall a signal interrupted: its memory
        // effects are those of the original.
        let (out_nr, out_args) = match self.task(tid).interrupted.take() {
            Some(orig) if nr == libc::SYS_restart_syscall as u64 => orig,
            _ => (nr, args),
        };
        if result == -ERESTART_RESTARTBLOCK {
            self.task(tid).interrupted = Some((out_nr, out_args));
        }
        let spec = sc::spec(nr).expect("checked at entry");
        let out_spec = sc::spec(out_nr).unwrap_or(spec);
        let mem = |addr, len| pt::read_mem(tid, addr, len).ok();
        let mut writes = Vec::new();
        let regions = match sc::output_regions(out_spec, &out_args, result, &mem) {
            Ok(r) => r,
            Err(sc::Unsupported(what)) => {
                self.abort(format!(
                    "the program used {what} in syscall {}, which rewind cannot record yet; recording stopped (the trace replays up to that point; please report it)",
                    spec.name
                ));
                return Ok(());
            }
        };
        for r in regions {
            // Memory the kernel could not have written (unmapped) is skipped.
            if let Ok(data) = pt::read_mem(tid, r.addr, r.len as usize) {
                writes.push(MemWrite { addr: r.addr, data });
            }
        }
        if nr == libc::SYS_clone as u64
            && !is_error(result)
            && args[0] & CLONE_PARENT_SETTID != 0
            && args[2] != 0
        {
            if let Ok(data) = pt::read_mem(tid, args[2], 4) {
                writes.push(MemWrite {
                    addr: args[2],
                    data,
                });
            }
        }
        let mut extra = SyscallExtra::None;
        let mut check = entry_check(&entry);
        if nr == libc::SYS_mmap as u64 && !is_error(result) && args[3] & MAP_ANONYMOUS == 0 {
            match self.mapped_file(tid, &args) {
                Ok(e) => extra = e,
                Err(why) => {
                    self.abort(why);
                    return Ok(());
                }
            }
        } else if let Some((fd, regions)) = sc::data_in_regions(spec, &args, result, &mem) {
            // What the program sent, as its memory holds it now (the same point
            // replay checks it at: after other threads ran, if this one blocked).
            let mut data = Vec::new();
            for r in regions {
                if let Ok(d) = pt::read_mem(tid, r.addr, r.len as usize) {
                    data.extend_from_slice(&d);
                }
            }
            check.sent = Some(rewind_trace::SentData::of([data.as_slice()]));
            if let Some(stream) = self.output_stream(tid, fd) {
                extra = SyscallExtra::Output { stream, data };
            }
        } else if nr == libc::SYS_sendfile as u64 && result > 0 {
            // Bytes the kernel copied from a file to rewind's stdout/stderr:
            // they never were in the program's memory; replay prints these.
            if let Some(stream) = self.output_stream(tid, args[0] as i32) {
                if let Some(data) = sendfile_data(tid, &args, result as u64) {
                    extra = SyscallExtra::Output { stream, data };
                }
            }
        }
        match self.shared_memory_extra(tid, nr, &args, result) {
            Ok(Some(e)) if extra == SyscallExtra::None => extra = e,
            Ok(_) => {}
            Err(why) => {
                self.abort(why);
                return Ok(());
            }
        }
        self.push(Event::Syscall {
            tid,
            nr,
            args,
            result,
            writes,
            extra,
            check,
        })?;
        self.track_new_memory(tid, nr, &args, result);
        self.maybe_reset_written(tid);
        self.push_writes_after_syscall(tid, nr, &args, result)?;
        if nr == libc::SYS_execve as u64 || nr == libc::SYS_execveat as u64 {
            // A failed execve: threads that exited meanwhile did so on their own.
            let g = self.task(tid).group;
            self.flush_held_exits(g)?;
        }
        self.task(tid).exit_regs = Some(regs);
        self.continue_after_syscall(tid)
    }

    /// Whether fd `fd` of the task is the terminal/pipe/file rewind's own stdout or
    /// stderr is: replay reprints what the program wrote there.
    /// The answer is cached per task until it makes a syscall that may change
    /// what its descriptors refer to.
    fn output_stream(&mut self, tid: Tid, fd: i32) -> Option<OutputStream> {
        if let Some(&cached) = self.task(tid).fd_streams.get(&fd) {
            return cached;
        }
        let stream = fd_identity(Path::new(&format!("/proc/{tid}/fd/{fd}"))).and_then(|id| {
            let out = self.stdout_id == Some(id);
            let err = self.stderr_id == Some(id);
            match (out, err) {
                (true, true) if fd == 2 => Some(OutputStream::Stderr),
                (true, _) => Some(OutputStream::Stdout),
                (false, true) => Some(OutputStream::Stderr),
                _ => None,
            }
        });
        self.task(tid).fd_streams.insert(fd, stream);
        stream
    }

    /// Stores the file behind a file mmap in the trace.
    fn mapped_file(
        &mut self,
        tid: Tid,
        args: &[u64; 6],
    ) -> std::result::Result<SyscallExtra, String> {
        let fd = args[4] as i32;
        let link = format!("/proc/{tid}/fd/{fd}");
        let shown = std::fs::read_link(&link)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = std::fs::metadata(&link)
            .map_err(|e| format!("cannot inspect the file mapped by the program ({shown}): {e}"))?;
        if !meta.is_file() {
            if shown == "/dev/zero" {
                return Ok(SyscallExtra::None);
            }
            return Err(format!("the program mapped {shown}, which is not a regular file; rewind cannot record that yet; recording stopped"));
        }
        let file = self
            .files
            .add(Path::new(&link), &shown)
            .map_err(|e| format!("cannot copy {shown} into the trace: {e}"))?;
        let shared = args[3] & MAP_SHARED != 0;
        let writable = shared::open_for_writing(tid, fd);
        if shared || writable || self.shared.is_backed(meta.dev(), meta.ino()) {
            return Ok(SyscallExtra::MapBackedFile {
                file,
                offset: args[5],
                backing: self.shared.backing_of(meta.dev(), meta.ino()),
                writable,
                private: !shared,
            });
        }
        Ok(SyscallExtra::MapFile {
            file,
            offset: args[5],
            shared: false,
        })
    }

    fn on_signal(&mut self, tid: Tid, sig: i32) -> Result<()> {
        let info = match pt::get_siginfo(tid) {
            Ok(i) => i,
            // Group-stop: let the task go on (job control under rewind is not supported).
            Err(_) => return self.resume(tid, 0),
        };
        let code = pt::siginfo_code(&info);
        if sig == libc::SIGSEGV && code == SI_KERNEL {
            let mut regs = pt::get_regs(tid)?;
            let insn = pt::read_mem(tid, regs.rip, 3)
                .ok()
                .and_then(|c| TrapInsn::decode(&c));
            let program_wants_fault = |insn: &TrapInsn| {
                let task = &self.tasks[&tid];
                match insn {
                    TrapInsn::Cpuid => task.cpuid_faults,
                    _ => task.tsc_faults,
                }
            };
            if let Some(insn) = insn.filter(|i| !program_wants_fault(i)) {
                let event = emulate_trap(tid, insn, &mut regs);
                pt::set_regs(tid, &regs)?;
                self.task(tid).exit_regs = None;
                self.push(event)?;
                return self.resume(tid, 0);
            }
        }
        let regs = pt::get_regs(tid)?;
        let task = self.task(tid);
        let after_delivery = task
            .delivered
            .take()
            .is_some_and(|(prev, before)| regs == before || at_handler_entry(&regs, prev));
        if let Some(orig) = task.deliver_at_point.take_if(|e| signo(e) == sig) {
            // A signal rewind moved on to this point (see deliver_where_it_arrived).
            pt::set_siginfo(tid, &orig)?;
            return self.record_signal_at(tid, sig, orig, regs);
        }
        let mut info = info;
        if let Some(at) = task.resent.iter().position(|e| signo(e) == sig) {
            // Re-sent with it: its own siginfo, not tgkill's.
            info = task.resent.remove(at);
            pt::set_siginfo(tid, &info)?;
        }
        let kind = if is_synchronous(sig, code) {
            Some((SignalKind::Synchronous, info))
        } else if let Some(orig) = task.expect.take_if(|e| signo(e) == sig) {
            pt::set_siginfo(tid, &orig)?;
            Some((SignalKind::Asynchronous, orig))
        } else if task.exit_regs == Some(regs) || after_delivery || is_fatal_now(tid, sig) {
            // At a syscall boundary (or right after a signal delivered there),
            // or about to kill the task: deliver now.
            Some((SignalKind::Asynchronous, info))
        } else {
            None
        };
        match kind {
            Some((kind, info)) => {
                let task = self.task(tid);
                task.exit_regs = None;
                task.delivered = Some((sig, regs));
                self.push(Event::Signal {
                    tid,
                    signo: sig,
                    kind,
                    siginfo: info.to_vec(),
                })?;
                self.push_death_writes_if_fatal(tid, sig)?;
                self.resume(tid, sig)
            }
            // A signal the program handles, in the middle of its code. (Job
            // control and ignored signals change nothing the program can see
            // whether they come now or at its next syscall.)
            None if self.exact_signals && is_caught(tid, sig) => {
                self.deliver_where_it_arrived(tid, sig, info, regs)
            }
            None => {
                // A standard signal already held back merges with this one, as the
                // kernel merges pending standard signals.
                let deferred = &mut self.task(tid).deferred;
                if sig >= 32 || !deferred.iter().any(|d| signo(d) == sig) {
                    deferred.push_back(info);
                }
                self.resume(tid, 0)
            }
        }
    }
}

impl Recorder {
    /// The answer to the program's own RDTSC/CPUID control (see
    /// [`sc::TrapControl`]): its result and the memory it writes.
    fn answer_trap_control(&mut self, tid: Tid, ctl: sc::TrapControl) -> (i64, Vec<MemWrite>) {
        const PR_TSC_ENABLE: u64 = 1;
        const PR_TSC_SIGSEGV: u64 = 2;
        let faulting_cpu = self.cpuid_faulting;
        let task = self.task(tid);
        match ctl {
            sc::TrapControl::GetTsc { addr } => {
                let mode = if task.tsc_faults {
                    PR_TSC_SIGSEGV
                } else {
                    PR_TSC_ENABLE
                } as i32;
                let data = mode.to_ne_bytes().to_vec();
                match pt::write_mem(tid, addr, &data) {
                    Ok(()) => (0, vec![MemWrite { addr, data }]),
                    Err(_) => (-(libc::EFAULT as i64), vec![]),
                }
            }
            sc::TrapControl::SetTsc { mode } => match mode {
                PR_TSC_ENABLE | PR_TSC_SIGSEGV => {
                    task.tsc_faults = mode == PR_TSC_SIGSEGV;
                    (0, vec![])
                }
                _ => (-(libc::EINVAL as i64), vec![]),
            },
            sc::TrapControl::GetCpuid => (!task.cpuid_faults as i64, vec![]),
            // Where CPUID cannot fault, the kernel says ENODEV.
            sc::TrapControl::SetCpuid { .. } if !faulting_cpu => (-(libc::ENODEV as i64), vec![]),
            sc::TrapControl::SetCpuid { enable } => {
                task.cpuid_faults = enable == 0;
                (0, vec![])
            }
        }
    }
}

/// Executes a trapped RDTSC/RDTSCP/CPUID for the task and returns the event.
fn emulate_trap(tid: Tid, insn: TrapInsn, regs: &mut rewind_trace::Regs) -> Event {
    let rip = regs.rip;
    regs.rip += insn.length();
    match insn {
        TrapInsn::Rdtsc | TrapInsn::Rdtscp => {
            let (tsc, aux) = if insn == TrapInsn::Rdtscp {
                let (t, a) = cpu::rdtscp();
                (t, Some(a))
            } else {
                (cpu::rdtscp().0, None)
            };
            pt::apply_tsc(regs, tsc, aux);
            Event::Rdtsc { tid, rip, tsc, aux }
        }
        TrapInsn::Cpuid => {
            let (leaf, subleaf) = (regs.rax as u32, regs.rcx as u32);
            let out = cpu::cpuid(leaf, subleaf);
            pt::apply_cpuid(regs, out);
            Event::Cpuid {
                tid,
                rip,
                leaf,
                subleaf,
                out,
            }
        }
    }
}

fn is_esrch(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .and_then(|e| e.raw_os_error())
        == Some(libc::ESRCH)
}

/// Finds `program` the way execvp would: a name with a slash is used as is,
/// otherwise each PATH entry is tried.
pub fn resolve_program(program: &str) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if program.contains('/') {
        let p = PathBuf::from(program);
        if !p.exists() {
            return Err(anyhow!("{program}: no such file"));
        }
        if !executable(&p) {
            return Err(anyhow!(
                "{program}: not an executable file (check its permissions)"
            ));
        }
        return Ok(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(anyhow!("{program}: command not found in PATH"))
}
