//! `rewind ps`: every process of a recording, with its parent, how it ended and
//! the command line of its last exec.

use crate::decode::signal_name;
use anyhow::Result;
use rewind_trace::catalog::{join_argv, Catalog, ProcessExit, ProcessInfo};
use serde_json::json;
use std::path::Path;

pub fn run(dir: &Path, json: bool) -> Result<i32> {
    let catalog = Catalog::read(dir)?;
    if json {
        let rows: Vec<_> = catalog
            .processes
            .iter()
            .map(|p| {
                let (exit_code, signal) = match p.exit {
                    ProcessExit::Exited(c) => (Some(c), None),
                    ProcessExit::Killed(s) => (None, Some(signal_name(s))),
                    ProcessExit::Unknown => (None, None),
                };
                json!({
                    "pid": p.pid,
                    "ppid": p.parent,
                    "exit_code": exit_code,
                    "signal": signal,
                    "threads": p.threads,
                    "name": p.name(),
                    "command": p.argv.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>(),
                    "programs": p.programs,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{:>8} {:>8} {:<12} {:>7}  COMMAND",
            "PID", "PPID", "EXIT", "THREADS"
        );
        for p in &catalog.processes {
            println!(
                "{:>8} {:>8} {:<12} {:>7}  {}",
                p.pid,
                p.parent.map_or("-".into(), |pp| pp.to_string()),
                exit_text(p.exit),
                p.threads,
                join_argv(&p.argv)
            );
        }
    }
    if let Some(problem) = catalog.state.problem() {
        eprintln!("rewind: note: {problem}; processes after that point are not listed");
    }
    Ok(0)
}

/// `0`, `SIGSEGV`, or `running` when the trace ends before the process did.
fn exit_text(exit: ProcessExit) -> String {
    match exit {
        ProcessExit::Exited(code) => code.to_string(),
        ProcessExit::Killed(sig) => signal_name(sig),
        ProcessExit::Unknown => "running".into(),
    }
}

/// For `replay -p`: the recorded processes as `PID (NAME)`, for messages that
/// say which choices exist.
pub fn choices(processes: &[ProcessInfo]) -> String {
    processes
        .iter()
        .map(|p| format!("{} ({})", p.pid, p.name()))
        .collect::<Vec<_>>()
        .join(", ")
}
