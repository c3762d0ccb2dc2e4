//! A crashing program is caught at its fatal signal, dumped with rewind-dump,
//! and the core is opened in a real gdb and read back.

use rewind_ptrace as pt;
use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAM: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <immintrin.h>
volatile int *target = 0;
volatile double ymm_seed = 1.5;
static void *idle(void *arg) { (void)arg; for (;;) pause(); return 0; }
__attribute__((noinline)) void level3(int v) {
    __m256d y = _mm256_set1_pd(ymm_seed);       /* ymm0..: AVX state in the core */
    __asm__ volatile("vmovapd %0, %%ymm7" :: "x"(y));
    *target = v; /* crash here */
}
__attribute__((noinline)) void level2(int v) { level3(v + 1); __asm__ volatile(""); }
__attribute__((noinline)) void level1(int v) { level2(v + 1); __asm__ volatile(""); }
int main(void) {
    pthread_t t;
    pthread_create(&t, 0, idle, 0);
    usleep(20000);
    level1(1);
    return 0;
}
"#;

fn compile(dir: &Path) -> PathBuf {
    let src = dir.join("crash.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let exe = dir.join("crash");
    let st = Command::new("gcc")
        .args(["-O1", "-g", "-mavx", "-pthread", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    exe
}

fn line_of(marker: &str) -> usize {
    PROGRAM.lines().position(|l| l.contains(marker)).unwrap() + 1
}

/// One test at a time: wait(-1) in one test thread would take the stops of
/// another test's tracee, or its gcc (waitpid sees sibling threads' children).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `exe` traced until its SIGSEGV and writes a core of it to `core`.
/// Returns the crashing tid.
fn crash_and_dump(exe: &Path, core: &Path) -> i32 {
    let path = exe.to_str().unwrap();
    let (pid, _pipe) = pt::spawn_traced(
        path,
        &[path.as_bytes().to_vec()],
        &[],
        &pt::SpawnSetup {
            seize: true,
            no_core: true,
            ..Default::default()
        },
    )
    .unwrap();
    pt::set_options(pid, libc::PTRACE_O_TRACECLONE | libc::PTRACE_O_EXITKILL).unwrap();
    pt::resume_cont(pid, 0).unwrap();
    let mut tids = vec![pid];
    loop {
        let (tid, _, st) = pt::wait(-1).unwrap();
        match st {
            pt::WaitStatus::Signal(libc::SIGSEGV) => {
                // Stop the idle thread too, then capture.
                let others: Vec<i32> = tids.iter().copied().filter(|&t| t != tid).collect();
                for &t in &others {
                    pt::interrupt(t).unwrap();
                    pt::wait(t).unwrap();
                }
                let mut order = vec![tid];
                order.extend(&others);
                let info = pt::get_siginfo(tid).unwrap();
                let threads = order
                    .iter()
                    .map(|&t| rewind_dump::capture_thread(t).unwrap())
                    .collect();
                let state =
                    rewind_dump::capture(pid, pid, threads, libc::SIGSEGV, Some(info)).unwrap();
                let mut f = std::io::BufWriter::new(std::fs::File::create(core).unwrap());
                rewind_dump::write_core(&state, pid, &mut f).unwrap();
                drop(f);
                unsafe { libc::kill(pid, libc::SIGKILL) };
                // Reap every thread (the leader is reported last).
                while let Ok((t, _, st)) = pt::wait(-1) {
                    if t == pid && matches!(st, pt::WaitStatus::Killed(_)) {
                        break;
                    }
                }
                return tid;
            }
            pt::WaitStatus::Event(pt::event::CLONE) => {
                tids.push(pt::event_msg(tid).unwrap() as i32);
                pt::resume_cont(tid, 0).unwrap();
            }
            pt::WaitStatus::Signal(sig) if sig != libc::SIGSTOP && sig != libc::SIGTRAP => {
                pt::resume_cont(tid, sig).unwrap()
            }
            pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_) => {
                panic!("died before the crash")
            }
            _ => pt::resume_cont(tid, 0).unwrap(),
        }
    }
}

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

#[test]
fn damaged_cores_are_errors_not_panics() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path());
    let core_path = dir.path().join("core");
    crash_and_dump(&exe, &core_path);
    let bytes = std::fs::read(&core_path).unwrap();
    let p = dir.path().join("bad");
    // Truncations at every interesting size, and random corruption of the headers and notes.
    for cut in [0, 10, 63, 64, 100, 200, 1000, 4096, 5000, bytes.len() / 2] {
        std::fs::write(&p, &bytes[..cut.min(bytes.len())]).unwrap();
        let _ = rewind_dump::read_core(&p);
    }
    let mut seed = 0x9e3779b97f4a7c15u64;
    for _ in 0..300 {
        let mut b = bytes[..8192.min(bytes.len())].to_vec();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % b.len() as u64) as usize;
            b[i] = (seed >> 32) as u8;
        }
        std::fs::write(&p, &b).unwrap();
        if let Ok(c) = rewind_dump::read_core(&p) {
            let mut buf = [0u8; 16];
            let _ = c.read_memory(c.threads[0].regs.rsp, &mut buf);
        }
    }
    std::fs::write(&p, b"not a core at all").unwrap();
    let e = rewind_dump::read_core(&p).unwrap_err();
    assert!(
        e.to_string().contains("not a usable x86-64 core file"),
        "{e}"
    );
}
