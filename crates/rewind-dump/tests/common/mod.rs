//! A small crashing C program and a traced run of it that ends in a core
//! written by rewind-dump (shared by the gdb test and the fuzzer).

#![allow(dead_code)]

use rewind_ptrace as pt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const PROGRAM: &str = r#"
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

pub fn compile(dir: &Path) -> PathBuf {
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

pub fn line_of(marker: &str) -> usize {
    PROGRAM.lines().position(|l| l.contains(marker)).unwrap() + 1
}

/// One test at a time: wait(-1) in one test thread would take the stops of
/// another test's tracee, or its gcc (waitpid sees sibling threads' children).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `exe` traced until its SIGSEGV and writes a core of it to `core`.
/// Returns the crashing tid.
pub fn crash_and_dump(exe: &Path, core: &Path) -> i32 {
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
