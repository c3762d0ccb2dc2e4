//! Shared memory in replay: MAP_SHARED file mappings and SysV segments.
//!
//! Each recorded file that is mapped MAP_SHARED (or privately, when the program
//! may change it), and each SysV segment, is backed in replay by one memory file
//! (memfd) of the replayer; every replayed mapping of it is a mapping of that
//! memfd (shared or private, as recorded), so mappings of one file in one or
//! several processes see each other's stores as they did, and private ones see
//! changes to the pages they did not write. The memfd is
//! filled from the trace (the file's copy, the segment's recorded contents),
//! never from the original, and changed where the recording says a syscall
//! changed the file (a write() shows through the mappings).
//!
//! A replayed task maps the memfd itself: at the exit of its (placeholder)
//! syscall, injected syscalls open /proc/REPLAYER/fd/N, mmap it at the recorded
//! address and close the descriptor again.

mod file_backing;

use crate::{is_error, Result, Session};
use file_backing::FileBacking;
use rewind_ptrace as pt;
use rewind_trace::{FileExtent, FileRef, SyscallExtra, Tid};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::{AsRawFd, FromRawFd};

const PROT_READ: u64 = 0x1;
const PROT_WRITE: u64 = 0x2;
const PROT_EXEC: u64 = 0x4;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const SHM_RDONLY: u64 = 0o10000;
const SHM_EXEC: u64 = 0o100000;
const PAGE: u64 = 4096;
/// Name prefix of segment memfds, which shmdt looks for in the task's maps.
const SEGMENT_NAME: &str = "rewind-shm-";
/// Name of the memfd of a file, followed by its backing number.
const FILE_NAME: &str = "rewind-file-";
/// How /proc/PID/maps names it.
const FILE_NAME_PREFIX: &str = "/memfd:rewind-file-";

/// The replayer's memory files behind shared mappings.
#[derive(Default)]
pub(crate) struct Backings {
    /// By the recording's file identity.
    files: HashMap<u64, FileBacking>,
    /// By recorded shmid.
    segments: HashMap<i32, File>,
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(PAGE) * PAGE
}

fn memfd(name: &str) -> io::Result<File> {
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { File::from_raw_fd(fd) })
}

fn write_extents(memfd: &File, extents: &[FileExtent]) -> io::Result<()> {
    for e in extents {
        memfd.write_all_at(&e.data, e.offset)?;
    }
    Ok(())
}

/// Where and how to map a memfd into a replayed task.
struct MemfdMapping {
    addr: u64,
    len: u64,
    prot: u64,
    sharing: u64,
    offset: u64,
    writable: bool,
}

/// Replaces the placeholder mapping at `addr` in the stopped task (at a syscall
/// exit) by a mapping of `memfd` from `offset`; `sharing` is MAP_SHARED or
/// MAP_PRIVATE. Opened read-only unless `writable`, as the program's
/// descriptor was.
fn map_memfd(real: i32, m: &MemfdMapping, memfd: &File) -> io::Result<()> {
    let MemfdMapping {
        addr,
        len,
        prot,
        sharing,
        offset,
        writable,
    } = *m;
    let path = format!("/proc/{}/fd/{}\0", std::process::id(), memfd.as_raw_fd());
    // The placeholder is ours and about to be replaced: room for the path.
    pt::write_mem(real, addr, path.as_bytes())?;
    let mode = if writable {
        libc::O_RDWR
    } else {
        libc::O_RDONLY
    };
    let flags = (mode | libc::O_CLOEXEC) as u64;
    let fd = pt::inject_syscall(
        real,
        libc::SYS_openat as u64,
        &[libc::AT_FDCWD as u64, addr, flags, 0],
    )?;
    if is_error(fd) {
        return Err(io::Error::other(format!(
            "the replayed process cannot open the replay's memory file ({})",
            io::Error::from_raw_os_error(-fd as i32)
        )));
    }
    let mapped = pt::inject_syscall(
        real,
        libc::SYS_mmap as u64,
        &[addr, len, prot, sharing | MAP_FIXED, fd as u64, offset],
    );
    pt::inject_syscall(real, libc::SYS_close as u64, &[fd as u64])?;
    match mapped? {
        r if r as u64 == addr => Ok(()),
        r => Err(io::Error::other(format!(
            "mapping the replay's memory file at {addr:#x} gave {r:#x}"
        ))),
    }
}

/// Whether the task maps shared memory, or one of replay's memory files
/// privately (its untouched pages follow the file). A checkpoint (a fork) would
/// share those with the process that goes on, so it would not keep the
/// contents of its moment: no checkpoints then (going backwards replays from
/// the start).
pub(crate) fn maps_shared_memory(real: i32) -> bool {
    pt::read_maps(real).map_or(true, |maps| {
        maps.iter().any(|m| {
            m.perms.as_bytes().get(3) == Some(&b's') || m.name.starts_with("/memfd:rewind-")
        })
    })
}

/// shmat/shmdt are replayed by this module.
pub(crate) fn is_shm_call(nr: u64) -> bool {
    nr == libc::SYS_shmat as u64 || nr == libc::SYS_shmdt as u64
}

impl Session {
    /// Runs the syscall the task is entering as `mmap(addr, len, rw, private
    /// anonymous fixed)`, a placeholder at the recorded address, to its exit.
    fn map_placeholder(
        &mut self,
        tid: Tid,
        entry: &rewind_trace::Regs,
        addr: u64,
        len: u64,
    ) -> Result<rewind_trace::Regs> {
        let real = self.task(tid)?.real;
        let mut regs = *entry;
        regs.orig_rax = libc::SYS_mmap as u64;
        regs.rdi = addr;
        regs.rsi = len;
        regs.rdx = PROT_READ | PROT_WRITE;
        regs.r10 = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
        regs.r8 = u64::MAX;
        regs.r9 = 0;
        let r = pt::set_regs(real, &regs);
        self.io(r)?;
        let exit = self.run_to_exit(tid)?;
        if exit.rax != addr {
            return Err(self.diverged(
                tid,
                format!("memory to map at {addr:#x}"),
                format!("the kernel answered {:#x}", exit.rax),
            ));
        }
        Ok(exit)
    }

    /// Puts back the program's view after a syscall replay performed as
    /// something else: its number, its argument registers, the recorded result.
    fn finish_as(
        &mut self,
        tid: Tid,
        entry: &rewind_trace::Regs,
        mut exit: rewind_trace::Regs,
        result: i64,
    ) -> Result<()> {
        exit.orig_rax = entry.orig_rax;
        exit.rax = result as u64;
        exit.rdi = entry.rdi;
        exit.rsi = entry.rsi;
        exit.rdx = entry.rdx;
        exit.r10 = entry.r10;
        exit.r8 = entry.r8;
        exit.r9 = entry.r9;
        let real = self.task(tid)?.real;
        let r = pt::set_regs(real, &exit);
        self.io(r)?;
        if self.is_focus(tid) {
            self.refresh_breakpoints();
        }
        Ok(())
    }

    /// A file mmap with a backing: the file's memfd mapped at the recorded address.
    pub(crate) fn replay_shared_mmap(
        &mut self,
        tid: Tid,
        entry: rewind_trace::Regs,
        args: &[u64; 6],
        result: i64,
        extra: &SyscallExtra,
    ) -> Result<()> {
        let SyscallExtra::MapBackedFile {
            file,
            offset,
            backing,
            writable,
            private,
        } = extra
        else {
            return Err(self.fail("a shared file mapping without its file"));
        };
        let (offset, backing) = (*offset, *backing);
        let addr = result as u64;
        let exit = self.map_placeholder(tid, &entry, addr, args[1])?;
        let copy = self.files.path_of(file);
        let end = offset.saturating_add(round_up(args[1]));
        let r = self.prepare_backing(backing, file, offset, end);
        r.map_err(|e| {
            self.fail(format!(
                "cannot load {} (the copy of {} in the trace): {e}",
                copy.display(),
                file.original
            ))
        })?;
        let real = self.task(tid)?.real;
        let memfd = &self.shared.files[&backing].memfd;
        let sharing = if *private { MAP_PRIVATE } else { MAP_SHARED };
        let how = MemfdMapping {
            addr,
            len: args[1],
            prot: args[2],
            sharing,
            offset,
            writable: *writable,
        };
        let r = map_memfd(real, &how, memfd);
        self.io(r)?;
        self.finish_as(tid, &entry, exit, result)
    }

    /// Makes the memfd of file `backing` (made now if new) hold what `file`
    /// holds in `[start, end)`.
    fn prepare_backing(
        &mut self,
        backing: u64,
        file: &FileRef,
        start: u64,
        end: u64,
    ) -> io::Result<()> {
        let copy = self.files.path_of(file);
        let b = match self.shared.files.entry(backing) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                v.insert(FileBacking::new(memfd(&format!("{FILE_NAME}{backing}"))?))
            }
        };
        b.prepare(&copy, file, start, end)
    }

    /// After a replayed syscall: a shared file it changed, a private file
    /// mapping it grew.
    pub(crate) fn after_shared_change(
        &mut self,
        tid: Tid,
        args: &[u64; 6],
        result: i64,
        extra: &SyscallExtra,
    ) -> Result<()> {
        match extra {
            SyscallExtra::SharedFileChanged {
                backing,
                size,
                offset,
                len,
                extents,
            } => {
                // Not mapped in replay yet: its first mapping loads a copy that
                // already has the change.
                let Some(b) = self.shared.files.get_mut(backing) else {
                    return Ok(());
                };
                let r = b.apply(*size, *offset, *len, extents);
                self.io(r)
            }
            SyscallExtra::GrewFileMapping { file, offset } if !is_error(result) => {
                let real = self.task(tid)?.real;
                let (old, new) = (round_up(args[1]), round_up(args[2]));
                // A mapping of a memory file grows by itself, once the memory
                // file holds the new part.
                let r = pt::read_maps(real);
                let maps = self.io(r)?;
                let backing = maps
                    .iter()
                    .find(|m| m.contains(result as u64, 1))
                    .and_then(|m| m.name.strip_prefix(FILE_NAME_PREFIX))
                    .and_then(|n| n.split(' ').next()?.parse::<u64>().ok());
                if let Some(backing) = backing {
                    let r = self.prepare_backing(backing, file, *offset, offset + (new - old));
                    return self.io(r);
                }
                let path = self.files.path_of(file);
                let r = crate::exec::fill_from_file(
                    real,
                    result as u64 + old,
                    new - old,
                    &path,
                    *offset,
                );
                self.io(r)
            }
            _ => Ok(()),
        }
    }

    /// shmat and shmdt, entered by the task, that succeeded when recorded.
    pub(crate) fn replay_shm(
        &mut self,
        tid: Tid,
        entry: rewind_trace::Regs,
        nr: u64,
        args: &[u64; 6],
        result: i64,
        extra: SyscallExtra,
    ) -> Result<()> {
        if nr == libc::SYS_shmdt as u64 {
            return self.replay_shmdt(tid, entry, args[0], result);
        }
        let SyscallExtra::ShmAttach {
            shmid,
            size,
            contents,
        } = extra
        else {
            return Err(self.fail("the trace has a shmat without its segment"));
        };
        let addr = result as u64;
        let len = round_up(size);
        let exit = self.map_placeholder(tid, &entry, addr, len)?;
        if let Some(contents) = contents {
            // No live mapping holds the segment: it starts from what was recorded.
            let r = memfd(&format!("{SEGMENT_NAME}{shmid}")).and_then(|m| {
                m.set_len(len)?;
                write_extents(&m, &contents)?;
                Ok(m)
            });
            let m = self.io(r)?;
            self.shared.segments.insert(shmid, m);
        }
        if !self.shared.segments.contains_key(&shmid) {
            return Err(self.fail(format!(
                "the trace attaches SysV segment {shmid} without its contents"
            )));
        }
        let mut prot = PROT_READ;
        if args[2] & SHM_RDONLY == 0 {
            prot |= PROT_WRITE;
        }
        if args[2] & SHM_EXEC != 0 {
            prot |= PROT_EXEC;
        }
        let real = self.task(tid)?.real;
        let how = MemfdMapping {
            addr,
            len,
            prot,
            sharing: MAP_SHARED,
            offset: 0,
            writable: true,
        };
        let r = map_memfd(real, &how, &self.shared.segments[&shmid]);
        self.io(r)?;
        self.finish_as(tid, &entry, exit, result)
    }

    /// shmdt(addr): unmaps the segment's memfd mapping that starts there.
    fn replay_shmdt(
        &mut self,
        tid: Tid,
        entry: rewind_trace::Regs,
        addr: u64,
        result: i64,
    ) -> Result<()> {
        let real = self.task(tid)?.real;
        let r = pt::read_maps(real);
        let maps = self.io(r)?;
        let Some(first) = maps
            .iter()
            .position(|m| m.start == addr && m.name.starts_with(&format!("/memfd:{SEGMENT_NAME}")))
        else {
            return Err(self.diverged(
                tid,
                format!("a SysV segment attached at {addr:#x} to detach"),
                "replay has none there".to_string(),
            ));
        };
        // The attachment may have been split (mprotect): its pieces follow, at
        // the segment offsets that continue it (as the kernel's shmdt finds them;
        // another attachment right after it starts at offset 0 again).
        let mut end = maps[first].end;
        for m in &maps[first + 1..] {
            if m.start != end || m.inode != maps[first].inode || m.offset != m.start - addr {
                break;
            }
            end = m.end;
        }
        let mut regs = entry;
        regs.orig_rax = libc::SYS_munmap as u64;
        regs.rdi = addr;
        regs.rsi = end - addr;
        let r = pt::set_regs(real, &regs);
        self.io(r)?;
        let exit = self.run_to_exit(tid)?;
        if exit.rax != 0 {
            return Err(self.fail(format!(
                "cannot detach the segment at {addr:#x}: error {}",
                -(exit.rax as i64)
            )));
        }
        self.finish_as(tid, &entry, exit, result)
    }
}
