//! Crash monitoring end to end: `rewind monitor` (spawn, --pid, --name),
//! `rewind snapshot --pid` and `rewind crashes list|info|debug|dump|groups|ingest`
//! on the C programs `tests/programs/mon_*.c`, plus python3 and bash.
//!
//! Every test has its own crash store (`--store` in its fixture). Expected
//! source lines come from marker comments in the C sources (`line_of`), never
//! from hard-coded numbers, and no address is ever hard-coded.

mod common;

use common::*;
use serde_json::Value;
use std::ffi::OsString;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The fixture's crash store (created by rewind on first use).
fn store(fx: &Fixture) -> PathBuf {
    fx.path().join("store")
}

/// `rewind monitor --store STORE OPTS... -- ARGV...`
fn monitor_cmd(fx: &Fixture, store: &Path, opts: &[&str], argv: &[OsString]) -> Command {
    let mut c = fx.rewind(["monitor".as_ref(), "--store".as_ref(), store.as_os_str()]);
    c.args(opts).arg("--").args(argv);
    c
}

fn monitor(fx: &Fixture, store: &Path, opts: &[&str], argv: &[OsString]) -> Run {
    let r = run(monitor_cmd(fx, store, opts, argv), None);
    assert_no_panic(&r);
    r
}

/// `crashes list --json [EXTRA...]`: the array of entries.
fn list(fx: &Fixture, store: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["list", "--json"];
    args.extend_from_slice(extra);
    let r = crashes(fx, store, &args);
    match parse_json(&r) {
        Value::Array(a) => a,
        other => panic!("crashes list --json is not an array: {other}"),
    }
}

/// `crashes info ID --json`.
fn info(fx: &Fixture, store: &Path, id: i64) -> Value {
    let r = crashes(fx, store, &["info", &id.to_string(), "--json"]);
    parse_json(&r)
}

/// `crashes groups --json`.
fn groups(fx: &Fixture, store: &Path) -> Vec<Value> {
    let r = crashes(fx, store, &["groups", "--json"]);
    match parse_json(&r) {
        Value::Array(a) => a,
        other => panic!("crashes groups --json is not an array: {other}"),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn id_of(entry: &Value) -> i64 {
    entry["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("entry without an id: {entry}"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

/// Function names of a thread's frames (None for unnamed frames).
fn functions(thread: &Value) -> Vec<Option<String>> {
    thread["frames"]
        .as_array()
        .unwrap_or_else(|| panic!("thread without frames: {thread}"))
        .iter()
        .map(|f| f["function"].as_str().map(str::to_string))
        .collect()
}

/// Named functions of a thread's frames, innermost first.
fn named(thread: &Value) -> Vec<String> {
    functions(thread).into_iter().flatten().collect()
}

/// The threads of a report.
fn threads(report: &Value) -> &Vec<Value> {
    report["threads"]
        .as_array()
        .unwrap_or_else(|| panic!("report without threads: {report}"))
}

/// The first frame of `thread` in function `name`.
fn frame_in<'a>(thread: &'a Value, name: &str) -> &'a Value {
    thread["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no frame in {name} in {thread}"))
}

/// Asserts a frame's source line is `file`:`line` (file by its name).
fn assert_frame_at(frame: &Value, file: &str, line: u32) {
    let f = frame["file"].as_str().unwrap_or("");
    assert!(
        f.ends_with(&format!("/{file}")) || f == file,
        "frame should be in {file}: {frame}"
    );
    assert_eq!(
        frame["line"].as_u64(),
        Some(line as u64),
        "frame should be at {file}:{line}: {frame}"
    );
}

/// Asserts `needles` occur in `hay` in this order (others may come between).
fn assert_in_order(hay: &[String], needles: &[&str], what: &str) {
    let mut pos = 0;
    for n in needles {
        match hay[pos..].iter().position(|h| h == n) {
            Some(p) => pos += p + 1,
            None => panic!("{what}: expected {needles:?} in this order, got {hay:?}"),
        }
    }
}

/// Function names of gdb's `bt` output lines ("#1  0x... in b (x=2) at f.c:3"
/// or "#0  c (x=3) at f.c:10").
fn gdb_frames(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('#')?;
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            if rest.len() == l.len() - 1 {
                return None; // no frame number
            }
            let rest = rest.trim_start();
            let rest = if rest.starts_with("0x") {
                rest.split_once(" in ")?.1
            } else {
                rest
            };
            Some(rest.split([' ', '(']).next()?.to_string())
        })
        .collect()
}

/// Frames of `crashes info` text for the thread marked "crashed":
/// (function, "file:line" or "").
fn text_frames_of_crashed_thread(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_crashed = false;
    for line in text.lines() {
        if line.starts_with("Thread ") {
            in_crashed = line.ends_with(" crashed:");
            continue;
        }
        if !in_crashed {
            continue;
        }
        let t = line.trim_start();
        if !t.starts_with('#') {
            if t.is_empty() {
                in_crashed = false;
            }
            continue;
        }
        let Some((_, after_in)) = t.split_once(" in ") else {
            continue;
        };
        let function = after_in.split(" (").next().unwrap_or("").to_string();
        let at = after_in
            .rsplit_once(" at ")
            .map(|(_, a)| a.trim_end_matches(" [inlined]").to_string())
            .unwrap_or_default();
        out.push((function, at));
    }
    out
}

/// A program started natively; killed when dropped (a failing test leaves
/// nothing running).
struct Native {
    child: Option<Child>,
    pid: i32,
}

impl Native {
    fn spawn(mut cmd: Command) -> Native {
        cmd.stdin(Stdio::null());
        let child = cmd.spawn().expect("starting a test program");
        let pid = child.id() as i32;
        Native {
            child: Some(child),
            pid,
        }
    }

    /// Waits for the program to end (at most `limit`).
    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let child = self.child.as_mut().expect("already waited");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = child.try_wait().expect("try_wait") {
                self.child = None;
                return st;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                panic!("test program {} did not end within {limit:?}", self.pid);
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs `cmd` with [`run`] on another thread (it keeps run's timeout).
fn run_in_background(cmd: Command) -> thread::JoinHandle<Run> {
    thread::spawn(move || run(cmd, None))
}

/// Polls `cond` every 10 ms until it holds; panics with `what` after `limit`.
fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// TracerPid of a process (0: not traced; None: gone).
fn tracer_of(pid: i32) -> Option<i32> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))?
        .trim()
        .parse()
        .ok()
}

/// The one-letter state of a process ("S", "R", "t", "Z"...), None if gone.
fn state_of(pid: i32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .next()?
            .to_string(),
    )
}

fn assert_killed_by(st: ExitStatus, sig: i32, what: &str) {
    assert_eq!(
        st.signal(),
        Some(sig),
        "{what} should die of signal {sig}: {st}"
    );
}

/// The common checks of a stored crash of mon_deep: c, b, a, main at the
/// marker lines.
fn assert_deep_stack(thread: &Value) {
    let names = named(thread);
    assert!(
        names.len() >= 4 && names[..4] == ["c", "b", "a", "main"],
        "the crashing thread's stack should start c, b, a, main: {names:?}"
    );
    for (f, marker) in [
        ("c", "MON_DEEP_C"),
        ("b", "MON_DEEP_B"),
        ("a", "MON_DEEP_A"),
        ("main", "MON_DEEP_MAIN"),
    ] {
        assert_frame_at(
            frame_in(thread, f),
            "mon_deep.c",
            line_of("mon_deep", marker),
        );
    }
}

// ---------------------------------------------------------------------------
// 1. A NULL write three calls deep
// ---------------------------------------------------------------------------

#[test]
fn null_dereference_three_calls_deep() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_deep");
    let before = now_unix();
    let r = monitor(&fx, &s, &[], &argv([&prog]));
    assert_eq!(
        r.code(),
        139,
        "status must be passed through:\n{}",
        r.describe()
    );
    let err = r.stderr_str();
    assert!(
        err.contains("crashed with SIGSEGV") && err.contains("stored as crash 1"),
        "monitor should say what it stored:\n{}",
        r.describe()
    );

    // crashes list --json
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    for key in ["id", "group", "signal", "time", "executable", "dump"] {
        assert!(e.get(key).is_some(), "list entry lacks {key}: {e}");
    }
    assert_eq!(id_of(e), 1);
    assert_eq!(str_of(e, "signal"), "SIGSEGV");
    let time = e["time"].as_i64().expect("time");
    assert!(
        time >= before - 5 && time <= now_unix() + 5,
        "time {time} is not now ({before}..)"
    );
    assert_eq!(Path::new(str_of(e, "executable")), prog.as_path());
    assert!(
        Path::new(str_of(e, "dump")).is_file(),
        "the dump {} does not exist",
        e["dump"]
    );
    assert!(!str_of(e, "group").is_empty());

    // crashes info 1 (text)
    let text = crashes(&fx, &s, &["info", "1"]).stdout_str();
    let frames = text_frames_of_crashed_thread(&text);
    assert!(frames.len() >= 4, "too few frames in:\n{text}");
    for (i, (f, marker)) in [
        ("c", "MON_DEEP_C"),
        ("b", "MON_DEEP_B"),
        ("a", "MON_DEEP_A"),
        ("main", "MON_DEEP_MAIN"),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(frames[i].0, *f, "frame #{i} in:\n{text}");
        let want = format!("mon_deep.c:{}", line_of("mon_deep", marker));
        assert!(
            frames[i].1.ends_with(&want),
            "frame #{i} ({f}) should be at {want}, is at {:?}:\n{text}",
            frames[i].1
        );
    }

    // crashes info 1 --json
    let j = info(&fx, &s, 1);
    let report = &j["report"];
    assert_eq!(report["fault_address"].as_u64(), Some(0), "{report}");
    assert_eq!(report["signal_code_name"].as_str(), Some("SEGV_MAPERR"));
    assert_eq!(report["signal_name"].as_str(), Some("SIGSEGV"));
    let th = threads(report);
    assert_eq!(th.len(), 1, "one thread: {report}");
    assert_eq!(th[0]["crashed"].as_bool(), Some(true));
    assert_deep_stack(&th[0]);

    // crashes dump 1 -o core, then gdb on it
    let core = fx.path().join("core");
    crashes(&fx, &s, &["dump", "1", "-o", core.to_str().unwrap()]);
    assert!(core.is_file());
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", "bt"])
        .arg(&prog)
        .arg(&core);
    let g = run(gdb, None);
    let out = g.stdout_str() + &g.stderr_str();
    assert!(
        out.contains("Program terminated with signal SIGSEGV"),
        "gdb does not see the crash:\n{}",
        g.describe()
    );
    assert_in_order(&gdb_frames(&out), &["c", "b", "a", "main"], "gdb bt");

    // crashes debug 1 -- -batch -ex bt: the same through rewind
    let d = crashes(&fx, &s, &["debug", "1", "--", "-nx", "-batch", "-ex", "bt"]);
    let out = d.stdout_str();
    assert!(
        out.contains("Program terminated with signal SIGSEGV"),
        "{}",
        d.describe()
    );
    assert_in_order(
        &gdb_frames(&out),
        &["c", "b", "a", "main"],
        "crashes debug bt",
    );
}

// ---------------------------------------------------------------------------
// 2. abort()
// ---------------------------------------------------------------------------

#[test]
fn abort_is_attributed_to_its_caller() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_abort");
    let r = monitor(&fx, &s, &["-q"], &argv([&prog]));
    assert_eq!(r.code(), 134, "{}", r.describe());
    // -q: only the program's own stderr.
    assert_eq!(r.stderr_str(), "giving up\n", "{}", r.describe());

    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(str_of(&entries[0], "signal"), "SIGABRT");
    let sig = str_of(&entries[0], "signature");
    assert!(
        sig.starts_with("SIGABRT at give_up"),
        "signature should start at give_up: {sig}"
    );
    assert!(
        !sig.contains("raise") && !sig.contains("abort"),
        "libc's abort machinery in the signature: {sig}"
    );

    let j = info(&fx, &s, id_of(&entries[0]));
    let th = &threads(&j["report"])[0];
    // The first frame in the program itself (not libc) is give_up, at the call.
    let exe = prog.to_str().unwrap();
    let first_own = th["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["module"].as_str() == Some(exe))
        .unwrap_or_else(|| panic!("no frame in {exe}: {th}"));
    assert_eq!(first_own["function"].as_str(), Some("give_up"), "{th}");
    assert_frame_at(
        first_own,
        "mon_abort.c",
        line_of("mon_abort", "MON_ABORT_CALL"),
    );
    assert_in_order(&named(th), &["give_up", "main"], "abort stack");
    assert_eq!(j["report"]["signal_name"].as_str(), Some("SIGABRT"));
}

// ---------------------------------------------------------------------------
// 3. A crash in a second thread
// ---------------------------------------------------------------------------

/// Threads faulting at once: one crash is stored, rewind goes on to the
/// program's end and passes its status on. Regression: the other threads'
/// signal stops, kept during the dump, were taken for crashes of the dead
/// process (a bogus second entry, or monitoring ending with an error).
#[test]
fn threads_crashing_at_once() {
    let fx = Fixture::new();
    let prog = fx.compile("mon_twocrash");
    for round in 0..4 {
        let s = fx.path().join(format!("store-{round}"));
        let r = monitor(&fx, &s, &["-q"], &argv([prog.as_os_str(), "6".as_ref()]));
        assert_eq!(r.code(), 139, "round {round}: {}", r.describe());
        let entries = list(&fx, &s, &[]);
        assert_eq!(entries.len(), 1, "round {round}: {entries:?}");
        assert_eq!(str_of(&entries[0], "signal"), "SIGSEGV");
        assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    }
}

#[test]
fn crash_in_a_worker_thread() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_thread");
    let r = monitor(&fx, &s, &["-q"], &argv([&prog]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let j = info(&fx, &s, id_of(&entries[0]));
    let report = &j["report"];
    let pid = report["pid"].as_i64().unwrap();
    let th = threads(report);
    assert!(th.len() >= 2, "both threads should be reported: {report}");

    let crashed = &th[0];
    assert_eq!(crashed["crashed"].as_bool(), Some(true), "{crashed}");
    assert_ne!(
        crashed["tid"].as_i64(),
        Some(pid),
        "the crashed thread is the worker, not the main thread"
    );
    assert_eq!(
        th.iter()
            .filter(|t| t["crashed"].as_bool() == Some(true))
            .count(),
        1,
        "exactly one thread crashed: {report}"
    );
    let names = named(crashed);
    assert_eq!(
        names.first().map(String::as_str),
        Some("worker_crash"),
        "{names:?}"
    );
    assert_in_order(&names, &["worker_crash", "worker"], "worker stack");
    assert_frame_at(
        frame_in(crashed, "worker_crash"),
        "mon_thread.c",
        line_of("mon_thread", "MON_THREAD_CRASH"),
    );

    let main_thread = th
        .iter()
        .find(|t| t["tid"].as_i64() == Some(pid))
        .unwrap_or_else(|| panic!("the main thread is missing: {report}"));
    assert_eq!(main_thread["crashed"].as_bool(), Some(false));
    let names = named(main_thread);
    let main_at = names
        .iter()
        .position(|n| n == "main")
        .unwrap_or_else(|| panic!("main not in the main thread's stack: {names:?}"));
    assert!(
        names[..main_at].iter().any(|n| n.contains("join")),
        "the main thread should be in pthread_join (below main): {names:?}"
    );
}

// ---------------------------------------------------------------------------
// 4. A SIGSEGV the program handles is no crash
// ---------------------------------------------------------------------------

#[test]
fn handled_sigsegv_is_not_a_crash() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_handled");
    let r = monitor(&fx, &s, &[], &argv([&prog]));
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(
        r.stdout_str(),
        "recovered after 1 fault(s)\n",
        "{}",
        r.describe()
    );
    assert!(r.stderr.is_empty(), "nothing to say:\n{}", r.describe());
    assert!(list(&fx, &s, &[]).is_empty());
}

// ---------------------------------------------------------------------------
// 5. Stack overflow
// ---------------------------------------------------------------------------

#[test]
fn stack_overflow() {
    let started = Instant::now();
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_overflow");
    let r = monitor(&fx, &s, &["-q"], &argv([&prog]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(str_of(&entries[0], "signal"), "SIGSEGV");
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    let j = info(&fx, &s, id_of(&entries[0]));
    let th = &threads(&j["report"])[0];
    let names = named(th);
    assert!(
        names.len() >= 10 && names[..10].iter().all(|n| n == "recurse"),
        "the top frames should all be recurse: {names:?}"
    );
    assert_frame_at(
        &th["frames"][1],
        "mon_overflow.c",
        line_of("mon_overflow", "MON_OVERFLOW_CALL"),
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "a stack overflow took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// 6. Exit statuses of programs that do not crash
// ---------------------------------------------------------------------------

#[test]
fn exit_status_passthrough_without_crash() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_exit");
    let r = monitor(&fx, &s, &[], &argv([prog.as_os_str(), "7".as_ref()]));
    assert_eq!(r.code(), 7, "{}", r.describe());
    assert!(r.stderr.is_empty(), "{}", r.describe());
    let r = monitor(&fx, &s, &[], &argv([prog.as_os_str(), "term".as_ref()]));
    assert_eq!(r.code(), 143, "killed by SIGTERM: 128+15\n{}", r.describe());
    assert!(r.stderr.is_empty(), "{}", r.describe());
    assert!(list(&fx, &s, &[]).is_empty(), "SIGTERM is no crash");
}

// ---------------------------------------------------------------------------
// 7. Grouping
// ---------------------------------------------------------------------------

#[test]
fn same_crash_groups_together_across_aslr() {
    let fx = Fixture::new();
    let s = store(&fx);
    let deep = fx.compile("mon_deep");
    let abort = fx.compile("mon_abort");
    for i in 0..3 {
        let r = monitor(
            &fx,
            &s,
            &["-q", "--min-spacing", "0"],
            &argv([deep.as_os_str(), format!("run{i}").as_ref()]),
        );
        assert_eq!(r.code(), 139, "{}", r.describe());
    }
    let r = monitor(&fx, &s, &["-q", "--min-spacing", "0"], &argv([&abort]));
    assert_eq!(r.code(), 134, "{}", r.describe());

    let all = list(&fx, &s, &[]);
    assert_eq!(all.len(), 4, "{all:?}");
    let deep_ids: Vec<i64> = all[..3].iter().map(id_of).collect();
    // ASLR: the same crash at different addresses.
    let aslr = fs::read_to_string("/proc/sys/kernel/randomize_va_space")
        .map(|s| s.trim() != "0")
        .unwrap_or(false);
    if aslr {
        let addrs: Vec<u64> = deep_ids
            .iter()
            .map(|&id| {
                threads(&info(&fx, &s, id)["report"])[0]["frames"][0]["address"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(
            addrs[0] != addrs[1] || addrs[1] != addrs[2],
            "ASLR is on but the crash addresses are equal: {addrs:x?}"
        );
    }

    let g = groups(&fx, &s);
    assert_eq!(g.len(), 2, "two groups: {g:?}");
    let three = g
        .iter()
        .find(|x| x["count"].as_i64() == Some(3))
        .unwrap_or_else(|| panic!("no group of 3: {g:?}"));
    let one = g
        .iter()
        .find(|x| x["count"].as_i64() == Some(1))
        .unwrap_or_else(|| panic!("no group of 1: {g:?}"));
    assert!(str_of(three, "signature").contains("c < b < a"), "{three}");
    assert!(str_of(one, "signature").starts_with("SIGABRT"), "{one}");
    let gid = str_of(three, "group");
    for e in &all[..3] {
        assert_eq!(str_of(e, "group"), gid, "{e}");
    }
    let in_group: Vec<i64> = list(&fx, &s, &["--group", gid]).iter().map(id_of).collect();
    assert_eq!(in_group, deep_ids, "crashes list --group {gid}");
    let other: Vec<i64> = list(&fx, &s, &["--group", str_of(one, "group")])
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(other, vec![id_of(&all[3])]);
}

// ---------------------------------------------------------------------------
// 8. Limits
// ---------------------------------------------------------------------------

/// mon_forks under monitor with OPTS: 3 crashed children, all listed.
fn three_forked_crashes(fx: &Fixture, s: &Path, opts: &[&str]) -> Vec<Value> {
    let prog = fx.compile("mon_forks");
    let r = monitor(fx, s, opts, &argv([&prog]));
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(r.stdout_str(), "3 children crashed\n", "{}", r.describe());
    let entries = list(fx, s, &[]);
    assert_eq!(entries.len(), 3, "three crashes: {entries:?}");
    let mut pids: Vec<i64> = entries.iter().map(|e| e["pid"].as_i64().unwrap()).collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three different children: {entries:?}");
    for e in &entries {
        assert_eq!(str_of(e, "signal"), "SIGSEGV", "{e}");
        assert!(str_of(e, "signature").contains("child_crash"), "{e}");
    }
    entries
}

#[test]
fn limit_max_dumps() {
    let fx = Fixture::new();
    let s = store(&fx);
    let entries = three_forked_crashes(&fx, &s, &["--max-dumps", "1", "--min-spacing", "0"]);
    assert!(
        entries[0]["dump"]
            .as_str()
            .is_some_and(|d| Path::new(d).is_file()),
        "the first crash keeps its dump: {}",
        entries[0]
    );
    for e in &entries[1..] {
        assert!(e["dump"].is_null(), "no dump beyond --max-dumps 1: {e}");
        assert!(
            e["note"]
                .as_str()
                .is_some_and(|n| n.contains("--max-dumps")),
            "the note should say why: {e}"
        );
    }
    // The report is still complete without a dump.
    let j = info(&fx, &s, id_of(&entries[2]));
    assert_eq!(
        named(&threads(&j["report"])[0]).first().map(String::as_str),
        Some("child_crash")
    );
}

/// `--max-dumps` is the store's, per program: a program restarted by its
/// supervisor under a new `rewind monitor` each time cannot fill the store.
/// The count runs from when the limit was first given for the program; the
/// same limit again keeps counting, another one starts a new count, and
/// another program has its own.
#[test]
fn max_dumps_holds_across_monitor_runs() {
    let fx = Fixture::new();
    let s = store(&fx);
    let deep = fx.compile("mon_deep");
    let abort = fx.compile("mon_abort");
    let run_deep = |max: &str, i: usize| {
        let r = monitor(
            &fx,
            &s,
            &["-q", "--max-dumps", max, "--min-spacing", "0"],
            &argv([deep.as_os_str(), format!("run{i}").as_ref()]),
        );
        assert_eq!(r.code(), 139, "{}", r.describe());
    };
    for i in 0..3 {
        run_deep("2", i);
    }
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 3, "{entries:?}");
    for e in &entries[..2] {
        assert!(!e["dump"].is_null(), "the first two runs keep a dump: {e}");
    }
    let third = &entries[2];
    assert!(
        third["dump"].is_null(),
        "the third run is over the limit: {third}"
    );
    let note = third["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("--max-dumps 2") && note.contains("mon_deep"),
        "the note should say which limit and program: {third}"
    );
    // Its report is kept whole.
    assert_deep_stack(&threads(&info(&fx, &s, id_of(third))["report"])[0]);

    // Another program has its own count.
    let r = monitor(
        &fx,
        &s,
        &["-q", "--max-dumps", "2", "--min-spacing", "0"],
        &argv([&abort]),
    );
    assert_eq!(r.code(), 134, "{}", r.describe());
    assert!(!list(&fx, &s, &[])[3]["dump"].is_null());

    // A new limit starts a new count.
    run_deep("1", 3);
    let e = &list(&fx, &s, &[])[4];
    assert!(!e["dump"].is_null(), "a new limit counts afresh: {e}");
    run_deep("1", 4);
    let e = &list(&fx, &s, &[])[5];
    assert!(e["dump"].is_null(), "{e}");
}

/// `--min-spacing` too is the store's: a program that crashes again right
/// after its supervisor restarted it keeps its report, not another core.
#[test]
fn min_spacing_holds_across_monitor_runs() {
    let fx = Fixture::new();
    let s = store(&fx);
    let deep = fx.compile("mon_deep");
    for _ in 0..2 {
        let r = monitor(&fx, &s, &["-q", "--min-spacing", "3600"], &argv([&deep]));
        assert_eq!(r.code(), 139, "{}", r.describe());
    }
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 2);
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    assert!(entries[1]["dump"].is_null(), "{}", entries[1]);
    assert!(
        str_of(&entries[1], "note").contains("--min-spacing 3600"),
        "{}",
        entries[1]
    );
}

#[test]
fn limit_min_spacing() {
    let fx = Fixture::new();
    let s = store(&fx);
    let entries = three_forked_crashes(&fx, &s, &["--min-spacing", "3600"]);
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    for e in &entries[1..] {
        assert!(e["dump"].is_null(), "no dump within --min-spacing: {e}");
        assert!(
            e["note"]
                .as_str()
                .is_some_and(|n| n.contains("--min-spacing")),
            "the note should say why: {e}"
        );
    }
}

#[test]
fn limit_quota() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_deep");
    let r = monitor(&fx, &s, &["-q", "--quota", "1K"], &argv([&prog]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0]["dump"].is_null(), "{}", entries[0]);
    assert!(
        entries[0]["note"]
            .as_str()
            .is_some_and(|n| n.contains("quota")),
        "{}",
        entries[0]
    );
    // The crash is still fully reported.
    assert_deep_stack(&threads(&info(&fx, &s, 1)["report"])[0]);
}

#[test]
fn limit_retention_prunes_at_start() {
    let fx = Fixture::new();
    let s = store(&fx);
    let deep = fx.compile("mon_deep");
    let exit = fx.compile("mon_exit");
    let r = monitor(&fx, &s, &["-q"], &argv([&deep]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1);
    let dump = PathBuf::from(str_of(&entries[0], "dump"));
    assert!(dump.is_file());
    thread::sleep(Duration::from_millis(2200));
    let r = monitor(
        &fx,
        &s,
        &["-q", "--retention", "1s"],
        &argv([exit.as_os_str(), "0".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert!(
        list(&fx, &s, &[]).is_empty(),
        "the old crash should be pruned"
    );
    assert!(!dump.exists(), "its dump should be deleted too");
}

#[test]
fn limit_duration_detaches_before_the_crash() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_late");
    let started = Instant::now();
    let r = monitor(
        &fx,
        &s,
        &["--duration", "1s"],
        &argv([prog.as_os_str(), "3000".as_ref()]),
    );
    assert_eq!(
        r.code(),
        139,
        "the program still crashes:\n{}",
        r.describe()
    );
    assert!(
        started.elapsed() >= Duration::from_millis(2900),
        "rewind waits for the program to end"
    );
    assert!(
        list(&fx, &s, &[]).is_empty(),
        "the crash came after monitoring ended"
    );
    // The end of monitoring is said, once.
    let err = r.stderr_str();
    assert_eq!(err.lines().count(), 1, "{}", r.describe());
    assert!(
        err.contains("--duration") && err.contains("unmonitored"),
        "{}",
        r.describe()
    );
}

// ---------------------------------------------------------------------------
// 9. Attaching: --pid, --name
// ---------------------------------------------------------------------------

#[test]
fn attach_by_pid() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_late");
    let mut cmd = Command::new(&prog);
    cmd.args(["2000", "thread"]).stdout(Stdio::null());
    let mut native = Native::spawn(cmd);
    let pid = native.pid.to_string();
    let r = run(
        fx.rewind([
            "monitor".as_ref(),
            "--store".as_ref(),
            s.as_os_str(),
            "--pid".as_ref(),
            pid.as_ref(),
        ]),
        None,
    );
    assert_no_panic(&r);
    assert_eq!(r.code(), 139, "{}", r.describe());
    assert_killed_by(
        native.wait(Duration::from_secs(10)),
        libc::SIGSEGV,
        "mon_late",
    );

    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["pid"].as_i64(), Some(native.pid as i64));
    assert_eq!(str_of(&entries[0], "signal"), "SIGSEGV");
    assert_eq!(Path::new(str_of(&entries[0], "executable")), prog.as_path());
    let j = info(&fx, &s, id_of(&entries[0]));
    let th = threads(&j["report"]);
    assert!(th.len() >= 2, "{j}");
    assert_in_order(
        &named(&th[0]),
        &["late_crash", "late_thread"],
        "crashed thread",
    );
    assert_frame_at(
        frame_in(&th[0], "late_crash"),
        "mon_late.c",
        line_of("mon_late", "MON_LATE_CRASH"),
    );
}

#[test]
fn attach_by_name() {
    let fx = Fixture::new();
    let s = store(&fx);
    let built = fx.compile("mon_late");
    // A name nothing else on the machine has (short enough to be the comm too).
    let name = format!("mn{}", std::process::id());
    let prog = fx.path().join(&name);
    fs::copy(&built, &prog).unwrap();
    let bg = run_in_background(fx.rewind([
        "monitor".as_ref(),
        "--store".as_ref(),
        s.as_os_str(),
        "--name".as_ref(),
        name.as_ref(),
    ]));
    thread::sleep(Duration::from_millis(300));
    let mut cmd = Command::new(&prog);
    cmd.arg("2000").stdout(Stdio::null());
    let mut native = Native::spawn(cmd);
    let r = bg.join().unwrap();
    assert_no_panic(&r);
    assert_eq!(r.code(), 139, "{}", r.describe());
    assert_killed_by(native.wait(Duration::from_secs(10)), libc::SIGSEGV, &name);

    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["pid"].as_i64(), Some(native.pid as i64));
    assert_eq!(Path::new(str_of(&entries[0], "executable")), prog.as_path());
    let j = info(&fx, &s, id_of(&entries[0]));
    assert_in_order(
        &named(&threads(&j["report"])[0]),
        &["late_crash", "main"],
        "crashed thread",
    );
}

// ---------------------------------------------------------------------------
// 10. Triggers
// ---------------------------------------------------------------------------

#[test]
fn trigger_signal() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_sigusr");
    let r = monitor(&fx, &s, &["--signal", "SIGUSR1"], &argv([&prog]));
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(
        r.stdout_str(),
        "usr1 handler ran 1 time(s)\n",
        "the program's handler must still run once:\n{}",
        r.describe()
    );
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        str_of(&entries[0], "reason").contains("signal"),
        "{}",
        entries[0]
    );
    assert!(
        entries[0]["dump"]
            .as_str()
            .is_some_and(|d| Path::new(d).is_file()),
        "{}",
        entries[0]
    );
    let j = info(&fx, &s, id_of(&entries[0]));
    assert!(named(&threads(&j["report"])[0]).contains(&"main".to_string()));
}

#[test]
fn trigger_threads() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_threads");
    let r = monitor(
        &fx,
        &s,
        &["--threads", "4", "--poll-ms", "100"],
        // The threads live long enough for the dump to be done before they
        // end, even on a loaded machine (see
        // threaded_program_exits_during_a_trigger_dump).
        &argv([prog.as_os_str(), "5".as_ref(), "3000".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(r.stdout_str(), "5 threads done\n", "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert!(!entries.is_empty(), "no threads dump");
    let e = &entries[0];
    assert!(str_of(e, "reason").starts_with("threads"), "{e}");
    assert!(!e["dump"].is_null(), "{e}");
    let j = info(&fx, &s, id_of(e));
    assert!(
        threads(&j["report"]).len() >= 5,
        "the dump should hold every thread: {}",
        j["report"]
    );
}

#[test]
fn trigger_memory() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_memory");
    let r = monitor(
        &fx,
        &s,
        &["--memory", "200M"],
        // Time enough for the dump to be written before the program exits,
        // even on a loaded machine (see program_exits_during_a_trigger_dump).
        &argv([prog.as_os_str(), "300".as_ref(), "3000".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(r.stdout_str(), "touched 300 MiB\n", "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    // The group names the trigger's kind; the measured value is in the note,
    // so repeats of the same trigger group together.
    assert_eq!(str_of(e, "reason"), "memory", "{e}");
    assert!(str_of(e, "note").contains("MiB >= 200 MiB"), "{e}");
    assert!(!str_of(e, "signature").contains("MiB"), "{e}");
    assert!(!e["dump"].is_null(), "{e}");
    assert!(
        e["core_bytes"].as_u64().unwrap_or(0) >= 200 << 20,
        "the core should hold the 300 MiB: {e}"
    );
}

#[test]
fn trigger_cpu() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_busy");
    let r = monitor(
        &fx,
        &s,
        &["--cpu", "25", "--cpu-for", "500ms", "--poll-ms", "100"],
        // The trigger fires after about 1 s; the rest leaves time for the dump
        // (see program_exits_during_a_trigger_dump).
        &argv([prog.as_os_str(), "3000".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(r.stdout_str(), "busy done\n", "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "one dump (min spacing 10 s): {entries:?}");
    assert!(
        str_of(&entries[0], "reason").starts_with("cpu"),
        "{}",
        entries[0]
    );
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
}

/// Regression: triggers were sampled only when no ptrace event arrived for a
/// whole poll interval, so a program that gets a signal every millisecond (an
/// interval timer, a profiler) was never sampled.
#[test]
fn trigger_cpu_with_a_busy_timer_signal() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_ticker");
    let r = monitor(
        &fx,
        &s,
        &["--cpu", "25", "--cpu-for", "500ms", "--poll-ms", "100"],
        &argv([prog.as_os_str(), "2000".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(
        r.stdout_str(),
        "ticker done (1 ticks)\n",
        "{}",
        r.describe()
    );
    let entries = list(&fx, &s, &[]);
    assert_eq!(
        entries.len(),
        1,
        "a 2 s busy loop must fire --cpu 25 --cpu-for 500ms"
    );
    assert!(
        str_of(&entries[0], "reason").starts_with("cpu"),
        "{}",
        entries[0]
    );
}

/// Regression: when the program exited while a trigger's dump was being
/// written, discard_copy's wait for the leader took the program's exit status,
/// and the monitor loop then failed with ECHILD ("No child processes").
#[test]
fn program_exits_during_a_trigger_dump() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_memory");
    // 300 MiB take a while to dump; the program exits 300 ms after the trigger.
    let r = monitor(
        &fx,
        &s,
        &["--memory", "200M", "--poll-ms", "100"],
        &argv([prog.as_os_str(), "300".as_ref(), "300".as_ref()]),
    );
    assert_eq!(r.code(), 0, "the program's exit status:\n{}", r.describe());
    assert_eq!(r.stdout_str(), "touched 300 MiB\n");
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(str_of(&entries[0], "reason").starts_with("memory"));
}

/// The same with threads. Regression: discarding the copy waited on the
/// leader alone, whose exit is only reported once the other threads' exits
/// are reaped: rewind hung forever.
#[test]
fn threaded_program_exits_during_a_trigger_dump() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_memory");
    let r = monitor(
        &fx,
        &s,
        &["--memory", "200M", "--poll-ms", "100"],
        &argv([
            prog.as_os_str(),
            "300".as_ref(),
            "300".as_ref(),
            "2".as_ref(),
        ]),
    );
    assert_eq!(r.code(), 0, "the program's exit status:\n{}", r.describe());
    assert_eq!(r.stdout_str(), "touched 300 MiB\n");
    assert_eq!(list(&fx, &s, &[]).len(), 1);
}

// ---------------------------------------------------------------------------
// 11. Snapshot of a running process
// ---------------------------------------------------------------------------

/// `rewind snapshot --pid PID`, checked for panics.
fn snapshot(fx: &Fixture, store: &Path, pid: i32) -> Run {
    let r = run(
        fx.rewind([
            "snapshot".as_ref(),
            "--store".as_ref(),
            store.as_os_str(),
            "--pid".as_ref(),
            pid.to_string().as_ref(),
        ]),
        None,
    );
    assert_no_panic(&r);
    r
}

/// Heartbeat numbers written so far.
fn beats(path: &Path) -> Vec<u64> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("beat ")?.parse().ok())
        .collect()
}

/// Children of any thread of `pid`.
fn children_of(pid: i32) -> String {
    let mut all = String::new();
    if let Ok(dir) = fs::read_dir(format!("/proc/{pid}/task")) {
        for t in dir.flatten() {
            all += &fs::read_to_string(t.path().join("children")).unwrap_or_default();
        }
    }
    all
}

#[test]
fn snapshot_of_a_running_process() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_heartbeat");
    let hb = fx.path().join("heartbeats");
    let mut cmd = Command::new(&prog);
    cmd.arg(&hb).arg("20");
    let mut native = Native::spawn(cmd);
    let pid = native.pid;
    wait_until(Duration::from_secs(10), "heartbeats", || {
        beats(&hb).len() >= 3
    });

    let r = snapshot(&fx, &s, pid);
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert!(r.stdout_str().contains("paused"), "{}", r.describe());

    // Still alive, not traced any more, no leftover copy.
    let st = state_of(pid).expect("the process is gone after the snapshot");
    assert!(
        !["t", "T", "Z", "X"].contains(&st.as_str()),
        "process state {st} after the snapshot"
    );
    assert_eq!(tracer_of(pid), Some(0), "rewind should have detached");
    assert_eq!(
        children_of(pid).trim(),
        "",
        "a child of the process is left over"
    );
    let ps = Command::new("ps")
        .args(["--no-headers", "--ppid", &pid.to_string()])
        .output();
    if let Ok(ps) = ps {
        assert!(
            String::from_utf8_lossy(&ps.stdout).trim().is_empty(),
            "ps --ppid {pid}: {}",
            String::from_utf8_lossy(&ps.stdout)
        );
    }
    // Heartbeats go on, numbered without gaps or repeats.
    let n = beats(&hb).len();
    wait_until(Duration::from_secs(10), "more heartbeats", || {
        beats(&hb).len() >= n + 4
    });
    let b = beats(&hb);
    assert_eq!(b, (0..b.len() as u64).collect::<Vec<_>>(), "heartbeats");

    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(str_of(&entries[0], "reason"), "snapshot");
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    assert_eq!(entries[0]["pid"].as_i64(), Some(pid as i64));

    let core = fx.path().join("snap.core");
    crashes(&fx, &s, &["dump", "1", "-o", core.to_str().unwrap()]);
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", "info threads"])
        .arg(&prog)
        .arg(&core);
    let g = run(gdb, None);
    let out = g.stdout_str();
    let thread_lines = out
        .lines()
        .filter(|l| {
            let t = l.trim_start_matches(['*', ' ']);
            t.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
                && t.contains("Thread ")
        })
        .count();
    assert_eq!(
        thread_lines,
        2,
        "gdb should see 2 threads:\n{}",
        g.describe()
    );

    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_killed_by(
        native.wait(Duration::from_secs(10)),
        libc::SIGTERM,
        "heartbeat",
    );
}

/// Attaching to a process that creates threads. Regressions: threads created
/// after the leader was seized are auto-attached (PTRACE_O_TRACECLONE) and
/// seizing them again failed with EPERM ("already traced by <rewind
/// itself>"); a leader found at a PTRACE_EVENT_CLONE stop was taken for an
/// interrupted one, the fork was injected there and the program's clone3 ran
/// twice: it died of SIGSEGV; a thread that had exited but was still listed
/// in /proc/PID/task refused the seize with EPERM and the snapshot failed
/// ("not permitted to trace process"). The program runs until told to stop,
/// however long the snapshots take (a debug build on a loaded machine needs
/// over a second each: a fixed 4 s program ended before the last one).
#[test]
fn snapshot_of_a_process_creating_threads() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_spawn_until");
    let stop = fx.path().join("stop");
    let mut cmd = Command::new(&prog);
    cmd.arg(&stop).stdout(Stdio::piped());
    let mut native = Native::spawn(cmd);
    thread::sleep(Duration::from_millis(300));
    for i in 0..5 {
        let r = snapshot(&fx, &s, native.pid);
        assert_eq!(r.code(), 0, "snapshot {i}:\n{}", r.describe());
        thread::sleep(Duration::from_millis(100));
    }
    fs::write(&stop, "").unwrap();
    let st = native.wait(Duration::from_secs(20));
    assert_eq!(st.code(), Some(0), "mon_spawn_until: {st}");
    assert_eq!(list(&fx, &s, &[]).len(), 5);
}

/// A thread blocked in vfork cannot stop: the snapshot goes on without it,
/// says so in its note, and the program carries on untouched.
#[test]
fn snapshot_with_a_thread_blocked_in_vfork() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_vfork");
    let ready = fx.path().join("vfork-child-ready");
    let out = fx.path().join("mon_vfork.out");
    let mut cmd = Command::new(&prog);
    cmd.arg(&ready)
        .arg("3")
        .stdout(fs::File::create(&out).unwrap());
    let mut native = Native::spawn(cmd);
    wait_until(Duration::from_secs(10), "the vfork child", || {
        ready.exists()
    });
    let stuck: Vec<i32> = fs::read_dir(format!("/proc/{}/task", native.pid))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&t: &i32| t != native.pid)
        .collect();
    assert_eq!(stuck.len(), 1, "threads of mon_vfork: {stuck:?}");

    let r = snapshot(&fx, &s, native.pid);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &info(&fx, &s, entries[0]["id"].as_i64().unwrap())["report"];
    let note = str_of(e, "note");
    assert!(
        note.contains(&format!("{} not in the dump", stuck[0])),
        "{note}"
    );
    let tids: Vec<i64> = e["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tid"].as_i64().unwrap())
        .collect();
    assert_eq!(tids, vec![native.pid as i64], "threads in the report");

    let st = native.wait(Duration::from_secs(20));
    assert_eq!(st.code(), Some(0), "mon_vfork: {st}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "child exited 0\n");
}

/// Monitoring ends (--duration) while a thread of the program we started is
/// blocked in vfork: it cannot stop to be detached then; it is detached when
/// it stops later, and rewind passes the program's status on.
#[test]
fn duration_ends_while_a_thread_is_blocked_in_vfork() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_vfork");
    let ready = fx.path().join("vfork-child-ready");
    let r = monitor(
        &fx,
        &s,
        &["--duration", "1s"],
        &argv([prog.as_os_str(), ready.as_os_str(), "3".as_ref()]),
    );
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert_eq!(r.stdout_str(), "child exited 0\n", "{}", r.describe());
}

// ---------------------------------------------------------------------------
// 12. Bad input
// ---------------------------------------------------------------------------

#[test]
fn bad_input_gives_one_line_errors() {
    let fx = Fixture::new();
    let s = store(&fx);

    // A pid that cannot exist.
    let r = run(
        fx.rewind([
            "monitor".as_ref(),
            "--store".as_ref(),
            s.as_os_str(),
            "--pid".as_ref(),
            "999999999".as_ref(),
        ]),
        None,
    );
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("999999999"), "{}", r.describe());

    // A program that does not exist: 127, like a shell.
    let r = monitor(&fx, &s, &[], &argv(["/nonexistent/rewind-no-such-program"]));
    assert_one_line_error(&r);
    assert_eq!(r.code(), 127, "{}", r.describe());

    // A store that cannot be created: nothing is started.
    let marker_prog = fx.compile("mon_marker");
    let regular = fx.path().join("a-file");
    fs::write(&regular, "not a directory\n").unwrap();
    for bad in [
        regular.join("store"),
        PathBuf::from("/proc/rewind-nope/store"),
    ] {
        let marker = fx.path().join("started");
        let r = monitor(
            &fx,
            &bad,
            &[],
            &argv([marker_prog.as_os_str(), marker.as_os_str()]),
        );
        assert_one_line_error(&r);
        let err = r.stderr_str();
        assert!(
            err.contains("--store") && err.contains("REWIND_STORE"),
            "the error should say how to choose a store:\n{}",
            r.describe()
        );
        assert!(
            !marker.exists(),
            "the program must not run without a store ({})",
            bad.display()
        );
    }

    // A crash that does not exist.
    let r = crashes_run(&fx, &s, &["info", "999"], None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("999"), "{}", r.describe());
    let out = fx.path().join("none.core");
    let r = crashes_run(&fx, &s, &["dump", "999", "-o", out.to_str().unwrap()], None);
    assert_one_line_error(&r);
    assert!(!out.exists());

    // A crash stored without a dump.
    let deep = fx.compile("mon_deep");
    let r = monitor(&fx, &s, &["-q", "--quota", "1K"], &argv([&deep]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let id = id_of(&list(&fx, &s, &[])[0]).to_string();
    let r = crashes_run(&fx, &s, &["dump", &id, "-o", out.to_str().unwrap()], None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("no core dump"),
        "the error should say there is no dump:\n{}",
        r.describe()
    );
    assert!(!out.exists(), "no file should be written");
    let r = crashes_run(&fx, &s, &["debug", &id, "--", "-nx", "-batch"], None);
    assert_one_line_error(&r);
}

/// Regression: `--pid` of a process that does not exist said "cannot trace
/// process N: No such file or directory (os error 2)" (tgid_of's ENOENT reached
/// attach_error, whose "there is no process N" case wants ESRCH).
#[test]
fn monitor_pid_that_does_not_exist() {
    let fx = Fixture::new();
    let s = store(&fx);
    for cmd in ["monitor", "snapshot"] {
        let r = run(
            fx.rewind([
                cmd.as_ref(),
                "--store".as_ref(),
                s.as_os_str(),
                "--pid".as_ref(),
                "999999999".as_ref(),
            ]),
            None,
        );
        assert_one_line_error(&r);
        assert!(
            r.stderr_str().contains("no process"),
            "{cmd}: {}",
            r.describe()
        );
    }
}

/// A process that has exited but is not reaped yet (a zombie) is named as
/// such, not "not permitted to trace" (what the kernel's EPERM said).
#[test]
fn pid_of_an_exited_process() {
    let fx = Fixture::new();
    let s = store(&fx);
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id() as i32;
    wait_until(Duration::from_secs(10), "true to exit", || {
        state_of(pid).as_deref() == Some("Z")
    });
    for cmd in ["monitor", "snapshot"] {
        let r = run(
            fx.rewind([
                cmd.as_ref(),
                "--store".as_ref(),
                s.as_os_str(),
                "--pid".as_ref(),
                pid.to_string().as_ref(),
            ]),
            None,
        );
        assert_one_line_error(&r);
        assert!(
            r.stderr_str()
                .contains(&format!("process {pid} has exited")),
            "{cmd}: {}",
            r.describe()
        );
    }
    let _ = child.wait();
}

#[test]
fn pid_already_traced() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_late");
    let mut cmd = Command::new(&prog);
    cmd.arg("2000").stdout(Stdio::null());
    let mut native = Native::spawn(cmd);
    let pid = native.pid;
    let first = run_in_background(fx.rewind([
        "monitor".as_ref(),
        "--store".as_ref(),
        s.as_os_str(),
        "-q".as_ref(),
        "--pid".as_ref(),
        pid.to_string().as_ref(),
    ]));
    wait_until(
        Duration::from_secs(10),
        "the first monitor to attach",
        || tracer_of(pid).is_some_and(|t| t != 0),
    );
    let r = run(
        fx.rewind([
            "monitor".as_ref(),
            "--store".as_ref(),
            fx.path().join("store2").as_os_str(),
            "--pid".as_ref(),
            pid.to_string().as_ref(),
        ]),
        None,
    );
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("already traced"),
        "{}",
        r.describe()
    );
    // The first monitor is unaffected.
    let f = first.join().unwrap();
    assert_eq!(f.code(), 139, "{}", f.describe());
    assert_killed_by(
        native.wait(Duration::from_secs(10)),
        libc::SIGSEGV,
        "mon_late",
    );
    assert_eq!(list(&fx, &s, &[]).len(), 1);
}

// ---------------------------------------------------------------------------
// 13. Ingest (the core_pattern handler) fed with rewind's own core
// ---------------------------------------------------------------------------

#[test]
fn ingest_a_core_from_stdin() {
    let fx = Fixture::new();
    let s = store(&fx);
    let prog = fx.compile("mon_deep");
    let r = monitor(&fx, &s, &["-q"], &argv([&prog]));
    assert_eq!(r.code(), 139, "{}", r.describe());
    let core_path = fx.path().join("core");
    crashes(&fx, &s, &["dump", "1", "-o", core_path.to_str().unwrap()]);
    let core = fs::read(&core_path).unwrap();

    let s2 = fx.path().join("store2");
    let r = crashes_run(&fx, &s2, &["ingest", "--signal", "11"], Some(&core));
    assert_eq!(r.code(), 0, "{}", r.describe());
    let entries = list(&fx, &s2, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(str_of(&entries[0], "signal"), "SIGSEGV");
    assert!(!entries[0]["dump"].is_null(), "{}", entries[0]);
    let original = &list(&fx, &s, &[])[0];
    assert_eq!(
        str_of(&entries[0], "group"),
        str_of(original, "group"),
        "the same crash, the same group"
    );
    let j = info(&fx, &s2, id_of(&entries[0]));
    assert_deep_stack(&threads(&j["report"])[0]);
    assert_eq!(
        j["report"]["signal_code_name"].as_str(),
        Some("SEGV_MAPERR")
    );

    // A truncated core: a clear error, nothing stored, nothing left behind.
    let r = crashes_run(&fx, &s2, &["ingest", "--signal", "11"], Some(&core[..1000]));
    assert_one_line_error(&r);
    assert_eq!(list(&fx, &s2, &[]).len(), 1, "nothing new stored");
    let leftovers: Vec<_> = fs::read_dir(s2.join("incoming"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "left in incoming/: {leftovers:?}");
}

// ---------------------------------------------------------------------------
// 14. Real programs
// ---------------------------------------------------------------------------

#[test]
fn python_killing_itself_with_sigsegv() {
    let fx = Fixture::new();
    let s = store(&fx);
    let r = monitor(
        &fx,
        &s,
        &["-q"],
        &argv([
            "python3",
            "-c",
            "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
        ]),
    );
    assert_eq!(r.code(), 139, "{}", r.describe());
    let entries = list(&fx, &s, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(str_of(&entries[0], "signal"), "SIGSEGV");
    assert!(
        str_of(&entries[0], "executable").contains("python3"),
        "{}",
        entries[0]
    );
    let j = info(&fx, &s, id_of(&entries[0]));
    let names = named(&threads(&j["report"])[0]);
    assert!(
        names.len() >= 3,
        "python's stack should have named frames: {names:?}"
    );
}

#[test]
fn bash_exit_status() {
    let fx = Fixture::new();
    let s = store(&fx);
    let r = monitor(&fx, &s, &[], &argv(["bash", "-c", "exit 3"]));
    assert_eq!(r.code(), 3, "{}", r.describe());
    assert!(r.stderr.is_empty(), "{}", r.describe());
    assert!(list(&fx, &s, &[]).is_empty());
}
