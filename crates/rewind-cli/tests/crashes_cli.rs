//! `rewind crashes` as coredumpctl users expect it: crashes named by ID,
//! `last`, pid or program; `rm`; `list --limit --reverse --kind`; reading
//! commands that never create a store; a core ingested twice stored once;
//! `install-handler`'s undo; a help line for every flag.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Ids of `crashes list --json EXTRA...`, in the order listed.
fn listed(fx: &Fixture, store: &Path, extra: &[&str]) -> Vec<i64> {
    let mut args = vec!["list", "--json"];
    args.extend_from_slice(extra);
    parse_json(&crashes(fx, store, &args))
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// The id `crashes info SELECTOR --json` shows (no selector: none given).
fn info_id(fx: &Fixture, store: &Path, selector: Option<&str>) -> i64 {
    let mut args = vec!["info"];
    args.extend(selector);
    args.push("--json");
    parse_json(&crashes(fx, store, &args))["id"]
        .as_i64()
        .unwrap()
}

fn monitor(fx: &Fixture, store: &Path, opts: &[&str], prog: &Path) -> Run {
    let mut c = fx.rewind(["monitor".as_ref(), "--store".as_ref(), store.as_os_str()]);
    c.args(opts).arg("--").arg(prog);
    let r = run(c, None);
    assert_no_panic(&r);
    r
}

/// A store with: 1 = mon_deep's crash, 2 = mon_abort's crash, 3 = a
/// snapshot of a sleeping process. Returns the pids of the three.
fn three_entries(fx: &Fixture, s: &Path) -> (i64, i64, i64, PathBuf) {
    let deep = fx.compile("mon_deep");
    let abort = fx.compile("mon_abort");
    assert_eq!(
        monitor(fx, s, &["-q", "--min-spacing", "0"], &deep).code(),
        139
    );
    assert_eq!(
        monitor(fx, s, &["-q", "--min-spacing", "0"], &abort).code(),
        134
    );
    let mut sleeper = Command::new("sleep")
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut snap = fx.rewind(["snapshot".as_ref(), "--store".as_ref(), s.as_os_str()]);
    snap.args(["--pid", &sleeper.id().to_string()]);
    let r = run(snap, None);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(r.code(), 0, "{}", r.describe());
    let entries = parse_json(&crashes(fx, s, &["list", "--json"]));
    let pids: Vec<i64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(listed(fx, s, &[]), vec![1, 2, 3]);
    (pids[0], pids[1], pids[2], deep)
}

#[test]
fn crashes_are_selected_as_coredumpctl_selects_them() {
    let fx = Fixture::new();
    let s = fx.path().join("store");
    let (deep_pid, abort_pid, _, deep) = three_entries(&fx, &s);

    // `last`, the default.
    assert_eq!(info_id(&fx, &s, None), 3);
    assert_eq!(info_id(&fx, &s, Some("last")), 3);
    // An id.
    assert_eq!(info_id(&fx, &s, Some("1")), 1);
    // A pid (not an id), and pid=N when a pid could be taken for an id.
    assert_eq!(info_id(&fx, &s, Some(&abort_pid.to_string())), 2);
    assert_eq!(info_id(&fx, &s, Some(&format!("pid={deep_pid}"))), 1);
    // A program: its file name or its path.
    assert_eq!(info_id(&fx, &s, Some("mon_abort")), 2);
    assert_eq!(info_id(&fx, &s, Some(deep.to_str().unwrap())), 1);
    // The text form names the crash too.
    let text = crashes(&fx, &s, &["info", "mon_deep"]).stdout_str();
    assert!(text.contains("Crash: 1"), "{text}");

    // dump and debug take the same forms.
    let by_name = fx.path().join("by-name.core");
    let by_id = fx.path().join("by-id.core");
    crashes(
        &fx,
        &s,
        &["dump", "mon_deep", "-o", by_name.to_str().unwrap()],
    );
    crashes(&fx, &s, &["dump", "1", "-o", by_id.to_str().unwrap()]);
    assert_eq!(fs::read(&by_name).unwrap(), fs::read(&by_id).unwrap());
    let r = crashes(
        &fx,
        &s,
        &["debug", "mon_deep", "--", "-nx", "-batch", "-ex", "bt"],
    );
    assert!(
        r.stdout_str().contains(" c ") || r.stdout_str().contains("in c "),
        "gdb's backtrace should show c:\n{}",
        r.describe()
    );

    // Names that match nothing: one line saying what to do.
    for (sel, expect) in [
        ("999999", "no crash with id or pid 999999"),
        ("pid=999999", "no crash of pid 999999"),
        ("pid=abc", "not a pid"),
        ("no-such-program", "no crash of a program named"),
    ] {
        for cmd in ["info", "debug"] {
            let r = crashes_run(&fx, &s, &[cmd, sel], None);
            assert_one_line_error(&r);
            assert!(r.stderr_str().contains(expect), "{}", r.describe());
            assert!(r.stderr_str().contains("crashes list") || sel == "pid=abc");
        }
        let out = fx.path().join("none.core");
        let r = crashes_run(&fx, &s, &["dump", sel, "-o", out.to_str().unwrap()], None);
        assert_one_line_error(&r);
        assert!(!out.exists());
    }
}

#[test]
fn list_limit_reverse_and_kinds() {
    let fx = Fixture::new();
    let s = fx.path().join("store");
    three_entries(&fx, &s);
    assert_eq!(listed(&fx, &s, &["--reverse"]), vec![3, 2, 1]);
    assert_eq!(listed(&fx, &s, &["--limit", "2"]), vec![2, 3]);
    assert_eq!(listed(&fx, &s, &["-n", "1", "-r"]), vec![3]);
    assert_eq!(listed(&fx, &s, &["--kind", "crash"]), vec![1, 2]);
    assert_eq!(listed(&fx, &s, &["--kind", "snapshot"]), vec![3]);
    assert!(listed(&fx, &s, &["--kind", "trigger"]).is_empty());
    assert_eq!(
        listed(&fx, &s, &["--kind", "crash", "--limit", "1"]),
        vec![2]
    );
    let j = parse_json(&crashes(&fx, &s, &["list", "--json"]));
    let kinds: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["crash", "crash", "snapshot"]);
    // The table says which is which.
    let text = crashes(&fx, &s, &["list"]).stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("KIND"), "{text}");
    assert!(lines[3].contains("snapshot"), "{text}");
    assert!(
        lines[1].contains("crash") && lines[1].contains("SIGSEGV"),
        "{text}"
    );

    let r = crashes_run(&fx, &s, &["list", "--kind", "bogus"], None);
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr_str().contains("crash, snapshot or trigger"),
        "{}",
        r.describe()
    );
}

#[test]
fn rm_removes_the_selected_crashes() {
    let fx = Fixture::new();
    let s = fx.path().join("store");
    three_entries(&fx, &s);
    let dump2 = parse_json(&crashes(&fx, &s, &["info", "2", "--json"]))["dump"]
        .as_str()
        .map(PathBuf::from)
        .expect("crash 2 has a dump");
    assert!(dump2.is_file());

    let r = crashes(&fx, &s, &["rm", "mon_abort"]);
    assert!(
        r.stderr_str().contains("removed crash 2"),
        "{}",
        r.describe()
    );
    assert_eq!(listed(&fx, &s, &[]), vec![1, 3]);
    assert!(!dump2.exists(), "its dump goes too");

    // Nothing matches: nothing is removed, not even the ones that matched.
    let r = crashes_run(&fx, &s, &["rm", "1", "2"], None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("2"), "{}", r.describe());
    assert_eq!(listed(&fx, &s, &[]), vec![1, 3]);

    crashes(&fx, &s, &["rm", "last", "1"]);
    assert!(listed(&fx, &s, &[]).is_empty());
    let r = crashes_run(&fx, &s, &["rm", "last"], None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("no crashes"), "{}", r.describe());
    // rm wants something to remove.
    let r = crashes_run(&fx, &s, &["rm"], None);
    assert_ne!(r.code(), 0);
}

/// Reading commands refuse a directory that holds no store, and create
/// nothing in it (`--store /etc` made /etc/index.sqlite).
#[test]
fn reading_commands_refuse_a_path_without_a_store() {
    let fx = Fixture::new();
    let empty = fx.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let missing = fx.path().join("missing");
    let out = fx.path().join("out.core");
    for dir in [Path::new("/etc"), &empty, &missing] {
        let had_index = dir.join("index.sqlite").exists();
        for args in [
            vec!["list"],
            vec!["groups"],
            vec!["info"],
            vec!["info", "3"],
            vec!["debug"],
            vec!["dump", "-o", out.to_str().unwrap()],
            vec!["rm", "1"],
        ] {
            let r = crashes_run(&fx, dir, &args, None);
            assert_one_line_error(&r);
            assert_eq!(
                r.stderr_str().trim_end(),
                format!(
                    "rewind: no crash store at {}: pass --store DIR naming an existing store (`rewind monitor` creates one)",
                    dir.display()
                ),
                "{args:?}"
            );
        }
        assert_eq!(dir.join("index.sqlite").exists(), had_index);
        assert!(!dir.join("dumps").exists() || dir == Path::new("/etc"));
    }
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
    assert!(!missing.exists());
    assert!(!out.exists());
}

#[test]
fn the_same_core_ingested_twice_is_stored_once() {
    let fx = Fixture::new();
    let s = fx.path().join("store");
    let deep = fx.compile("mon_deep");
    assert_eq!(monitor(&fx, &s, &["-q"], &deep).code(), 139);
    let core = fx.path().join("core");
    crashes(&fx, &s, &["dump", "1", "-o", core.to_str().unwrap()]);
    let bytes = fs::read(&core).unwrap();

    let s2 = fx.path().join("store2");
    let first = crashes_run(&fx, &s2, &["ingest", "--signal", "11"], Some(&bytes));
    assert_eq!(first.code(), 0, "{}", first.describe());
    assert!(
        first.stderr_str().contains("stored as crash 1"),
        "{}",
        first.describe()
    );
    let again = crashes_run(&fx, &s2, &["ingest", "--signal", "11"], Some(&bytes));
    assert_eq!(again.code(), 0, "{}", again.describe());
    assert!(
        again.stderr_str().contains("already stored as crash 1"),
        "{}",
        again.describe()
    );
    assert_eq!(listed(&fx, &s2, &[]), vec![1]);
    let dumps = fs::read_dir(s2.join("dumps")).unwrap().count();
    assert_eq!(dumps, 1, "one dump file");
    // Another core is another crash.
    let mut other = bytes.clone();
    let last = other.len() - 1;
    other[last] ^= 0xff;
    let r = crashes_run(&fx, &s2, &["ingest", "--signal", "11"], Some(&other));
    assert_eq!(r.code(), 0, "{}", r.describe());
    let ids = listed(&fx, &s2, &[]);
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], 1);
}

/// A crash whose core --min-spacing drops keeps its report (signal,
/// stacks), and the list says the core was not kept.
#[test]
fn a_crash_without_its_core_keeps_its_report() {
    let fx = Fixture::new();
    let s = fx.path().join("store");
    let forks = fx.compile("mon_forks");
    let r = monitor(&fx, &s, &["-q", "--min-spacing", "3600"], &forks);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let text = crashes(&fx, &s, &["list"]).stdout_str();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(!rows[0].contains("not kept"), "{text}");
    for row in &rows[1..] {
        assert!(
            row.contains("not kept") && row.contains("SIGSEGV"),
            "{text}"
        );
    }
    let j = parse_json(&crashes(&fx, &s, &["info", "3", "--json"]));
    assert!(j["dump"].is_null(), "{j}");
    assert_eq!(j["report"]["signal_name"].as_str(), Some("SIGSEGV"), "{j}");
    let frames = j["report"]["threads"][0]["frames"].as_array().unwrap();
    assert!(
        frames
            .iter()
            .any(|f| f["function"].as_str() == Some("child_crash")),
        "{j}"
    );
    assert!(j["report"]["note"]
        .as_str()
        .is_some_and(|n| n.contains("--min-spacing")));
    let text = crashes(&fx, &s, &["info", "3"]).stdout_str();
    assert!(
        text.contains("child_crash") && text.contains("--min-spacing"),
        "{text}"
    );
}

/// install-handler prints an undo command that works, --store included.
/// Run in a mount namespace of its own with a file over core_pattern, so
/// the machine's setting is never touched.
#[test]
fn install_handler_prints_an_undo_that_works() {
    let fx = Fixture::new();
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "NOT RUN: install_handler_prints_an_undo_that_works needs root (a mount namespace)"
        );
        return;
    }
    let real = fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap();
    let fake = fx.path().join("pattern");
    fs::write(&fake, "core-before-%p\n").unwrap();
    // Short: the kernel takes 127 bytes of pattern.
    let s = fx.path().join("s");
    let script = r#"set -e
mount --bind "$FAKE" /proc/sys/kernel/core_pattern
out=$("$REWIND" crashes --store "$S" install-handler)
printf '%s\n' "$out"
echo "INSTALLED: $(cat /proc/sys/kernel/core_pattern)"
undo=$(printf '%s\n' "$out" | sed -n 's/^undo with: //p')
cd /
$undo
echo "RESTORED: $(cat /proc/sys/kernel/core_pattern)"
"#;
    let mut c = fx.command("unshare");
    c.args(["-m", "sh", "-c", script])
        .env("FAKE", &fake)
        .env("REWIND", env!("CARGO_BIN_EXE_rewind"))
        .env("S", &s);
    let r = run(c, None);
    assert_eq!(r.code(), 0, "{}", r.describe());
    let out = r.stdout_str();
    let installed = out
        .lines()
        .find_map(|l| l.strip_prefix("INSTALLED: "))
        .unwrap_or_default();
    assert!(
        installed.starts_with('|')
            && installed.contains(&format!("crashes --store {} ingest", s.display()))
            && installed.contains("--uid %u"),
        "{}",
        r.describe()
    );
    assert!(
        out.contains(&format!(
            "--store {} install-handler --uninstall",
            s.display()
        )),
        "{}",
        r.describe()
    );
    assert!(
        out.contains("RESTORED: core-before-%p\n"),
        "{}",
        r.describe()
    );
    assert_eq!(
        fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap(),
        real,
        "the machine's core_pattern is untouched"
    );
}

/// Every flag and argument of the crash commands has a help line.
#[test]
fn every_flag_has_a_help_line() {
    let fx = Fixture::new();
    let commands: &[&[&str]] = &[
        &["monitor"],
        &["snapshot"],
        &["crashes"],
        &["crashes", "list"],
        &["crashes", "info"],
        &["crashes", "debug"],
        &["crashes", "dump"],
        &["crashes", "rm"],
        &["crashes", "groups"],
        &["crashes", "ingest"],
        &["crashes", "install-handler"],
    ];
    for cmd in commands {
        let mut c = fx.rewind(*cmd);
        c.arg("--help");
        let r = run(c, None);
        assert_eq!(r.code(), 0, "{}", r.describe());
        let help = r.stdout_str();
        let mut entries = 0;
        let mut section = "";
        for line in help.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                section = line;
                continue;
            }
            if !matches!(section, "Options:" | "Arguments:" | "Commands:") {
                continue;
            }
            let t = line.trim_start();
            // An entry starts 2 spaces in; its description follows 2+ spaces.
            if line.len() - t.len() != 2 {
                continue;
            }
            entries += 1;
            let described = t
                .split_once("  ")
                .is_some_and(|(_, d)| !d.trim().is_empty());
            assert!(
                described,
                "`rewind {}` help: no description for {t:?}\n{help}",
                cmd.join(" ")
            );
        }
        assert!(entries > 0, "{help}");
    }
}
