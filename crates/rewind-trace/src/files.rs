//! The trace's `files/` directory: one copy of each executable and mapped file.
//!
//! Files are keyed by their identity at record time (device, inode, size, mtime), so a
//! library mapped by fifty processes is stored once. Files that a package manager owns
//! (root-owned, under system directories) are hard-linked when possible: upgrades
//! replace them by rename, which leaves our link intact. Anything else is copied, since
//! the program itself (or the user) may rewrite it in place after recording.

use crate::event::FileRef;
use crate::format::FILES_DIR;
use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const SYSTEM_DIRS: &[&str] = &[
    "/usr/",
    "/lib/",
    "/lib64/",
    "/bin/",
    "/sbin/",
    "/opt/",
    "/nix/store/",
];

pub struct FileStore {
    dir: PathBuf,
    known: HashMap<(u64, u64, u64, i64, i64), FileRef>,
    next: u64,
}

impl FileStore {
    /// Files of the trace in `trace_dir`.
    pub fn new(trace_dir: &Path) -> Self {
        FileStore {
            dir: trace_dir.join(FILES_DIR),
            known: HashMap::new(),
            next: 0,
        }
    }

    /// Path of a stored file, for replay.
    pub fn path_of(&self, file: &FileRef) -> PathBuf {
        self.dir.join(&file.blob)
    }

    /// Stores `path` (opened by the program as `shown_path`) unless the same file is
    /// already stored. `path` may be a /proc/PID/map_files or fd link.
    pub fn add(&mut self, path: &Path, shown_path: &str) -> io::Result<FileRef> {
        let meta = std::fs::metadata(path)?;
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
        let system = meta.uid() == 0 && SYSTEM_DIRS.iter().any(|d| shown_path.starts_with(d));
        let linked =
            system && std::fs::hard_link(shown_path, &dest).is_ok() && same_file(&dest, &meta);
        if !linked {
            let _ = std::fs::remove_file(&dest);
            std::fs::copy(path, &dest)?;
        }
        let file = FileRef {
            blob,
            original: shown_path.to_string(),
            size: meta.size(),
        };
        self.known.insert(key, file.clone());
        Ok(file)
    }
}

fn same_file(p: &Path, meta: &std::fs::Metadata) -> bool {
    std::fs::metadata(p)
        .map(|m| m.ino() == meta.ino() && m.dev() == meta.dev())
        .unwrap_or(false)
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
