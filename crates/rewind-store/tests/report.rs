//! Signatures, grouping and the text rendering of reports.

use rewind_store::{group_id, signature, Frame, ModuleReport, Report, ThreadReport};

fn frame(address: u64, function: Option<&str>, module: &str, offset: u64) -> Frame {
    Frame {
        address,
        module: Some(module.to_string()),
        module_offset: Some(offset),
        function: function.map(str::to_string),
        file: function.map(|_| "prog.c".to_string()),
        line: function.map(|_| 12),
        inlined: false,
    }
}

/// A SIGSEGV in c() called by b() called by a() called by main(), with the
/// program loaded at `base`.
fn segv(base: u64, pid: i32, time: i64) -> Report {
    let exe = "/home/u/prog";
    Report {
        reason: "crash".into(),
        signal: Some(11),
        signal_name: Some("SIGSEGV".into()),
        signal_code: Some(1),
        signal_code_name: Some("SEGV_MAPERR".into()),
        fault_address: Some(0x10),
        pid,
        executable: exe.into(),
        build_id: Some("0123456789abcdef".into()),
        cmdline: vec![exe.into(), "--flag".into(), "two words".into()],
        time,
        process_uptime_secs: 1.5,
        system_uptime_secs: 100_000.0,
        threads: vec![
            ThreadReport {
                tid: pid,
                name: "prog".into(),
                crashed: true,
                frames: vec![
                    frame(base + 0x1149, Some("c"), exe, 0x1149),
                    frame(base + 0x1160, Some("b"), exe, 0x1160),
                    frame(base + 0x1180, Some("a"), exe, 0x1180),
                    frame(base + 0x11a0, Some("main"), exe, 0x11a0),
                ],
            },
            ThreadReport {
                tid: pid + 1,
                name: "worker".into(),
                crashed: false,
                frames: vec![frame(base + 0x1300, Some("work"), exe, 0x1300)],
            },
        ],
        modules: vec![ModuleReport {
            path: exe.into(),
            start: base,
            end: base + 0x5000,
            build_id: Some("0123456789abcdef".into()),
        }],
        note: None,
    }
}

#[test]
fn same_crash_elsewhere_groups_together() {
    let a = segv(0x5555_5555_4000, 100, 1_000);
    let b = segv(0x7f00_1234_0000, 4242, 2_000_000);
    let (ga, ta) = signature(&a);
    let (gb, tb) = signature(&b);
    assert_eq!(ta, "SIGSEGV at c < b < a");
    assert_eq!(ta, tb);
    assert_eq!(ga, gb);
    assert_eq!(ga.len(), 12);
    assert!(ga
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(ga, group_id(&ta));
}

#[test]
fn different_top_function_or_signal_groups_apart() {
    let base = segv(0x1000, 1, 1);
    let (g, _) = signature(&base);

    let mut other_fn = base.clone();
    other_fn.threads[0].frames[0].function = Some("d".into());
    let (g2, t2) = signature(&other_fn);
    assert_eq!(t2, "SIGSEGV at d < b < a");
    assert_ne!(g, g2);

    let mut other_sig = base.clone();
    other_sig.signal = Some(7);
    other_sig.signal_name = Some("SIGBUS".into());
    let (g3, t3) = signature(&other_sig);
    assert_eq!(t3, "SIGBUS at c < b < a");
    assert_ne!(g, g3);

    // Only the top three named frames count.
    let mut deeper = base.clone();
    deeper.threads[0].frames[3].function = Some("other_main".into());
    assert_eq!(signature(&deeper).0, g);
}

#[test]
fn abort_machinery_and_unnamed_frames_are_skipped() {
    let libc = "/lib/x86_64-linux-gnu/libc.so.6";
    let mut r = segv(0x1000, 1, 1);
    r.signal = Some(6);
    r.signal_name = Some("SIGABRT".into());
    let mut frames = vec![
        frame(
            0x7f00_0000_1000,
            Some("__pthread_kill_implementation"),
            libc,
            0x1000,
        ),
        frame(0x7f00_0000_2000, Some("raise"), libc, 0x2000),
        frame(0x7f00_0000_3000, Some("abort"), libc, 0x3000),
        frame(0x7f00_0000_3800, None, libc, 0x3800),
        frame(0x7f00_0000_4000, Some("__assert_fail_base"), libc, 0x4000),
        frame(0x7f00_0000_5000, Some("__assert_fail"), libc, 0x5000),
        frame(0x1149, Some("check"), "/home/u/prog", 0x1149),
        frame(0x1150, None, "/home/u/prog", 0x1150),
        frame(0x1160, Some("b"), "/home/u/prog", 0x1160),
        frame(0x1180, Some("a"), "/home/u/prog", 0x1180),
    ];
    r.threads[0].frames = frames.clone();
    assert_eq!(signature(&r).1, "SIGABRT at check < b < a");

    // The same abort without the machinery frames (another libc) groups together.
    frames.drain(..6);
    r.threads[0].frames = frames;
    assert_eq!(signature(&r).1, "SIGABRT at check < b < a");
}

#[test]
fn signatures_without_names_or_signals() {
    // No symbols: module-relative offsets, which ASLR does not change.
    let mut r = segv(0x1000, 1, 1);
    for f in &mut r.threads[0].frames {
        f.function = None;
    }
    assert_eq!(
        signature(&r).1,
        "SIGSEGV at prog+0x1149 < prog+0x1160 < prog+0x1180"
    );
    // No frames at all: the executable's name.
    r.threads.clear();
    assert_eq!(signature(&r).1, "SIGSEGV in prog");
    // A triggered dump: the reason stands in for the signal.
    let mut cpu = segv(0x1000, 1, 1);
    cpu.reason = "cpu".into();
    cpu.signal = None;
    cpu.signal_name = None;
    assert_eq!(signature(&cpu).1, "cpu at c < b < a");
    // A signal number without a name gets its standard name.
    let mut numbered = segv(0x1000, 1, 1);
    numbered.signal_name = None;
    assert_eq!(signature(&numbered).1, "SIGSEGV at c < b < a");
}

#[test]
fn render_shows_frames_in_order_and_signal() {
    let mut r = segv(0x5555_5555_4000, 4242, 1_715_682_662);
    r.threads[0].frames[1].inlined = true;
    r.threads[0].frames.push(Frame {
        address: 0xdead_beef,
        ..Frame::default()
    });
    let text = r.render();
    println!("{text}");

    assert!(text.contains("Reason: crash"), "{text}");
    assert!(
        text.contains(
            "Signal: 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault address 0x0000000000000010"
        ),
        "{text}"
    );
    assert!(text.contains("PID: 4242"), "{text}");
    assert!(
        text.contains("Executable: /home/u/prog (build-id 0123456789abcdef)"),
        "{text}"
    );
    assert!(
        text.contains("Command line: /home/u/prog --flag 'two words'"),
        "{text}"
    );
    assert!(text.contains("(1715682662)"), "{text}");
    assert!(text.contains("Process uptime: 1.500s"), "{text}");
    assert!(text.contains("System uptime: 1d 03h 46m 40s"), "{text}");
    assert!(text.contains("Thread 4242 (prog) crashed:"), "{text}");
    assert!(text.contains("Thread 4243 (worker):"), "{text}");
    assert!(
        text.contains("#0  0x0000555555555149 in c (/home/u/prog+0x1149) at prog.c:12\n"),
        "{text}"
    );
    assert!(
        text.contains("#1  0x0000555555555160 in b (/home/u/prog+0x1160) at prog.c:12 [inlined]"),
        "{text}"
    );
    assert!(
        text.contains("#4  0x00000000deadbeef in ?? (??)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "0x0000555555554000-0x0000555555559000 /home/u/prog (build-id 0123456789abcdef)"
        ),
        "{text}"
    );

    // Frames appear in order: c, b, a, main, then the worker's thread.
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing in {text}"))
    };
    assert!(
        pos(" in c ") < pos(" in b ")
            && pos(" in b ") < pos(" in a ")
            && pos(" in a ") < pos(" in main ")
    );
    assert!(pos(" in main ") < pos("Thread 4243") && pos("Thread 4243") < pos(" in work "));
    assert!(pos(" in work ") < pos("Modules:"));
}

#[test]
fn render_of_a_triggered_dump_has_no_signal_line() {
    let mut r = segv(0x1000, 7, 1);
    r.reason = "memory".into();
    r.signal = None;
    r.signal_name = None;
    r.signal_code = None;
    r.signal_code_name = None;
    r.fault_address = None;
    r.note = Some("dump not kept: --max-dumps 1 reached".into());
    let text = r.render();
    assert!(text.contains("Reason: memory"), "{text}");
    assert!(!text.contains("Signal:"), "{text}");
    assert!(
        text.contains("Note: dump not kept: --max-dumps 1 reached"),
        "{text}"
    );
}

#[test]
fn report_json_roundtrip() {
    let r = segv(0x1000, 7, 1);
    let json = serde_json::to_string(&r).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}
