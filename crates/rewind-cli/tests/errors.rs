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
    // `info` still describes a truncated trace, as incomplete, and exits
    // non-zero with the problem on one line.
    let info = run(
        fx.rewind(["info".as_ref(), trace.as_os_str(), "--json".as_ref()]),
        None,
    );
    assert_one_line_error(&info);
    assert!(
        info.stderr_str().contains("truncated"),
        "{}",
        info.describe()
    );
    let v: serde_json::Value = serde_json::from_slice(&info.stdout)
        .unwrap_or_else(|e| panic!("info --json is not JSON ({e}):\n{}", info.describe()));
    assert_eq!(
        v["complete"],
        serde_json::Value::Bool(false),
        "{}",
        info.describe()
    );
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

/// Rewrites the version field of an events file and, as a newer rewind would,
/// the preamble checksum (over version, header length and header).
fn set_version_as_written(ev: &mut [u8], version: u32) {
    ev[8..12].copy_from_slice(&version.to_le_bytes());
    let end = header_end(ev);
    let crc = crc32fast_hash(&ev[8..end - 4]);
    ev[end - 4..end].copy_from_slice(&crc.to_le_bytes());
}

/// CRC32 (IEEE), as the trace format uses.
fn crc32fast_hash(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn replay_newer_format_version() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    set_version_as_written(&mut ev, 999);
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

/// A version field damaged in place (its checksum no longer matches) is
/// corruption, not a trace from a newer rewind, for replay and info alike.
#[test]
fn flipped_version_is_corruption() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    ev[8] ^= 0x04;
    fs::write(trace.join("events"), &ev).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_one_line_error(&info);
    for r in [&rep, &info] {
        let err = r.stderr_str();
        assert!(
            err.contains("corrupt") && !err.contains("newer") && err.contains("events"),
            "{}",
            r.describe()
        );
    }
    assert_eq!(rep.stderr, info.stderr, "replay and info say the same");
}

/// Bytes appended after the end of a complete trace: replay and info both
/// report the same corruption (replay used to accept them silently).
#[test]
fn garbage_after_the_last_chunk() {
    let fx = Fixture::new();
    let (trace, rec) = recorded_big_write(&fx);
    let mut ev = events_of(&trace);
    ev.extend_from_slice(b"appended garbage\n");
    fs::write(trace.join("events"), &ev).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    assert_prefix(&rec, &rep);
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_one_line_error(&info);
    assert!(
        rep.stderr_str().contains("corrupt") && rep.stderr_str().contains("end of the recording"),
        "{}",
        rep.describe()
    );
    assert_eq!(rep.stderr, info.stderr, "replay and info say the same");
}

/// The stored copy of the recorded executable, by its index entry.
fn stored_copy(trace: &Path, name_ends: &str) -> std::path::PathBuf {
    let files = trace.join("files");
    fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(name_ends))
        .unwrap_or_else(|| panic!("no copy of *{name_ends} in {}", files.display()))
}

/// A file missing from `files/`: replay and info say which, in one line, and
/// that the trace is incomplete.
#[test]
fn missing_file_in_files_dir() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let copy = stored_copy(&trace, "libc.so.6");
    fs::remove_file(&copy).unwrap();
    let rep = fx.replay(&trace);
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    for r in [&rep, &info] {
        assert_one_line_error(r);
        assert!(
            r.stderr_str().contains(&*copy.to_string_lossy()) && r.stderr_str().contains("missing"),
            "{}",
            r.describe()
        );
    }
    assert!(rep.stdout.is_empty(), "{}", rep.describe());
}

/// A damaged copy in `files/` is the trace's problem (not "the system's file
/// changed"), named in one line, for replay and info.
#[test]
fn damaged_file_in_files_dir() {
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let copy = stored_copy(&trace, "libc.so.6");
    let mut bytes = fs::read(&copy).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&copy, &bytes).unwrap();
    let rep = fx.replay(&trace);
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    for r in [&rep, &info] {
        assert_one_line_error(r);
        let err = r.stderr_str();
        assert!(
            err.contains(&*copy.to_string_lossy())
                && err.contains("damaged")
                && !err.contains("changed since"),
            "{}",
            r.describe()
        );
    }
}

/// An executable copy that cannot be executed: the error names the file and
/// says why in words (it used to be a bare "error 13").
#[test]
fn unexecutable_copy_names_the_file_and_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let copy = stored_copy(&trace, "-big_write");
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o600)).unwrap();
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    let err = rep.stderr_str();
    assert!(
        err.contains(&*copy.to_string_lossy())
            && err.contains("Permission denied")
            && !err.contains(": error 13"),
        "{}",
        rep.describe()
    );
}

/// `rewind info` checks `files/`: a complete trace passes (exit 0), and every
/// file the events refer to is a private copy (never a hard link to the
/// system's file, which a `chown -R` or `truncate` of the trace would change).
#[test]
fn info_checks_files_and_copies_are_private() {
    use std::os::unix::fs::MetadataExt;
    let fx = Fixture::new();
    let (trace, _) = recorded_big_write(&fx);
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_eq!(info.code(), 0, "{}", info.describe());
    assert!(info.stderr.is_empty(), "{}", info.describe());
    let files = trace.join("files");
    assert_eq!(fs::metadata(&files).unwrap().mode() & 0o777, 0o700);
    let index = fs::read_to_string(files.join("index")).unwrap();
    let mut seen_libc = false;
    for line in index.lines() {
        let blob = line.split(' ').nth(2).unwrap();
        let meta = fs::metadata(files.join(blob)).unwrap();
        assert_eq!(meta.nlink(), 1, "{blob} is linked elsewhere");
        assert!(
            meta.mode() & 0o777 == 0o600 || meta.mode() & 0o777 == 0o700,
            "{blob}: mode {:o}",
            meta.mode()
        );
        if blob.ends_with("libc.so.6") {
            seen_libc = true;
        }
    }
    assert!(seen_libc, "libc is stored:\n{index}");
}
