use super::*;
use crate::{data_in_regions, name, nr, output_regions, spec};
use std::collections::{BTreeMap, HashSet};

/// A sparse fake address space: byte runs at chosen addresses.
#[derive(Default)]
struct FakeMem(BTreeMap<u64, Vec<u8>>);

impl FakeMem {
    fn put(&mut self, addr: u64, bytes: &[u8]) -> &mut Self {
        self.0.insert(addr, bytes.to_vec());
        self
    }
    fn put_u64s(&mut self, addr: u64, words: &[u64]) -> &mut Self {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.put(addr, &bytes)
    }
    fn put_u32(&mut self, addr: u64, v: u32) -> &mut Self {
        self.put(addr, &v.to_le_bytes())
    }
}

impl Memory for FakeMem {
    fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let (&start, bytes) = self.0.range(..=addr).next_back()?;
        let off = (addr - start) as usize;
        bytes.get(off..off + len).map(<[u8]>::to_vec)
    }
}

fn r(addr: u64, len: u64) -> Region {
    Region { addr, len }
}

fn row(name: &str) -> &'static SyscallSpec {
    spec(nr(name).unwrap_or_else(|| panic!("{name} not in the table"))).unwrap()
}

fn regions(
    name: &str,
    args: [u64; 6],
    result: i64,
    mem: &FakeMem,
) -> Result<Vec<Region>, Unsupported> {
    output_regions(row(name), &args, result, mem)
}

fn ok(name: &str, args: [u64; 6], result: i64, mem: &FakeMem) -> Vec<Region> {
    regions(name, args, result, mem).unwrap()
}

/// The bytes of a struct msghdr.
fn msghdr(
    name: u64,
    namelen: u32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(name.to_le_bytes());
    b.extend(namelen.to_le_bytes());
    b.extend([0; 4]);
    b.extend(iov.to_le_bytes());
    b.extend(iovlen.to_le_bytes());
    b.extend(control.to_le_bytes());
    b.extend(controllen.to_le_bytes());
    b.extend([0; 8]); // msg_flags + padding
    assert_eq!(b.len(), 56);
    b
}

// ---- the table ----

macro_rules! libc_numbers {
    ($($sys:ident),* $(,)?) => {
        [$((stringify!($sys), libc::$sys as u64)),*]
    };
}

/// Every x86-64 syscall number libc defines.
#[rustfmt::skip]
const LIBC: &[(&str, u64)] = &libc_numbers!(
        SYS_read, SYS_write, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lstat, SYS_poll, SYS_lseek,
        SYS_mmap, SYS_mprotect, SYS_munmap, SYS_brk, SYS_rt_sigaction, SYS_rt_sigprocmask,
        SYS_rt_sigreturn, SYS_ioctl, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev, SYS_access,
        SYS_pipe, SYS_select, SYS_sched_yield, SYS_mremap, SYS_msync, SYS_mincore, SYS_madvise, SYS_shmget,
        SYS_shmat, SYS_shmctl, SYS_dup, SYS_dup2, SYS_pause, SYS_nanosleep, SYS_getitimer, SYS_alarm,
        SYS_setitimer, SYS_getpid, SYS_sendfile, SYS_socket, SYS_connect, SYS_accept, SYS_sendto,
        SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_shutdown, SYS_bind, SYS_listen, SYS_getsockname,
        SYS_getpeername, SYS_socketpair, SYS_setsockopt, SYS_getsockopt, SYS_clone, SYS_fork, SYS_vfork,
        SYS_execve, SYS_exit, SYS_wait4, SYS_kill, SYS_uname, SYS_semget, SYS_semop, SYS_semctl, SYS_shmdt,
        SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl, SYS_fcntl, SYS_flock, SYS_fsync, SYS_fdatasync,
        SYS_truncate, SYS_ftruncate, SYS_getdents, SYS_getcwd, SYS_chdir, SYS_fchdir, SYS_rename,
        SYS_mkdir, SYS_rmdir, SYS_creat, SYS_link, SYS_unlink, SYS_symlink, SYS_readlink, SYS_chmod,
        SYS_fchmod, SYS_chown, SYS_fchown, SYS_lchown, SYS_umask, SYS_gettimeofday, SYS_getrlimit,
        SYS_getrusage, SYS_sysinfo, SYS_times, SYS_ptrace, SYS_getuid, SYS_syslog, SYS_getgid, SYS_setuid,
        SYS_setgid, SYS_geteuid, SYS_getegid, SYS_setpgid, SYS_getppid, SYS_getpgrp, SYS_setsid,
        SYS_setreuid, SYS_setregid, SYS_getgroups, SYS_setgroups, SYS_setresuid, SYS_getresuid,
        SYS_setresgid, SYS_getresgid, SYS_getpgid, SYS_setfsuid, SYS_setfsgid, SYS_getsid, SYS_capget,
        SYS_capset, SYS_rt_sigpending, SYS_rt_sigtimedwait, SYS_rt_sigqueueinfo, SYS_rt_sigsuspend,
        SYS_sigaltstack, SYS_utime, SYS_mknod, SYS_uselib, SYS_personality, SYS_ustat, SYS_statfs,
        SYS_fstatfs, SYS_sysfs, SYS_getpriority, SYS_setpriority, SYS_sched_setparam, SYS_sched_getparam,
        SYS_sched_setscheduler, SYS_sched_getscheduler, SYS_sched_get_priority_max,
        SYS_sched_get_priority_min, SYS_sched_rr_get_interval, SYS_mlock, SYS_munlock, SYS_mlockall,
        SYS_munlockall, SYS_vhangup, SYS_modify_ldt, SYS_pivot_root, SYS__sysctl, SYS_prctl,
        SYS_arch_prctl, SYS_adjtimex, SYS_setrlimit, SYS_chroot, SYS_sync, SYS_acct, SYS_settimeofday,
        SYS_mount, SYS_umount2, SYS_swapon, SYS_swapoff, SYS_reboot, SYS_sethostname, SYS_setdomainname,
        SYS_iopl, SYS_ioperm, SYS_init_module, SYS_delete_module, SYS_quotactl, SYS_nfsservctl,
        SYS_getpmsg, SYS_putpmsg, SYS_afs_syscall, SYS_tuxcall, SYS_security, SYS_gettid, SYS_readahead,
        SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr, SYS_getxattr, SYS_lgetxattr, SYS_fgetxattr,
        SYS_listxattr, SYS_llistxattr, SYS_flistxattr, SYS_removexattr, SYS_lremovexattr,
        SYS_fremovexattr, SYS_tkill, SYS_time, SYS_futex, SYS_sched_setaffinity, SYS_sched_getaffinity,
        SYS_set_thread_area, SYS_io_setup, SYS_io_destroy, SYS_io_getevents, SYS_io_submit,
        SYS_io_cancel, SYS_get_thread_area, SYS_lookup_dcookie, SYS_epoll_create, SYS_epoll_ctl_old,
        SYS_epoll_wait_old, SYS_remap_file_pages, SYS_getdents64, SYS_set_tid_address,
        SYS_restart_syscall, SYS_semtimedop, SYS_fadvise64, SYS_timer_create, SYS_timer_settime,
        SYS_timer_gettime, SYS_timer_getoverrun, SYS_timer_delete, SYS_clock_settime, SYS_clock_gettime,
        SYS_clock_getres, SYS_clock_nanosleep, SYS_exit_group, SYS_epoll_wait, SYS_epoll_ctl, SYS_tgkill,
        SYS_utimes, SYS_vserver, SYS_mbind, SYS_set_mempolicy, SYS_get_mempolicy, SYS_mq_open,
        SYS_mq_unlink, SYS_mq_timedsend, SYS_mq_timedreceive, SYS_mq_notify, SYS_mq_getsetattr,
        SYS_kexec_load, SYS_waitid, SYS_add_key, SYS_request_key, SYS_keyctl, SYS_ioprio_set,
        SYS_ioprio_get, SYS_inotify_init, SYS_inotify_add_watch, SYS_inotify_rm_watch,
        SYS_migrate_pages, SYS_openat, SYS_mkdirat, SYS_mknodat, SYS_fchownat, SYS_futimesat,
        SYS_newfstatat, SYS_unlinkat, SYS_renameat, SYS_linkat, SYS_symlinkat, SYS_readlinkat,
        SYS_fchmodat, SYS_faccessat, SYS_pselect6, SYS_ppoll, SYS_unshare, SYS_set_robust_list,
        SYS_get_robust_list, SYS_splice, SYS_tee, SYS_sync_file_range, SYS_vmsplice, SYS_move_pages,
        SYS_utimensat, SYS_epoll_pwait, SYS_signalfd, SYS_timerfd_create, SYS_eventfd, SYS_fallocate,
        SYS_timerfd_settime, SYS_timerfd_gettime, SYS_accept4, SYS_signalfd4, SYS_eventfd2,
        SYS_epoll_create1, SYS_dup3, SYS_pipe2, SYS_inotify_init1, SYS_preadv, SYS_pwritev,
        SYS_rt_tgsigqueueinfo, SYS_perf_event_open, SYS_recvmmsg, SYS_fanotify_init, SYS_fanotify_mark,
        SYS_prlimit64, SYS_name_to_handle_at, SYS_open_by_handle_at, SYS_clock_adjtime, SYS_syncfs,
        SYS_sendmmsg, SYS_setns, SYS_getcpu, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp,
        SYS_finit_module, SYS_sched_setattr, SYS_sched_getattr, SYS_renameat2, SYS_seccomp,
        SYS_getrandom, SYS_memfd_create, SYS_kexec_file_load, SYS_bpf, SYS_execveat, SYS_userfaultfd,
        SYS_membarrier, SYS_mlock2, SYS_copy_file_range, SYS_preadv2, SYS_pwritev2, SYS_pkey_mprotect,
        SYS_pkey_alloc, SYS_pkey_free, SYS_statx, SYS_rseq, SYS_pidfd_send_signal, SYS_io_uring_setup,
        SYS_io_uring_enter, SYS_io_uring_register, SYS_open_tree, SYS_move_mount, SYS_fsopen,
        SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_pidfd_open, SYS_clone3, SYS_close_range, SYS_openat2,
        SYS_pidfd_getfd, SYS_faccessat2, SYS_process_madvise, SYS_epoll_pwait2, SYS_mount_setattr,
        SYS_quotactl_fd, SYS_landlock_create_ruleset, SYS_landlock_add_rule,
        SYS_landlock_restrict_self, SYS_memfd_secret, SYS_process_mrelease, SYS_futex_waitv,
        SYS_set_mempolicy_home_node, SYS_fchmodat2, SYS_mseal,);

#[test]
fn numbers_match_libc() {
    for &(sys, number) in LIBC {
        let name = sys.strip_prefix("SYS_").unwrap();
        let s = spec(number).unwrap_or_else(|| panic!("{name} ({number}) missing from the table"));
        assert_eq!(s.name, name, "row {number}");
        assert_eq!(nr(name), Some(number), "{name}");
    }
}

#[test]
fn rows_libc_does_not_know_are_the_recent_ones() {
    let known: HashSet<u64> = LIBC.iter().map(|&(_, n)| n).collect();
    let others: Vec<&str> = TABLE
        .iter()
        .filter(|s| !known.contains(&s.nr))
        .map(|s| s.name)
        .collect();
    assert_eq!(
        others,
        [
            "create_module",
            "get_kernel_syms",
            "query_module",
            "io_pgetevents",
            "uretprobe",
            "uprobe",
            "cachestat",
            "map_shadow_stack",
            "futex_wake",
            "futex_wait",
            "futex_requeue",
            "statmount",
            "listmount",
            "lsm_get_self_attr",
            "lsm_set_self_attr",
            "lsm_list_modules",
            "setxattrat",
            "getxattrat",
            "listxattrat",
            "removexattrat",
            "open_tree_attr",
            "file_getattr",
            "file_setattr",
            "listns",
        ]
    );
}

/// When the kernel headers are installed, every number they define is in the table.
#[test]
fn numbers_match_system_headers() {
    let Ok(text) = std::fs::read_to_string("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") else {
        return;
    };
    let mut seen = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(sym), Some(num)) = (words.next(), words.next(), words.next())
        {
            if let (Some(name), Ok(number)) = (sym.strip_prefix("__NR_"), num.parse::<u64>()) {
                assert_eq!(spec(number).map(|s| s.name), Some(name), "__NR_{name}");
                seen += 1;
            }
        }
    }
    assert!(seen > 300);
}

#[test]
fn table_is_sorted_without_duplicates() {
    let mut names = HashSet::new();
    for pair in TABLE.windows(2) {
        assert!(
            pair[0].nr < pair[1].nr,
            "{} / {}",
            pair[0].name,
            pair[1].name
        );
    }
    for s in TABLE {
        assert!(names.insert(s.name), "duplicate name {}", s.name);
    }
    assert!(TABLE.len() > 370, "{} rows", TABLE.len());
}

#[test]
fn lookup_and_names_round_trip() {
    for s in TABLE {
        assert_eq!(spec(s.nr).unwrap().name, s.name);
        assert_eq!(nr(s.name), Some(s.nr));
        assert_eq!(name(s.nr), s.name);
    }
    for hole in [337, 400, 423, 471, 512, 0x4000_0000, u64::MAX] {
        assert!(spec(hole).is_none(), "{hole}");
    }
    assert_eq!(name(999), "syscall_999");
    assert_eq!(nr("no_such_syscall"), None);
}

#[test]
fn argument_indices_are_in_range() {
    for s in TABLE {
        assert!(s.nargs <= 6, "{}", s.name);
        let used = |n: u8| assert!(n < s.nargs, "{}: argument {n} of {}", s.name, s.nargs);
        for o in s.outputs {
            match *o {
                Output::Buf { ptr, size } => {
                    used(ptr);
                    match size {
                        Size::Result | Size::ResultTimes(_) | Size::ResultPlus(_) => {
                            used(count_arg(s.nr, ptr))
                        }
                        Size::Arg(n)
                        | Size::ArgTimes(n, _)
                        | Size::DerefU32(n)
                        | Size::FdSet(n) => used(n),
                        Size::Pages(n) | Size::NodeMask(n) => used(n),
                        Size::Fixed(_) => {}
                    }
                }
                Output::Iovec { iov, cnt } => (used(iov), used(cnt)).1,
                Output::Msghdr(n) | Output::XattrArgs(n) => used(n),
                Output::Mmsghdr { vec } | Output::SentMmsghdr { vec } => used(vec),
                Output::Quotactl { cmd, addr } => (used(cmd), used(addr)).1,
                _ => {}
            }
        }
        match s.data_in {
            Some(DataIn::Buf { fd, buf }) => (used(fd), used(buf)).1,
            Some(DataIn::Iovec { fd, iov, cnt }) => (used(fd), used(iov), used(cnt)).2,
            Some(DataIn::Msghdr { fd, msg }) => (used(fd), used(msg)).1,
            None => {}
        }
    }
}

fn with_policy(p: fn(&Policy) -> bool) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|s| p(&s.policy))
        .map(|s| s.name)
        .collect()
}

#[test]
fn policies() {
    assert_eq!(
        with_policy(|p| *p == Policy::Special),
        [
            "mmap",
            "shmat",
            "clone",
            "fork",
            "vfork",
            "execve",
            "exit",
            "shmdt",
            "rt_sigsuspend",
            "setrlimit",
            "restart_syscall",
            "exit_group",
            "prlimit64",
            "execveat"
        ]
    );
    assert_eq!(
        with_policy(|p| *p == Policy::ExecuteRestoreResult),
        ["prctl", "set_tid_address"]
    );
    for name in [
        "munmap",
        "mprotect",
        "mremap",
        "brk",
        "madvise",
        "mlock",
        "munlock",
        "mlockall",
        "munlockall",
        "mlock2",
        "msync",
        "rt_sigaction",
        "rt_sigprocmask",
        "rt_sigreturn",
        "sigaltstack",
        "arch_prctl",
        "set_robust_list",
        "membarrier",
        "pkey_mprotect",
        "pkey_alloc",
        "pkey_free",
        "mseal",
    ] {
        assert_eq!(row(name).policy, Policy::Execute, "{name}");
    }
    let enosys = Policy::Refuse {
        errno: libc::ENOSYS,
    };
    for name in [
        "rseq",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "clone3",
        "userfaultfd",
        "perf_event_open",
        "bpf",
    ] {
        assert_eq!(row(name).policy, enosys, "{name}");
    }
    assert_eq!(row("ptrace").policy, Policy::Refuse { errno: libc::EPERM });
    // SysV shared memory: ids are emulated, attachments replayed (rewind-replay).
    assert_eq!(row("shmget").policy, Policy::Emulate);
    assert_eq!(row("shmctl").policy, Policy::Emulate);
    for name in [
        "read",
        "openat",
        "futex",
        "kill",
        "wait4",
        "getrandom",
        "sched_yield",
        "personality",
        "ioctl",
        // What it writes into a recorded process is replayed there.
        "process_vm_writev",
    ] {
        assert_eq!(row(name).policy, Policy::Emulate, "{name}");
    }
}

#[test]
fn writes_are_described() {
    let writers: Vec<_> = TABLE
        .iter()
        .filter(|s| s.data_in.is_some())
        .map(|s| s.name)
        .collect();
    assert_eq!(
        writers,
        ["write", "pwrite64", "writev", "sendto", "sendmsg", "pwritev", "pwritev2"]
    );
}

// ---- output regions ----

#[test]
fn read_is_result_sized_and_capped_by_count() {
    let mem = FakeMem::default();
    assert_eq!(
        ok("read", [3, 0x1000, 100, 0, 0, 0], 42, &mem),
        [r(0x1000, 42)]
    );
    assert_eq!(ok("read", [3, 0x1000, 100, 0, 0, 0], 0, &mem), []);
    // A result beyond the count cannot have been written.
    assert_eq!(
        ok("read", [3, 0x1000, 100, 0, 0, 0], 4096, &mem),
        [r(0x1000, 100)]
    );
    assert_eq!(
        ok("pread64", [3, 0x1000, 100, 7, 0, 0], 9, &mem),
        [r(0x1000, 9)]
    );
    // sched_getaffinity(pid, len, mask): the count precedes the buffer.
    assert_eq!(
        ok("sched_getaffinity", [0, 128, 0x2000, 0, 0, 0], 8, &mem),
        [r(0x2000, 8)]
    );
    // getgroups(0, list) only counts.
    assert_eq!(ok("getgroups", [0, 0x2000, 0, 0, 0, 0], 5, &mem), []);
    assert_eq!(
        ok("getgroups", [32, 0x2000, 0, 0, 0, 0], 5, &mem),
        [r(0x2000, 20)]
    );
    assert_eq!(
        ok("epoll_wait", [4, 0x3000, 16, 100, 0, 0], 3, &mem),
        [r(0x3000, 36)]
    );
    assert_eq!(
        ok("getcwd", [0x4000, 4096, 0, 0, 0, 0], 10, &mem),
        [r(0x4000, 10)]
    );
    assert_eq!(
        ok("msgrcv", [1, 0x5000, 100, 0, 0, 0], 10, &mem),
        [r(0x5000, 18)]
    );
}

#[test]
fn failed_syscalls_write_nothing() {
    let mem = FakeMem::default();
    assert_eq!(
        ok(
            "read",
            [3, 0x1000, 100, 0, 0, 0],
            -(libc::EAGAIN as i64),
            &mem
        ),
        []
    );
    assert_eq!(
        ok(
            "fstat",
            [3, 0x1000, 0, 0, 0, 0],
            -(libc::EBADF as i64),
            &mem
        ),
        []
    );
    assert_eq!(
        ok(
            "wait4",
            [u64::MAX, 0x1000, 0, 0x2000, 0, 0],
            -(libc::ECHILD as i64),
            &mem
        ),
        []
    );
    // Not even an unknown ioctl or a dangerous prctl: nothing happened.
    assert_eq!(
        ok(
            "ioctl",
            [7, 0x5499, 0x1000, 0, 0, 0],
            -(libc::ENOTTY as i64),
            &mem
        ),
        []
    );
    assert_eq!(
        ok(
            "prctl",
            [22, 2, 0x1000, 0, 0, 0],
            -(libc::EINVAL as i64),
            &mem
        ),
        []
    );
}

#[test]
fn some_failures_still_write() {
    let mem = FakeMem::default();
    let eintr = -(libc::EINTR as i64);
    assert_eq!(
        ok("nanosleep", [0x1000, 0x2000, 0, 0, 0, 0], eintr, &mem),
        [r(0x2000, 16)]
    );
    assert_eq!(
        ok(
            "nanosleep",
            [0x1000, 0x2000, 0, 0, 0, 0],
            -ERESTART_RESTARTBLOCK,
            &mem
        ),
        [r(0x2000, 16)]
    );
    assert_eq!(
        ok(
            "nanosleep",
            [0x1000, 0x2000, 0, 0, 0, 0],
            -(libc::EINVAL as i64),
            &mem
        ),
        []
    );
    assert_eq!(
        ok("clock_nanosleep", [1, 0, 0x1000, 0x2000, 0, 0], eintr, &mem),
        [r(0x2000, 16)]
    );
    assert_eq!(
        ok(
            "select",
            [4, 0x1000, 0, 0, 0x2000, 0],
            -ERESTARTNOHAND,
            &mem
        ),
        [r(0x2000, 16)]
    );
    assert_eq!(
        ok("pselect6", [4, 0x1000, 0, 0, 0x2000, 0], eintr, &mem),
        [r(0x2000, 16)]
    );
    assert_eq!(
        ok("poll", [0x1000, 2, 0, 0, 0, 0], eintr, &mem),
        [r(0x1000, 16)]
    );
    assert_eq!(
        ok(
            "poll",
            [0x1000, 2, 0, 0, 0, 0],
            -(libc::EFAULT as i64),
            &mem
        ),
        []
    );
    assert_eq!(
        ok("ppoll", [0x1000, 2, 0x3000, 0, 8, 0], eintr, &mem),
        [r(0x1000, 16), r(0x3000, 16)]
    );
    assert_eq!(
        ok("rt_sigtimedwait", [0x1000, 0x2000, 0, 8, 0, 0], eintr, &mem),
        [r(0x2000, 128)]
    );
    assert_eq!(
        ok(
            "capget",
            [0x1000, 0, 0, 0, 0, 0],
            -(libc::EINVAL as i64),
            &mem
        ),
        [r(0x1000, 8)]
    );
    assert_eq!(
        ok(
            "name_to_handle_at",
            [3, 0x1000, 0x2000, 0x3000, 0, 0],
            -(libc::EOVERFLOW as i64),
            &mem
        ),
        [r(0x2000, 8)]
    );
    let e2big = -(libc::E2BIG as i64);
    assert_eq!(
        ok("sched_setattr", [0, 0x1000, 0, 0, 0, 0], e2big, &mem),
        [r(0x1000, 4)]
    );
    assert_eq!(
        ok(
            "lsm_list_modules",
            [0x1000, 0x2000, 0, 0, 0, 0],
            e2big,
            &mem
        ),
        [r(0x2000, 4)]
    );
    // FUTEX_LOCK_PI can leave FUTEX_WAITERS set when it times out.
    assert_eq!(
        ok(
            "futex",
            [0x1000, 6 | 128, 0, 0x2000, 0, 0],
            -(libc::ETIMEDOUT as i64),
            &mem
        ),
        [r(0x1000, 4)]
    );
}

#[test]
fn null_pointers_are_skipped() {
    let mem = FakeMem::default();
    assert_eq!(
        ok("wait4", [u64::MAX, 0, 0, 0x2000, 0, 0], 1234, &mem),
        [r(0x2000, 144)]
    );
    assert_eq!(
        ok("wait4", [u64::MAX, 0x1000, 0, 0, 0, 0], 1234, &mem),
        [r(0x1000, 4)]
    );
    assert_eq!(ok("accept4", [3, 0, 0, 0, 0, 0], 5, &mem), []);
    assert_eq!(
        ok("gettimeofday", [0x1000, 0, 0, 0, 0, 0], 0, &mem),
        [r(0x1000, 16)]
    );
    assert_eq!(ok("recvmsg", [3, 0, 0, 0, 0, 0], 0, &mem), []);
    assert_eq!(ok("readv", [3, 0, 0, 0, 0, 0], 0, &mem), []);
}

#[test]
fn readv_spreads_over_iovecs() {
    let mut mem = FakeMem::default();
    mem.put_u64s(0x2000, &[0x3000, 10, 0x4000, 20, 0x5000, 30]);
    let args = [3, 0x2000, 3, 0, 0, 0];
    assert_eq!(
        ok("readv", args, 35, &mem),
        [r(0x3000, 10), r(0x4000, 20), r(0x5000, 5)]
    );
    assert_eq!(
        ok("readv", args, 60, &mem),
        [r(0x3000, 10), r(0x4000, 20), r(0x5000, 30)]
    );
    assert_eq!(ok("readv", args, 10, &mem), [r(0x3000, 10)]);
    assert_eq!(ok("preadv2", args, 12, &mem), [r(0x3000, 10), r(0x4000, 2)]);
    // An iovec array the kernel could read but we cannot is reported, not ignored.
    assert!(regions("readv", [3, 0x9000, 3, 0, 0, 0], 35, &mem).is_err());
}

#[test]
fn recvmsg_covers_header_name_data_and_control() {
    let mut mem = FakeMem::default();
    mem.put(0x6000, &msghdr(0x7000, 16, 0x8000, 2, 0xb000, 24));
    mem.put_u64s(0x8000, &[0x9000, 8, 0xa000, 100]);
    assert_eq!(
        ok("recvmsg", [3, 0x6000, 0, 0, 0, 0], 50, &mem),
        [
            r(0x6000, 56),
            r(0x7000, 16),
            r(0x9000, 8),
            r(0xa000, 42),
            r(0xb000, 24)
        ]
    );
    // No name and no control buffer.
    mem.put(0x6000, &msghdr(0, 0, 0x8000, 2, 0, 0));
    assert_eq!(
        ok("recvmsg", [3, 0x6000, 0, 0, 0, 0], 4, &mem),
        [r(0x6000, 56), r(0x9000, 4)]
    );
}

#[test]
fn recvmmsg_and_sendmmsg() {
    let mut mem = FakeMem::default();
    let mut vec = Vec::new();
    vec.extend(msghdr(0, 0, 0x8000, 1, 0, 0));
    vec.extend(7u32.to_le_bytes());
    vec.extend([0; 4]);
    vec.extend(msghdr(0, 0, 0x8010, 1, 0, 0));
    vec.extend(3u32.to_le_bytes());
    vec.extend([0; 4]);
    mem.put(0x6000, &vec);
    mem.put_u64s(0x8000, &[0x9000, 100, 0xa000, 100]);
    assert_eq!(
        ok("recvmmsg", [3, 0x6000, 2, 0, 0, 0], 2, &mem),
        [r(0x6000, 64), r(0x9000, 7), r(0x6040, 64), r(0xa000, 3)]
    );
    assert_eq!(
        ok("recvmmsg", [3, 0x6000, 2, 0, 0, 0], 1, &mem),
        [r(0x6000, 64), r(0x9000, 7)]
    );
    assert_eq!(
        ok("sendmmsg", [3, 0x6000, 2, 0, 0, 0], 2, &mem),
        [r(0x6038, 4), r(0x6078, 4)]
    );
}

#[test]
fn socket_addresses_and_options() {
    let mut mem = FakeMem::default();
    mem.put_u32(0x2000, 16);
    assert_eq!(
        ok("accept", [3, 0x1000, 0x2000, 0, 0, 0], 5, &mem),
        [r(0x1000, 16), r(0x2000, 4)]
    );
    assert_eq!(
        ok("recvfrom", [3, 0x3000, 512, 0, 0x1000, 0x2000], 100, &mem),
        [r(0x3000, 100), r(0x1000, 16), r(0x2000, 4)]
    );
    assert_eq!(
        ok("getsockopt", [3, 1, 4, 0x1000, 0x2000, 0], 0, &mem),
        [r(0x1000, 16), r(0x2000, 4)]
    );
    assert_eq!(
        ok("socketpair", [1, 1, 0, 0x1000, 0, 0], 0, &mem),
        [r(0x1000, 8)]
    );
}

#[test]
fn poll_and_select() {
    let mem = FakeMem::default();
    assert_eq!(
        ok("poll", [0x1000, 3, u64::MAX, 0, 0, 0], 1, &mem),
        [r(0x1000, 24)]
    );
    assert_eq!(
        ok("ppoll", [0x1000, 3, 0, 0, 8, 0], 0, &mem),
        [r(0x1000, 24)]
    );
    assert_eq!(
        ok("select", [65, 0x1000, 0, 0x2000, 0x3000, 0], 1, &mem),
        [r(0x1000, 16), r(0x2000, 16), r(0x3000, 16)]
    );
    assert_eq!(
        ok("select", [1, 0x1000, 0x2000, 0, 0, 0], 1, &mem),
        [r(0x1000, 8), r(0x2000, 8)]
    );
    assert_eq!(
        ok("pselect6", [64, 0x1000, 0, 0, 0x3000, 0x4000], 0, &mem),
        [r(0x1000, 8), r(0x3000, 16)]
    );
}

#[test]
fn ioctl_requests() {
    let mut mem = FakeMem::default();
    let ioctl = |req: u64, result: i64, mem: &FakeMem| {
        regions("ioctl", [7, req, 0x1000, 0, 0, 0], result, mem)
    };
    assert_eq!(ioctl(0x5401, 0, &mem), Ok(vec![r(0x1000, 36)])); // TCGETS
    assert_eq!(ioctl(0x5402, 0, &mem), Ok(vec![])); // TCSETS
    assert_eq!(ioctl(0x5413, 0, &mem), Ok(vec![r(0x1000, 8)])); // TIOCGWINSZ
    assert_eq!(ioctl(0x5414, 0, &mem), Ok(vec![])); // TIOCSWINSZ
    assert_eq!(ioctl(0x541b, 0, &mem), Ok(vec![r(0x1000, 4)])); // FIONREAD
    assert_eq!(ioctl(0x5421, 0, &mem), Ok(vec![])); // FIONBIO
    assert_eq!(ioctl(0x8933, 0, &mem), Ok(vec![r(0x1000, 40)])); // SIOCGIFINDEX
    assert_eq!(ioctl(0x8004_5430, 0, &mem), Ok(vec![r(0x1000, 4)])); // TIOCGPTN = _IOR('T', 0x30, u32)
    assert_eq!(ioctl(0x8008_1272, 0, &mem), Ok(vec![r(0x1000, 8)])); // BLKGETSIZE64 = _IOR(0x12, 114, u64)
    assert_eq!(ioctl(0x802c_542a, 0, &mem), Ok(vec![r(0x1000, 44)])); // TCGETS2
    assert_eq!(ioctl(0x4004_5431, 0, &mem), Ok(vec![])); // TIOCSPTLCK = _IOW
    assert_eq!(ioctl(0xb704, 0, &mem), Ok(vec![r(0x1000, 4)])); // NS_GET_OWNER_UID
                                                                // Unknown legacy requests are refused by name...
    assert_eq!(
        ioctl(0x5499, 0, &mem),
        Err(Unsupported("ioctl request 0x5499 on fd 7".into()))
    );
    // ...unless they failed.
    assert_eq!(ioctl(0x5499, -(libc::ENOTTY as i64), &mem), Ok(vec![]));
    assert_eq!(ioctl(0x5401, -(libc::ENOTTY as i64), &mem), Ok(vec![]));
    // SIOCGIFCONF: the struct ifconf and the used part of its buffer.
    mem.put(
        0x1000,
        &[&64u32.to_le_bytes()[..], &[0; 4], &0x5000u64.to_le_bytes()].concat(),
    );
    assert_eq!(
        ioctl(0x8912, 0, &mem),
        Ok(vec![r(0x1000, 16), r(0x5000, 64)])
    );
    // FS_IOC_FIEMAP: header plus the mapped extents.
    let mut fiemap = vec![0u8; 32];
    fiemap[20..24].copy_from_slice(&2u32.to_le_bytes());
    fiemap[24..28].copy_from_slice(&10u32.to_le_bytes());
    mem.put(0x1000, &fiemap);
    assert_eq!(
        ioctl(0xc020_660b, 0, &mem),
        Ok(vec![r(0x1000, 32 + 2 * 56)])
    );
}

#[test]
fn fcntl_prctl_arch_prctl() {
    let mem = FakeMem::default();
    assert_eq!(
        ok("fcntl", [3, libc::F_GETLK as u64, 0x1000, 0, 0, 0], 0, &mem),
        [r(0x1000, 32)]
    );
    assert_eq!(
        ok(
            "fcntl",
            [3, libc::F_OFD_GETLK as u64, 0x1000, 0, 0, 0],
            0,
            &mem
        ),
        [r(0x1000, 32)]
    );
    assert_eq!(
        ok("fcntl", [3, 16, 0x1000, 0, 0, 0], 0, &mem),
        [r(0x1000, 8)]
    );
    assert_eq!(
        ok("fcntl", [3, libc::F_SETFD as u64, 1, 0, 0, 0], 0, &mem),
        []
    );
    assert_eq!(
        ok("prctl", [16, 0x1000, 0, 0, 0, 0], 0, &mem),
        [r(0x1000, 16)]
    );
    assert_eq!(
        ok("prctl", [2, 0x1000, 0, 0, 0, 0], 0, &mem),
        [r(0x1000, 4)]
    );
    assert_eq!(ok("prctl", [15, 0x1000, 0, 0, 0, 0], 0, &mem), []); // PR_SET_NAME
    assert_eq!(ok("prctl", [21, 0, 0, 0, 0, 0], 2, &mem), []); // PR_GET_SECCOMP
    assert!(regions("prctl", [22, 2, 0x1000, 0, 0, 0], 0, &mem)
        .unwrap_err()
        .0
        .contains("PR_SET_SECCOMP"));
    assert!(regions("prctl", [35, 1, 0x1000, 0, 0, 0], 0, &mem)
        .unwrap_err()
        .0
        .contains("PR_SET_MM"));
    assert_eq!(
        ok("arch_prctl", [0x1003, 0x1000, 0, 0, 0, 0], 0, &mem),
        [r(0x1000, 8)]
    );
    assert_eq!(
        ok(
            "arch_prctl",
            [0x1002, 0x7f00_0000_0000, 0, 0, 0, 0],
            0,
            &mem
        ),
        []
    ); // ARCH_SET_FS
    assert_eq!(ok("arch_prctl", [0x1011, 0, 0, 0, 0, 0], 1, &mem), []); // ARCH_GET_CPUID
}

#[test]
fn other_multiplexed_syscalls() {
    let mut mem = FakeMem::default();
    assert_eq!(ok("futex", [0x1000, 128, 1, 0, 0, 0], 0, &mem), []); // FUTEX_WAIT
    assert_eq!(
        ok("futex", [0x1000, 5 | 128, 1, 1, 0x2000, 0], 1, &mem),
        [r(0x2000, 4)]
    ); // FUTEX_WAKE_OP
    assert_eq!(
        ok("semctl", [1, 0, 2, 0x1000, 0, 0], 0, &mem),
        [r(0x1000, 104)]
    ); // IPC_STAT
    assert_eq!(ok("semctl", [1, 0, 16, 5, 0, 0], 0, &mem), []); // SETVAL
    assert!(regions("semctl", [1, 0, 13, 0x1000, 0, 0], 0, &mem).is_err()); // GETALL
    assert_eq!(
        ok("msgctl", [1, 2, 0x1000, 0, 0, 0], 0, &mem),
        [r(0x1000, 120)]
    );
    assert_eq!(
        ok(
            "quotactl",
            [0x8000_0700, 0x2000, 1000, 0x1000, 0, 0],
            0,
            &mem
        ),
        [r(0x1000, 72)]
    );
    assert_eq!(
        ok("keyctl", [11, 5, 0x1000, 64, 0, 0], 200, &mem),
        [r(0x1000, 64)]
    ); // KEYCTL_READ
    assert_eq!(ok("keyctl", [0, 5, 0, 0, 0, 0], 7, &mem), []);
    assert_eq!(
        ok("mincore", [0x7000_0000, 8193, 0x1000, 0, 0, 0], 0, &mem),
        [r(0x1000, 3)]
    );
    assert_eq!(
        ok("get_mempolicy", [0x1000, 0x2000, 65, 0, 0, 0], 0, &mem),
        [r(0x1000, 4), r(0x2000, 8)]
    );
    assert_eq!(ok("syslog", [10, 0, 0, 0, 0, 0], 4096, &mem), []); // SYSLOG_ACTION_SIZE_BUFFER
    assert_eq!(
        ok("syslog", [3, 0x1000, 4096, 0, 0, 0], 100, &mem),
        [r(0x1000, 100)]
    );
    mem.put_u32(0x2000, 20);
    assert_eq!(
        ok(
            "name_to_handle_at",
            [3, 0x1000, 0x2000, 0x3000, 0, 0],
            0,
            &mem
        ),
        [r(0x2000, 28), r(0x3000, 4)]
    );
    mem.put(
        0x4000,
        &[&0x5000u64.to_le_bytes()[..], &64u32.to_le_bytes(), &[0; 4]].concat(),
    );
    assert_eq!(
        ok("getxattrat", [3, 0x1000, 0, 0x2000, 0x4000, 16], 10, &mem),
        [r(0x5000, 10)]
    );
}

// ---- data sent ----

#[test]
fn data_in_for_the_write_family() {
    let mut mem = FakeMem::default();
    mem.put_u64s(0x2000, &[0x3000, 5, 0x4000, 10]);
    let writev = row("writev");
    assert_eq!(
        data_in_regions(writev, &[1, 0x2000, 2, 0, 0, 0], 12, &mem),
        Some((1, vec![r(0x3000, 5), r(0x4000, 7)]))
    );
    assert_eq!(
        data_in_regions(
            writev,
            &[1, 0x2000, 2, 0, 0, 0],
            -(libc::EPIPE as i64),
            &mem
        ),
        None
    );
    let write = row("write");
    assert_eq!(
        data_in_regions(write, &[2, 0x1000, 9, 0, 0, 0], 5, &mem),
        Some((2, vec![r(0x1000, 5)]))
    );
    assert_eq!(
        data_in_regions(write, &[2, 0x1000, 9, 0, 0, 0], 0, &mem),
        Some((2, vec![]))
    );
    assert_eq!(
        data_in_regions(row("sendto"), &[4, 0x1000, 9, 0, 0, 0], 9, &mem),
        Some((4, vec![r(0x1000, 9)]))
    );
    assert_eq!(
        data_in_regions(row("read"), &[0, 0x1000, 9, 0, 0, 0], 9, &mem),
        None
    );
}

#[test]
fn sendmsg_sends_its_iovec_data() {
    // struct msghdr at 0x1000: no name, iov at 0x2000 with 2 entries.
    let mut mem = FakeMem::default();
    let mut hdr = vec![0u8; 56];
    hdr[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
    hdr[24..32].copy_from_slice(&2u64.to_le_bytes());
    mem.put(0x1000, &hdr);
    let mut iov = Vec::new();
    for (base, len) in [(0x3000u64, 5u64), (0x4000, 10)] {
        iov.extend_from_slice(&base.to_le_bytes());
        iov.extend_from_slice(&len.to_le_bytes());
    }
    mem.put(0x2000, &iov);
    let (fd, sent) =
        data_in_regions(row("sendmsg"), &[7, 0x1000, 0, 0, 0, 0], 8, &mem).expect("sends data");
    assert_eq!(fd, 7);
    assert_eq!(sent, [r(0x3000, 5), r(0x4000, 3)]);
}
