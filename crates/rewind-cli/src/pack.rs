//! `rewind pack`: make a trace self-contained, so it can be moved to another
//! machine and replayed there.
//!
//! While recording, files of system directories are hard-linked into `files/`
//! rather than copied (cheap, and package upgrades replace files by rename, which
//! leaves the link alone). A link still shares its inode with the system file, so
//! it does not travel with the trace (a copy to another file system, an archive
//! that keeps links apart) and an in-place rewrite of the system file would change
//! the trace. Packing replaces every such link by a private copy, stores again any
//! referenced file missing from `files/` when the original is still the same size,
//! and makes identical copies share one inode. Packing a packed trace changes nothing.

use anyhow::{bail, Context, Result};
use rewind_trace::catalog::Catalog;
use rewind_trace::{FileRef, EVENTS_FILE, FILES_DIR};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Packed {
    /// Links to files outside the trace replaced by copies.
    copied: usize,
    copied_bytes: u64,
    /// Files missing from `files/`, copied from their original path.
    restored: usize,
    /// Copies with the same contents as another, now sharing its inode.
    merged: usize,
    /// Files that were already private copies.
    kept: usize,
    /// Files neither in the trace nor (unchanged) on this machine.
    missing: Vec<String>,
}

pub fn run(dir: &Path) -> Result<i32> {
    let catalog = Catalog::read(dir)?;
    // `latest` is a symlink: pack (and name) the trace it points to.
    let dir =
        &fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    if let Some(problem) = catalog.state.problem() {
        eprintln!("rewind: note: {problem}; packing the files of the events before it");
    }
    let files = dir.join(FILES_DIR);
    let packed = pack_files(&files, &catalog.files)?;
    for (path, mode) in [
        (dir.to_path_buf(), 0o700),
        (files.clone(), 0o700),
        (dir.join(EVENTS_FILE), 0o600),
    ] {
        restrict(&path, mode)?;
    }
    println!(
        "{}: {} files; {} copied in place of links to system files ({}), {} restored from their originals, {} duplicates merged, {} already private",
        dir.display(),
        catalog.files.len(),
        packed.copied,
        crate::info::human_bytes(packed.copied_bytes),
        packed.restored,
        packed.merged,
        packed.kept
    );
    if !packed.missing.is_empty() {
        bail!(
            "{} files the trace needs are missing from {} and changed or gone on this machine ({}); the trace cannot be replayed, record the program again",
            packed.missing.len(),
            files.display(),
            packed.missing.join(", ")
        );
    }
    Ok(0)
}

fn pack_files(files: &Path, refs: &[FileRef]) -> Result<Packed> {
    let mut packed = Packed::default();
    // How many names each inode has inside files/: more links than that means a
    // name outside the trace shares the file.
    let mut names_inside: HashMap<(u64, u64), u64> = HashMap::new();
    if let Ok(entries) = fs::read_dir(files) {
        for entry in entries.flatten() {
            if let Ok(m) = entry.path().symlink_metadata() {
                if m.is_file() {
                    *names_inside.entry((m.dev(), m.ino())).or_default() += 1;
                }
            }
        }
    }
    // An outside inode already copied: its other names in files/ link to the copy.
    let mut copies: HashMap<(u64, u64), PathBuf> = HashMap::new();
    for file in refs {
        let path = blob_path(files, file)?;
        match path.symlink_metadata() {
            Ok(m) if m.is_file() => {
                let inode = (m.dev(), m.ino());
                if m.nlink() <= names_inside.get(&inode).copied().unwrap_or(1) {
                    // The recorder copies files with their original modes; a
                    // trace about to travel is its owner's alone.
                    restrict(&path, 0o700)?;
                    packed.kept += 1;
                } else if let Some(copy) = copies.get(&inode) {
                    replace_with_link(copy, &path)?;
                    packed.merged += 1;
                } else {
                    replace_with_copy(&path, &path)?;
                    copies.insert(inode, path.clone());
                    packed.copied += 1;
                    packed.copied_bytes += m.len();
                }
            }
            // Not a plain file (a symlink planted in files/): a copy of what it shows.
            Ok(_) => {
                replace_with_copy(&path, &path)?;
                packed.copied += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let original = Path::new(&file.original);
                match fs::metadata(original) {
                    Ok(m) if m.is_file() && m.len() == file.size => {
                        fs::create_dir_all(files)
                            .with_context(|| format!("cannot create {}", files.display()))?;
                        replace_with_copy(original, &path)?;
                        packed.restored += 1;
                    }
                    _ => packed.missing.push(file.original.clone()),
                }
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        }
    }
    packed.merged += merge_duplicates(files, refs)?;
    Ok(packed)
}

/// Takes group and other permissions away from `path` (never through a symlink),
/// leaving at most `mode`.
fn restrict(path: &Path, mode: u32) -> Result<()> {
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(());
    };
    if meta.file_type().is_symlink() || meta.mode() & 0o777 & !mode == 0 {
        return Ok(());
    }
    fs::set_permissions(path, fs::Permissions::from_mode(meta.mode() & mode))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))
}

/// Where a referenced file is stored; a name that would leave `files/` (a hostile
/// trace) is refused.
fn blob_path(files: &Path, file: &FileRef) -> Result<PathBuf> {
    let blob = &file.blob;
    if blob.is_empty() || blob.contains('/') || blob == "." || blob == ".." {
        bail!(
            "the trace refers to a stored file named {blob:?}, which is not a name inside {}; the trace is damaged",
            files.display()
        );
    }
    Ok(files.join(blob))
}

/// Writes a private copy of `source` over `dest` (atomically: a new file renamed
/// over the old name), readable only by its owner.
fn replace_with_copy(source: &Path, dest: &Path) -> Result<()> {
    let tmp = temp_name(dest);
    let _ = fs::remove_file(&tmp);
    let mut input =
        File::open(source).with_context(|| format!("cannot read {}", source.display()))?;
    let mode = input.metadata().map(|m| m.mode()).unwrap_or(0o600);
    // Executables stay executable (replay runs them), for their owner only.
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode((mode & 0o700) | 0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let copied = io::copy(&mut input, &mut output).and_then(|_| output.sync_all());
    if let Err(e) = copied {
        let _ = fs::remove_file(&tmp);
        return Err(e)
            .with_context(|| format!("cannot copy {} to {}", source.display(), tmp.display()));
    }
    fs::rename(&tmp, dest).with_context(|| format!("cannot replace {}", dest.display()))
}

/// Makes `dest` another name of `source` (both inside the trace).
fn replace_with_link(source: &Path, dest: &Path) -> Result<()> {
    let tmp = temp_name(dest);
    let _ = fs::remove_file(&tmp);
    fs::hard_link(source, &tmp)
        .with_context(|| format!("cannot link {} to {}", source.display(), tmp.display()))?;
    fs::rename(&tmp, dest).with_context(|| format!("cannot replace {}", dest.display()))
}

fn temp_name(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".pack-{}-{name}", std::process::id()))
}

/// Gives stored files with the same contents (and mode) one inode; returns how
/// many names were merged.
fn merge_duplicates(files: &Path, refs: &[FileRef]) -> Result<usize> {
    // Candidates share a size and a mode; only those are compared byte for byte.
    let mut by_shape: HashMap<(u64, u32), Vec<PathBuf>> = HashMap::new();
    for file in refs {
        let path = blob_path(files, file)?;
        if let Ok(m) = path.symlink_metadata() {
            if m.is_file() && m.len() > 0 {
                by_shape.entry((m.len(), m.mode())).or_default().push(path);
            }
        }
    }
    let mut merged = 0;
    for paths in by_shape.values().filter(|p| p.len() > 1) {
        let mut kept: Vec<&PathBuf> = Vec::new();
        for path in paths {
            let twin = kept
                .iter()
                .find(|k| same_contents(k, path).unwrap_or(false));
            match twin {
                Some(twin) if !same_inode(twin, path) => {
                    replace_with_link(twin, path)?;
                    merged += 1;
                }
                Some(_) => {}
                None => kept.push(path),
            }
        }
    }
    Ok(merged)
}

fn same_inode(a: &Path, b: &Path) -> bool {
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn same_contents(a: &Path, b: &Path) -> io::Result<bool> {
    if same_inode(a, b) {
        return Ok(true);
    }
    let (mut a, mut b) = (File::open(a)?, File::open(b)?);
    let (mut buf_a, mut buf_b) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut a, &mut buf_a)?;
        let m = read_full(&mut b, &mut buf_b)?;
        if n != m || buf_a[..n] != buf_b[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}
