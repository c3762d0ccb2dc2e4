//! `rewind crashes ingest`: the kernel's core_pattern pipe handler. The
//! kernel runs it for every crash on the machine, with the core on stdin and
//! the crashed process still present in /proc until the handler is done.

use crate::report::{self, Event, ThreadRegs};
use crate::MonitorError;
use rewind_store::{AddOutcome, Store, StoreOptions};
use rewind_symbols::Mapping;
use std::io::Read;
use std::path::Path;

/// What the kernel tells the handler (core(5) % specifiers).
#[derive(Clone, Debug, Default)]
pub struct KernelArgs {
    /// %P: pid in the initial namespace.
    pub pid: Option<i32>,
    /// %s: signal number.
    pub signal: Option<i32>,
    /// %E: executable path with '/' written as '!'.
    pub exe: Option<String>,
}

/// Reads a core from `input` into the store. The core is copied to the
/// store's incoming directory first (the kernel's pipe cannot be re-read).
pub fn ingest(
    store: &mut Store,
    input: &mut dyn Read,
    args: &KernelArgs,
    options: &StoreOptions,
) -> Result<AddOutcome, MonitorError> {
    let dir = crate::incoming_dir(store.root())?;
    let path = dir.join(format!(
        "{}-ingest-{}.core",
        std::process::id(),
        args.pid.unwrap_or(0)
    ));
    let copy = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        std::io::copy(input, &mut f)?;
        use std::io::Write;
        f.flush()
    })();
    if let Err(e) = copy {
        let _ = std::fs::remove_file(&path);
        return Err(MonitorError::Io(format!(
            "saving the core from stdin into {}: {e}",
            dir.display()
        )));
    }
    let result = ingest_file(store, &path, args, options);
    let _ = std::fs::remove_file(&path);
    result
}

/// Stores the core file at `path` with a report made from it.
pub fn ingest_file(
    store: &mut Store,
    path: &Path,
    args: &KernelArgs,
    options: &StoreOptions,
) -> Result<AddOutcome, MonitorError> {
    let core = rewind_dump::read_core(path)
        .map_err(|e| MonitorError::Io(format!("{}: {e}", path.display())))?;
    let pid = args.pid.unwrap_or(core.pid);
    // While the handler runs the kernel keeps the process: /proc still
    // knows its executable and arguments. Otherwise the core's own notes.
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .or_else(|| args.exe.as_ref().map(|e| e.replace('!', "/")))
        .or_else(|| {
            core.files
                .iter()
                .find(|f| f.offset == 0)
                .map(|f| f.path.clone())
        })
        .unwrap_or_else(|| core.comm.clone());
    let cmdline: Vec<String> = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .map(|b| {
            b.split(|&c| c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| core.psargs.split(' ').map(str::to_string).collect());
    let mappings: Vec<Mapping> = core
        .files
        .iter()
        .map(|f| Mapping {
            start: f.start,
            end: f.end,
            offset: f.offset,
            path: f.path.clone(),
            executable: core.is_executable(f.start),
        })
        .collect();
    let names: Vec<String> = core
        .threads
        .iter()
        .map(|t| {
            std::fs::read_to_string(format!("/proc/{pid}/task/{}/comm", t.tid))
                .map(|s| s.trim_end().to_string())
                .unwrap_or_else(|_| core.comm.clone())
        })
        .collect();
    let threads: Vec<ThreadRegs> = core
        .threads
        .iter()
        .zip(&names)
        .map(|(t, n)| ThreadRegs {
            tid: t.tid,
            name: n,
            regs: &t.regs,
        })
        .collect();
    let signal = args.signal.or((core.signal != 0).then_some(core.signal));
    let mem = |addr: u64, buf: &mut [u8]| core.read_memory(addr, buf);
    let report = report::build(
        Event {
            reason: "crash".into(),
            signal,
            siginfo: core.siginfo,
            pid,
            executable: exe,
            cmdline,
            process_uptime_secs: rewind_dump::process_uptime(pid),
            note: None,
        },
        &threads,
        &mappings,
        &mem,
    );
    Ok(store.add(&report, Some(path), options)?)
}
