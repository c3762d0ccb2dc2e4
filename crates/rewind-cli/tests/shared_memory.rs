//! Shared memory replays as the kernel showed it: MAP_SHARED file mappings that
//! the program also changes with write()/pwrite()/ftruncate, several mappings of
//! one file (also in a parent and its child), mremap of file mappings, sparse
//! files, and SysV shared memory. The programs show hashes of what their
//! mappings hold through a syscall argument replay checks (see
//! tests/programs/map_show.h), so a replayed mapping with other bytes diverges.

mod common;

use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// write, pwrite, writev and ftruncate show through two MAP_SHARED mappings;
/// stores through one show in the other and in pread; a mapping made by a
/// parent sees its child's stores through the child's own mapping.
#[test]
fn map_write_shared() {
    c_roundtrip("map_write_shared", &[], OK_NONDET);
}

/// mremap growing a private file mapping shows the file in the new part.
#[test]
fn map_mremap() {
    c_roundtrip("map_mremap", &[], OK_NONDET);
}

/// SysV segments shared by a parent and its child, attached where the kernel
/// chose and at a chosen address, read-only after IPC_RMID, detached.
#[test]
fn shm_share() {
    c_roundtrip("shm_share", &[], OK_NONDET);
}

/// Peak resident memory (KiB) of `rewind replay --autopilot TRACE` and of the
/// processes it replayed (the kernel folds reaped children into it).
fn replay_peak_rss_kib(fx: &Fixture, trace: &std::path::Path) -> (i32, i64) {
    let mut cmd = fx.rewind(["replay", "--autopilot"]);
    cmd.arg(trace).stdout(Stdio::null()).stderr(Stdio::null());
    // Reaped with wait4 below, which also returns its resource usage.
    let pid = cmd.spawn().expect("spawn rewind replay").id() as i32;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4: {}", std::io::Error::last_os_error());
        if r == pid {
            return (libc::WEXITSTATUS(status), usage.ru_maxrss);
        }
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("rewind replay took more than {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A 1 GiB sparse file with four data pages, mapped MAP_SHARED: the replay
/// shows the same pages, and filling the mapping costs the data, not the size
/// (zero pages are never written, so they are never resident).
#[test]
fn map_sparse() {
    let fx = Fixture::new();
    let exe = fx.compile("map_sparse");
    let trace = fx.trace("trace");
    let (_, _) = roundtrip_at(&fx, &trace, &argv([&exe]), None, OK_NONDET);
    let (code, peak) = replay_peak_rss_kib(&fx, &trace);
    assert_eq!(code, 0, "second replay failed");
    assert!(
        peak < 128 * 1024,
        "replaying a 1 GiB sparse mapping with 16 KiB of data peaked at {peak} KiB resident"
    );
}

/// A segment made and attached by a process outside the recording (this test)
/// cannot be replayed faithfully once that process writes to it: the recorder
/// says so in one line. What the recorded program saw replays.
#[test]
fn shm_attached_outside() {
    let id = unsafe { libc::shmget(libc::IPC_PRIVATE, 8192, libc::IPC_CREAT | 0o600) };
    assert!(id >= 0, "shmget: {}", std::io::Error::last_os_error());
    let p = unsafe { libc::shmat(id, std::ptr::null(), 0) };
    assert_ne!(p as isize, -1, "shmat: {}", std::io::Error::last_os_error());
    let seed = std::process::id().to_ne_bytes();
    for i in 0..8192usize {
        unsafe { *(p as *mut u8).add(i) = seed[i % 4] ^ (i as u8) };
    }
    let fx = Fixture::new();
    let exe = fx.compile("shm_outside");
    let trace = fx.trace("trace");
    let rec = fx.record(
        &trace,
        &argv([exe.as_os_str(), id.to_string().as_ref()]),
        None,
    );
    let rep = fx.replay(&trace);
    unsafe {
        libc::shmdt(p);
        libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut());
    }
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let warnings: Vec<&str> = std::str::from_utf8(&rec.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.contains("outside the recording"))
        .collect();
    assert_eq!(
        warnings,
        [format!("rewind: warning: SysV shared memory segment {id} is also attached by a process outside the recording; what that process writes into it will not be in the replay")],
        "{}",
        rec.describe()
    );
    assert!(rep.status.success(), "{}", rep.describe());
    assert_eq!(rec.stdout, rep.stdout, "{}", rep.describe());
}

/// Going backwards in gdb over a program that keeps a running total in a
/// MAP_SHARED mapping: the replay may not restart from a checkpoint taken
/// while the mapping exists (the checkpoint, a fork, would share the mapping
/// and see later totals), so reverse-continue arrives at the earlier call with
/// the total of that moment.
#[test]
fn map_gdb_reverse_over_shared_memory() {
    let fx = Fixture::new();
    let exe = fx.compile_debug("map_gdb");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let script = fx.path().join("script.gdb");
    std::fs::write(
        &script,
        "break bump if i == 35\ncontinue\ndelete\nbreak bump if i == 25\nreverse-continue\nprint total\n",
    )
    .unwrap();
    let mut cmd = fx.rewind(["replay"]);
    cmd.arg(&trace)
        .args(["--", "-batch", "-nx", "-ex", "set sysroot /", "-x"])
        .arg(&script)
        .env_remove("DEBUGINFOD_URLS")
        .current_dir(fx.path().join("replay-cwd"));
    let r = run(cmd, None);
    let out = r.stdout_str() + &r.stderr_str();
    // 1 + 4 + ... + 25 * 25
    let expected = (1..=25u64).map(|i| i * i).sum::<u64>();
    assert!(
        out.contains(&format!("bump (i=25, total={expected})"))
            && out.contains(&format!("$1 = {expected}\n"))
            && !out.contains("rewind: "),
        "{}",
        r.describe()
    );
}
