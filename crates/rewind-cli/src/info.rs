//! `rewind info`: what a trace holds.

use anyhow::Result;
use rewind_trace::{Event, EventReader, TraceError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CLONE_THREAD: u64 = 0x10000;

pub struct TraceSummary {
    pub command: Vec<String>,
    pub program: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub processes: usize,
    /// Tasks (threads) in all processes.
    pub threads: usize,
    pub chaos_seed: Option<u64>,
    pub branch_counter: Option<String>,
    pub events: u64,
    pub counts: BTreeMap<&'static str, u64>,
    pub duration_ms: Option<f64>,
    pub trace_bytes: u64,
    pub mode: String,
    pub complete: bool,
    pub problem: Option<String>,
    pub aborted: Option<String>,
    pub cpu: String,
    pub kernel: String,
}

pub fn summarize(dir: &Path) -> Result<TraceSummary> {
    let mut reader = EventReader::open(dir)?;
    let h = reader.header().clone();
    let mut s = TraceSummary {
        command: h
            .argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
        program: h.program.clone(),
        exit_code: None,
        signal: None,
        processes: 0,
        threads: 0,
        chaos_seed: h.chaos_seed,
        branch_counter: h.branch_counter.clone(),
        events: 0,
        counts: BTreeMap::new(),
        duration_ms: None,
        trace_bytes: dir_size(dir),
        mode: h.mode.describe().to_string(),
        complete: false,
        problem: None,
        aborted: None,
        cpu: h.cpu_model.clone(),
        kernel: h.kernel.clone(),
    };
    let mut tasks = BTreeSet::new();
    let mut threads_created = 0;
    loop {
        match reader.next_event() {
            Ok(Some((n, ev))) => {
                s.events = n;
                if let Some(t) = ev.tid() {
                    tasks.insert(t);
                }
                if let Event::NewTask { flags, .. } = ev {
                    if flags & CLONE_THREAD != 0 {
                        threads_created += 1;
                    }
                }
                *s.counts.entry(ev.kind_name()).or_default() += 1;
                if let Event::End(sum) = ev {
                    s.complete = true;
                    s.exit_code = Some(sum.exit_code);
                    s.signal = sum.signal;
                    s.duration_ms = Some(sum.duration_ns as f64 / 1e6);
                    s.aborted = sum.aborted;
                }
            }
            Ok(None) => break,
            Err(e @ (TraceError::Truncated { .. } | TraceError::Corrupt { .. })) => {
                s.problem = Some(e.to_string());
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    s.counts.remove("end");
    // Every kind is listed, so scripts can read a count without checking for it.
    for kind in [
        "syscall", "signal", "exec", "new-task", "rdtsc", "cpuid", "exit", "blocked", "preempt",
    ] {
        s.counts.entry(kind).or_default();
    }
    s.threads = tasks.len();
    s.processes = tasks.len().saturating_sub(threads_created);
    Ok(s)
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let Ok(m) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            total += if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            };
        }
    }
    total
}

pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

pub fn show(dir: &Path, json: bool) -> Result<()> {
    let s = summarize(dir)?;
    if json {
        let v = serde_json::json!({
            "trace": dir.to_string_lossy(),
            "command": s.command,
            "program": s.program,
            "exit_code": s.exit_code,
            "signal": s.signal,
            "processes": s.processes,
            "threads": s.threads,
            "chaos_seed": s.chaos_seed,
            "branch_counter": s.branch_counter,
            "events": s.events,
            "event_counts": s.counts,
            "duration_ms": s.duration_ms,
            "trace_bytes": s.trace_bytes,
            "mode": s.mode,
            "complete": s.complete,
            "problem": s.problem,
            "aborted": s.aborted,
            "cpu": s.cpu,
            "kernel": s.kernel,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("trace:      {}", dir.display());
    println!("command:    {}", s.command.join(" "));
    match (s.exit_code, s.signal) {
        (_, Some(sig)) => println!("exit:       killed by signal {sig}"),
        (Some(c), None) => println!("exit:       {c}"),
        (None, _) => println!("exit:       unknown (recording incomplete)"),
    }
    println!("processes:  {} ({} threads)", s.processes, s.threads);
    let counts: Vec<String> = s.counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    println!("events:     {} ({})", s.events, counts.join(", "));
    if let Some(d) = s.duration_ms {
        println!("duration:   {:.1} ms", d);
    }
    println!("size:       {}", human_bytes(s.trace_bytes));
    match s.chaos_seed {
        Some(seed) => println!("mode:       {}, chaos scheduling (seed {seed})", s.mode),
        None => println!("mode:       {}", s.mode),
    }
    println!("recorded on: {} / Linux {}", s.cpu, s.kernel);
    println!(
        "counters:   {}",
        s.branch_counter
            .as_deref()
            .unwrap_or("no hardware branch counter (not needed)")
    );
    if let Some(a) = &s.aborted {
        println!("aborted:    {a}");
    }
    if let Some(p) = &s.problem {
        println!("problem:    {p}");
    }
    Ok(())
}

/// One line per event; syscalls by name, data abbreviated.
pub fn dump(dir: &Path) -> Result<()> {
    use std::io::Write;
    let mut reader = EventReader::open(dir)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    while let Some((n, ev)) = reader.next_event()? {
        let line = match &ev {
            Event::Syscall {
                tid,
                nr,
                args,
                result,
                writes,
                extra,
            } => {
                let bytes: usize = writes.iter().map(|w| w.data.len()).sum();
                let extra = match extra {
                    rewind_trace::SyscallExtra::None => String::new(),
                    rewind_trace::SyscallExtra::CancelledForSignal => {
                        " (cancelled to deliver a signal; restarts)".into()
                    }
                    rewind_trace::SyscallExtra::Output { stream, data } => {
                        format!(" output {stream:?} {} bytes", data.len())
                    }
                    rewind_trace::SyscallExtra::MapFile {
                        file,
                        offset,
                        shared,
                    } => format!(
                        " maps {} @{offset:#x}{}",
                        file.original,
                        if *shared { " shared" } else { "" }
                    ),
                    rewind_trace::SyscallExtra::MapBackedFile {
                        file,
                        offset,
                        backing,
                        private,
                        ..
                    } => format!(
                        " maps {} @{offset:#x}{} (file {backing})",
                        file.original,
                        if *private { "" } else { " shared" }
                    ),
                    rewind_trace::SyscallExtra::SharedFileChanged {
                        backing,
                        size,
                        offset,
                        len,
                        ..
                    } => {
                        format!(" changes shared file {backing} @{offset:#x}+{len:#x}, size {size}")
                    }
                    rewind_trace::SyscallExtra::GrewFileMapping { file, offset } => {
                        format!(" grows into {} @{offset:#x}", file.original)
                    }
                    rewind_trace::SyscallExtra::ShmAttach {
                        shmid,
                        size,
                        contents,
                    } => format!(
                        " attaches segment {shmid} ({size} bytes{})",
                        if contents.is_some() {
                            ", contents recorded"
                        } else {
                            ""
                        }
                    ),
                };
                format!("{tid} {}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {result} [{} writes, {bytes} bytes]{extra}", rewind_syscalls::name(*nr), args[0], args[1], args[2], args[3], args[4], args[5], writes.len())
            }
            Event::SyscallNoReturn { tid, nr, args } => format!(
                "{tid} {}({:#x}) (no return)",
                rewind_syscalls::name(*nr),
                args[0]
            ),
            Event::Exec {
                tid,
                exe,
                regs,
                mappings,
                ..
            } => format!(
                "{tid} exec {} (rip {:#x}, {} mappings)",
                exe.original,
                regs.rip,
                mappings.len()
            ),
            Event::Signal {
                tid, signo, kind, ..
            } => format!("{tid} signal {signo} {kind:?}"),
            Event::Exit { tid, status } => format!("{tid} exit status {status:#x}"),
            Event::SyscallBlocked { tid, nr, args } => format!(
                "{tid} {}({:#x}, {:#x}, {:#x}, ...) blocked; other threads run",
                rewind_syscalls::name(*nr),
                args[0],
                args[1],
                args[2]
            ),
            Event::Preempt { tid, regs, .. } => {
                format!("{tid} preempted at rip {:#x} rsp {:#x}", regs.rip, regs.rsp)
            }
            other => format!("{other:?}"),
        };
        if writeln!(out, "{n:>8} {line}").is_err() {
            break;
        }
    }
    Ok(())
}
