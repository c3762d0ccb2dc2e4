//! The x86-64 syscall table, and the code that turns a row into concrete regions.
//!
//! Numbers follow arch/x86/entry/syscalls/syscall_64.tbl (the tests check every row
//! that libc knows against `libc::SYS_*`). Rows are sorted by number; [`INDEX`] maps a
//! number to its row so that [`lookup`], called on every syscall, is O(1).

use crate::{DataIn, Memory, Output, Policy, Region, Size, SyscallSpec, Unsupported};

// ---------------------------------------------------------------------------------
// Row builders (const fns, so the whole table is built at compile time).

const fn emu(nr: u64, name: &'static str, nargs: u8, outputs: &'static [Output]) -> SyscallSpec {
    SyscallSpec {
        nr,
        name,
        nargs,
        policy: Policy::Emulate,
        outputs,
        data_in: None,
    }
}

const fn pol(
    nr: u64,
    name: &'static str,
    nargs: u8,
    policy: Policy,
    outputs: &'static [Output],
) -> SyscallSpec {
    SyscallSpec {
        nr,
        name,
        nargs,
        policy,
        outputs,
        data_in: None,
    }
}

/// A write-family syscall: emulated, with the data it sends described.
const fn send(nr: u64, name: &'static str, nargs: u8, data_in: DataIn) -> SyscallSpec {
    SyscallSpec {
        nr,
        name,
        nargs,
        policy: Policy::Emulate,
        outputs: &[],
        data_in: Some(data_in),
    }
}

const fn buf(ptr: u8, size: Size) -> Output {
    Output::Buf { ptr, size }
}

const fn fixed(ptr: u8, len: u64) -> Output {
    Output::Buf {
        ptr,
        size: Size::Fixed(len),
    }
}

const fn res(ptr: u8) -> Output {
    Output::Buf {
        ptr,
        size: Size::Result,
    }
}

const EXEC: Policy = Policy::Execute;
const RESTORE: Policy = Policy::ExecuteRestoreResult;
const SPECIAL: Policy = Policy::Special;
const NOSYS: Policy = Policy::Refuse {
    errno: libc::ENOSYS,
};
const EPERM: Policy = Policy::Refuse { errno: libc::EPERM };

// Kernel struct sizes on x86-64.
const STAT: u64 = 144;
const STATX: u64 = 256;
const STATFS: u64 = 120;
const RUSAGE: u64 = 144;
const SIGINFO: u64 = 128;
const TIMESPEC: u64 = 16;
const TIMEVAL: u64 = 16;
/// struct itimerval and struct itimerspec.
const ITIMER: u64 = 32;
const TIMEX: u64 = 208;
const RLIMIT: u64 = 16;
const UTSNAME: u64 = 390;
const SYSINFO: u64 = 112;
const TMS: u64 = 32;
const KSIGACTION: u64 = 32;
const STACK_T: u64 = 24;
const USER_DESC: u64 = 16;
const IO_EVENT: u64 = 32;
const EPOLL_EVENT: u64 = 12;
const MQ_ATTR: u64 = 64;
const CACHESTAT: u64 = 40;
/// Two `struct __user_cap_data_struct` (capability versions 2 and 3).
const CAP_DATA: u64 = 24;
const USTAT: u64 = 32;
const SHMID_DS: u64 = 112;

/// sockaddr + socklen_t pair written by accept/getsockname/getpeername.
const SOCKADDR_OUT: &[Output] = &[buf(1, Size::DerefU32(2)), fixed(2, 4)];
const FD_SETS: [Output; 3] = [
    buf(1, Size::FdSet(0)),
    buf(2, Size::FdSet(0)),
    buf(3, Size::FdSet(0)),
];

#[rustfmt::skip]
const ROWS: &[SyscallSpec] = &[
    emu(0, "read", 3, &[res(1)]),
    send(1, "write", 3, DataIn::Buf { fd: 0, buf: 1 }),
    emu(2, "open", 3, &[]),
    emu(3, "close", 1, &[]),
    emu(4, "stat", 2, &[fixed(1, STAT)]),
    emu(5, "fstat", 2, &[fixed(1, STAT)]),
    emu(6, "lstat", 2, &[fixed(1, STAT)]),
    emu(7, "poll", 3, &[buf(0, Size::ArgTimes(1, 8))]),
    emu(8, "lseek", 3, &[]),
    pol(9, "mmap", 6, SPECIAL, &[]),
    pol(10, "mprotect", 3, EXEC, &[]),
    pol(11, "munmap", 2, EXEC, &[]),
    pol(12, "brk", 1, EXEC, &[]),
    pol(13, "rt_sigaction", 4, EXEC, &[fixed(2, KSIGACTION)]),
    pol(14, "rt_sigprocmask", 4, EXEC, &[buf(2, Size::Arg(3))]),
    pol(15, "rt_sigreturn", 0, EXEC, &[]),
    emu(16, "ioctl", 3, &[Output::Ioctl]),
    emu(17, "pread64", 4, &[res(1)]),
    send(18, "pwrite64", 4, DataIn::Buf { fd: 0, buf: 1 }),
    emu(19, "readv", 3, &[Output::Iovec { iov: 1, cnt: 2 }]),
    send(20, "writev", 3, DataIn::Iovec { fd: 0, iov: 1, cnt: 2 }),
    emu(21, "access", 2, &[]),
    emu(22, "pipe", 1, &[fixed(0, 8)]),
    emu(23, "select", 5, &[FD_SETS[0], FD_SETS[1], FD_SETS[2], fixed(4, TIMEVAL)]),
    emu(24, "sched_yield", 0, &[]),
    pol(25, "mremap", 5, EXEC, &[]),
    // msync on replay's anonymous copy of a mapping is harmless.
    pol(26, "msync", 3, EXEC, &[]),
    emu(27, "mincore", 3, &[buf(2, Size::Pages(1))]),
    pol(28, "madvise", 3, EXEC, &[]),
    // SysV shared memory maps memory other processes write: not recordable.
    // SysV shared memory: the recorded ids are replayed; shmat/shmdt map and
    // unmap the replay's copy of the segment (rewind-replay's shared module).
    emu(29, "shmget", 3, &[]),
    pol(30, "shmat", 3, SPECIAL, &[]),
    // IPC_STAT/SHM_STAT write a struct shmid_ds (112 bytes); IPC_INFO and
    // SHM_INFO less. Saving 112 bytes the kernel did not write is harmless.
    emu(31, "shmctl", 3, &[fixed(2, SHMID_DS)]),
    emu(32, "dup", 1, &[]),
    emu(33, "dup2", 2, &[]),
    emu(34, "pause", 0, &[]),
    emu(35, "nanosleep", 2, &[fixed(1, TIMESPEC)]),
    emu(36, "getitimer", 2, &[fixed(1, ITIMER)]),
    emu(37, "alarm", 1, &[]),
    emu(38, "setitimer", 3, &[fixed(2, ITIMER)]),
    emu(39, "getpid", 0, &[]),
    emu(40, "sendfile", 4, &[fixed(2, 8)]),
    emu(41, "socket", 3, &[]),
    emu(42, "connect", 3, &[]),
    emu(43, "accept", 3, SOCKADDR_OUT),
    send(44, "sendto", 6, DataIn::Buf { fd: 0, buf: 1 }),
    emu(45, "recvfrom", 6, &[res(1), buf(4, Size::DerefU32(5)), fixed(5, 4)]),
    send(46, "sendmsg", 3, DataIn::Msghdr { fd: 0, msg: 1 }),
    emu(47, "recvmsg", 3, &[Output::Msghdr(1)]),
    emu(48, "shutdown", 2, &[]),
    emu(49, "bind", 3, &[]),
    emu(50, "listen", 2, &[]),
    emu(51, "getsockname", 3, SOCKADDR_OUT),
    emu(52, "getpeername", 3, SOCKADDR_OUT),
    emu(53, "socketpair", 4, &[fixed(3, 8)]),
    emu(54, "setsockopt", 5, &[]),
    emu(55, "getsockopt", 5, &[buf(3, Size::DerefU32(4)), fixed(4, 4)]),
    pol(56, "clone", 5, SPECIAL, &[]),
    pol(57, "fork", 0, SPECIAL, &[]),
    pol(58, "vfork", 0, SPECIAL, &[]),
    pol(59, "execve", 3, SPECIAL, &[]),
    pol(60, "exit", 1, SPECIAL, &[]),
    emu(61, "wait4", 4, &[fixed(1, 4), fixed(3, RUSAGE)]),
    emu(62, "kill", 2, &[]),
    emu(63, "uname", 1, &[fixed(0, UTSNAME)]),
    emu(64, "semget", 3, &[]),
    emu(65, "semop", 3, &[]),
    emu(66, "semctl", 4, &[Output::Semctl]),
    pol(67, "shmdt", 1, SPECIAL, &[]),
    emu(68, "msgget", 2, &[]),
    emu(69, "msgsnd", 4, &[]),
    emu(70, "msgrcv", 5, &[buf(1, Size::ResultPlus(8))]),
    emu(71, "msgctl", 3, &[Output::Msgctl]),
    emu(72, "fcntl", 3, &[Output::Fcntl]),
    emu(73, "flock", 2, &[]),
    emu(74, "fsync", 1, &[]),
    emu(75, "fdatasync", 1, &[]),
    emu(76, "truncate", 2, &[]),
    emu(77, "ftruncate", 2, &[]),
    emu(78, "getdents", 3, &[res(1)]),
    // The kernel returns the length written, NUL included.
    emu(79, "getcwd", 2, &[res(0)]),
    emu(80, "chdir", 1, &[]),
    emu(81, "fchdir", 1, &[]),
    emu(82, "rename", 2, &[]),
    emu(83, "mkdir", 2, &[]),
    emu(84, "rmdir", 1, &[]),
    emu(85, "creat", 2, &[]),
    emu(86, "link", 2, &[]),
    emu(87, "unlink", 1, &[]),
    emu(88, "symlink", 2, &[]),
    emu(89, "readlink", 3, &[res(1)]),
    emu(90, "chmod", 2, &[]),
    emu(91, "fchmod", 2, &[]),
    emu(92, "chown", 3, &[]),
    emu(93, "fchown", 3, &[]),
    emu(94, "lchown", 3, &[]),
    emu(95, "umask", 1, &[]),
    emu(96, "gettimeofday", 2, &[fixed(0, TIMEVAL), fixed(1, 8)]),
    emu(97, "getrlimit", 2, &[fixed(1, RLIMIT)]),
    emu(98, "getrusage", 2, &[fixed(1, RUSAGE)]),
    emu(99, "sysinfo", 1, &[fixed(0, SYSINFO)]),
    emu(100, "times", 1, &[fixed(0, TMS)]),
    // The recorder owns ptrace; a tracee tracing others cannot be recorded.
    pol(101, "ptrace", 4, EPERM, &[]),
    emu(102, "getuid", 0, &[]),
    // Only the SYSLOG_ACTION_READ* types write the buffer (see `applies`).
    emu(103, "syslog", 3, &[res(1)]),
    emu(104, "getgid", 0, &[]),
    emu(105, "setuid", 1, &[]),
    emu(106, "setgid", 1, &[]),
    emu(107, "geteuid", 0, &[]),
    emu(108, "getegid", 0, &[]),
    emu(109, "setpgid", 2, &[]),
    emu(110, "getppid", 0, &[]),
    emu(111, "getpgrp", 0, &[]),
    emu(112, "setsid", 0, &[]),
    emu(113, "setreuid", 2, &[]),
    emu(114, "setregid", 2, &[]),
    emu(115, "getgroups", 2, &[buf(1, Size::ResultTimes(4))]),
    emu(116, "setgroups", 2, &[]),
    emu(117, "setresuid", 3, &[]),
    emu(118, "getresuid", 3, &[fixed(0, 4), fixed(1, 4), fixed(2, 4)]),
    emu(119, "setresgid", 3, &[]),
    emu(120, "getresgid", 3, &[fixed(0, 4), fixed(1, 4), fixed(2, 4)]),
    emu(121, "getpgid", 1, &[]),
    emu(122, "setfsuid", 1, &[]),
    emu(123, "setfsgid", 1, &[]),
    emu(124, "getsid", 1, &[]),
    // The header's version is also written on EINVAL (see `error_regions`).
    emu(125, "capget", 2, &[fixed(1, CAP_DATA)]),
    emu(126, "capset", 2, &[]),
    emu(127, "rt_sigpending", 2, &[buf(0, Size::Arg(1))]),
    emu(128, "rt_sigtimedwait", 4, &[fixed(1, SIGINFO)]),
    emu(129, "rt_sigqueueinfo", 3, &[]),
    pol(130, "rt_sigsuspend", 2, SPECIAL, &[]),
    pol(131, "sigaltstack", 2, EXEC, &[fixed(1, STACK_T)]),
    emu(132, "utime", 2, &[]),
    emu(133, "mknod", 3, &[]),
    // Maps an a.out library.
    pol(134, "uselib", 1, NOSYS, &[]),
    emu(135, "personality", 1, &[]),
    emu(136, "ustat", 2, &[fixed(1, USTAT)]),
    emu(137, "statfs", 2, &[fixed(1, STATFS)]),
    emu(138, "fstatfs", 2, &[fixed(1, STATFS)]),
    // Option 2 writes a file system name of unknown length; usually compiled out.
    pol(139, "sysfs", 3, NOSYS, &[]),
    emu(140, "getpriority", 2, &[]),
    emu(141, "setpriority", 3, &[]),
    emu(142, "sched_setparam", 2, &[]),
    emu(143, "sched_getparam", 2, &[fixed(1, 4)]),
    emu(144, "sched_setscheduler", 3, &[]),
    emu(145, "sched_getscheduler", 1, &[]),
    emu(146, "sched_get_priority_max", 1, &[]),
    emu(147, "sched_get_priority_min", 1, &[]),
    emu(148, "sched_rr_get_interval", 2, &[fixed(1, TIMESPEC)]),
    pol(149, "mlock", 2, EXEC, &[]),
    pol(150, "munlock", 2, EXEC, &[]),
    pol(151, "mlockall", 1, EXEC, &[]),
    pol(152, "munlockall", 0, EXEC, &[]),
    emu(153, "vhangup", 0, &[]),
    // The LDT is CPU state (segment descriptors), like arch_prctl's FS/GS.
    pol(154, "modify_ldt", 3, EXEC, &[res(1)]),
    emu(155, "pivot_root", 2, &[]),
    // Removed from the kernel in 5.5.
    pol(156, "_sysctl", 1, NOSYS, &[]),
    // Executed so PR_SET_NAME, PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, ... persist.
    // PR_SET_SECCOMP and PR_SET_MM would be dangerous to repeat: output_regions
    // reports them as Unsupported so recording refuses them.
    pol(157, "prctl", 5, RESTORE, &[Output::Prctl]),
    pol(158, "arch_prctl", 2, EXEC, &[Output::ArchPrctl]),
    emu(159, "adjtimex", 1, &[fixed(0, TIMEX)]),
    pol(160, "setrlimit", 2, SPECIAL, &[]),
    emu(161, "chroot", 1, &[]),
    emu(162, "sync", 0, &[]),
    emu(163, "acct", 1, &[]),
    emu(164, "settimeofday", 2, &[]),
    emu(165, "mount", 5, &[]),
    emu(166, "umount2", 2, &[]),
    emu(167, "swapon", 2, &[]),
    emu(168, "swapoff", 1, &[]),
    emu(169, "reboot", 4, &[]),
    emu(170, "sethostname", 2, &[]),
    emu(171, "setdomainname", 2, &[]),
    // Port I/O reads hardware state that cannot be recorded.
    pol(172, "iopl", 1, EPERM, &[]),
    pol(173, "ioperm", 3, EPERM, &[]),
    // 174..185: not implemented by the kernel.
    pol(174, "create_module", 0, NOSYS, &[]),
    emu(175, "init_module", 3, &[]),
    emu(176, "delete_module", 2, &[]),
    pol(177, "get_kernel_syms", 0, NOSYS, &[]),
    pol(178, "query_module", 0, NOSYS, &[]),
    emu(179, "quotactl", 4, &[Output::Quotactl { cmd: 0, addr: 3 }]),
    pol(180, "nfsservctl", 0, NOSYS, &[]),
    pol(181, "getpmsg", 0, NOSYS, &[]),
    pol(182, "putpmsg", 0, NOSYS, &[]),
    pol(183, "afs_syscall", 0, NOSYS, &[]),
    pol(184, "tuxcall", 0, NOSYS, &[]),
    pol(185, "security", 0, NOSYS, &[]),
    emu(186, "gettid", 0, &[]),
    emu(187, "readahead", 3, &[]),
    emu(188, "setxattr", 5, &[]),
    emu(189, "lsetxattr", 5, &[]),
    emu(190, "fsetxattr", 5, &[]),
    emu(191, "getxattr", 4, &[res(2)]),
    emu(192, "lgetxattr", 4, &[res(2)]),
    emu(193, "fgetxattr", 4, &[res(2)]),
    emu(194, "listxattr", 3, &[res(1)]),
    emu(195, "llistxattr", 3, &[res(1)]),
    emu(196, "flistxattr", 3, &[res(1)]),
    emu(197, "removexattr", 2, &[]),
    emu(198, "lremovexattr", 2, &[]),
    emu(199, "fremovexattr", 2, &[]),
    emu(200, "tkill", 2, &[]),
    emu(201, "time", 1, &[fixed(0, 8)]),
    emu(202, "futex", 6, &[Output::Futex]),
    emu(203, "sched_setaffinity", 3, &[]),
    emu(204, "sched_getaffinity", 3, &[res(2)]),
    // Sets a GDT TLS entry (CPU state); writes back entry_number.
    pol(205, "set_thread_area", 1, EXEC, &[fixed(0, USER_DESC)]),
    // The kernel maps an AIO ring into the process and completes I/O into user
    // buffers asynchronously: neither can be recorded. glibc's POSIX AIO uses threads.
    pol(206, "io_setup", 2, NOSYS, &[]),
    emu(207, "io_destroy", 1, &[]),
    emu(208, "io_getevents", 5, &[buf(3, Size::ResultTimes(IO_EVENT))]),
    pol(209, "io_submit", 3, NOSYS, &[]),
    emu(210, "io_cancel", 3, &[fixed(2, IO_EVENT)]),
    emu(211, "get_thread_area", 1, &[fixed(0, USER_DESC)]),
    emu(212, "lookup_dcookie", 3, &[res(1)]),
    emu(213, "epoll_create", 1, &[]),
    pol(214, "epoll_ctl_old", 0, NOSYS, &[]),
    pol(215, "epoll_wait_old", 0, NOSYS, &[]),
    // Rearranges pages of a shared file mapping, which replay does not have.
    pol(216, "remap_file_pages", 5, NOSYS, &[]),
    emu(217, "getdents64", 3, &[res(1)]),
    // Returns the tid, which differs in replay.
    pol(218, "set_tid_address", 1, RESTORE, &[]),
    // Continues an interrupted nanosleep/clock_nanosleep/poll/futex: its outputs are
    // those of the syscall it restarts, which only the recorder knows.
    pol(219, "restart_syscall", 0, SPECIAL, &[]),
    emu(220, "semtimedop", 4, &[]),
    emu(221, "fadvise64", 4, &[]),
    emu(222, "timer_create", 3, &[fixed(2, 4)]),
    emu(223, "timer_settime", 4, &[fixed(3, ITIMER)]),
    emu(224, "timer_gettime", 2, &[fixed(1, ITIMER)]),
    emu(225, "timer_getoverrun", 1, &[]),
    emu(226, "timer_delete", 1, &[]),
    emu(227, "clock_settime", 2, &[]),
    emu(228, "clock_gettime", 2, &[fixed(1, TIMESPEC)]),
    emu(229, "clock_getres", 2, &[fixed(1, TIMESPEC)]),
    emu(230, "clock_nanosleep", 4, &[fixed(3, TIMESPEC)]),
    pol(231, "exit_group", 1, SPECIAL, &[]),
    emu(232, "epoll_wait", 4, &[buf(1, Size::ResultTimes(EPOLL_EVENT))]),
    emu(233, "epoll_ctl", 4, &[]),
    emu(234, "tgkill", 3, &[]),
    emu(235, "utimes", 2, &[]),
    pol(236, "vserver", 0, NOSYS, &[]),
    emu(237, "mbind", 6, &[]),
    emu(238, "set_mempolicy", 3, &[]),
    emu(239, "get_mempolicy", 5, &[fixed(0, 4), buf(1, Size::NodeMask(2))]),
    emu(240, "mq_open", 4, &[]),
    emu(241, "mq_unlink", 1, &[]),
    emu(242, "mq_timedsend", 5, &[]),
    emu(243, "mq_timedreceive", 5, &[res(1), fixed(3, 4)]),
    emu(244, "mq_notify", 2, &[]),
    emu(245, "mq_getsetattr", 3, &[fixed(2, MQ_ATTR)]),
    emu(246, "kexec_load", 4, &[]),
    emu(247, "waitid", 5, &[fixed(2, SIGINFO), fixed(4, RUSAGE)]),
    emu(248, "add_key", 5, &[]),
    emu(249, "request_key", 4, &[]),
    emu(250, "keyctl", 5, &[Output::Keyctl]),
    emu(251, "ioprio_set", 3, &[]),
    emu(252, "ioprio_get", 2, &[]),
    emu(253, "inotify_init", 0, &[]),
    emu(254, "inotify_add_watch", 3, &[]),
    emu(255, "inotify_rm_watch", 2, &[]),
    emu(256, "migrate_pages", 4, &[]),
    emu(257, "openat", 4, &[]),
    emu(258, "mkdirat", 3, &[]),
    emu(259, "mknodat", 4, &[]),
    emu(260, "fchownat", 5, &[]),
    emu(261, "futimesat", 3, &[]),
    emu(262, "newfstatat", 4, &[fixed(2, STAT)]),
    emu(263, "unlinkat", 3, &[]),
    emu(264, "renameat", 4, &[]),
    emu(265, "linkat", 5, &[]),
    emu(266, "symlinkat", 3, &[]),
    emu(267, "readlinkat", 4, &[res(2)]),
    emu(268, "fchmodat", 3, &[]),
    emu(269, "faccessat", 3, &[]),
    emu(270, "pselect6", 6, &[FD_SETS[0], FD_SETS[1], FD_SETS[2], fixed(4, TIMESPEC)]),
    emu(271, "ppoll", 5, &[buf(0, Size::ArgTimes(1, 8)), fixed(2, TIMESPEC)]),
    emu(272, "unshare", 1, &[]),
    pol(273, "set_robust_list", 2, EXEC, &[]),
    emu(274, "get_robust_list", 3, &[fixed(1, 8), fixed(2, 8)]),
    emu(275, "splice", 6, &[fixed(1, 8), fixed(3, 8)]),
    emu(276, "tee", 4, &[]),
    emu(277, "sync_file_range", 4, &[]),
    // From a pipe's read end vmsplice copies into the iovecs; towards a pipe the
    // "output" is the unchanged source, which is harmless to save.
    emu(278, "vmsplice", 4, &[Output::Iovec { iov: 1, cnt: 2 }]),
    emu(279, "move_pages", 6, &[buf(4, Size::ArgTimes(1, 4))]),
    emu(280, "utimensat", 4, &[]),
    emu(281, "epoll_pwait", 6, &[buf(1, Size::ResultTimes(EPOLL_EVENT))]),
    emu(282, "signalfd", 3, &[]),
    emu(283, "timerfd_create", 2, &[]),
    emu(284, "eventfd", 1, &[]),
    emu(285, "fallocate", 4, &[]),
    emu(286, "timerfd_settime", 4, &[fixed(3, ITIMER)]),
    emu(287, "timerfd_gettime", 2, &[fixed(1, ITIMER)]),
    emu(288, "accept4", 4, SOCKADDR_OUT),
    emu(289, "signalfd4", 4, &[]),
    emu(290, "eventfd2", 2, &[]),
    emu(291, "epoll_create1", 1, &[]),
    emu(292, "dup3", 3, &[]),
    emu(293, "pipe2", 2, &[fixed(0, 8)]),
    emu(294, "inotify_init1", 1, &[]),
    emu(295, "preadv", 5, &[Output::Iovec { iov: 1, cnt: 2 }]),
    send(296, "pwritev", 5, DataIn::Iovec { fd: 0, iov: 1, cnt: 2 }),
    emu(297, "rt_tgsigqueueinfo", 4, &[]),
    // Its ring buffers are written by the kernel at any time.
    pol(298, "perf_event_open", 5, NOSYS, &[]),
    emu(299, "recvmmsg", 5, &[Output::Mmsghdr { vec: 1 }, fixed(4, TIMESPEC)]),
    emu(300, "fanotify_init", 2, &[]),
    emu(301, "fanotify_mark", 5, &[]),
    pol(302, "prlimit64", 4, SPECIAL, &[fixed(3, RLIMIT)]),
    emu(303, "name_to_handle_at", 5, &[Output::NameToHandleAt]),
    emu(304, "open_by_handle_at", 3, &[]),
    emu(305, "clock_adjtime", 2, &[fixed(1, TIMEX)]),
    emu(306, "syncfs", 1, &[]),
    emu(307, "sendmmsg", 4, &[Output::SentMmsghdr { vec: 1 }]),
    emu(308, "setns", 2, &[]),
    emu(309, "getcpu", 3, &[fixed(0, 4), fixed(1, 4)]),
    emu(310, "process_vm_readv", 6, &[Output::Iovec { iov: 1, cnt: 2 }]),
    // Writes another process's memory (nothing of the caller's): the recorder
    // records what landed in a recorded target as that target's memory
    // (rewind-record's kwrites), and replay writes it there.
    emu(311, "process_vm_writev", 6, &[]),
    emu(312, "kcmp", 5, &[]),
    emu(313, "finit_module", 3, &[]),
    // attr->size is also written on E2BIG (see `error_regions`).
    emu(314, "sched_setattr", 3, &[]),
    emu(315, "sched_getattr", 4, &[buf(1, Size::Arg(2))]),
    emu(316, "renameat2", 5, &[]),
    // A filter would also apply to the syscalls the recorder and replayer inject.
    pol(317, "seccomp", 3, NOSYS, &[]),
    emu(318, "getrandom", 3, &[res(0)]),
    emu(319, "memfd_create", 2, &[]),
    emu(320, "kexec_file_load", 5, &[]),
    // BPF maps can be mmapped and are written by programs running in the kernel.
    pol(321, "bpf", 3, NOSYS, &[]),
    pol(322, "execveat", 5, SPECIAL, &[]),
    // Page faults resolved by another thread: writes not attributable to a syscall.
    pol(323, "userfaultfd", 1, NOSYS, &[]),
    pol(324, "membarrier", 3, EXEC, &[]),
    pol(325, "mlock2", 3, EXEC, &[]),
    emu(326, "copy_file_range", 6, &[fixed(1, 8), fixed(3, 8)]),
    emu(327, "preadv2", 6, &[Output::Iovec { iov: 1, cnt: 2 }]),
    send(328, "pwritev2", 6, DataIn::Iovec { fd: 0, iov: 1, cnt: 2 }),
    pol(329, "pkey_mprotect", 4, EXEC, &[]),
    pol(330, "pkey_alloc", 2, EXEC, &[]),
    pol(331, "pkey_free", 1, EXEC, &[]),
    emu(332, "statx", 5, &[fixed(4, STATX)]),
    emu(333, "io_pgetevents", 6, &[buf(3, Size::ResultTimes(IO_EVENT))]),
    // The kernel writes the rseq area on every preemption (as rr, refuse it).
    pol(334, "rseq", 4, NOSYS, &[]),
    // Only the kernel's uprobe trampolines call these.
    pol(335, "uretprobe", 0, NOSYS, &[]),
    pol(336, "uprobe", 0, NOSYS, &[]),
    // 337..423 are unused on x86-64.
    emu(424, "pidfd_send_signal", 4, &[]),
    // Shared rings the kernel writes asynchronously (as rr, refuse io_uring).
    pol(425, "io_uring_setup", 2, NOSYS, &[]),
    pol(426, "io_uring_enter", 6, NOSYS, &[]),
    pol(427, "io_uring_register", 4, NOSYS, &[]),
    emu(428, "open_tree", 3, &[]),
    emu(429, "move_mount", 5, &[]),
    emu(430, "fsopen", 2, &[]),
    emu(431, "fsconfig", 5, &[]),
    emu(432, "fsmount", 3, &[]),
    emu(433, "fspick", 3, &[]),
    emu(434, "pidfd_open", 2, &[]),
    // glibc falls back to clone, which the recorder handles.
    pol(435, "clone3", 2, NOSYS, &[]),
    emu(436, "close_range", 3, &[]),
    emu(437, "openat2", 4, &[]),
    emu(438, "pidfd_getfd", 3, &[]),
    emu(439, "faccessat2", 4, &[]),
    emu(440, "process_madvise", 5, &[]),
    emu(441, "epoll_pwait2", 6, &[buf(1, Size::ResultTimes(EPOLL_EVENT))]),
    emu(442, "mount_setattr", 5, &[]),
    emu(443, "quotactl_fd", 4, &[Output::Quotactl { cmd: 1, addr: 3 }]),
    emu(444, "landlock_create_ruleset", 3, &[]),
    emu(445, "landlock_add_rule", 4, &[]),
    emu(446, "landlock_restrict_self", 2, &[]),
    // Its mappings cannot be read through ptrace or /proc/pid/mem.
    pol(447, "memfd_secret", 1, NOSYS, &[]),
    emu(448, "process_mrelease", 2, &[]),
    emu(449, "futex_waitv", 5, &[]),
    emu(450, "set_mempolicy_home_node", 4, &[]),
    emu(451, "cachestat", 4, &[fixed(2, CACHESTAT)]),
    emu(452, "fchmodat2", 4, &[]),
    // Maps a shadow stack (with a kernel-written token) at a kernel-chosen address.
    pol(453, "map_shadow_stack", 3, NOSYS, &[]),
    emu(454, "futex_wake", 4, &[]),
    emu(455, "futex_wait", 6, &[]),
    emu(456, "futex_requeue", 4, &[]),
    emu(457, "statmount", 4, &[buf(1, Size::Arg(2))]),
    emu(458, "listmount", 4, &[buf(1, Size::ResultTimes(8))]),
    // *size is also written on E2BIG (see `error_regions`).
    emu(459, "lsm_get_self_attr", 4, &[buf(1, Size::DerefU32(2)), fixed(2, 4)]),
    emu(460, "lsm_set_self_attr", 4, &[]),
    emu(461, "lsm_list_modules", 3, &[buf(0, Size::DerefU32(1)), fixed(1, 4)]),
    // Sealed mappings must stay sealed so later munmap/mprotect fail identically.
    pol(462, "mseal", 3, EXEC, &[]),
    emu(463, "setxattrat", 6, &[]),
    emu(464, "getxattrat", 6, &[Output::XattrArgs(4)]),
    emu(465, "listxattrat", 5, &[res(3)]),
    emu(466, "removexattrat", 4, &[]),
    emu(467, "open_tree_attr", 5, &[]),
    emu(468, "file_getattr", 5, &[buf(2, Size::Arg(3))]),
    emu(469, "file_setattr", 5, &[]),
    emu(470, "listns", 4, &[buf(1, Size::ResultTimes(8))]),
];

/// Every syscall rewind knows, sorted by number.
pub static TABLE: &[SyscallSpec] = ROWS;

const MAX_NR: usize = ROWS[ROWS.len() - 1].nr as usize;
const NO_ROW: u16 = u16::MAX;

/// Row index by syscall number (NO_ROW for holes).
static INDEX: [u16; MAX_NR + 1] = build_index();

const fn build_index() -> [u16; MAX_NR + 1] {
    let mut index = [NO_ROW; MAX_NR + 1];
    let mut i = 0;
    while i < ROWS.len() {
        // Sorted and strictly increasing: no duplicate numbers, checked at compile time.
        assert!(
            i == 0 || ROWS[i].nr > ROWS[i - 1].nr,
            "ROWS must be sorted by nr"
        );
        index[ROWS[i].nr as usize] = i as u16;
        i += 1;
    }
    index
}

pub(crate) fn lookup(nr: u64) -> Option<&'static SyscallSpec> {
    let i = *INDEX.get(usize::try_from(nr).ok()?)?;
    (i != NO_ROW).then(|| &ROWS[i as usize])
}

// ---------------------------------------------------------------------------------
// Syscall numbers the region code treats specially.

mod sys {
    pub const SELECT: u64 = libc::SYS_select as u64;
    pub const PSELECT6: u64 = libc::SYS_pselect6 as u64;
    pub const POLL: u64 = libc::SYS_poll as u64;
    pub const PPOLL: u64 = libc::SYS_ppoll as u64;
    pub const NANOSLEEP: u64 = libc::SYS_nanosleep as u64;
    pub const CLOCK_NANOSLEEP: u64 = libc::SYS_clock_nanosleep as u64;
    pub const RT_SIGTIMEDWAIT: u64 = libc::SYS_rt_sigtimedwait as u64;
    pub const CAPGET: u64 = libc::SYS_capget as u64;
    pub const CAPSET: u64 = libc::SYS_capset as u64;
    pub const SCHED_SETATTR: u64 = libc::SYS_sched_setattr as u64;
    pub const NAME_TO_HANDLE_AT: u64 = libc::SYS_name_to_handle_at as u64;
    pub const FUTEX: u64 = libc::SYS_futex as u64;
    pub const SYSLOG: u64 = libc::SYS_syslog as u64;
    pub const GETGROUPS: u64 = libc::SYS_getgroups as u64;
    pub const SCHED_GETAFFINITY: u64 = libc::SYS_sched_getaffinity as u64;
    pub const IO_GETEVENTS: u64 = libc::SYS_io_getevents as u64;
    pub const IO_PGETEVENTS: u64 = 333;
    pub const LSM_GET_SELF_ATTR: u64 = 459;
    pub const LSM_LIST_MODULES: u64 = 461;
}

/// The argument bounding a `Size::Result`/`Size::ResultTimes` output at argument
/// `ptr`: the count that follows the buffer, except where the order differs.
fn count_arg(nr: u64, ptr: u8) -> u8 {
    match nr {
        sys::GETGROUPS => 0,
        sys::SCHED_GETAFFINITY => 1,
        sys::IO_GETEVENTS | sys::IO_PGETEVENTS => 2,
        _ => ptr + 1,
    }
}

// ---------------------------------------------------------------------------------
// Concrete regions.

/// Cap for lengths read back from the program's memory (socklen_t, msg_controllen).
const DEREF_CAP: u64 = 64 * 1024;
/// sizeof(struct sockaddr_storage): the largest address the kernel returns.
const SOCKADDR_MAX: u64 = 128;
/// UIO_MAXIOV: the kernel's limit on iovec counts (and recvmmsg/sendmmsg vlen).
const MAX_IOV: u64 = 1024;
/// No single syscall output is larger than this (MAX_RW_COUNT is just below 2 GiB).
const MAX_REGION: u64 = 1 << 31;
const PAGE_SIZE: u64 = 4096;

const MSGHDR_SIZE: u64 = 56;
const MMSGHDR_SIZE: u64 = 64;

// Kernel-internal restart codes seen by a tracer at syscall exit.
const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;
const ERESTARTNOHAND: i64 = 514;
const ERESTART_RESTARTBLOCK: i64 = 516;

/// Everything output code needs: the row, the arguments and the memory.
struct Ctx<'a> {
    spec: &'a SyscallSpec,
    args: &'a [u64; 6],
    mem: &'a dyn Memory,
    out: Vec<Region>,
}

impl Ctx<'_> {
    fn arg(&self, n: u8) -> u64 {
        self.args[n as usize]
    }

    /// Adds a region, skipping NULL pointers and empty lengths.
    fn push(&mut self, addr: u64, len: u64) -> Result<(), Unsupported> {
        if addr == 0 || len == 0 {
            return Ok(());
        }
        if len > MAX_REGION || addr.checked_add(len).is_none() {
            return Err(self.unsupported(format!("implausible output of {len} bytes at {addr:#x}")));
        }
        self.out.push(Region { addr, len });
        Ok(())
    }

    fn unsupported(&self, what: String) -> Unsupported {
        Unsupported(format!("{}: {what}", self.spec.name))
    }

    fn read(&self, addr: u64, len: u64) -> Result<Vec<u8>, Unsupported> {
        self.mem
            .read(addr, len as usize)
            .ok_or_else(|| self.unsupported(format!("cannot read {len} bytes at {addr:#x}")))
    }

    fn read_u32(&self, addr: u64) -> Result<u64, Unsupported> {
        let b = self.read(addr, 4)?;
        Ok(u32::from_le_bytes(b[..4].try_into().unwrap()) as u64)
    }

    fn read_u64(&self, addr: u64) -> Result<u64, Unsupported> {
        let b = self.read(addr, 8)?;
        Ok(u64::from_le_bytes(b[..8].try_into().unwrap()))
    }

    /// Spreads `total` bytes over the `cnt` iovecs at `iov`, in order.
    fn iovec(&mut self, iov: u64, cnt: u64, mut total: u64) -> Result<(), Unsupported> {
        if total == 0 || iov == 0 {
            return Ok(());
        }
        let cnt = cnt.min(MAX_IOV);
        let raw = self.read(iov, cnt * 16)?;
        for entry in raw.chunks_exact(16) {
            if total == 0 {
                break;
            }
            let base = u64::from_le_bytes(entry[..8].try_into().unwrap());
            let len = u64::from_le_bytes(entry[8..].try_into().unwrap());
            let take = len.min(total);
            self.push(base, take)?;
            total -= take;
        }
        Ok(())
    }

    /// What recvmsg fills through a `struct msghdr` (besides the header itself):
    /// the name, the iovec data (`data` bytes) and the control buffer.
    fn msghdr_data(&mut self, hdr: u64, data: u64) -> Result<(), Unsupported> {
        let raw = self.read(hdr, MSGHDR_SIZE)?;
        let u64_at = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap());
        let namelen = u32::from_le_bytes(raw[8..12].try_into().unwrap()) as u64;
        // msg_namelen may exceed the buffer (the kernel reports the full length).
        self.push(u64_at(0), namelen.min(SOCKADDR_MAX))?;
        self.iovec(u64_at(16), u64_at(24), data)?;
        // msg_controllen is the length used after the call.
        self.push(u64_at(32), u64_at(40).min(DEREF_CAP))
    }

    fn size(&self, ptr: u8, size: Size, result: u64) -> Result<u64, Unsupported> {
        let capped = || result.min(self.arg(count_arg(self.spec.nr, ptr)));
        Ok(match size {
            Size::Fixed(n) => n,
            Size::Result => capped(),
            Size::ResultTimes(n) => capped().saturating_mul(n),
            Size::ResultPlus(n) => capped().saturating_add(n),
            Size::Arg(n) => self.arg(n),
            Size::ArgTimes(n, m) => self.arg(n).saturating_mul(m),
            Size::DerefU32(n) => match self.arg(n) {
                0 => 0,
                p => self.read_u32(p)?.min(DEREF_CAP),
            },
            Size::FdSet(n) => fd_set_bytes(self.arg(n)),
            Size::Pages(n) => self.arg(n).div_ceil(PAGE_SIZE),
            Size::NodeMask(n) => self.arg(n).saturating_sub(1).div_ceil(64) * 8,
        })
    }

    fn output(&mut self, o: Output, result: u64) -> Result<(), Unsupported> {
        match o {
            Output::Buf { ptr, size } => {
                let addr = self.arg(ptr);
                if addr != 0 {
                    let len = self.size(ptr, size, result)?;
                    self.push(addr, len)?;
                }
            }
            Output::Iovec { iov, cnt } => self.iovec(self.arg(iov), self.arg(cnt), result)?,
            Output::Msghdr(n) => {
                let hdr = self.arg(n);
                if hdr != 0 {
                    // The kernel updates msg_namelen, msg_controllen and msg_flags.
                    self.push(hdr, MSGHDR_SIZE)?;
                    self.msghdr_data(hdr, result)?;
                }
            }
            Output::Mmsghdr { vec } => {
                let base = self.arg(vec);
                for i in 0..result.min(MAX_IOV) {
                    let entry = base.wrapping_add(i * MMSGHDR_SIZE);
                    self.push(entry, MMSGHDR_SIZE)?;
                    let msg_len = self.read_u32(entry.wrapping_add(MSGHDR_SIZE))?;
                    self.msghdr_data(entry, msg_len)?;
                }
            }
            Output::SentMmsghdr { vec } => {
                let base = self.arg(vec);
                for i in 0..result.min(MAX_IOV) {
                    self.push(base.wrapping_add(i * MMSGHDR_SIZE + MSGHDR_SIZE), 4)?;
                }
            }
            Output::Ioctl => self.ioctl()?,
            Output::Fcntl => self.fcntl()?,
            Output::Prctl => self.prctl(result)?,
            Output::ArchPrctl => self.arch_prctl()?,
            Output::Futex => self.futex()?,
            Output::Semctl => self.semctl()?,
            Output::Msgctl => self.msgctl()?,
            Output::Quotactl { cmd, addr } => self.quotactl(cmd, addr)?,
            Output::Keyctl => self.keyctl(result)?,
            Output::XattrArgs(n) => {
                let args = self.arg(n);
                if args != 0 {
                    // struct xattr_args { u64 value; u32 size; u32 flags; }
                    let value = self.read_u64(args)?;
                    let size = self.read_u32(args.wrapping_add(8))?;
                    self.push(value, result.min(size))?;
                }
            }
            Output::NameToHandleAt => {
                let handle = self.arg(2);
                if handle != 0 {
                    // struct file_handle { u32 handle_bytes; int handle_type; u8 f_handle[]; }
                    let bytes = self.read_u32(handle)?.min(MAX_HANDLE_SZ);
                    self.push(handle, 8 + bytes)?;
                }
                // AT_HANDLE_MNT_ID_UNIQUE asks for a u64 mount id instead of an int.
                let id_len = if self.arg(4) & AT_HANDLE_MNT_ID_UNIQUE != 0 {
                    8
                } else {
                    4
                };
                self.push(self.arg(3), id_len)?;
            }
        }
        Ok(())
    }
}

const MAX_HANDLE_SZ: u64 = 128;
/// ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
const FUTEX_CMD_MASK: u64 = 0x7f;
const AT_HANDLE_MNT_ID_UNIQUE: u64 = 1;

/// Bytes of an fd_set covering `nfds` (an int) descriptors.
fn fd_set_bytes(nfds: u64) -> u64 {
    let n = nfds as u32 as i32;
    if n <= 0 {
        0
    } else {
        (n as u64).div_ceil(64) * 8
    }
}

const EINTR: i64 = libc::EINTR as i64;
const EINVAL: i64 = libc::EINVAL as i64;
const E2BIG: i64 = libc::E2BIG as i64;
const EOVERFLOW: i64 = libc::EOVERFLOW as i64;
const EFAULT: i64 = libc::EFAULT as i64;
const ETIMEDOUT: i64 = libc::ETIMEDOUT as i64;

fn interrupted(errno: i64) -> bool {
    matches!(
        errno,
        EINTR | ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
    )
}

/// The few places the kernel writes although the syscall fails.
fn error_regions(cx: &mut Ctx, errno: i64) -> Result<(), Unsupported> {
    if errno == EFAULT {
        return Ok(());
    }
    let intr = interrupted(errno);
    match cx.spec.nr {
        // The remaining time, written when a signal interrupts the sleep.
        sys::NANOSLEEP if intr => cx.push(cx.arg(1), TIMESPEC),
        sys::CLOCK_NANOSLEEP if intr => cx.push(cx.arg(3), TIMESPEC),
        // The remaining timeout (the fd sets are only written on success).
        sys::SELECT if intr => cx.push(cx.arg(4), TIMEVAL),
        sys::PSELECT6 if intr => cx.push(cx.arg(4), TIMESPEC),
        // revents are written back (as zeros) even when a signal interrupts poll.
        sys::POLL if intr => cx.push(cx.arg(0), cx.arg(1).saturating_mul(8)),
        sys::PPOLL if intr => {
            cx.push(cx.arg(0), cx.arg(1).saturating_mul(8))?;
            cx.push(cx.arg(2), TIMESPEC)
        }
        // Over-approximation: harmless, the siginfo is left unchanged.
        sys::RT_SIGTIMEDWAIT if intr => cx.push(cx.arg(1), SIGINFO),
        // An unknown capability version is answered with the preferred one.
        sys::CAPGET | sys::CAPSET if errno == EINVAL => cx.push(cx.arg(0), 8),
        // A too-large struct is answered with the size the kernel knows (attr->size).
        sys::SCHED_SETATTR if errno == E2BIG => cx.push(cx.arg(1), 4),
        // A too-small handle is answered with the size needed.
        sys::NAME_TO_HANDLE_AT if errno == EOVERFLOW => cx.push(cx.arg(2), 8),
        // A too-small buffer is answered with the size needed.
        sys::LSM_GET_SELF_ATTR if errno == E2BIG => cx.push(cx.arg(2), 4),
        sys::LSM_LIST_MODULES if errno == E2BIG => cx.push(cx.arg(1), 4),
        // A PI lock wait that times out or is interrupted can leave FUTEX_WAITERS set.
        sys::FUTEX if intr || errno == ETIMEDOUT => match cx.arg(1) & FUTEX_CMD_MASK {
            6 | 13 => cx.push(cx.arg(0), 4), // FUTEX_LOCK_PI, FUTEX_LOCK_PI2
            11 => cx.push(cx.arg(4), 4),     // FUTEX_WAIT_REQUEUE_PI
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Whether the row's outputs apply to these arguments at all.
fn applies(spec: &SyscallSpec, args: &[u64; 6]) -> bool {
    match spec.nr {
        // SYSLOG_ACTION_READ, _READ_ALL, _READ_CLEAR; other types only return counts.
        sys::SYSLOG => matches!(args[0], 2..=4),
        _ => true,
    }
}

pub(crate) fn output_regions(
    spec: &SyscallSpec,
    args: &[u64; 6],
    result: i64,
    mem: &dyn Memory,
) -> Result<Vec<Region>, Unsupported> {
    let mut cx = Ctx {
        spec,
        args,
        mem,
        out: Vec::new(),
    };
    if result < 0 {
        error_regions(&mut cx, result.saturating_neg())?;
        return Ok(cx.out);
    }
    if !applies(spec, args) {
        return Ok(cx.out);
    }
    for &o in spec.outputs {
        cx.output(o, result as u64)?;
    }
    Ok(cx.out)
}

pub(crate) fn data_in_regions(
    spec: &SyscallSpec,
    args: &[u64; 6],
    result: i64,
    mem: &dyn Memory,
) -> Option<(i32, Vec<Region>)> {
    let data_in = spec.data_in?;
    if result < 0 {
        return None;
    }
    let mut cx = Ctx {
        spec,
        args,
        mem,
        out: Vec::new(),
    };
    let fd = match data_in {
        DataIn::Buf { fd, buf } => {
            cx.push(cx.arg(buf), result as u64).ok()?;
            fd
        }
        DataIn::Iovec { fd, iov, cnt } => {
            cx.iovec(cx.arg(iov), cx.arg(cnt), result as u64).ok()?;
            fd
        }
        DataIn::Msghdr { fd, msg } => {
            let raw = cx.read(cx.arg(msg), MSGHDR_SIZE).ok()?;
            let u64_at = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap());
            cx.iovec(u64_at(16), u64_at(24), result as u64).ok()?;
            fd
        }
    };
    Some((cx.arg(fd) as i32, cx.out))
}

// ---------------------------------------------------------------------------------
// Multiplexed syscalls.

/// What a legacy (not `_IOC`-encoded) ioctl writes at its argument.
enum Legacy {
    Nothing,
    Bytes(u64),
    /// SIOCGIFCONF: struct ifconf and the buffer it points to.
    IfConf,
}

const TERMIOS: u64 = 36; // the kernel's struct termios (NCCS = 19), not glibc's 60
const TERMIO: u64 = 18;
const IFREQ: u64 = 40;
const ARPREQ: u64 = 68;

fn legacy_ioctl(req: u32) -> Option<Legacy> {
    use Legacy::*;
    Some(match req {
        // FIBMAP (in/out block number), FIGETBSZ.
        0x0001 | 0x0002 => Bytes(4),
        // Block devices.
        0x125d | 0x125f | 0x1261 | 0x1262 | 0x1264 | 0x1266 | 0x1269 => Nothing, // BLKROSET, BLKRRPART, BLKFLSBUF, BLKRASET, BLKFRASET, BLKSECTSET, BLKPG
        0x1274..=0x1277 | 0x127d | 0x127f => Nothing, // BLKTRACE*, BLKDISCARD, BLKSECDISCARD, BLKZEROOUT
        0x125e => Bytes(4),                           // BLKROGET
        0x1260 | 0x1263 | 0x1265 => Bytes(8),         // BLKGETSIZE, BLKRAGET, BLKFRAGET
        0x1267 => Bytes(2),                           // BLKSECTGET
        0x1268 | 0x1278..=0x127c => Bytes(4), // BLKSSZGET, BLKIOMIN, BLKIOOPT, BLKALIGNOFF, BLKPBSZGET, BLKDISCARDZEROES
        0x127e => Bytes(2),                   // BLKROTATIONAL
        // Console (kd.h, vt.h).
        0x4b33 => Bytes(1),                                    // KDGKBTYPE
        0x4b3b | 0x4b44 => Bytes(4),                           // KDGETMODE, KDGKBMODE
        0x4b3a | 0x4b45 => Nothing,                            // KDSETMODE, KDSKBMODE
        0x5600 => Bytes(4),                                    // VT_OPENQRY
        0x5601 => Bytes(8),                                    // VT_GETMODE
        0x5603 => Bytes(6),                                    // VT_GETSTATE
        0x5602 | 0x5605 | 0x5606 | 0x5607 | 0x5608 => Nothing, // VT_SETMODE, VT_RELDISP, VT_ACTIVATE, VT_WAITACTIVE, VT_DISALLOCATE
        // Loop devices.
        0x4c05 => Bytes(232), // LOOP_GET_STATUS64
        0x4c00..=0x4c02 | 0x4c04 | 0x4c06..=0x4c0a | 0x4c80..=0x4c82 => Nothing,
        // Terminals.
        0x5401 => Bytes(TERMIOS),            // TCGETS
        0x5402..=0x5404 => Nothing,          // TCSETS, TCSETSW, TCSETSF
        0x5405 => Bytes(TERMIO),             // TCGETA
        0x5406..=0x540e => Nothing, // TCSETA*, TCSBRK, TCXONC, TCFLSH, TIOCEXCL, TIOCNXCL, TIOCSCTTY
        0x540f => Bytes(4),         // TIOCGPGRP
        0x5410 => Nothing,          // TIOCSPGRP
        0x5411 => Bytes(4),         // TIOCOUTQ
        0x5412 => Nothing,          // TIOCSTI
        0x5413 => Bytes(8),         // TIOCGWINSZ
        0x5414 => Nothing,          // TIOCSWINSZ
        0x5415 => Bytes(4),         // TIOCMGET
        0x5416..=0x5418 => Nothing, // TIOCMBIS, TIOCMBIC, TIOCMSET
        0x5419 => Bytes(4),         // TIOCGSOFTCAR
        0x541a => Nothing,          // TIOCSSOFTCAR
        0x541b => Bytes(4),         // FIONREAD / TIOCINQ / SIOCINQ
        0x541d => Nothing,          // TIOCCONS
        0x541e => Bytes(72),        // TIOCGSERIAL
        0x541f..=0x5423 => Nothing, // TIOCSSERIAL, TIOCPKT, FIONBIO, TIOCNOTTY, TIOCSETD
        0x5424 => Bytes(4),         // TIOCGETD
        0x5425 | 0x5427 | 0x5428 => Nothing, // TCSBRKP, TIOCSBRK, TIOCCBRK
        0x5429 => Bytes(4),         // TIOCGSID
        0x542e | 0x542f => Bytes(32), // TIOCGRS485, TIOCSRS485 (copies the result back)
        0x5437 => Nothing,          // TIOCVHANGUP
        0x5441 => Nothing,          // TIOCGPTPEER (returns an fd)
        0x5450..=0x5452 => Nothing, // FIONCLEX, FIOCLEX, FIOASYNC
        0x5456 => Bytes(TERMIOS),   // TIOCGLCKTRMIOS
        0x5457 => Nothing,          // TIOCSLCKTRMIOS
        0x5459 => Bytes(4),         // TIOCSERGETLSR
        0x545c => Nothing,          // TIOCMIWAIT
        0x545d => Bytes(80),        // TIOCGICOUNT
        0x5460 => Bytes(8),         // FIOQSIZE
        // Sockets.
        0x8901 | 0x8902 => Nothing,   // FIOSETOWN, SIOCSPGRP
        0x8903..=0x8905 => Bytes(4),  // FIOGETOWN, SIOCGPGRP, SIOCATMARK
        0x8906 | 0x8907 => Bytes(16), // SIOCGSTAMP_OLD, SIOCGSTAMPNS_OLD
        0x890b | 0x890c => Nothing,   // SIOCADDRT, SIOCDELRT
        0x8910 => Bytes(IFREQ),       // SIOCGIFNAME
        0x8911 => Nothing,            // SIOCSIFLINK
        0x8912 => IfConf,             // SIOCGIFCONF
        // SIOCGIF{FLAGS,ADDR,DSTADDR,BRDADDR,NETMASK,METRIC,MEM,MTU}: odd = get.
        0x8913 | 0x8915 | 0x8917 | 0x8919 | 0x891b | 0x891d | 0x891f | 0x8921 => Bytes(IFREQ),
        0x8914 | 0x8916 | 0x8918 | 0x891a | 0x891c | 0x891e | 0x8920 | 0x8922..=0x8924 => Nothing,
        0x8927 | 0x8929 | 0x8933 | 0x8935 | 0x8938 | 0x8942 => Bytes(IFREQ), // HWADDR, SLAVE, INDEX, PFLAGS, COUNT, TXQLEN
        0x8930..=0x8932 | 0x8934 | 0x8936 | 0x8937 | 0x8943 => Nothing,
        0x8947 | 0x8948 => Bytes(IFREQ), // SIOCGMIIPHY, SIOCGMIIREG
        0x8949 => Nothing,               // SIOCSMIIREG
        0x894b => Bytes(4),              // SIOCOUTQNSD
        0x894c => Nothing,               // SIOCGSKNS (returns an fd)
        0x8953 | 0x8955 | 0x8960 | 0x8962 => Nothing, // SIOCDARP, SIOCSARP, SIOCDRARP, SIOCSRARP
        0x8954 | 0x8961 => Bytes(ARPREQ), // SIOCGARP, SIOCGRARP
        0x8970 => Bytes(IFREQ),          // SIOCGIFMAP
        0x8971 => Nothing,               // SIOCSIFMAP
        // Namespaces (nsfs): _IO-encoded, but NS_GET_OWNER_UID writes a uid.
        0xb701..=0xb703 => Nothing, // NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE (fd/result)
        0xb704 => Bytes(4),         // NS_GET_OWNER_UID
        // pidfd namespace ioctls return fds.
        0xff01..=0xff0a => Nothing,
        _ => return None,
    })
}

const FS_IOC_FIEMAP: u32 = 0xc020_660b;
const FIDEDUPERANGE: u32 = 0xc018_9436;

/// _IOC direction bit: the kernel writes to userspace.
const IOC_READ: u32 = 2;

impl Ctx<'_> {
    fn ioctl(&mut self) -> Result<(), Unsupported> {
        let fd = self.arg(0) as i32;
        let req = self.arg(1) as u32;
        let arg = self.arg(2);
        match req {
            // struct fiemap (32 bytes) + fm_mapped_extents * struct fiemap_extent (56).
            FS_IOC_FIEMAP if arg != 0 => {
                let mapped = self.read_u32(arg.wrapping_add(20))?;
                let count = self.read_u32(arg.wrapping_add(24))?;
                return self.push(arg, 32 + mapped.min(count) * 56);
            }
            // struct file_dedupe_range (24) + dest_count * file_dedupe_range_info (32).
            FIDEDUPERANGE if arg != 0 => {
                let raw = self.read(arg.wrapping_add(16), 2)?;
                let count = u16::from_le_bytes([raw[0], raw[1]]) as u64;
                return self.push(arg, 24 + count * 32);
            }
            _ => {}
        }
        let dir = req >> 30;
        let size = ((req >> 16) & 0x3fff) as u64;
        if dir != 0 || size != 0 {
            if dir & IOC_READ != 0 {
                self.push(arg, size)?;
            }
            return Ok(());
        }
        match legacy_ioctl(req) {
            Some(Legacy::Nothing) => Ok(()),
            Some(Legacy::Bytes(n)) => self.push(arg, n),
            Some(Legacy::IfConf) if arg != 0 => {
                // struct ifconf { int ifc_len; char *ifc_buf; }: ifc_len is the length used.
                self.push(arg, 16)?;
                let len = self.read_u32(arg)?.min(DEREF_CAP);
                let ifc_buf = self.read_u64(arg.wrapping_add(8))?;
                self.push(ifc_buf, len)
            }
            Some(Legacy::IfConf) => Ok(()),
            None => Err(Unsupported(format!("ioctl request {req:#x} on fd {fd}"))),
        }
    }

    fn fcntl(&mut self) -> Result<(), Unsupported> {
        let len = match self.arg(1) as u32 as i32 {
            libc::F_GETLK | libc::F_OFD_GETLK => 32, // struct flock
            16 => 8,                                 // F_GETOWN_EX: struct f_owner_ex
            17 => 8,                                 // F_GETOWNER_UIDS: two uid_t
            1035 | 1037 => 8,                        // F_GET_RW_HINT, F_GET_FILE_RW_HINT
            _ => return Ok(()),
        };
        self.push(self.arg(2), len)
    }

    fn prctl(&mut self, result: u64) -> Result<(), Unsupported> {
        let (addr, len) = match self.arg(0) {
            2 | 5 | 9 | 11 | 19 | 25 => (self.arg(1), 4), // PR_GET_{PDEATHSIG,UNALIGN,FPEMU,FPEXC,ENDIAN,TSC}
            16 => (self.arg(1), 16),                      // PR_GET_NAME
            37 => (self.arg(1), 4),                       // PR_GET_CHILD_SUBREAPER
            40 => (self.arg(1), 8),                       // PR_GET_TID_ADDRESS
            62 if self.arg(1) == 0 => (self.arg(4), 8),   // PR_SCHED_CORE_GET: the cookie
            74 => (self.arg(1), 8),                       // PR_GET_SHADOW_STACK_STATUS
            0x4155_5856 => (self.arg(1), result.min(self.arg(2))), // PR_GET_AUXV
            22 => return Err(Unsupported("prctl(PR_SET_SECCOMP)".into())),
            35 => return Err(Unsupported("prctl(PR_SET_MM)".into())),
            // Most options return their value in the result.
            _ => return Ok(()),
        };
        self.push(addr, len)
    }

    fn arch_prctl(&mut self) -> Result<(), Unsupported> {
        match self.arg(0) {
            // ARCH_GET_FS, ARCH_GET_GS, ARCH_GET_XCOMP_SUPP, ARCH_GET_XCOMP_PERM,
            // ARCH_GET_XCOMP_GUEST_PERM, ARCH_GET_UNTAG_MASK, ARCH_GET_MAX_TAG_BITS,
            // ARCH_SHSTK_STATUS: a u64 at argument 1.
            0x1003 | 0x1004 | 0x1021 | 0x1022 | 0x1024 | 0x4001 | 0x4003 | 0x5005 => {
                self.push(self.arg(1), 8)
            }
            _ => Ok(()),
        }
    }

    fn futex(&mut self) -> Result<(), Unsupported> {
        match self.arg(1) & FUTEX_CMD_MASK {
            // FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_LOCK_PI2: *uaddr.
            6 | 7 | 8 | 13 => self.push(self.arg(0), 4),
            // FUTEX_WAKE_OP, FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI: *uaddr2.
            5 | 11 | 12 => self.push(self.arg(4), 4),
            _ => Ok(()),
        }
    }

    fn semctl(&mut self) -> Result<(), Unsupported> {
        let len = match self.arg(2) & !0x100 {
            2 | 18 | 20 => 104, // IPC_STAT, SEM_STAT, SEM_STAT_ANY: struct semid64_ds
            3 | 19 => 40,       // IPC_INFO, SEM_INFO: struct seminfo
            0 | 1 | 11 | 12 | 14..=17 => return Ok(()),
            // GETALL writes sem_nsems u16s; that count is not in the arguments.
            cmd => return Err(self.unsupported(format!("command {cmd}"))),
        };
        self.push(self.arg(3), len)
    }

    fn msgctl(&mut self) -> Result<(), Unsupported> {
        let len = match self.arg(1) & !0x100 {
            2 | 11 | 13 => 120, // IPC_STAT, MSG_STAT, MSG_STAT_ANY: struct msqid64_ds
            3 | 12 => 32,       // IPC_INFO, MSG_INFO: struct msginfo
            0 | 1 => return Ok(()),
            cmd => return Err(self.unsupported(format!("command {cmd}"))),
        };
        self.push(self.arg(2), len)
    }

    fn quotactl(&mut self, cmd: u8, addr: u8) -> Result<(), Unsupported> {
        // cmd = QCMD(subcmd, type) = subcmd << 8 | type.
        let len = match (self.arg(cmd) as u32) >> 8 {
            0x80_0004 => 4,              // Q_GETFMT
            0x80_0005 => 24,             // Q_GETINFO: struct if_dqinfo
            0x80_0007 | 0x80_0009 => 72, // Q_GETQUOTA, Q_GETNEXTQUOTA: struct if_(next)dqblk
            0x5803 | 0x5809 => 112,      // Q_XGETQUOTA, Q_XGETNEXTQUOTA: struct fs_disk_quota
            0x5805 => 80,                // Q_XGETQSTAT: struct fs_quota_stat
            0x5808 => 160,               // Q_XGETQSTATV: struct fs_quota_statv
            0x80_0001..=0x80_0003 | 0x80_0006 | 0x80_0008 => return Ok(()),
            0x5801 | 0x5802 | 0x5804 | 0x5806 | 0x5807 => return Ok(()),
            _ => return Err(self.unsupported(format!("command {:#x}", self.arg(cmd)))),
        };
        self.push(self.arg(addr), len)
    }

    fn keyctl(&mut self, result: u64) -> Result<(), Unsupported> {
        match self.arg(0) {
            // DESCRIBE, READ, GET_SECURITY, DH_COMPUTE: (buffer, buflen) in args 2, 3;
            // the result is the full length, which may exceed buflen.
            6 | 11 | 17 | 23 => self.push(self.arg(2), result.min(self.arg(3))),
            24 => self.push(self.arg(4), 56), // PKEY_QUERY: struct keyctl_pkey_query
            25..=27 => self.push(self.arg(4), result), // PKEY_ENCRYPT/DECRYPT/SIGN: out
            31 => self.push(self.arg(1), result.min(self.arg(2))), // CAPABILITIES
            0..=5 | 7..=10 | 12..=16 | 18..=22 | 28..=30 | 32 => Ok(()),
            op => Err(self.unsupported(format!("operation {op}"))),
        }
    }
}

#[cfg(test)]
mod tests;
