//! Shared memory while recording: what replay needs so that MAP_SHARED file
//! mappings and SysV segments show what the kernel showed.
//!
//! - Files mapped MAP_SHARED get a recording-wide identity (`backing`, from
//!   device and inode): replay backs all their mappings with one memory file.
//! - After a syscall that changes such a file (write, pwrite, ftruncate,
//!   fallocate...), the changed range is read back from the file and recorded,
//!   so replay applies it to that memory file: the mappings see the write.
//! - mremap growing a private file mapping records the file behind the new part.
//! - shmat records the segment's contents when no other recorded attachment
//!   keeps them in replay, and warns when a process outside the recording has
//!   the segment attached too (what it writes cannot be replayed).

use crate::{is_error, Recorder};
use rewind_ptrace::{self as pt, Tid};
use rewind_trace::extents::{data_ranges, for_each_data, for_each_nonzero};
use rewind_trace::{FileExtent, SyscallExtra};
use std::collections::{HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const READ_CHUNK: usize = 1 << 20;
const PAGE: u64 = 4096;

/// What the recorder knows about shared memory so far.
#[derive(Default)]
pub(crate) struct SharedMemory {
    /// Files mapped MAP_SHARED by any recorded process: (device, inode) -> backing.
    files: HashMap<(u64, u64), u64>,
    /// Segments already reported as attached outside the recording.
    warned: HashSet<i32>,
}

/// Where a write-like syscall put its bytes in the file.
enum Range {
    /// The `n` bytes before the descriptor's position (write, writev...).
    BeforePos(u64),
    /// `[offset, offset + len)`.
    At(u64, u64),
    /// Only the size changed (ftruncate).
    SizeOnly,
}

impl SharedMemory {
    /// Whether the file with this device and inode has a backing.
    pub(crate) fn is_backed(&self, dev: u64, ino: u64) -> bool {
        self.files.contains_key(&(dev, ino))
    }

    /// The backing of the file with this device and inode, made up at first use.
    pub(crate) fn backing_of(&mut self, dev: u64, ino: u64) -> u64 {
        let next = self.files.len() as u64;
        *self.files.entry((dev, ino)).or_insert(next)
    }
}

/// Whether descriptor `fd` of the task was opened for writing.
pub(crate) fn open_for_writing(tid: Tid, fd: i32) -> bool {
    pt::fdinfo_field(tid, fd, "flags")
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .is_some_and(|flags| flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32)
}

/// The data of the segment `shmid` attached at `addr` in the task, zero pages
/// left out. Only its populated ranges are read where the kernel tells them
/// (SEEK_DATA on the segment, through /proc/TID/map_files), so a big, mostly
/// untouched segment is neither copied nor populated by reading it.
fn segment_contents(tid: Tid, shmid: i32, addr: u64, size: u64) -> Result<Vec<FileExtent>, String> {
    let link = format!("/proc/{tid}/map_files/{addr:x}-{:x}", addr + size);
    let ranges = std::fs::File::open(link)
        .ok()
        .and_then(|f| data_ranges(&f, 0, size).ok())
        .unwrap_or_else(|| vec![(0, size)]);
    let mut extents = Vec::new();
    for (start, end) in ranges {
        let mut at = start;
        while at < end {
            let n = (end - at).min(READ_CHUNK as u64) as usize;
            let data = pt::read_mem(tid, addr + at, n).map_err(|e| {
                format!("cannot read SysV segment {shmid} in process {tid}: {e}; recording stopped")
            })?;
            let _ = for_each_nonzero(&data, |o, bytes| {
                extents.push(FileExtent {
                    offset: at + o as u64,
                    data: bytes.to_vec(),
                });
                Ok(())
            });
            at += n as u64;
        }
    }
    Ok(extents)
}

/// The NUL-terminated string at `addr` in the task (read a page at a time, so
/// a string at the end of its mapping is read too).
fn read_c_string(tid: Tid, addr: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < libc::PATH_MAX as usize {
        let n = (PAGE - at % PAGE) as usize;
        let chunk = pt::read_mem(tid, at, n).ok()?;
        if let Some(end) = chunk.iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Some(out);
        }
        out.extend_from_slice(&chunk);
        at += n as u64;
    }
    None
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(PAGE) * PAGE
}

impl Recorder {
    /// What replay needs to know about shared memory after syscall `nr`
    /// returned `result`; None when nothing.
    pub(crate) fn shared_memory_extra(
        &mut self,
        tid: Tid,
        nr: u64,
        args: &[u64; 6],
        result: i64,
    ) -> Result<Option<SyscallExtra>, String> {
        if is_error(result) {
            return Ok(None);
        }
        match nr as i64 {
            libc::SYS_mremap => self.grown_file_mapping(tid, args, result),
            libc::SYS_shmat => Ok(Some(self.shm_attach(tid, args[0] as i32, result as u64)?)),
            _ => self.shared_file_change(tid, nr, args, result),
        }
    }

    /// A write-like syscall on a file some recorded process maps MAP_SHARED:
    /// the file's size and the new contents of the range it changed.
    fn shared_file_change(
        &mut self,
        tid: Tid,
        nr: u64,
        args: &[u64; 6],
        result: i64,
    ) -> Result<Option<SyscallExtra>, String> {
        if self.shared.files.is_empty() {
            return Ok(None);
        }
        let written = result as u64;
        let from_ptr = |ptr: u64| -> Range {
            // copy_file_range/splice advance *off_out past what they wrote.
            match pt::read_mem(tid, ptr, 8) {
                Ok(b) => Range::At(u64::from_ne_bytes(b.try_into().unwrap()) - written, written),
                Err(_) => Range::BeforePos(written),
            }
        };
        let (fd, range) = match nr as i64 {
            libc::SYS_write | libc::SYS_writev | libc::SYS_sendfile => {
                (args[0], Range::BeforePos(written))
            }
            libc::SYS_pwrite64 | libc::SYS_pwritev => (args[0], Range::At(args[3], written)),
            libc::SYS_pwritev2 if args[3] as i64 == -1 => (args[0], Range::BeforePos(written)),
            libc::SYS_pwritev2 => (args[0], Range::At(args[3], written)),
            libc::SYS_copy_file_range | libc::SYS_splice if args[3] != 0 => {
                (args[2], from_ptr(args[3]))
            }
            libc::SYS_copy_file_range | libc::SYS_splice => (args[2], Range::BeforePos(written)),
            libc::SYS_ftruncate => (args[0], Range::SizeOnly),
            libc::SYS_truncate => return self.truncated_by_path(tid, args[0]),
            libc::SYS_fallocate => (args[0], Range::At(args[2], args[3])),
            _ => return Ok(None),
        };
        if written == 0 && matches!(range, Range::BeforePos(_)) {
            return Ok(None);
        }
        let link = format!("/proc/{tid}/fd/{fd}");
        let Ok(meta) = std::fs::metadata(&link) else {
            return Ok(None);
        };
        let Some(&backing) = self.shared.files.get(&(meta.dev(), meta.ino())) else {
            return Ok(None);
        };
        let size = meta.len();
        let (offset, len) = match range {
            Range::BeforePos(n) => match pt::fd_position(tid, fd as i32) {
                Some(pos) => (pos.saturating_sub(n), n),
                None => return Err(format!("cannot read the file position of descriptor {fd} of process {tid}, which writes a file it maps shared; recording stopped")),
            },
            Range::At(o, n) => (o, n),
            Range::SizeOnly => (size, 0),
        };
        let mut extents = Vec::new();
        let file = std::fs::File::open(&link).map_err(|e| {
            format!("cannot read back the shared-mapped file {} after the program changed it: {e}; recording stopped", std::fs::read_link(&link).unwrap_or_default().display())
        })?;
        for_each_data(&file, offset, len, |at, data| {
            extents.push(FileExtent {
                offset: at,
                data: data.to_vec(),
            });
            Ok(())
        })
        .map_err(|e| format!("cannot read back a shared-mapped file after the program changed it: {e}; recording stopped"))?;
        Ok(Some(SyscallExtra::SharedFileChanged {
            backing,
            size,
            offset,
            len,
            extents,
        }))
    }

    /// truncate(path) on a file mapped shared: its new size.
    fn truncated_by_path(
        &mut self,
        tid: Tid,
        path_ptr: u64,
    ) -> Result<Option<SyscallExtra>, String> {
        let Some(path) = read_c_string(tid, path_ptr) else {
            return Ok(None);
        };
        // Relative to the task's working directory, which /proc shows.
        let path = Path::new(&format!("/proc/{tid}/cwd")).join(std::ffi::OsStr::from_bytes(&path));
        let Ok(meta) = std::fs::metadata(&path) else {
            return Ok(None);
        };
        Ok(self
            .shared
            .files
            .get(&(meta.dev(), meta.ino()))
            .map(|&backing| SyscallExtra::SharedFileChanged {
                backing,
                size: meta.len(),
                offset: meta.len(),
                len: 0,
                extents: Vec::new(),
            }))
    }

    /// mremap grew a file mapping: the file behind the new part.
    fn grown_file_mapping(
        &mut self,
        tid: Tid,
        args: &[u64; 6],
        result: i64,
    ) -> Result<Option<SyscallExtra>, String> {
        let (old, new) = (round_up(args[1]), round_up(args[2]));
        if new <= old {
            return Ok(None);
        }
        let addr = result as u64;
        let maps = pt::read_maps(tid)
            .map_err(|e| format!("cannot read the memory map of process {tid}: {e}"))?;
        let Some(m) = maps.iter().find(|m| m.contains(addr, 0) && m.end > addr) else {
            return Ok(None);
        };
        // SysV segments replay as one memory file, which holds all of them.
        if !m.is_file() || m.name.starts_with("/SYSV") {
            return Ok(None);
        }
        // Replay fills the new part (of its anonymous copy of the mapping, or
        // of the file's memory file) from the file as it is now.
        let link = format!("/proc/{tid}/map_files/{:x}-{:x}", m.start, m.end);
        let file = self
            .files
            .add(Path::new(&link), &m.name)
            .map_err(|e| format!("cannot copy {} into the trace: {e}", m.name))?;
        Ok(Some(SyscallExtra::GrewFileMapping {
            file,
            offset: m.offset + (addr - m.start) + old,
        }))
    }

    /// shmat of segment `shmid` at `addr` returned: its size and, when no other
    /// recorded process has it attached, its contents.
    fn shm_attach(&mut self, tid: Tid, shmid: i32, addr: u64) -> Result<SyscallExtra, String> {
        let ours = self.segment_attachments(shmid);
        let maps = pt::read_maps(tid)
            .map_err(|e| format!("cannot read the memory map of process {tid}: {e}"))?;
        let size = maps
            .iter()
            .find(|m| m.start == addr)
            .map(|m| m.end - m.start)
            .ok_or_else(|| format!("process {tid} attached SysV segment {shmid}, but no mapping is at {addr:#x}; recording stopped"))?;
        let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
        let nattch = if unsafe { libc::shmctl(shmid, libc::IPC_STAT, &mut ds) } == 0 {
            ds.shm_nattch as usize
        } else {
            ours
        };
        let outside = nattch > ours;
        if outside && self.shared.warned.insert(shmid) {
            eprintln!("rewind: warning: SysV shared memory segment {shmid} is also attached by a process outside the recording; what that process writes into it will not be in the replay");
        }
        // With another recorded attachment alive, replay's copy of the segment
        // is already current.
        let contents = if ours <= 1 || outside {
            Some(segment_contents(tid, shmid, addr, size)?)
        } else {
            None
        };
        Ok(SyscallExtra::ShmAttach {
            shmid,
            size,
            contents,
        })
    }

    /// How many times recorded processes have segment `shmid` attached (each
    /// attachment starts a mapping at offset 0 whose inode is the shmid).
    fn segment_attachments(&self, shmid: i32) -> usize {
        let tgids: HashSet<Tid> = self.tasks.values().map(|t| t.tgid).collect();
        tgids
            .into_iter()
            .filter_map(|p| pt::read_maps(p).ok())
            .flatten()
            .filter(|m| m.inode == shmid as u64 && m.offset == 0 && m.name.starts_with("/SYSV"))
            .count()
    }
}
