//! Building a crash report: every thread's stack, symbolized, plus the
//! process's identity and modules.

use crate::signals;
use rewind_store::{Frame, ModuleReport, Report, ThreadReport};
use rewind_symbols::{Mapping, Memory, Registers, Symbolizer};
use rewind_trace::Regs;

/// Physical frames unwound per thread (deep recursion is cut here).
pub const MAX_FRAMES: usize = 64;

/// What the report is about, besides the stacks.
pub struct Event {
    pub reason: String,
    pub signal: Option<i32>,
    pub siginfo: Option<[u8; 128]>,
    pub pid: i32,
    pub executable: String,
    pub cmdline: Vec<String>,
    pub process_uptime_secs: f64,
    pub note: Option<String>,
}

/// One thread to unwind: id, name, registers.
pub struct ThreadRegs<'a> {
    pub tid: i32,
    pub name: &'a str,
    pub regs: &'a Regs,
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Builds the report; the first thread is the one the event is about.
pub fn build(
    event: Event,
    threads: &[ThreadRegs],
    mappings: &[Mapping],
    mem: &dyn Memory,
) -> Report {
    let mut sym = Symbolizer::new(mappings);
    let crashed = event.reason == "crash";
    let threads = threads
        .iter()
        .enumerate()
        .map(|(i, t)| ThreadReport {
            tid: t.tid,
            name: t.name.to_string(),
            crashed: crashed && i == 0,
            frames: sym
                .backtrace(
                    Registers {
                        rip: t.regs.rip,
                        rsp: t.regs.rsp,
                        rbp: t.regs.rbp,
                    },
                    mem,
                    MAX_FRAMES,
                )
                .into_iter()
                .map(convert)
                .collect(),
        })
        .collect();
    let modules: Vec<ModuleReport> = sym
        .modules()
        .into_iter()
        .map(|m| ModuleReport {
            path: m.path,
            start: m.start,
            end: m.end,
            build_id: m.build_id,
        })
        .collect();
    let build_id = modules
        .iter()
        .find(|m| m.path == event.executable)
        .and_then(|m| m.build_id.clone());
    let code = event
        .siginfo
        .map(|i| i32::from_le_bytes(i[8..12].try_into().unwrap()));
    let fault_address = match (event.signal, code, event.siginfo) {
        (Some(sig), Some(code), Some(info)) if signals::has_fault_address(sig, code) => {
            Some(u64::from_le_bytes(info[16..24].try_into().unwrap()))
        }
        _ => None,
    };
    Report {
        reason: event.reason,
        signal: event.signal,
        signal_name: event.signal.map(signals::name),
        signal_code: code,
        signal_code_name: match (event.signal, code) {
            (Some(s), Some(c)) => signals::code_name(s, c).map(str::to_string),
            _ => None,
        },
        fault_address,
        pid: event.pid,
        executable: event.executable,
        build_id,
        cmdline: event.cmdline,
        time: now_unix(),
        process_uptime_secs: event.process_uptime_secs,
        system_uptime_secs: rewind_dump::system_uptime(),
        threads,
        modules,
        note: event.note,
    }
}

fn convert(f: rewind_symbols::Frame) -> Frame {
    Frame {
        address: f.address,
        module: f.module,
        module_offset: f.module_offset,
        function: f.function,
        file: f.file,
        line: f.line,
        inlined: f.inlined,
    }
}

/// Memory of a live (stopped) process.
pub struct LiveMemory(pub std::fs::File);

impl LiveMemory {
    pub fn open(pid: i32) -> std::io::Result<LiveMemory> {
        std::fs::File::open(format!("/proc/{pid}/mem")).map(LiveMemory)
    }
}

impl Memory for LiveMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        use std::os::unix::fs::FileExt;
        self.0.read_exact_at(buf, addr).is_ok()
    }
}

/// The file mappings of a live process.
pub fn live_mappings(pid: i32) -> Vec<Mapping> {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .map(|t| rewind_symbols::mappings_from_proc_maps(&t))
        .unwrap_or_default()
}

/// One line for the terminal about a stored event: signal, where, stack top.
pub fn summary_line(r: &Report) -> String {
    let what = match (&r.signal_name, r.reason.as_str()) {
        (Some(s), "crash") => format!("crashed with {s}"),
        (_, reason) => format!("dumped ({reason} trigger)"),
    };
    let at = r
        .fault_address
        .map(|a| format!(" at address 0x{a:x}"))
        .unwrap_or_default();
    let top = r
        .threads
        .first()
        .and_then(|t| {
            t.frames.iter().find(|f| {
                f.function.is_some()
                    && !rewind_store::is_abort_machinery(f.function.as_deref().unwrap_or(""))
            })
        })
        .map(|f| {
            let loc = match (&f.file, f.line) {
                (Some(file), Some(line)) => format!(
                    " ({}:{line})",
                    std::path::Path::new(file)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
                _ => String::new(),
            };
            format!(" in {}{loc}", f.function.as_deref().unwrap_or("??"))
        })
        .unwrap_or_default();
    format!("process {} {what}{at}{top}", r.pid)
}
