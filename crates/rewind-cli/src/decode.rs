//! Readable syscalls, signals and errors for `rewind dump` and `rewind ps`:
//! `openat(AT_FDCWD, 0x7ffd5f2c1e30, O_RDONLY|O_CLOEXEC) = 3`.
//!
//! A trace holds the arguments' values and what the kernel wrote, not the memory
//! the program passed in: a path argument is shown as a string when the caller
//! can read it back (see `constmem`), else as its address.

use nix::errno::Errno;
use nix::sys::signal::Signal;

/// How to show one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    /// A file descriptor (decimal).
    Fd,
    /// A directory fd of the *at calls: AT_FDCWD or decimal.
    DirFd,
    /// An address (hex, NULL for 0).
    Ptr,
    /// A NUL-terminated path: the string when it can be read back, else its address.
    Path,
    /// A signed number.
    Int,
    /// An unsigned size or count.
    Size,
    /// open flags.
    Open,
    /// A file mode (octal).
    Mode,
    /// mmap/mprotect protection.
    Prot,
    /// mmap flags.
    Map,
    /// A signal number.
    Sig,
    /// clone flags (and the exit signal in the low byte).
    Clone,
    /// lseek's whence.
    Whence,
    /// rt_sigprocmask's how.
    How,
    /// access's mode: F_OK or R_OK|W_OK|X_OK.
    Access,
    /// Anything else (hex).
    Hex,
}

use Arg::*;

/// Argument kinds of the syscalls worth decoding; others show `nargs` hex values.
fn arg_kinds(name: &str) -> Option<&'static [Arg]> {
    Some(match name {
        "read" | "write" | "getdents64" | "getdents" => &[Fd, Ptr, Size],
        "pread64" | "pwrite64" => &[Fd, Ptr, Size, Int],
        "readv" | "writev" => &[Fd, Ptr, Int],
        "open" => &[Path, Open, Mode],
        "openat" => &[DirFd, Path, Open, Mode],
        "creat" | "mkdir" | "chmod" => &[Path, Mode],
        "mkdirat" | "fchmodat" => &[DirFd, Path, Mode],
        "close" | "fsync" | "fdatasync" | "fchdir" | "dup" => &[Fd],
        "dup2" => &[Fd, Fd],
        "dup3" => &[Fd, Fd, Open],
        "stat" | "lstat" | "statfs" => &[Path, Ptr],
        "fstat" | "fstatfs" => &[Fd, Ptr],
        "newfstatat" => &[DirFd, Path, Ptr, Hex],
        "statx" => &[DirFd, Path, Hex, Hex, Ptr],
        "access" => &[Path, Access],
        "faccessat" | "faccessat2" => &[DirFd, Path, Access, Hex],
        "readlink" => &[Path, Ptr, Size],
        "readlinkat" => &[DirFd, Path, Ptr, Size],
        "unlink" | "rmdir" | "chdir" => &[Path],
        "unlinkat" => &[DirFd, Path, Hex],
        "lseek" => &[Fd, Int, Whence],
        "mmap" => &[Ptr, Size, Prot, Map, Fd, Hex],
        "mprotect" => &[Ptr, Size, Prot],
        "munmap" => &[Ptr, Size],
        "brk" | "set_tid_address" => &[Ptr],
        "rt_sigaction" => &[Sig, Ptr, Ptr, Size],
        "rt_sigprocmask" => &[How, Ptr, Ptr, Size],
        "kill" => &[Int, Sig],
        "tkill" => &[Int, Sig],
        "tgkill" => &[Int, Int, Sig],
        "ioctl" => &[Fd, Hex, Ptr],
        "fcntl" => &[Fd, Int, Hex],
        "pipe" => &[Ptr],
        "pipe2" => &[Ptr, Open],
        "getcwd" => &[Ptr, Size],
        "getrandom" => &[Ptr, Size, Hex],
        "clone" => &[Clone, Ptr, Ptr, Ptr, Hex],
        "execve" => &[Path, Ptr, Ptr],
        "exit" | "exit_group" => &[Int],
        "wait4" => &[Int, Ptr, Hex, Ptr],
        "clock_gettime" | "clock_getres" => &[Int, Ptr],
        "nanosleep" => &[Ptr, Ptr],
        "poll" => &[Ptr, Size, Int],
        "epoll_wait" => &[Fd, Ptr, Int, Int],
        "socket" => &[Int, Int, Int],
        "connect" | "bind" => &[Fd, Ptr, Size],
        "sendto" | "recvfrom" => &[Fd, Ptr, Size, Hex, Ptr, Size],
        "futex" => &[Ptr, Int, Int, Ptr, Ptr, Int],
        "prlimit64" => &[Int, Int, Ptr, Ptr],
        "arch_prctl" => &[Hex, Ptr],
        _ => return None,
    })
}

/// Syscalls whose result is an address.
fn returns_address(name: &str) -> bool {
    matches!(name, "mmap" | "mremap" | "brk" | "shmat")
}

/// `name(arg, ...)` with the arguments the syscall uses; `string` reads a path
/// argument's bytes when they are known.
pub fn syscall_call(
    nr: u64,
    args: &[u64; 6],
    string: &mut dyn FnMut(u64) -> Option<Vec<u8>>,
) -> String {
    let name = rewind_syscalls::name(nr);
    let kinds: Vec<Arg> = match arg_kinds(&name) {
        Some(kinds) => kinds.to_vec(),
        None => {
            let nargs = rewind_syscalls::spec(nr).map_or(6, |s| s.nargs as usize);
            vec![Hex; nargs.min(6)]
        }
    };
    let shown: Vec<String> = kinds
        .iter()
        .zip(args.iter())
        .map(|(&kind, &value)| match kind {
            Path if value != 0 => string(value)
                .map(|s| format!("{:?}", String::from_utf8_lossy(&s)))
                .unwrap_or_else(|| format!("{value:#x}")),
            _ => arg(kind, value),
        })
        .collect();
    format!("{name}({})", shown.join(", "))
}

/// ` = 3`, ` = 0x7f3a...` or ` = -1 ENOENT (No such file or directory)`.
pub fn syscall_result(nr: u64, result: i64) -> String {
    if let Some(errno) = errno_of(result) {
        return format!(
            "-1 {} ({})",
            errno_name(errno),
            Errno::from_raw(errno).desc()
        );
    }
    if returns_address(&rewind_syscalls::name(nr)) {
        format!("{result:#x}")
    } else {
        result.to_string()
    }
}

/// The errno of a failed syscall's raw result.
pub fn errno_of(result: i64) -> Option<i32> {
    (-4095..0).contains(&result).then_some(-result as i32)
}

/// `ENOENT`, or `errno 512` for numbers libc has no name for (the kernel's
/// internal restart codes).
pub fn errno_name(errno: i32) -> String {
    let e = Errno::from_raw(errno);
    if e == Errno::UnknownErrno {
        return match errno {
            512 => "ERESTARTSYS".into(),
            513 => "ERESTARTNOINTR".into(),
            514 => "ERESTARTNOHAND".into(),
            516 => "ERESTART_RESTARTBLOCK".into(),
            _ => format!("errno {errno}"),
        };
    }
    format!("{e:?}")
}

/// `SIGSEGV`, `SIGRTMIN+3`, or the number.
pub fn signal_name(signo: i32) -> String {
    if let Ok(sig) = Signal::try_from(signo) {
        return sig.as_str().to_string();
    }
    let rtmin = libc::SIGRTMIN();
    if (rtmin..=libc::SIGRTMAX()).contains(&signo) {
        return format!("SIGRTMIN+{}", signo - rtmin);
    }
    format!("signal {signo}")
}

fn arg(kind: Arg, v: u64) -> String {
    match kind {
        Fd => (v as i32).to_string(),
        DirFd if v as i32 == libc::AT_FDCWD => "AT_FDCWD".into(),
        DirFd => (v as i32).to_string(),
        Ptr | Path if v == 0 => "NULL".into(),
        Ptr | Path | Hex => format!("{v:#x}"),
        Int => (v as i64).to_string(),
        Size => v.to_string(),
        Open => open_flags(v),
        Mode if v == 0 => "0".into(),
        Mode => format!("0{v:o}"),
        Prot => flags(v, PROT, "PROT_NONE"),
        Map => map_flags(v),
        Sig => signal_name(v as i32),
        Clone => clone_flags(v),
        Whence => match v as i32 {
            libc::SEEK_SET => "SEEK_SET".into(),
            libc::SEEK_CUR => "SEEK_CUR".into(),
            libc::SEEK_END => "SEEK_END".into(),
            libc::SEEK_DATA => "SEEK_DATA".into(),
            libc::SEEK_HOLE => "SEEK_HOLE".into(),
            other => other.to_string(),
        },
        Access => flags(v, ACCESS, "F_OK"),
        How => match v as i32 {
            libc::SIG_BLOCK => "SIG_BLOCK".into(),
            libc::SIG_UNBLOCK => "SIG_UNBLOCK".into(),
            libc::SIG_SETMASK => "SIG_SETMASK".into(),
            other => other.to_string(),
        },
    }
}

/// `A|B|0x40` for the named bits of `v`, `zero` when none is set.
fn flags(v: u64, names: &[(u64, &str)], zero: &str) -> String {
    let mut parts = Vec::new();
    let mut left = v;
    for &(bit, name) in names {
        if bit != 0 && left & bit == bit {
            parts.push(name.to_string());
            left &= !bit;
        }
    }
    if left != 0 {
        parts.push(format!("{left:#x}"));
    }
    if parts.is_empty() {
        zero.to_string()
    } else {
        parts.join("|")
    }
}

const ACCESS: &[(u64, &str)] = &[
    (libc::R_OK as u64, "R_OK"),
    (libc::W_OK as u64, "W_OK"),
    (libc::X_OK as u64, "X_OK"),
];

const PROT: &[(u64, &str)] = &[
    (libc::PROT_READ as u64, "PROT_READ"),
    (libc::PROT_WRITE as u64, "PROT_WRITE"),
    (libc::PROT_EXEC as u64, "PROT_EXEC"),
];

const OPEN: &[(u64, &str)] = &[
    // O_TMPFILE includes O_DIRECTORY's bit and O_SYNC O_DSYNC's: the wider first.
    (libc::O_TMPFILE as u64, "O_TMPFILE"),
    (libc::O_SYNC as u64, "O_SYNC"),
    (libc::O_CREAT as u64, "O_CREAT"),
    (libc::O_EXCL as u64, "O_EXCL"),
    (libc::O_NOCTTY as u64, "O_NOCTTY"),
    (libc::O_TRUNC as u64, "O_TRUNC"),
    (libc::O_APPEND as u64, "O_APPEND"),
    (libc::O_NONBLOCK as u64, "O_NONBLOCK"),
    (libc::O_DSYNC as u64, "O_DSYNC"),
    (libc::O_DIRECT as u64, "O_DIRECT"),
    (libc::O_LARGEFILE as u64, "O_LARGEFILE"),
    (libc::O_DIRECTORY as u64, "O_DIRECTORY"),
    (libc::O_NOFOLLOW as u64, "O_NOFOLLOW"),
    (libc::O_NOATIME as u64, "O_NOATIME"),
    (libc::O_CLOEXEC as u64, "O_CLOEXEC"),
    (libc::O_PATH as u64, "O_PATH"),
];

fn open_flags(v: u64) -> String {
    let access = match v & libc::O_ACCMODE as u64 {
        0 => "O_RDONLY".to_string(),
        1 => "O_WRONLY".to_string(),
        2 => "O_RDWR".to_string(),
        _ => "O_ACCMODE".to_string(),
    };
    let rest = v & !(libc::O_ACCMODE as u64);
    if rest == 0 {
        access
    } else {
        format!("{access}|{}", flags(rest, OPEN, ""))
    }
}

const MAP: &[(u64, &str)] = &[
    (libc::MAP_FIXED_NOREPLACE as u64, "MAP_FIXED_NOREPLACE"),
    (libc::MAP_FIXED as u64, "MAP_FIXED"),
    (libc::MAP_ANONYMOUS as u64, "MAP_ANONYMOUS"),
    (libc::MAP_GROWSDOWN as u64, "MAP_GROWSDOWN"),
    (libc::MAP_DENYWRITE as u64, "MAP_DENYWRITE"),
    (libc::MAP_EXECUTABLE as u64, "MAP_EXECUTABLE"),
    (libc::MAP_LOCKED as u64, "MAP_LOCKED"),
    (libc::MAP_NORESERVE as u64, "MAP_NORESERVE"),
    (libc::MAP_POPULATE as u64, "MAP_POPULATE"),
    (libc::MAP_NONBLOCK as u64, "MAP_NONBLOCK"),
    (libc::MAP_STACK as u64, "MAP_STACK"),
    (libc::MAP_HUGETLB as u64, "MAP_HUGETLB"),
];

fn map_flags(v: u64) -> String {
    let kind = match v & 0x3 {
        1 => "MAP_SHARED",
        2 => "MAP_PRIVATE",
        3 => "MAP_SHARED_VALIDATE",
        _ => "0",
    };
    let rest = v & !0x3;
    if rest == 0 {
        kind.to_string()
    } else {
        format!("{kind}|{}", flags(rest, MAP, ""))
    }
}

const CLONE: &[(u64, &str)] = &[
    (libc::CLONE_VM as u64, "CLONE_VM"),
    (libc::CLONE_FS as u64, "CLONE_FS"),
    (libc::CLONE_FILES as u64, "CLONE_FILES"),
    (libc::CLONE_SIGHAND as u64, "CLONE_SIGHAND"),
    (libc::CLONE_PIDFD as u64, "CLONE_PIDFD"),
    (libc::CLONE_PTRACE as u64, "CLONE_PTRACE"),
    (libc::CLONE_VFORK as u64, "CLONE_VFORK"),
    (libc::CLONE_PARENT as u64, "CLONE_PARENT"),
    (libc::CLONE_THREAD as u64, "CLONE_THREAD"),
    (libc::CLONE_NEWNS as u64, "CLONE_NEWNS"),
    (libc::CLONE_SYSVSEM as u64, "CLONE_SYSVSEM"),
    (libc::CLONE_SETTLS as u64, "CLONE_SETTLS"),
    (libc::CLONE_PARENT_SETTID as u64, "CLONE_PARENT_SETTID"),
    (libc::CLONE_CHILD_CLEARTID as u64, "CLONE_CHILD_CLEARTID"),
    (libc::CLONE_DETACHED as u64, "CLONE_DETACHED"),
    (libc::CLONE_UNTRACED as u64, "CLONE_UNTRACED"),
    (libc::CLONE_CHILD_SETTID as u64, "CLONE_CHILD_SETTID"),
    (libc::CLONE_NEWCGROUP as u64, "CLONE_NEWCGROUP"),
    (libc::CLONE_NEWUTS as u64, "CLONE_NEWUTS"),
    (libc::CLONE_NEWIPC as u64, "CLONE_NEWIPC"),
    (libc::CLONE_NEWUSER as u64, "CLONE_NEWUSER"),
    (libc::CLONE_NEWPID as u64, "CLONE_NEWPID"),
    (libc::CLONE_NEWNET as u64, "CLONE_NEWNET"),
    (libc::CLONE_IO as u64, "CLONE_IO"),
];

fn clone_flags(v: u64) -> String {
    let signal = (v & 0xff) as i32;
    let rest = flags(v & !0xff, CLONE, "");
    match (signal, rest.is_empty()) {
        (0, true) => "0".into(),
        (0, false) => rest,
        (s, true) => signal_name(s),
        (s, false) => format!("{rest}|{}", signal_name(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openat_decodes() {
        let nr = rewind_syscalls::nr("openat").unwrap();
        let args = [(-100i64) as u64, 0x7ffd_1000, 0o2000000, 0, 0, 0];
        assert_eq!(
            syscall_call(nr, &args, &mut |_| None),
            "openat(AT_FDCWD, 0x7ffd1000, O_RDONLY|O_CLOEXEC, 0)"
        );
        assert_eq!(syscall_result(nr, 3), "3");
        assert_eq!(
            syscall_result(nr, -2),
            "-1 ENOENT (No such file or directory)"
        );
    }

    #[test]
    fn known_paths_show_as_strings() {
        let nr = rewind_syscalls::nr("openat").unwrap();
        let args = [(-100i64) as u64, 0x1000, 0, 0, 0, 0];
        let mut known = |addr| (addr == 0x1000).then(|| b"/etc/passwd".to_vec());
        assert_eq!(
            syscall_call(nr, &args, &mut known),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY, 0)"
        );
    }

    #[test]
    fn mmap_decodes() {
        let nr = rewind_syscalls::nr("mmap").unwrap();
        let args = [0, 8192, 3, 0x22, u64::MAX, 0];
        assert_eq!(
            syscall_call(nr, &args, &mut |_| None),
            "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x0)"
        );
        assert_eq!(syscall_result(nr, 0x7f00_0000_0000), "0x7f0000000000");
    }

    #[test]
    fn names() {
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
        assert_eq!(errno_name(13), "EACCES");
        assert_eq!(errno_name(512), "ERESTARTSYS");
        assert_eq!(
            clone_flags(0x1200000 | 17),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(open_flags(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
    }

    #[test]
    fn unknown_syscalls_show_their_arguments_in_hex() {
        let args = [1, 2, 3, 4, 5, 6];
        assert_eq!(
            syscall_call(100_000, &args, &mut |_| None),
            "syscall_100000(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)"
        );
    }
}
