//! Replays that are provably the recorded execution: a replay that computes
//! something else stops with a divergence naming the event and what differs, and
//! a replay that succeeds printed what the replayed program itself wrote.

mod common;

use common::*;

/// Records tests/programs/NAME.c with ARGS into the fixture's `trace`.
fn record_c(fx: &Fixture, name: &str, args: &[&str]) -> (std::path::PathBuf, Run) {
    record_c_with(fx, name, args, false)
}

/// [`record_c`], optionally as on a CPU without CPUID faulting (AMD here): the
/// program then runs CPUID itself.
fn record_c_with(
    fx: &Fixture,
    name: &str,
    args: &[&str],
    no_cpuid_faulting: bool,
) -> (std::path::PathBuf, Run) {
    let exe = fx.compile(name);
    let trace = fx.trace("trace");
    let mut c = fx.rewind(["record", "-o"]);
    c.arg(&trace).arg("--").arg(exe).args(args);
    if no_cpuid_faulting {
        c.env("REWIND_NO_CPUID_FAULTING", "1");
    }
    let rec = run(c, None);
    assert_eq!(rec.code(), 0, "recording failed\n{}", rec.describe());
    (trace, rec)
}

/// A value computed from RDRAND (which no recorder sees) and written out: the
/// replay computes another value, and the write's bytes give it away.
#[test]
fn different_bytes_written_are_a_divergence() {
    let fx = Fixture::new();
    let (trace, rec) = record_c(&fx, "diverge_rdrand", &["print"]);
    assert!(
        rec.stdout_str().starts_with("random: "),
        "{}",
        rec.describe()
    );
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    assert_eq!(rep.code(), 3, "a divergence exits 3\n{}", rep.describe());
    let err = rep.stderr_str();
    assert!(
        err.contains("replay diverged at event ")
            && err.contains("to write the recorded bytes")
            && err.contains("differ from byte 8"),
        "{}",
        rep.describe()
    );
    // Nothing of the differing output was printed as if it were the recording's.
    assert!(!rep.stdout_str().contains("random: "), "{}", rep.describe());
}

/// The RDRAND value sits in a register across a syscall: the entry registers
/// give it away.
#[test]
fn different_registers_at_a_syscall_are_a_divergence() {
    let fx = Fixture::new();
    let (trace, _rec) = record_c(&fx, "diverge_rdrand", &["register"]);
    let rep = fx.replay(&trace);
    assert_one_line_error(&rep);
    let err = rep.stderr_str();
    assert!(
        err.contains("replay diverged at event ")
            && err.contains("syscall getpid() with the recorded registers")
            && err.contains("at its entry rbx = 0x"),
        "{}",
        rep.describe()
    );
}

/// CPUID's APIC id, RDPID, RDTSCP and sched_getcpu, before and after the
/// program asks to move to another CPU: replayed 20 times, each replay prints
/// exactly what the recording printed (on CPUs without CPUID faulting, because
/// the replay runs on the recorded CPU).
#[test]
fn cpu_identity_replays_the_same_every_time() {
    for no_faulting in [false, true] {
        cpu_identity_replays_the_same_20_times(no_faulting);
    }
}

fn cpu_identity_replays_the_same_20_times(no_cpuid_faulting: bool) {
    let fx = Fixture::new();
    let (trace, rec) = record_c_with(&fx, "cpu_identity", &[], no_cpuid_faulting);
    assert!(
        rec.stdout_str()
            .contains("sched_setaffinity to the other CPUs: 0"),
        "{}",
        rec.describe()
    );
    for i in 0..20 {
        let rep = fx.replay(&trace);
        assert!(
            rep.status.success(),
            "replay {i} failed\n{}",
            rep.describe()
        );
        assert_eq!(rep.stdout_str(), rec.stdout_str(), "replay {i}");
    }
}

/// A recording made without CPUID faulting must replay on its CPU: forced onto
/// another one, the replay refuses with one line instead of diverging. With
/// CPUID faulting (CPUID recorded) any CPU will do.
#[test]
fn replay_pinned_away_from_the_recorded_cpu() {
    for no_faulting in [false, true] {
        replay_pinned_away(no_faulting);
    }
}

fn replay_pinned_away(no_cpuid_faulting: bool) {
    let fx = Fixture::new();
    let (trace, rec) = record_c_with(&fx, "cpu_identity", &[], no_cpuid_faulting);
    let info = fx.rewind(["info", "--json"]).arg(&trace).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let recorded_cpu = json["cpu_index"]
        .as_u64()
        .expect("info shows the CPU index") as usize;
    let faulting = json["cpuid_faulting"]
        .as_bool()
        .expect("info shows cpuid_faulting");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        cpus >= 2,
        "this test needs two CPUs to pin the replay away from the recorded one"
    );
    let other = (recorded_cpu + 1) % cpus;
    let mut c = fx.command("taskset");
    c.arg("-c")
        .arg(other.to_string())
        .arg(REWIND)
        .args(["replay", "--autopilot"])
        .arg(&trace);
    let rep = run(c, None);
    if faulting {
        // CPUID is recorded, but RDPID still tells the CPU: the replay either
        // prints exactly what was recorded or stops at a divergence.
        if rep.status.success() {
            assert_eq!(rep.stdout_str(), rec.stdout_str());
        } else {
            assert_eq!(rep.code(), 3, "{}", rep.describe());
        }
    } else {
        assert_one_line_error(&rep);
        assert!(
            rep.stderr_str()
                .contains(&format!("this replay may not run on CPU {recorded_cpu}")),
            "{}",
            rep.describe()
        );
    }
}

/// Syscall numbers the kernel does not implement (negative, in the table's
/// holes, past its end, the x32 bit) fail with ENOSYS and recording goes on.
#[test]
fn unknown_syscall_numbers_fail_with_enosys() {
    let (rec, _rep) = c_roundtrip("unknown_syscall", &[], OK_NONDET);
    let out = rec.stdout_str();
    assert_eq!(
        out.matches("= -1 (Function not implemented)").count(),
        8,
        "{out}"
    );
    assert!(out.contains("still running"), "{out}");
}

/// A recording that rewind stopped itself (an operation it cannot record) while
/// threads were blocked in syscalls replays to its last event and ends cleanly,
/// saying why the recording stopped.
#[test]
fn recording_stopped_by_rewind_replays_to_its_end() {
    let fx = Fixture::new();
    let exe = fx.compile_with("stopped_by_rewind", &["-pthread"]);
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &[exe.into_os_string()], None);
    assert_eq!(
        rec.code(),
        70,
        "rewind stops the program\n{}",
        rec.describe()
    );
    assert!(rec.stderr_str().contains("CLONE_VM"), "{}", rec.describe());
    let rep = fx.replay(&trace);
    assert!(rep.status.success(), "{}", rep.describe());
    assert_eq!(rep.stdout_str(), rec.stdout_str());
    assert!(
        rep.stderr_str().contains("the recording was stopped early"),
        "{}",
        rep.describe()
    );
}

/// The program's own PR_SET_TSC / ARCH_SET_CPUID settings are kept and reported
/// back (rewind's trapping stays invisible), and an RDTSC or CPUID the program
/// made fault faults: the "ctl" lines are the same natively, recorded and
/// replayed.
#[test]
fn program_controls_of_rdtsc_and_cpuid_behave_as_natively() {
    let fx = Fixture::new();
    let exe = fx.compile("trap_control");
    let argv = vec![exe.into_os_string()];
    let (rec, _rep) = roundtrip(&fx, &argv, None, OK_NONDET);
    let nat = fx.native(&argv, None);
    let ctl = |r: &Run| -> Vec<String> {
        r.stdout_str()
            .lines()
            .filter(|l| l.starts_with("ctl "))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        ctl(&rec),
        ctl(&nat),
        "recorded vs native\n{}",
        rec.describe()
    );
    assert!(ctl(&rec).contains(&"ctl rdtsc faulted".to_string()));
    assert!(ctl(&rec).contains(&"ctl tsc mode at start: 1".to_string()));
}

/// Signals pending together are all delivered, nested as the kernel nests them,
/// in record and replay: SIGUSR1+SIGUSR2 unblocked at once, then three queued
/// real-time signals, SIGUSR1 twice (merged) and SIGTERM.
#[test]
fn several_pending_signals_are_all_delivered_in_order() {
    let fx = Fixture::new();
    let exe = fx.compile("pending_signals");
    let argv = vec![exe.into_os_string()];
    let (rec, _rep) = roundtrip(&fx, &argv, None, OK_NONDET);
    let nat = fx.native(&argv, None);
    let handlers = |r: &Run| r.stdout_str().lines().nth(1).unwrap_or("").to_string();
    assert_eq!(handlers(&rec), handlers(&nat), "{}", rec.describe());
    assert_eq!(
        handlers(&rec),
        "handlers: [12:0][10:0]|[35:2][34:1][34:3][15:0][10:7]|"
    );
}

/// A signal unblocked only by a call's temporary mask (ppoll, pselect6,
/// epoll_pwait, sigsuspend) interrupts the call and its handler runs, in record
/// and replay.
#[test]
fn signals_unblocked_by_a_temporary_mask_are_delivered() {
    let (rec, _rep) = c_roundtrip("tempmask", &[], OK_NONDET);
    let out = rec.stdout_str();
    for call in ["ppoll", "pselect", "epoll_pwait"] {
        assert!(
            out.contains(&format!("{call}: -1 Interrupted system call")),
            "{out}"
        );
    }
    assert!(out.contains("sigsuspend: handler runs 4"), "{out}");
}

/// `make -j2` blocks SIGCHLD and waits in pselect6 with a mask that unblocks it,
/// while its children run: every replay reaches the end.
#[test]
fn make_j2_replays() {
    let fx = Fixture::new();
    let dir = fx.work();
    for i in 1..=6 {
        std::fs::write(
            dir.join(format!("f{i}.c")),
            format!("int f{i}(void) {{ return {i}; }}\n"),
        )
        .unwrap();
    }
    std::fs::write(dir.join("main.c"), "int main(void) { return 0; }\n").unwrap();
    std::fs::write(
        dir.join("Makefile"),
        "OBJS = main.o f1.o f2.o f3.o f4.o f5.o f6.o\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%.o: %.c\n\tcc -c -o $@ $<\n",
    )
    .unwrap();
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv(["make", "-j2"]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(dir.join("prog").exists());
    for _ in 0..3 {
        let rep = fx.replay(&trace);
        assert_faithful(&rec, &rep);
    }
}

/// The vDSO stays visible (getauxval, its ELF symbols) and its time functions
/// give recorded times; sched_getcpu through it costs no ptrace stop.
#[test]
fn programs_that_parse_the_vdso_work() {
    let (rec, _rep) = c_roundtrip("vdso", &[], OK_NONDET);
    let out = rec.stdout_str();
    assert!(out.contains("vdso present: yes"), "{out}");
    assert!(out.contains("__vdso_clock_gettime found: yes"), "{out}");
    assert!(out.contains("sched_getcpu stable: yes"), "{out}");
}

/// execve from a thread other than the main one while other threads live (one
/// blocked in read): the kernel kills them and the caller takes the process's
/// pid, in record and replay.
#[test]
fn execve_from_a_thread_replays() {
    let fx = Fixture::new();
    let exe = fx.compile_with("exec_from_thread", &["-pthread"]);
    let argv = vec![exe.into_os_string()];
    let (rec, _rep) = roundtrip(
        &fx,
        &argv,
        None,
        Expect {
            code: 7,
            nondeterministic: true,
        },
    );
    assert!(
        rec.stdout_str().contains("tid == pid: yes"),
        "{}",
        rec.describe()
    );
}

/// `cargo build` (rustup's proxy execs the real cargo from a thread; rustc
/// threads and a jobserver; futexes restarted after SIGCHLD went to another
/// thread) records and replays.
#[test]
fn cargo_build_records_and_replays() {
    let fx = Fixture::new();
    let dir = fx.work().join("hello");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { println!(\"{}\", std::process::id()); }\n",
    )
    .unwrap();
    let trace = fx.trace("trace");
    let mut c = fx.rewind(["record", "-o"]);
    c.arg(&trace)
        .args(["--", "cargo", "build", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"));
    let rec = run(c, None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        dir.join("target/debug/hello").exists(),
        "{}",
        rec.describe()
    );
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
}

/// Timer signals while the program computes without syscalls (SIGPROF counted
/// by a handler, SIGALRM alone stopping the loop) are delivered where they
/// arrive, as natively: the recording ends, counts them, and 20 replays
/// (with CPUID trapped, and without) each print exactly what was recorded or
/// stop with a divergence; none succeeds with other bytes.
#[test]
fn timer_signals_during_computation_replay_exactly() {
    for no_faulting in [false, true] {
        let fx = Fixture::new();
        let (trace, rec) = record_c_with(&fx, "timer_signals", &[], no_faulting);
        let out = rec.stdout_str();
        let profs: u64 = out
            .split(", ")
            .find_map(|f| f.strip_suffix(" SIGPROF"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no SIGPROF count in {out}"));
        assert!(
            profs >= 5,
            "the handler ran {profs} times\n{}",
            rec.describe()
        );
        let info = fx.rewind(["info", "--json"]).arg(&trace).output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
        assert!(json["event_counts"]["signal"].as_u64().unwrap() > profs);
        for i in 0..20 {
            let rep = fx.replay(&trace);
            assert!(
                rep.status.success() || rep.code() == 3,
                "replay {i}: {}",
                rep.describe()
            );
            if rep.status.success() {
                assert_eq!(rep.stdout_str(), out, "replay {i}");
            }
            assert!(
                rep.status.success(),
                "replay {i} diverged: {}",
                rep.describe()
            );
        }
    }
}
