//! `rewind`: record a program once, replay it exactly as often as needed.

mod constmem;
mod crashes;
mod debug;
mod decode;
mod dump;
mod info;
mod ls;
mod pack;
mod ps;
mod rm;
mod store;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rewind",
    version,
    about = "Record and replay Linux programs, exactly, without hardware counters"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program and record its execution.
    Record {
        /// Trace directory to create (default: a new directory in the trace store).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Vary thread scheduling at random while recording, to make races show;
        /// replay the trace of a failing run to debug it. An optional SEED
        /// repeats the same choices (where timing allows).
        #[arg(long, value_name = "SEED", num_args = 0..=1, default_missing_value = "0")]
        chaos: Option<u64>,
        /// Where asynchronous signals (timers, kill from other processes) are
        /// delivered: `exact` where they arrive, as natively (the default;
        /// replay finds each such point), or `boundaries` at the program's next
        /// syscall (free to replay; a loop that only a signal stops then hangs).
        #[arg(long, value_name = "MODE", default_value = "exact", value_parser = ["exact", "boundaries"])]
        signals: String,
        /// The program and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROGRAM"
        )]
        command: Vec<std::ffi::OsString>,
    },
    /// Replay a recording: in gdb (the default), for another debugger (--serve),
    /// or straight to the end (--autopilot).
    Replay {
        /// Replay to the end without a debugger, reprinting the program's output.
        #[arg(long, conflicts_with_all = ["serve", "debugger"])]
        autopilot: bool,
        /// Only serve the gdb remote protocol on HOST:PORT (for IDEs, or `target remote`).
        #[arg(long, value_name = "HOST:PORT")]
        serve: Option<String>,
        /// The gdb to run (default: gdb from PATH).
        #[arg(long, value_name = "PATH")]
        debugger: Option<PathBuf>,
        /// The recorded process to debug: a pid, or the name of the program it ran
        /// (default: the first process).
        #[arg(short = 'p', long = "process", value_name = "PID|NAME")]
        process: Option<String>,
        #[command(flatten)]
        session: debug::SessionFlags,
        /// Trace directory (default: the latest recording).
        trace: Option<PathBuf>,
        /// Arguments passed on to gdb (after `--`).
        #[arg(last = true, value_name = "GDB_ARGS")]
        gdb_args: Vec<std::ffi::OsString>,
    },
    /// Describe a recording.
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Trace directory (default: the latest recording).
        trace: Option<PathBuf>,
    },
    /// List the recordings in the trace store, newest first: when, how long,
    /// size, command and whether the trace is damaged.
    Ls {
        /// Print a JSON array (one object per trace) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a trace's events, one per line: event number, thread, kind, and
    /// syscalls decoded as `openat(AT_FDCWD, 0x7ffd..., O_RDONLY) = 3`.
    Dump {
        /// Print JSON Lines: one object per event with `event`, `tid`, `kind`,
        /// `text` and the event's raw fields.
        #[arg(long)]
        json: bool,
        /// Trace directory (default: the latest recording).
        trace: Option<PathBuf>,
    },
    /// List the processes of a recording: pid, parent, exit status or killing
    /// signal, threads and the command line of its last exec.
    Ps {
        /// Print a JSON array (one object per process) instead of a table.
        #[arg(long)]
        json: bool,
        /// Trace directory (default: the latest recording).
        trace: Option<PathBuf>,
    },
    /// Delete a recording (`latest` then points to the newest one left).
    Rm {
        /// Trace directory, or the name of a trace in the trace store.
        trace: PathBuf,
    },
    /// Copy into a recording every file it refers to, so it can be moved to
    /// another machine and replayed there.
    Pack {
        /// Trace directory (default: the latest recording).
        trace: Option<PathBuf>,
    },
    /// Watch a program at full speed; on a crash (or a trigger) store a core
    /// dump and a symbolized report of every thread. Exits with the program's status.
    Monitor(crashes::MonitorArgs),
    /// Dump a running process now, pausing it only for a copy-on-write fork.
    Snapshot {
        /// The process to dump (all its threads).
        #[arg(long, value_name = "PID")]
        pid: i32,
        #[command(flatten)]
        store: crashes::StoreArgs,
        /// Print nothing when the snapshot is stored (errors still are).
        #[arg(short, long)]
        quiet: bool,
    },
    /// The crash store: list, inspect, debug and export crashes.
    Crashes {
        #[command(flatten)]
        store: crashes::StoreArgs,
        #[command(subcommand)]
        command: crashes::CrashesCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("rewind: {}", one_line(&e));
            ExitCode::from(error_code(&e))
        }
    }
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}

fn error_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<ProgramNotFound>().is_some() {
        127
    } else if let Some(r) = e.downcast_ref::<rewind_replay::ReplayError>() {
        r.exit_code()
    } else {
        1
    }
}

/// The program to record cannot be found or executed (exit status 127, like a shell).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ProgramNotFound(pub(crate) String);

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Record {
            output,
            chaos,
            signals,
            command,
        } => record(output, chaos, signals == "exact", command),
        Command::Replay {
            autopilot,
            serve,
            debugger,
            process,
            session,
            trace,
            gdb_args,
        } => {
            // A typo in the address is reported before anything else.
            if let Some(addr) = &serve {
                debug::parse_serve_address(addr)?;
            }
            let dir = store::resolve_trace(trace)?;
            if !autopilot {
                return debug::run(&dir, serve, debugger, process, session, gdb_args);
            }
            let outcome = rewind_replay::autopilot(&dir)?;
            if let Some(why) = outcome.aborted {
                eprintln!(
                    "rewind: note: the recording was stopped early ({why}); replayed all it holds"
                );
            }
            Ok(if outcome.complete { 0 } else { 1 })
        }
        Command::Info { json, trace } => {
            let dir = store::resolve_trace(trace)?;
            info::show(&dir, json)?;
            Ok(0)
        }
        Command::Dump { json, trace } => dump::run(&store::resolve_trace(trace)?, json),
        Command::Ps { json, trace } => ps::run(&store::resolve_trace(trace)?, json),
        Command::Rm { trace } => rm::run(trace),
        Command::Pack { trace } => pack::run(&store::resolve_trace(trace)?),
        Command::Monitor(args) => crashes::monitor(args),
        Command::Snapshot { pid, store, quiet } => crashes::snapshot(pid, store, quiet),
        Command::Crashes { store, command } => crashes::crashes(command, store),
        Command::Ls { json } => ls::run(json),
    }
}

/// Exit status of `rewind record` when rewind had to stop the program (EX_SOFTWARE).
const RECORDING_ABORTED: i32 = 70;

fn record(
    output: Option<PathBuf>,
    chaos: Option<u64>,
    exact_signals: bool,
    command: Vec<std::ffi::OsString>,
) -> Result<i32> {
    let program = rewind_record::resolve_program(&command[0].to_string_lossy())
        .map_err(|e| anyhow::Error::new(ProgramNotFound(e.to_string())))?;
    let (trace_dir, in_store) = match output {
        Some(dir) => {
            store::check_new_dir(&dir)?;
            (dir, false)
        }
        None => (store::new_trace_dir(&command[0].to_string_lossy())?, true),
    };
    let opts = rewind_record::RecordOptions {
        program,
        argv: command,
        trace_dir: trace_dir.clone(),
        // Seed 0 (no seed given) means a fresh one.
        chaos_seed: chaos.map(|s| {
            if s != 0 {
                s
            } else {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            }
        }),
        exact_signals,
    };
    let outcome = rewind_record::record(&opts)
        .with_context(|| format!("recording into {}", trace_dir.display()))?;
    if in_store {
        store::set_latest(&trace_dir)?;
    }
    if let Some(why) = outcome.aborted {
        eprintln!("rewind: {why} (trace kept in {})", trace_dir.display());
        // The program did not end by itself: rewind's own status, not the SIGKILL
        // it used to stop the program.
        return Ok(RECORDING_ABORTED);
    }
    Ok(outcome.exit_code)
}
