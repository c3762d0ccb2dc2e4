//! Record and replay each C program of `tests/programs/`: the recording exits as
//! the program would, the replay exits 0 and prints byte for byte what the
//! recording printed, and a native run prints something else (so equality means
//! the replay reproduced the recorded nondeterminism, not that it re-ran it).

mod common;

use common::*;

macro_rules! c_tests {
    ($($name:ident $(($($arg:expr),*))? => $code:expr;)*) => {
        $(
            #[test]
            fn $name() {
                c_roundtrip(
                    stringify!($name),
                    &[$($($arg),*)?],
                    Expect { code: $code, nondeterministic: true },
                );
            }
        )*
    };
}

c_tests! {
    // Time, counters, cpu and randomness.
    time_sources => 0;
    rdtsc => 0;
    cpuid => 0;
    random => 0;
    auxv => 0;
    addresses => 0;
    // Memory and files.
    file_mmap => 0;
    proc_reads => 0;
    readdir => 0;
    shared_mem => 0;
    misc_syscalls => 0;
    // Processes.
    pids => 0;
    fork_wait => 0;
    vfork_exec => 0;
    fork_sh => 0;
    pipes => 0;
    posix_spawn => 0;
    // Sockets.
    socketpair => 0;
    unix_socket => 0;
    tcp => 0;
    poll_epoll => 0;
    // Synchronous signals.
    sigsegv => 0;
    sigtrap => 0;
    sigfpe => 0;
    sigill => 0;
    // Asynchronous signals.
    itimer => 0;
    sigchld => 0;
    kill_parent => 0;
    sigsuspend => 0;
    siginfo => 0;
    sig_eintr => 0;
    restart => 0;
    // Output.
    big_write => 0;
    interleaved => 0;
    // Exit statuses.
    exit_code => 3;
    abort => 134;
    // Threads.
    thread_mutex_condvar => 0;
    thread_many => 0;
    thread_spin => 0;
    thread_kill => 0;
    thread_exit_group => 3;
    thread_tls => 0;
    thread_crash => 139;
    signal_spin => 0;
}

#[test]
fn killed_by_sigkill_from_child() {
    c_roundtrip(
        "killed",
        &["9"],
        Expect {
            code: 128 + 9,
            nondeterministic: true,
        },
    );
}

#[test]
fn killed_by_sigterm_from_child() {
    c_roundtrip(
        "killed",
        &["15"],
        Expect {
            code: 128 + 15,
            nondeterministic: true,
        },
    );
}

#[test]
fn killed_by_raise_sigterm() {
    c_roundtrip(
        "killed",
        &["15", "self"],
        Expect {
            code: 128 + 15,
            nondeterministic: true,
        },
    );
}

#[test]
fn killed_by_raise_sigkill() {
    c_roundtrip(
        "killed",
        &["9", "self"],
        Expect {
            code: 128 + 9,
            nondeterministic: true,
        },
    );
}

/// The recording reads stdin; the replay gets none and must still print what the
/// recording printed.
#[test]
fn read_stdin() {
    let fx = Fixture::new();
    let exe = fx.compile("read_stdin");
    let input: Vec<u8> = (0..20000u32)
        .flat_map(|i| format!("line {} {}\n", i, i.wrapping_mul(2654435761)).into_bytes())
        .collect();
    let (rec, _) = roundtrip(&fx, &argv([exe]), Some(&input), OK_NONDET);
    assert!(
        rec.stdout_str()
            .contains(&format!("stdin: {} bytes", input.len())),
        "the recorded program did not see all of stdin:\n{}",
        rec.describe()
    );
}

/// The output of a recording appears as the program writes it, not at the end.
#[test]
fn big_write_is_complete() {
    let fx = Fixture::new();
    let exe = fx.compile("big_write");
    let (rec, _) = roundtrip(&fx, &argv([exe]), None, OK_NONDET);
    assert_eq!(
        rec.stdout.len(),
        1 << 20,
        "the recording's stdout is not 1 MiB:\n{}",
        rec.describe()
    );
}

/// Replaying the same trace twice gives the same output both times.
#[test]
fn replay_twice() {
    let fx = Fixture::new();
    let exe = fx.compile("pipes");
    let trace = fx.trace("trace");
    let (rec, first) = roundtrip_at(&fx, &trace, &argv([exe]), None, OK_NONDET);
    let second = fx.replay(&trace);
    assert_faithful(&rec, &second);
    assert_eq!(first.stdout, second.stdout);
}

/// Replay uses only the trace: it still works after the program's executable
/// has been deleted.
#[test]
fn replay_without_the_executable() {
    let fx = Fixture::new();
    let exe = fx.compile("fork_wait");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    std::fs::remove_file(&exe).unwrap();
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// Copies a directory tree (files are copied, never linked).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A trace is self-contained: a copy of it (as made when moving it to another
/// file system or machine, where the recorder's hard links cannot follow) replays.
#[test]
fn replay_copied_trace() {
    let fx = Fixture::new();
    let exe = fx.compile("exit_code");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 3, "{}", rec.describe());
    let copy = fx.trace("copied-trace");
    copy_tree(&trace, &copy);
    std::fs::remove_dir_all(&trace).unwrap();
    let rep = fx.replay(&copy);
    assert_faithful(&rec, &rep);
}

/// A trace that was moved (renamed) replays.
#[test]
fn replay_moved_trace() {
    let fx = Fixture::new();
    let exe = fx.compile("fork_wait");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let moved = fx.trace("a-trace-with-a-longer-name");
    std::fs::rename(&trace, &moved).unwrap();
    let rep = fx.replay(&moved);
    assert_faithful(&rec, &rep);
}

/// Multi-threaded programs are not supported yet (issue 4): recording one must
/// stop with a clear message, not hang, crash or pretend to succeed.
/// `--chaos` recordings of racy thread programs replay faithfully, and the trace
/// says it was a chaos recording.
#[test]
fn chaos_recordings_replay() {
    // Short random slices make the watchdog interrupt threads often, also just
    // as they enter syscalls (an interrupt must not break a blocking syscall).
    for name in [
        "thread_mutex_condvar",
        "thread_mutex_condvar",
        "thread_mutex_condvar",
        "thread_spin",
        "thread_kill",
    ] {
        let fx = Fixture::new();
        let exe = fx.compile(name);
        let trace = fx.trace("trace");
        let mut cmd = fx.rewind(["record", "--chaos=7", "-o"]);
        cmd.arg(&trace).arg(&exe);
        let rec = run(cmd, None);
        assert_no_panic(&rec);
        assert_eq!(rec.code(), 0, "{name}: {}", rec.describe());
        let rep = fx.replay(&trace);
        assert_faithful(&rec, &rep);
        let mut cmd = fx.rewind(["info", "--json"]);
        cmd.arg(&trace);
        let info = run(cmd, None);
        let json: serde_json::Value = serde_json::from_slice(&info.stdout).expect("info --json");
        assert_eq!(json["chaos_seed"], 7, "{name}: {}", info.describe());
        assert!(
            json["threads"].as_u64().unwrap_or(0) >= 2,
            "{name}: threads counted: {}",
            info.describe()
        );
    }
}
