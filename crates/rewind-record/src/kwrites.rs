//! Memory the kernel writes into a recorded address space outside the syscalls
//! of the task that owns it, recorded as [`Event::KernelWrites`] so replay can
//! write the same bytes at the same point of the event order:
//!
//! - A thread's exit. The kernel walks the thread's robust futex list
//!   (`set_robust_list`) and writes FUTEX_OWNER_DIED into each mutex word the
//!   thread still owns, then clears its clear_child_tid word. In replay the
//!   kernel does not do the same: the words hold the *recorded* tid, and the
//!   replayed thread has another one. So the words are read at the exit's entry
//!   and again once the thread is gone, and those that changed are recorded.
//! - A whole process's death (exit_group, or its last thread's exit). The
//!   same cleanup marks the robust mutexes its threads hold; only those in
//!   memory shared with other recorded processes can be seen afterwards. Their
//!   new values follow from the kernel's rule (the owner's tid becomes
//!   FUTEX_OWNER_DIED, the waiters bit is kept) and are recorded at the exit's
//!   entry as writes into each process that maps that memory, before anything
//!   can observe the death.
//! - Another task writing into this memory: `process_vm_writev`, or a write to
//!   `/proc/PID/mem`. Replay emulates the writer's syscall (it performs no
//!   writes of its own), so the bytes that landed in the target are recorded
//!   as the target's. A target outside the recording needs nothing.

use crate::Recorder;
use anyhow::Result;
use rewind_ptrace::{self as pt, Tid};
use rewind_trace::{Event, KernelWriteCause, MemWrite};
use std::collections::HashMap;

const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// The kernel stops walking a robust list after this many entries.
const ROBUST_LIST_LIMIT: usize = 2048;
/// Longest iovec array the kernel accepts (UIO_MAXIOV).
const IOV_MAX: u64 = 1024;

/// What the recorder keeps to find the kernel's writes.
#[derive(Default)]
pub(crate) struct KernelWrites {
    /// Each task's clear_child_tid word (clone with CLONE_CHILD_CLEARTID, or
    /// set_tid_address). A stale one (after an execve) is harmless: only words
    /// that changed during the exit are recorded.
    clear_child_tid: HashMap<Tid, u64>,
    /// Threads on their way out: the words the kernel may write and their
    /// values at the exit's entry.
    exiting: HashMap<Tid, Vec<(u64, Vec<u8>)>>,
    /// Which descriptors are /proc/PID/mem files (the task whose memory), by
    /// (tid, fd): one readlink per descriptor rather than per write. Cleared
    /// whenever any task makes a syscall that may change a descriptor table.
    mem_files: HashMap<(Tid, i32), Option<Tid>>,
}

impl KernelWrites {
    /// A task was created by a syscall with these clone `flags` (0 for fork
    /// and vfork) and child tid pointer `ctid`.
    pub(crate) fn new_task(&mut self, child: Tid, flags: u64, ctid: u64) {
        if flags & CLONE_CHILD_CLEARTID != 0 && ctid != 0 {
            self.clear_child_tid.insert(child, ctid);
        } else {
            self.clear_child_tid.remove(&child);
        }
    }

    /// The task called set_tid_address(`addr`).
    fn set_clear_child_tid(&mut self, tid: Tid, addr: u64) {
        if addr != 0 {
            self.clear_child_tid.insert(tid, addr);
        } else {
            self.clear_child_tid.remove(&tid);
        }
    }

    /// A task makes a syscall that may change what descriptors refer to.
    pub(crate) fn descriptors_may_change(&mut self) {
        if !self.mem_files.is_empty() {
            self.mem_files.clear();
        }
    }

    /// If descriptor `fd` of task `tid` is a `/proc/PID/mem` or
    /// `/proc/PID/task/TID/mem` file, the task whose memory it is.
    fn proc_mem_target(&mut self, tid: Tid, fd: i32) -> Option<Tid> {
        *self.mem_files.entry((tid, fd)).or_insert_with(|| {
            let link = std::fs::read_link(format!("/proc/{tid}/fd/{fd}")).ok()?;
            parse_proc_mem(link.to_str()?)
        })
    }

    /// The task is gone.
    pub(crate) fn forget(&mut self, tid: Tid) {
        self.clear_child_tid.remove(&tid);
        self.exiting.remove(&tid);
    }

    /// Thread `tid`, stopped at the entry of `exit` while other threads of its
    /// process live on: notes the words its exit may write, with their values.
    pub(crate) fn watch_thread_exit(&mut self, tid: Tid) {
        let mut addrs = robust_futex_words(tid);
        addrs.extend(self.clear_child_tid.get(&tid));
        addrs.sort_unstable();
        addrs.dedup();
        let words = addrs
            .into_iter()
            .filter_map(|a| pt::read_mem(tid, a, 4).ok().map(|d| (a, d)))
            .collect();
        self.exiting.insert(tid, words);
    }
}

/// The futex words of the robust list of stopped task `tid`: one per mutex it
/// holds, plus the one it was locking or unlocking (`list_op_pending`).
fn robust_futex_words(tid: Tid) -> Vec<u64> {
    let mut head: u64 = 0;
    let mut len: libc::size_t = 0;
    // SAFETY: the kernel writes one pointer and one size_t to these locals.
    let r = unsafe {
        libc::syscall(
            libc::SYS_get_robust_list,
            tid,
            &mut head as *mut u64,
            &mut len as *mut libc::size_t,
        )
    };
    if r != 0 || head == 0 {
        return Vec::new();
    }
    let read_u64 = |addr: u64| {
        pt::read_mem(tid, addr, 8)
            .ok()
            .map(|d| u64::from_ne_bytes(d[..8].try_into().expect("8 bytes")))
    };
    // struct robust_list_head { next; long futex_offset; list_op_pending; }
    let (Some(first), Some(offset), Some(pending)) =
        (read_u64(head), read_u64(head + 8), read_u64(head + 16))
    else {
        return Vec::new();
    };
    // The low bit of an entry pointer marks a PI futex; the kernel masks it.
    let mut words = Vec::new();
    let mut entry = first & !1;
    while entry != head && entry != 0 && words.len() < ROBUST_LIST_LIMIT {
        words.push(entry.wrapping_add(offset));
        match read_u64(entry) {
            Some(next) => entry = next & !1,
            None => break,
        }
    }
    if pending & !1 != 0 {
        words.push((pending & !1).wrapping_add(offset));
    }
    words
}

impl Recorder {
    /// Thread `tid` (watched at its exit's entry) is gone: records the words
    /// its exit changed, read through another thread of its process, before
    /// any of them runs.
    pub(crate) fn push_thread_exit_writes(&mut self, tid: Tid) -> Result<()> {
        let Some(words) = self.kernel_writes.exiting.remove(&tid) else {
            return Ok(());
        };
        let Some(group) = self.tasks.get(&tid).map(|t| t.group) else {
            return Ok(());
        };
        let readers: Vec<Tid> = self
            .tasks
            .iter()
            .filter(|(&t, task)| t != tid && task.group == group)
            .map(|(&t, _)| t)
            .collect();
        let writes: Vec<MemWrite> = words
            .into_iter()
            .filter_map(|(addr, before)| {
                let after = readers
                    .iter()
                    .find_map(|&r| pt::read_mem(r, addr, before.len()).ok())?;
                (after != before).then_some(MemWrite { addr, data: after })
            })
            .collect();
        if writes.is_empty() {
            return Ok(());
        }
        self.push(Event::KernelWrites {
            tid,
            cause: KernelWriteCause::ThreadExit,
            writes,
        })
    }

    /// Signal `sig` was just delivered to `tid`: if it kills the process,
    /// [`Recorder::push_process_death_writes`]. (Whether it kills is asked
    /// only when its threads own robust futexes.)
    pub(crate) fn push_death_writes_if_fatal(&mut self, tid: Tid, sig: i32) -> Result<()> {
        let owned = self.owned_robust_words(tid);
        if owned.is_empty() || !crate::is_fatal_now(tid, sig) {
            return Ok(());
        }
        self.push_shared_owner_died(tid, owned)
    }

    /// Thread `tid`'s process is about to die (it is stopped at the entry of
    /// exit_group, or of the exit of its last thread, or a fatal signal is
    /// being delivered): records what the kernel's robust futex cleanup of
    /// each of its threads will write into memory other recorded processes
    /// share with it, as those processes' memory.
    pub(crate) fn push_process_death_writes(&mut self, tid: Tid) -> Result<()> {
        let owned = self.owned_robust_words(tid);
        self.push_shared_owner_died(tid, owned)
    }

    /// The robust futex words the threads of `tid`'s process own: (owner,
    /// address, value).
    fn owned_robust_words(&self, tid: Tid) -> Vec<(Tid, u64, u32)> {
        let Some(group) = self.tasks.get(&tid).map(|t| t.group) else {
            return Vec::new();
        };
        let mut threads: Vec<Tid> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.group == group)
            .map(|(&t, _)| t)
            .collect();
        threads.sort_unstable();
        let mut owned = Vec::new();
        for &thread in &threads {
            for addr in robust_futex_words(thread) {
                let Ok(raw) = pt::read_mem(tid, addr, 4) else {
                    continue;
                };
                let word = u32::from_ne_bytes(raw[..4].try_into().expect("4 bytes"));
                // The kernel marks only the words the dying thread owns.
                if word & FUTEX_TID_MASK == thread as u32 {
                    owned.push((thread, addr, word));
                }
            }
        }
        owned
    }

    /// The FUTEX_OWNER_DIED marks the kernel will make in the `owned` words
    /// of dying process `tid`, for every other recorded process that maps the
    /// same memory.
    fn push_shared_owner_died(&mut self, tid: Tid, owned: Vec<(Tid, u64, u32)>) -> Result<()> {
        // Most robust lists are empty: then the maps are not even read.
        if owned.is_empty() {
            return Ok(());
        }
        let Some(group) = self.tasks.get(&tid).map(|t| t.group) else {
            return Ok(());
        };
        let Ok(maps) = pt::read_maps(tid) else {
            return Ok(());
        };
        // Each of them in shared memory, by the object it lies in.
        let marked: Vec<SharedWord> = owned
            .into_iter()
            .filter_map(|(thread, addr, word)| {
                let object = maps
                    .iter()
                    .find(|m| is_shared_object(m) && m.contains(addr, 4))?;
                Some(SharedWord {
                    thread,
                    inode: object.inode,
                    name: object.name.clone(),
                    offset: addr - object.start + object.offset,
                    value: (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
                })
            })
            .collect();
        if marked.is_empty() {
            return Ok(());
        }
        // One thread (the lowest tid) of each other recorded process.
        let mut others: HashMap<Tid, Tid> = HashMap::new();
        for (&t, task) in &self.tasks {
            if task.group != group {
                let e = others.entry(task.group).or_insert(t);
                *e = (*e).min(t);
            }
        }
        let mut others: Vec<Tid> = others.into_values().collect();
        others.sort_unstable();
        for other in others {
            let Ok(their_maps) = pt::read_maps(other) else {
                continue;
            };
            let mut writes = Vec::new();
            let mut first_thread = None;
            for w in &marked {
                let Some(m) = their_maps.iter().find(|m| {
                    is_shared_object(m)
                        && m.inode == w.inode
                        && m.name == w.name
                        && w.offset >= m.offset
                        && w.offset + 4 <= m.offset + (m.end - m.start)
                }) else {
                    continue;
                };
                writes.push(MemWrite {
                    addr: m.start + (w.offset - m.offset),
                    data: w.value.to_ne_bytes().to_vec(),
                });
                first_thread.get_or_insert(w.thread);
            }
            if let Some(thread) = first_thread {
                self.push(Event::KernelWrites {
                    tid: other,
                    cause: KernelWriteCause::SharedWithDeadProcess { thread },
                    writes,
                })?;
            }
        }
        Ok(())
    }

    /// After the event of syscall `nr` of `tid`: notes a new clear_child_tid
    /// word, and records what a write into another recorded task's memory (or
    /// into its own, through /proc/self/mem) put there.
    pub(crate) fn push_writes_after_syscall(
        &mut self,
        tid: Tid,
        nr: u64,
        args: &[u64; 6],
        result: i64,
    ) -> Result<()> {
        if nr == libc::SYS_set_tid_address as u64 {
            self.kernel_writes.set_clear_child_tid(tid, args[0]);
            return Ok(());
        }
        if result <= 0 {
            return Ok(());
        }
        let Some(target) = self.foreign_write(tid, nr, args, result as u64) else {
            return Ok(());
        };
        if !self.tasks.contains_key(&target.tid) {
            // A process outside the recording: nothing of ours changed.
            return Ok(());
        }
        let len = result as u64;
        let data = gather(tid, &target.source, len)
            .or_else(|| gather(target.tid, &target.dest, len))
            .unwrap_or_default();
        if data.len() as u64 != len {
            self.abort(format!(
                "process {tid} wrote into the memory of process {} with {}, and rewind could not read what it wrote; recording stopped (the trace replays up to that point)",
                target.tid,
                rewind_syscalls::name(nr)
            ));
            return Ok(());
        }
        let mut writes = Vec::new();
        let mut done = 0usize;
        for r in &target.dest {
            let n = (r.1 as usize).min(data.len() - done);
            if n == 0 {
                break;
            }
            writes.push(MemWrite {
                addr: r.0,
                data: data[done..done + n].to_vec(),
            });
            done += n;
        }
        self.push(Event::KernelWrites {
            tid: target.tid,
            cause: KernelWriteCause::WrittenBy { writer: tid },
            writes,
        })
    }

    /// Whether syscall `nr` of `tid`, which transferred `len` bytes, wrote
    /// into the memory of some process: which one, from where, to where.
    fn foreign_write(
        &mut self,
        tid: Tid,
        nr: u64,
        args: &[u64; 6],
        len: u64,
    ) -> Option<ForeignWrite> {
        if nr == libc::SYS_process_vm_writev as u64 {
            return Some(ForeignWrite {
                tid: args[0] as Tid,
                source: read_iovecs(tid, args[1], args[2])?,
                dest: read_iovecs(tid, args[3], args[4])?,
            });
        }
        // The write family on a descriptor of /proc/PID/mem: the file offset
        // is the address.
        let vectored = match nr as i64 {
            libc::SYS_write | libc::SYS_pwrite64 => false,
            libc::SYS_writev | libc::SYS_pwritev | libc::SYS_pwritev2 => true,
            _ => return None,
        };
        let fd = args[0] as i32;
        let target = self.kernel_writes.proc_mem_target(tid, fd)?;
        let source = if vectored {
            read_iovecs(tid, args[1], args[2])?
        } else {
            vec![(args[1], len)]
        };
        let offset = match nr as i64 {
            libc::SYS_pwrite64 | libc::SYS_pwritev => Some(args[3]),
            libc::SYS_pwritev2 if args[3] != u64::MAX => Some(args[3]),
            _ => None,
        };
        // Without an offset the write started at the file position, which it
        // then advanced by `len`.
        let addr = match offset {
            Some(o) => o,
            None => pt::fd_position(tid, fd)?.checked_sub(len)?,
        };
        Some(ForeignWrite {
            tid: target,
            source,
            dest: vec![(addr, len)],
        })
    }
}

/// A robust futex word in shared memory that a dying process's cleanup will
/// mark: the owning thread, the object (inode and name in /proc/PID/maps),
/// the word's offset in it, and the value the kernel will write.
struct SharedWord {
    thread: Tid,
    inode: u64,
    name: String,
    offset: u64,
    value: u32,
}

/// A shared mapping of an object other processes can map too (a file, shmem).
fn is_shared_object(m: &pt::MapEntry) -> bool {
    m.perms.ends_with('s') && m.inode != 0
}

/// A write into a process's memory: the target, the writer's buffers the
/// bytes came from, and the target's regions they went to (address, length).
struct ForeignWrite {
    tid: Tid,
    source: Vec<(u64, u64)>,
    dest: Vec<(u64, u64)>,
}

/// The `count` iovecs at `addr` in task `tid`'s memory, as (base, length).
fn read_iovecs(tid: Tid, addr: u64, count: u64) -> Option<Vec<(u64, u64)>> {
    if count > IOV_MAX {
        return None;
    }
    let raw = pt::read_mem(tid, addr, count as usize * 16).ok()?;
    Some(
        raw.chunks_exact(16)
            .map(|c| {
                let word = |i: usize| u64::from_ne_bytes(c[i..i + 8].try_into().expect("8 bytes"));
                (word(0), word(8))
            })
            .collect(),
    )
}

/// The first `len` bytes of the regions of task `tid`, in order.
fn gather(tid: Tid, regions: &[(u64, u64)], len: u64) -> Option<Vec<u8>> {
    let mut data = Vec::with_capacity(len as usize);
    for &(addr, size) in regions {
        let n = size.min(len - data.len() as u64);
        if n == 0 {
            break;
        }
        data.extend(pt::read_mem(tid, addr, n as usize).ok()?);
    }
    (data.len() as u64 == len).then_some(data)
}

fn parse_proc_mem(path: &str) -> Option<Tid> {
    let rest = path.strip_prefix("/proc/")?.strip_suffix("/mem")?;
    let id = match rest.split_once("/task/") {
        Some((_, thread)) => thread,
        None => rest,
    };
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_proc_mem;

    #[test]
    fn proc_mem_paths_name_their_task() {
        assert_eq!(parse_proc_mem("/proc/1234/mem"), Some(1234));
        assert_eq!(parse_proc_mem("/proc/1234/task/1240/mem"), Some(1240));
        assert_eq!(parse_proc_mem("/proc/1234/maps"), None);
        assert_eq!(parse_proc_mem("/tmp/proc/1/mem"), None);
        assert_eq!(parse_proc_mem("/proc/self/mem"), None);
    }
}
