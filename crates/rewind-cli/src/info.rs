//! `rewind info`: what a trace holds.

use anyhow::{anyhow, Result};
use rewind_trace::{Event, EventReader, FileRef, FileStore, SyscallExtra, TraceError};
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
    /// CPUID was trapped and recorded while recording.
    pub cpuid_faulting: bool,
    /// The CPU the recorded processes were bound to.
    pub cpu_index: Option<u32>,
}

/// What the trace holds, and whether `files/` is complete and intact (every
/// copy read and checksummed).
fn summarize(dir: &Path) -> Result<TraceSummary> {
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
        cpuid_faulting: h.cpuid_faulting,
        cpu_index: h.cpu_index,
    };
    let mut tasks = BTreeSet::new();
    let mut threads_created = 0;
    // Files the events refer to, by blob name.
    let mut files: BTreeMap<String, FileRef> = BTreeMap::new();
    loop {
        match reader.next_event() {
            Ok(Some((n, ev))) => {
                s.events = n;
                note_files(&ev, &mut files);
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
    if let Err(e) = check_stored_files(dir, files.values()) {
        // The events' problem, if any, is reported first: it may explain this one.
        s.problem.get_or_insert(e.to_string());
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

/// Records the stored files `ev` refers to.
fn note_files(ev: &Event, files: &mut BTreeMap<String, FileRef>) {
    let mut note = |f: &FileRef| {
        files.entry(f.blob.clone()).or_insert_with(|| f.clone());
    };
    match ev {
        Event::Exec { exe, mappings, .. } => {
            note(exe);
            mappings
                .iter()
                .filter_map(|m| m.file.as_ref())
                .for_each(note);
        }
        Event::Syscall {
            extra: SyscallExtra::MapFile { file, .. },
            ..
        } => note(file),
        _ => {}
    }
}

/// `files/` is complete: every copy in its index is there, of its size, with its
/// checksum, and every file the events refer to is in the index.
fn check_stored_files<'a>(
    dir: &Path,
    refs: impl IntoIterator<Item = &'a FileRef>,
) -> Result<(), TraceError> {
    let store = FileStore::new(dir);
    let index = store.verify()?;
    store.verify_refs(refs, &index)
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
    // The description is printed either way; a problem also makes the exit
    // status non-zero, with one line on stderr.
    let result = match &s.problem {
        Some(p) => Err(anyhow!("{p}")),
        None => Ok(()),
    };
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
            "cpuid_faulting": s.cpuid_faulting,
            "cpu_index": s.cpu_index,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return result;
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
    let cpu = s.cpu_index.map_or("unbound".into(), |c| format!("CPU {c}"));
    if s.cpuid_faulting {
        println!("cpuid:      trapped and recorded; ran on {cpu}");
    } else {
        println!("cpuid:      not trappable on that CPU; ran on {cpu}, replays only there on the same CPU model");
    }
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
    result
}
