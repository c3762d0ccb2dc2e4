//! Everything rewind knows about x86-64 Linux syscalls, in one table.
//!
//! For each syscall the table says what replay must do with it ([`Policy`]) and
//! which memory the kernel may write on the program's behalf ([`Output`]), so the
//! recorder can save those bytes and replay can put them back. A syscall that is not
//! in the table cannot be recorded faithfully: the recorder refuses it by name.
//!
//! Output regions may over-approximate (a `struct timespec *rem` that the kernel only
//! writes on EINTR is always saved): saving bytes the kernel did not change is
//! harmless, because replay writes back exactly what was there.

mod table;

pub use table::TABLE;

/// What replay does with a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Not performed in replay: the recorded result and memory writes are restored.
    Emulate,
    /// Performed in replay with the same arguments, because it changes state the
    /// program depends on outside syscalls (address space, signal handling, TLS).
    /// Its result must equal the recorded one.
    Execute,
    /// Performed in replay for its side effect, then the recorded result and memory
    /// writes are restored (e.g. set_tid_address returns a tid that differs in replay).
    ExecuteRestoreResult,
    /// Handled by dedicated code in the recorder and replayer (mmap, clone, execve,
    /// exit, ...): see those crates.
    Special,
    /// Refused while recording: the program gets `-errno` (as rr does for rseq and
    /// io_uring), and replay restores that.
    Refuse { errno: i32 },
}

/// How large an output buffer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// A fixed number of bytes (a struct).
    Fixed(u64),
    /// The syscall's (non-negative) result, in bytes.
    Result,
    /// The syscall's result times a struct size (e.g. epoll_wait events).
    ResultTimes(u64),
    /// The value of argument `n`.
    Arg(u8),
    /// The value of argument `n` times a struct size (e.g. poll's nfds * 8).
    ArgTimes(u8, u64),
    /// The value of the u32 (socklen_t) that argument `n` points to, read after the
    /// syscall.
    DerefU32(u8),
    /// An fd_set for `nfds` = argument `n`: ceil(nfds / 64) * 8 bytes.
    FdSet(u8),
    /// One byte per 4 KiB page of the length in argument `n` (mincore).
    Pages(u8),
    /// The syscall's result plus a fixed header (msgrcv: `long mtype` + text).
    ResultPlus(u64),
    /// A node bitmap for `maxnode` = argument `n`: ceil((maxnode - 1) / 64) * 8 bytes
    /// (get_mempolicy).
    NodeMask(u8),
}

/// A piece of memory the kernel may write during a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Argument `ptr` points to a buffer of the given size (skipped when the pointer is NULL).
    Buf { ptr: u8, size: Size },
    /// Argument `iov` points to `iovcnt` (= argument `cnt`) iovecs; the result is the
    /// number of bytes spread over them in order (readv, preadv, process_vm_readv).
    Iovec { iov: u8, cnt: u8 },
    /// Argument `n` is a `struct msghdr *` filled by recvmsg: the header, name,
    /// control buffer and iovec data.
    Msghdr(u8),
    /// Argument `vec` is a `struct mmsghdr *` of length = result (recvmmsg).
    Mmsghdr { vec: u8 },
    /// ioctl: output decided by the request code (argument 1) and buffer (argument 2).
    Ioctl,
    /// fcntl: F_GETLK/F_OFD_GETLK write a struct flock; F_GETOWN_EX a struct f_owner_ex.
    Fcntl,
    /// prctl: output decided by the option (PR_GET_NAME, PR_GET_PDEATHSIG, ...).
    Prctl,
    /// arch_prctl: ARCH_GET_FS/ARCH_GET_GS write a u64 at argument 1.
    ArchPrctl,
    /// futex: the PI and WAKE_OP operations change a futex word (uaddr or uaddr2).
    Futex,
    /// semctl: IPC_STAT/SEM_STAT/IPC_INFO/SEM_INFO write a struct at argument 3.
    Semctl,
    /// msgctl: IPC_STAT/MSG_STAT/IPC_INFO/MSG_INFO write a struct at argument 2.
    Msgctl,
    /// quotactl/quotactl_fd: the struct the command (argument `cmd`) fetches, at
    /// argument `addr`.
    Quotactl { cmd: u8, addr: u8 },
    /// keyctl: output decided by the operation (KEYCTL_READ, KEYCTL_DESCRIBE, ...).
    Keyctl,
    /// Argument `n` is a `struct xattr_args *` whose value buffer receives `result`
    /// bytes (getxattrat).
    XattrArgs(u8),
    /// name_to_handle_at: the `struct file_handle` (argument 2, sized by its
    /// handle_bytes after the call) and the mount id (argument 3).
    NameToHandleAt,
    /// sendmmsg: the kernel stores msg_len in each of the first `result` entries of
    /// the `struct mmsghdr *` argument `vec`.
    SentMmsghdr { vec: u8 },
}

/// Where a syscall takes data the program *sends* (write family): replay reproduces
/// these writes when they went to the terminal/stdout/stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataIn {
    /// fd = argument `fd`, data at argument `buf`, length = result.
    Buf { fd: u8, buf: u8 },
    /// fd = argument `fd`, data in `cnt` iovecs at argument `iov`, length = result.
    Iovec { fd: u8, iov: u8, cnt: u8 },
    /// fd = argument `fd`, data in the iovecs of the `struct msghdr` at argument
    /// `msg`, length = result (sendmsg).
    Msghdr { fd: u8, msg: u8 },
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct SyscallSpec {
    pub nr: u64,
    pub name: &'static str,
    /// Number of arguments the syscall uses (divergence checks compare only these).
    pub nargs: u8,
    pub policy: Policy,
    pub outputs: &'static [Output],
    pub data_in: Option<DataIn>,
}

/// A region of the program's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub addr: u64,
    pub len: u64,
}

/// Read access to the traced program's memory (after the syscall returned).
pub trait Memory {
    /// `len` bytes at `addr`, or None if any part is unmapped.
    fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
}

/// Any function from (address, length) to the bytes there is a memory: record
/// and replay pass `|addr, len| read_mem(tid, addr, len).ok()`.
impl<F: Fn(u64, usize) -> Option<Vec<u8>>> Memory for F {
    fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self(addr, len)
    }
}

/// An operation the table cannot describe (say, an ioctl it does not know).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// Row for syscall number `nr`.
pub fn spec(nr: u64) -> Option<&'static SyscallSpec> {
    table::lookup(nr)
}

/// Name of syscall `nr` ("syscall_NNN" when unknown).
pub fn name(nr: u64) -> String {
    match spec(nr) {
        Some(s) => s.name.to_string(),
        None => format!("syscall_{nr}"),
    }
}

/// The program's own control of the instructions rewind traps: `prctl`
/// PR_GET_TSC/PR_SET_TSC and `arch_prctl` ARCH_GET_CPUID/ARCH_SET_CPUID. rewind
/// keeps RDTSC and CPUID trapping on whatever the program asks, so these are
/// answered from the program's own setting (kept by the recorder) and never
/// performed, neither while recording nor in replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapControl {
    /// PR_GET_TSC: writes the program's mode (an int) at the address given.
    GetTsc { addr: u64 },
    /// PR_SET_TSC with this mode (PR_TSC_ENABLE 1, PR_TSC_SIGSEGV 2).
    SetTsc { mode: u64 },
    /// ARCH_GET_CPUID: returns 1 when CPUID runs, 0 when it faults.
    GetCpuid,
    /// ARCH_SET_CPUID: `enable` 0 makes CPUID fault.
    SetCpuid { enable: u64 },
}

/// The [`TrapControl`] a syscall is, if any.
pub fn trap_control(nr: u64, args: &[u64; 6]) -> Option<TrapControl> {
    const PR_GET_TSC: u64 = 25;
    const PR_SET_TSC: u64 = 26;
    const ARCH_GET_CPUID: u64 = 0x1011;
    const ARCH_SET_CPUID: u64 = 0x1012;
    match (nr as i64, args[0]) {
        (libc::SYS_prctl, PR_GET_TSC) => Some(TrapControl::GetTsc { addr: args[1] }),
        (libc::SYS_prctl, PR_SET_TSC) => Some(TrapControl::SetTsc { mode: args[1] }),
        (libc::SYS_arch_prctl, ARCH_GET_CPUID) => Some(TrapControl::GetCpuid),
        (libc::SYS_arch_prctl, ARCH_SET_CPUID) => Some(TrapControl::SetCpuid { enable: args[1] }),
        _ => None,
    }
}

/// The signal mask a syscall installs while it waits (ppoll, pselect6,
/// epoll_pwait, epoll_pwait2, rt_sigsuspend): the address of the `sigset_t`, or
/// None when the syscall has none (or a NULL one). A signal that this mask
/// unblocks interrupts the syscall and is handled with the mask in force; the
/// old mask comes back when the handler returns.
pub fn temporary_sigmask(nr: u64, args: &[u64; 6], mem: &dyn Memory) -> Option<u64> {
    let ptr = match nr as i64 {
        libc::SYS_rt_sigsuspend => args[0],
        libc::SYS_ppoll => args[3],
        libc::SYS_epoll_pwait | libc::SYS_epoll_pwait2 => args[4],
        // The sixth argument points to { const sigset_t *ss; size_t ss_len; }.
        libc::SYS_pselect6 if args[5] != 0 => {
            let raw = mem.read(args[5], 8)?;
            u64::from_le_bytes(raw[..8].try_into().ok()?)
        }
        _ => 0,
    };
    (ptr != 0).then_some(ptr)
}

/// Number of the syscall called `name`.
pub fn nr(name: &str) -> Option<u64> {
    TABLE.iter().find(|s| s.name == name).map(|s| s.nr)
}

/// The memory regions the kernel may have written for a syscall that returned `result`.
/// Failed syscalls (negative results) write nothing, except where noted in the table.
pub fn output_regions(
    spec: &SyscallSpec,
    args: &[u64; 6],
    result: i64,
    mem: &dyn Memory,
) -> Result<Vec<Region>, Unsupported> {
    table::output_regions(spec, args, result, mem)
}

/// The fd and the data regions a write-family syscall sent, when it succeeded.
pub fn data_in_regions(
    spec: &SyscallSpec,
    args: &[u64; 6],
    result: i64,
    mem: &dyn Memory,
) -> Option<(i32, Vec<Region>)> {
    table::data_in_regions(spec, args, result, mem)
}
