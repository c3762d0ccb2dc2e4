//! Helpers: compile tests/data/stack.c, run it under ptrace until it stops, read its state.
#![allow(dead_code)]

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rewind_symbols::{mappings_from_proc_maps, Mapping, Memory, Registers};

pub const SOURCE: &str = include_str!("../data/stack.c");

pub fn source_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stack.c")
}

/// The 1-based line holding `marker` (exactly one line must).
pub fn line_of(marker: &str) -> u32 {
    let lines: Vec<usize> = SOURCE
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!("{marker} ")) || l.ends_with(marker))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "marker {marker} must be on exactly one line"
    );
    lines[0] as u32
}

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
}

/// Compiles stack.c with `-O1 -g` (no frame pointers, so unwinding needs the CFI) and
/// `extra` flags, once per `name`.
pub fn compile(name: &str, extra: &[&str]) -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = dir().join(name);
    if out.exists() {
        return out;
    }
    let tmp = dir().join(format!("{name}.tmp"));
    let status = Command::new("gcc")
        .args([
            "-O1",
            "-g",
            "-fomit-frame-pointer",
            "-Wl,--build-id=sha1",
            "-o",
        ])
        .arg(&tmp)
        .arg(source_path())
        .args(extra)
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc failed");
    std::fs::rename(&tmp, &out).unwrap();
    out
}

pub fn pie() -> PathBuf {
    compile("stack-pie", &["-fPIE", "-pie"])
}

pub fn no_pie() -> PathBuf {
    compile("stack-nopie", &["-fno-PIE", "-no-pie"])
}

/// Runs a tool, returns its stdout.
pub fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The address of a symbol as stated in the file (`nm`).
pub fn nm_address(prog: &Path, symbol: &str) -> u64 {
    let out = tool("nm", &[prog.to_str().unwrap()]);
    out.lines()
        .find_map(|l| {
            let mut f = l.split_whitespace();
            let (addr, _kind, name) = (f.next()?, f.next()?, f.next()?);
            (name == symbol).then(|| u64::from_str_radix(addr, 16).unwrap())
        })
        .unwrap_or_else(|| panic!("no symbol {symbol}"))
}

/// A traced process, killed on drop.
pub struct Stopped {
    child: std::process::Child,
    pub pid: i32,
    pub regs: Registers,
    pub maps: Vec<Mapping>,
    pub mem: ProcMem,
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct ProcMem(File);

impl Memory for ProcMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        self.0.read_exact_at(buf, addr).is_ok()
    }
}

fn wait_stop(pid: i32) -> i32 {
    let mut status = 0;
    let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
    assert_eq!(r, pid, "waitpid");
    assert!(
        libc::WIFSTOPPED(status),
        "child did not stop: status {status:#x}"
    );
    libc::WSTOPSIG(status)
}

/// Runs `prog MODE` under ptrace until it stops with `until` (SIGSTOP or SIGSEGV); other
/// signals are delivered.
pub fn run_until(prog: &Path, mode: &str, until: i32) -> Stopped {
    let mut cmd = Command::new(prog);
    cmd.arg(mode).stdin(Stdio::null()).stdout(Stdio::null());
    unsafe {
        cmd.pre_exec(|| {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as i32;
    let mut stopped = Stopped {
        child,
        pid,
        regs: Registers::default(),
        maps: Vec::new(),
        mem: ProcMem(File::open("/dev/null").unwrap()),
    };
    assert_eq!(wait_stop(pid), libc::SIGTRAP, "exec stop");
    let mut deliver = 0;
    loop {
        assert_eq!(
            unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, deliver) },
            0
        );
        let sig = wait_stop(pid);
        if sig == until {
            break;
        }
        deliver = sig;
    }
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, 0, &mut regs as *mut _) };
    assert_eq!(r, 0, "PTRACE_GETREGS");
    stopped.regs = Registers {
        rip: regs.rip,
        rsp: regs.rsp,
        rbp: regs.rbp,
    };
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    stopped.maps = mappings_from_proc_maps(&maps);
    stopped.mem = ProcMem(File::open(format!("/proc/{pid}/mem")).unwrap());
    stopped
}
