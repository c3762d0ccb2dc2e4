//! Store-wide dump limits, the same core stored once, removal, kinds, the
//! v1 -> v2 schema migration, and the store's refusal of unsafe directories.

use rewind_store::{
    Filter, Kind, Report, Store, StoreError, StoreOptions, DUMPS_DIR, INCOMING_DIR, INDEX_FILE,
    SCHEMA_VERSION,
};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

fn report(reason: &str, exe: &str, pid: i32) -> Report {
    Report {
        reason: reason.into(),
        signal: (reason == "crash").then_some(11),
        pid,
        executable: exe.into(),
        time: 1000 + i64::from(pid),
        ..Report::default()
    }
}

fn core(dir: &Path, name: &str, fill: u8) -> PathBuf {
    let path = dir.join(name);
    let mut data = b"\x7fELF\x02\x01\x01\0".to_vec();
    data.extend((0..50_000u32).map(|i| (i as u8) ^ fill));
    fs::write(&path, data).unwrap();
    path
}

#[test]
fn the_same_core_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let a = core(dir.path(), "a", 1);
    let b = core(dir.path(), "b", 2);
    let once = StoreOptions {
        once_per_core: true,
        ..StoreOptions::default()
    };
    let first = store
        .add(&report("crash", "/bin/p", 1), Some(&a), &once)
        .unwrap();
    assert!(!first.duplicate);
    // A copy of the same bytes under another name, with another report.
    let a2 = dir.path().join("a2");
    fs::copy(&a, &a2).unwrap();
    let again = store
        .add(&report("crash", "/bin/p", 2), Some(&a2), &once)
        .unwrap();
    assert!(again.duplicate, "{again:?}");
    assert_eq!(again.id, first.id);
    assert!(again.dump_kept);
    let other = store
        .add(&report("crash", "/bin/p", 3), Some(&b), &once)
        .unwrap();
    assert!(!other.duplicate);
    assert_ne!(other.id, first.id);
    assert_eq!(store.list(&Filter::default()).unwrap().len(), 2);
    // No file of the duplicate add is left.
    assert_eq!(
        fs::read_dir(store.root().join(DUMPS_DIR)).unwrap().count(),
        2
    );
    // Without once_per_core (a monitor's snapshots), the same core is a new entry.
    let snapshot = store
        .add(
            &report("snapshot", "/bin/p", 4),
            Some(&a),
            &StoreOptions::default(),
        )
        .unwrap();
    assert!(!snapshot.duplicate);
    assert_ne!(snapshot.id, first.id);
}

#[test]
fn dump_limits_count_per_program_from_when_the_limit_was_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let mut store = Store::open(&root).unwrap();
    let since = store.set_dump_limit("/bin/p", 2, 100).unwrap();
    assert_eq!(since, 100);
    // The same limit again (a restarted monitor) keeps its start.
    assert_eq!(store.set_dump_limit("/bin/p", 2, 500).unwrap(), 100);
    drop(store);
    let mut store = Store::open(&root).unwrap();
    assert_eq!(store.set_dump_limit("/bin/p", 2, 600).unwrap(), 100);
    // Another limit starts a new count.
    assert_eq!(store.set_dump_limit("/bin/p", 3, 700).unwrap(), 700);
    assert_eq!(store.set_dump_limit("/bin/q", 3, 800).unwrap(), 800);

    let opts = |program: &str| StoreOptions {
        program: Some(program.into()),
        ..StoreOptions::default()
    };
    // A child's crash counts against the monitored program.
    store
        .add(
            &report("crash", "/bin/child", 1),
            Some(&core(dir.path(), "c1", 1)),
            &opts("/bin/p"),
        )
        .unwrap();
    store
        .add(
            &report("crash", "/bin/p", 2),
            Some(&core(dir.path(), "c2", 2)),
            &StoreOptions::default(),
        )
        .unwrap();
    // No dump: not counted; nor a snapshot (taken on demand).
    store
        .add(&report("crash", "/bin/p", 3), None, &opts("/bin/p"))
        .unwrap();
    store
        .add(
            &report("snapshot", "/bin/p", 4),
            Some(&core(dir.path(), "c4", 4)),
            &opts("/bin/p"),
        )
        .unwrap();
    assert_eq!(store.dumps_since("/bin/p", 0).unwrap(), 2);
    assert_eq!(store.dumps_since("/bin/child", 0).unwrap(), 0);
    assert_eq!(store.dumps_since("/bin/p", i64::MAX).unwrap(), 0);
    let last = store.last_dump_time("/bin/p").unwrap().unwrap();
    assert!(last > 1_600_000_000, "{last}");
    assert_eq!(store.last_dump_time("/bin/q").unwrap(), None);

    // A dump pruned for the quota still counts; a removed crash does not.
    store.prune_to_quota(0).unwrap();
    assert_eq!(store.dumps_since("/bin/p", 0).unwrap(), 2);
    let first = store.list(&Filter::default()).unwrap()[0].id;
    store.remove(first).unwrap();
    assert_eq!(store.dumps_since("/bin/p", 0).unwrap(), 1);
}

#[test]
fn remove_and_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let crash = store
        .add(
            &report("crash", "/bin/p", 1),
            Some(&core(dir.path(), "c", 1)),
            &StoreOptions::default(),
        )
        .unwrap();
    let snap = store
        .add(
            &report("snapshot", "/bin/p", 2),
            None,
            &StoreOptions::default(),
        )
        .unwrap();
    let cpu = store
        .add(&report("cpu", "/bin/p", 3), None, &StoreOptions::default())
        .unwrap();
    let ids = |store: &Store, kind| -> Vec<i64> {
        store
            .list(&Filter {
                kind,
                ..Filter::default()
            })
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids(&store, Some(Kind::Crash)), vec![crash.id]);
    assert_eq!(ids(&store, Some(Kind::Snapshot)), vec![snap.id]);
    assert_eq!(ids(&store, Some(Kind::Trigger)), vec![cpu.id]);
    assert_eq!(ids(&store, None), vec![crash.id, snap.id, cpu.id]);
    let by_pid = store
        .list(&Filter {
            pid: Some(2),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(by_pid.len(), 1);
    assert_eq!(by_pid[0].kind(), Kind::Snapshot);

    let dump = store.get(crash.id).unwrap().unwrap().summary.dump.unwrap();
    store.remove(crash.id).unwrap();
    assert!(!dump.exists());
    assert!(store.get(crash.id).unwrap().is_none());
    let e = store.remove(crash.id).unwrap_err();
    assert!(matches!(e, StoreError::NoSuchCrash { .. }), "{e}");
}

/// A version 1 index (as rewind wrote before store-wide limits) is migrated:
/// its crashes stay, its dumps count against their executable.
#[test]
fn version_1_index_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    fs::create_dir_all(root.join(DUMPS_DIR)).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    let conn = rusqlite::Connection::open(root.join(INDEX_FILE)).unwrap();
    conn.execute_batch(
        "CREATE TABLE crashes (
            id INTEGER PRIMARY KEY AUTOINCREMENT, complete INTEGER NOT NULL, temp_file TEXT,
            added INTEGER NOT NULL, grp TEXT NOT NULL, signature TEXT NOT NULL, reason TEXT NOT NULL,
            signal TEXT, time INTEGER NOT NULL, pid INTEGER NOT NULL, executable TEXT NOT NULL,
            dump_file TEXT, dump_bytes INTEGER NOT NULL DEFAULT 0, core_bytes INTEGER NOT NULL DEFAULT 0,
            note TEXT, report TEXT NOT NULL);
         CREATE INDEX crashes_time ON crashes(complete, time);
         CREATE INDEX crashes_group ON crashes(grp, time);
         INSERT INTO crashes (complete, added, grp, signature, reason, signal, time, pid, executable, dump_file, dump_bytes, report)
         VALUES (1, 50, 'abc', 'SIGSEGV in p', 'crash', 'SIGSEGV', 50, 7, '/bin/p', '1.core.zst', 10,
                 '{\"reason\":\"crash\",\"pid\":7,\"executable\":\"/bin/p\",\"time\":50}');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    fs::write(root.join(DUMPS_DIR).join("1.core.zst"), b"x").unwrap();
    // Modes set here, not left to the umask (another test sets it to 0).
    for (p, mode) in [
        (root.join(DUMPS_DIR), 0o700),
        (root.join(INDEX_FILE), 0o600),
    ] {
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }
    let store = Store::open(&root).unwrap();
    let list = store.list(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].pid, 7);
    assert_eq!(store.dumps_since("/bin/p", 0).unwrap(), 1);
    let conn = rusqlite::Connection::open(root.join(INDEX_FILE)).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn reading_a_directory_without_a_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = Store::open_existing(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::NoStore { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "no crash store at {}: pass --store DIR naming an existing store (`rewind monitor` creates one)",
            dir.path().display()
        )
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    let missing = dir.path().join("nothing-here");
    assert!(matches!(
        Store::open_existing(&missing).unwrap_err(),
        StoreError::NoStore { .. }
    ));
    assert!(!missing.exists());
    drop(Store::open(&missing).unwrap());
    Store::open_existing(&missing).unwrap();
}

/// Modes are 0700/0600 whatever the umask (here: none, which would leave
/// files 0666 and directories 0777).
#[test]
fn files_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a/b/store");
    // SAFETY: umask only changes this process's file creation mask; the other
    // tests of this file check modes only against it or create nothing shared.
    let old = unsafe { libc::umask(0) };
    let result = (|| {
        let mut store = Store::open(&root)?;
        store.add(
            &report("crash", "/bin/p", 1),
            Some(&core(dir.path(), "c", 1)),
            &StoreOptions::default(),
        )?;
        let incoming = store.incoming_core(5)?;
        let incoming_mode = fs::metadata(incoming.path()).unwrap().mode() & 0o777;
        Ok::<_, StoreError>(incoming_mode)
    })();
    unsafe { libc::umask(old) };
    assert_eq!(result.unwrap(), 0o600, "incoming core");
    for d in [
        root.clone(),
        root.join(DUMPS_DIR),
        root.join(INCOMING_DIR),
        dir.path().join("a"),
    ] {
        let mode = fs::metadata(&d).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", d.display());
    }
    let mut files = vec![root.join(INDEX_FILE)];
    for e in fs::read_dir(root.join(DUMPS_DIR)).unwrap() {
        files.push(e.unwrap().path());
    }
    for suffix in ["-wal", "-shm"] {
        let p = root.join(format!("{INDEX_FILE}{suffix}"));
        if p.exists() {
            files.push(p);
        }
    }
    assert!(files.len() >= 2, "{files:?}");
    for f in files {
        let mode = fs::metadata(&f).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

#[test]
fn unsafe_stores_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(Store::open(&root).unwrap());

    // Writable by others.
    fs::set_permissions(&root, fs::Permissions::from_mode(0o777)).unwrap();
    let e = Store::open(&root).unwrap_err();
    assert!(matches!(e, StoreError::Unsafe { .. }), "{e}");
    assert!(e.to_string().contains("mode 0777"), "{e}");
    assert!(e.to_string().contains("chmod go-w"), "{e}");
    let e = Store::open_existing(&root).unwrap_err();
    assert!(matches!(e, StoreError::Unsafe { .. }), "{e}");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();

    // A link in place of one of its directories or of the index.
    let victim = dir.path().join("victim");
    fs::create_dir(&victim).unwrap();
    fs::remove_dir(root.join(INCOMING_DIR)).unwrap();
    symlink(&victim, root.join(INCOMING_DIR)).unwrap();
    let e = Store::open(&root).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    fs::remove_file(root.join(INCOMING_DIR)).unwrap();

    let victim_file = dir.path().join("victim.db");
    fs::write(&victim_file, b"precious").unwrap();
    for f in ["index.sqlite-wal", "index.sqlite-shm"] {
        let _ = fs::remove_file(root.join(f));
    }
    fs::rename(root.join(INDEX_FILE), dir.path().join("saved-index")).unwrap();
    symlink(&victim_file, root.join(INDEX_FILE)).unwrap();
    let e = Store::open(&root).unwrap_err();
    assert!(matches!(e, StoreError::Unsafe { .. }), "{e}");
    assert_eq!(fs::read(&victim_file).unwrap(), b"precious");
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 0);
}

/// Raw cores left in incoming/ by a monitor that died are removed by the
/// next open, whatever pid their name carries; one being written (locked)
/// is left alone.
#[test]
fn incoming_leftovers_are_removed_at_once() {
    use std::os::unix::io::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let store = Store::open(&root).unwrap();
    let live = store.incoming_core(1).unwrap();
    live.file().write_all(b"core").unwrap();
    // pid 1 is alive: a name-based check would have kept this one.
    let leftover = root.join(INCOMING_DIR).join("1-2-3.core");
    fs::write(&leftover, b"old core").unwrap();
    let link = root.join(INCOMING_DIR).join("link.core");
    symlink("/etc/passwd", &link).unwrap();
    let locked = root.join(INCOMING_DIR).join("locked.core");
    let f = fs::File::create(&locked).unwrap();
    // SAFETY: flock on our own descriptor.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);

    drop(Store::open(&root).unwrap());
    assert!(!leftover.exists());
    assert!(fs::symlink_metadata(&link).is_err());
    assert!(locked.exists());
    assert!(live.path().exists());
    let path = live.path().to_path_buf();
    drop(live);
    assert!(!path.exists(), "an incoming core is removed when dropped");
}
