//! The project's own suite of small C programs (`tests/programs/suite/`, grouped by
//! what they exercise: files, pipes/sockets/polling, time/randomness/cpu,
//! processes, signals, memory, threads). Each is compiled, recorded, replayed and
//! run natively: the recording must exit as the program does, the replay must exit
//! 0 and print byte for byte what the recording printed, and a native run must exit
//! the same way but print something else (every program prints its pid and a time).
//!
//! Failures are collected, not stopped at: the test prints
//! `suite: N of M programs record and replay exactly` and one line per failure
//! (with the first line of rewind's error). A program that fails because of a
//! known, documented rewind limitation is listed in [`KNOWN_FAILURES`] with the
//! reason; the test fails on any failure not listed and on any listed program
//! that passes, so the list stays true.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// Programs that fail because of a known rewind limitation, with the reason.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "file_splice_tee",
        "splice from a pipe to the terminal: the bytes never are in the program's memory and the pipe cannot be read back, so the replay does not reprint them (sendfile from a file is reprinted)",
    ),
    (
        "thr_pi_mutex",
        "priority-inheritance futexes: the waiters bit the kernel sets in the owner's lock word while a FUTEX_LOCK_PI blocks is replayed only when that call returns",
    ),
    (
        "proc_clone",
        "clone(CLONE_VM) without CLONE_THREAD is refused (README, Limitations): the recording stops there",
    ),
    (
        "proc_clone3",
        "clone3 is refused with ENOSYS (docs/ARCHITECTURE.md); the program needs it",
    ),
    (
        "io_uring_nop",
        "io_uring is refused with ENOSYS (docs/ARCHITECTURE.md)",
    ),
    (
        "proc_seccomp",
        "prctl(PR_SET_SECCOMP) stops the recording (\"rewind cannot record yet\"); the README does not say so",
    ),
    (
        "file_linux_aio",
        "Linux native AIO (io_setup, io_submit) is refused with ENOSYS (syscall table)",
    ),
];

/// Programs run at once (record, replay and native runs are mostly waiting on
/// ptrace stops, so a few more than the 2 cores keep them busy).
const WORKERS: usize = 4;

/// Longest one record, replay or native run may take. rewind reports a loop it
/// cannot preempt after 10 s, so a hang shows its message before this.
const RUN_LIMIT: Duration = Duration::from_secs(15);

fn suite_dir() -> PathBuf {
    programs_dir().join("suite")
}

/// The suite's programs (file stems of `tests/programs/suite/*.c`), sorted.
fn program_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(suite_dir())
        .expect("tests/programs/suite")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "c").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// The exit status a program declares with a `SUITE_EXIT N` comment (128+N for
/// death by signal N); 0 when it declares none.
fn expected_exit(source: &str) -> i32 {
    source
        .split("SUITE_EXIT ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|n| n.parse().expect("SUITE_EXIT takes a number"))
        .unwrap_or(0)
}

/// Runs `cmd` with no stdin and its output in files under `dir` (so leftover
/// children holding the output open cannot stall us); kills its process group
/// after [`RUN_LIMIT`]. Err says it timed out, with rewind's last message.
fn run_limited(mut cmd: Command, dir: &Path, tag: &str) -> Result<Run, String> {
    let out_path = dir.join(format!("{tag}.stdout"));
    let err_path = dir.join(format!("{tag}.stderr"));
    let cmd_line = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("stdout file"))
        .stderr(fs::File::create(&err_path).expect("stderr file"))
        .process_group(0);
    let mut child = cmd.spawn().expect("spawn");
    let group = child.id() as i32;
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    // Whatever the program left running (a daemonised child) goes too.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let status = match status {
        Some(s) => s,
        None => {
            child.wait().expect("wait");
            let err = fs::read_to_string(&err_path).unwrap_or_default();
            let said = first_rewind_line(&err).unwrap_or_else(|| "nothing".into());
            return Err(format!(
                "{tag} still running after {RUN_LIMIT:?} (rewind said: {said})"
            ));
        }
    };
    Ok(Run {
        cmd: cmd_line,
        status,
        stdout: fs::read(&out_path).unwrap_or_default(),
        stderr: fs::read(&err_path).unwrap_or_default(),
    })
}

/// The first line of rewind's own messages in some stderr.
fn first_rewind_line(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .find(|l| l.starts_with("rewind: ") || l.contains("panicked"))
        .map(String::from)
}

/// What a run printed that explains a failure: rewind's first message, else the
/// program's last line of output.
fn explain(run: &Run) -> String {
    first_rewind_line(&run.stderr_str())
        .or_else(|| {
            run.stdout_str()
                .lines()
                .last()
                .map(|l| format!("last output: {l}"))
        })
        .unwrap_or_else(|| "no output".into())
}

/// Records, replays and natively runs one compiled program; Err holds one line
/// saying why it is not faithful.
fn check_program(exe: &Path, expected: i32) -> Result<(), String> {
    let fx = Fixture::new();
    let argv: Vec<OsString> = vec![exe.as_os_str().to_owned()];
    let trace = fx.trace("trace");

    let mut record = fx.rewind(["record", "-o"]);
    record.arg(&trace).arg("--").args(&argv);
    let rec = run_limited(record, fx.path(), "record")?;
    if rec.stderr_str().contains("panicked") {
        return Err(format!("record panicked: {}", explain(&rec)));
    }
    if rec.code() != expected {
        return Err(format!(
            "recording exited {} (expected {expected}): {}",
            rec.code(),
            explain(&rec)
        ));
    }

    let mut replay = fx.rewind(["replay", "--autopilot"]);
    replay.arg(&trace).current_dir(fx.path().join("replay-cwd"));
    let rep = run_limited(replay, fx.path(), "replay")?;
    if !rep.status.success() {
        return Err(format!("replay exited {}: {}", rep.code(), explain(&rep)));
    }
    if rec.stdout != rep.stdout {
        let diff = first_difference(&rec.stdout, &rep.stdout);
        return Err(format!(
            "replay stdout differs: {}",
            diff.replace('\n', " ")
        ));
    }
    if rec.stderr != rep.stderr {
        let diff = first_difference(&rec.stderr, &rep.stderr);
        return Err(format!(
            "replay stderr differs: {}",
            diff.replace('\n', " ")
        ));
    }
    if let Some(note) = first_rewind_line(&rep.stderr_str()) {
        return Err(format!("replay printed a rewind message: {note}"));
    }

    let mut native = fx.command(&argv[0]);
    native.args(&argv[1..]);
    let nat = run_limited(native, fx.path(), "native")?;
    if nat.code() != expected {
        return Err(format!(
            "native run exited {} (expected {expected}): the program is wrong: {}",
            nat.code(),
            explain(&nat)
        ));
    }
    if (&nat.stdout, &nat.stderr) == (&rec.stdout, &rec.stderr) {
        return Err(
            "a native run printed what the recording printed: the program proves nothing".into(),
        );
    }
    Ok(())
}

/// Compiles `tests/programs/suite/NAME.c` into `dir`.
fn compile(name: &str, dir: &Path) -> Result<PathBuf, String> {
    let exe = dir.join(name);
    let out = Command::new("cc")
        .args(["-O1", "-g", "-pthread", "-Wall", "-o"])
        .arg(&exe)
        .arg(format!("{name}.c"))
        .current_dir(suite_dir())
        .output()
        .map_err(|e| format!("cannot run cc: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "does not compile: {}",
            err.lines().next().unwrap_or("")
        ));
    }
    Ok(exe)
}

/// Runs `work` on every name with [`WORKERS`] threads; results by name.
fn for_each_parallel<T: Send>(
    names: &[String],
    work: impl Fn(&str) -> T + Sync,
) -> BTreeMap<String, T> {
    let next = Mutex::new(0usize);
    let results = Mutex::new(BTreeMap::new());
    thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(name) = names.get(i) else { break };
                let result = work(name);
                results.lock().unwrap().insert(name.clone(), result);
            });
        }
    });
    results.into_inner().unwrap()
}

#[test]
fn suite_records_and_replays_exactly() {
    let started = Instant::now();
    let names = program_names();
    assert!(
        names.len() >= 150,
        "the suite should hold at least 150 programs, found {}",
        names.len()
    );
    for (known, _) in KNOWN_FAILURES {
        assert!(
            names.iter().any(|n| n == known),
            "KNOWN_FAILURES names {known}, which is not in tests/programs/suite"
        );
    }
    let build = tempfile::Builder::new()
        .prefix("rewind-suite-")
        .tempdir()
        .expect("tempdir");
    let outcomes = for_each_parallel(&names, |name| {
        let source = fs::read_to_string(suite_dir().join(format!("{name}.c"))).expect("source");
        let exe = compile(name, build.path())?;
        check_program(&exe, expected_exit(&source))
    });

    let failures: Vec<(&String, &String)> = outcomes
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| (name, e)))
        .collect();
    println!(
        "suite: {} of {} programs record and replay exactly ({:.0?})",
        names.len() - failures.len(),
        names.len(),
        started.elapsed()
    );
    for (name, why) in &failures {
        let known = KNOWN_FAILURES.iter().find(|(k, _)| k == name);
        let tag = if known.is_some() { "known" } else { "NEW" };
        println!("  {tag} {name}: {why}");
    }

    let unlisted: Vec<String> = failures
        .iter()
        .filter(|(name, _)| !KNOWN_FAILURES.iter().any(|(k, _)| k == *name))
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    let now_passing: Vec<&str> = KNOWN_FAILURES
        .iter()
        .filter(|(k, _)| matches!(outcomes.get(*k), Some(Ok(()))))
        .map(|(k, _)| *k)
        .collect();
    assert!(
        unlisted.is_empty() && now_passing.is_empty(),
        "failures not in KNOWN_FAILURES:\n  {}\nlisted in KNOWN_FAILURES but now passing (remove them): {:?}",
        unlisted.join("\n  "),
        now_passing
    );
}

/// The checks the suite relies on can fail: a program whose recording exits
/// differently from what it declares is reported, and so is one whose native run
/// prints what the recording printed.
#[test]
fn suite_checks_catch_wrong_programs() {
    let build = tempfile::Builder::new()
        .prefix("rewind-suite-")
        .tempdir()
        .expect("tempdir");
    let exe = compile("file_rw", build.path()).expect("file_rw compiles");
    assert_eq!(check_program(&exe, 0), Ok(()));
    let wrong_exit = check_program(&exe, 3).expect_err("a wrong exit status must be reported");
    assert!(
        wrong_exit.starts_with("recording exited 0 (expected 3)"),
        "{wrong_exit}"
    );
    let same = build.path().join("same");
    fs::write(&same, "#!/bin/sh\necho always the same\n").unwrap();
    fs::set_permissions(&same, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let proves_nothing =
        check_program(&same, 0).expect_err("identical native output must be reported");
    assert!(
        proves_nothing.contains("proves nothing"),
        "{proves_nothing}"
    );
    assert_eq!(expected_exit("/* SUITE_EXIT 134 */"), 134);
    assert_eq!(expected_exit("int main(void) {}"), 0);
}
