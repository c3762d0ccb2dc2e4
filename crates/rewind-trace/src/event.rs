//! What a trace records: one global, ordered stream of events, each tagged with the
//! recorded thread id (`tid`) it belongs to.
//!
//! A single global order (rather than one stream per task) is what lets replay run
//! one task at a time in exactly the recorded interleaving; per-task views are derived
//! by filtering on `tid`. Threads (a later issue) slot into the same model.

use serde::{Deserialize, Serialize};

/// Recorded thread id (as the program saw it).
pub type Tid = i32;

/// x86-64 general purpose registers, in the kernel's `user_regs_struct` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Regs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

impl Regs {
    /// Every register with its name, in `user_regs_struct` order.
    pub fn named(&self) -> [(&'static str, u64); 27] {
        [
            ("r15", self.r15),
            ("r14", self.r14),
            ("r13", self.r13),
            ("r12", self.r12),
            ("rbp", self.rbp),
            ("rbx", self.rbx),
            ("r11", self.r11),
            ("r10", self.r10),
            ("r9", self.r9),
            ("r8", self.r8),
            ("rax", self.rax),
            ("rcx", self.rcx),
            ("rdx", self.rdx),
            ("rsi", self.rsi),
            ("rdi", self.rdi),
            ("orig_rax", self.orig_rax),
            ("rip", self.rip),
            ("cs", self.cs),
            ("eflags", self.eflags),
            ("rsp", self.rsp),
            ("ss", self.ss),
            ("fs_base", self.fs_base),
            ("gs_base", self.gs_base),
            ("ds", self.ds),
            ("es", self.es),
            ("fs", self.fs),
            ("gs", self.gs),
        ]
    }
}

/// Bytes the kernel wrote into the program's memory during a syscall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemWrite {
    pub addr: u64,
    #[serde(with = "serde_bytes_compat")]
    pub data: Vec<u8>,
}

/// Which of the recorder's own output streams a program write went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// A region of a file copied (or hard-linked) into the trace's `files/` directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Name of the copy inside `files/`.
    pub blob: String,
    /// Path of the original file at record time (for messages and debuggers).
    pub original: String,
    /// Size of the file when it was copied.
    pub size: u64,
}

/// A mapping in the address space, as /proc/PID/maps showed it at record time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// "r-xp" style permissions.
    pub perms: String,
    pub offset: u64,
    /// The file behind the mapping, when it is a file; `name` holds pseudo names ([stack]...).
    pub file: Option<FileRef>,
    pub name: String,
}

/// Extra facts some syscalls need at replay, beyond result and memory writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyscallExtra {
    None,
    /// A write to a descriptor that was the recorder's stdout or stderr: replay
    /// prints `data` so its output matches the recording byte for byte.
    Output {
        stream: OutputStream,
        #[serde(with = "serde_bytes_compat")]
        data: Vec<u8>,
    },
    /// A file-backed mmap: replay maps anonymous memory at the recorded address
    /// and fills it from the copy of the file.
    MapFile {
        file: FileRef,
        offset: u64,
        shared: bool,
    },
    /// The recorder skipped this syscall to deliver a held-back signal first; it
    /// restarts after the handler. Replay skips it too, whatever its policy.
    CancelledForSignal,
    /// A file mmap that replay backs with one memory file per recorded file:
    /// MAP_SHARED ones (any protection), and private ones of files the program
    /// may change (opened for writing, or mapped shared too). `backing` names the
    /// file (its device and inode) for the whole recording; all mappings of one
    /// file map the same memory file, so shared ones see each other's stores and
    /// private ones see changes to pages they did not write, as they did.
    /// `file` is its copy when mapped, the mapping starts at `offset` in it;
    /// `writable`: the descriptor was open for writing (else mprotect of a shared
    /// mapping to PROT_WRITE fails, as it did); `private`: MAP_PRIVATE.
    MapBackedFile {
        file: FileRef,
        offset: u64,
        backing: u64,
        writable: bool,
        private: bool,
    },
    /// A syscall changed a file that has a backing (see
    /// [`SyscallExtra::MapBackedFile`]; write, pwrite, ftruncate, fallocate...):
    /// afterwards it is `size` bytes long and
    /// `[offset, offset + len)` holds zeros except for `extents`.
    SharedFileChanged {
        backing: u64,
        size: u64,
        offset: u64,
        len: u64,
        extents: Vec<FileExtent>,
    },
    /// mremap grew a file mapping: the new part shows `file` from `offset` on
    /// (replay's anonymous copy of a private mapping would otherwise read zeros
    /// there, and a memory file holds only what was mapped so far).
    GrewFileMapping {
        file: FileRef,
        offset: u64,
    },
    /// shmat of SysV segment `shmid` (`size` bytes). `contents` holds its data
    /// (zero pages left out) when no other recorded attachment could tell replay
    /// what it holds (first attach, or none alive): replay writes it then.
    ShmAttach {
        shmid: i32,
        size: u64,
        contents: Option<Vec<FileExtent>>,
    },
}

/// How a signal reached the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignalKind {
    /// Caused by the instruction being executed (fault, int3, ud2): recurs by itself in replay.
    Synchronous,
    /// Sent from elsewhere (kill, timers, SIGCHLD): delivered right after the previous
    /// event of this task, so replay delivers it at the same point.
    Asynchronous,
}

/// Kind of task creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForkKind {
    Fork,
    Vfork,
    Clone,
}

/// One recorded event. The position of an event in the stream (starting at 1) is its
/// *event number*, the one replay and divergence messages talk about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A completed syscall: its arguments (for divergence checks), its result and
    /// the memory the kernel wrote.
    Syscall {
        tid: Tid,
        nr: u64,
        args: [u64; 6],
        result: i64,
        writes: Vec<MemWrite>,
        extra: SyscallExtra,
        check: SyscallCheck,
    },
    /// A syscall that never returns to its caller (exit, exit_group, a successful
    /// execve is an [`Event::Exec`] instead), logged at entry.
    SyscallNoReturn {
        tid: Tid,
        nr: u64,
        args: [u64; 6],
        check: SyscallCheck,
    },
    /// The task created a new task (fork/vfork/clone); logged when the kernel
    /// reports the new task, before the parent's syscall returns.
    NewTask {
        tid: Tid,
        child: Tid,
        kind: ForkKind,
        flags: u64,
    },
    /// A successful execve: the new image's registers, the initial stack contents
    /// (argv, envp, auxv with the vDSO hidden, AT_RANDOM bytes) and the mappings the
    /// kernel created. `exe` is the copy of the executable the kernel loaded.
    Exec {
        tid: Tid,
        exe: FileRef,
        regs: Regs,
        stack: MemWrite,
        mappings: Vec<Mapping>,
    },
    /// A signal delivered to the program's disposition (handler, default action, ignore).
    Signal {
        tid: Tid,
        signo: i32,
        kind: SignalKind,
        /// Raw `siginfo_t` (128 bytes).
        #[serde(with = "serde_bytes_compat")]
        siginfo: Vec<u8>,
    },
    /// An emulated RDTSC (rdtscp: `aux` is Some).
    Rdtsc {
        tid: Tid,
        rip: u64,
        tsc: u64,
        aux: Option<u32>,
    },
    /// An emulated CPUID.
    Cpuid {
        tid: Tid,
        rip: u64,
        leaf: u32,
        subleaf: u32,
        out: [u32; 4],
    },
    /// The task is gone: `status` is the raw wait status.
    Exit { tid: Tid, status: i32 },
    /// Last event of a complete recording.
    End(Summary),
    /// The task entered syscall `nr` and blocked in it, and other threads of its
    /// process ran before it returned: replay must stop the task at the syscall's
    /// entry here (its user code ran before theirs). The syscall's result follows
    /// later as an [`Event::Syscall`].
    SyscallBlocked {
        tid: Tid,
        nr: u64,
        args: [u64; 6],
        check: SyscallCheck,
    },
    /// The task was stopped in user code (it ran without syscalls while other
    /// threads waited, or a signal waited for it) at the point where its registers
    /// were `regs`. Replay runs the task to the first point with these registers,
    /// the same x87/SSE state and the same top of stack.
    Preempt {
        tid: Tid,
        regs: Regs,
        /// FNV-1a hash of the FXSAVE area.
        fpu_hash: u64,
        /// FNV-1a hash of the [`PREEMPT_STACK_BYTES`] bytes at the stack pointer.
        stack_hash: u64,
    },
    /// An asynchronous signal (a timer, another process) delivered where it
    /// arrived, while the task ran user code. Replay runs the task to that exact
    /// point (the first one where all of `point` matches) and delivers it there.
    SignalAt {
        tid: Tid,
        signo: i32,
        /// Raw `siginfo_t` (128 bytes).
        #[serde(with = "serde_bytes_compat")]
        siginfo: Vec<u8>,
        point: ExecPoint,
    },
    /// The kernel wrote `writes` into the address space of task `tid` outside
    /// any syscall of that task (see [`KernelWriteCause`]). Replay writes them
    /// there (through any live thread of the process) at this point.
    KernelWrites {
        tid: Tid,
        cause: KernelWriteCause,
        writes: Vec<MemWrite>,
    },
    /// The task was stopped in user code that was not spinning, because other
    /// threads waited too long for the CPU: replay runs it to that exact point
    /// (as for [`Event::SignalAt`]) and lets the others run.
    PreemptAt { tid: Tid, point: ExecPoint },
}

/// A point in a task's execution between two events, told apart without
/// hardware counters: registers, x87/SSE state, the top of the stack, and the
/// contents of the pages its process wrote lately.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecPoint {
    pub regs: Regs,
    /// FNV-1a hash of the FXSAVE area.
    pub fpu_hash: u64,
    /// FNV-1a hash of the [`PREEMPT_STACK_BYTES`] bytes at the stack pointer.
    pub stack_hash: u64,
    /// Page ranges `[start, end)` the process wrote since a moment before the
    /// task's previous event (empty when that could not be tracked), and the
    /// CRC-32 of their contents at the point. Two visits of the same registers
    /// between the previous event and the point differ in memory only there.
    pub written: Vec<(u64, u64)>,
    pub written_crc: u32,
    /// The low 64 bits of xmm0..xmm15 and the 8 words at the stack pointer:
    /// what replay's in-program breakpoint compares besides the general
    /// registers (loops that keep their state in a vector register or on the
    /// stack would otherwise match at every iteration).
    pub xmm_low: Vec<u64>,
    pub stack_words: Vec<u64>,
    /// Memory words (address, value) the task's loop updates at that point:
    /// compared too, for loops whose registers repeat while memory changes.
    pub mem_words: Vec<(u64, u64)>,
}

/// How many stack words an [`ExecPoint`] holds.
pub const POINT_STACK_WORDS: usize = 8;

/// Why the kernel wrote into a task's memory outside its own syscalls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KernelWriteCause {
    /// Thread `tid` exited while other threads of its process live on: the
    /// kernel's cleanup of its robust futex list (FUTEX_OWNER_DIED in each mutex
    /// it still held) and of its clear_child_tid word.
    ThreadExit,
    /// Task `writer` wrote into this memory (process_vm_writev, or a write to
    /// /proc/PID/mem); the writer's syscall event comes just before.
    WrittenBy { writer: Tid },
    /// Thread `thread` of another process is dying with its whole process
    /// (exit_group, the last thread's exit, or a fatal signal: that event
    /// comes just before) and held robust mutexes in memory this process
    /// shares with it: the kernel marks them FUTEX_OWNER_DIED.
    SharedWithDeadProcess { thread: Tid },
}

/// What the program showed at a syscall beyond its number and arguments, so that a
/// replay that computed something else is caught there (a divergence) rather than
/// going on with the recorded results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallCheck {
    /// Registers at the syscall's entry (`rax` is the kernel's -ENOSYS there).
    pub regs: Regs,
    /// For a syscall that sends data (the write family): the number of bytes sent
    /// and their CRC-32, as the program's memory held them when the syscall
    /// returned. Replay computes the same from the replayed program's memory.
    pub sent: Option<SentData>,
}

/// Length and CRC-32 of the bytes a syscall sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentData {
    pub len: u64,
    pub crc: u32,
}

impl SentData {
    /// The length and CRC-32 of `pieces` taken in order.
    pub fn of<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> SentData {
        let mut crc = crc32fast::Hasher::new();
        let mut len = 0;
        for p in pieces {
            crc.update(p);
            len += p.len() as u64;
        }
        SentData {
            len,
            crc: crc.finalize(),
        }
    }
}

/// How much of the stack a [`Event::Preempt`] point covers.
pub const PREEMPT_STACK_BYTES: usize = 256;

/// FNV-1a, the hash preemption points use (stable across builds).
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

impl Event {
    /// The task the event belongs to (None for [`Event::End`]).
    pub fn tid(&self) -> Option<Tid> {
        match self {
            Event::Syscall { tid, .. }
            | Event::SyscallNoReturn { tid, .. }
            | Event::NewTask { tid, .. }
            | Event::Exec { tid, .. }
            | Event::Signal { tid, .. }
            | Event::Rdtsc { tid, .. }
            | Event::Cpuid { tid, .. }
            | Event::Exit { tid, .. }
            | Event::SyscallBlocked { tid, .. }
            | Event::Preempt { tid, .. }
            | Event::SignalAt { tid, .. }
            | Event::KernelWrites { tid, .. }
            | Event::PreemptAt { tid, .. } => Some(*tid),
            Event::End(_) => None,
        }
    }

    /// A short name of the event's kind, for counts and messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::Syscall { .. } => "syscall",
            Event::SyscallNoReturn { .. } => "syscall",
            Event::NewTask { .. } => "new-task",
            Event::Exec { .. } => "exec",
            Event::Signal { .. } => "signal",
            Event::Rdtsc { .. } => "rdtsc",
            Event::Cpuid { .. } => "cpuid",
            Event::Exit { .. } => "exit",
            Event::End(_) => "end",
            Event::SyscallBlocked { .. } => "blocked",
            Event::Preempt { .. } => "preempt",
            Event::SignalAt { .. } => "signal",
            Event::KernelWrites { .. } => "memory",
            Event::PreemptAt { .. } => "preempt",
        }
    }
}

/// How the recording ended; the last event of a complete trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Exit code of the recorded program, or 128+N if it was killed by signal N.
    pub exit_code: i32,
    /// Set when the program died of a signal.
    pub signal: Option<i32>,
    pub duration_ns: u64,
    /// Set when rewind stopped the recording itself (an unsupported operation);
    /// the message says why.
    pub aborted: Option<String>,
}

/// Bytes at an offset of a file (or of a shared memory segment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileExtent {
    pub offset: u64,
    #[serde(with = "serde_bytes_compat")]
    pub data: Vec<u8>,
}

/// Vec<u8> as a postcard byte string rather than a sequence of varints.
mod serde_bytes_compat {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_bytes(V)
    }
}
