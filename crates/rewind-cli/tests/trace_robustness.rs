//! Traces that lose nothing: a recorder killed with SIGKILL leaves a trace that
//! replays to within a fraction of a second of the kill (and reprints all the
//! output seen before it); SIGINT from the terminal reaches the program while a
//! SIGINT sent to rewind alone ends the recording cleanly.

mod common;

use common::*;
use rewind_trace::{Event, EventReader, TraceError};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Pieces of output, each with the time it was read.
type TimedOutput = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;

/// A command running in the background (in its own process group), its stdout
/// collected with the time each piece arrived.
struct Background {
    child: Child,
    out: TimedOutput,
    reader: Option<thread::JoinHandle<()>>,
}

impl Background {
    fn spawn(mut cmd: Command) -> Background {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn().expect("start rewind");
        let mut stdout = child.stdout.take().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push((Instant::now(), buf[..n].to_vec()));
            }
        });
        Background {
            child,
            out,
            reader: Some(reader),
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits until stdout holds at least `lines` lines.
    fn wait_for_lines(&self, lines: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self
            .output_until(Instant::now())
            .split(|&b| b == b'\n')
            .count()
            <= lines
        {
            assert!(Instant::now() < deadline, "no output from the program");
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Everything read from stdout by `time`.
    fn output_until(&self, time: Instant) -> Vec<u8> {
        let out = self.out.lock().unwrap();
        out.iter()
            .filter(|(t, _)| *t <= time)
            .flat_map(|(_, b)| b.iter().copied())
            .collect()
    }

    /// Waits for the exit (at most `limit`), then for stdout to close; kills the
    /// process group if either takes too long. Returns the exit code (None: it
    /// did not exit in time) and stderr.
    fn finish(&mut self, limit: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + limit;
        let mut code = None;
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait().unwrap() {
                code = Some(st.code().unwrap_or(-1));
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        if code.is_none() {
            unsafe { libc::kill(-self.pid(), libc::SIGKILL) };
            let _ = self.child.wait();
        }
        // The recorded program dies with the recorder (PTRACE_O_EXITKILL); its
        // stdout then closes.
        thread::sleep(Duration::from_millis(200));
        unsafe { libc::kill(-self.pid(), libc::SIGKILL) };
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        (code, err)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        unsafe { libc::kill(-self.pid(), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

fn record_in_background(fx: &Fixture, trace: &Path, argv: &[&std::ffi::OsStr]) -> Background {
    let mut cmd = fx.rewind(["record".as_ref(), "-o".as_ref(), trace.as_os_str()]);
    cmd.arg("--").args(argv);
    Background::spawn(cmd)
}

/// Output the program made before the recorder was killed is in the trace: the
/// replay of the cut trace reprints all of it (each write is flushed to the trace
/// as it happens), and nothing else.
#[test]
fn cut_trace_reprints_all_output_seen_before_the_kill() {
    let fx = Fixture::new();
    let exe = fx.compile("ticker");
    let trace = fx.trace("cut");
    let mut rec = record_in_background(&fx, &trace, &[exe.as_os_str(), "print".as_ref()]);
    rec.wait_for_lines(40);
    let killed_at = Instant::now();
    unsafe { libc::kill(rec.pid(), libc::SIGKILL) };
    rec.finish(Duration::from_secs(10));
    // A line read in the last instant before the kill may still have been on its
    // way into the trace: the ones read 10 ms before are surely in.
    let seen_before = rec.output_until(killed_at - Duration::from_millis(10));
    let seen_all = rec.output_until(Instant::now());

    let rep = fx.replay(&trace);
    assert_no_panic(&rep);
    assert!(
        rep.stdout.len() >= seen_before.len() && seen_all.starts_with(&rep.stdout),
        "the replay of the cut trace should reprint the {} bytes of output seen before the kill (it printed {}): {}\n{}",
        seen_before.len(),
        rep.stdout.len(),
        first_difference(&seen_all, &rep.stdout),
        rep.describe()
    );
    assert_ne!(rep.code(), 0, "a cut trace is reported as such");
}

/// The time of the last clock reading (`clock_gettime`) in the trace, read up to
/// where it is cut.
fn last_recorded_time_ns(trace: &Path) -> u64 {
    let mut reader = EventReader::open(trace).expect("open the cut trace");
    let mut last = None;
    loop {
        match reader.next_event() {
            Ok(Some((_, Event::Syscall { nr, writes, .. })))
                if nr == libc::SYS_clock_gettime as u64 && writes.len() == 1 =>
            {
                let d = &writes[0].data;
                let sec = u64::from_le_bytes(d[0..8].try_into().unwrap());
                let nsec = u64::from_le_bytes(d[8..16].try_into().unwrap());
                last = Some(sec * 1_000_000_000 + nsec);
            }
            Ok(Some((_, Event::End(_)))) => panic!("the trace of a killed recorder is complete"),
            Ok(Some(_)) => {}
            // Cut between chunks or inside one.
            Ok(None) | Err(TraceError::Truncated { .. }) => break,
            Err(e) => panic!("the cut trace is damaged: {e}"),
        }
    }
    last.expect("the cut trace holds clock readings")
}

/// A recorder killed with SIGKILL leaves a trace that reaches to within ~100 ms
/// of where the program was, even while the program prints nothing and makes
/// few syscalls (one clock reading every 20 ms): the trace is flushed on a
/// timer, not only every so many events. The program keeps its last clock
/// reading in a file, so the bound holds on a loaded machine too (a starved
/// recorder holds the program back as well). Twice, so a kill that happens to
/// come right after a flush cannot make the test pass.
#[test]
fn cut_trace_reaches_within_100ms_of_the_kill() {
    let fx = Fixture::new();
    let exe = fx.compile("ticker");
    for attempt in 0..2 {
        let trace = fx.trace(&format!("cut-{attempt}"));
        let progress = fx.work().join(format!("progress-{attempt}"));
        let mut rec = record_in_background(
            &fx,
            &trace,
            &[exe.as_os_str(), "quiet".as_ref(), progress.as_os_str()],
        );
        // Let it run well past the first flushes.
        thread::sleep(Duration::from_millis(1500 + 170 * attempt));
        let killed_at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        unsafe { libc::kill(rec.pid(), libc::SIGKILL) };
        rec.finish(Duration::from_secs(10));
        let d = std::fs::read(&progress).unwrap();
        assert_eq!(d.len(), 16, "the program kept its clock readings");
        let sec = u64::from_le_bytes(d[0..8].try_into().unwrap());
        let nsec = u64::from_le_bytes(d[8..16].try_into().unwrap());
        let program_last = sec * 1_000_000_000 + nsec;
        let last = last_recorded_time_ns(&trace);
        let lost_ms = program_last.saturating_sub(last) as f64 / 1e6;
        eprintln!(
            "attempt {attempt}: the cut trace ends {lost_ms:.1} ms before the program's last clock reading, {:.1} ms before the kill",
            killed_at.saturating_sub(last) as f64 / 1e6
        );
        // 20 ms between clock readings + the 50 ms flush interval + slack.
        assert!(
            lost_ms < 100.0,
            "the cut trace ends {lost_ms:.1} ms before the program's last clock reading"
        );
    }
}

/// `kill -INT <rewind>`: the recording stops, the program is killed, the trace
/// is finished (complete) and replays with the output the recording showed.
#[test]
fn sigint_sent_to_rewind_stops_the_recording_cleanly() {
    let fx = Fixture::new();
    let exe = fx.compile("ticker");
    let trace = fx.trace("stopped");
    let mut rec = record_in_background(&fx, &trace, &[exe.as_os_str(), "print".as_ref()]);
    rec.wait_for_lines(20);
    unsafe { libc::kill(rec.pid(), libc::SIGINT) };
    let (code, stderr) = rec.finish(Duration::from_secs(10));
    assert!(
        code.is_some(),
        "rewind did not stop within 10 s of a SIGINT sent to it"
    );
    assert!(
        stderr.starts_with("rewind: ") && stderr.lines().count() == 1 && stderr.contains("SIGINT"),
        "rewind should say in one line that SIGINT stopped the recording:\n{stderr}"
    );
    assert_ne!(code, Some(0), "{stderr}");
    let recorded = rec.output_until(Instant::now());

    let info = run(
        fx.rewind(["info".as_ref(), "--json".as_ref(), trace.as_os_str()]),
        None,
    );
    assert_eq!(info.code(), 0, "{}", info.describe());
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(v["complete"], true, "{}", info.describe());

    let rep = fx.replay(&trace);
    assert_no_panic(&rep);
    assert_eq!(rep.code(), 0, "{}", rep.describe());
    assert!(
        rep.stdout == recorded,
        "replay output differs: {}",
        first_difference(&recorded, &rep.stdout)
    );
}

/// Opens a pseudo-terminal: (master fd, slave path).
fn open_pty() -> (i32, std::ffi::CString) {
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(master >= 0, "posix_openpt failed");
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        (master, std::ffi::CStr::from_ptr(name.as_ptr()).to_owned())
    }
}

/// Ctrl-C in the terminal: the terminal's SIGINT goes to the recorded program
/// (which handles it here and exits 42), and rewind goes on recording to the end.
#[test]
fn terminal_ctrl_c_reaches_the_program() {
    let fx = Fixture::new();
    let exe = fx.compile("ticker");
    let trace = fx.trace("ctrl-c");
    let (master, slave) = open_pty();
    let mut cmd = fx.rewind(["record".as_ref(), "-o".as_ref(), trace.as_os_str()]);
    cmd.arg("--").arg(&exe).arg("sigint");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    unsafe {
        cmd.pre_exec(move || {
            // A new session whose controlling terminal is the pty, rewind (and so
            // the program) in its foreground process group, stdio on it.
            libc::setsid();
            let fd = libc::open(slave.as_ptr(), libc::O_RDWR);
            if fd < 0 || libc::ioctl(fd, libc::TIOCSCTTY, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            for std_fd in 0..3 {
                libc::dup2(fd, std_fd);
            }
            libc::close(fd);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("start rewind on a pty");
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = out.clone();
    // Ends at EIO once every holder of the terminal (rewind, the program) is gone.
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let n = unsafe { libc::read(master, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n as usize]);
        }
    });
    let has = |what: &str| String::from_utf8_lossy(&out.lock().unwrap()).contains(what);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !has("ready") {
        assert!(Instant::now() < deadline, "the program did not start");
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(100));
    assert_eq!(
        unsafe { libc::write(master, b"\x03".as_ptr().cast(), 1) },
        1
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "rewind did not end after Ctrl-C; terminal showed:\n{}",
                String::from_utf8_lossy(&out.lock().unwrap())
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    assert_eq!(
        status.code(),
        Some(42),
        "the program should have caught the terminal's SIGINT and exited 42; terminal showed:\n{shown}"
    );
    // The terminal echoes "^C" in front of it.
    let line = shown
        .lines()
        .find_map(|l| l.find("got SIGINT").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no 'got SIGINT' line on the terminal:\n{shown}"))
        .trim_end_matches('\r')
        .to_string();

    let rep = fx.replay(&trace);
    assert_eq!(rep.code(), 0, "{}", rep.describe());
    assert!(
        rep.stdout_str().lines().any(|l| l == line),
        "replay does not print {line:?}:\n{}",
        rep.describe()
    );
    unsafe { libc::close(master) };
}

/// One `read` of 300 MiB (more than a trace chunk may hold) is recorded, not
/// refused, and replayed: the replayed program gets the same bytes (it passes
/// their checksum to a syscall the replay checks) and prints the same checksum.
#[test]
fn read_of_300_mib_is_recorded_and_replayed() {
    let fx = Fixture::new();
    let exe = fx.compile("big_read");
    let file = fx.work().join("big.bin");
    let trace = fx.trace("big");
    let rec = fx.record(&trace, &argv([exe.as_os_str(), file.as_os_str()]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        rec.stdout_str()
            .starts_with("read 314572800 bytes in one read, checksum "),
        "{}",
        rec.describe()
    );
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    // The trace holds the data once, compressed (the blocks repeat).
    let size = std::fs::metadata(trace.join("events")).unwrap().len();
    assert!(size < 64 << 20, "the trace is {size} bytes");
}

/// A program that opens files until EMFILE gets as many under `rewind record`
/// as natively, with the same `ulimit -n`, also when rewind is started with
/// standard descriptors closed (Rust's runtime would fill them with /dev/null,
/// and the program would inherit them).
#[test]
fn recorded_program_gets_as_many_descriptors_as_natively() {
    let fx = Fixture::new();
    let exe = fx.compile("fd_count");
    // stdin closed; stdin and stdout closed; nothing closed.
    for redirect in ["<&-", "<&- >&-", ""] {
        let shell = |rewind: Option<&Path>| {
            let script = format!("ulimit -n 200; exec \"$@\" {redirect}");
            let mut c = fx.command("sh");
            c.arg("-c").arg(script).arg("sh");
            if let Some(trace) = rewind {
                c.arg(REWIND).arg("record").arg("-o").arg(trace).arg("--");
            }
            c.arg(&exe);
            run(c, None)
        };
        let native = shell(None);
        assert_eq!(native.code(), 0, "{}", native.describe());
        assert!(
            native.stderr_str().starts_with("opened "),
            "{}",
            native.describe()
        );
        let trace = fx.trace(&format!("fds-{}", redirect.len()));
        let rec = shell(Some(&trace));
        assert_eq!(
            rec.stderr_str(),
            native.stderr_str(),
            "with {redirect:?}: recorded vs native"
        );
        let rep = fx.replay(&trace);
        assert_faithful(&rec, &rep);
    }
}

/// Disk space a directory's files take (allocated blocks, so holes are free).
fn allocated_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            allocated_bytes(&e.path())
        } else {
            m.blocks() * 512
        };
    }
    total
}

/// A sparse file mapped MAP_SHARED is stored as its data only: 1 GiB with a
/// hole costs the trace a few pages (it used to be copied whole), `info` checks
/// it, and the replay reads the same values through the mapping.
#[test]
fn sparse_mapped_file_is_stored_as_its_data() {
    let fx = Fixture::new();
    let exe = fx.compile("sparse_mapped");
    let file = fx.work().join("sparse.bin");
    let trace = fx.trace("sparse");
    let rec = fx.record(&trace, &argv([exe.as_os_str(), file.as_os_str()]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let used = allocated_bytes(&trace);
    assert!(used < 16 << 20, "the trace takes {used} bytes of disk");
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_eq!(info.code(), 0, "{}", info.describe());
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// 100 GiB of hole: recording used to copy it for ever; now it takes no time
/// and no space, and `info` verifies it quickly.
#[test]
fn sparse_mapped_100_gib_file_is_recorded_quickly() {
    let fx = Fixture::new();
    let exe = fx.compile("sparse_mapped");
    let file = fx.work().join("sparse.bin");
    let trace = fx.trace("sparse");
    let start = Instant::now();
    let rec = fx.record(
        &trace,
        &argv([exe.as_os_str(), file.as_os_str(), "100".as_ref()]),
        None,
    );
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "recording took {:?}",
        start.elapsed()
    );
    let used = allocated_bytes(&trace);
    assert!(used < 16 << 20, "the trace takes {used} bytes of disk");
    let info = run(fx.rewind(["info".as_ref(), trace.as_os_str()]), None);
    assert_eq!(info.code(), 0, "{}", info.describe());
}

/// A SIGINT sent to the whole process group (a shell's `kill -INT %1`) is the
/// program's, as Ctrl-C is: the program catches it and ends by itself, and the
/// recording goes on to that end.
#[test]
fn sigint_to_the_process_group_is_the_programs() {
    let fx = Fixture::new();
    let exe = fx.compile("ticker");
    let trace = fx.trace("group");
    let mut rec = record_in_background(&fx, &trace, &[exe.as_os_str(), "sigint".as_ref()]);
    rec.wait_for_lines(1);
    thread::sleep(Duration::from_millis(100));
    unsafe { libc::kill(-rec.pid(), libc::SIGINT) };
    let (code, stderr) = rec.finish(Duration::from_secs(10));
    assert_eq!(
        code,
        Some(42),
        "the program should have caught SIGINT: {stderr}"
    );
    assert!(stderr.is_empty(), "{stderr}");
    let recorded = rec.output_until(Instant::now());
    assert!(String::from_utf8_lossy(&recorded).contains("got SIGINT"));
    let rep = fx.replay(&trace);
    assert_eq!(rep.code(), 0, "{}", rep.describe());
    assert!(rep.stdout == recorded, "{}", rep.describe());
}
