//! The data of a (possibly sparse) file, without its holes and zero pages.
//!
//! Shared mappings and SysV segments can be huge and mostly empty (a 1 GiB
//! sparse file with a few pages written). Recording their contents, and filling
//! them at replay, must cost what the data costs, not what the size does: holes
//! are skipped with SEEK_DATA/SEEK_HOLE and pages of zeros are never copied
//! (the memory they would be copied to reads zeros already).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

/// Granule at which zeros are skipped: the page size.
pub const PAGE: usize = 4096;
const CHUNK: usize = 1 << 20;
static ZERO_PAGE: [u8; PAGE] = [0; PAGE];

/// Calls `visit(offset, bytes)` for every run of non-zero pages of `file` in
/// `[offset, offset + len)` (clipped to the file's size), in order.
pub fn for_each_data(
    file: &File,
    offset: u64,
    len: u64,
    mut visit: impl FnMut(u64, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let size = file.metadata()?.len();
    let end = offset.saturating_add(len).min(size);
    let mut buf = vec![0u8; CHUNK];
    for (data, hole) in data_ranges(file, offset, end)? {
        let mut at = data;
        while at < hole {
            let n = (hole - at).min(CHUNK as u64) as usize;
            file.read_exact_at(&mut buf[..n], at)?;
            for_each_nonzero(&buf[..n], |o, bytes| visit(at + o as u64, bytes))?;
            at += n as u64;
        }
    }
    Ok(())
}

/// The data extents of `file` within `[offset, end)`, as (start, end) pairs;
/// all of it on file systems without SEEK_DATA.
pub fn data_ranges(file: &File, offset: u64, end: u64) -> io::Result<Vec<(u64, u64)>> {
    let mut ranges = Vec::new();
    let mut pos = offset;
    while pos < end {
        let Some((data, hole)) = next_data(file, pos, end)? else {
            break;
        };
        ranges.push((data, hole));
        pos = hole;
    }
    Ok(ranges)
}

/// The next data extent at or after `pos` (before `end`): (start, end).
/// File systems without SEEK_DATA report everything as data.
fn next_data(file: &File, pos: u64, end: u64) -> io::Result<Option<(u64, u64)>> {
    let fd = file.as_raw_fd();
    let data = unsafe { libc::lseek(fd, pos as i64, libc::SEEK_DATA) };
    if data < 0 {
        return match io::Error::last_os_error().raw_os_error() {
            // No data after pos.
            Some(libc::ENXIO) => Ok(None),
            Some(libc::EINVAL) => Ok(Some((pos, end))),
            _ => Err(io::Error::last_os_error()),
        };
    }
    let data = data as u64;
    if data >= end {
        return Ok(None);
    }
    let hole = unsafe { libc::lseek(fd, data as i64, libc::SEEK_HOLE) };
    let hole = if hole < 0 {
        end
    } else {
        (hole as u64).min(end)
    };
    Ok(Some((data, hole)))
}

/// Calls `visit(offset, bytes)` for every run of pages of `buf` that are not all
/// zeros (offsets relative to `buf`; the last page may be short).
pub fn for_each_nonzero(
    buf: &[u8],
    mut visit: impl FnMut(usize, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut run: Option<usize> = None;
    let mut at = 0;
    while at < buf.len() {
        let page = &buf[at..(at + PAGE).min(buf.len())];
        // A slice comparison is a memcmp: fast even in debug builds.
        let zero = page == &ZERO_PAGE[..page.len()];
        match (zero, run) {
            (false, None) => run = Some(at),
            (true, Some(start)) => {
                visit(start, &buf[start..at])?;
                run = None;
            }
            _ => {}
        }
        at += page.len();
    }
    if let Some(start) = run {
        visit(start, &buf[start..])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_pages_are_skipped() {
        let mut buf = vec![0u8; 5 * PAGE + 10];
        buf[PAGE + 3] = 1;
        buf[2 * PAGE] = 2;
        buf[5 * PAGE + 9] = 3;
        let mut runs = Vec::new();
        for_each_nonzero(&buf, |o, b| {
            runs.push((o, b.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(runs, vec![(PAGE, 2 * PAGE), (5 * PAGE, 10)]);
    }

    #[test]
    fn holes_are_skipped_and_data_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        f.set_len(64 << 20).unwrap();
        f.write_all_at(b"first", 3 << 20).unwrap();
        f.write_all_at(b"last", (64 << 20) - 4).unwrap();
        let mut seen = Vec::new();
        for_each_data(&f, 0, u64::MAX, |o, b| {
            seen.push((o, b.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen.len(),
            2,
            "{:?}",
            seen.iter().map(|s| s.0).collect::<Vec<_>>()
        );
        assert_eq!(seen[0].0, 3 << 20);
        assert!(seen[0].1.starts_with(b"first"));
        assert_eq!(seen[1].0 + seen[1].1.len() as u64, 64 << 20);
        assert!(seen[1].1.ends_with(b"last"));
        // A window clips the data.
        let mut bytes = 0;
        for_each_data(&f, (3 << 20) + 1, 2, |o, b| {
            assert_eq!(o, (3 << 20) + 1);
            bytes += b.len();
            Ok(())
        })
        .unwrap();
        assert_eq!(bytes, 2);
    }
}
