//! The commands that look after recordings: `ps`, `ls`, `rm`, `pack`, `dump`,
//! the choices `replay -p` offers, `--serve` addresses, and --help for all of them.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Runs `rewind ARGS` and requires success.
fn ok(fx: &Fixture, args: &[&str]) -> Run {
    let r = run(fx.rewind(args), None);
    assert_no_panic(&r);
    assert!(r.status.success(), "{}", r.describe());
    r
}

fn json_of(r: &Run) -> Value {
    serde_json::from_slice(&r.stdout)
        .unwrap_or_else(|e| panic!("output is not JSON ({e}):\n{}", r.describe()))
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A shell whose two children end differently: one is killed by SIGTERM, one
/// execs `/bin/true a b`; the shell itself exits 3.
fn record_family(fx: &Fixture, trace: &Path) -> Run {
    let rec = fx.record(
        trace,
        &argv([
            "/bin/sh",
            "-c",
            "/bin/sh -c 'kill -TERM $$'; /bin/true a b; exit 3",
        ]),
        None,
    );
    assert_eq!(rec.code(), 3, "{}", rec.describe());
    rec
}

#[test]
fn ps_lists_every_process_with_parent_exit_and_command() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    record_family(&fx, &trace);
    let v = json_of(&ok(&fx, &["ps", "--json", path_str(&trace)]));
    let procs = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {v:#}"));
    assert_eq!(procs.len(), 3, "a shell and two children: {v:#}");
    let root = &procs[0];
    let root_pid = root["pid"].as_i64().unwrap();
    assert!(root["ppid"].is_null(), "{v:#}");
    assert_eq!(root["exit_code"].as_i64(), Some(3), "{v:#}");
    assert_eq!(root["command"][0], "/bin/sh", "{v:#}");
    let killed = procs
        .iter()
        .find(|p| p["signal"] == "SIGTERM")
        .unwrap_or_else(|| panic!("no process killed by SIGTERM: {v:#}"));
    assert_eq!(killed["ppid"].as_i64(), Some(root_pid), "{v:#}");
    assert!(killed["exit_code"].is_null(), "{v:#}");
    let true_ = procs
        .iter()
        .find(|p| p["name"] == "true")
        .unwrap_or_else(|| panic!("no process ran true: {v:#}"));
    assert_eq!(true_["ppid"].as_i64(), Some(root_pid), "{v:#}");
    assert_eq!(true_["exit_code"].as_i64(), Some(0), "{v:#}");
    let cmd: Vec<&str> = true_["command"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(cmd, ["/bin/true", "a", "b"], "last exec's argv: {v:#}");

    // The table says the same.
    let text = ok(&fx, &["ps", path_str(&trace)]).stdout_str();
    let line_of_pid = |pid: i64| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(&pid.to_string()))
            .unwrap_or_else(|| panic!("no line for {pid}:\n{text}"))
            .to_string()
    };
    let killed_line = line_of_pid(killed["pid"].as_i64().unwrap());
    assert!(
        killed_line.contains("SIGTERM") && killed_line.contains(&root_pid.to_string()),
        "{killed_line}"
    );
    assert!(
        line_of_pid(true_["pid"].as_i64().unwrap()).ends_with("/bin/true a b"),
        "{text}"
    );
}

#[test]
fn replay_p_that_matches_nothing_lists_the_recorded_processes() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    record_family(&fx, &trace);
    let v = json_of(&ok(&fx, &["ps", "--json", path_str(&trace)]));
    let pids: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].to_string())
        .collect();
    for pick in ["no-such-program", "999999999"] {
        let r = run(
            fx.rewind([
                "replay",
                "-p",
                pick,
                "--debugger",
                "/bin/false",
                path_str(&trace),
            ]),
            None,
        );
        assert_one_line_error(&r);
        let err = r.stderr_str();
        assert!(err.contains(pick), "does not say what was asked: {err}");
        for pid in &pids {
            assert!(err.contains(pid.as_str()), "does not list {pid}: {err}");
        }
        assert!(err.contains("(true)"), "does not list names: {err}");
    }
}

/// Records `/bin/true` into the trace store; returns the new trace's name.
fn record_in_store(fx: &Fixture, args: &[&str]) -> String {
    let before = store_entries(fx);
    let mut cmd = fx.rewind(["record", "--"]);
    cmd.args(args);
    let r = run(cmd, None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let after = store_entries(fx);
    let new: Vec<_> = after.iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(new.len(), 1, "{before:?} -> {after:?}");
    new[0].clone()
}

fn store_entries(fx: &Fixture) -> Vec<String> {
    fs::read_dir(fx.traces())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "latest")
        .collect()
}

fn latest_name(fx: &Fixture) -> Option<String> {
    fs::read_link(fx.traces().join("latest"))
        .ok()
        .map(|t| t.file_name().unwrap().to_string_lossy().into_owned())
}

#[test]
fn ls_lists_newest_first_and_says_which_are_damaged() {
    let fx = Fixture::new();
    let names: Vec<String> = ["oldest", "truncated", "corrupt", "incomplete", "newest"]
        .iter()
        .map(|word| record_in_store(&fx, &["/bin/echo", word]))
        .collect();
    let events_of = |name: &str| fx.traces().join(name).join("events");
    // Cut the second inside its last chunk, flip a byte in the third's first
    // chunk, and leave the fourth with its header only.
    let data = fs::read(events_of(&names[1])).unwrap();
    let (last, len) = *chunks(&data).last().unwrap();
    fs::write(events_of(&names[1]), &data[..last + 20 + len / 2]).unwrap();
    let mut data = fs::read(events_of(&names[2])).unwrap();
    let (first, _) = chunks(&data)[0];
    data[first + 30] ^= 0xff;
    fs::write(events_of(&names[2]), &data).unwrap();
    let data = fs::read(events_of(&names[3])).unwrap();
    fs::write(events_of(&names[3]), &data[..header_end(&data)]).unwrap();

    let v = json_of(&ok(&fx, &["ls", "--json"]));
    let rows = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {v:#}"));
    let listed: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let newest_first: Vec<&str> = names.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first, "{v:#}");
    let states: Vec<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        ["complete", "incomplete", "corrupt", "truncated", "complete"],
        "{v:#}"
    );
    for row in rows {
        assert_eq!(
            row["damaged"].as_bool(),
            Some(row["state"] != "complete"),
            "{row:#}"
        );
        assert!(row["bytes"].as_u64().unwrap() > 0, "{row:#}");
        assert!(
            row["recorded"].as_str().is_some_and(|d| d.ends_with('Z')),
            "{row:#}"
        );
    }
    assert_eq!(rows[0]["latest"], Value::Bool(true), "{v:#}");
    assert_eq!(rows[0]["command_line"], "/bin/echo newest", "{v:#}");
    assert!(rows[0]["duration_ms"].as_f64().unwrap() > 0.0, "{v:#}");
    assert!(rows[1]["duration_ms"].is_null(), "{v:#}");

    // The table: same order, state column, the latest marked.
    let text = ok(&fx, &["ls"]).stdout_str();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 5, "{text}");
    for ((line, name), state) in lines.iter().zip(&newest_first).zip(&states) {
        assert!(
            line.contains(name) && line.contains(&format!(" {state} ")),
            "expected {name} {state}: {line}\n{text}"
        );
    }
    assert!(
        lines[0].starts_with('*') && !lines[1].starts_with('*'),
        "{text}"
    );
    assert!(lines[0].ends_with("/bin/echo newest"), "{text}");
}

#[test]
fn rm_removes_a_trace_and_moves_latest() {
    let fx = Fixture::new();
    let first = record_in_store(&fx, &["/bin/true"]);
    let second = record_in_store(&fx, &["/bin/echo", "x"]);
    assert_eq!(latest_name(&fx).as_deref(), Some(second.as_str()));

    // Removing another trace leaves latest alone.
    let third_dir = fx.trace("elsewhere");
    let r = fx.record(&third_dir, &argv(["/bin/true"]), None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    ok(&fx, &["rm", path_str(&third_dir)]);
    assert!(!third_dir.exists());
    assert_eq!(latest_name(&fx).as_deref(), Some(second.as_str()));

    // `rm latest` removes the trace it points to; latest moves to the one left.
    let r = ok(&fx, &["rm", "latest"]);
    assert!(!fx.traces().join(&second).exists(), "{}", r.describe());
    assert_eq!(
        latest_name(&fx).as_deref(),
        Some(first.as_str()),
        "{}",
        r.describe()
    );
    let r = ok(&fx, &["rm", &first]);
    assert!(!fx.traces().join(&first).exists(), "{}", r.describe());
    assert!(
        fs::symlink_metadata(fx.traces().join("latest")).is_err(),
        "latest still there with no traces left"
    );
}

#[test]
fn rm_refuses_what_is_not_a_trace() {
    let fx = Fixture::new();
    let dir = fx.path().join("precious");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "keep me").unwrap();
    // Even an `events` file needs rewind's magic.
    fs::write(dir.join("events"), "not a trace").unwrap();
    let r = run(fx.rewind(["rm", path_str(&dir)]), None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("not a rewind trace"),
        "{}",
        r.describe()
    );
    assert!(dir.join("notes.txt").exists());
    let r = run(fx.rewind(["rm", "no-such-trace"]), None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("no such trace"), "{}", r.describe());
}

/// Every stored file of the trace is a file of its own: no name outside files/
/// shares its inode.
fn assert_private(files: &Path) {
    let entries: Vec<PathBuf> = fs::read_dir(files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for p in &entries {
        let m = fs::symlink_metadata(p).unwrap();
        assert!(m.is_file(), "{} is not a plain file", p.display());
        let inside = entries
            .iter()
            .filter(|q| fs::metadata(q).unwrap().ino() == m.ino())
            .count() as u64;
        assert_eq!(
            m.nlink(),
            inside,
            "{} is linked from outside the trace",
            p.display()
        );
        assert_eq!(
            m.permissions().mode() & 0o077,
            0,
            "{} is readable by others",
            p.display()
        );
    }
}

#[test]
fn pack_makes_a_trace_that_replays_elsewhere() {
    let fx = Fixture::new();
    let exe = fx.compile("pids");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let files = trace.join("files");
    let blob_of = |needle: &str| -> PathBuf {
        fs::read_dir(&files)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().contains(needle))
            .unwrap_or_else(|| panic!("no stored file named like {needle} in {}", files.display()))
    };
    // The executable's copy becomes a hard link shared with a file outside the
    // trace (as system files are stored), and libc's copy goes missing.
    let exe_blob = blob_of("pids");
    let outside = fx.path().join("outside-link");
    fs::copy(&exe_blob, &outside).unwrap();
    fs::remove_file(&exe_blob).unwrap();
    fs::hard_link(&outside, &exe_blob).unwrap();
    let libc_blob = blob_of("libc.so");
    let libc_bytes = fs::read(&libc_blob).unwrap();
    fs::remove_file(&libc_blob).unwrap();

    let r = ok(&fx, &["pack", path_str(&trace)]);
    assert!(
        r.stdout_str().contains("1 restored"),
        "libc was not restored:\n{}",
        r.describe()
    );
    assert_private(&files);
    for (path, mode) in [
        (&trace, 0o700),
        (&files, 0o700),
        (&trace.join("events"), 0o600),
    ] {
        let m = fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(m & !mode, 0, "{} has mode {m:o}", path.display());
    }
    assert_eq!(fs::read(&libc_blob).unwrap(), libc_bytes);
    let exe_bytes = fs::read(&outside).unwrap();
    assert_eq!(fs::read(&exe_blob).unwrap(), exe_bytes);
    // Rewriting the outside file in place no longer changes the trace.
    fs::write(&outside, b"changed").unwrap();
    assert_eq!(fs::read(&exe_blob).unwrap(), exe_bytes);

    // Packing again changes nothing.
    let inodes = |dir: &Path| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().unwrap().ino(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = inodes(&files);
    let r = ok(&fx, &["pack", path_str(&trace)]);
    assert!(
        r.stdout_str().contains(" 0 copied") && r.stdout_str().contains(" 0 restored"),
        "{}",
        r.describe()
    );
    assert_eq!(inodes(&files), before, "a second pack changed files/");

    // Moved away from the program it recorded, the trace still replays.
    let moved = fx.path().join("moved");
    fs::rename(&trace, &moved).unwrap();
    fs::remove_file(&exe).unwrap();
    let rep = fx.replay(&moved);
    assert_faithful(&rec, &rep);
}

#[test]
fn pack_refuses_when_a_file_is_gone_everywhere() {
    let fx = Fixture::new();
    let exe = fx.compile("exit_code");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 3, "{}", rec.describe());
    let blob = fs::read_dir(trace.join("files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("exit_code")
        })
        .expect("the executable is stored");
    fs::remove_file(&blob).unwrap();
    fs::remove_file(&exe).unwrap();
    let r = run(fx.rewind(["pack", path_str(&trace)]), None);
    // The summary line goes to stdout; the error is one line on stderr.
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains(path_str(&exe)),
        "does not name the missing file:\n{}",
        r.describe()
    );
}

#[test]
fn dump_decodes_syscalls_signals_and_json_lines() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let rec = fx.record(
        &trace,
        &argv([
            "/bin/sh",
            "-c",
            "cat /no-such-file-here 2>/dev/null; kill -USR1 $$",
        ]),
        None,
    );
    assert_eq!(rec.code(), 128 + libc::SIGUSR1, "{}", rec.describe());
    let text = ok(&fx, &["dump", path_str(&trace)]).stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some((i + 1).to_string().as_str()), "{line}");
    }
    let has = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no line with {needle:?}:\n{}",
            excerpt(text.as_bytes())
        )
    };
    has("openat(AT_FDCWD, 0x");
    has("O_RDONLY");
    has("= -1 ENOENT (No such file or directory)");
    has("signal   SIGUSR1 (");
    has("/cat argv [\"cat\", \"/no-such-file-here\"]");
    has("exit     killed by SIGUSR1");
    has("recording ended: killed by SIGUSR1");

    let json = ok(&fx, &["dump", "--json", path_str(&trace)]).stdout_str();
    let events: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(events.len(), lines.len(), "one object per event");
    for (i, ev) in events.iter().enumerate() {
        assert_eq!(ev["event"].as_u64(), Some(i as u64 + 1), "{ev}");
        assert!(ev["kind"].is_string() && ev["text"].is_string(), "{ev}");
    }
    let failed_open = events
        .iter()
        .find(|e| e["name"] == "openat" && e["errno"] == "ENOENT")
        .unwrap_or_else(|| panic!("no failed openat in the JSON"));
    assert_eq!(failed_open["result"].as_i64(), Some(-2), "{failed_open}");
    assert_eq!(failed_open["args"].as_array().unwrap().len(), 6);
    // AT_FDCWD, as the 32-bit int the kernel reads.
    assert_eq!(
        failed_open["args"][0].as_u64().map(|fd| fd as u32 as i32),
        Some(-100)
    );
    assert!(
        failed_open["text"]
            .as_str()
            .unwrap()
            .starts_with("openat(AT_FDCWD, 0x"),
        "{failed_open}"
    );
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "end", "{last}");
    assert_eq!(
        last["signal"].as_i64(),
        Some(libc::SIGUSR1 as i64),
        "{last}"
    );
    let info: Value = json_of(&ok(&fx, &["info", "--json", path_str(&trace)]));
    assert_eq!(info["events"].as_u64(), Some(events.len() as u64));
}

/// Constant paths are read back from the trace's copy of the executable.
#[test]
fn dump_shows_constant_paths_as_strings() {
    let fx = Fixture::new();
    let exe = fx.compile("open_paths");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 128 + libc::SIGUSR1, "{}", rec.describe());
    let text = ok(&fx, &["dump", path_str(&trace)]).stdout_str();
    for needle in [
        "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY, 0) = ",
        "openat(AT_FDCWD, \"/no/such/file/here\", O_WRONLY|O_CREAT|O_TRUNC, 0640) = -1 ENOENT (No such file or directory)",
        "signal   SIGUSR1 (",
    ] {
        assert!(
            text.contains(needle),
            "no {needle:?} in the dump:\n{}",
            excerpt(text.as_bytes())
        );
    }
}

#[test]
fn dump_of_a_truncated_trace_prints_what_it_has_then_fails() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv(["/bin/echo", "hello"]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let events = trace.join("events");
    let data = fs::read(&events).unwrap();
    let (last, len) = *chunks(&data).last().unwrap();
    let chunk_count = chunks(&data).len();
    fs::write(&events, &data[..last + 20 + len / 2]).unwrap();
    let r = run(fx.rewind(["dump", path_str(&trace)]), None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("truncated"), "{}", r.describe());
    if chunk_count > 1 {
        assert!(!r.stdout.is_empty(), "{}", r.describe());
    }
}

#[test]
fn serve_with_a_bad_address_says_the_expected_form() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv(["/bin/true"]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    // With a trace, and before looking for one (no latest recording here).
    for args in [
        vec!["replay", "--serve", "notaport", path_str(&trace)],
        vec!["replay", "--serve", "notaport"],
        vec!["replay", "--serve", "localhost:99999", path_str(&trace)],
    ] {
        let r = run(fx.rewind(&args), None);
        assert_one_line_error(&r);
        let err = r.stderr_str();
        assert!(
            err.contains("bad address") && err.contains("expected HOST:PORT"),
            "{err}"
        );
        assert!(!err.contains("in use"), "{err}");
    }
}

/// The entries of the Arguments and Options sections of a --help text, each with
/// its help (on the same line, or on the indented lines below it).
fn help_entries(help: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut in_list = false;
    for line in help.lines() {
        if line == "Arguments:" || line == "Options:" {
            in_list = true;
            continue;
        }
        if !line.starts_with(' ') {
            in_list = false;
            continue;
        }
        if !in_list {
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent <= 6
            && (trimmed.starts_with('-') || trimmed.starts_with('<') || trimmed.starts_with('['))
        {
            // `--flag <VALUE>  help`: the name ends at the first double space.
            let (name, help) = trimmed.split_once("  ").unwrap_or((trimmed, ""));
            entries.push((name.to_string(), help.trim().to_string()));
        } else if let Some(last) = entries.last_mut() {
            last.1.push_str(trimmed);
        }
    }
    entries
}

#[test]
fn every_flag_has_help_and_no_sentence_is_doubled() {
    let fx = Fixture::new();
    for sub in ["record", "replay", "info", "ls", "dump", "ps", "rm", "pack"] {
        for flag in ["--help", "-h"] {
            let r = ok(&fx, &[sub, flag]);
            let help = r.stdout_str();
            let entries = help_entries(&help);
            assert!(
                entries.len() >= 2,
                "{sub} {flag}: no options found:\n{help}"
            );
            for (name, text) in &entries {
                assert!(
                    !text.is_empty(),
                    "`rewind {sub}` {name} has no help line:\n{help}"
                );
            }
            let mut seen = std::collections::HashSet::new();
            for sentence in help
                .split(['.', ':', '\n'])
                .map(str::trim)
                .filter(|s| s.len() > 12)
            {
                assert!(
                    seen.insert(sentence.to_string()),
                    "`rewind {sub} {flag}` says {sentence:?} twice:\n{help}"
                );
            }
        }
    }
    let top = ok(&fx, &["--help"]).stdout_str();
    for sub in ["ps", "rm", "pack", "dump", "ls"] {
        assert!(
            top.lines().any(|l| l.trim_start().starts_with(sub)),
            "--help does not list {sub}:\n{top}"
        );
    }
}

/// `ps`, `dump` and `pack` take a trace as a path, as a name in the trace
/// directory, or default to `latest`; anything else is one clear line.
#[test]
fn trace_commands_select_by_path_name_or_latest() {
    let fx = Fixture::new();
    for sub in ["ps", "dump", "pack"] {
        let r = run(fx.rewind([sub]), None);
        assert_one_line_error(&r);
        assert!(
            r.stderr_str().contains("rewind record"),
            "does not say how to get a trace:\n{}",
            r.describe()
        );
    }
    let first = record_in_store(&fx, &["/bin/echo", "first"]);
    let second = record_in_store(&fx, &["/bin/echo", "second"]);
    let ps_command = |args: &[&str]| -> String {
        let mut all = vec!["ps", "--json"];
        all.extend_from_slice(args);
        let v = json_of(&ok(&fx, &all));
        v[0]["command"][1].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(ps_command(&[]), "second");
    assert_eq!(ps_command(&[&first]), "first");
    let first_path = fx.traces().join(&first);
    assert_eq!(ps_command(&[path_str(&first_path)]), "first");
    assert_eq!(ps_command(&["latest"]), "second");

    let dump_first = ok(&fx, &["dump", &first]).stdout_str();
    assert!(
        dump_first.contains("\"first\""),
        "{}",
        excerpt(dump_first.as_bytes())
    );
    let dump_latest = ok(&fx, &["dump"]).stdout_str();
    assert!(
        dump_latest.contains("\"second\""),
        "{}",
        excerpt(dump_latest.as_bytes())
    );
    let packed = ok(&fx, &["pack"]).stdout_str();
    assert!(packed.contains(&second), "{packed}");
    // Through the `latest` link, the trace itself was made private.
    let mode = fs::metadata(fx.traces().join(&second))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{second} has mode {mode:o}");

    let not_a_trace = fx.path().join("not-a-trace");
    fs::create_dir(&not_a_trace).unwrap();
    for sub in ["ps", "dump", "pack"] {
        let r = run(fx.rewind([sub, "no-such-trace"]), None);
        assert_one_line_error(&r);
        assert!(r.stderr_str().contains("no such trace"), "{}", r.describe());
        let r = run(fx.rewind([sub, path_str(&not_a_trace)]), None);
        assert_one_line_error(&r);
        assert!(
            r.stderr_str().contains("not a rewind trace"),
            "{}",
            r.describe()
        );
    }
}
