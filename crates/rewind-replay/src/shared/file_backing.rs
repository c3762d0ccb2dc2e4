//! The memory file behind the replayed mappings of one recorded file.
//!
//! Only what gets mapped is loaded from the trace's copy: a big file mapped
//! through a small window costs the window (and holes and zero pages cost
//! nothing). Which ranges the memfd holds for sure is kept as a set of
//! intervals: loaded from a copy, or set by a recorded change of the file.

use rewind_trace::extents::for_each_data;
use rewind_trace::{FileExtent, FileRef};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

pub(crate) struct FileBacking {
    pub(crate) memfd: File,
    /// The copy (in `files/`) the memfd was last loaded from.
    blob: String,
    /// File ranges the memfd holds for sure, sorted and disjoint.
    known: Vec<(u64, u64)>,
}

impl FileBacking {
    pub(crate) fn new(memfd: File) -> FileBacking {
        FileBacking {
            memfd,
            blob: String::new(),
            known: Vec::new(),
        }
    }

    /// Makes `[start, end)` of the memfd hold what `file` (its copy at `copy`)
    /// holds there. A copy other than the last one means the file changed in
    /// ways the recording may not have seen (another program wrote it): it is
    /// what the kernel showed then, so everything known is reloaded from it.
    /// The same copy means nothing changed but what replay applied itself.
    pub(crate) fn prepare(
        &mut self,
        copy: &Path,
        file: &FileRef,
        start: u64,
        end: u64,
    ) -> io::Result<()> {
        let src = File::open(copy)?;
        if self.blob != file.blob {
            self.memfd.set_len(0)?;
            self.memfd.set_len(file.size)?;
            let mut ranges = std::mem::take(&mut self.known);
            add(&mut ranges, start, end);
            for &(s, e) in &ranges {
                self.load(&src, s, e)?;
            }
            self.known = ranges;
            self.blob = file.blob.clone();
        } else {
            for (s, e) in gaps(&self.known, start, end) {
                self.load(&src, s, e)?;
            }
            add(&mut self.known, start, end);
        }
        Ok(())
    }

    fn load(&self, src: &File, start: u64, end: u64) -> io::Result<()> {
        for_each_data(src, start, end - start, |at, data| {
            self.memfd.write_all_at(data, at)
        })
    }

    /// A recorded change: the file is `size` bytes long and `[offset, offset +
    /// len)` holds zeros but for `extents`.
    pub(crate) fn apply(
        &mut self,
        size: u64,
        offset: u64,
        len: u64,
        extents: &[FileExtent],
    ) -> io::Result<()> {
        let old_size = self.memfd.metadata()?.len();
        self.memfd.set_len(size)?;
        let end = offset.saturating_add(len).min(size);
        if end > offset {
            zero_range(&self.memfd, offset, end - offset)?;
        }
        for e in extents {
            self.memfd.write_all_at(&e.data, e.offset)?;
        }
        add(&mut self.known, offset, offset.saturating_add(len));
        if size < old_size {
            // What the copy holds beyond the new end is gone for good.
            add(&mut self.known, size, u64::MAX);
        }
        Ok(())
    }
}

/// The parts of `[start, end)` that `known` lacks.
fn gaps(known: &[(u64, u64)], start: u64, end: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut at = start;
    for &(s, e) in known {
        if e <= at {
            continue;
        }
        if s >= end {
            break;
        }
        if s > at {
            out.push((at, s));
        }
        at = at.max(e);
        if at >= end {
            break;
        }
    }
    if at < end {
        out.push((at, end));
    }
    out
}

/// Adds `[start, end)` to the sorted, disjoint `known`, merging neighbours.
fn add(known: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    if start >= end {
        return;
    }
    let (mut s, mut e) = (start, end);
    known.retain(|&(a, b)| {
        if b < s || a > e {
            return true;
        }
        s = s.min(a);
        e = e.max(b);
        false
    });
    let at = known.partition_point(|&(a, _)| a < s);
    known.insert(at, (s, e));
}

/// Zeros `[offset, offset + len)` of a memfd (frees whole pages).
fn zero_range(memfd: &File, offset: u64, len: u64) -> io::Result<()> {
    let r = unsafe {
        libc::fallocate(
            memfd.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            offset as i64,
            len as i64,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_merge_and_gaps_are_found() {
        let mut k = Vec::new();
        add(&mut k, 10, 20);
        add(&mut k, 30, 40);
        add(&mut k, 20, 25);
        assert_eq!(k, vec![(10, 25), (30, 40)]);
        assert_eq!(gaps(&k, 0, 50), vec![(0, 10), (25, 30), (40, 50)]);
        assert_eq!(gaps(&k, 12, 24), vec![]);
        assert_eq!(gaps(&k, 24, 31), vec![(25, 30)]);
        add(&mut k, 5, 35);
        assert_eq!(k, vec![(5, 40)]);
        add(&mut k, 100, u64::MAX);
        assert_eq!(gaps(&k, 0, u64::MAX), vec![(0, 5), (40, 100)]);
    }
}
