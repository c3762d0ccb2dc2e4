//! A crashing program is caught at its fatal signal, dumped with rewind-dump,
//! and the core is opened in a real gdb and read back.

mod common;

use common::*;
use std::process::Command;

#[test]
fn gdb_opens_the_core_with_backtrace_threads_and_avx_registers() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path());
    let core = dir.path().join("core");
    let tid = crash_and_dump(&exe, &core);
    let out = Command::new("gdb")
        .args([
            "-batch",
            "-nx",
            "-ex",
            "bt",
            "-ex",
            "info threads",
            "-ex",
            "p $_siginfo.si_signo",
            "-ex",
            "p $_siginfo._sifields._sigfault.si_addr",
            "-ex",
            "p $ymm7.v4_double",
            "-ex",
            "p ymm_seed",
        ])
        .arg(&exe)
        .arg(&core)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Program terminated with signal SIGSEGV"),
        "{text}"
    );
    let l3 = text.find("level3").expect(&text);
    let l2 = text.find("level2").expect(&text);
    let l1 = text.find("level1").expect(&text);
    let main = text.find("main").expect(&text);
    assert!(l3 < l2 && l2 < l1 && l1 < main, "{text}");
    assert!(
        text.contains(&format!("crash.c:{}", line_of("crash here"))),
        "{text}"
    );
    assert!(text.contains(&format!("LWP {tid}")), "{text}");
    assert!(
        text.contains("2 Thread") || text.matches("LWP").count() >= 2,
        "{text}"
    );
    assert!(text.contains("= 11"), "{text}");
    assert!(text.contains("(void *) 0x0"), "{text}");
    assert!(text.contains("{1.5, 1.5, 1.5, 1.5}"), "{text}");
}

#[test]
fn read_core_gives_back_threads_signal_files_and_memory() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path());
    let core_path = dir.path().join("core");
    let tid = crash_and_dump(&exe, &core_path);
    let core = rewind_dump::read_core(&core_path).unwrap();
    assert_eq!(core.signal, libc::SIGSEGV);
    assert_eq!(core.threads.len(), 2);
    assert_eq!(core.threads[0].tid, tid);
    assert_eq!(core.comm, "crash");
    let (code, addr) = core.signal_code_and_address();
    assert_eq!((code, addr), (Some(1 /* SEGV_MAPERR */), Some(0)));
    assert!(core.files.iter().any(|f| f.path == exe.to_str().unwrap()));
    // The top of the crashing thread's stack is in the core.
    let mut word = [0u8; 8];
    assert!(core.read_memory(core.threads[0].regs.rsp, &mut word));
    assert!(!core.read_memory(8, &mut word));
}
