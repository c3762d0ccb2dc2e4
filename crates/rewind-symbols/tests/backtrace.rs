//! Backtraces of a real process (tests/data/stack.c compiled at test time with -O1 -g and no
//! frame pointers) stopped under ptrace.

mod common;

use std::path::Path;

use common::*;
use rewind_symbols::{Frame, Symbolizer, SIGNAL_TRAMPOLINE};

fn dump(frames: &[Frame]) -> String {
    frames.iter().map(|f| format!("  {f}\n")).collect()
}

fn is_libc(f: &Frame) -> bool {
    f.module.as_deref().is_some_and(|m| m.contains("libc.so"))
}

/// The index of the first frame of `function`.
fn find(frames: &[Frame], function: &str) -> usize {
    frames
        .iter()
        .position(|f| f.function.as_deref() == Some(function))
        .unwrap_or_else(|| panic!("no frame {function} in\n{}", dump(frames)))
}

/// Asserts that frames[i] is `function` at `line` of stack.c, in `prog`.
fn assert_frame(frames: &[Frame], i: usize, function: &str, line: u32, inlined: bool, prog: &Path) {
    let f = frames
        .get(i)
        .unwrap_or_else(|| panic!("no frame #{i} ({function}) in\n{}", dump(frames)));
    let ctx = || format!("frame #{i} in\n{}", dump(frames));
    assert_eq!(f.function.as_deref(), Some(function), "{}", ctx());
    assert_eq!(f.line, Some(line), "{}", ctx());
    assert!(
        f.file.as_deref().is_some_and(|p| p.ends_with("stack.c")),
        "{}",
        ctx()
    );
    assert_eq!(f.inlined, inlined, "{}", ctx());
    assert_eq!(f.module.as_deref(), prog.to_str(), "{}", ctx());
}

/// Asserts b, a, main follow from frames[i] on, with the lines of their calls.
fn assert_callers(frames: &[Frame], i: usize, prog: &Path) {
    assert_frame(frames, i, "b", line_of("LINE_B"), false, prog);
    assert_frame(frames, i + 1, "a", line_of("LINE_A"), false, prog);
    assert_frame(frames, i + 2, "main", line_of("LINE_MAIN"), false, prog);
}

/// The address the module's file offset 0 is mapped at.
fn base(stopped: &Stopped, prog: &Path) -> u64 {
    stopped
        .maps
        .iter()
        .find(|m| m.offset == 0 && m.path == prog.to_str().unwrap())
        .expect("mapping at offset 0")
        .start
}

/// Stopped by raise(SIGSTOP) in c's inlined stop_here: libc frames, then stop_here
/// (inlined), c, b, a, main with the lines of the calls, and the stack's end (_start).
fn check_stop_in_libc(prog: &Path, pie: bool) {
    let s = run_until(prog, "stop", libc::SIGSTOP);
    let mut sym = Symbolizer::new(&s.maps);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    assert_eq!(bt[0].address, s.regs.rip);

    let i = find(&bt, "stop_here");
    assert!(i >= 1, "{}", dump(&bt));
    assert!(
        bt[..i].iter().all(is_libc),
        "libc frames first:\n{}",
        dump(&bt)
    );
    assert!(
        bt[..i]
            .iter()
            .filter_map(|f| f.function.as_deref())
            .any(|f| f.contains("raise") || f.contains("kill")),
        "raise or kill among the libc frames:\n{}",
        dump(&bt)
    );
    assert_frame(&bt, i, "stop_here", line_of("LINE_RAISE"), true, prog);
    assert_frame(&bt, i + 1, "c", line_of("LINE_C_CALLS_INLINE"), false, prog);
    assert_eq!(
        bt[i].address,
        bt[i + 1].address,
        "an inlined frame shares its pc"
    );
    assert_callers(&bt, i + 2, prog);
    let last = bt.last().unwrap();
    assert_eq!(last.function.as_deref(), Some("_start"), "{}", dump(&bt));

    // Module offsets: from the load base for PIE, the address itself otherwise.
    let bias = if pie { base(&s, prog) } else { 0 };
    for f in bt.iter().filter(|f| f.module.as_deref() == prog.to_str()) {
        assert_eq!(f.module_offset, Some(f.address - bias), "{f}");
    }

    // Callers are symbolized at return address - 1, but report the return address.
    let c = bt[i + 1].clone();
    let again = sym.symbolize(c.address, true);
    assert_eq!(again.len(), 2);
    assert_eq!(again[1], c);
    assert_eq!(again[0], bt[i]);

    // The same from the cache, and without a usable frame pointer (the program has none
    // anyway: CFI does the work).
    let mut regs = s.regs;
    regs.rbp = 0xdead_beef_dead_beef;
    let bt2 = sym.backtrace(regs, &s.mem, 64);
    assert_eq!(bt, bt2);

    // max_frames counts physical frames: inlined ones come with theirs.
    let short = sym.backtrace(s.regs, &s.mem, i + 1);
    assert_eq!(short, bt[..i + 2].to_vec());
}

#[test]
fn stop_in_libc_pie() {
    check_stop_in_libc(&pie(), true);
}

#[test]
fn stop_in_libc_non_pie() {
    check_stop_in_libc(&no_pie(), false);
}

/// Without a libc debug file (the usual case on Debian), libc's frames are named from its
/// dynamic symbol table, without file and line.
#[test]
fn libc_without_debug_info_uses_dynsym() {
    let prog = pie();
    let s = run_until(&prog, "stop", libc::SIGSTOP);
    let mut sym = Symbolizer::new(&s.maps);
    sym.set_debug_dirs(vec![]);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    let i = find(&bt, "stop_here");
    assert!(
        bt[..i]
            .iter()
            .any(|f| matches!(f.function.as_deref(), Some("raise" | "gsignal"))),
        "{}",
        dump(&bt)
    );
    assert!(bt[..i]
        .iter()
        .all(|f| is_libc(f) && f.file.is_none() && f.line.is_none()));
    assert_frame(
        &bt,
        i + 1,
        "c",
        line_of("LINE_C_CALLS_INLINE"),
        false,
        &prog,
    );
    assert_callers(&bt, i + 2, &prog);
    assert!(bt
        .iter()
        .any(|f| f.function.as_deref() == Some("__libc_start_main")));
}

/// A fault in c: the first frame is the faulting instruction itself (no -1).
#[test]
fn fault_in_c() {
    let prog = pie();
    let s = run_until(&prog, "segv", libc::SIGSEGV);
    let mut sym = Symbolizer::new(&s.maps);
    sym.set_debug_dirs(vec![]);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    assert_frame(&bt, 0, "c", line_of("LINE_FAULT"), false, &prog);
    assert_eq!(bt[0].address, s.regs.rip);
    assert_callers(&bt, 1, &prog);
    assert_eq!(sym.symbolize(s.regs.rip, false), bt[..1].to_vec());
}

/// Stopped in a SIGSEGV handler: unwinding goes through __restore_rt and the saved
/// ucontext back to the faulting instruction in c.
#[test]
fn through_signal_handler() {
    let prog = pie();
    let s = run_until(&prog, "segv-handler", libc::SIGSTOP);
    let mut sym = Symbolizer::new(&s.maps);
    sym.set_debug_dirs(vec![]);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    let i = find(&bt, "on_segv");
    assert!(bt[..i].iter().all(is_libc), "{}", dump(&bt));
    assert_frame(
        &bt,
        i,
        "on_segv",
        line_of("LINE_HANDLER_RAISE"),
        false,
        &prog,
    );
    assert_eq!(
        bt[i + 1].function.as_deref(),
        Some(SIGNAL_TRAMPOLINE),
        "{}",
        dump(&bt)
    );
    assert!(is_libc(&bt[i + 1]));
    assert_frame(&bt, i + 2, "c", line_of("LINE_FAULT"), false, &prog);
    assert_callers(&bt, i + 3, &prog);
}

/// A call through a null function pointer: pc 0, the caller's return address at [rsp].
#[test]
fn null_function_pointer() {
    let prog = pie();
    let s = run_until(&prog, "nullcall", libc::SIGSEGV);
    assert_eq!(s.regs.rip, 0);
    let mut sym = Symbolizer::new(&s.maps);
    sym.set_debug_dirs(vec![]);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    assert_eq!(bt[0].address, 0);
    assert_eq!(bt[0].module, None);
    assert_eq!(bt[0].function, None);
    assert_frame(&bt, 1, "c", line_of("LINE_NULLCALL"), false, &prog);
    assert_callers(&bt, 2, &prog);
}

/// The modules of a live process: the program, libc, ld.so, with their build-ids; no
/// pseudo-mappings.
#[test]
fn modules_of_a_process() {
    let prog = pie();
    let s = run_until(&prog, "stop", libc::SIGSTOP);
    let sym = Symbolizer::new(&s.maps);
    let mods = sym.modules();
    assert!(mods.windows(2).all(|w| w[0].start < w[1].start));
    let paths: Vec<&str> = mods.iter().map(|m| m.path.as_str()).collect();
    assert!(paths.contains(&prog.to_str().unwrap()), "{paths:?}");
    assert!(paths.iter().any(|p| p.contains("libc.so")), "{paths:?}");
    assert!(paths.iter().any(|p| p.contains("ld-linux")), "{paths:?}");
    assert!(paths.iter().all(|p| p.starts_with('/')), "{paths:?}");
    for m in &mods {
        assert!(m.start < m.end);
        let id = m
            .build_id
            .as_deref()
            .unwrap_or_else(|| panic!("no build-id: {m:?}"));
        assert_eq!(
            Some(id),
            rewind_symbols::build_id(Path::new(&m.path)).as_deref()
        );
    }
}
