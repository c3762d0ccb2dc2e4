//! Opening the store's directory and files without trusting what is there.
//!
//! Cores and reports hold another program's memory, so the store is private
//! to its owner: directories 0700 and files 0600 whatever the umask, nothing
//! created through a symbolic link, and a directory another user could write
//! into (or that belongs to another user) is refused rather than used.

use crate::error::{io_reason, StoreError};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of every directory the store creates.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of every file the store creates.
pub(crate) const FILE_MODE: u32 = 0o600;

/// The effective uid: whose store this may be.
pub(crate) fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Creates `dir` (mode 0700 whatever the umask) if it is missing; says whether
/// it did. Missing ancestors are created 0700 too.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<bool> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        if fs::symlink_metadata(parent).is_err() {
            create_private_dir(parent)?;
        }
    }
    match fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Ok(()) => {
            // The umask may have taken bits away (even the owner's).
            fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Refuses a store directory (or a directory or file inside one) that is
/// not ours or that others may write into. `meta` is from lstat for things
/// inside the store (a symbolic link there is refused), from stat for the root.
pub(crate) fn check_private(path: &Path, meta: &fs::Metadata) -> Result<(), StoreError> {
    let unsafe_because = |reason: String| StoreError::Unsafe {
        path: path.to_path_buf(),
        reason,
    };
    if meta.file_type().is_symlink() {
        return Err(unsafe_because(
            "it is a symbolic link, which the store never follows; remove it".into(),
        ));
    }
    let me = my_uid();
    if meta.uid() != me {
        return Err(unsafe_because(format!(
            "it belongs to uid {}, not to you (uid {me}); use a store of your own (--store DIR)",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(unsafe_because(format!(
            "other users may write into it (mode {mode:04o}); run `chmod go-w {}` or use another store",
            path.display()
        )));
    }
    Ok(())
}

/// Creates `dir` inside the store if missing, then checks it is a real
/// directory of ours that no one else can write into.
pub(crate) fn private_subdir(dir: &Path) -> Result<(), StoreError> {
    create_private_dir(dir).map_err(|e| StoreError::NotWritable {
        path: dir.to_path_buf(),
        reason: io_reason(&e),
    })?;
    let meta = fs::symlink_metadata(dir).map_err(|e| StoreError::NotWritable {
        path: dir.to_path_buf(),
        reason: io_reason(&e),
    })?;
    check_private(dir, &meta)?;
    if !meta.is_dir() {
        return Err(StoreError::NotWritable {
            path: dir.to_path_buf(),
            reason: "not a directory".into(),
        });
    }
    Ok(())
}

/// Creates a new file, mode 0600 whatever the umask, failing if anything
/// (a symbolic link included) is already at `path`.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// The index and SQLite's files beside it: created 0600 by us when missing
/// (SQLite gives its -wal and -shm files the index's mode), and refused when
/// they are links or another user's.
pub(crate) fn check_index_files(index: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(index) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match create_private_file(index) {
            Ok(_) => {}
            // Created meanwhile by another rewind: checked below.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(StoreError::NotWritable {
                    path: index.to_path_buf(),
                    reason: io_reason(&e),
                })
            }
        },
        _ => {}
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = index.as_os_str().to_os_string();
        name.push(suffix);
        let path = Path::new(&name);
        if let Ok(meta) = fs::symlink_metadata(path) {
            check_private_file(path, &meta)?;
        }
    }
    Ok(())
}

/// A file of the store: ours, a regular file, not writable by others.
fn check_private_file(path: &Path, meta: &fs::Metadata) -> Result<(), StoreError> {
    check_private(path, meta)?;
    if !meta.is_file() {
        return Err(StoreError::Unsafe {
            path: path.to_path_buf(),
            reason: "it is not a regular file; move it away".into(),
        });
    }
    Ok(())
}
