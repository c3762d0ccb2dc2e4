//! Helpers shared by the integration tests: a per-test temporary directory, running
//! commands with a timeout, compiling the C programs of `tests/programs/`, and the
//! record → replay → compare round trip.
//!
//! Every test gets its own [`Fixture`] (its own temp dir, its own trace directory,
//! its own TMPDIR), so tests are independent and run in parallel.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test.
pub const REWIND: &str = env!("CARGO_BIN_EXE_rewind");

/// Longest any single command may take before the test fails (and the command's
/// whole process group is killed).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The directory holding the C test programs.
pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs")
}

/// What a finished command did.
pub struct Run {
    /// The command line, for messages.
    pub cmd: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    /// Exit status the way a shell shows it: the exit code, or 128+N after a signal.
    pub fn code(&self) -> i32 {
        match (self.status.code(), self.status.signal()) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            _ => -1,
        }
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The command, its status and (the start of) its output, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nstatus: {}\n--- stdout ({} bytes) ---\n{}\n--- stderr ({} bytes) ---\n{}\n---",
            self.cmd,
            self.status,
            self.stdout.len(),
            excerpt(&self.stdout),
            self.stderr.len(),
            excerpt(&self.stderr)
        )
    }
}

/// The first and last few hundred bytes of some output.
pub fn excerpt(bytes: &[u8]) -> String {
    const HEAD: usize = 1500;
    const TAIL: usize = 500;
    let s = String::from_utf8_lossy(bytes);
    if s.len() <= HEAD + TAIL + 50 {
        return s.into_owned();
    }
    let mut h = HEAD;
    while !s.is_char_boundary(h) {
        h -= 1;
    }
    let mut t = s.len() - TAIL;
    while !s.is_char_boundary(t) {
        t += 1;
    }
    format!(
        "{}\n[... {} bytes left out ...]\n{}",
        &s[..h],
        t - h,
        &s[t..]
    )
}

/// Where two outputs first differ, with the differing lines, for failure messages.
pub fn first_difference(a: &[u8], b: &[u8]) -> String {
    let pos = a
        .iter()
        .zip(b.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line_start = |s: &[u8]| {
        s[..pos.min(s.len())]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1)
    };
    let line = |s: &[u8]| {
        let st = line_start(s);
        let end = s[st..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(s.len(), |p| st + p);
        String::from_utf8_lossy(&s[st..end.min(st + 300)]).into_owned()
    };
    let line_no = a[..pos.min(a.len())]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1;
    format!(
        "lengths {} vs {}; first difference at byte {} (line {}):\n  recorded: {:?}\n  replayed: {:?}",
        a.len(),
        b.len(),
        pos,
        line_no,
        line(a),
        line(b)
    )
}

fn shell_words(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+%,@".contains(c))
            && !a.is_empty()
        {
            s.push(' ');
            s.push_str(&a);
        } else {
            s.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
        }
    }
    s
}

/// Runs `cmd` to completion with `stdin` (or /dev/null), capturing stdout and
/// stderr. The command runs in its own process group; if it takes longer than
/// [`TIMEOUT`] the whole group is killed and the test fails with what it printed.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    let desc = shell_words(&cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {desc}: {e}"));
    let pid = child.id() as i32;
    if let Some(input) = stdin {
        let mut w = child.stdin.take().unwrap();
        let input = input.to_vec();
        thread::spawn(move || {
            let _ = w.write_all(&input);
        });
    }
    let (tx, rx) = mpsc::channel();
    for (i, stream) in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let tx = tx.clone();
        let mut stream = stream.unwrap();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stream.read_to_end(&mut buf);
            let _ = tx.send((i, buf));
        });
    }
    drop(tx);
    let deadline = Instant::now() + TIMEOUT;
    let kill_group = || unsafe {
        libc::kill(-pid, libc::SIGKILL);
    };
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            timed_out = true;
            kill_group();
            break child.wait().expect("wait");
        }
        thread::sleep(Duration::from_millis(5));
    };
    // Output pipes may be held open by leftover processes of the group: give them a
    // moment, then kill the group so the readers see EOF.
    let mut outs = [Vec::new(), Vec::new()];
    let mut got = 0;
    let read_deadline = Instant::now() + Duration::from_secs(10);
    while got < 2 {
        let left = read_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok((i, buf)) => {
                outs[i] = buf;
                got += 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill_group();
                if let Ok((i, buf)) = rx.recv_timeout(Duration::from_secs(5)) {
                    outs[i] = buf;
                    got += 1;
                } else {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let [stdout, stderr] = outs;
    let r = Run {
        cmd: desc,
        status,
        stdout,
        stderr,
    };
    if timed_out {
        panic!("timed out after {:?}, killed:\n{}", TIMEOUT, r.describe());
    }
    r
}

/// A test's private directory. Layout:
/// `tmp/` (TMPDIR for every command), `traces/` (REWIND_TRACE_DIR),
/// `work/` (cwd of recorded and native runs), `replay-cwd/` (cwd of replays).
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("rewind-test-")
            .tempdir()
            .expect("tempdir");
        for sub in ["tmp", "traces", "work", "replay-cwd"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Fixture { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    pub fn traces(&self) -> PathBuf {
        self.path().join("traces")
    }

    /// A trace path inside the fixture (not created).
    pub fn trace(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Compiles `tests/programs/NAME.c` with `cc -O1 -g` into the fixture.
    pub fn compile(&self, name: &str) -> PathBuf {
        let src = programs_dir().join(format!("{name}.c"));
        let out = self.path().join(name);
        let mut cmd = Command::new("cc");
        cmd.args(["-O1", "-g", "-pthread", "-o"])
            .arg(&out)
            .arg(&src);
        let r = run(cmd, None);
        assert!(
            r.status.success(),
            "compiling {name} failed:\n{}",
            r.describe()
        );
        out
    }

    /// Compiles `tests/programs/NAME.c` with `cc FLAGS... -g` into the fixture
    /// (the executable is named NAME). The compiler runs in `tests/programs/`, so
    /// the debug info names the source `NAME.c` (as gdb then prints it).
    pub fn compile_with(&self, name: &str, flags: &[&str]) -> PathBuf {
        let out = self.path().join(name);
        let mut cmd = Command::new("cc");
        cmd.args(flags)
            .args(["-g", "-o"])
            .arg(&out)
            .arg(format!("{name}.c"))
            .current_dir(programs_dir());
        let r = run(cmd, None);
        assert!(
            r.status.success(),
            "compiling {name} failed:\n{}",
            r.describe()
        );
        out
    }

    /// Compiles `tests/programs/NAME.c` with `cc -g -O0` (for debugging: every
    /// variable lives in memory, every line has code).
    pub fn compile_debug(&self, name: &str) -> PathBuf {
        self.compile_with(name, &["-O0"])
    }

    /// A command with the fixture's environment: TMPDIR and REWIND_TRACE_DIR point
    /// into the fixture, cwd is `work/`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.work())
            .env("TMPDIR", self.path().join("tmp"))
            .env("REWIND_TRACE_DIR", self.traces())
            .env_remove("XDG_DATA_HOME");
        c
    }

    /// `rewind ARGS...` with the fixture's environment.
    pub fn rewind<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command(REWIND);
        c.args(args);
        c
    }

    /// `rewind record -o TRACE -- ARGV...`
    pub fn record(&self, trace: &Path, argv: &[OsString], stdin: Option<&[u8]>) -> Run {
        let mut c = self.rewind(["record", "-o"]);
        c.arg(trace).arg("--").args(argv);
        run(c, stdin)
    }

    /// `rewind replay --autopilot TRACE`, with no stdin, from a different cwd.
    pub fn replay(&self, trace: &Path) -> Run {
        let mut c = self.rewind(["replay", "--autopilot"]);
        c.arg(trace).current_dir(self.path().join("replay-cwd"));
        run(c, None)
    }

    /// ARGV run natively with the same environment as under `record`.
    pub fn native(&self, argv: &[OsString], stdin: Option<&[u8]>) -> Run {
        let mut c = self.command(&argv[0]);
        c.args(&argv[1..]);
        run(c, stdin)
    }
}

/// Builds an argv from anything string-like.
pub fn argv<I, S>(items: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    items
        .into_iter()
        .map(|s| s.as_ref().to_os_string())
        .collect()
}

/// What a round trip should check.
pub struct Expect {
    /// Exit status of `rewind record` (128+N for death by signal N).
    pub code: i32,
    /// The program's output changes from run to run: check that a native run
    /// differs from the recording, so that equal replay output means something.
    pub nondeterministic: bool,
}

pub const OK_NONDET: Expect = Expect {
    code: 0,
    nondeterministic: true,
};

/// Asserts that `replay` reproduced `record` exactly and exited 0.
pub fn assert_faithful(record: &Run, replay: &Run) {
    assert!(
        replay.status.success(),
        "replay failed\n{}\n(recording was: {})",
        replay.describe(),
        record.cmd
    );
    assert!(
        record.stdout == replay.stdout,
        "replay stdout differs from the recording's: {}\nrecord:\n{}\nreplay:\n{}",
        first_difference(&record.stdout, &replay.stdout),
        record.describe(),
        replay.describe()
    );
    assert!(
        record.stderr == replay.stderr,
        "replay stderr differs from the recording's: {}\nrecord:\n{}\nreplay:\n{}",
        first_difference(&record.stderr, &replay.stderr),
        record.describe(),
        replay.describe()
    );
    assert_no_panic(replay);
}

pub fn assert_no_panic(r: &Run) {
    assert!(
        !r.stderr_str().contains("panicked") && !r.stdout_str().contains("panicked"),
        "rewind panicked:\n{}",
        r.describe()
    );
}

/// Records ARGV into `trace`, checks the exit status, replays, compares; then (for
/// nondeterministic programs) runs ARGV natively and checks the output differs.
/// Returns the recording's and the replay's runs.
pub fn roundtrip_at(
    fx: &Fixture,
    trace: &Path,
    argv: &[OsString],
    stdin: Option<&[u8]>,
    expect: Expect,
) -> (Run, Run) {
    let rec = fx.record(trace, argv, stdin);
    assert_no_panic(&rec);
    assert_eq!(
        rec.code(),
        expect.code,
        "unexpected exit status of the recording\n{}",
        rec.describe()
    );
    let rep = fx.replay(trace);
    assert_faithful(&rec, &rep);
    if expect.nondeterministic {
        let nat = fx.native(argv, stdin);
        assert_eq!(
            nat.code(),
            expect.code,
            "unexpected exit status of the native run\n{}",
            nat.describe()
        );
        assert!(
            (&nat.stdout, &nat.stderr) != (&rec.stdout, &rec.stderr),
            "a native run printed exactly what the recording printed, so this test proves nothing:\n{}",
            nat.describe()
        );
    }
    (rec, rep)
}

/// [`roundtrip_at`] with the trace at `<fixture>/trace`.
pub fn roundtrip(
    fx: &Fixture,
    argv: &[OsString],
    stdin: Option<&[u8]>,
    expect: Expect,
) -> (Run, Run) {
    let trace = fx.trace("trace");
    roundtrip_at(fx, &trace, argv, stdin, expect)
}

/// Compiles `tests/programs/NAME.c` and round-trips it with ARGS.
pub fn c_roundtrip(name: &str, args: &[&str], expect: Expect) -> (Run, Run) {
    let fx = Fixture::new();
    let exe = fx.compile(name);
    let mut a = vec![exe.into_os_string()];
    a.extend(args.iter().map(OsString::from));
    roundtrip(&fx, &a, None, expect)
}

/// Byte offset where the trace header ends (the first chunk starts).
pub fn header_end(events: &[u8]) -> usize {
    assert_eq!(
        &events[..8],
        b"RWNDTRCE",
        "events file does not start with the magic"
    );
    let hlen = u32::from_le_bytes(events[12..16].try_into().unwrap()) as usize;
    16 + hlen + 4
}

/// (offset, compressed length) of every chunk in an events file.
pub fn chunks(events: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = header_end(events);
    while pos + 20 <= events.len() && &events[pos..pos + 4] == b"CHNK" {
        let clen = u32::from_le_bytes(events[pos + 4..pos + 8].try_into().unwrap()) as usize;
        out.push((pos, clen));
        pos += 20 + clen;
    }
    out
}

/// Asserts the one-line `rewind: ...` error contract: non-zero exit, exactly one
/// line on stderr starting with "rewind: ", no panic, not killed by a signal.
pub fn assert_one_line_error(r: &Run) {
    assert_no_panic(r);
    assert!(
        r.status.code().is_some(),
        "rewind was killed by a signal:\n{}",
        r.describe()
    );
    assert_ne!(r.code(), 0, "expected a failure:\n{}", r.describe());
    let err = r.stderr_str();
    assert!(
        err.starts_with("rewind: ") && err.ends_with('\n') && err.lines().count() == 1,
        "expected exactly one line on stderr starting with \"rewind: \":\n{}",
        r.describe()
    );
}

/// The 1-based number of the line of `tests/programs/NAME.c` containing MARKER
/// (which must occur exactly once).
pub fn line_of(name: &str, marker: &str) -> u32 {
    let src = fs::read_to_string(programs_dir().join(format!("{name}.c")))
        .unwrap_or_else(|e| panic!("cannot read {name}.c: {e}"));
    let hits: Vec<usize> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(marker))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{marker} should occur once in {name}.c: {hits:?}"
    );
    hits[0] as u32
}

/// `rewind crashes --store STORE ARGS...` (not checked).
pub fn crashes_run(fx: &Fixture, store: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut c = fx.rewind(["crashes".as_ref(), "--store".as_ref(), store.as_os_str()]);
    c.args(args);
    let r = run(c, stdin);
    assert_no_panic(&r);
    r
}

/// `rewind crashes --store STORE ARGS...`, which must succeed.
pub fn crashes(fx: &Fixture, store: &Path, args: &[&str]) -> Run {
    let r = crashes_run(fx, store, args, None);
    assert_eq!(r.code(), 0, "rewind crashes failed:\n{}", r.describe());
    r
}

/// The JSON a command printed on stdout.
pub fn parse_json(r: &Run) -> serde_json::Value {
    serde_json::from_slice(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", r.describe()))
}
