//! Reading a stopped process's state from ptrace and /proc.

use rewind_ptrace as pt;
use rewind_trace::Regs;
use std::io;

/// One thread as the core file shows it.
#[derive(Clone, Debug)]
pub struct ThreadState {
    pub tid: i32,
    pub name: String,
    pub regs: Regs,
    /// FXSAVE area (NT_PRFPREG).
    pub fpregs: [u8; 512],
    /// XSAVE area (NT_X86_XSTATE): AVX and later registers.
    pub xstate: Option<Vec<u8>>,
    pub sigpend: u64,
    pub sighold: u64,
    /// User and system CPU time, in clock ticks.
    pub utime: u64,
    pub stime: u64,
}

/// How much of a mapping goes into the core, as the kernel decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpPart {
    Whole,
    /// Only the ELF header page (gdb finds the build-id there).
    FirstPage,
    Nothing,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    /// File path, pseudo name (`[heap]`) or empty.
    pub path: String,
    pub dump: DumpPart,
}

impl Region {
    pub fn dumped_len(&self) -> u64 {
        match self.dump {
            DumpPart::Whole => self.end - self.start,
            DumpPart::FirstPage => (self.end - self.start).min(4096),
            DumpPart::Nothing => 0,
        }
    }

    pub fn is_file(&self) -> bool {
        self.path.starts_with('/')
    }
}

/// Everything a core file records about a process, except its memory.
#[derive(Clone, Debug)]
pub struct ProcessState {
    pub pid: i32,
    pub ppid: i32,
    pub pgrp: i32,
    pub sid: i32,
    pub uid: u32,
    pub gid: u32,
    pub comm: String,
    pub cmdline: Vec<String>,
    pub executable: String,
    /// Threads, the one that crashed (or that the dump is about) first:
    /// gdb makes the first one current.
    pub threads: Vec<ThreadState>,
    /// The signal the dump is for (0 for a snapshot) and its raw siginfo.
    pub signal: i32,
    pub siginfo: Option<[u8; 128]>,
    pub auxv: Vec<u8>,
    pub regions: Vec<Region>,
    /// Seconds the process had been running.
    pub process_uptime_secs: f64,
}

/// Reads one stopped thread.
pub fn capture_thread(tid: i32) -> io::Result<ThreadState> {
    let regs = pt::get_regs(tid)?;
    let fpregs = pt::get_fpregs(tid)?;
    let xstate = pt::get_xstate(tid).ok();
    let status = pt::ProcStatus::read(tid).unwrap_or_default();
    let hex = |name: &str| status.mask(name).unwrap_or(0);
    let (utime, stime) = cpu_times(tid);
    Ok(ThreadState {
        tid,
        name: read_trimmed(&format!("/proc/{tid}/comm")),
        regs,
        fpregs,
        xstate,
        sigpend: hex("SigPnd") | hex("ShdPnd"),
        sighold: hex("SigBlk"),
        utime,
        stime,
    })
}

/// Captures process `pid`. `threads` were read with [`capture_thread`] while
/// the process was stopped (first: the one the dump is about); `mem_pid` is
/// the process whose memory the core will hold: `pid` itself, still stopped,
/// or a copy-on-write fork of it. `signal`/`siginfo`: the crash, if any.
pub fn capture(
    pid: i32,
    mem_pid: i32,
    threads: Vec<ThreadState>,
    signal: i32,
    siginfo: Option<[u8; 128]>,
) -> io::Result<ProcessState> {
    let status = pt::ProcStatus::read(pid)?;
    let num = |name: &str| status.number(name).unwrap_or(0);
    let stat = stat_fields(pid);
    let (pgrp, sid) = (stat_field(&stat, 2), stat_field(&stat, 3));
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let filter = std::fs::read_to_string(format!("/proc/{pid}/coredump_filter"))
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
        .unwrap_or(0x33);
    let smaps = std::fs::read_to_string(format!("/proc/{mem_pid}/smaps"))?;
    Ok(ProcessState {
        pid,
        ppid: num("PPid") as i32,
        pgrp: pgrp as i32,
        sid: sid as i32,
        uid: num("Uid") as u32,
        gid: num("Gid") as u32,
        comm: read_trimmed(&format!("/proc/{pid}/comm")),
        cmdline,
        executable: std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        threads,
        signal,
        siginfo,
        auxv: std::fs::read(format!("/proc/{pid}/auxv")).unwrap_or_default(),
        regions: regions_from_smaps(&smaps, filter, |addr| {
            pt::read_mem(mem_pid, addr, 4).ok().as_deref() == Some(b"\x7fELF")
        }),
        process_uptime_secs: process_uptime(pid),
    })
}

/// Seconds since boot.
pub fn system_uptime() -> f64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim_end().to_string())
        .unwrap_or_default()
}

/// The fields of /proc/TID/stat after the command name (stat(5) field 3,
/// the state, is index 0); empty if the task is gone.
fn stat_fields(tid: i32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{tid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace().map(str::to_string).collect()
}

fn stat_field(fields: &[String], i: usize) -> i64 {
    fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// User and system CPU time of a task (or a whole process), in clock ticks.
pub fn cpu_times(tid: i32) -> (u64, u64) {
    let f = stat_fields(tid);
    (stat_field(&f, 11) as u64, stat_field(&f, 12) as u64)
}

/// Seconds process `pid` has been running (0 if it is gone).
pub fn process_uptime(pid: i32) -> f64 {
    let start = stat_field(&stat_fields(pid), 19);
    if start == 0 {
        return 0.0;
    }
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (system_uptime() - start as f64 / hz).max(0.0)
}

/// coredump_filter bits (core(5)).
const ANON_PRIVATE: u32 = 1 << 0;
const ANON_SHARED: u32 = 1 << 1;
const FILE_PRIVATE: u32 = 1 << 2;
const FILE_SHARED: u32 = 1 << 3;
const ELF_HEADERS: u32 = 1 << 4;
const HUGE_PRIVATE: u32 = 1 << 5;
const HUGE_SHARED: u32 = 1 << 6;

/// The process's mappings with the kernel's choice of what to dump
/// (fs/coredump.c vma_dump_size), decided from /proc/PID/smaps.
/// `is_elf(addr)` tells whether a file mapping starts with an ELF header.
pub fn regions_from_smaps(smaps: &str, filter: u32, is_elf: impl Fn(u64) -> bool) -> Vec<Region> {
    struct Pending {
        region: Region,
        anonymous_kb: u64,
        flags: Vec<String>,
    }
    let mut out = Vec::new();
    let mut cur: Option<Pending> = None;
    let finish = |p: Pending, out: &mut Vec<Region>| {
        if p.region.path == "[vsyscall]" {
            return;
        }
        let mut region = p.region;
        region.dump = decide(&region, p.anonymous_kb, &p.flags, filter, &is_elf);
        out.push(region);
    };
    for line in smaps.lines() {
        if let Some(region) = parse_header(line) {
            if let Some(p) = cur.take() {
                finish(p, &mut out);
            }
            cur = Some(Pending {
                region,
                anonymous_kb: 0,
                flags: Vec::new(),
            });
        } else if let Some(p) = cur.as_mut() {
            if let Some(v) = line.strip_prefix("Anonymous:") {
                p.anonymous_kb = v
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
            } else if let Some(v) = line.strip_prefix("VmFlags:") {
                p.flags = v.split_whitespace().map(str::to_string).collect();
            }
        }
    }
    if let Some(p) = cur.take() {
        finish(p, &mut out);
    }
    out
}

/// A mapping line of smaps (the same format as /proc/PID/maps).
fn parse_header(line: &str) -> Option<Region> {
    let m = pt::parse_maps_line(line)?;
    Some(Region {
        start: m.start,
        end: m.end,
        perms: m.perms,
        offset: m.offset,
        path: m.name,
        dump: DumpPart::Nothing,
    })
}

fn decide(
    r: &Region,
    anonymous_kb: u64,
    flags: &[String],
    filter: u32,
    is_elf: &impl Fn(u64) -> bool,
) -> DumpPart {
    let has = |f: &str| flags.iter().any(|x| x == f);
    let on = |bit: u32| filter & bit != 0;
    let whole_if = |c: bool| {
        if c {
            DumpPart::Whole
        } else {
            DumpPart::Nothing
        }
    };
    if r.path == "[vdso]" {
        return DumpPart::Whole;
    }
    if has("dd") || has("io") || has("pf") || !r.perms.starts_with('r') {
        return DumpPart::Nothing;
    }
    let shared = r.perms.as_bytes()[3] == b's';
    if has("ht") {
        return whole_if(on(if shared { HUGE_SHARED } else { HUGE_PRIVATE }));
    }
    if shared {
        // Shared memory with no name in the file system counts as anonymous.
        let anon = !r.is_file()
            || r.path.starts_with("/dev/zero")
            || r.path.starts_with("/SYSV")
            || r.path.starts_with("/memfd:")
            || r.path.ends_with("(deleted)");
        return whole_if(on(if anon { ANON_SHARED } else { FILE_SHARED }));
    }
    // Private memory the process has written (copy-on-write pages) is anonymous.
    if anonymous_kb > 0 && on(ANON_PRIVATE) {
        return DumpPart::Whole;
    }
    if !r.is_file() {
        return DumpPart::Nothing;
    }
    if on(FILE_PRIVATE) {
        return DumpPart::Whole;
    }
    if on(ELF_HEADERS) && r.offset == 0 && is_elf(r.start) {
        return DumpPart::FirstPage;
    }
    DumpPart::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 123 /usr/bin/prog
Anonymous:             0 kB
VmFlags: rd mr mw me sd
55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 123 /usr/bin/prog
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
55d0c0a04000-55d0c0a05000 rw-p 00003000 fe:01 123 /usr/bin/prog
Anonymous:             4 kB
VmFlags: rd wr mr mw me ac sd
55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0 [heap]
Anonymous:           132 kB
VmFlags: rd wr mr mw me ac sd
7f0000000000-7f0000001000 ---p 00000000 00:00 0
Anonymous:             0 kB
VmFlags: mr mw me sd
7f0000001000-7f0000002000 rw-s 00000000 00:01 77 /memfd:buf (deleted)
Anonymous:             0 kB
VmFlags: rd wr sh mr mw me ms sd
7f0000002000-7f0000003000 rw-p 00000000 00:00 0
Anonymous:             4 kB
VmFlags: rd wr mr mw me ac sd dd
7ffd00000000-7ffd00002000 r--p 00000000 00:00 0 [vvar]
Anonymous:             0 kB
VmFlags: rd mr pf io de dd sd
7ffd00002000-7ffd00004000 r-xp 00000000 00:00 0 [vdso]
Anonymous:             0 kB
VmFlags: rd ex mr mw me de sd
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
Anonymous:             0 kB
VmFlags: ex
";

    #[test]
    fn default_filter_keeps_written_memory_and_elf_headers_only() {
        let regions = regions_from_smaps(SMAPS, 0x33, |a| a == 0x55d0c0a00000);
        let parts: Vec<(u64, DumpPart)> = regions.iter().map(|r| (r.start, r.dump)).collect();
        assert_eq!(
            parts,
            vec![
                (0x55d0c0a00000, DumpPart::FirstPage),
                (0x55d0c0a01000, DumpPart::Nothing), // code comes from the file
                (0x55d0c0a04000, DumpPart::Whole),   // .data written
                (0x55d0c1000000, DumpPart::Whole),
                (0x7f0000000000, DumpPart::Nothing), // guard page
                (0x7f0000001000, DumpPart::Whole),   // memfd: anonymous shared
                (0x7f0000002000, DumpPart::Nothing), // MADV_DONTDUMP
                (0x7ffd00000000, DumpPart::Nothing), // vvar
                (0x7ffd00002000, DumpPart::Whole),   // vdso
            ]
        );
    }

    #[test]
    fn filter_bits_change_the_choice() {
        // Everything file-backed and private, no anonymous shared memory.
        let regions = regions_from_smaps(SMAPS, 0x05, |_| true);
        let dump = |start: u64| regions.iter().find(|r| r.start == start).unwrap().dump;
        assert_eq!(dump(0x55d0c0a01000), DumpPart::Whole);
        assert_eq!(dump(0x7f0000001000), DumpPart::Nothing);
        assert_eq!(dump(0x55d0c1000000), DumpPart::Whole);
    }

    #[test]
    fn garbage_smaps_gives_no_regions() {
        assert!(regions_from_smaps("hello\nworld 1-2\n\u{0}", 0x33, |_| true).is_empty());
    }
}
