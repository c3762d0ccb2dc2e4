//! Process control for rewind: thin, checked wrappers over ptrace, wait and the
//! memory of traced tasks. Both the recorder and the replayer drive tasks through
//! this crate; it knows nothing about traces.
//!
//! Signal numbers are plain `i32`s (not nix's `Signal`) because real-time signals
//! must pass through unchanged.

use rewind_trace::Regs;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;

mod attach;
mod maps;
mod point_stub;
mod status;
mod vdso;
mod written;
pub use attach::{
    attach_error, detach, get_xstate, inject_syscall_in_stopped, listen, restartable, seize,
    NT_X86_XSTATE,
};
pub use maps::{parse_maps_line, read_maps, MapEntry};
pub use point_stub::{patchable_insn, point_extras, PointStub};
pub use status::{fd_position, fdinfo_field, ProcStatus};
pub use vdso::make_vdso_recordable;
pub use written::{pages_crc, WrittenPages};

pub type Tid = i32;

/// `PTRACE_EVENT_*` codes as they appear in `status >> 16`.
pub mod event {
    pub const FORK: i32 = 1;
    pub const VFORK: i32 = 2;
    pub const CLONE: i32 = 3;
    pub const EXEC: i32 = 4;
    pub const VFORK_DONE: i32 = 5;
    pub const EXIT: i32 = 6;
    pub const SECCOMP: i32 = 7;
    pub const STOP: i32 = 128;
}

/// Options every traced task gets (children inherit them).
pub const TRACE_OPTIONS: i32 = libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_EXITKILL;

/// What `waitpid` reported for a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// Syscall entry or exit stop (the caller tracks which).
    Syscall,
    /// A `PTRACE_EVENT_*` stop.
    Event(i32),
    /// Signal-delivery-stop or group-stop with this signal.
    Signal(i32),
    /// The task exited with this code.
    Exited(i32),
    /// The task was killed by this signal.
    Killed(i32),
}

impl WaitStatus {
    pub fn from_raw(status: i32) -> WaitStatus {
        if libc::WIFEXITED(status) {
            WaitStatus::Exited(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            WaitStatus::Killed(libc::WTERMSIG(status))
        } else {
            let sig = libc::WSTOPSIG(status);
            let ev = status >> 16;
            if sig == (libc::SIGTRAP | 0x80) {
                WaitStatus::Syscall
            } else if ev != 0 {
                WaitStatus::Event(ev)
            } else {
                WaitStatus::Signal(sig)
            }
        }
    }
}

pub(crate) fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Waits for any traced task (`tid` = -1) or a given one; returns the task and its status.
/// Retries on EINTR.
pub fn wait(tid: Tid) -> io::Result<(Tid, i32, WaitStatus)> {
    loop {
        let mut status = 0;
        let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok((r, status, WaitStatus::from_raw(status)));
    }
}

/// Like [`wait`] but returns None at once when nothing is pending.
pub fn try_wait(tid: Tid) -> io::Result<Option<(Tid, i32, WaitStatus)>> {
    let mut status = 0;
    let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL | libc::WNOHANG) };
    match r {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(None),
        _ => Ok(Some((r, status, WaitStatus::from_raw(status)))),
    }
}

/// Resumes a task until its next syscall stop (or other stop), delivering `sig` (0: none).
pub fn resume_syscall(tid: Tid, sig: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_SYSCALL, tid, 0, sig as libc::c_long) }).map(drop)
}

/// Resumes a task without stopping at syscalls.
pub fn resume_cont(tid: Tid, sig: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_CONT, tid, 0, sig as libc::c_long) }).map(drop)
}

/// Executes one instruction of the task, then stops it (SIGTRAP).
pub fn single_step(tid: Tid, sig: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_SINGLESTEP, tid, 0, sig as libc::c_long) }).map(drop)
}

/// Stops a running task that was attached with PTRACE_SEIZE (or auto-attached
/// from one): it reports a `PTRACE_EVENT_STOP` with SIGTRAP.
pub fn interrupt(tid: Tid) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, tid, 0, 0) }).map(drop)
}

/// The FXSAVE area (x87, MMX, SSE registers) of a stopped task.
pub fn get_fpregs(tid: Tid) -> io::Result<[u8; 512]> {
    let mut area = [0u8; 512];
    check(unsafe { libc::ptrace(libc::PTRACE_GETFPREGS, tid, 0, area.as_mut_ptr()) })?;
    Ok(area)
}

/// FXSAVE hash for preemption points, without the fields the CPU updates on its
/// own accord (FOP, FIP, FDP: the last x87 instruction's address).
pub fn fpu_hash(area: &[u8; 512]) -> u64 {
    let mut a = *area;
    a[6..24].fill(0);
    rewind_trace::fnv1a(&a)
}

/// What identifies a preemption point besides the registers: hashes of the
/// x87/SSE state and of the top of the stack (see `rewind_trace::Event::Preempt`).
pub fn preempt_key(tid: Tid, regs: &Regs) -> io::Result<(u64, u64)> {
    let fpu = get_fpregs(tid)?;
    let stack = read_mem(tid, regs.rsp, rewind_trace::PREEMPT_STACK_BYTES).unwrap_or_default();
    Ok((fpu_hash(&fpu), rewind_trace::fnv1a(&stack)))
}

/// Registers as compared between record and replay at a preemption point: the
/// trap and resume flags belong to the debugger, `orig_rax` to the kernel.
pub fn comparable_regs(r: &Regs) -> Regs {
    let mut r = *r;
    r.eflags &= !(0x100 | 0x10000);
    r.orig_rax = 0;
    r
}

/// Whether the task has finished exiting (a zombie, or gone): the kernel has
/// released its memory and cleared its `clear_child_tid` word by then.
pub fn is_zombie(tid: Tid) -> bool {
    match std::fs::read_to_string(format!("/proc/{tid}/stat")) {
        // The state follows the command name, which is in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_none_or(|state| matches!(state, 'Z' | 'X')),
        Err(_) => true,
    }
}

/// Waits (polling) up to `timeout_ns` for the task to become a zombie.
pub fn wait_zombie(tid: Tid, timeout_ns: u64) {
    let start = monotonic_ns();
    while !is_zombie(tid) && monotonic_ns() - start < timeout_ns {
        std::thread::sleep(std::time::Duration::from_micros(20));
    }
}

/// Blocks SIGCHLD for the calling thread, so [`wait_timeout`] can sleep on it.
/// Ptrace stops of tracees are announced to the tracer with SIGCHLD.
pub fn block_sigchld() {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Waits for any traced task until `deadline_ns` ([`monotonic_ns`] clock);
/// None when the deadline passed first. SIGCHLD must be blocked
/// ([`block_sigchld`]): a stop that happens between the poll and the sleep
/// leaves SIGCHLD pending, so it is never missed.
pub fn wait_timeout(deadline_ns: Option<u64>) -> io::Result<Option<(Tid, i32, WaitStatus)>> {
    if deadline_ns.is_none() {
        // Nothing to time out: a plain blocking wait is the cheapest.
        return wait(-1).map(Some);
    }
    loop {
        if let Some(w) = try_wait(-1)? {
            return Ok(Some(w));
        }
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        unsafe {
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGCHLD);
        }
        let d = deadline_ns.unwrap_or(0);
        let now = monotonic_ns();
        if now >= d {
            return Ok(None);
        }
        let left = d - now;
        let ts = libc::timespec {
            tv_sec: (left / 1_000_000_000) as libc::time_t,
            tv_nsec: (left % 1_000_000_000) as libc::c_long,
        };
        let r = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) };
        if r == -1 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => {}
                _ => return Err(e),
            }
        }
    }
}

pub fn set_options(tid: Tid, options: i32) -> io::Result<()> {
    check(unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, tid, 0, options as libc::c_long) })
        .map(drop)
}

/// The `PTRACE_GETEVENTMSG` value (new child's tid at fork events).
pub fn event_msg(tid: Tid) -> io::Result<u64> {
    let mut msg: libc::c_ulong = 0;
    check(unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, tid, 0, &mut msg as *mut _) })?;
    Ok(msg)
}

/// Raw `siginfo_t` of the signal the task is stopped for (EINVAL in a group-stop).
pub fn get_siginfo(tid: Tid) -> io::Result<[u8; 128]> {
    let mut info = [0u8; 128];
    check(unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, tid, 0, info.as_mut_ptr()) })?;
    Ok(info)
}

pub fn set_siginfo(tid: Tid, info: &[u8]) -> io::Result<()> {
    let mut buf = [0u8; 128];
    let n = info.len().min(128);
    buf[..n].copy_from_slice(&info[..n]);
    check(unsafe { libc::ptrace(libc::PTRACE_SETSIGINFO, tid, 0, buf.as_ptr()) }).map(drop)
}

/// `si_code` of a raw siginfo.
pub fn siginfo_code(info: &[u8]) -> i32 {
    i32::from_ne_bytes(info[8..12].try_into().unwrap())
}

pub fn get_regs(tid: Tid) -> io::Result<Regs> {
    let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    check(unsafe { libc::ptrace(libc::PTRACE_GETREGS, tid, 0, &mut r as *mut _) })?;
    Ok(from_user_regs(&r))
}

pub fn set_regs(tid: Tid, regs: &Regs) -> io::Result<()> {
    let r = to_user_regs(regs);
    check(unsafe { libc::ptrace(libc::PTRACE_SETREGS, tid, 0, &r as *const _) }).map(drop)
}

/// Sends signal `sig` to thread `tid` of process `tgid`.
pub fn tgkill(tgid: i32, tid: Tid, sig: i32) -> io::Result<()> {
    check(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) }).map(drop)
}

/// Thread group (process) id of a task.
pub fn tgid_of(tid: Tid) -> io::Result<i32> {
    ProcStatus::read(tid)?
        .number("Tgid")
        .map(|t| t as i32)
        .ok_or_else(|| io::Error::other("no Tgid in /proc status"))
}

/// Reads `len` bytes of the task's memory. Fails if any byte is unreadable.
pub fn read_mem(tid: Tid, addr: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    if len == 0 {
        return Ok(buf);
    }
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: len,
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: len,
    };
    let n = unsafe { libc::process_vm_readv(tid, &local, 1, &remote, 1, 0) };
    if n == len as isize {
        return Ok(buf);
    }
    // Fall back to /proc/PID/mem, which also reads pages process_vm_readv refuses
    // (e.g. PROT_NONE guard areas are still an error there, which is what we want).
    let f = OpenOptions::new()
        .read(true)
        .open(format!("/proc/{tid}/mem"))?;
    f.read_exact_at(&mut buf, addr)?;
    Ok(buf)
}

/// Writes bytes into the task's memory, even into read-only private mappings
/// (through /proc/PID/mem, as debuggers do).
pub fn write_mem(tid: Tid, addr: u64, data: &[u8]) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: data.len(),
    };
    let n = unsafe { libc::process_vm_writev(tid, &local, 1, &remote, 1, 0) };
    if n == data.len() as isize {
        return Ok(());
    }
    let f = OpenOptions::new()
        .write(true)
        .open(format!("/proc/{tid}/mem"))?;
    f.write_all_at(data, addr)
}

/// Makes the stopped task execute syscall `nr` with `args` and returns its result.
/// The task must be in a ptrace stop where it is about to return to user space
/// (event, signal or syscall-exit stop). Its registers and the two bytes at its
/// instruction pointer are restored afterwards.
pub fn inject_syscall(tid: Tid, nr: u64, args: &[u64]) -> io::Result<i64> {
    let saved = get_regs(tid)?;
    let rip = saved.rip;
    let orig_code = read_mem(tid, rip, 2)?;
    write_mem(tid, rip, &[0x0f, 0x05])?;
    let r = syscall_call_regs(&saved, nr, args);
    // Signals that arrive meanwhile stop the task; resuming it from such a stop
    // drops the signal, so each is sent again afterwards.
    let mut arrived = Vec::new();
    let result = (|| {
        set_regs(tid, &r)?;
        for _ in 0..2 {
            resume_syscall(tid, 0)?;
            loop {
                let (_, _, st) = wait(tid)?;
                match st {
                    WaitStatus::Syscall => break,
                    WaitStatus::Signal(sig) => {
                        arrived.push(sig);
                        resume_syscall(tid, 0)?
                    }
                    other => {
                        return Err(io::Error::other(format!(
                            "task {tid} {other:?} during an injected syscall"
                        )))
                    }
                }
            }
        }
        Ok(get_regs(tid)?.rax as i64)
    })();
    write_mem(tid, rip, &orig_code)?;
    set_regs(tid, &saved)?;
    if !arrived.is_empty() {
        let tgid = tgid_of(tid)?;
        for sig in arrived {
            tgkill(tgid, tid, sig)?;
        }
    }
    result
}

/// `base` set up to make syscall `nr` with `args` (ABI order) at its rip;
/// orig_rax -1 keeps the kernel from treating it as a syscall to restart.
pub(crate) fn syscall_call_regs(base: &Regs, nr: u64, args: &[u64]) -> Regs {
    let mut a = [0u64; 6];
    a[..args.len()].copy_from_slice(args);
    Regs {
        rax: nr,
        orig_rax: u64::MAX,
        rdi: a[0],
        rsi: a[1],
        rdx: a[2],
        r10: a[3],
        r8: a[4],
        r9: a[5],
        ..*base
    }
}

/// The syscall arguments in a register set, in ABI order.
pub fn syscall_args(r: &Regs) -> [u64; 6] {
    [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
}

pub fn from_user_regs(r: &libc::user_regs_struct) -> Regs {
    Regs {
        r15: r.r15,
        r14: r.r14,
        r13: r.r13,
        r12: r.r12,
        rbp: r.rbp,
        rbx: r.rbx,
        r11: r.r11,
        r10: r.r10,
        r9: r.r9,
        r8: r.r8,
        rax: r.rax,
        rcx: r.rcx,
        rdx: r.rdx,
        rsi: r.rsi,
        rdi: r.rdi,
        orig_rax: r.orig_rax,
        rip: r.rip,
        cs: r.cs,
        eflags: r.eflags,
        rsp: r.rsp,
        ss: r.ss,
        fs_base: r.fs_base,
        gs_base: r.gs_base,
        ds: r.ds,
        es: r.es,
        fs: r.fs,
        gs: r.gs,
    }
}

pub fn to_user_regs(r: &Regs) -> libc::user_regs_struct {
    libc::user_regs_struct {
        r15: r.r15,
        r14: r.r14,
        r13: r.r13,
        r12: r.r12,
        rbp: r.rbp,
        rbx: r.rbx,
        r11: r.r11,
        r10: r.r10,
        r9: r.r9,
        r8: r.r8,
        rax: r.rax,
        rcx: r.rcx,
        rdx: r.rdx,
        rsi: r.rsi,
        rdi: r.rdi,
        orig_rax: r.orig_rax,
        rip: r.rip,
        cs: r.cs,
        eflags: r.eflags,
        rsp: r.rsp,
        ss: r.ss,
        fs_base: r.fs_base,
        gs_base: r.gs_base,
        ds: r.ds,
        es: r.es,
        fs: r.fs,
        gs: r.gs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status_decoding() {
        // stopped by SIGTRAP|0x80: 0x857f
        assert_eq!(
            WaitStatus::from_raw(((libc::SIGTRAP | 0x80) << 8) | 0x7f),
            WaitStatus::Syscall
        );
        assert_eq!(
            WaitStatus::from_raw((event::EXEC << 16) | (libc::SIGTRAP << 8) | 0x7f),
            WaitStatus::Event(event::EXEC)
        );
        assert_eq!(
            WaitStatus::from_raw((libc::SIGSEGV << 8) | 0x7f),
            WaitStatus::Signal(libc::SIGSEGV)
        );
        assert_eq!(WaitStatus::from_raw(3 << 8), WaitStatus::Exited(3));
        assert_eq!(
            WaitStatus::from_raw(libc::SIGKILL),
            WaitStatus::Killed(libc::SIGKILL)
        );
    }

    #[test]
    fn regs_round_trip() {
        let r = Regs {
            rip: 0x1234,
            orig_rax: u64::MAX,
            fs_base: 7,
            ..Default::default()
        };
        assert_eq!(from_user_regs(&to_user_regs(&r)), r);
    }
}

mod spawn;
pub use spawn::{exec_error, spawn_traced, SpawnSetup};

/// Instructions that trap under rewind (CPUID faulting, RDTSC trapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapInsn {
    Rdtsc,
    Rdtscp,
    Cpuid,
}

impl TrapInsn {
    /// Decodes the instruction at the start of `code`.
    pub fn decode(code: &[u8]) -> Option<TrapInsn> {
        match code {
            [0x0f, 0x31, ..] => Some(TrapInsn::Rdtsc),
            [0x0f, 0x01, 0xf9, ..] => Some(TrapInsn::Rdtscp),
            [0x0f, 0xa2, ..] => Some(TrapInsn::Cpuid),
            _ => None,
        }
    }

    pub fn length(self) -> u64 {
        match self {
            TrapInsn::Rdtscp => 3,
            _ => 2,
        }
    }
}

/// Whether this CPU and kernel support CPUID faulting (tried on rewind itself).
pub fn cpuid_faulting_available() -> bool {
    const ARCH_SET_CPUID: libc::c_long = 0x1012;
    let off = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_CPUID, 0) } == 0;
    if off {
        unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_CPUID, 1) };
    }
    off
}

/// `arch_prctl(ARCH_SET_CPUID, 0)`: make CPUID fault in the task (reset by execve).
pub fn enable_cpuid_faulting(tid: Tid) -> io::Result<bool> {
    const ARCH_SET_CPUID: u64 = 0x1012;
    let r = inject_syscall(tid, libc::SYS_arch_prctl as u64, &[ARCH_SET_CPUID, 0])?;
    Ok(r == 0)
}

/// Register effects of RDTSC/RDTSCP returning `tsc` (and `aux` for RDTSCP).
pub fn apply_tsc(regs: &mut Regs, tsc: u64, aux: Option<u32>) {
    regs.rax = tsc & 0xffff_ffff;
    regs.rdx = tsc >> 32;
    if let Some(a) = aux {
        regs.rcx = a as u64;
    }
}

/// Register effects of CPUID returning eax, ebx, ecx, edx.
pub fn apply_cpuid(regs: &mut Regs, out: [u32; 4]) {
    regs.rax = out[0] as u64;
    regs.rbx = out[1] as u64;
    regs.rcx = out[2] as u64;
    regs.rdx = out[3] as u64;
}

/// Monotonic clock read with a real syscall. A tracer that runs with RDTSC
/// trapping on (see [`trap_own_tsc`]) must not use the vDSO clock, which reads the TSC.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::syscall(libc::SYS_clock_gettime, libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Keeps rewind and its tracees on one CPU, with RDTSC trapping on in rewind too.
///
/// The kernel flips CR4.TSD whenever it switches between a task that traps RDTSC
/// and one that does not; in a VM every flip is a costly exit, and a ptrace stop
/// makes several switches. With the tracer and tracees on one CPU and all trapping,
/// no flip happens: recording a syscall-heavy program gets about 3x faster here.
/// Afterwards rewind must read time with [`monotonic_ns`] and the TSC with [`read_tsc`].
///
/// The CPU is `cpu` when given (a replay must run where the recording ran on a
/// machine without CPUID faulting: the program reads its APIC id and CPU number
/// directly), else the one we run on now (the scheduler's pick, so concurrent
/// rewinds spread out). Returns the CPU pinned to, or None when `cpu` is not one
/// this process may use.
pub fn trap_own_tsc(cpu: Option<usize>) -> Option<usize> {
    let pinned = pin_to_cpu(cpu);
    if cpu.is_some() && pinned.is_none() {
        return None;
    }
    unsafe {
        // Safety net: should rewind itself execute RDTSC (a vDSO clock read, say),
        // turn trapping off for rewind instead of crashing.
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_own_segv as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut());
        libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
    }
    pinned
}

/// The CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Binds the calling thread (and the processes it starts) to `cpu`, or to the CPU
/// it runs on now (else the first allowed one). None when that is not possible.
fn pin_to_cpu(cpu: Option<usize>) -> Option<usize> {
    let allowed = allowed_cpus();
    let now = unsafe { libc::sched_getcpu() };
    let target = match cpu {
        Some(c) => allowed.contains(&c).then_some(c)?,
        None if now >= 0 && allowed.contains(&(now as usize)) => now as usize,
        None => *allowed.first()?,
    };
    unsafe {
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(target, &mut one);
        (libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &one) == 0)
            .then_some(target)
    }
}

extern "C" fn on_own_segv(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    unsafe {
        let uc = ctx as *const libc::ucontext_t;
        let rip = (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as *const u8;
        let is_rdtsc =
            *rip == 0x0f && (*rip.add(1) == 0x31 || (*rip.add(1) == 0x01 && *rip.add(2) == 0xf9));
        if is_rdtsc {
            libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_ENABLE, 0, 0, 0);
        } else {
            // A real fault: crash as usual when the instruction runs again.
            libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        }
    }
}

/// Reads the TSC (and TSC_AUX) even while [`trap_own_tsc`] is in force.
pub fn read_tsc() -> (u64, u32) {
    unsafe {
        let mut before = 0;
        libc::prctl(libc::PR_GET_TSC, &mut before as *mut libc::c_int, 0, 0, 0);
        libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_ENABLE, 0, 0, 0);
        let mut aux = 0u32;
        let tsc = std::arch::x86_64::__rdtscp(&mut aux);
        if before == libc::PR_TSC_SIGSEGV {
            libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
        }
        (tsc, aux)
    }
}

/// Forks the stopped task (an injected `fork`) and returns the child, stopped at
/// its first stop with the parent's registers and memory as they were before the
/// injection: a copy-on-write snapshot of the process. The parent is left as it was.
pub fn fork_stopped(tid: Tid) -> io::Result<Tid> {
    let saved = get_regs(tid)?;
    let rip = saved.rip;
    let orig_code = read_mem(tid, rip, 2)?;
    write_mem(tid, rip, &[0x0f, 0x05])?;
    let r = syscall_call_regs(&saved, libc::SYS_fork as u64, &[]);
    let result = (|| {
        set_regs(tid, &r)?;
        let mut child = None;
        let mut syscall_stops = 0;
        resume_syscall(tid, 0)?;
        while syscall_stops < 2 {
            match wait(tid)?.2 {
                WaitStatus::Syscall => syscall_stops += 1,
                WaitStatus::Event(event::FORK) => child = Some(event_msg(tid)? as Tid),
                // A signal arriving meanwhile stays pending for later.
                WaitStatus::Signal(_) | WaitStatus::Event(_) => {}
                other => {
                    return Err(io::Error::other(format!(
                        "task {tid} {other:?} while forking a checkpoint"
                    )))
                }
            }
            if syscall_stops < 2 {
                resume_syscall(tid, 0)?;
            }
        }
        child.ok_or_else(|| io::Error::other("the injected fork made no child"))
    })();
    write_mem(tid, rip, &orig_code)?;
    set_regs(tid, &saved)?;
    let child = result?;
    loop {
        match wait(child)?.2 {
            WaitStatus::Signal(libc::SIGSTOP) => break,
            WaitStatus::Exited(_) | WaitStatus::Killed(_) => {
                return Err(io::Error::other("checkpoint process died"))
            }
            _ => resume_syscall(child, 0)?,
        }
    }
    write_mem(child, rip, &orig_code)?;
    set_regs(child, &saved)?;
    Ok(child)
}
