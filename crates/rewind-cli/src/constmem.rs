//! The part of each recorded address space `rewind dump` can read back: mappings
//! of files that are not writable, whose bytes are the trace's copy of the file.
//!
//! A trace keeps what the kernel returned, not the memory a program passed in,
//! but a constant path (`"/etc/ld.so.cache"` in ld.so, a string literal in the
//! program) lives in such a mapping, so it can be shown. Anything that could
//! have changed since the mapping was made (munmap, mremap, an mprotect that
//! allows writes, a new mapping over it) drops the whole mapping: a path is
//! shown as its address rather than with bytes the program may not have seen.

use rewind_trace::{Event, SyscallExtra, Tid, FILES_DIR};
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Longest string shown; longer ones show as addresses.
const MAX_STRING: usize = 4096;

#[derive(Clone)]
struct Region {
    start: u64,
    end: u64,
    /// Name of the copy in `files/`.
    blob: String,
    /// File offset of `start`.
    offset: u64,
}

impl Region {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start < end && start < self.end
    }
}

pub struct ConstMemory {
    /// The trace's `files/`.
    files: PathBuf,
    /// Which address space each task uses (threads and vfork children share one).
    space_of: HashMap<Tid, Tid>,
    spaces: HashMap<Tid, Vec<Region>>,
    open: HashMap<String, Option<File>>,
}

impl ConstMemory {
    pub fn new(trace: &Path) -> Self {
        ConstMemory {
            files: trace.join(FILES_DIR),
            space_of: HashMap::new(),
            spaces: HashMap::new(),
            open: HashMap::new(),
        }
    }

    fn space(&mut self, tid: Tid) -> &mut Vec<Region> {
        let key = *self.space_of.entry(tid).or_insert(tid);
        self.spaces.entry(key).or_default()
    }

    /// Follows the address spaces through one event (call after showing it:
    /// a syscall's arguments refer to memory as it was before the syscall).
    pub fn update(&mut self, ev: &Event) {
        match ev {
            Event::Exec { tid, mappings, .. } => {
                self.space_of.insert(*tid, *tid);
                let regions = mappings
                    .iter()
                    // Private and never writable: the bytes are the file's.
                    .filter(|m| !m.perms.contains('w') && m.perms.ends_with('p'))
                    .filter_map(|m| {
                        Some(Region {
                            start: m.start,
                            end: m.end,
                            blob: m.file.as_ref()?.blob.clone(),
                            offset: m.offset,
                        })
                    })
                    .collect();
                self.spaces.insert(*tid, regions);
            }
            Event::NewTask {
                tid,
                child,
                kind,
                flags,
            } => {
                let parent = *self.space_of.entry(*tid).or_insert(*tid);
                let shares_memory =
                    *kind == rewind_trace::ForkKind::Vfork || flags & libc::CLONE_VM as u64 != 0;
                if shares_memory {
                    self.space_of.insert(*child, parent);
                } else {
                    let copy = self.spaces.get(&parent).cloned().unwrap_or_default();
                    self.space_of.insert(*child, *child);
                    self.spaces.insert(*child, copy);
                }
            }
            Event::Syscall {
                tid,
                nr,
                args,
                result,
                extra,
                ..
            } if *result >= 0 => self.syscall(*tid, *nr, args, *result, extra),
            // A write through /proc/PID/mem can reach read-only mappings: those
            // bytes are no longer the file's.
            Event::KernelWrites { tid, writes, .. } => {
                let space = self.space(*tid);
                for w in writes {
                    let end = w.addr.saturating_add(w.data.len() as u64);
                    space.retain(|r| !r.overlaps(w.addr, end));
                }
            }
            _ => {}
        }
    }

    fn syscall(&mut self, tid: Tid, nr: u64, args: &[u64; 6], result: i64, extra: &SyscallExtra) {
        let len = |n: u64| n.div_ceil(4096) * 4096;
        let space = self.space(tid);
        let mut drop_range = |start: u64, end: u64| space.retain(|r| !r.overlaps(start, end));
        match nr as i64 {
            libc::SYS_mmap => {
                let start = result as u64;
                let end = start.saturating_add(len(args[1]));
                drop_range(start, end);
                let writable = args[2] & libc::PROT_WRITE as u64 != 0;
                if let (
                    SyscallExtra::MapFile {
                        file,
                        offset,
                        shared: false,
                    },
                    false,
                ) = (extra, writable)
                {
                    space.push(Region {
                        start,
                        end,
                        blob: file.blob.clone(),
                        offset: *offset,
                    });
                }
            }
            libc::SYS_munmap => drop_range(args[0], args[0].saturating_add(len(args[1]))),
            libc::SYS_mprotect if args[2] & libc::PROT_WRITE as u64 != 0 => {
                drop_range(args[0], args[0].saturating_add(len(args[1])))
            }
            libc::SYS_mremap => {
                drop_range(args[0], args[0].saturating_add(len(args[1])));
                let new = result as u64;
                drop_range(new, new.saturating_add(len(args[2])));
            }
            // Shared memory attaches over whatever was there.
            libc::SYS_shmat => drop_range(result as u64, (result as u64).saturating_add(1)),
            _ => {}
        }
    }

    /// The NUL-terminated string at `addr` in `tid`'s address space, if it lies in
    /// a read-only file mapping.
    pub fn string(&mut self, tid: Tid, addr: u64) -> Option<Vec<u8>> {
        let region = self
            .space(tid)
            .iter()
            .find(|r| r.start <= addr && addr < r.end)?
            .clone();
        // A stored file's name never leaves files/ (a damaged trace might say otherwise).
        if region.blob.contains('/') || region.blob.starts_with('.') {
            return None;
        }
        let room = ((region.end - addr) as usize).min(MAX_STRING);
        let path = self.files.join(&region.blob);
        let file = self
            .open
            .entry(region.blob.clone())
            .or_insert_with(|| File::open(path).ok())
            .as_ref()?;
        let mut buf = vec![0u8; room];
        let n = file
            .read_at(&mut buf, region.offset + (addr - region.start))
            .ok()?;
        let len = buf[..n].iter().position(|&b| b == 0)?;
        buf.truncate(len);
        Some(buf)
    }
}
