//! Memory the kernel writes outside a task's own syscalls: at a thread's exit
//! (robust futexes, clear_child_tid), and when one process writes into another
//! (process_vm_writev, /proc/PID/mem). The recorded programs compute and print
//! what they find in that memory; the replay must print the same.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

/// `rewind dump TRACE`'s lines of kind `memory`.
fn memory_events(fx: &Fixture, trace: &std::path::Path) -> Vec<String> {
    let mut c = fx.rewind(["dump"]);
    c.arg(trace);
    let dump = run(c, None);
    assert_eq!(dump.code(), 0, "{}", dump.describe());
    dump.stdout_str()
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("memory"))
        .map(str::to_string)
        .collect()
}

/// Threads exit holding robust mutexes, plain and priority-inheriting (one
/// with main blocked on the mutex, and the main thread itself with a worker
/// blocked): the kernel's
/// FUTEX_OWNER_DIED writes are replayed, so the replayed program's lock calls
/// return EOWNERDEAD as recorded instead of waiting forever.
#[test]
fn robust_mutexes_of_exited_threads_come_back_owner_died() {
    let fx = Fixture::new();
    let exe = fx.compile("kw_robust");
    let trace = fx.trace("trace");
    let (rec, _rep) = roundtrip_at(&fx, &trace, &argv([&exe]), None, OK_NONDET);
    let out = rec.stdout_str();
    assert_eq!(
        out.matches("owner-died bit set before locking; lock EOWNERDEAD, consistent 0, unlock 0, lock again 0")
            .count(),
        4,
        "{}",
        rec.describe()
    );
    assert!(
        out.contains("\ncontended: lock while the owner died EOWNERDEAD, consistent 0")
            && out.contains("pi contended: lock while the owner died EOWNERDEAD, consistent 0")
            && out.contains("held by main: lock after main exited EOWNERDEAD, consistent 0"),
        "{}",
        rec.describe()
    );
    // One exit per thread that held mutexes, each with its robust words and
    // its clear_child_tid word.
    let events = memory_events(&fx, &trace);
    assert_eq!(events.len(), 5, "{events:#?}");
    for e in &events {
        assert!(
            e.contains("the kernel wrote at the thread's exit [wrote 4 bytes at 0x"),
            "{e}"
        );
    }
}

/// A parent writes into its forked child with process_vm_writev and through
/// /proc/CHILD/mem (pwrite; lseek + write), and into itself through
/// /proc/self/mem. The child checks and prints what landed; the replay shows
/// the same (recorded as the child's memory, at the parent's writes).
#[test]
fn writes_into_a_recorded_process_replay_in_that_process() {
    let fx = Fixture::new();
    let exe = fx.compile("kw_procmem");
    let trace = fx.trace("trace");
    // Exit status 0: every write landed where the program expected it.
    let (rec, _rep) = roundtrip_at(&fx, &trace, &argv([&exe]), None, OK_NONDET);
    let out = rec.stdout_str();
    assert_eq!(out.matches("(as written)").count(), 3, "{}", rec.describe());
    assert!(
        out.contains("process_vm_writev wrote 2") && out.contains("child exited 0"),
        "{}",
        rec.describe()
    );
    let events = memory_events(&fx, &trace);
    assert_eq!(events.len(), 4, "{events:#?}");
    let parent = out
        .lines()
        .find_map(|l| l.strip_prefix("parent "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the parent prints its pid");
    for e in &events {
        assert!(
            e.contains(&format!("process {parent} wrote into this memory [wrote ")),
            "{e}"
        );
    }
}

/// A process that is not recorded, serving a buffer: prints its pid and the
/// buffer's address, then for each line read prints the buffer and resets it.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Server {
    fn start(fx: &Fixture, exe: &std::path::Path) -> (Server, String, String) {
        let mut child = fx
            .command(exe)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = lines.next().expect("a line").expect("readable");
        let mut words = first.split_whitespace();
        let (pid, addr) = (
            words.next().unwrap().to_string(),
            words.next().unwrap().to_string(),
        );
        (
            Server {
                child,
                stdin,
                lines,
            },
            pid,
            addr,
        )
    }

    /// The buffer's contents (then reset).
    fn show(&mut self) -> String {
        writeln!(self.stdin.as_mut().unwrap(), "show").unwrap();
        self.lines.next().expect("a line").expect("readable")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes into a process outside the recording happen while recording and are
/// not repeated by the replay (which touches nothing outside).
#[test]
fn writes_into_a_process_outside_the_recording_are_not_replayed() {
    let fx = Fixture::new();
    let exe = fx.compile("kw_outside");
    let (mut server, pid, addr) = Server::start(&fx, &exe);
    let trace = fx.trace("trace");
    let rec = fx.record(
        &trace,
        &argv([
            exe.as_os_str(),
            "write".as_ref(),
            pid.as_ref(),
            addr.as_ref(),
        ]),
        None,
    );
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let out = rec.stdout_str();
    assert!(
        !out.contains(": -1") && out.contains("process_vm_writev: 1") && out.contains("pwrite: 1"),
        "{}",
        rec.describe()
    );
    let shown = server.show();
    assert!(shown.starts_with("pwritten by "), "{shown}");
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert_eq!(
        server.show(),
        "untouched",
        "the replay wrote into the server"
    );
    assert!(memory_events(&fx, &trace).is_empty());
}

/// Child processes die holding process-shared robust mutexes in memory they
/// share with their parent, one by exit_group, one killed by a signal: the
/// kernel's FUTEX_OWNER_DIED writes are recorded into the parent's memory at
/// the child's exit_group or fatal signal, and the replayed parent's locks
/// return EOWNERDEAD as recorded.
#[test]
fn robust_mutexes_shared_with_dead_processes_come_back_owner_died() {
    let fx = Fixture::new();
    let exe = fx.compile("kw_robust_shared");
    let trace = fx.trace("trace");
    // Exit status 0: both of the parent's locks returned EOWNERDEAD.
    let (rec, _rep) = roundtrip_at(&fx, &trace, &argv([&exe]), None, OK_NONDET);
    let out = rec.stdout_str();
    for how in ["exited", "Terminated"] {
        assert!(
            out.contains(&format!(
                "child {how}; owner-died bit set after its death; lock EOWNERDEAD, consistent 0, unlock 0"
            )),
            "{}",
            rec.describe()
        );
    }
    let events = memory_events(&fx, &trace);
    assert_eq!(events.len(), 2, "{events:#?}");
    for e in &events {
        assert!(
            e.contains("the kernel wrote into memory shared with dying thread ")
                && e.contains("[wrote 4 bytes at 0x"),
            "{events:#?}"
        );
    }
}

/// A gdb watchpoint on a robust mutex's word stops where replay makes the
/// kernel's exit write (the owner's tid becomes FUTEX_OWNER_DIED), as it
/// stops for a write of the program's own.
#[test]
fn watchpoint_sees_the_owner_died_write() {
    let fx = Fixture::new();
    let exe = fx.compile_with("kw_robust", &["-O0", "-pthread"]);
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let script = fx.path().join("watch.gdb");
    std::fs::write(
        &script,
        "break main\ncontinue\nwatch first.__data.__lock\ncontinue\ncontinue\ncontinue\n",
    )
    .unwrap();
    let mut c = fx.command("sh");
    c.args(["-c", "exec \"$0\" \"$@\" 2>&1", REWIND, "replay"])
        .arg(&trace)
        .args(["--", "-batch", "-nx", "-ex", "set sysroot /", "-x"])
        .arg(&script)
        .env_remove("DEBUGINFOD_URLS")
        .current_dir(fx.path().join("replay-cwd"));
    let r = run(c, None);
    assert_no_panic(&r);
    let out = r.stdout_str();
    assert!(
        r.status.success() && !out.contains("Error in sourced command file"),
        "{}",
        r.describe()
    );
    // The thread locks (0 -> its tid), its exit marks the owner dead, main
    // locks (-> main's tid).
    let hits: Vec<(&str, &str)> = out
        .split("Old value = ")
        .skip(1)
        .filter_map(|h| {
            let (old, rest) = h.split_once('\n')?;
            let new = rest.strip_prefix("New value = ")?.lines().next()?;
            Some((old, new))
        })
        .collect();
    assert!(hits.len() >= 3, "{}", r.describe());
    let owner_died = (0x4000_0000u32).to_string();
    assert_eq!(hits[0].0, "0", "{hits:?}");
    assert_eq!(hits[1], (hits[0].1, owner_died.as_str()), "{hits:?}");
    assert_eq!(hits[2].0, owner_died, "{hits:?}");
}
