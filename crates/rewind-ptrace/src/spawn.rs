//! Starting a program as a traced child, stopped before its first instruction.

use crate::{wait, Tid, WaitStatus};
use std::ffi::CString;
use std::io;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which of the standard descriptors 0, 1, 2 (bits 0, 1, 2) were closed when
/// this process started. Rust's runtime opens /dev/null on them before `main`;
/// a program we start must find them closed, as it would without rewind
/// (otherwise it gets one descriptor fewer under the same `ulimit -n`).
static STD_FDS_CLOSED_AT_START: AtomicU8 = AtomicU8::new(0);

extern "C" fn note_closed_std_fds() {
    let mut closed = 0;
    for fd in 0..3 {
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            closed |= 1 << fd;
        }
    }
    STD_FDS_CLOSED_AT_START.store(closed, Ordering::Relaxed);
}

/// Runs before `main` and so before Rust's runtime fills the closed descriptors.
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STD_FDS: extern "C" fn() = note_closed_std_fds;

/// How the child is prepared before it execs.
#[derive(Clone, Debug, Default)]
pub struct SpawnSetup {
    /// Disable ASLR (personality ADDR_NO_RANDOMIZE): recorded and replayed
    /// programs see the same addresses.
    pub no_aslr: bool,
    /// Make RDTSC/RDTSCP fault (PR_SET_TSC), so they can be recorded and replayed.
    pub trap_tsc: bool,
    /// RLIMIT_STACK to set (it decides the kernel's mmap base).
    pub stack_limit: Option<(u64, u64)>,
    /// RLIMIT_CORE = 0: a replayed crash must not write a core file.
    pub no_core: bool,
    /// Point stdin/stdout/stderr at /dev/null (replay does not touch the terminal).
    pub null_stdio: bool,
    /// Attach with PTRACE_SEIZE rather than PTRACE_TRACEME, so the tracer can
    /// stop running tasks with [`crate::interrupt`] (the recorder preempts
    /// threads that way). Seized tasks and their children report their first
    /// stop as `PTRACE_EVENT_STOP`, not SIGSTOP.
    pub seize: bool,
}

/// Forks a child that asks to be traced, prepares itself, stops with SIGSTOP and
/// then execs `path`. Returns its pid once it is stopped at the SIGSTOP (or, with
/// `seize`, at a `PTRACE_EVENT_STOP` before execve), with [`crate::TRACE_OPTIONS`]
/// set. Either way the next stop after resuming is a syscall entry. An exec failure makes the child exit with 127 after
/// writing the errno to the returned pipe (read it with [`exec_error`]).
pub fn spawn_traced(
    path: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    setup: &SpawnSetup,
) -> io::Result<(Tid, std::fs::File)> {
    let cpath =
        CString::new(path).map_err(|_| io::Error::other("program path contains a NUL byte"))?;
    let cargv: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.clone()))
        .collect::<Result<_, _>>()
        .map_err(|_| io::Error::other("argument contains a NUL byte"))?;
    let cenv: Vec<CString> = envp
        .iter()
        .map(|a| CString::new(a.clone()))
        .collect::<Result<_, _>>()
        .map_err(|_| io::Error::other("environment contains a NUL byte"))?;
    let mut pargv: Vec<*const libc::c_char> = cargv.iter().map(|c| c.as_ptr()).collect();
    pargv.push(std::ptr::null());
    let mut penv: Vec<*const libc::c_char> = cenv.iter().map(|c| c.as_ptr()).collect();
    penv.push(std::ptr::null());
    let devnull = CString::new("/dev/null").unwrap();
    let closed_std_fds = STD_FDS_CLOSED_AT_START.load(Ordering::Relaxed);

    let mut fds = [0i32; 2];
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // With `seize`, the child waits on this pipe until the parent has attached.
    let mut go = [0i32; 2];
    if unsafe { libc::pipe2(go.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // Child: only async-signal-safe calls from here on.
        unsafe {
            libc::close(fds[0]);
            for sig in [
                libc::SIGINT,
                libc::SIGQUIT,
                libc::SIGTERM,
                libc::SIGPIPE,
                libc::SIGHUP,
            ] {
                libc::signal(sig, libc::SIG_DFL);
            }
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            if setup.null_stdio {
                let fd = libc::open(devnull.as_ptr(), libc::O_RDWR);
                if fd >= 0 {
                    libc::dup2(fd, 0);
                    libc::dup2(fd, 1);
                    libc::dup2(fd, 2);
                    if fd > 2 {
                        libc::close(fd);
                    }
                }
            } else {
                for fd in 0..3 {
                    if closed_std_fds & (1 << fd) != 0 {
                        libc::close(fd);
                    }
                }
            }
            if let Some((soft, hard)) = setup.stack_limit {
                let lim = libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                };
                libc::setrlimit(libc::RLIMIT_STACK, &lim);
            }
            if setup.no_core {
                let lim = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &lim);
            }
            if setup.no_aslr {
                let cur = libc::personality(0xffffffff);
                libc::personality(
                    (cur as libc::c_ulong) | libc::ADDR_NO_RANDOMIZE as libc::c_ulong,
                );
            }
            if setup.trap_tsc {
                libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
            }
            if setup.seize {
                libc::close(go[1]);
                let mut b = 0u8;
                while libc::read(go[0], (&mut b as *mut u8).cast(), 1) < 0 {}
            } else {
                if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                    libc::_exit(126);
                }
                libc::raise(libc::SIGSTOP);
            }
            libc::execve(cpath.as_ptr(), pargv.as_ptr(), penv.as_ptr());
            let err = *libc::__errno_location();
            libc::write(fds[1], (&err as *const i32).cast(), 4);
            libc::_exit(127);
        }
    }
    unsafe {
        libc::close(fds[1]);
        libc::close(go[0]);
    }
    let errpipe = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fds[0]) };
    if setup.seize {
        let attached = seize_and_stop(pid);
        // Let the child go on to execve (it stays stopped until resumed).
        unsafe {
            libc::write(go[1], [1u8].as_ptr().cast(), 1);
            libc::close(go[1]);
        }
        if let Err(e) = attached {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = wait(pid);
            return Err(e);
        }
        return Ok((pid, errpipe));
    }
    unsafe { libc::close(go[1]) };
    match wait(pid)? {
        (_, _, WaitStatus::Signal(libc::SIGSTOP)) => {}
        (_, _, other) => {
            return Err(io::Error::other(format!(
                "traced child did not stop as expected: {other:?}"
            )))
        }
    }
    crate::set_options(pid, crate::TRACE_OPTIONS)?;
    Ok((pid, errpipe))
}

/// Seizes `pid` with the trace options and stops it at a PTRACE_EVENT_STOP.
fn seize_and_stop(pid: Tid) -> io::Result<()> {
    crate::check(unsafe {
        libc::ptrace(
            libc::PTRACE_SEIZE,
            pid,
            0,
            crate::TRACE_OPTIONS as libc::c_long,
        )
    })?;
    crate::interrupt(pid)?;
    match wait(pid)? {
        (_, _, WaitStatus::Event(crate::event::STOP)) => Ok(()),
        (_, _, other) => Err(io::Error::other(format!(
            "traced child did not stop as expected: {other:?}"
        ))),
    }
}

/// After a spawned child exited before exec: the errno of its failed execve.
pub fn exec_error(mut pipe: std::fs::File) -> Option<io::Error> {
    use std::io::Read;
    let mut b = [0u8; 4];
    pipe.read_exact(&mut b).ok()?;
    Some(io::Error::from_raw_os_error(i32::from_ne_bytes(b)))
}
