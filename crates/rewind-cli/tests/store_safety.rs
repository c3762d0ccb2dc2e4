//! The crash store between users: files 0600 and directories 0700 whatever
//! the umask, stores that are another user's or writable by others refused,
//! links never followed, leftovers of dead monitors removed, and the
//! core_pattern handler (run as root) giving each user their own crashes.
//!
//! Run as root, the tests create users of their own (removed at the end)
//! and run rewind as them; as another user they say they were not run.

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// A user created for the test, deleted when dropped.
struct TestUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl TestUser {
    fn new() -> TestUser {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "rwt{}x{}",
            std::process::id() % 1_000_000,
            N.fetch_add(1, Ordering::Relaxed)
        );
        let st = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
            ])
            .arg(&name)
            .status()
            .expect("running useradd");
        assert!(st.success(), "useradd {name} failed");
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, &name]).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        TestUser { name, uid, gid }
    }

    /// `rewind ARGS...` as this user, with umask `umask`, from `/`.
    fn rewind(&self, args: &[&std::ffi::OsStr], umask: u32) -> Command {
        let mut c = Command::new(REWIND);
        c.args(args)
            .current_dir("/")
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("TMPDIR", "/tmp")
            .uid(self.uid)
            .gid(self.gid);
        unsafe {
            c.pre_exec(move || {
                libc::setgroups(0, std::ptr::null());
                libc::umask(umask as libc::mode_t);
                Ok(())
            });
        }
        c
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

/// A directory owned by `user` inside the fixture (which others can pass through).
fn home_of(fx: &Fixture, user: &TestUser) -> PathBuf {
    fs::set_permissions(fx.path(), fs::Permissions::from_mode(0o711)).unwrap();
    let dir = fx.path().join(&user.name);
    fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(user.uid), Some(user.gid)).unwrap();
    dir
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

fn owner(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().uid()
}

fn not_run(test: &str) {
    eprintln!("NOT RUN: {test} needs root to create test users");
}

/// A user's monitor with umask 0 (which would make files 0666) keeps
/// every directory 0700 and every file 0600, all theirs; root, another
/// user and a store writable by others are refused with one line.
#[test]
fn a_users_store_is_private_whatever_the_umask() {
    if !is_root() {
        return not_run("a_users_store_is_private_whatever_the_umask");
    }
    let fx = Fixture::new();
    let prog = fx.compile("mon_deep");
    let user = TestUser::new();
    let home = home_of(&fx, &user);
    let store = home.join("store");
    let mut c = user.rewind(
        &[
            "monitor".as_ref(),
            "-q".as_ref(),
            "--store".as_ref(),
            store.as_os_str(),
            "--".as_ref(),
            prog.as_os_str(),
        ],
        0,
    );
    c.stdout(Stdio::null());
    let r = run(c, None);
    assert_eq!(r.code(), 139, "{}", r.describe());

    for d in [&store, &store.join("dumps"), &store.join("incoming")] {
        assert_eq!(mode(d), 0o700, "{}", d.display());
        assert_eq!(owner(d), user.uid, "{}", d.display());
    }
    let mut files = vec![store.join("index.sqlite")];
    files.extend(
        fs::read_dir(store.join("dumps"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for extra in ["index.sqlite-wal", "index.sqlite-shm"] {
        if store.join(extra).exists() {
            files.push(store.join(extra));
        }
    }
    assert!(files.len() >= 2, "a dump was stored: {files:?}");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        assert_eq!(owner(f), user.uid, "{}", f.display());
    }
    assert_eq!(fs::read_dir(store.join("incoming")).unwrap().count(), 0);

    // Root does not use (or change) another user's store.
    let mut c = Command::new(REWIND);
    c.args(["crashes", "--store"])
        .arg(&store)
        .arg("list")
        .current_dir("/");
    let r = run(c, None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str()
            .contains(&format!("belongs to uid {}, not to you (uid 0)", user.uid)),
        "{}",
        r.describe()
    );
    // Another user does not either.
    let other = TestUser::new();
    let r = run(
        other.rewind(
            &[
                "crashes".as_ref(),
                "--store".as_ref(),
                store.as_os_str(),
                "list".as_ref(),
            ],
            0o022,
        ),
        None,
    );
    assert_one_line_error(&r);

    // Writable by others: refused, also to its owner.
    fs::set_permissions(&store, fs::Permissions::from_mode(0o777)).unwrap();
    for cmd in ["list", "groups"] {
        let r = run(
            user.rewind(
                &[
                    "crashes".as_ref(),
                    "--store".as_ref(),
                    store.as_os_str(),
                    cmd.as_ref(),
                ],
                0o022,
            ),
            None,
        );
        assert_one_line_error(&r);
        assert!(
            r.stderr_str().contains("mode 0777") && r.stderr_str().contains("chmod go-w"),
            "{}",
            r.describe()
        );
    }
    fs::set_permissions(&store, fs::Permissions::from_mode(0o700)).unwrap();
    let r = run(
        user.rewind(
            &[
                "crashes".as_ref(),
                "--store".as_ref(),
                store.as_os_str(),
                "list".as_ref(),
            ],
            0o022,
        ),
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
}

/// Links planted in a store (in place of incoming/, dumps/ or the index)
/// are refused, never followed: what they point to stays untouched and the
/// program is not started; a monitor's leftovers in incoming/ go at once.
#[test]
fn links_in_a_store_are_never_followed() {
    if !is_root() {
        return not_run("links_in_a_store_are_never_followed");
    }
    let fx = Fixture::new();
    let marker_prog = fx.compile("mon_marker");
    let user = TestUser::new();
    let home = home_of(&fx, &user);
    let store = home.join("store");
    let as_user = |args: &[&std::ffi::OsStr]| run(user.rewind(args, 0o022), None);
    let list = |s: &Path| {
        as_user(&[
            "crashes".as_ref(),
            "--store".as_ref(),
            s.as_os_str(),
            "list".as_ref(),
        ])
    };
    // The user makes a store and a victim directory and file of theirs.
    let r = as_user(&[
        "monitor".as_ref(),
        "-q".as_ref(),
        "--store".as_ref(),
        store.as_os_str(),
        "--".as_ref(),
        "true".as_ref(),
    ]);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let victim_dir = home.join("victim");
    let victim_file = home.join("victim.txt");
    fs::create_dir(&victim_dir).unwrap();
    fs::write(&victim_file, "precious\n").unwrap();
    for p in [&victim_dir, &victim_file] {
        std::os::unix::fs::lchown(p, Some(user.uid), Some(user.gid)).unwrap();
    }

    for (name, target) in [
        ("incoming", &victim_dir),
        ("dumps", &victim_dir),
        ("index.sqlite", &victim_file),
    ] {
        let planted = store.join(name);
        let saved = home.join(format!("saved-{name}"));
        fs::rename(&planted, &saved).unwrap();
        symlink(target, &planted).unwrap();
        std::os::unix::fs::lchown(&planted, Some(user.uid), Some(user.gid)).unwrap();
        let marker = home.join("started");
        let r = as_user(&[
            "monitor".as_ref(),
            "--store".as_ref(),
            store.as_os_str(),
            "--".as_ref(),
            marker_prog.as_os_str(),
            marker.as_os_str(),
        ]);
        assert_one_line_error(&r);
        assert!(
            r.stderr_str().contains("symbolic link"),
            "{name}: {}",
            r.describe()
        );
        assert!(!marker.exists(), "{name}: the program must not start");
        let r = list(&store);
        assert_one_line_error(&r);
        assert_eq!(fs::read_dir(&victim_dir).unwrap().count(), 0, "{name}");
        assert_eq!(fs::read_to_string(&victim_file).unwrap(), "precious\n");
        fs::remove_file(&planted).unwrap();
        fs::rename(&saved, &planted).unwrap();
    }

    // Leftovers of a dead monitor (an unlocked file, whatever pid its name
    // has: pid 1 lives) and a planted link go at the next use of the store.
    let leftover = store.join("incoming").join("1-1-1.core");
    fs::write(&leftover, "old core").unwrap();
    let link = store.join("incoming").join("2-2-2.core");
    symlink(&victim_file, &link).unwrap();
    let r = list(&store);
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert!(!leftover.exists());
    assert!(fs::symlink_metadata(&link).is_err());
    assert_eq!(fs::read_to_string(&victim_file).unwrap(), "precious\n");
}

/// `sleep 60` run as `user`: a process of theirs for the handler's --pid.
fn process_of(user: &TestUser) -> Child {
    Command::new("sleep")
        .arg("60")
        .uid(user.uid)
        .gid(user.gid)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// The core_pattern handler runs as root: a user's crash goes to a store
/// of theirs inside the machine's store, which they read with the same
/// --store; other users cannot read it; a crash of a process that is not
/// wholly the user's (as a set-id program's) stays root's.
#[test]
fn the_handler_gives_users_their_own_crashes() {
    if !is_root() {
        return not_run("the_handler_gives_users_their_own_crashes");
    }
    let fx = Fixture::new();
    let deep = fx.compile("mon_deep");
    let mine = fx.path().join("mine");
    let mut c = fx.rewind([
        "monitor".as_ref(),
        "-q".as_ref(),
        "--store".as_ref(),
        mine.as_os_str(),
    ]);
    c.arg("--").arg(&deep);
    assert_eq!(run(c, None).code(), 139);
    let core_path = fx.path().join("core");
    let mut c = fx.rewind(["crashes".as_ref(), "--store".as_ref(), mine.as_os_str()]);
    c.args(["dump", "1", "-o"]).arg(&core_path);
    assert_eq!(run(c, None).code(), 0);
    let core = fs::read(&core_path).unwrap();

    let alice = TestUser::new();
    let bob = TestUser::new();
    fs::set_permissions(fx.path(), fs::Permissions::from_mode(0o711)).unwrap();
    let machine = fx.path().join("machine");
    let ingest = |pid: u32, user: &TestUser, core: &[u8]| {
        let mut c = fx.rewind(["crashes".as_ref(), "--store".as_ref(), machine.as_os_str()]);
        c.args(["ingest", "--signal", "11", "--pid", &pid.to_string()])
            .args([
                "--uid",
                &user.uid.to_string(),
                "--gid",
                &user.gid.to_string(),
            ]);
        let r = run(c, Some(core));
        assert_eq!(r.code(), 0, "{}", r.describe());
        r
    };
    let mut alices = process_of(&alice);
    ingest(alices.id(), &alice, &core);
    let _ = alices.kill();
    let _ = alices.wait();

    let own = machine.join("users").join(alice.uid.to_string());
    assert_eq!(owner(&own), alice.uid);
    assert_eq!(mode(&own), 0o700);
    assert_eq!(owner(&own.join("index.sqlite")), alice.uid);
    assert_eq!(mode(&own.join("index.sqlite")), 0o600);
    for d in fs::read_dir(own.join("dumps")).unwrap() {
        let p = d.unwrap().path();
        assert_eq!((owner(&p), mode(&p)), (alice.uid, 0o600), "{}", p.display());
    }

    let list_as = |user: &TestUser, store: &Path| {
        run(
            user.rewind(
                &[
                    "crashes".as_ref(),
                    "--store".as_ref(),
                    store.as_os_str(),
                    "list".as_ref(),
                    "--json".as_ref(),
                ],
                0o022,
            ),
            None,
        )
    };
    // Alice reads her crash through the machine's store.
    let r = list_as(&alice, &machine);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let entries: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{}", r.describe());
    let r = run(
        alice.rewind(
            &[
                "crashes".as_ref(),
                "--store".as_ref(),
                machine.as_os_str(),
                "info".as_ref(),
            ],
            0o022,
        ),
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert!(r.stdout_str().contains("SIGSEGV"), "{}", r.describe());

    // Bob has no crashes there and cannot read Alice's.
    let r = list_as(&bob, &machine);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("no crash store"),
        "{}",
        r.describe()
    );
    let r = list_as(&bob, &own);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str()
            .contains(&format!("belongs to uid {}", alice.uid)),
        "{}",
        r.describe()
    );

    // A process whose ids are not all Alice's (here: root's own) claimed
    // as Alice's: its crash stays root's.
    let mut other = core.clone();
    let last = other.len() - 1;
    other[last] ^= 0x55;
    ingest(std::process::id(), &alice, &other);
    let r = list_as(&alice, &machine);
    let entries: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{}", r.describe());
    let mut c = fx.rewind(["crashes".as_ref(), "--store".as_ref(), machine.as_os_str()]);
    c.args(["list", "--json"]);
    let r = run(c, None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let entries: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        entries.as_array().unwrap().len(),
        1,
        "root's own: {}",
        r.describe()
    );
    assert_eq!(mode(&machine.join("index.sqlite")), 0o600);
}
