//! One replayed task (the replay-side twin of a recorded tid).

use rewind_ptrace::{self as pt, TrapInsn, WaitStatus};
use rewind_trace::Regs;
use std::io;

const SI_KERNEL: i32 = 0x80;

pub struct Task {
    /// The task's real tid in this replay.
    pub real: i32,
    /// Its real process id in this replay.
    pub tgid: i32,
    /// Its process id in the recording.
    pub rec_tgid: i32,
    /// Between syscall-entry and syscall-exit stops.
    pub in_syscall: bool,
    /// Stopped inside a fork-like syscall (at its ptrace event), entry registers kept.
    pub mid_syscall: Option<Regs>,
    /// Signal to deliver when the task next resumes.
    pub inject: i32,
    /// A signal rewind sent to the task that has not been reported yet.
    pub queued_signal: Option<i32>,
    /// The task performed exit/exit_group.
    pub exiting: bool,
    /// Stopped at the entry of a syscall the recording saw block (its result
    /// comes with a later event): the entry registers.
    pub at_entry: Option<Regs>,
    /// Resumed to die (exit, or its process going down); not waited for yet.
    pub running: bool,
    /// Already gone, with this wait status (its Exit event is still to come).
    pub exited: Option<i32>,
}

/// Where a task stopped.
#[derive(Debug)]
pub enum Stop {
    Entry(Regs),
    Exit(Regs),
    Event(i32),
    Signal(i32),
    /// SIGTRAP with this si_code: a breakpoint, a single step, a watchpoint, or
    /// the program's own int3 (the debugger logic tells them apart).
    SigTrap(i32),
    Trap(TrapInsn, Regs),
    Exited(i32),
}

impl Stop {
    /// What the program did, for divergence messages ("the program ...").
    pub fn describe(&self) -> String {
        match self {
            Stop::Entry(r) => format!("made syscall {}", rewind_syscalls::name(r.orig_rax)),
            Stop::Exit(r) => format!(
                "returned from syscall {}",
                rewind_syscalls::name(r.orig_rax)
            ),
            Stop::Event(e) => format!("reported ptrace event {e}"),
            Stop::Signal(s) => format!("received signal {}", crate::signal_name(*s)),
            Stop::SigTrap(_) => format!("received signal {}", crate::signal_name(libc::SIGTRAP)),
            Stop::Trap(i, r) => format!("executed {i:?} at {:#x}", r.rip),
            Stop::Exited(raw) => format!("ended ({})", crate::describe_status(*raw)),
        }
    }
}

impl Task {
    pub fn new(real: i32) -> Task {
        Task {
            real,
            tgid: real,
            rec_tgid: 0,
            in_syscall: false,
            mid_syscall: None,
            inject: 0,
            queued_signal: None,
            exiting: false,
            at_entry: None,
            running: false,
            exited: None,
        }
    }

    /// Lets the task go (delivering a pending injected signal) without waiting:
    /// it is about to die with its process.
    pub fn let_die(&mut self) -> io::Result<()> {
        if self.running || self.exited.is_some() {
            return Ok(());
        }
        let sig = std::mem::take(&mut self.inject);
        match pt::resume_cont(self.real, sig) {
            Err(e) if e.raw_os_error() != Some(libc::ESRCH) => return Err(e),
            _ => {}
        }
        self.running = true;
        self.exiting = true;
        Ok(())
    }

    /// Waits for the task's death (it must be dying).
    pub fn wait_exit(&mut self) -> io::Result<i32> {
        if let Some(raw) = self.exited {
            return Ok(raw);
        }
        loop {
            let stop = self.advance()?;
            if let Stop::Exited(raw) = stop {
                self.exited = Some(raw);
                return Ok(raw);
            }
        }
    }

    /// A new task starts with a SIGSTOP (auto-attach); consume it.
    pub fn wait_initial_stop(&mut self) -> io::Result<()> {
        loop {
            match pt::wait(self.real)?.2 {
                WaitStatus::Signal(libc::SIGSTOP) => return Ok(()),
                WaitStatus::Exited(_) | WaitStatus::Killed(_) => {
                    return Err(io::Error::other("new process died at once"))
                }
                _ => pt::resume_syscall(self.real, 0)?,
            }
        }
    }

    /// Resumes the task (delivering a pending injected signal) and waits for the next
    /// stop that matters. Signals nobody recorded (SIGCHLD from real replay children
    /// exiting, for instance) are swallowed: replay delivers only recorded signals.
    pub fn advance(&mut self) -> io::Result<Stop> {
        if let Some(regs) = self.at_entry.take() {
            return Ok(Stop::Entry(regs));
        }
        self.resume_and_wait(libc::PTRACE_SYSCALL)
    }

    /// Executes one instruction (a debugger's stepi).
    pub fn single_step(&mut self) -> io::Result<Stop> {
        self.resume_and_wait(libc::PTRACE_SINGLESTEP)
    }

    fn resume_and_wait(&mut self, request: libc::c_uint) -> io::Result<Stop> {
        if let Some(raw) = self.exited {
            return Ok(Stop::Exited(raw));
        }
        if !std::mem::take(&mut self.running) {
            let sig = std::mem::take(&mut self.inject);
            match resume_raw(self.real, request, sig) {
                // Killed meanwhile (SIGKILL is never reported as a stop): its exit
                // status is still to be collected below.
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
                r => r?,
            }
        }
        loop {
            let (_, raw, st) = pt::wait(self.real)?;
            match st {
                WaitStatus::Exited(_) | WaitStatus::Killed(_) => return Ok(Stop::Exited(raw)),
                WaitStatus::Syscall => {
                    let regs = pt::get_regs(self.real)?;
                    self.in_syscall = !self.in_syscall;
                    return Ok(if self.in_syscall {
                        Stop::Entry(regs)
                    } else {
                        Stop::Exit(regs)
                    });
                }
                WaitStatus::Event(e) => return Ok(Stop::Event(e)),
                WaitStatus::Signal(sig) => {
                    let Ok(info) = pt::get_siginfo(self.real) else {
                        resume_raw(self.real, request, 0)?; // group-stop
                        continue;
                    };
                    let code = pt::siginfo_code(&info);
                    if sig == libc::SIGSEGV && code == SI_KERNEL {
                        let regs = pt::get_regs(self.real)?;
                        if let Some(insn) = pt::read_mem(self.real, regs.rip, 3)
                            .ok()
                            .and_then(|c| TrapInsn::decode(&c))
                        {
                            return Ok(Stop::Trap(insn, regs));
                        }
                    }
                    if sig == libc::SIGTRAP && code > 0 {
                        return Ok(Stop::SigTrap(code));
                    }
                    let synchronous = matches!(
                        sig,
                        libc::SIGSEGV
                            | libc::SIGBUS
                            | libc::SIGFPE
                            | libc::SIGILL
                            | libc::SIGTRAP
                            | libc::SIGSYS
                    ) && code > 0;
                    if synchronous || self.queued_signal == Some(sig) {
                        if self.queued_signal == Some(sig) {
                            self.queued_signal = None;
                        }
                        return Ok(Stop::Signal(sig));
                    }
                    resume_raw(self.real, request, 0)?;
                }
            }
        }
    }
}

/// Resumes a stopped task with a ptrace request (PTRACE_SYSCALL, PTRACE_SINGLESTEP).
fn resume_raw(tid: i32, request: libc::c_uint, sig: i32) -> io::Result<()> {
    if unsafe { libc::ptrace(request, tid, 0, sig as libc::c_long) } == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
