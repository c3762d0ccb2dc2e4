//! The rest of the command line: `record` is transparent (output, exit status,
//! env, cwd, stdin), the default trace directory and `latest`, `ls`, `info`.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// `rewind record` passes env, cwd, stdin through, prints nothing of its own and
/// exits with the program's status.
#[test]
fn record_is_transparent() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let mut cmd = fx.rewind(["record", "-o"]);
    cmd.arg(&trace)
        .args([
            "--",
            "sh",
            "-c",
            "echo \"foo=$REWIND_TEST_FOO\"; pwd; cat; echo err >&2; exit 7",
        ])
        .env("REWIND_TEST_FOO", "bar baz");
    let rec = run(cmd, Some(b"from stdin\n"));
    assert_no_panic(&rec);
    assert_eq!(rec.code(), 7, "{}", rec.describe());
    let expected = format!("foo=bar baz\n{}\nfrom stdin\n", fx.work().display());
    assert_eq!(rec.stdout_str(), expected, "{}", rec.describe());
    assert_eq!(rec.stderr_str(), "err\n", "{}", rec.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

#[test]
fn record_true_prints_nothing() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let r = fx.record(&trace, &argv(["/bin/true"]), None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    assert!(
        r.stdout.is_empty() && r.stderr.is_empty(),
        "{}",
        r.describe()
    );
    assert!(
        trace.join("events").is_file(),
        "no events file in {}",
        trace.display()
    );
    assert!(
        trace.join("files").is_dir(),
        "no files/ in {}",
        trace.display()
    );
    let ev = fs::read(trace.join("events")).unwrap();
    assert_eq!(&ev[..8], b"RWNDTRCE");
    let rep = fx.replay(&trace);
    assert_faithful(&r, &rep);
}

#[test]
fn record_false_exit_status() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let r = fx.record(&trace, &argv(["/bin/false"]), None);
    assert_eq!(r.code(), 1, "{}", r.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&r, &rep);
}

fn info_json(fx: &Fixture, trace: Option<&Path>) -> Value {
    let mut cmd = fx.rewind(["info"]);
    if let Some(t) = trace {
        cmd.arg(t);
    }
    cmd.arg("--json");
    let r = run(cmd, None);
    assert_no_panic(&r);
    assert!(r.status.success(), "{}", r.describe());
    serde_json::from_slice(&r.stdout)
        .unwrap_or_else(|e| panic!("info --json is not JSON ({e}):\n{}", r.describe()))
}

/// The number of events of one kind; a kind that did not occur may be left out.
fn count(v: &Value, kind: &str) -> u64 {
    match v["event_counts"].get(kind) {
        None => 0,
        Some(n) => n
            .as_u64()
            .unwrap_or_else(|| panic!("event_counts.{kind} is not a number in {v:#}")),
    }
}

#[test]
fn info_json_fork() {
    let fx = Fixture::new();
    let exe = fx.compile("fork_wait");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let v = info_json(&fx, Some(&trace));
    let cmd: Vec<&str> = v["command"]
        .as_array()
        .unwrap_or_else(|| panic!("command is not an array: {v:#}"))
        .iter()
        .map(|s| s.as_str().expect("command items are strings"))
        .collect();
    assert_eq!(cmd, vec![exe.to_str().unwrap()], "{v:#}");
    assert_eq!(v["exit_code"].as_i64(), Some(0), "{v:#}");
    assert_eq!(
        v["processes"].as_u64(),
        Some(2),
        "fork_wait has two processes: {v:#}"
    );
    let events = v["events"]
        .as_u64()
        .unwrap_or_else(|| panic!("events missing: {v:#}"));
    assert!(events > 0, "{v:#}");
    assert!(v["event_counts"].is_object(), "{v:#}");
    for kind in [
        "syscall", "signal", "exec", "new-task", "rdtsc", "cpuid", "exit",
    ] {
        count(&v, kind);
    }
    let sum: u64 = v["event_counts"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert!(
        sum <= events,
        "event_counts add up to more than events: {v:#}"
    );
    assert!(count(&v, "syscall") > 0, "{v:#}");
    assert!(count(&v, "exec") >= 1, "{v:#}");
    assert!(count(&v, "new-task") >= 1, "fork_wait forks: {v:#}");
    assert_eq!(count(&v, "exit"), 2, "two processes exit: {v:#}");
    assert!(v["duration_ms"].is_number(), "{v:#}");
    let bytes = v["trace_bytes"]
        .as_u64()
        .unwrap_or_else(|| panic!("trace_bytes missing: {v:#}"));
    assert!(bytes > 0, "{v:#}");
    assert!(v["mode"].is_string(), "{v:#}");
    assert_eq!(v["complete"], Value::Bool(true), "{v:#}");
    // The human-readable form works too.
    let r = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert!(
        r.status.success() && !r.stdout.is_empty(),
        "{}",
        r.describe()
    );
    assert_no_panic(&r);
}

#[test]
fn info_json_exit_code() {
    let fx = Fixture::new();
    let exe = fx.compile("exit_code");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 3, "{}", rec.describe());
    let v = info_json(&fx, Some(&trace));
    assert_eq!(v["exit_code"].as_i64(), Some(3), "{v:#}");
    assert_eq!(v["processes"].as_u64(), Some(1), "{v:#}");
    assert_eq!(count(&v, "new-task"), 0, "{v:#}");
    assert_eq!(v["complete"], Value::Bool(true), "{v:#}");
}

/// The entries of a trace directory, other than `latest`.
fn traces_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "latest")
        .collect();
    v.sort();
    v
}

fn latest_target(dir: &Path) -> PathBuf {
    let latest = dir.join("latest");
    let meta =
        fs::symlink_metadata(&latest).unwrap_or_else(|e| panic!("{}: {e}", latest.display()));
    assert!(
        meta.file_type().is_symlink(),
        "{} is not a symlink",
        latest.display()
    );
    fs::canonicalize(&latest).unwrap()
}

/// Without -o the trace goes to $REWIND_TRACE_DIR as `<progname>-<N>` with a
/// `latest` symlink; `ls` lists it; replay and info default to it.
#[test]
fn default_trace_dir_ls_and_latest() {
    let fx = Fixture::new();
    let dir = fx.traces();
    let rec1 = run(fx.rewind(["record", "--", "date", "+%s%N"]), None);
    assert_eq!(rec1.code(), 0, "{}", rec1.describe());
    assert!(
        rec1.stderr.is_empty(),
        "record printed something on stderr:\n{}",
        rec1.describe()
    );
    let first = traces_in(&dir);
    assert_eq!(
        first.len(),
        1,
        "expected one trace in {}: {first:?}",
        dir.display()
    );
    assert!(
        first[0].starts_with("date-"),
        "trace not named <progname>-<N>: {first:?}"
    );
    assert_eq!(
        latest_target(&dir),
        fs::canonicalize(dir.join(&first[0])).unwrap()
    );

    let rep = run(fx.rewind(["replay", "--autopilot"]), None);
    assert_faithful(&rec1, &rep);

    let rec2 = run(fx.rewind(["record", "--", "date", "+%s%N"]), None);
    assert_eq!(rec2.code(), 0, "{}", rec2.describe());
    let both = traces_in(&dir);
    assert_eq!(
        both.len(),
        2,
        "expected two traces in {}: {both:?}",
        dir.display()
    );
    let second = both.iter().find(|n| !first.contains(n)).unwrap().clone();
    assert!(second.starts_with("date-"), "{both:?}");
    assert_eq!(
        latest_target(&dir),
        fs::canonicalize(dir.join(&second)).unwrap(),
        "latest does not point to the newest trace"
    );

    let rep = run(fx.rewind(["replay", "--autopilot"]), None);
    assert_faithful(&rec2, &rep);
    // An explicit name still replays the first one.
    let rep = run(
        fx.rewind([
            "replay".as_ref(),
            "--autopilot".as_ref(),
            dir.join(&first[0]).as_os_str(),
        ]),
        None,
    );
    assert_faithful(&rec1, &rep);

    let ls = run(fx.rewind(["ls"]), None);
    assert_no_panic(&ls);
    assert!(ls.status.success(), "{}", ls.describe());
    for name in &both {
        assert!(
            ls.stdout_str().contains(name.as_str()),
            "ls does not list {name}:\n{}",
            ls.describe()
        );
    }

    let v = info_json(&fx, None);
    let cmd: Vec<&str> = v["command"]
        .as_array()
        .expect("command array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(cmd, vec!["date", "+%s%N"], "{v:#}");
}

/// Without REWIND_TRACE_DIR, traces go to $XDG_DATA_HOME/rewind/traces.
#[test]
fn default_trace_dir_xdg() {
    let fx = Fixture::new();
    let xdg = fx.path().join("xdg");
    let mut cmd = fx.rewind(["record", "--", "/bin/true"]);
    cmd.env_remove("REWIND_TRACE_DIR")
        .env("XDG_DATA_HOME", &xdg);
    let r = run(cmd, None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let dir = xdg.join("rewind/traces");
    let names = traces_in(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("true-"), "{names:?}");
    let mut ls = fx.rewind(["ls"]);
    ls.env_remove("REWIND_TRACE_DIR").env("XDG_DATA_HOME", &xdg);
    let ls = run(ls, None);
    assert!(
        ls.status.success() && ls.stdout_str().contains(&names[0]),
        "{}",
        ls.describe()
    );
}

/// Without REWIND_TRACE_DIR and XDG_DATA_HOME, traces go to ~/.local/share/rewind/traces.
#[test]
fn default_trace_dir_home() {
    let fx = Fixture::new();
    let home = fx.path().join("home");
    fs::create_dir(&home).unwrap();
    let mut cmd = fx.rewind(["record", "--", "/bin/true"]);
    cmd.env_remove("REWIND_TRACE_DIR").env("HOME", &home);
    let r = run(cmd, None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let names = traces_in(&home.join(".local/share/rewind/traces"));
    assert_eq!(names.len(), 1, "{names:?}");
    let mut rep = fx.rewind(["replay", "--autopilot"]);
    rep.env_remove("REWIND_TRACE_DIR").env("HOME", &home);
    let rep = run(rep, None);
    assert_faithful(&r, &rep);
}

#[test]
fn help_works() {
    let fx = Fixture::new();
    let r = run(fx.rewind(["--help"]), None);
    assert!(r.status.success(), "{}", r.describe());
    for sub in ["record", "replay", "info", "ls"] {
        assert!(
            r.stdout_str().contains(sub),
            "--help does not mention {sub}:\n{}",
            r.describe()
        );
    }
}

/// Arguments are bytes, not necessarily UTF-8 (file names often are not).
#[test]
fn record_non_utf8_argument() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let arg = OsStr::from_bytes(b"caf\xe9-\xff\xfe");
    let rec = fx.record(&trace, &[OsStr::new("/bin/echo").into(), arg.into()], None);
    assert_no_panic(&rec);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert_eq!(rec.stdout, b"caf\xe9-\xff\xfe\n", "{}", rec.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// A program that dies of an unhandled SIGSEGV: exit status 139.
#[test]
fn record_killed_by_sigsegv() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv(["sh", "-c", "echo $$; kill -SEGV $$"]), None);
    assert_eq!(rec.code(), 128 + 11, "{}", rec.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// Ctrl-C in a terminal sends SIGINT to the whole foreground process group:
/// the recorded program dies of it, rewind exits 130 and keeps a trace that
/// replays.
#[test]
fn record_interrupted_by_sigint() {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let mut cmd = fx.rewind(["record", "-o"]);
    cmd.arg(&trace)
        .args(["--", "sh", "-c", "echo started; exec sleep 30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().unwrap();
    let pgid = child.id() as i32;
    // Wait until the program has started (its output arrives), then interrupt.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 8];
    std::io::Read::read_exact(&mut out, &mut first).expect("the program did not start");
    std::thread::sleep(std::time::Duration::from_millis(300));
    unsafe {
        libc::kill(-pgid, libc::SIGINT);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            panic!("rewind record did not exit after SIGINT");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut rest).unwrap();
    let mut err = Vec::new();
    std::io::Read::read_to_end(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let rec = Run {
        cmd: "rewind record -- sh -c 'echo started; exec sleep 30' (then SIGINT)".into(),
        status,
        stdout: [&first[..], &rest[..]].concat(),
        stderr: err,
    };
    assert_no_panic(&rec);
    // rewind itself got the SIGINT too: it must not die of it, but report the
    // program's death by exiting 130.
    assert_eq!(rec.status.code(), Some(130), "{}", rec.describe());
    assert_eq!(rec.stdout, b"started\n", "{}", rec.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// `ls` with a trace directory that does not exist yet: no panic, and either an
/// empty listing or a one-line error.
#[test]
fn ls_without_traces() {
    let fx = Fixture::new();
    let mut cmd = fx.rewind(["ls"]);
    cmd.env("REWIND_TRACE_DIR", fx.path().join("does-not-exist"));
    let r = run(cmd, None);
    assert_no_panic(&r);
    if !r.status.success() {
        assert_one_line_error(&r);
    }
}
