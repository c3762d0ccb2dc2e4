//! Which pages a process wrote lately, without stopping it: userfaultfd
//! write-protection in asynchronous mode (the kernel resolves the write fault
//! itself and marks the page written) read and re-armed with the PAGEMAP_SCAN
//! ioctl on /proc/PID/pagemap. Soft-dirty bits would do the same but are not
//! built into these kernels.
//!
//! The userfaultfd is created inside the traced process (it belongs to the
//! address space that creates it), copied into rewind with pidfd_getfd and
//! closed in the process at once, so the program never sees a descriptor.
//! Debian 12's headers predate these interfaces (Linux 6.7): the constants are
//! spelled out here.

use crate::{inject_syscall, read_maps, read_mem, tgid_of, Tid};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const UFFD_USER_MODE_ONLY: u64 = 1;
const UFFD_API: u64 = 0xaa;
const UFFD_FEATURE_WP_UNPOPULATED: u64 = 1 << 13;
const UFFD_FEATURE_WP_ASYNC: u64 = 1 << 15;
/// _IOWR(0xAA, 0x3F, struct uffdio_api)
const UFFDIO_API: u64 = 0xc018_aa3f;
/// _IOWR(0xAA, 0x00, struct uffdio_register)
const UFFDIO_REGISTER: u64 = 0xc020_aa00;
const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;
/// _IOWR('f', 16, struct pm_scan_arg)
const PAGEMAP_SCAN: u64 = 0xc060_6610;
const PM_SCAN_WP_MATCHING: u64 = 1 << 0;
const PAGE_IS_WRITTEN: u64 = 1 << 1;
/// The end of the user address space (47-bit).
const USER_END: u64 = 0x7fff_ffff_f000;

#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioRegister {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}

#[repr(C)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// Tracks the pages one address space writes.
pub struct WrittenPages {
    uffd: OwnedFd,
    pagemap: File,
}

impl WrittenPages {
    /// Sets tracking up in the stopped task `tid` (a syscall is injected into
    /// it: it must be in a stop where it returns to user space next) for every
    /// mapping it has now; later mappings are added with [`WrittenPages::add`].
    pub fn attach(tid: Tid) -> io::Result<WrittenPages> {
        let fd = inject_syscall(
            tid,
            libc::SYS_userfaultfd as u64,
            &[UFFD_USER_MODE_ONLY | libc::O_CLOEXEC as u64],
        )?;
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(-fd as i32));
        }
        let copy = copy_fd(tid, fd as i32);
        // Closed in the program whatever happened: it must never see it.
        inject_syscall(tid, libc::SYS_close as u64, &[fd as u64])?;
        let uffd = copy?;
        let mut api = UffdioApi {
            api: UFFD_API,
            features: UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED,
            ioctls: 0,
        };
        ioctl(uffd.as_raw_fd(), UFFDIO_API, &mut api as *mut _ as u64)?;
        let pagemap = File::open(format!("/proc/{tid}/pagemap"))?;
        let tracker = WrittenPages { uffd, pagemap };
        for m in read_maps(tid)? {
            if !m.name.starts_with('[') || m.name == "[heap]" || m.name == "[stack]" {
                // Mappings the kernel refuses (VM_IO, ...) are simply not tracked.
                let _ = tracker.add(m.start, m.end - m.start);
            }
        }
        // Everything present now counts as written once: start from clean.
        tracker.take()?;
        Ok(tracker)
    }

    /// Tracks writes to `[start, start + len)` too (a new mapping).
    pub fn add(&self, start: u64, len: u64) -> io::Result<()> {
        let mut reg = UffdioRegister {
            start,
            len,
            mode: UFFDIO_REGISTER_MODE_WP,
            ioctls: 0,
        };
        ioctl(
            self.uffd.as_raw_fd(),
            UFFDIO_REGISTER,
            &mut reg as *mut _ as u64,
        )
    }

    /// The page ranges written since the previous call (or since attach), and
    /// starts over.
    pub fn take(&self) -> io::Result<Vec<(u64, u64)>> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut buf = vec![PageRegion::default(); 512];
        let mut start = 0;
        while start < USER_END {
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                // Mappings without tracking (the vDSO, ...) are skipped.
                flags: PM_SCAN_WP_MATCHING,
                start,
                end: USER_END,
                walk_end: 0,
                vec: buf.as_mut_ptr() as u64,
                vec_len: buf.len() as u64,
                max_pages: 0,
                category_inverted: 0,
                category_mask: PAGE_IS_WRITTEN,
                category_anyof_mask: 0,
                return_mask: PAGE_IS_WRITTEN,
            };
            let n = unsafe {
                libc::ioctl(
                    self.pagemap.as_raw_fd(),
                    PAGEMAP_SCAN as _,
                    &mut arg as *mut PmScanArg,
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            for r in &buf[..n as usize] {
                match out.last_mut() {
                    Some(last) if last.1 == r.start => last.1 = r.end,
                    _ => out.push((r.start, r.end)),
                }
            }
            if arg.walk_end <= start || arg.walk_end >= USER_END {
                break;
            }
            start = arg.walk_end;
        }
        Ok(out)
    }
}

/// CRC-32 of the contents of `ranges` in task `tid`'s memory (each range's
/// address mixed in; unreadable ranges count by their address alone), at a
/// point where the task's stack pointer is `rsp`. The 64 KiB below the red zone
/// are dead stack and count as zeros: what is there is not the program's state
/// but leftovers (old signal frames, whose trap number and error code come
/// from the last exception, which replay's breakpoints change; replay's
/// in-program breakpoint stub, see `PointStub`, saves two registers there).
pub fn pages_crc(tid: Tid, ranges: &[(u64, u64)], rsp: u64) -> u32 {
    let dead = (rsp.saturating_sub(128 + 65536), rsp.saturating_sub(128));
    let mut crc = crc32fast::Hasher::new();
    for &(start, end) in ranges {
        crc.update(&start.to_le_bytes());
        let mut at = start;
        while at < end {
            let n = (end - at).min(1 << 20);
            match read_mem(tid, at, n as usize) {
                Ok(mut bytes) => {
                    let (lo, hi) = (dead.0.max(at), dead.1.min(at + n));
                    if lo < hi {
                        bytes[(lo - at) as usize..(hi - at) as usize].fill(0);
                    }
                    crc.update(&bytes)
                }
                Err(_) => crc.update(&[0xff]),
            }
            at += n;
        }
    }
    crc.finalize()
}

fn copy_fd(tid: Tid, fd: i32) -> io::Result<OwnedFd> {
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, tgid_of(tid)?, 0) };
    if pidfd < 0 {
        return Err(io::Error::last_os_error());
    }
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    let copy = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(copy as i32) })
}

fn ioctl(fd: i32, request: u64, arg: u64) -> io::Result<()> {
    if unsafe { libc::ioctl(fd, request as _, arg) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child that maps 64 pages, writes pages 3 and 40, stops, writes page 7
    /// and stops again.
    fn child() -> i32 {
        unsafe {
            let pid = libc::fork();
            if pid == 0 {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    64 * 4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                ) as *mut u8;
                // Tell the parent where (in r12 at the stop), then stop.
                std::arch::asm!("", in("r12") p as u64);
                libc::raise(libc::SIGSTOP);
                *p.add(3 * 4096) = 1;
                *p.add(40 * 4096 + 5) = 2;
                libc::raise(libc::SIGSTOP);
                *p.add(7 * 4096) = 3;
                libc::raise(libc::SIGSTOP);
                libc::_exit(0);
            }
            pid
        }
    }

    #[test]
    fn reports_the_pages_written_between_takes() {
        let pid = child();
        let wait_stop = || {
            let mut st = 0;
            unsafe { libc::waitpid(pid, &mut st, 0) };
            assert!(libc::WIFSTOPPED(st), "child status {st:#x}");
        };
        wait_stop();
        let area = read_maps(pid)
            .unwrap()
            .into_iter()
            .find(|m| m.end - m.start == 64 * 4096 && m.name.is_empty())
            .expect("the child's 64-page mapping");
        // As rewind's tracees: syscall stops tell themselves from SIGTRAP.
        unsafe {
            libc::ptrace(
                libc::PTRACE_SETOPTIONS,
                pid,
                0,
                libc::PTRACE_O_TRACESYSGOOD as libc::c_long,
            )
        };
        let tracker = WrittenPages::attach(pid).expect("userfaultfd write tracking");
        // The child sees no descriptor of ours.
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .count();
        let cont = || unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, 0) };
        cont();
        wait_stop();
        let w = tracker.take().unwrap();
        let inside: Vec<_> = w
            .iter()
            .filter(|(s, _)| *s >= area.start && *s < area.end)
            .map(|(s, e)| ((s - area.start) / 4096, (e - s) / 4096))
            .collect();
        assert_eq!(inside, [(3, 1), (40, 1)], "{w:x?}");
        let crc = pages_crc(pid, &w, 0);
        cont();
        wait_stop();
        let w2 = tracker.take().unwrap();
        assert!(
            w2.iter().any(|(s, _)| *s == area.start + 7 * 4096),
            "{w2:x?}"
        );
        assert!(
            !w2.iter().any(|(s, _)| *s == area.start + 3 * 4096),
            "{w2:x?}"
        );
        // Page 3 did not change since: its content hash neither.
        let page3 = [(area.start + 3 * 4096, area.start + 4 * 4096)];
        assert_eq!(pages_crc(pid, &page3, 0), pages_crc(pid, &page3, 0));
        assert_ne!(crc, 0);
        assert_eq!(
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .unwrap()
                .count(),
            fds
        );
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
}
