//! End to end: a real gdb, in batch mode, debugging replays. Each test compiles a
//! C program of `tests/programs/gdb_*.c` with `cc -g -O0`, records it, runs
//! `rewind replay TRACE -- -batch -nx -ex 'set sysroot /' -x SCRIPT` and checks
//! what gdb printed: breakpoints, stepping, reverse execution (also from a
//! crash), watchpoints (also on memory the kernel writes), thread-local
//! variables, `-p`, forks and vforks of the debugged process, the `monitor`
//! commands, `run`, `-g` and `-q`, function calls and `set var` (diversions),
//! the end of the program, `--serve`, and bad input.
//!
//! gdb prints some messages ("Run till exit from ...", "Run back to call of
//! ...") only for commands typed at a terminal, so scripts run those commands
//! through `python gdb.execute("...", True)` (from_tty).

mod common;

use common::*;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A program compiled with `-g -O0` and recorded.
struct Recorded {
    fx: Fixture,
    exe: PathBuf,
    trace: PathBuf,
    rec: Run,
}

/// Compiles `tests/programs/NAME.c` (`-g -O0`), records it with ARGS and checks
/// the recording exited with `code`.
fn record_program(name: &str, args: &[OsString], code: i32) -> Recorded {
    let fx = Fixture::new();
    let exe = fx.compile_debug(name);
    let trace = fx.trace("trace");
    let mut a = vec![exe.clone().into_os_string()];
    a.extend(args.iter().cloned());
    let rec = fx.record(&trace, &a, None);
    assert_no_panic(&rec);
    assert_eq!(
        rec.code(),
        code,
        "unexpected exit status of the recording\n{}",
        rec.describe()
    );
    Recorded {
        fx,
        exe,
        trace,
        rec,
    }
}

/// The gdb arguments of every test: batch mode, no init files, the local
/// filesystem as sysroot, then SCRIPT.
fn gdb_args(script: &Path) -> Vec<OsString> {
    let mut v = argv(["-batch", "-nx", "-ex", "set sysroot /", "-x"]);
    v.push(script.as_os_str().to_owned());
    v
}

/// Writes a gdb script (one command a line) into the fixture; returns its path.
fn write_script(fx: &Fixture, lines: &[String]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = fx
        .path()
        .join(format!("script{}.gdb", N.fetch_add(1, Ordering::Relaxed)));
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(&path, text).unwrap();
    path
}

/// Script lines from string-likes.
fn script<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    lines.iter().map(|l| l.as_ref().to_owned()).collect()
}

/// No debuginfod downloads, whatever the environment says.
fn quiet_gdb_env(c: &mut Command) {
    c.env_remove("DEBUGINFOD_URLS");
}

/// `rewind replay REWIND_ARGS... TRACE -- -batch -nx -ex 'set sysroot /' -x
/// SCRIPT`, with rewind's and gdb's stderr in their stdout (`2>&1`: gdb prints
/// `monitor` replies and some messages on stderr, and the tests check the order
/// of everything).
fn gdb_replay(fx: &Fixture, trace: &Path, rewind_args: &[&str], lines: &[String]) -> Run {
    let path = write_script(fx, lines);
    let mut c = fx.command("sh");
    c.args(["-c", "exec \"$0\" \"$@\" 2>&1", REWIND, "replay"])
        .args(rewind_args)
        .arg(trace)
        .arg("--")
        .args(gdb_args(&path))
        .current_dir(fx.path().join("replay-cwd"));
    quiet_gdb_env(&mut c);
    run(c, None)
}

/// [`gdb_replay`] with stdout and stderr apart.
fn gdb_replay_apart(fx: &Fixture, trace: &Path, lines: &[String]) -> Run {
    let path = write_script(fx, lines);
    let mut c = fx.rewind(["replay"]);
    c.arg(trace)
        .arg("--")
        .args(gdb_args(&path))
        .current_dir(fx.path().join("replay-cwd"));
    quiet_gdb_env(&mut c);
    run(c, None)
}

/// gdb's complete output, for failure messages.
fn full(r: &Run) -> String {
    format!(
        "command: {}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n---",
        r.cmd,
        r.status,
        r.stdout_str(),
        r.stderr_str()
    )
}

/// gdb ran the whole script (an error in a script stops it and makes gdb exit
/// non-zero), the connection stayed up, and rewind did not panic or fail.
fn assert_gdb_ok(r: &Run) {
    assert_no_panic(r);
    let err = r.stdout_str() + &r.stderr_str();
    assert!(
        r.status.success()
            && !err.contains("Error in sourced command file")
            && !err.contains("Remote connection closed")
            && !err.contains("rewind: "),
        "gdb or rewind reported an error:\n{}",
        full(r)
    );
}

/// Each of EXPECTED occurs in gdb's stdout, each after the previous one (which
/// may share its final newline with the next's first character).
fn assert_in_order<S: AsRef<str>>(r: &Run, expected: &[S]) {
    let out = r.stdout_str();
    let mut pos = 0;
    for (i, e) in expected.iter().enumerate() {
        let e = e.as_ref();
        match out[pos..].find(e) {
            Some(p) => pos += p + e.strip_suffix('\n').unwrap_or(e).len(),
            None => panic!(
                "expected #{i} {e:?} not found in gdb's output{} (after {:?}):\n{}",
                if out.contains(e) {
                    " where expected; it occurs earlier"
                } else {
                    ""
                },
                expected[..i].iter().map(|s| s.as_ref()).collect::<Vec<_>>(),
                full(r)
            ),
        }
    }
}

/// The numbers of the "Current event: N" lines (`monitor when`), in order.
fn current_events(r: &Run) -> Vec<u64> {
    r.stdout_str()
        .lines()
        .chain(r.stderr_str().lines())
        .filter_map(|l| l.trim().strip_prefix("Current event: "))
        .map(|n| {
            n.trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad event number {n:?}:\n{}", full(r)))
        })
        .collect()
}

/// `LINE\t` as gdb prints a source line of `tests/programs/NAME.c` when it stops
/// there: the line at the start of an output line.
fn src_line(name: &str, marker: &str) -> String {
    format!("\n{}\t", line_of(name, marker))
}

/// After `monitor goto` or `monitor restart` gdb's caches are stale.
const FLUSH: [&str; 2] = [
    "maintenance flush register-cache",
    "maintenance flush dcache",
];

// ---------------------------------------------------------------------------
// Forward execution.

#[test]
fn breakpoint_print_next_step_finish() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break bump",
            "continue",
            "print i",
            "next",
            "next",
            "next",
            "step",
            "print x",
            r#"python gdb.execute("finish", True)"#,
            "print total",
        ]),
    );
    assert_gdb_ok(&r);
    let l = |m| src_line("gdb_basic", m);
    assert_in_order(
        &r,
        &[
            "_start ()".to_string(),
            "Breakpoint 1 at 0x".into(),
            format!(
                "file gdb_basic.c, line {}.",
                line_of("gdb_basic", "LINE_BUMP_BODY")
            ),
            format!(
                "Breakpoint 1, bump (i=1) at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_BUMP_BODY")
            ),
            "$1 = 1\n".into(),
            l("LINE_BUMP_COUNTER"),
            format!("\n{}\t}}", line_of("gdb_basic", "LINE_BUMP_COUNTER") + 1),
            format!(
                "main () at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_CALL_SQUARE")
            ),
            l("LINE_CALL_SQUARE"),
            format!(
                "square (x=1) at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_SQUARE_BODY")
            ),
            l("LINE_SQUARE_BODY"),
            "$2 = 1\n".into(),
            format!(
                "Run till exit from #0  square (x=1) at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_SQUARE_BODY")
            ),
            format!(
                " in main () at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_CALL_SQUARE")
            ),
            "Value returned is $3 = 1\n".into(),
            "$4 = 0\n".into(),
        ],
    );
}

#[test]
fn continue_to_the_end_exited_normally() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(&p.fx, &p.trace, &[], &script(&["continue"]));
    assert_gdb_ok(&r);
    assert_in_order(&r, &["total=55 by=15 counter=5\n", "exited normally]"]);
}

// ---------------------------------------------------------------------------
// Reverse execution.

#[test]
fn reverse_continue_to_an_earlier_hit() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break bump",
            "continue",
            "continue",
            "continue",
            "print by",
            "reverse-continue",
            "print by",
            "print i",
            "reverse-continue",
            "print by",
            "continue",
            "print by",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, bump (i=1)",
            "Breakpoint 1, bump (i=2)",
            "Breakpoint 1, bump (i=3)",
            "$1 = 3\n",
            // reverse-continue
            "Breakpoint 1, bump (i=2)",
            "$2 = 1\n",
            "$3 = 2\n",
            "Breakpoint 1, bump (i=1)",
            "$4 = 0\n",
            // and forwards again
            "Breakpoint 1, bump (i=2)",
            "$5 = 1\n",
        ],
    );
}

#[test]
fn reverse_finish_to_the_caller() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break bump",
            "continue",
            "continue",
            "delete",
            "next",
            r#"python gdb.execute("reverse-finish", True)"#,
            "print i",
            "print by",
            "bt 1",
        ]),
    );
    assert_gdb_ok(&r);
    let call = line_of("gdb_basic", "LINE_CALL_BUMP");
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, bump (i=2)".to_string(),
            src_line("gdb_basic", "LINE_BUMP_COUNTER"),
            format!(
                "Run back to call of #0  bump (i=2) at gdb_basic.c:{}",
                line_of("gdb_basic", "LINE_BUMP_COUNTER")
            ),
            format!(" in main () at gdb_basic.c:{call}"),
            src_line("gdb_basic", "LINE_CALL_BUMP"),
            "$1 = 2\n".into(),
            // back before the call: bump(2) has not added 2 yet
            "$2 = 1\n".into(),
            "#0  0x".into(),
            format!(" in main () at gdb_basic.c:{call}"),
        ],
    );
}

#[test]
fn reverse_next_over_a_call() {
    let p = record_program("gdb_basic", &[], 0);
    let call = line_of("gdb_basic", "LINE_CALL_BUMP");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            format!("break gdb_basic.c:{call} if i == 3"),
            "continue".into(),
            "print by".into(),
            "delete".into(),
            "next".into(),
            "print by".into(),
            "reverse-next".into(),
            "print by".into(),
            "print i".into(),
            "info line *$pc".into(),
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            format!("Breakpoint 1, main () at gdb_basic.c:{call}"),
            "$1 = 3\n".into(),
            src_line("gdb_basic", "LINE_CALL_SQUARE"),
            "$2 = 6\n".into(),
            // reverse-next: back on the call's line, before bump(3) ran
            src_line("gdb_basic", "LINE_CALL_BUMP"),
            "$3 = 3\n".into(),
            "$4 = 3\n".into(),
            format!("Line {call} of \"gdb_basic.c\" starts at address"),
        ],
    );
}

#[test]
fn reverse_step_and_reverse_stepi() {
    let p = record_program("gdb_basic", &[], 0);
    let sq = line_of("gdb_basic", "LINE_CALL_SQUARE");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            format!("break gdb_basic.c:{sq} if i == 3"),
            "continue".into(),
            "delete".into(),
            // into bump(3), at its last line
            "reverse-step".into(),
            "reverse-step".into(),
            "print counter".into(),
            "set $here = $pc".into(),
            "reverse-stepi".into(),
            "print $pc < $here".into(),
            "stepi".into(),
            "print $pc == $here".into(),
        ]),
    );
    assert_gdb_ok(&r);
    let counter = line_of("gdb_basic", "LINE_BUMP_COUNTER");
    assert_in_order(
        &r,
        &[
            format!("Breakpoint 1, main () at gdb_basic.c:{sq}"),
            format!("bump (i=3) at gdb_basic.c:{}", counter + 1),
            format!("\n{}\t}}", counter + 1),
            src_line("gdb_basic", "LINE_BUMP_COUNTER"),
            // counter++ of bump(3) not done yet
            "$1 = 2\n".into(),
            "$2 = 1\n".into(),
            "$3 = 1\n".into(),
        ],
    );
}

#[test]
fn no_more_reverse_execution_history() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break bump",
            "continue",
            "reverse-continue",
            "reverse-stepi",
            "continue",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, bump (i=1)",
            "\nNo more reverse-execution history.\n",
            // back at the start of the program: ld.so's entry
            "_start ()",
            "\nNo more reverse-execution history.\n",
            "_start ()",
            "Breakpoint 1, bump (i=1)",
        ],
    );
}

// ---------------------------------------------------------------------------
// Watchpoints.

#[test]
fn watchpoint_forwards_and_backwards() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break main",
            "continue",
            "watch counter",
            "continue",
            "continue",
            "continue",
            "reverse-continue",
            "reverse-continue",
            "print counter",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, main ()",
            "watchpoint 2: counter",
            "\nOld value = 0\nNew value = 1\n",
            "bump (i=1)",
            "\nOld value = 1\nNew value = 2\n",
            "bump (i=2)",
            "\nOld value = 2\nNew value = 3\n",
            "bump (i=3)",
            // backwards: the same changes, undone, latest first
            "\nOld value = 3\nNew value = 2\n",
            "bump (i=3)",
            "\nOld value = 2\nNew value = 1\n",
            "bump (i=2)",
            "$1 = 1\n",
        ],
    );
}

#[test]
fn watchpoint_on_a_buffer_the_kernel_writes() {
    let p = record_program("gdb_read_buf", &[], 5);
    let read_line = line_of("gdb_read_buf", "LINE_READ");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break main",
            "continue",
            "watch buf[0]",
            "continue",
            "print ::buf",
            "bt",
            "reverse-continue",
            "print ::buf[0]",
            "bt",
            "continue",
            "delete",
            "continue",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, main ()".to_string(),
            "watchpoint 2: buf[0]".into(),
            // read() filled the buffer
            "\nOld value = 0 '\\000'\nNew value = 90 'Z'\n".into(),
            "$1 = \"Zebra".into(),
            format!(" in main () at gdb_read_buf.c:{read_line}"),
            // backwards: before the read
            "\nOld value = 90 'Z'\nNew value = 0 '\\000'\n".into(),
            "$2 = 0 '\\000'\n".into(),
            format!(" in main () at gdb_read_buf.c:{read_line}"),
            // forwards again
            "\nOld value = 0 '\\000'\nNew value = 90 'Z'\n".into(),
            "read 5 bytes: Zebra\n".into(),
            "exited with code 05]".into(),
        ],
    );
}

// ---------------------------------------------------------------------------
// Thread-local storage.

#[test]
fn thread_local_variable_and_errno() {
    let p = record_program("gdb_tls", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break check",
            "continue",
            "print e",
            "print tls_value",
            "print errno",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            format!(
                "Breakpoint 1, check (e=9) at gdb_tls.c:{}",
                line_of("gdb_tls", "LINE_CHECK")
            ),
            "$1 = 9\n".into(),
            "$2 = 42\n".into(),
            "$3 = 9\n".into(),
        ],
    );
}

// ---------------------------------------------------------------------------
// Choosing the process: -p.

/// The child's pid, from the recording's "parent: child pid N" line.
fn child_pid(rec: &Run) -> String {
    let out = rec.stdout_str();
    out.lines()
        .find_map(|l| l.strip_prefix("parent: child pid "))
        .unwrap_or_else(|| {
            panic!(
                "the recording did not print the child's pid:\n{}",
                rec.describe()
            )
        })
        .trim()
        .to_string()
}

#[test]
fn child_process_by_pid_without_exec() {
    let p = record_program("gdb_fork", &[], 0);
    let pid = child_pid(&p.rec);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &["-p", &pid],
        &script(&[
            "break child_work",
            "continue",
            "print seed",
            r#"python gdb.execute("finish", True)"#,
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            format!(
                "Breakpoint 1, child_work (seed=14) at gdb_fork.c:{}",
                line_of("gdb_fork", "LINE_CHILD_WORK")
            ),
            "$1 = 14\n".into(),
            "Value returned is $2 = 42\n".into(),
        ],
    );
}

#[test]
fn exec_child_by_pid_and_by_name() {
    let fx = Fixture::new();
    let parent = fx.compile_debug("gdb_fork");
    let child = fx.compile_debug("gdb_exec_child");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&parent, &child]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        rec.stdout_str().contains("exec child: result 107"),
        "{}",
        rec.describe()
    );
    let pid = child_pid(&rec);
    let lines = script(&[
        "break child_work",
        "continue",
        "print seed",
        r#"python gdb.execute("finish", True)"#,
        "continue",
    ]);
    let work = line_of("gdb_exec_child", "LINE_EXEC_WORK");
    for sel in [pid.as_str(), "gdb_exec_child"] {
        let r = gdb_replay(&fx, &trace, &["-p", sel], &lines);
        assert_gdb_ok(&r);
        assert_in_order(
            &r,
            &[
                format!("Breakpoint 1, child_work (seed=7) at gdb_exec_child.c:{work}"),
                "$1 = 7\n".into(),
                "Value returned is $2 = 107\n".into(),
                "exec child: result 107\n".into(),
                "exited normally]".into(),
            ],
        );
    }
    // By default, the parent: its child_work is never called.
    let r = gdb_replay(&fx, &trace, &[], &lines);
    assert!(
        !r.stdout_str().contains("Breakpoint 1, child_work"),
        "the default process is not the parent:\n{}",
        full(&r)
    );
    assert_in_order(&r, &["parent: child exited with 0\n", "exited normally]"]);
}

// ---------------------------------------------------------------------------
// monitor commands.

#[test]
fn monitor_when_and_goto() {
    let p = record_program("gdb_basic", &[], 0);
    let mut lines = script(&[
        "break bump",
        "continue",
        "monitor when",
        "continue",
        "monitor when",
        "monitor goto 5",
        "monitor when",
    ]);
    lines.extend(script(&FLUSH));
    lines.extend(script(&["continue", "monitor when", "print i"]));
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    let ev = current_events(&r);
    assert_eq!(
        ev.len(),
        4,
        "expected 4 \"Current event\" lines:\n{}",
        full(&r)
    );
    assert!(
        ev[0] > 5 && ev[1] >= ev[0],
        "event numbers at the breakpoints should be > 5 and not decrease: {ev:?}\n{}",
        full(&r)
    );
    assert_eq!(
        ev[2],
        5,
        "`monitor goto 5` then `monitor when`:\n{}",
        full(&r)
    );
    assert_eq!(
        ev[3],
        ev[0],
        "after going back to event 5, the first hit is at the same event again:\n{}",
        full(&r)
    );
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, bump (i=1)",
            "Current event: ",
            "Breakpoint 1, bump (i=2)",
            "Current event: ",
            "Current event: 5\n",
            "Breakpoint 1, bump (i=1)",
            "Current event: ",
            "$1 = 1\n",
        ],
    );
}

#[test]
fn monitor_checkpoint_and_restart() {
    let p = record_program("gdb_basic", &[], 0);
    let mut lines = script(&[
        "break bump",
        "continue",
        "monitor checkpoint",
        "continue",
        "print i",
        "monitor restart 1",
    ]);
    lines.extend(script(&FLUSH));
    lines.extend(script(&["print i", "print by", "continue", "print i"]));
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, bump (i=1)",
            "Checkpoint 1 at event ",
            "Breakpoint 1, bump (i=2)",
            "$1 = 2\n",
            // back in bump(1)
            "$2 = 1\n",
            "$3 = 0\n",
            "Breakpoint 1, bump (i=2)",
            "$4 = 2\n",
        ],
    );
}

#[test]
fn monitor_restart_to_checkpoint_made_after_goto() {
    let p = record_program("gdb_basic", &[], 0);
    let mut lines = script(&["break bump", "monitor goto 5", "monitor checkpoint"]);
    lines.extend(script(&FLUSH));
    lines.extend(script(&["continue", "monitor restart 1"]));
    lines.extend(script(&FLUSH));
    lines.extend(script(&["monitor when", "continue", "print i"]));
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    assert!(
        !r.stdout_str().contains("SIGTRAP"),
        "spurious SIGTRAP:\n{}",
        full(&r)
    );
    assert_in_order(
        &r,
        &[
            "Checkpoint 1 at event 5\n",
            "Breakpoint 1, bump (i=1)",
            "Current event: 5\n",
            "Breakpoint 1, bump (i=1)",
            "$1 = 1\n",
        ],
    );
}

// ---------------------------------------------------------------------------
// --serve.

/// A `rewind replay --serve` process; killed (its process group) if still
/// running when dropped.
struct Server {
    child: Child,
    first_line: String,
    stderr_rest: mpsc::Receiver<String>,
    stdout: mpsc::Receiver<Vec<u8>>,
}

impl Server {
    fn start(fx: &Fixture, trace: &Path) -> Server {
        let mut c = fx.rewind(["replay", "--serve", "127.0.0.1:0"]);
        c.arg(trace)
            .current_dir(fx.path().join("replay-cwd"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = c.spawn().expect("cannot run rewind");
        let mut stdout = child.stdout.take().unwrap();
        let (out_tx, out_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            let _ = out_tx.send(buf);
        });
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            loop {
                let mut line = String::new();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let mut server = Server {
            child,
            first_line: String::new(),
            stderr_rest: rx,
            stdout: out_rx,
        };
        server.first_line = server
            .stderr_rest
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("rewind --serve printed nothing on stderr"));
        server
    }

    /// ADDR from "serving the replay on ADDR".
    fn addr(&self) -> String {
        let rest = self
            .first_line
            .split("serving the replay on ")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {:?}", self.first_line));
        let addr: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
            .collect();
        assert!(
            !addr.ends_with(":0") && addr.contains(':'),
            "no usable address in {:?}",
            self.first_line
        );
        addr
    }

    /// Waits (at most TIMEOUT) for the server to exit; its exit code and the
    /// rest of its stderr.
    /// Waits (at most TIMEOUT) for the server to exit; its exit code, stdout
    /// (the replayed program's output) and the rest of its stderr.
    fn wait(&mut self) -> (i32, String, String) {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            assert!(
                Instant::now() < deadline,
                "rewind --serve did not exit after gdb finished"
            );
            thread::sleep(Duration::from_millis(10));
        };
        let out = self
            .stdout
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_default();
        let mut rest = String::new();
        while let Ok(l) = self.stderr_rest.recv_timeout(Duration::from_secs(2)) {
            rest.push_str(&l);
        }
        (
            status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out).into_owned(),
            rest,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            unsafe {
                libc::kill(-(self.child.id() as i32), libc::SIGKILL);
            }
            let _ = self.child.wait();
        }
    }
}

#[test]
fn serve_then_gdb_target_remote() {
    let p = record_program("gdb_basic", &[], 0);
    let mut server = Server::start(&p.fx, &p.trace);
    assert!(
        server
            .first_line
            .starts_with("rewind: serving the replay on 127.0.0.1:"),
        "{:?}",
        server.first_line
    );
    let addr = server.addr();
    let path = write_script(
        &p.fx,
        &script(&["break main", "continue", "next", "continue"]),
    );
    let mut c = p.fx.command("gdb");
    c.args(["-q", "-batch", "-nx", "-ex", "set sysroot /"])
        .arg(&p.exe)
        .args(["-ex", &format!("target remote {addr}"), "-x"])
        .arg(&path);
    quiet_gdb_env(&mut c);
    let r = run(c, None);
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, main () at gdb_basic.c:".to_string(),
            // `next`: onto the loop's line
            format!("\n{}\t", line_of("gdb_basic", "LINE_CALL_BUMP") - 1),
            "exited normally]".into(),
        ],
    );
    let (code, out, rest) = server.wait();
    assert_eq!(code, 0, "rewind --serve failed: {rest}");
    assert_eq!(out, "total=55 by=15 counter=5\n", "the replay's output");
    assert!(!rest.contains("panicked"), "{rest}");
}

#[test]
fn serve_hint_names_the_bound_address() {
    let p = record_program("gdb_basic", &[], 0);
    let server = Server::start(&p.fx, &p.trace);
    let addr = server.addr();
    assert!(
        server
            .first_line
            .contains(&format!("-ex 'target extended-remote {addr}'")),
        "the hint does not name the address served ({addr}): {:?}",
        server.first_line
    );
}

// ---------------------------------------------------------------------------
// Bad input.

#[test]
fn missing_debugger() {
    let p = record_program("gdb_basic", &[], 0);
    let mut c = p.fx.rewind(["replay", "--debugger", "/nonexistent/gdb"]);
    c.arg(&p.trace).args(["--", "-batch"]);
    let r = run(c, None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("/nonexistent/gdb"),
        "{}",
        r.describe()
    );
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn no_gdb_in_path() {
    let p = record_program("gdb_basic", &[], 0);
    let mut c = p.fx.rewind(["replay"]);
    c.arg(&p.trace)
        .args(["--", "-batch"])
        .env("PATH", "/nonexistent");
    let r = run(c, None);
    assert_one_line_error(&r);
    assert!(r.stderr_str().contains("gdb"), "{}", r.describe());
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn serve_on_a_port_in_use() {
    let p = record_program("gdb_basic", &[], 0);
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut c = p.fx.rewind(["replay", "--serve"]);
    c.arg(format!("127.0.0.1:{port}")).arg(&p.trace);
    let r = run(c, None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains(&port.to_string()),
        "the error does not name the port {port}:\n{}",
        r.describe()
    );
    drop(busy);
}

#[test]
fn corrupt_trace_with_gdb() {
    let p = record_program("gdb_basic", &[], 0);
    let mut ev = fs::read(p.trace.join("events")).unwrap();
    let start = header_end(&ev);
    assert!(ev.len() > start + 100, "suspiciously small trace");
    let mid = start + (ev.len() - start) / 2;
    ev[mid] ^= 0x5a;
    fs::write(p.trace.join("events"), &ev).unwrap();
    let r = gdb_replay_apart(&p.fx, &p.trace, &script(&["continue"]));
    assert_one_line_error(&r);
}

#[test]
fn hardware_breakpoint_forwards_and_backwards() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "hbreak bump",
            "continue",
            "continue",
            "print by",
            "reverse-continue",
            "print by",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Hardware assisted breakpoint 1",
            "bump (i=1)",
            "bump (i=2)",
            "$1 = 1\n",
            "bump (i=1)",
            "$2 = 0\n",
        ],
    );
}

#[test]
fn monitor_checkpoints_reports_memory() {
    let p = record_program("gdb_basic", &[], 0);
    let r = gdb_replay(&p.fx, &p.trace, &[], &script(&["monitor checkpoints"]));
    assert_gdb_ok(&r);
    assert_in_order(&r, &["automatic checkpoints,", "MiB of private memory"]);
}

// ---------------------------------------------------------------------------
// Threads.

/// The breakpoint hits `Thread N hit Breakpoint 1, note_turn (id=I, value=V)` in
/// gdb's output, as (N, I, V), in order.
fn note_turn_hits(r: &Run) -> Vec<(u32, u32, u32)> {
    let out = r.stdout_str();
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Thread ")?;
            let (thread, rest) = rest.split_once(" hit Breakpoint 1, note_turn (id=")?;
            let (id, rest) = rest.split_once(", value=")?;
            let value = rest.split(')').next()?;
            Some((thread.parse().ok()?, id.parse().ok()?, value.parse().ok()?))
        })
        .collect()
}

/// A breakpoint in code two worker threads run: every hit names its thread,
/// `info threads` lists them, `thread 1` switches to main with its own stack,
/// and reverse-continue walks the hits back in order across thread switches.
#[test]
fn threads_breakpoints_switching_and_reverse() {
    let p = record_program("gdb_threads", &[], 0);
    let mut lines = vec!["break note_turn".to_string()];
    lines.extend(std::iter::repeat_n("continue".to_string(), 6));
    lines.extend([
        "info threads".into(),
        "thread 1".into(),
        "bt".into(),
        "echo MARK-REVERSE\\n".into(),
    ]);
    lines.extend(std::iter::repeat_n("reverse-continue".to_string(), 5));
    lines.push("info threads".into());
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    let out = r.stdout_str();
    let hits = note_turn_hits(&r);
    assert_eq!(
        hits.len(),
        11,
        "6 hits forwards, 5 backwards:\n{}",
        full(&r)
    );
    let (fwd, back) = hits.split_at(6);
    // Both workers took their three turns; the values are the running counter.
    let mut ids: Vec<u32> = fwd.iter().map(|h| h.1).collect();
    ids.sort();
    assert_eq!(ids, [10, 10, 10, 20, 20, 20], "{}", full(&r));
    let mut counter = 0;
    for &(_, id, value) in fwd {
        counter += id;
        assert_eq!(value, counter, "hits out of order:\n{}", full(&r));
    }
    // Two different gdb threads, one per worker.
    let threads: std::collections::BTreeSet<u32> = fwd.iter().map(|h| h.0).collect();
    assert_eq!(threads.len(), 2, "{}", full(&r));
    assert!(
        !threads.contains(&1),
        "the main thread never runs note_turn"
    );
    // Backwards: the earlier hits, latest first, crossing from one worker's
    // turns to the other's. (gdb renumbers a thread that reappears going
    // backwards after it exited, so compare the turns, not gdb's numbers.)
    let turns = |h: &[(u32, u32, u32)]| h.iter().map(|t| (t.1, t.2)).collect::<Vec<_>>();
    let expected: Vec<_> = turns(&fwd[..5]).into_iter().rev().collect();
    assert_eq!(turns(back), expected, "{}", full(&r));
    assert!(
        back.windows(2).any(|w| w[0].1 != w[1].1),
        "no thread switch backwards:\n{}",
        full(&r)
    );
    // `info threads` marks the stopped worker; main has its own backtrace.
    assert!(
        out.lines()
            .any(|l| l.starts_with('*') && l.contains("note_turn (id=")),
        "{}",
        full(&r)
    );
    let main_bt = &out
        [out.find("[Switching to thread 1").expect("thread 1")..out.find("MARK-REVERSE").unwrap()];
    assert!(main_bt.contains(" main ()"), "main's stack:\n{}", full(&r));
    assert!(!main_bt.contains("note_turn"), "{}", full(&r));
}

/// A watchpoint set while main runs fires for the writes of both workers, and
/// going backwards undoes them in order.
#[test]
fn threads_watchpoint_in_every_thread() {
    let p = record_program("gdb_threads", &[], 0);
    let mut lines: Vec<String> = ["break main", "continue", "watch counter"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    lines.extend(std::iter::repeat_n("continue".to_string(), 6));
    lines.extend(std::iter::repeat_n("reverse-continue".to_string(), 2));
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    let out = r.stdout_str();
    // (old, new) of every change gdb reported.
    let changes: Vec<(u32, u32)> = out
        .split("Old value = ")
        .skip(1)
        .filter_map(|c| {
            let (old, rest) = c.split_once("\nNew value = ")?;
            let new = rest.lines().next()?;
            Some((old.trim().parse().ok()?, new.trim().parse().ok()?))
        })
        .collect();
    assert_eq!(
        changes.len(),
        8,
        "6 changes forwards, 2 backwards:\n{}",
        full(&r)
    );
    let mut value = 0;
    let mut steps = Vec::new();
    for &(old, new) in &changes[..6] {
        assert_eq!(old, value, "{}", full(&r));
        steps.push(new - old);
        value = new;
    }
    steps.sort();
    assert_eq!(
        steps,
        [10, 10, 10, 20, 20, 20],
        "both workers' writes: {}",
        full(&r)
    );
    assert_eq!(changes[6], (changes[5].1, changes[5].0), "{}", full(&r));
    assert_eq!(changes[7], (changes[4].1, changes[4].0), "{}", full(&r));
    let watch_threads: std::collections::BTreeSet<&str> = out
        .lines()
        .filter_map(|l| {
            l.strip_prefix("Thread ")?
                .split_once(" hit Hardware watchpoint")
        })
        .map(|(t, _)| t)
        .collect();
    assert!(
        watch_threads.len() >= 2,
        "writes seen in two threads:\n{}",
        full(&r)
    );
}

// ---------------------------------------------------------------------------
// Going backwards from a fatal signal.

/// The recorded program's "pid N" line.
fn pid_line(rec: &Run) -> String {
    rec.stdout_str()
        .lines()
        .find(|l| l.starts_with("pid "))
        .unwrap_or_else(|| panic!("the recording printed no pid:\n{}", rec.describe()))
        .to_string()
        + "\n"
}

#[test]
fn reverse_stepi_step_and_next_from_a_crash() {
    let p = record_program("gdb_crash", &[], 139);
    let write = line_of("gdb_crash", "LINE_CRASH_WRITE");
    let add_body = line_of("gdb_crash", "LINE_ADD_BODY");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "continue",
            "set $fault = $pc",
            "reverse-stepi",
            "print $pc < $fault",
            "stepi",
            "print $pc == $fault",
            "continue",
            "reverse-step",
            "reverse-step",
            "print total",
            "continue",
            "reverse-next",
            "reverse-next",
            "print total",
            "print n",
            "continue",
            // a function call at the fault, in a copy: the replay still faults
            "print add(10)",
            "print total",
            "continue",
        ]),
    );
    assert_gdb_ok(&r);
    let segv = "Program received signal SIGSEGV, Segmentation fault.\n0x".to_string();
    assert_in_order(
        &r,
        &[
            segv.clone(),
            format!(" in crash (n=3) at gdb_crash.c:{write}"),
            // reverse-stepi, then stepi back onto the faulting instruction
            "$1 = 1\n".into(),
            "$2 = 1\n".into(),
            // the fault again, then reverse-step: to the start of the line, then
            // into add(3), at its last line
            segv.clone(),
            src_line("gdb_crash", "LINE_CRASH_WRITE"),
            format!("add (n=3) at gdb_crash.c:{}", add_body + 2),
            "$3 = 6\n".into(),
            // reverse-next: over add(3), whose sum is undone
            segv.clone(),
            src_line("gdb_crash", "LINE_CRASH_WRITE"),
            src_line("gdb_crash", "LINE_CRASH_ADD"),
            "$4 = 3\n".into(),
            "$5 = 3\n".into(),
            segv,
            "$6 = 16\n".into(),
            "$7 = 16\n".into(),
            "Program terminated with signal SIGSEGV".into(),
        ],
    );
    // The program's output comes once: the re-runs that go backwards are silent.
    let pid = pid_line(&p.rec);
    assert_eq!(
        r.stdout_str().matches(&pid).count(),
        1,
        "expected {pid:?} once:\n{}",
        full(&r)
    );
}

// ---------------------------------------------------------------------------
// A debugged process that forks.

#[test]
fn next_over_fork_leaves_the_child_alone() {
    let p = record_program("gdb_fork_watch", &[], 0);
    let fork = line_of("gdb_fork_watch", "LINE_FORK");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            format!("break gdb_fork_watch.c:{fork}"),
            "continue".into(),
            "next".into(),
            "print pid > 0".into(),
            "next".into(),
            "next".into(),
            "print progress".into(),
            "continue".into(),
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            format!("Breakpoint 1, main () at gdb_fork_watch.c:{fork}"),
            format!("\n{}\t", fork + 1),
            "$1 = 1\n".into(),
            src_line("gdb_fork_watch", "LINE_PROGRESS_2"),
            "$2 = 1\n".into(),
            "parent: progress 3, child status 0\n".into(),
            "exited normally]".into(),
        ],
    );
    assert!(
        r.stdout_str().contains("child: progress 100\n"),
        "the child did not run its course:\n{}",
        full(&r)
    );
}

#[test]
fn vfork_child_does_not_hit_the_parents_breakpoints() {
    let p = record_program("gdb_vfork", &[], 0);
    let vfork = line_of("gdb_vfork", "LINE_VFORK");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            format!("break gdb_vfork.c:{vfork}"),
            "continue".into(),
            // only the child, which shares the parent's memory, calls execl
            "break execl".into(),
            "next".into(),
            "next".into(),
            "print pid > 0".into(),
            "continue".into(),
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            format!("Breakpoint 1, main () at gdb_vfork.c:{vfork}"),
            src_line("gdb_vfork", "LINE_AFTER_VFORK"),
            "$1 = 1\n".into(),
            "exited with 0\n".into(),
            "exited normally]".into(),
        ],
    );
    assert!(
        !r.stdout_str().contains("Breakpoint 2,"),
        "the parent never calls execl:\n{}",
        full(&r)
    );
}

#[test]
fn reverse_watchpoint_across_a_fork() {
    let p = record_program("gdb_fork_watch", &[], 0);
    let done = line_of("gdb_fork_watch", "LINE_DONE");
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            format!("break gdb_fork_watch.c:{done}"),
            "continue".into(),
            "watch progress".into(),
            "reverse-continue".into(),
            "reverse-continue".into(),
            "reverse-continue".into(),
            "continue".into(),
            "continue".into(),
            "continue".into(),
            "print progress".into(),
        ]),
    );
    assert_gdb_ok(&r);
    let l = |m| src_line("gdb_fork_watch", m);
    assert_in_order(
        &r,
        &[
            format!("Breakpoint 1, main () at gdb_fork_watch.c:{done}"),
            // backwards: each stop is before the write, showing the value undone
            "Old value = 3\nNew value = 2\n".into(),
            l("LINE_PROGRESS_3"),
            "Old value = 2\nNew value = 1\n".into(),
            l("LINE_PROGRESS_2"),
            "Old value = 1\nNew value = 0\n".into(),
            l("LINE_PROGRESS_1"),
            // and forwards again, across the fork
            "Old value = 0\nNew value = 1\n".into(),
            "Old value = 1\nNew value = 2\n".into(),
            "Old value = 2\nNew value = 3\n".into(),
            "$1 = 3\n".into(),
        ],
    );
}

// ---------------------------------------------------------------------------
// Starting over, jumping, exploring.

/// How often the recorded program's "pid N" line occurs in gdb's output.
fn pid_lines(p: &Recorded, r: &Run) -> usize {
    r.stdout_str().matches(&pid_line(&p.rec)).count()
}

#[test]
fn run_restarts_the_replay() {
    let p = record_program("gdb_steps", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break deep",
            "continue",
            "continue",
            "print level",
            "run",
            "print level",
            "bt 2",
            "continue",
            "continue",
            "continue",
            "continue",
            "run",
            "print i",
        ]),
    );
    assert_gdb_ok(&r);
    let deep = |i: u32| format!("Breakpoint 1, deep (i={i}) at gdb_steps.c:");
    assert_in_order(
        &r,
        &[
            deep(1),
            deep(2),
            "$1 = 1\n".into(),
            // run: from the start again
            deep(1),
            "$2 = 0\n".into(),
            "#1  0x".into(),
            " in middle (i=1) at gdb_steps.c:".into(),
            deep(2),
            deep(3),
            deep(4),
            "level 4\n".into(),
            "exited normally]".into(),
            // run after the end
            deep(1),
            "$3 = 1\n".into(),
        ],
    );
    // Three forward passes over the start: the output comes three times.
    assert_eq!(pid_lines(&p, &r), 3, "{}", full(&r));
}

/// The event numbers `monitor when` reports at the first N stops in deep().
fn events_at_deep(p: &Recorded, n: usize) -> Vec<u64> {
    let mut lines = script(&["break deep"]);
    for _ in 0..n {
        lines.extend(script(&["continue", "monitor when"]));
    }
    let r = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&r);
    let ev = current_events(&r);
    assert_eq!(ev.len(), n, "{}", full(&r));
    ev
}

#[test]
fn goto_leaves_gdb_with_fresh_registers_memory_and_backtrace() {
    let p = record_program("gdb_steps", &[], 0);
    let ev = events_at_deep(&p, 2);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break deep".to_string(),
            "continue".into(),
            "continue".into(),
            "continue".into(),
            "continue".into(),
            "bt".into(),
            // to just after the write of deep(2)'s line: no flushing by hand
            format!("monitor goto {}", ev[1]),
            "bt".into(),
            "print level".into(),
            "monitor when".into(),
            "continue".into(),
            "print level".into(),
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, deep (i=4)".to_string(),
            " in middle (i=4) at gdb_steps.c:".into(),
            format!("going to event {}", ev[1]),
            " deep (i=2) at gdb_steps.c:".into(),
            " in middle (i=2) at gdb_steps.c:".into(),
            " in main () at gdb_steps.c:".into(),
            "$1 = 2\n".into(),
            format!("Current event: {}\n", ev[1]),
            "Breakpoint 1, deep (i=3)".into(),
            "$2 = 2\n".into(),
        ],
    );
}

#[test]
fn replay_g_starts_after_an_event() {
    let p = record_program("gdb_steps", &[], 0);
    let ev = events_at_deep(&p, 3);
    let n = ev[1].to_string();
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &["-g", &n],
        &script(&[
            "bt".to_string(),
            "print level".into(),
            "monitor when".into(),
            // forwards past deep(3)'s line: printed
            format!("monitor goto {}", ev[2]),
            "print level".into(),
            "break deep".into(),
            "continue".into(),
            "reverse-continue".into(),
            "print level".into(),
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            " deep (i=2) at gdb_steps.c:".to_string(),
            " in middle (i=2) at gdb_steps.c:".into(),
            "$1 = 2\n".into(),
            format!("Current event: {n}\n"),
            "step 3\n".into(),
            "$2 = 3\n".into(),
            "Breakpoint 1, deep (i=4)".into(),
            "Breakpoint 1, deep (i=3)".into(),
            "$3 = 2\n".into(),
        ],
    );
    // What the program printed before event N is not shown, and what the
    // re-runs going backwards pass over is not shown again.
    let out = r.stdout_str();
    assert_eq!(pid_lines(&p, &r), 0, "{}", full(&r));
    assert!(!out.contains("step 2\n"), "{}", full(&r));
    assert_eq!(out.matches("step 3\n").count(), 1, "{}", full(&r));
}

#[test]
fn replay_g_past_the_end_is_one_line() {
    let p = record_program("gdb_steps", &[], 0);
    let mut c = p.fx.rewind(["replay", "-g", "999999"]);
    c.arg(&p.trace).args(["--serve", "127.0.0.1:0"]);
    let r = run(c, None);
    assert_one_line_error(&r);
    assert!(
        r.stderr_str().contains("cannot start after event 999999"),
        "{}",
        r.describe()
    );
}

#[test]
fn quiet_output_silences_the_program() {
    let p = record_program("gdb_steps", &[], 0);
    let lines = script(&["break deep", "continue", "continue", "delete", "continue"]);
    let loud = gdb_replay(&p.fx, &p.trace, &[], &lines);
    assert_gdb_ok(&loud);
    assert_in_order(&loud, &["step 1\n", "step 4\n", "exited normally]"]);
    let quiet = gdb_replay(&p.fx, &p.trace, &["-q"], &lines);
    assert_gdb_ok(&quiet);
    assert_in_order(&quiet, &["Breakpoint 1, deep (i=2)", "exited normally]"]);
    assert!(
        !quiet.stdout_str().contains("step ") && pid_lines(&p, &quiet) == 0,
        "-q printed the program's output:\n{}",
        full(&quiet)
    );
}

#[test]
fn function_calls_and_set_var_explore_a_copy() {
    let p = record_program("gdb_steps", &[], 0);
    let r = gdb_replay(
        &p.fx,
        &p.trace,
        &[],
        &script(&[
            "break deep",
            "continue",
            "continue",
            "print level",
            "print scale(3)",
            "print half(5.0)",
            "print level",
            "set var level = 77",
            "print level",
            "print scale(1)",
            "call scale(2)",
            "continue",
            "print level",
            "print scale(3)",
            "delete",
            "continue",
        ]),
    );
    assert_gdb_ok(&r);
    assert_in_order(
        &r,
        &[
            "Breakpoint 1, deep (i=2)",
            "$1 = 1\n",
            "$2 = 31\n",
            // a floating-point argument and result
            "$3 = 3.5\n",
            "$4 = 1\n",
            // set var: seen while exploring this stop...
            "$5 = 77\n",
            "$6 = 87\n",
            "$7 = 97\n",
            // ...and gone once the program runs on: the recorded values again
            "step 2\n",
            "Breakpoint 1, deep (i=3)",
            "$8 = 2\n",
            "$9 = 32\n",
            "level 4\n",
            "exited normally]",
        ],
    );
}
