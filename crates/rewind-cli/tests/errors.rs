//! Bad input: a program that does not exist, traces that are missing, not traces,
//! corrupt, truncated or from a newer rewind. Each gives exactly one line on stderr
//! starting with "rewind: ", a non-zero exit and no panic.

mod common;

use common::*;
use std::fs;
use std::path::Path;

#[test]
fn record_missing_program_by_path() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let r = fx.record(
        &trace,
        &argv(["/nonexistent/definitely-not-a-program"]),
        None,
    );
    assert_one_line_error(&r);
    assert_eq!(r.code(), 127, "{}", r.describe());
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn record_missing_program_in_path() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let r = fx.record(&trace, &argv(["rewind-test-no-such-command", "arg"]), None);
    assert_one_line_error(&r);
    assert_eq!(r.code(), 127, "{}", r.describe());
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn replay_missing_trace() {
    let fx = Fixture::new();
    let r = run(
        fx.rewind([
            "replay".as_ref(),
            "--autopilot".as_ref(),
            fx.trace("nope").as_os_str(),
        ]),
        None,
    );
    assert_one_line_error(&r);
}

#[test]
fn replay_directory_that_is_not_a_trace() {
    let fx = Fixture::new();
    let dir = fx.trace("not-a-trace");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("README"), "hello\n").unwrap();
    let r = run(
        fx.rewind(["replay".as_ref(), "--autopilot".as_ref(), dir.as_os_str()]),
        None,
    );
    assert_one_line_error(&r);
    let r = run(fx.rewind(["info".as_ref(), dir.as_os_str()]), None);
    assert_one_line_error(&r);
}

#[test]
fn replay_events_file_that_is_not_a_trace() {
    let fx = Fixture::new();
    let dir = fx.trace("garbage");
    fs::create_dir_all(dir.join("files")).unwrap();
    fs::write(
        dir.join("events"),
        b"this is not a rewind trace at all, just some text\n".repeat(100),
    )
    .unwrap();
    let r = run(
        fx.rewind(["replay".as_ref(), "--autopilot".as_ref(), dir.as_os_str()]),
        None,
    );
    assert_one_line_error(&r);
}

#[test]
fn replay_with_no_trace_at_all() {
    // An empty default trace directory: no `latest`.
    let fx = Fixture::new();
    let r = run(fx.rewind(["replay", "--autopilot"]), None);
    assert_one_line_error(&r);
}

/// Records `big_write` (1 MiB of stdout only, so the trace has several chunks and
/// the program writes nothing to stderr). Returns the trace dir and the recording.
fn recorded_big_write(fx: &Fixture) -> (std::path::PathBuf, Run) {
    let exe = fx.compile("big_write");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(rec.stderr.is_empty(), "{}", rec.describe());
    (trace, rec)
}

fn events_of(trace: &Path) -> Vec<u8> {
    fs::read(trace.join("events")).expect("the trace has an events file")
}

fn assert_prefix(rec: &Run, rep: &Run) {
    assert!(
        rec.stdout.starts_with(&rep.stdout),
        "what replay printed is not a prefix of what the recording printed: {}\n{}",
        first_difference(&rec.stdout, &rep.stdout),
        rep.describe()
    );
}

#[test]
fn replay_corrupt_trace() {
    let fx = Fixture::new();
    let (trace, rec) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    let start = header_end(&ev);
    assert!(
        ev.len() > start + 100,
        "suspiciously small trace: {} bytes",
        ev.len()
    );
    let mid = start + (ev.len() - start) / 2;
    ev[mid] ^= 0x5a;
    fs::write(trace.join("events"), &ev).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    assert_prefix(&rec, &rep);
}

#[test]
fn replay_corrupt_header() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    // A byte inside the header (covered by the header crc).
    ev[17] ^= 0xff;
    fs::write(trace.join("events"), &ev).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    assert!(
        rep.stdout.is_empty(),
        "replay printed output from a trace with a corrupt header:\n{}",
        rep.describe()
    );
}

#[test]
fn replay_truncated_trace() {
    let fx = Fixture::new();
    let (trace, rec) = recorded_big_write(&fx);
    let ev = events_of(&trace);
    let chunks = chunks(&ev);
    assert!(!chunks.is_empty(), "no chunks in the events file");
    let (last, clen) = *chunks.last().unwrap();
    assert_eq!(
        last + 20 + clen,
        ev.len(),
        "the chunks do not end where the events file ends"
    );
    let cut = last + 20 + clen / 2;
    fs::write(trace.join("events"), &ev[..cut]).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    let err = rep.stderr_str();
    assert!(
        err.contains("truncated") || err.contains("cut short"),
        "the error does not say the trace is truncated:\n{}",
        rep.describe()
    );
    assert_prefix(&rec, &rep);
    if chunks.len() > 1 {
        assert!(
            !rep.stdout.is_empty(),
            "replay of a truncated trace ({} chunks, the last one cut) printed nothing before the error",
            chunks.len()
        );
    }
    // `info` still describes a truncated trace, as incomplete.
    let info = run(
        fx.rewind(["info".as_ref(), trace.as_os_str(), "--json".as_ref()]),
        None,
    );
    assert_no_panic(&info);
    if info.status.success() {
        let v: serde_json::Value = serde_json::from_slice(&info.stdout)
            .unwrap_or_else(|e| panic!("info --json is not JSON ({e}):\n{}", info.describe()));
        assert_eq!(
            v["complete"],
            serde_json::Value::Bool(false),
            "{}",
            info.describe()
        );
    } else {
        assert_one_line_error(&info);
    }
}

#[test]
fn replay_trace_cut_after_header() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let ev = events_of(&trace);
    let end = header_end(&ev);
    fs::write(trace.join("events"), &ev[..end + 7]).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
}

#[test]
fn replay_newer_format_version() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    ev[8..12].copy_from_slice(&999u32.to_le_bytes());
    fs::write(trace.join("events"), &ev).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    assert!(
        rep.stderr_str().contains("newer"),
        "the error does not say the trace is newer:\n{}",
        rep.describe()
    );
    assert!(rep.stdout.is_empty(), "{}", rep.describe());
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_one_line_error(&info);
    assert!(info.stderr_str().contains("newer"), "{}", info.describe());
}
