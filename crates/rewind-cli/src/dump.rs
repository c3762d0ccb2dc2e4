//! `rewind dump`: a trace's events, one per line, readable or as JSON Lines.
//!
//! Text: `EVENT TID KIND DESCRIPTION`, e.g.
//! `      42   31337 syscall  openat(AT_FDCWD, 0x7ffd5f2c1e30, O_RDONLY|O_CLOEXEC, 0) = 3`.
//! JSON: one object per line with `event`, `tid` (null for the end), `kind`,
//! `text` (the description above) and the event's raw fields.

use crate::constmem::ConstMemory;
use crate::decode::{errno_name, errno_of, signal_name, syscall_call, syscall_result};
use anyhow::Result;
use rewind_trace::{Event, EventReader, ForkKind, KernelWriteCause, SignalKind, SyscallExtra};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub fn run(dir: &Path, json: bool) -> Result<i32> {
    let mut reader = EventReader::open(dir)?;
    let mut memory = ConstMemory::new(dir);
    let out = std::io::stdout();
    let mut out = out.lock();
    // Events before damage are printed, then the damage is the error.
    while let Some((n, ev)) = reader.next_event()? {
        let (text, fields) = describe(&ev, &mut memory);
        memory.update(&ev);
        let line = if json {
            let mut obj = json!({
                "event": n,
                "tid": ev.tid(),
                "kind": ev.kind_name(),
                "text": text,
            });
            if let (Value::Object(obj), Value::Object(fields)) = (&mut obj, fields) {
                obj.extend(fields);
            }
            obj.to_string()
        } else {
            let tid = ev.tid().map_or("-".to_string(), |t| t.to_string());
            format!("{n:>8} {tid:>7} {:<8} {text}", ev.kind_name())
        };
        // A closed pipe (`rewind dump | head`) ends the dump quietly.
        if writeln!(out, "{line}").is_err() {
            return Ok(0);
        }
    }
    Ok(0)
}

fn describe(ev: &Event, memory: &mut ConstMemory) -> (String, Value) {
    let tid = ev.tid().unwrap_or(0);
    let mut string = |addr| memory.string(tid, addr);
    match ev {
        Event::Syscall {
            nr,
            args,
            result,
            writes,
            extra,
            ..
        } => {
            let mut text = format!(
                "{} = {}",
                syscall_call(*nr, args, &mut string),
                syscall_result(*nr, *result)
            );
            for w in writes {
                text.push_str(&format!(" [wrote {} bytes at {:#x}]", w.data.len(), w.addr));
            }
            let extra_json = match extra {
                SyscallExtra::None => Value::Null,
                SyscallExtra::CancelledForSignal => {
                    text.push_str(" (cancelled to deliver a signal; restarts)");
                    json!({"cancelled_for_signal": true})
                }
                SyscallExtra::Output { stream, data } => {
                    let stream = format!("{stream:?}").to_lowercase();
                    text.push_str(&format!(" [{} bytes to {stream}]", data.len()));
                    json!({"output": {"stream": stream, "bytes": data.len()}})
                }
                SyscallExtra::MapFile {
                    file,
                    offset,
                    shared,
                } => {
                    text.push_str(&format!(
                        " [maps {} at offset {offset:#x}{}]",
                        file.original,
                        if *shared { ", shared" } else { "" }
                    ));
                    json!({"maps": {"file": file.original, "copy": file.blob, "offset": offset, "shared": shared}})
                }
                SyscallExtra::MapBackedFile {
                    file,
                    offset,
                    backing,
                    private,
                    ..
                } => {
                    text.push_str(&format!(
                        " [maps {} at offset {offset:#x}{}, backing file {backing}]",
                        file.original,
                        if *private { "" } else { ", shared" }
                    ));
                    json!({"maps": {"file": file.original, "copy": file.blob, "offset": offset, "shared": !private, "backing": backing}})
                }
                SyscallExtra::SharedFileChanged {
                    backing,
                    size,
                    offset,
                    len,
                    ..
                } => {
                    text.push_str(&format!(
                        " [changes mapped file {backing} at {offset:#x}+{len:#x}, size {size}]"
                    ));
                    json!({"file_changed": {"backing": backing, "offset": offset, "len": len, "size": size}})
                }
                SyscallExtra::GrewFileMapping { file, offset } => {
                    text.push_str(&format!(
                        " [grows into {} at offset {offset:#x}]",
                        file.original
                    ));
                    json!({"grows_into": {"file": file.original, "offset": offset}})
                }
                SyscallExtra::ShmAttach {
                    shmid,
                    size,
                    contents,
                } => {
                    text.push_str(&format!(
                        " [attaches SysV segment {shmid}, {size} bytes{}]",
                        if contents.is_some() {
                            ", contents recorded"
                        } else {
                            ""
                        }
                    ));
                    json!({"shm_attach": {"shmid": shmid, "size": size, "contents_recorded": contents.is_some()}})
                }
            };
            let mut fields = json!({
                "name": rewind_syscalls::name(*nr),
                "nr": nr,
                "args": args,
                "result": result,
                "errno": errno_of(*result).map(errno_name),
                "writes": writes.iter().map(|w| json!({"addr": w.addr, "len": w.data.len()})).collect::<Vec<_>>(),
            });
            if let (Value::Object(f), Value::Object(e)) = (&mut fields, extra_json) {
                f.extend(e);
            }
            (text, fields)
        }
        Event::SyscallNoReturn { nr, args, .. } => (
            format!("{} (does not return)", syscall_call(*nr, args, &mut string)),
            json!({"name": rewind_syscalls::name(*nr), "nr": nr, "args": args}),
        ),
        Event::SyscallBlocked { nr, args, .. } => (
            format!(
                "{} blocked; other threads ran",
                syscall_call(*nr, args, &mut string)
            ),
            json!({"name": rewind_syscalls::name(*nr), "nr": nr, "args": args}),
        ),
        Event::NewTask {
            child, kind, flags, ..
        } => {
            let what = match kind {
                ForkKind::Fork => "fork",
                ForkKind::Vfork => "vfork",
                ForkKind::Clone if flags & libc::CLONE_THREAD as u64 != 0 => "thread",
                ForkKind::Clone => "clone",
            };
            (
                format!("{what} child {child} (flags {flags:#x})"),
                json!({"child": child, "how": what, "flags": flags}),
            )
        }
        Event::Exec {
            exe,
            regs,
            stack,
            mappings,
            ..
        } => {
            let argv = rewind_trace::catalog::argv_from_stack(stack, regs.rsp);
            let argv: Vec<String> = argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (
                format!(
                    "{} argv {:?} (entry {:#x}, stack {:#x}, {} mappings)",
                    exe.original,
                    argv,
                    regs.rip,
                    regs.rsp,
                    mappings.len()
                ),
                json!({"exe": exe.original, "copy": exe.blob, "argv": argv, "rip": regs.rip, "rsp": regs.rsp, "mappings": mappings.len()}),
            )
        }
        Event::Signal { signo, kind, .. } => {
            let how = match kind {
                SignalKind::Synchronous => "synchronous",
                SignalKind::Asynchronous => "asynchronous",
            };
            (
                format!("{} ({how})", signal_name(*signo)),
                json!({"signal": signal_name(*signo), "signo": signo, "how": how}),
            )
        }
        Event::Rdtsc { rip, tsc, aux, .. } => (
            match aux {
                Some(aux) => format!("rdtscp at {rip:#x} = {tsc} (aux {aux})"),
                None => format!("rdtsc at {rip:#x} = {tsc}"),
            },
            json!({"rip": rip, "tsc": tsc, "aux": aux}),
        ),
        Event::Cpuid {
            rip,
            leaf,
            subleaf,
            out,
            ..
        } => (
            format!(
                "cpuid at {rip:#x} leaf {leaf:#x}/{subleaf:#x} = {:#x} {:#x} {:#x} {:#x}",
                out[0], out[1], out[2], out[3]
            ),
            json!({"rip": rip, "leaf": leaf, "subleaf": subleaf, "out": out}),
        ),
        Event::Exit { status, .. } => {
            let text = match rewind_trace::catalog::ProcessExit::from_wait_status(*status) {
                rewind_trace::catalog::ProcessExit::Exited(code) => format!("exited with {code}"),
                rewind_trace::catalog::ProcessExit::Killed(sig) => {
                    format!("killed by {}", signal_name(sig))
                }
                rewind_trace::catalog::ProcessExit::Unknown => format!("wait status {status:#x}"),
            };
            (text, json!({"status": status}))
        }
        Event::Preempt { regs, .. } => (
            format!("preempted at {:#x} (stack {:#x})", regs.rip, regs.rsp),
            json!({"rip": regs.rip, "rsp": regs.rsp}),
        ),
        Event::KernelWrites { cause, writes, .. } => {
            // The cause's name in JSON, the text, and the other task involved.
            let (name, mut text, other) = match cause {
                KernelWriteCause::ThreadExit => (
                    "thread-exit",
                    "the kernel wrote at the thread's exit".to_string(),
                    None,
                ),
                KernelWriteCause::WrittenBy { writer } => (
                    "written-by",
                    format!("process {writer} wrote into this memory"),
                    Some(writer),
                ),
                KernelWriteCause::SharedWithDeadProcess { thread } => (
                    "shared-with-dead-process",
                    format!("the kernel wrote into memory shared with dying thread {thread}"),
                    Some(thread),
                ),
            };
            for w in writes {
                text.push_str(&format!(" [wrote {} bytes at {:#x}]", w.data.len(), w.addr));
            }
            (
                text,
                json!({
                    "cause": name,
                    "other_tid": other,
                    "writes": writes.iter().map(|w| json!({"addr": w.addr, "len": w.data.len()})).collect::<Vec<_>>(),
                }),
            )
        }
        Event::End(summary) => {
            let mut text = match summary.signal {
                Some(sig) => format!("recording ended: killed by {}", signal_name(sig)),
                None => format!("recording ended: exit code {}", summary.exit_code),
            };
            text.push_str(&format!(
                " after {:.1} ms",
                summary.duration_ns as f64 / 1e6
            ));
            if let Some(why) = &summary.aborted {
                text.push_str(&format!(" (stopped by rewind: {why})"));
            }
            (
                text,
                json!({"exit_code": summary.exit_code, "signal": summary.signal, "duration_ns": summary.duration_ns, "aborted": summary.aborted}),
            )
        }
        // Kinds added to the format later still show, raw.
        #[allow(unreachable_patterns)]
        other => (format!("{other:?}"), Value::Null),
    }
}
