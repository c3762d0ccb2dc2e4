//! The crash store on disk: adds, reads, dumps, quota, retention, cleanup
//! after interrupted adds, concurrency and damaged indexes.

use rewind_store::{
    Filter, Frame, Report, Store, StoreError, StoreOptions, ThreadReport, DUMPS_DIR, INDEX_FILE,
    SCHEMA_VERSION,
};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn report(function: &str, time: i64, pid: i32) -> Report {
    let exe = "/usr/local/bin/prog";
    Report {
        reason: "crash".into(),
        signal: Some(11),
        signal_name: Some("SIGSEGV".into()),
        signal_code: Some(1),
        signal_code_name: Some("SEGV_MAPERR".into()),
        fault_address: Some(0),
        pid,
        executable: exe.into(),
        cmdline: vec![exe.into()],
        time,
        process_uptime_secs: 0.5,
        system_uptime_secs: 1000.0,
        threads: vec![ThreadReport {
            tid: pid,
            name: "prog".into(),
            crashed: true,
            frames: vec![
                Frame {
                    address: 0x5555_0000_1000 + u64::from(pid.unsigned_abs()),
                    function: Some(function.into()),
                    module: Some(exe.into()),
                    ..Frame::default()
                },
                Frame {
                    address: 0x5555_0000_2000,
                    function: Some("main".into()),
                    module: Some(exe.into()),
                    ..Frame::default()
                },
            ],
        }],
        ..Report::default()
    }
}

/// A fake core of `len` bytes: an ELF header, then a mix of compressible and
/// incompressible pages.
fn write_core(dir: &Path, name: &str, len: usize, seed: u64) -> (PathBuf, Vec<u8>) {
    let mut data = Vec::with_capacity(len);
    data.extend_from_slice(b"\x7fELF\x02\x01\x01\0");
    let mut x = seed | 1;
    while data.len() < len {
        let page = data.len() / 4096;
        if page % 3 == 0 {
            data.push(0);
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push(x as u8);
        }
    }
    data.truncate(len);
    let path = dir.join(name);
    fs::write(&path, &data).unwrap();
    (path, data)
}

fn no_quota() -> StoreOptions {
    StoreOptions::default()
}

#[test]
fn add_list_get_roundtrip_with_and_without_dump() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let mut store = Store::open(&root).unwrap();
    assert_eq!(store.root(), root);
    assert!(root.join(INDEX_FILE).is_file());
    assert!(root.join(DUMPS_DIR).is_dir());

    let (core, data) = write_core(dir.path(), "core.tmp", 300_000, 7);
    let r1 = report("c", 1000, 10);
    let out1 = store.add(&r1, Some(&core), &no_quota()).unwrap();
    assert!(out1.dump_kept);
    assert_eq!(out1.core_bytes, data.len() as u64);
    assert!(out1.dump_bytes > 0 && out1.dump_bytes < out1.core_bytes);
    assert_eq!(out1.note, None);
    assert_eq!(out1.signature, "SIGSEGV at c < main");

    let mut r2 = report("d", 2000, 11);
    r2.note = Some("dump not kept: --max-dumps 1 reached".into());
    let out2 = store.add(&r2, None, &no_quota()).unwrap();
    assert!(!out2.dump_kept);
    assert_eq!(out2.dump_bytes, 0);
    assert_ne!(out1.id, out2.id);

    let list = store.list(&Filter::default()).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, out1.id, "newest last");
    assert_eq!(list[1].id, out2.id);
    let s1 = &list[0];
    assert_eq!(s1.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(s1.reason, "crash");
    assert_eq!((s1.time, s1.pid), (1000, 10));
    assert_eq!(s1.executable, "/usr/local/bin/prog");
    assert_eq!(s1.group, out1.group);
    assert_eq!(
        (s1.dump_bytes, s1.core_bytes),
        (out1.dump_bytes, out1.core_bytes)
    );
    let dump = s1.dump.clone().expect("dump kept");
    assert!(dump.is_absolute());
    assert_eq!(
        dump,
        root.join("dumps").join(format!("{}.core.zst", out1.id))
    );
    assert_eq!(fs::metadata(&dump).unwrap().len(), out1.dump_bytes);
    assert_eq!(list[1].dump, None);
    assert_eq!(list[1].note, r2.note);

    let c1 = store.get(out1.id).unwrap().unwrap();
    assert_eq!(c1.report, r1);
    assert_eq!(&c1.summary, s1);
    let c2 = store.get(out2.id).unwrap().unwrap();
    assert_eq!(c2.report, r2);
    assert!(store.get(9999).unwrap().is_none());
    assert!(c1.render().contains(&format!("Crash: {}", out1.id)));

    // A new handle sees the same.
    drop(store);
    let store = Store::open(&root).unwrap();
    assert_eq!(store.list(&Filter::default()).unwrap(), list);
    assert_eq!(store.dump_bytes().unwrap(), out1.dump_bytes);
    assert_eq!(store.dumps_since("/usr/local/bin/prog", 0).unwrap(), 1);
    assert_eq!(store.dumps_since("/usr/local/bin/other", 0).unwrap(), 0);
    assert_eq!(
        store.dumps_since("/usr/local/bin/prog", i64::MAX).unwrap(),
        0
    );
}

#[test]
fn export_dump_gives_back_the_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    // Larger than the copy buffer, so the streaming loops go round.
    let (core, data) = write_core(dir.path(), "core.tmp", 3 * 1024 * 1024 + 123, 99);
    let out = store
        .add(&report("c", 1, 1), Some(&core), &no_quota())
        .unwrap();
    fs::remove_file(&core).unwrap(); // the caller's temp goes; the store has its own copy

    let exported = dir.path().join("exported.core");
    let n = store.export_dump(out.id, &exported).unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(fs::read(&exported).unwrap(), data);
    // No temporary file left beside it.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}"); // store/ and exported.core

    // Errors: unknown id, crash without dump, dump deleted behind our back.
    let e = store.export_dump(12345, &exported).unwrap_err();
    assert!(
        matches!(e, StoreError::NoSuchCrash { id: 12345, .. }),
        "{e}"
    );
    let mut r = report("c", 2, 2);
    r.note = Some("dump not kept: --max-dumps 1 reached".into());
    let without = store.add(&r, None, &no_quota()).unwrap();
    let e = store.export_dump(without.id, &exported).unwrap_err();
    assert!(e.to_string().contains("--max-dumps 1 reached"), "{e}");
    fs::remove_file(store.get(out.id).unwrap().unwrap().summary.dump.unwrap()).unwrap();
    let e = store
        .export_dump(out.id, &dir.path().join("x"))
        .unwrap_err();
    assert!(matches!(e, StoreError::DumpMissing { .. }), "{e}");
    assert!(!dir.path().join("x").exists());
}

#[test]
fn corrupt_dump_is_reported_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let (core, _) = write_core(dir.path(), "core.tmp", 200_000, 5);
    let out = store
        .add(&report("c", 1, 1), Some(&core), &no_quota())
        .unwrap();
    let dump = store.get(out.id).unwrap().unwrap().summary.dump.unwrap();
    let mut bytes = fs::read(&dump).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    bytes.truncate(bytes.len() - 3);
    fs::write(&dump, &bytes).unwrap();
    let target = dir.path().join("out.core");
    let e = store.export_dump(out.id, &target).unwrap_err();
    assert!(matches!(e, StoreError::DumpDamaged { .. }), "{e}");
    assert!(!target.exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("rewind"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn quota_keeps_the_crash_without_its_dump() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let (core, _) = write_core(dir.path(), "core.tmp", 400_000, 3);

    let first = store
        .add(&report("c", 1, 1), Some(&core), &no_quota())
        .unwrap();
    assert!(first.dump_kept);
    // Room for about one more half of a dump: the next one does not fit.
    let quota = StoreOptions {
        quota_bytes: Some(first.dump_bytes + first.dump_bytes / 2),
        ..StoreOptions::default()
    };
    // Each add its own core: the same core twice is one crash.
    let (core2, _) = write_core(dir.path(), "core2.tmp", 400_000, 7);
    let (core3, _) = write_core(dir.path(), "core3.tmp", 400_000, 9);
    let (core4, _) = write_core(dir.path(), "core4.tmp", 400_000, 11);
    let second = store.add(&report("c", 2, 2), Some(&core2), &quota).unwrap();
    assert!(!second.dump_kept);
    assert_eq!(second.dump_bytes, 0);
    let note = second.note.clone().unwrap();
    assert!(
        note.starts_with("dump not kept: the store's quota of"),
        "{note}"
    );
    // Compression stopped as soon as it went past the room left.
    assert!(note.contains(", this dump over "), "{note}");
    assert_eq!(second.core_bytes, 400_000);

    let got = store.get(second.id).unwrap().unwrap();
    assert_eq!(got.summary.dump, None);
    assert_eq!(got.summary.note.as_deref(), Some(note.as_str()));
    assert_eq!(got.report.note.as_deref(), Some(note.as_str()));
    assert_eq!(store.dump_bytes().unwrap(), first.dump_bytes);
    // Nothing of the refused dump stays on disk.
    assert_eq!(
        fs::read_dir(store.root().join(DUMPS_DIR)).unwrap().count(),
        1
    );

    // A note already in the report is kept, the quota's reason appended.
    let mut r = report("c", 3, 3);
    r.note = Some("cpu trigger".into());
    let full = StoreOptions {
        quota_bytes: Some(first.dump_bytes),
        ..StoreOptions::default()
    };
    let third = store.add(&r, Some(&core3), &full).unwrap();
    assert!(!third.dump_kept);
    assert!(third
        .note
        .unwrap()
        .starts_with("cpu trigger; dump not kept: the store's quota"));

    // A quota with room keeps it.
    let roomy = StoreOptions {
        quota_bytes: Some(first.dump_bytes * 3),
        ..StoreOptions::default()
    };
    assert!(
        store
            .add(&report("c", 4, 4), Some(&core4), &roomy)
            .unwrap()
            .dump_kept
    );

    // Pruning to a quota removes the oldest dumps and keeps the rows.
    let stats = store.prune_to_quota(first.dump_bytes).unwrap();
    assert_eq!(stats.dumps_removed, 1);
    assert_eq!(stats.crashes_removed, 0);
    assert_eq!(store.list(&Filter::default()).unwrap().len(), 4);
    let oldest = store.get(first.id).unwrap().unwrap();
    assert_eq!(oldest.summary.dump, None);
    assert!(oldest
        .report
        .note
        .unwrap()
        .contains("dump removed to keep the store under its quota"));
    assert_eq!(store.dump_bytes().unwrap(), first.dump_bytes);
    assert_eq!(
        fs::read_dir(store.root().join(DUMPS_DIR)).unwrap().count(),
        1
    );
}

#[test]
fn unreadable_core_records_the_crash_without_dump() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let out = store
        .add(
            &report("c", 1, 1),
            Some(&dir.path().join("no-such-core")),
            &no_quota(),
        )
        .unwrap();
    assert!(!out.dump_kept);
    assert!(out.note.unwrap().contains("cannot read the core file"));
    assert_eq!(
        fs::read_dir(store.root().join(DUMPS_DIR)).unwrap().count(),
        0
    );
}

#[test]
fn prune_removes_old_crashes_and_keeps_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let (core, _) = write_core(dir.path(), "core.tmp", 50_000, 11);
    let old = store
        .add(&report("c", 1_000, 1), Some(&core), &no_quota())
        .unwrap();
    let old_nodump = store
        .add(&report("c", 1_500, 2), None, &no_quota())
        .unwrap();
    let (core2, _) = write_core(dir.path(), "core2.tmp", 50_000, 12);
    let new = store
        .add(&report("c", 9_000, 3), Some(&core2), &no_quota())
        .unwrap();
    let old_dump = store.get(old.id).unwrap().unwrap().summary.dump.unwrap();
    let new_dump = store.get(new.id).unwrap().unwrap().summary.dump.unwrap();

    let stats = store.prune(10_000, 5_000).unwrap();
    assert_eq!(stats.crashes_removed, 2);
    assert_eq!(stats.dumps_removed, 1);
    assert_eq!(stats.bytes_freed, old.dump_bytes);
    assert!(!old_dump.exists());
    assert!(new_dump.exists());
    assert!(store.get(old.id).unwrap().is_none());
    assert!(store.get(old_nodump.id).unwrap().is_none());
    let ids: Vec<i64> = store
        .list(&Filter::default())
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![new.id]);
    assert_eq!(store.dump_bytes().unwrap(), new.dump_bytes);

    // Ids are never reused after a prune.
    let next = store
        .add(&report("c", 9_500, 4), None, &no_quota())
        .unwrap();
    assert!(next.id > new.id);
    // Nothing older: nothing pruned.
    assert_eq!(store.prune(10_000, 5_000).unwrap(), Default::default());
}

#[test]
fn filters_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let a1 = store.add(&report("c", 100, 1), None, &no_quota()).unwrap();
    let b1 = store.add(&report("d", 200, 2), None, &no_quota()).unwrap();
    let mut other_exe = report("c", 300, 3);
    other_exe.executable = "/opt/other".into();
    let a2 = store.add(&other_exe, None, &no_quota()).unwrap();
    let a3 = store.add(&report("c", 400, 4), None, &no_quota()).unwrap();
    assert_eq!(a1.group, a2.group);
    assert_ne!(a1.group, b1.group);

    let ids = |f: Filter| -> Vec<i64> { store.list(&f).unwrap().iter().map(|c| c.id).collect() };
    assert_eq!(
        ids(Filter {
            since: Some(250),
            ..Filter::default()
        }),
        vec![a2.id, a3.id]
    );
    assert_eq!(
        ids(Filter {
            since: Some(300),
            ..Filter::default()
        }),
        vec![a2.id, a3.id]
    );
    assert_eq!(
        ids(Filter {
            group: Some(a1.group.clone()),
            ..Filter::default()
        }),
        vec![a1.id, a2.id, a3.id]
    );
    assert_eq!(
        ids(Filter {
            group: Some(b1.group.clone()),
            ..Filter::default()
        }),
        vec![b1.id]
    );
    assert_eq!(
        ids(Filter {
            group: Some(a1.group.clone()),
            since: Some(150),
            ..Filter::default()
        }),
        vec![a2.id, a3.id]
    );
    assert_eq!(
        ids(Filter {
            executable: Some("/opt/other".into()),
            ..Filter::default()
        }),
        vec![a2.id]
    );
    assert_eq!(
        ids(Filter {
            executable: Some("other".into()),
            ..Filter::default()
        }),
        vec![a2.id]
    );
    assert_eq!(
        ids(Filter {
            executable: Some("prog".into()),
            ..Filter::default()
        }),
        vec![a1.id, b1.id, a3.id]
    );
    assert!(ids(Filter {
        executable: Some("rog".into()),
        ..Filter::default()
    })
    .is_empty());
    assert!(ids(Filter {
        group: Some("000000000000".into()),
        ..Filter::default()
    })
    .is_empty());

    let groups = store.groups().unwrap();
    assert_eq!(groups.len(), 2);
    // Newest last: b's last crash (200) is older than a's (400).
    assert_eq!(groups[0].id, b1.group);
    assert_eq!(groups[0].count, 1);
    let g = &groups[1];
    assert_eq!(g.id, a1.group);
    assert_eq!(g.signature, "SIGSEGV at c < main");
    assert_eq!(g.count, 3);
    assert_eq!((g.first_time, g.last_time), (100, 400));
    assert_eq!(g.last_crash, a3.id);
    assert_eq!(
        g.executables,
        vec!["/opt/other".to_string(), "/usr/local/bin/prog".to_string()]
    );
}

#[test]
fn unwritable_root_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("somefile");
    fs::write(&file, b"not a directory").unwrap();
    let root = file.join("store");
    let e = Store::open(&root).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, StoreError::NotWritable { .. }), "{msg}");
    assert_eq!(
        msg,
        format!(
            "crash store {} is not writable (Not a directory): pass --store DIR or set REWIND_STORE",
            root.display()
        )
    );
    assert!(!msg.contains('\n'));

    // /proc does not take new directories either.
    let e = Store::open(Path::new("/proc/rewind-store-test/store")).unwrap_err();
    assert!(matches!(e, StoreError::NotWritable { .. }), "{e}");
    assert!(
        e.to_string()
            .ends_with(": pass --store DIR or set REWIND_STORE"),
        "{e}"
    );
}

#[test]
fn torn_adds_are_cleaned_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let mut store = Store::open(&root).unwrap();
    let (core, data) = write_core(dir.path(), "core.tmp", 100_000, 13);
    let kept = store
        .add(&report("c", 1, 1), Some(&core), &no_quota())
        .unwrap();
    drop(store);

    let dumps = root.join(DUMPS_DIR);
    // A half-written dump of an add whose process died...
    let temp = dumps.join(".tmp-999999-1-0.core.zst");
    fs::write(&temp, b"\x28\xb5\x2f\xfd half").unwrap();
    // ...and a dump moved into place whose row was never written.
    let orphan = dumps.join(format!("{}.core.zst", kept.id + 1));
    fs::write(&orphan, b"orphan").unwrap();
    // Files that are not the store's are left alone.
    let foreign = dumps.join("README");
    fs::write(&foreign, b"mine").unwrap();

    let store = Store::open(&root).unwrap();
    assert!(!temp.exists());
    assert!(!orphan.exists());
    assert!(foreign.exists());
    // The complete crash is untouched.
    let list = store.list(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    let out = dir.path().join("out");
    store.export_dump(kept.id, &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), data);
}

#[test]
fn a_temp_file_locked_by_a_live_writer_is_left_alone() {
    use std::os::unix::io::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(Store::open(&root).unwrap());
    let temp = root.join(DUMPS_DIR).join(".tmp-1-2-3.core.zst");
    let mut f = fs::File::create(&temp).unwrap();
    f.write_all(b"being written").unwrap();
    // SAFETY: flock on our own descriptor.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    drop(Store::open(&root).unwrap());
    assert!(
        temp.exists(),
        "an add in progress elsewhere must survive open()"
    );
    drop(f);
    drop(Store::open(&root).unwrap());
    assert!(!temp.exists());
}

#[test]
fn two_handles_add_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let per_thread = 8;
    // A core per add: the same core twice would be one crash.
    let mut cores = Vec::new();
    for t in 0..2u64 {
        for i in 0..per_thread {
            cores.push(write_core(
                dir.path(),
                &format!("core{t}-{i}"),
                150_000,
                (t * 1000 + i) * 2 + 1,
            ));
        }
    }
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let root = root.clone();
            let cores: Vec<PathBuf> = cores[t * per_thread as usize..][..per_thread as usize]
                .iter()
                .map(|c| c.0.clone())
                .collect();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for i in 0..per_thread {
                    // Each add opens its own handle too, as separate
                    // `rewind monitor` processes would (open() cleans up
                    // while the other thread is mid-add).
                    let mut store = Store::open(&root).unwrap();
                    let r = report(
                        if t == 0 { "c" } else { "d" },
                        1000 + i as i64,
                        100 * t as i32 + i as i32,
                    );
                    let core = &cores[i as usize];
                    let out = store.add(&r, Some(core), &no_quota()).unwrap();
                    assert!(out.dump_kept, "{out:?}");
                    ids.push((out.id, t * per_thread as usize + i as usize));
                }
                ids
            })
        })
        .collect();
    let mut all = Vec::new();
    for th in threads {
        all.extend(th.join().unwrap());
    }
    assert_eq!(all.len(), 2 * per_thread as usize);

    let store = Store::open(&root).unwrap();
    assert_eq!(store.list(&Filter::default()).unwrap().len(), all.len());
    assert_eq!(store.groups().unwrap().len(), 2);
    for (id, t) in all {
        let out = dir.path().join(format!("export-{id}"));
        store.export_dump(id, &out).unwrap();
        assert_eq!(fs::read(&out).unwrap(), cores[t].1, "crash {id}");
    }
}

#[test]
fn corrupt_index_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    fs::create_dir_all(&root).unwrap();
    let index = root.join(INDEX_FILE);
    let mut junk = vec![0u8; 8192];
    let mut x: u32 = 12345;
    for b in &mut junk {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    fs::write(&index, &junk).unwrap();
    let e = Store::open(&root).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, StoreError::Damaged { .. }), "{msg}");
    assert!(
        msg.starts_with(&format!(
            "crash store index {} is damaged: ",
            index.display()
        )),
        "{msg}"
    );
    assert!(
        msg.ends_with("; move it away to start a new store"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}

#[test]
fn damaged_pages_in_a_real_index_give_the_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    {
        let mut store = Store::open(&root).unwrap();
        for i in 0..200 {
            store
                .add(&report("c", i, i as i32), None, &no_quota())
                .unwrap();
        }
    } // closing the last connection checkpoints the WAL into index.sqlite
    let index = root.join(INDEX_FILE);
    let mut bytes = fs::read(&index).unwrap();
    assert!(bytes.len() > 3 * 4096, "{}", bytes.len());
    // Smash every page after the first (the header stays valid).
    for b in &mut bytes[4096..] {
        *b = 0xa5;
    }
    fs::write(&index, &bytes).unwrap();
    let result = Store::open(&root).and_then(|s| s.list(&Filter::default()).map(|_| ()));
    let e = result.unwrap_err();
    assert!(matches!(e, StoreError::Damaged { .. }), "{e}");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(Store::open(&root).unwrap());
    let conn = rusqlite::Connection::open(root.join(INDEX_FILE)).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let e = Store::open(&root).unwrap_err();
    assert!(matches!(e, StoreError::TooNew { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}

#[test]
fn a_foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    fs::create_dir_all(&root).unwrap();
    let conn = rusqlite::Connection::open(root.join(INDEX_FILE)).unwrap();
    conn.execute_batch("CREATE TABLE notes (x TEXT)").unwrap();
    drop(conn);
    let e = Store::open(&root).unwrap_err();
    assert!(matches!(e, StoreError::Damaged { .. }), "{e}");
}

#[test]
fn default_root_follows_the_environment() {
    // The only test touching these variables (tests run in threads).
    std::env::set_var("REWIND_STORE", "/srv/crashes");
    assert_eq!(
        Store::default_root().unwrap(),
        PathBuf::from("/srv/crashes")
    );
    std::env::remove_var("REWIND_STORE");
    std::env::set_var("XDG_DATA_HOME", "/x/data");
    assert_eq!(
        Store::default_root().unwrap(),
        PathBuf::from("/x/data/rewind/crashes")
    );
    std::env::remove_var("XDG_DATA_HOME");
    std::env::set_var("HOME", "/home/u");
    assert_eq!(
        Store::default_root().unwrap(),
        PathBuf::from("/home/u/.local/share/rewind/crashes")
    );
}
