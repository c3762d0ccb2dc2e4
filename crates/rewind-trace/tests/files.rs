//! The trace's `files/` directory: one stored copy per file identity.

mod common;

use common::small_header;
use rewind_trace::*;
use std::fs;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

struct Fixture {
    _tmp: tempfile::TempDir,
    trace: PathBuf,
    src: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("trace");
    fs::create_dir_all(trace.join(FILES_DIR)).unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    Fixture {
        _tmp: tmp,
        trace,
        src,
    }
}

/// The stored copies (not the index).
fn blobs(trace: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(trace.join(FILES_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != FILES_INDEX)
        .collect();
    v.sort();
    v
}

fn show(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn same_file_is_stored_once() {
    let f = fixture();
    let lib = f.src.join("libfoo.so");
    fs::write(&lib, b"\x7fELF library contents").unwrap();
    let mut store = FileStore::new(&f.trace);
    let a = store.add(&lib, show(&lib)).unwrap();
    assert_eq!(a.original, show(&lib));
    assert_eq!(a.size, 21);
    assert_eq!(store.path_of(&a), f.trace.join(FILES_DIR).join(&a.blob));
    assert_eq!(
        fs::read(store.path_of(&a)).unwrap(),
        b"\x7fELF library contents"
    );

    // Again, under the same name, through a symlink, a hard link, and an open
    // descriptor (the way the recorder sees mapped files): the same FileRef.
    let sym = f.src.join("libfoo.so.1");
    std::os::unix::fs::symlink(&lib, &sym).unwrap();
    let hard = f.src.join("libfoo-hard.so");
    fs::hard_link(&lib, &hard).unwrap();
    let file = fs::File::open(&lib).unwrap();
    let fd = PathBuf::from(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&file)
    ));
    for (path, shown) in [
        (&lib, show(&lib)),
        (&sym, show(&sym)),
        (&hard, show(&hard)),
        (&fd, show(&lib)),
    ] {
        assert_eq!(store.add(path, shown).unwrap(), a, "{path:?}");
    }
    assert_eq!(blobs(&f.trace), vec![a.blob.clone()]);
}

#[test]
fn modified_file_gets_a_new_blob() {
    let f = fixture();
    let p = f.src.join("data.bin");
    fs::write(&p, b"version one").unwrap();
    let mut store = FileStore::new(&f.trace);
    let v1 = store.add(&p, show(&p)).unwrap();

    // Different size.
    fs::write(&p, b"version two, longer").unwrap();
    let v2 = store.add(&p, show(&p)).unwrap();
    assert_ne!(v1.blob, v2.blob);
    assert_eq!(v2.size, 19);

    // Same size, different mtime.
    fs::write(&p, b"version 3, longer!!").unwrap();
    let t = SystemTime::now() + Duration::from_secs(10);
    fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(t)
        .unwrap();
    let v3 = store.add(&p, show(&p)).unwrap();
    assert_ne!(v3.blob, v2.blob);

    // Each blob holds the file as it was when added.
    assert_eq!(fs::read(store.path_of(&v1)).unwrap(), b"version one");
    assert_eq!(
        fs::read(store.path_of(&v2)).unwrap(),
        b"version two, longer"
    );
    assert_eq!(
        fs::read(store.path_of(&v3)).unwrap(),
        b"version 3, longer!!"
    );
    assert_eq!(blobs(&f.trace).len(), 3);
    // Unchanged since: the last one again.
    assert_eq!(store.add(&p, show(&p)).unwrap(), v3);
}

#[test]
fn user_files_are_copied_not_linked() {
    let f = fixture();
    let p = f.src.join("prog");
    fs::write(&p, b"original program").unwrap();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    let stored = store.path_of(&r);
    assert_ne!(
        fs::metadata(&stored).unwrap().ino(),
        fs::metadata(&p).unwrap().ino(),
        "a copy, not a link"
    );

    // Rewritten in place (same inode), then deleted: the stored copy is unaffected.
    fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(0)
        .unwrap();
    fs::write(&p, b"rewritten!").unwrap();
    assert_eq!(fs::read(&stored).unwrap(), b"original program");
    fs::remove_file(&p).unwrap();
    assert_eq!(fs::read(&stored).unwrap(), b"original program");
    assert_eq!(r.size, 16);
}

/// Even a root-owned file is copied when its path is not under a system directory.
#[test]
fn files_outside_system_dirs_are_copied_even_if_root_owned() {
    let f = fixture();
    let p = f.src.join("tool");
    fs::write(&p, b"#!/bin/sh\n").unwrap();
    let owner = fs::metadata(&p).unwrap().uid();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    assert_ne!(
        fs::metadata(store.path_of(&r)).unwrap().ino(),
        fs::metadata(&p).unwrap().ino(),
        "owner uid {owner}"
    );
}

/// A system file (root-owned, under /usr...) is copied too, never hard-linked:
/// changing the trace (chown -R, truncate) must not change the system's file.
#[test]
fn system_files_are_copied_not_linked() {
    let sys = ["/usr/bin/env", "/bin/sh", "/usr/bin/true"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .expect("a system executable to store");
    let f = fixture();
    let before = fs::read(sys).unwrap();
    let sys_meta = fs::metadata(sys).unwrap();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(sys, show(sys)).unwrap();
    let stored = store.path_of(&r);
    assert_eq!(fs::read(&stored).unwrap(), before);
    assert_eq!(r.size, sys_meta.size());
    assert_eq!(store.add(sys, show(sys)).unwrap(), r);
    let copy_meta = fs::metadata(&stored).unwrap();
    assert_ne!(copy_meta.ino(), sys_meta.ino(), "a copy, not a link");
    assert_eq!(copy_meta.nlink(), 1);
    // Executables stay runnable for replay, and private.
    assert_eq!(copy_meta.mode() & 0o777, 0o700);
    // Truncating the trace's copy leaves the system's file alone.
    fs::File::options()
        .write(true)
        .open(&stored)
        .unwrap()
        .set_len(0)
        .unwrap();
    assert_eq!(fs::read(sys).unwrap(), before);
    assert_eq!(fs::metadata(sys).unwrap().nlink(), sys_meta.nlink());
}

/// Copies hold the program's data: 0600 (0700 if executable), and the index is
/// 0600 too.
#[test]
fn copies_are_private() {
    let f = fixture();
    let p = f.src.join("data");
    fs::write(&p, b"secret").unwrap();
    fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
    assert_eq!(mode(&store.path_of(&r)), 0o600);
    assert_eq!(mode(&f.trace.join(FILES_DIR).join(FILES_INDEX)), 0o600);

    // A trace created by the writer has a private files/ directory.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    TraceWriter::create(&dir, &small_header()).unwrap();
    assert_eq!(mode(&dir.join(FILES_DIR)), 0o700);
    assert_eq!(mode(&dir.join(EVENTS_FILE)), 0o600);
}

/// A sparse file (100 GiB, a few data pages) is stored as data only: the copy
/// stays sparse, takes about the space of its data, reads back equal, and its
/// checksum verifies.
#[test]
fn sparse_files_stay_sparse() {
    let f = fixture();
    let p = f.src.join("sparse");
    let file = fs::File::create(&p).unwrap();
    let size: u64 = 100 << 30;
    file.set_len(size).unwrap();
    let pages: Vec<(u64, Vec<u8>)> = [0u64, 1 << 30, 77 << 30, size - 4096]
        .iter()
        .enumerate()
        .map(|(i, &at)| (at, vec![i as u8 + 1; 4096]))
        .collect();
    for (at, data) in &pages {
        file.write_all_at(data, *at).unwrap();
    }
    drop(file);
    let start = std::time::Instant::now();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "storing took {:?}",
        start.elapsed()
    );
    let stored = store.path_of(&r);
    let meta = fs::metadata(&stored).unwrap();
    assert_eq!(meta.size(), size);
    assert!(
        meta.blocks() * 512 < 4 << 20,
        "the copy uses {} bytes of disk",
        meta.blocks() * 512
    );
    let copy = fs::File::open(&stored).unwrap();
    for (at, data) in &pages {
        let mut back = vec![0u8; 4096];
        copy.read_exact_at(&mut back, *at).unwrap();
        assert_eq!(&back, data, "page at {at}");
    }
    let mut hole = vec![1u8; 4096];
    copy.read_exact_at(&mut hole, 2 << 30).unwrap();
    assert!(hole.iter().all(|&b| b == 0));
    assert_eq!(store.verify().unwrap().len(), 1);
}

/// The checksum of a copy counts holes as zeros: a copy whose holes were
/// filled in (cp without --sparse) verifies the same, and it is the CRC32 of
/// the whole contents.
#[test]
fn checksum_is_of_the_contents_not_the_layout() {
    let f = fixture();
    let p = f.src.join("holes");
    let file = fs::File::create(&p).unwrap();
    file.set_len(3 << 20).unwrap();
    file.write_all_at(b"middle", 1 << 20).unwrap();
    drop(file);
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    let index = store.verify().unwrap();
    assert_eq!(index[0].crc, crc32fast::hash(&fs::read(&p).unwrap()));
    // Fill the holes in: same contents, same checksum.
    let stored = store.path_of(&r);
    let dense = fs::read(&stored).unwrap();
    fs::remove_file(&stored).unwrap();
    fs::write(&stored, &dense).unwrap();
    store
        .verify()
        .expect("a dense copy of the same bytes verifies");
}

/// A damaged, truncated or missing copy is reported as the trace's problem,
/// naming the copy.
#[test]
fn damaged_copies_are_reported() {
    let f = fixture();
    let p = f.src.join("lib.so");
    fs::write(&p, vec![7u8; 10000]).unwrap();
    let mut store = FileStore::new(&f.trace);
    let r = store.add(&p, show(&p)).unwrap();
    let stored = store.path_of(&r);
    store.verify().unwrap();

    let copy = fs::File::options().write(true).open(&stored).unwrap();
    copy.write_all_at(b"X", 5000).unwrap();
    match store.verify() {
        Err(e @ TraceError::DamagedFile { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(show(&stored)) && msg.contains("checksum"),
                "{msg}"
            );
            assert!(!msg.contains('\n'));
        }
        other => panic!("flipped byte: {other:?}"),
    }
    copy.set_len(100).unwrap();
    match store.verify() {
        Err(e @ TraceError::DamagedFile { .. }) => {
            assert!(e.to_string().contains("100 bytes where 10000"), "{e}")
        }
        other => panic!("truncated: {other:?}"),
    }
    fs::remove_file(&stored).unwrap();
    match store.verify() {
        Err(e @ TraceError::MissingFile { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(show(&stored)) && msg.contains("missing"),
                "{msg}"
            );
        }
        other => panic!("missing: {other:?}"),
    }
    fs::remove_file(f.trace.join(FILES_DIR).join(FILES_INDEX)).unwrap();
    assert!(matches!(
        store.verify(),
        Err(TraceError::MissingFile { .. })
    ));
    fs::write(f.trace.join(FILES_DIR).join(FILES_INDEX), "zz 1 ../x\n").unwrap();
    assert!(matches!(
        store.verify(),
        Err(TraceError::DamagedFile { .. })
    ));
}

#[test]
fn blob_names_are_unique_and_safe() {
    let f = fixture();
    let mut store = FileStore::new(&f.trace);
    let mut seen = std::collections::HashSet::new();
    for (i, name) in [
        "lib.so",
        "weird name$(rm -rf)\n.so",
        "ünï.so",
        "..",
        "x".repeat(200).as_str(),
    ]
    .iter()
    .enumerate()
    {
        for sub in ["a", "b"] {
            // Same base name in two directories: two files, two blobs.
            let dir = f.src.join(format!("{sub}{i}"));
            fs::create_dir(&dir).unwrap();
            let p = dir.join("file");
            fs::write(&p, format!("{sub}{i}")).unwrap();
            let shown = format!("{}/{name}", dir.display());
            let r = store.add(&p, &shown).unwrap();
            assert!(seen.insert(r.blob.clone()), "blob {} reused", r.blob);
            assert!(r.blob.len() <= 90, "{}", r.blob);
            assert!(
                r.blob
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c)),
                "{:?}",
                r.blob
            );
            assert!(r.blob != "." && r.blob != "..");
            assert_eq!(r.original, shown);
            let stored = store.path_of(&r);
            assert_eq!(
                stored.parent().unwrap(),
                f.trace.join(FILES_DIR),
                "stays inside files/"
            );
            assert_eq!(fs::read_to_string(stored).unwrap(), format!("{sub}{i}"));
        }
    }
}

#[test]
fn missing_file_is_an_error() {
    let f = fixture();
    let mut store = FileStore::new(&f.trace);
    let gone = f.src.join("gone");
    assert_eq!(
        store.add(&gone, show(&gone)).unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    assert!(blobs(&f.trace).is_empty());
    let p = f.src.join("here");
    fs::write(&p, b"x").unwrap();
    store.add(&p, show(&p)).unwrap();
    assert_eq!(blobs(&f.trace).len(), 1);
}

/// Identity is (dev, inode, size, mtime). On kernels before 6.13 (no multigrain
/// timestamps) mtime only advances once per jiffy, so a program that rewrites a file
/// in place with the same size right after it was stored gets the old copy. This test
/// simulates that by restoring the mtime.
#[test]
#[ignore = "limitation: a same-size in-place rewrite within the mtime granularity is taken for the stored file"]
fn same_size_rewrite_within_timestamp_granularity() {
    let f = fixture();
    let p = f.src.join("cfg");
    fs::write(&p, b"aaaa").unwrap();
    let mtime = fs::metadata(&p).unwrap().modified().unwrap();
    let mut store = FileStore::new(&f.trace);
    let a = store.add(&p, show(&p)).unwrap();
    fs::write(&p, b"bbbb").unwrap();
    fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let b = store.add(&p, show(&p)).unwrap();
    assert_eq!(
        fs::read(store.path_of(&b)).unwrap(),
        b"bbbb",
        "stored copy is stale"
    );
    assert_ne!(a, b);
}
