//! The trace's `files/` directory: one copy of each executable and mapped file.
//!
//! Files are keyed by their identity at record time (device, inode, size, mtime), so a
//! library mapped by fifty processes is stored once. Every file is *copied* (a
//! reflink where the filesystem can, FICLONE, else a byte copy): a hard link would
//! share the system's inode, so a `chown -R` or `truncate` of the trace would
//! change the system's libc. Copies are private (0600, 0700 for executables, which
//! replay runs), and sparse files stay sparse: only data extents are read and
//! written (SEEK_DATA/SEEK_HOLE), so a mapped 100 GiB file with a few pages of
//! data costs a few pages.
//!
//! `files/index` lists every stored copy with its size and a checksum of its
//! contents (CRC32 of the bytes, holes counted as the zeros they read as,
//! without reading them). [`FileStore::verify`] checks the copies against it, so
//! a damaged or missing copy is reported as a problem of the trace.

use crate::event::FileRef;
use crate::format::{create_private, TraceError, FILES_DIR};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The index of stored copies, inside `files/` (blob names start with a digit).
pub const FILES_INDEX: &str = "index";

/// Bytes copied or checksummed per read.
const IO_BLOCK: usize = 1 << 20;

pub struct FileStore {
    dir: PathBuf,
    known: HashMap<(u64, u64, u64, i64, i64), FileRef>,
    next: u64,
    index: Option<File>,
}

/// What the index says about one stored copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub blob: String,
    pub size: u64,
    pub crc: u32,
}

impl FileStore {
    /// Files of the trace in `trace_dir`.
    pub fn new(trace_dir: &Path) -> Self {
        FileStore {
            dir: trace_dir.join(FILES_DIR),
            known: HashMap::new(),
            next: 0,
            index: None,
        }
    }

    /// Path of a stored file, for replay.
    pub fn path_of(&self, file: &FileRef) -> PathBuf {
        self.dir.join(&file.blob)
    }

    /// Stores `path` (opened by the program as `shown_path`) unless the same file is
    /// already stored. `path` may be a /proc/PID/map_files or fd link.
    pub fn add(&mut self, path: &Path, shown_path: &str) -> io::Result<FileRef> {
        let src = File::open(path)?;
        let meta = src.metadata()?;
        let key = (
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
        );
        if let Some(f) = self.known.get(&key) {
            return Ok(f.clone());
        }
        let base = Path::new(shown_path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let blob = format!("{}-{}", self.next, sanitize(&base));
        self.next += 1;
        let dest = self.dir.join(&blob);
        let mode = if meta.mode() & 0o111 != 0 {
            0o700
        } else {
            0o600
        };
        // Errors on our side name our file (a full disk, a read-only trace dir).
        let at = |path: &Path| {
            let path = path.display().to_string();
            move |e: io::Error| io::Error::new(e.kind(), format!("{path}: {e}"))
        };
        let crc = copy_file(&src, meta.size(), &dest, mode)
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&dest);
            })
            .map_err(at(&dest))?;
        self.append_to_index(&StoredFile {
            blob: blob.clone(),
            size: meta.size(),
            crc,
        })
        .map_err(at(&self.dir.join(FILES_INDEX)))?;
        let file = FileRef {
            blob,
            original: shown_path.to_string(),
            size: meta.size(),
        };
        self.known.insert(key, file.clone());
        Ok(file)
    }

    fn append_to_index(&mut self, entry: &StoredFile) -> io::Result<()> {
        if self.index.is_none() {
            let path = self.dir.join(FILES_INDEX);
            self.index = Some(
                File::options()
                    .append(true)
                    .create(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(path)?,
            );
        }
        let line = format!("{:08x} {} {}\n", entry.crc, entry.size, entry.blob);
        // One write per line: a recorder killed mid-way leaves whole lines.
        self.index.as_mut().unwrap().write_all(line.as_bytes())
    }

    /// The index: every stored copy with its size and checksum.
    pub fn read_index(&self) -> Result<Vec<StoredFile>, TraceError> {
        let path = self.dir.join(FILES_INDEX);
        let text = std::fs::read(&path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => TraceError::MissingFile {
                path: path.clone(),
                what: "the index of the trace's file copies".into(),
            },
            _ => TraceError::Io {
                path: path.clone(),
                source,
            },
        })?;
        let damaged = |line: usize| TraceError::DamagedFile {
            path: path.clone(),
            what: format!("line {line} of the index does not parse"),
        };
        let mut entries = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let line = std::str::from_utf8(line).map_err(|_| damaged(i + 1))?;
            let mut words = line.split(' ');
            let (Some(crc), Some(size), Some(blob), None) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                return Err(damaged(i + 1));
            };
            let blob_ok = !blob.is_empty()
                && blob
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
                && blob != "."
                && blob != "..";
            match (u32::from_str_radix(crc, 16), size.parse::<u64>(), blob_ok) {
                (Ok(crc), Ok(size), true) => entries.push(StoredFile {
                    blob: blob.to_string(),
                    size,
                    crc,
                }),
                _ => return Err(damaged(i + 1)),
            }
        }
        Ok(entries)
    }

    /// Checks every stored copy against the index: present, of its size, with
    /// its checksum. Returns the index. Errors name the copy and what is wrong.
    pub fn verify(&self) -> Result<Vec<StoredFile>, TraceError> {
        let entries = self.read_index()?;
        for e in &entries {
            self.verify_one(e)?;
        }
        Ok(entries)
    }

    /// Checks that every file the events refer to (`refs`) is in the index
    /// `index` (from [`FileStore::verify`]) with the size the event recorded.
    pub fn verify_refs<'a>(
        &self,
        refs: impl IntoIterator<Item = &'a FileRef>,
        index: &[StoredFile],
    ) -> Result<(), TraceError> {
        let by_blob: HashMap<&str, &StoredFile> =
            index.iter().map(|e| (e.blob.as_str(), e)).collect();
        for r in refs {
            let path = self.path_of(r);
            match by_blob.get(r.blob.as_str()) {
                Some(e) if e.size == r.size => {}
                Some(e) => {
                    return Err(TraceError::DamagedFile {
                        path,
                        what: format!(
                            "the index says {} bytes, the events {} (copy of {})",
                            e.size, r.size, r.original
                        ),
                    })
                }
                None if !path.exists() => {
                    return Err(TraceError::MissingFile {
                        path,
                        what: format!("the copy of {}", r.original),
                    })
                }
                None => {
                    return Err(TraceError::DamagedFile {
                        path,
                        what: format!("the copy of {} is not in files/index", r.original),
                    })
                }
            }
        }
        Ok(())
    }

    /// Checks one stored copy against its index entry.
    pub fn verify_one(&self, entry: &StoredFile) -> Result<(), TraceError> {
        let path = self.dir.join(&entry.blob);
        let io = |source: io::Error| TraceError::Io {
            path: path.clone(),
            source,
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(TraceError::MissingFile {
                    path,
                    what: "a copy of a file the recorded program used".into(),
                })
            }
            Err(e) => return Err(io(e)),
        };
        let size = file.metadata().map_err(io)?.size();
        if size != entry.size {
            return Err(TraceError::DamagedFile {
                path,
                what: format!("{size} bytes where {} were stored", entry.size),
            });
        }
        let crc = content_crc(&file, size, None).map_err(io)?;
        if crc != entry.crc {
            return Err(TraceError::DamagedFile {
                path,
                what: "its contents differ from what was stored (checksum mismatch)".into(),
            });
        }
        Ok(())
    }
}

/// Copies `src` (`size` bytes) to a new private file `dest`, reflinked when the
/// filesystem can, else extent by extent (holes stay holes). Returns the
/// checksum of the contents.
fn copy_file(src: &File, size: u64, dest: &Path, mode: u32) -> io::Result<u32> {
    let out = create_private(dest)?;
    use std::os::unix::fs::PermissionsExt;
    out.set_permissions(std::fs::Permissions::from_mode(mode))?;
    // FICLONE shares the data blocks copy-on-write: instant, and later writes to
    // either file do not show in the other.
    if unsafe { libc::ioctl(out.as_raw_fd(), libc::FICLONE, src.as_raw_fd()) } == 0 {
        return content_crc(&out, size, None);
    }
    let crc = content_crc(src, size, Some(&out))?;
    // A trailing hole has no extent: the size makes it.
    out.set_len(size)?;
    Ok(crc)
}

/// The next data extent at or after `pos`: (start, end), or None past the last.
/// Filesystems without SEEK_DATA report the whole file as data.
fn next_extent(file: &File, pos: u64, size: u64) -> io::Result<Option<(u64, u64)>> {
    let fd = file.as_raw_fd();
    let start = unsafe { libc::lseek(fd, pos as i64, libc::SEEK_DATA) };
    if start < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENXIO) => Ok(None),
            Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => Ok((pos < size).then_some((pos, size))),
            _ => Err(e),
        };
    }
    let end = unsafe { libc::lseek(fd, start, libc::SEEK_HOLE) };
    if end < 0 {
        return Err(io::Error::last_os_error());
    }
    let (start, end) = (start as u64, (end as u64).min(size));
    Ok((start < end).then_some((start, end)))
}

/// CRC32 of the file's `size` bytes, reading only its data extents (holes are
/// zeros, folded in arithmetically); with `copy_to`, writes each extent there at
/// its offset too.
fn content_crc(file: &File, size: u64, copy_to: Option<&File>) -> io::Result<u32> {
    let mut crc = crc32fast::Hasher::new();
    let mut zeros = ZeroRuns::default();
    let mut buf = vec![0u8; IO_BLOCK];
    let mut pos = 0;
    while let Some((start, end)) = next_extent(file, pos, size)? {
        zeros.append(&mut crc, start - pos);
        let mut at = start;
        while at < end {
            let want = (end - at).min(IO_BLOCK as u64) as usize;
            let n = file.read_at(&mut buf[..want], at)?;
            if n == 0 {
                return Err(io::Error::other("the file shrank while it was copied"));
            }
            crc.update(&buf[..n]);
            if let Some(out) = copy_to {
                out.write_all_at(&buf[..n], at)?;
            }
            at += n as u64;
        }
        pos = end;
    }
    zeros.append(&mut crc, size.saturating_sub(pos));
    Ok(crc.finalize())
}

/// CRC32 states of runs of 2^k zero bytes, to append a hole of any length in
/// O(log length) without reading it.
#[derive(Default)]
struct ZeroRuns(Vec<crc32fast::Hasher>);

impl ZeroRuns {
    fn append(&mut self, crc: &mut crc32fast::Hasher, mut len: u64) {
        let mut k = 0;
        while len > 0 {
            if self.0.len() <= k {
                let next = match self.0.last() {
                    None => {
                        let mut h = crc32fast::Hasher::new();
                        h.update(&[0]);
                        h
                    }
                    Some(prev) => {
                        let mut h = prev.clone();
                        h.combine(prev);
                        h
                    }
                };
                self.0.push(next);
            }
            if len & 1 == 1 {
                crc.combine(&self.0[k]);
            }
            len >>= 1;
            k += 1;
        }
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}
