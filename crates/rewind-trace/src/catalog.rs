//! What a trace holds, as the command line shows it: its processes (`rewind ps`,
//! and the choices `rewind replay -p` offers), the files it refers to
//! (`rewind pack`), whether it is whole, and the traces of a trace directory
//! newest first (`rewind ls`).
//!
//! Everything here comes from one pass over the events, so a listing costs one
//! read of each trace and never replays anything.

use crate::event::{Event, FileRef, MemWrite, Summary, Tid};
use crate::format::{EventReader, Header, TraceError, EVENTS_FILE};
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// `clone` flag that makes the new task a thread of its creator's process.
const CLONE_THREAD: u64 = 0x10000;

/// Name of the symlink to the newest recording in a trace directory.
pub const LATEST_LINK: &str = "latest";

/// Whether a trace can be read to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceState {
    /// It ends with the recording's summary.
    Complete,
    /// Its events stop cleanly but the summary is missing: the recorder was killed
    /// between two chunks.
    Incomplete,
    /// The last chunk was cut short (the message says where).
    Truncated(String),
    /// A chunk fails its checks (the message says which and where).
    Corrupt(String),
}

impl TraceState {
    /// One word for listings: `complete`, `incomplete`, `truncated` or `corrupt`.
    pub fn name(&self) -> &'static str {
        match self {
            TraceState::Complete => "complete",
            TraceState::Incomplete => "incomplete",
            TraceState::Truncated(_) => "truncated",
            TraceState::Corrupt(_) => "corrupt",
        }
    }

    pub fn is_damaged(&self) -> bool {
        *self != TraceState::Complete
    }

    /// What is wrong, when something is.
    pub fn problem(&self) -> Option<&str> {
        match self {
            TraceState::Truncated(m) | TraceState::Corrupt(m) => Some(m),
            TraceState::Incomplete => Some("the recording has no end summary (rewind was killed)"),
            TraceState::Complete => None,
        }
    }
}

/// How a recorded process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessExit {
    Exited(i32),
    /// Killed by this signal.
    Killed(i32),
    /// The trace stops before the process ended.
    Unknown,
}

impl ProcessExit {
    /// Decodes a raw wait status.
    pub fn from_wait_status(status: i32) -> Self {
        let signal = status & 0x7f;
        if signal == 0 {
            ProcessExit::Exited((status >> 8) & 0xff)
        } else if signal != 0x7f {
            ProcessExit::Killed(signal)
        } else {
            ProcessExit::Unknown
        }
    }
}

/// One recorded process (threads are counted, not listed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: Tid,
    /// The recorded process that created it; None for the process rewind started.
    pub parent: Option<Tid>,
    /// The command line of its last exec (inherited from its parent if it never
    /// exec'd itself).
    pub argv: Vec<Vec<u8>>,
    /// Every executable it exec'd, in order (paths at record time).
    pub programs: Vec<String>,
    pub threads: usize,
    pub exit: ProcessExit,
}

impl ProcessInfo {
    /// The file name of the program it runs last, as `replay -p NAME` matches it.
    pub fn name(&self) -> String {
        self.programs
            .last()
            .map(|p| file_name(p))
            .or_else(|| {
                self.argv
                    .first()
                    .map(|a| file_name(&String::from_utf8_lossy(a)))
            })
            .unwrap_or_else(|| "?".into())
    }

    /// Whether `replay -p NAME` may pick this process: one of its execs ran a
    /// program whose file name is `name`.
    pub fn ran_program(&self, name: &str) -> bool {
        self.programs.iter().any(|p| file_name(p) == name)
    }
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// One pass over a trace: header, processes, referenced files, end state.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub header: Header,
    pub events: u64,
    /// In order of creation; the first is the one rewind started.
    pub processes: Vec<ProcessInfo>,
    /// Every file of `files/` the events refer to, once each, in order of first use.
    pub files: Vec<FileRef>,
    /// The recording's summary, when the trace is complete.
    pub end: Option<Summary>,
    pub state: TraceState,
}

impl Catalog {
    /// Reads the trace in `dir`. Damage after the header is reported in
    /// [`Catalog::state`] (with what was read before it); an unreadable header is an error.
    pub fn read(dir: &Path) -> Result<Catalog, TraceError> {
        let mut reader = EventReader::open(dir)?;
        let mut builder = Builder::default();
        let state = loop {
            match reader.next_event() {
                Ok(Some((n, ev))) => {
                    builder.events = n;
                    builder.add(ev);
                }
                Ok(None) if builder.end.is_some() => break TraceState::Complete,
                Ok(None) => break TraceState::Incomplete,
                Err(e @ TraceError::Truncated { .. }) => {
                    break TraceState::Truncated(e.to_string())
                }
                Err(e @ TraceError::Corrupt { .. }) => break TraceState::Corrupt(e.to_string()),
                Err(e) => return Err(e),
            }
        };
        Ok(Catalog {
            header: reader.header().clone(),
            events: builder.events,
            processes: builder.processes,
            files: builder.files,
            end: builder.end,
            state,
        })
    }

    /// Wall-clock duration of the recording, when the trace is complete.
    pub fn duration_ns(&self) -> Option<u64> {
        self.end.as_ref().map(|s| s.duration_ns)
    }

    /// The command as recorded, arguments joined by spaces (lossy for non-UTF-8).
    pub fn command_line(&self) -> String {
        join_argv(&self.header.argv)
    }
}

/// Arguments joined by spaces (lossy for non-UTF-8 bytes).
pub fn join_argv(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Builder {
    events: u64,
    processes: Vec<ProcessInfo>,
    /// Index in `processes` of each task's process.
    process_of: HashMap<Tid, usize>,
    files: Vec<FileRef>,
    blobs: HashSet<String>,
    end: Option<Summary>,
}

impl Builder {
    fn add(&mut self, ev: Event) {
        match ev {
            Event::Exec {
                tid,
                exe,
                regs,
                stack,
                mappings,
            } => {
                let index = self.process_index(tid);
                let process = &mut self.processes[index];
                process.argv = argv_from_stack(&stack, regs.rsp);
                process.programs.push(exe.original.clone());
                self.add_file(exe);
                for file in mappings.into_iter().filter_map(|m| m.file) {
                    self.add_file(file);
                }
            }
            Event::NewTask {
                tid, child, flags, ..
            } => {
                let creator = self.process_index(tid);
                if flags & CLONE_THREAD != 0 {
                    self.process_of.insert(child, creator);
                    self.processes[creator].threads += 1;
                } else {
                    let parent = &self.processes[creator];
                    let process = ProcessInfo {
                        pid: child,
                        parent: Some(parent.pid),
                        argv: parent.argv.clone(),
                        programs: Vec::new(),
                        threads: 1,
                        exit: ProcessExit::Unknown,
                    };
                    self.process_of.insert(child, self.processes.len());
                    self.processes.push(process);
                }
            }
            Event::Syscall {
                extra: crate::event::SyscallExtra::MapFile { file, .. },
                ..
            } => self.add_file(file),
            Event::Exit { tid, status } => {
                let index = self.process_index(tid);
                // A process's status is its main thread's (the kernel reports the
                // group's exit there); other threads' exits say nothing about it.
                if self.processes[index].pid == tid {
                    self.processes[index].exit = ProcessExit::from_wait_status(status);
                }
            }
            Event::End(summary) => self.end = Some(summary),
            _ => {}
        }
    }

    /// The process of task `tid`; a task seen for the first time without a
    /// creator is the process rewind started.
    fn process_index(&mut self, tid: Tid) -> usize {
        if let Some(&i) = self.process_of.get(&tid) {
            return i;
        }
        self.processes.push(ProcessInfo {
            pid: tid,
            parent: None,
            argv: Vec::new(),
            programs: Vec::new(),
            threads: 1,
            exit: ProcessExit::Unknown,
        });
        self.process_of.insert(tid, self.processes.len() - 1);
        self.processes.len() - 1
    }

    fn add_file(&mut self, file: FileRef) {
        if self.blobs.insert(file.blob.clone()) {
            self.files.push(file);
        }
    }
}

/// The argument strings of a new program's initial stack (recorded from its stack
/// pointer: argc, argv[], NULL, ...). Whatever does not decode is left out.
pub fn argv_from_stack(stack: &MemWrite, rsp: u64) -> Vec<Vec<u8>> {
    let data = &stack.data;
    let word = |addr: u64| -> Option<u64> {
        let off = usize::try_from(addr.checked_sub(stack.addr)?).ok()?;
        let bytes = data.get(off..off.checked_add(8)?)?;
        Some(u64::from_le_bytes(bytes.try_into().ok()?))
    };
    let string = |addr: u64| -> Option<Vec<u8>> {
        let off = usize::try_from(addr.checked_sub(stack.addr)?).ok()?;
        let rest = data.get(off..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        Some(rest[..len].to_vec())
    };
    let Some(argc) = word(rsp) else {
        return Vec::new();
    };
    // More arguments than the stack has words is a damaged stack, not a command.
    let argc = argc.min(data.len() as u64 / 8);
    (1..=argc)
        .map_while(|i| word(rsp + 8 * i).and_then(string))
        .collect()
}

/// Whether `dir` holds a rewind trace: an `events` file that starts like one (it
/// may be damaged further on, or newer than this rewind).
pub fn is_trace(dir: &Path) -> bool {
    if !dir.join(EVENTS_FILE).is_file() {
        return false;
    }
    !matches!(
        EventReader::open(dir),
        Err(TraceError::NotATrace(_) | TraceError::Io { .. })
    )
}

/// Bytes used by the files under `dir` (symlinks counted as links, not followed).
pub fn disk_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            total += if meta.is_dir() {
                disk_size(&entry.path())
            } else {
                meta.len()
            };
        }
    }
    total
}

/// One entry of a trace directory listing.
pub struct ListedTrace {
    /// Its name in the trace directory.
    pub name: String,
    pub path: PathBuf,
    /// `latest` points to it.
    pub latest: bool,
    /// When it was recorded (from its header; the directory's mtime if unreadable).
    pub started: Option<SystemTime>,
    pub size: u64,
    pub catalog: Result<Catalog, TraceError>,
}

/// The traces in trace directory `store`, newest first. Entries that are not
/// traces (no `events` file) are left out; damaged traces are listed.
pub fn list_traces(store: &Path) -> io::Result<Vec<ListedTrace>> {
    let latest = std::fs::read_link(store.join(LATEST_LINK))
        .ok()
        .and_then(|t| std::fs::canonicalize(store.join(t)).ok());
    let mut traces = Vec::new();
    for entry in std::fs::read_dir(store)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // The `latest` link and temporary files are not recordings of their own.
        if name == LATEST_LINK || name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        if !path.join(EVENTS_FILE).is_file() {
            continue;
        }
        let catalog = Catalog::read(&path);
        let started = match &catalog {
            Ok(c) => Some(
                SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(c.header.start_unix_ns),
            ),
            Err(_) => entry.metadata().and_then(|m| m.modified()).ok(),
        };
        traces.push(ListedTrace {
            latest: latest.is_some() && std::fs::canonicalize(&path).ok() == latest,
            name,
            size: disk_size(&path),
            path,
            started,
            catalog,
        });
    }
    traces.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| b.name.cmp(&a.name)));
    Ok(traces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_with(args: &[&[u8]]) -> (MemWrite, u64) {
        let base = 0x7fff_0000u64;
        let strings_at = 8 * (args.len() as u64 + 2);
        let mut words = vec![args.len() as u64];
        let mut strings = Vec::new();
        for a in args {
            words.push(base + strings_at + strings.len() as u64);
            strings.extend_from_slice(a);
            strings.push(0);
        }
        words.push(0);
        let mut data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        data.extend_from_slice(&strings);
        (MemWrite { addr: base, data }, base)
    }

    #[test]
    fn argv_is_read_from_the_initial_stack() {
        let (stack, rsp) = stack_with(&[b"/bin/echo", b"caf\xe9", b""]);
        assert_eq!(
            argv_from_stack(&stack, rsp),
            vec![b"/bin/echo".to_vec(), b"caf\xe9".to_vec(), Vec::new()]
        );
    }

    #[test]
    fn a_damaged_stack_gives_what_decodes() {
        let (mut stack, rsp) = stack_with(&[b"a", b"b"]);
        // argv[1] points outside the recorded stack.
        stack.data[16..24].copy_from_slice(&1u64.to_le_bytes());
        assert_eq!(argv_from_stack(&stack, rsp), vec![b"a".to_vec()]);
        assert!(argv_from_stack(&stack, rsp + 4096).is_empty());
    }

    #[test]
    fn wait_statuses_decode() {
        assert_eq!(
            ProcessExit::from_wait_status(3 << 8),
            ProcessExit::Exited(3)
        );
        assert_eq!(ProcessExit::from_wait_status(11), ProcessExit::Killed(11));
        assert_eq!(
            ProcessExit::from_wait_status(11 | 0x80),
            ProcessExit::Killed(11)
        );
        assert_eq!(ProcessExit::from_wait_status(0x137f), ProcessExit::Unknown);
    }
}
