//! `rewind monitor`, `rewind snapshot` and `rewind crashes ...`: the crash
//! monitor's command line over rewind-monitor and rewind-store.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use rewind_monitor::ingest::KernelArgs;
use rewind_monitor::{Limits, Options, Target, Triggers};
use rewind_store::{CrashSummary, Filter, Kind, Store, StoreError, StoreOptions};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Clone, Debug)]
pub struct StoreArgs {
    /// Crash store directory (default: $REWIND_STORE, else ~/.local/share/rewind/crashes).
    #[arg(long, value_name = "DIR", global = true)]
    pub store: Option<PathBuf>,
}

impl StoreArgs {
    fn root(&self) -> Result<PathBuf> {
        match &self.store {
            Some(p) => Ok(p.clone()),
            None => Ok(Store::default_root()?),
        }
    }
}

#[derive(Args, Clone, Debug)]
pub struct LimitArgs {
    /// Disk space the store's dumps may use (e.g. 2G); a dump beyond it is not kept.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub quota: Option<u64>,
    /// Dumps the store keeps of this program (its executable), counted across
    /// monitor runs since this N was first given; later crashes keep their stacks only.
    #[arg(long, value_name = "N")]
    pub max_dumps: Option<u64>,
    /// Ignore events before this time (epoch seconds, HH:MM[:SS], YYYY-MM-DDTHH:MM[:SS], +DURATION).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub start: Option<i64>,
    /// Stop monitoring at this time and leave the program running.
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "duration")]
    pub stop: Option<i64>,
    /// Stop monitoring after this long (e.g. 30s, 10m, 2h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Seconds between two dumps of this program, across monitor runs (ProcDump's default: 10).
    #[arg(long, value_name = "SECS", default_value_t = rewind_monitor::limits_default_spacing())]
    pub min_spacing: u64,
    /// Prune crashes older than this from the store (default 15 days).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retention: Option<Duration>,
}

#[derive(Args, Clone, Debug)]
pub struct TriggerArgs {
    /// Dump when the process uses more than PCT percent of a CPU...
    #[arg(long, value_name = "PCT")]
    pub cpu: Option<f64>,
    /// ...for this long (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub cpu_for: Duration,
    /// Dump when its resident memory reaches SIZE (e.g. 512M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory: Option<u64>,
    /// Dump when it has N threads or more.
    #[arg(long, value_name = "N")]
    pub threads: Option<u64>,
    /// Dump when it has N open file descriptors or more.
    #[arg(long, value_name = "N")]
    pub fds: Option<u64>,
    /// Dump when this signal arrives (then deliver it); repeatable.
    #[arg(long = "signal", value_name = "SIG", value_parser = parse_signal)]
    pub signals: Vec<i32>,
    /// How often CPU, memory, threads and fds are sampled, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub poll_ms: u64,
}

#[derive(Args, Debug)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub triggers: TriggerArgs,
    /// Attach to this running process (all its threads).
    #[arg(long, value_name = "PID", conflicts_with_all = ["name", "command"])]
    pub pid: Option<i32>,
    /// Wait for a process with this name to start, then attach to it.
    #[arg(long, value_name = "NAME", conflicts_with = "command")]
    pub name: Option<String>,
    /// Print nothing when crashes are stored.
    #[arg(short, long)]
    pub quiet: bool,
    /// The program to start and its arguments.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROGRAM [ARGS]..."
    )]
    pub command: Vec<OsString>,
}

/// Which crash a command is about, as coredumpctl users name one.
const SELECTOR_HELP: &str = "The crash: its ID, `last` (the newest, the default), a pid \
(the newest crash of that pid; `pid=N` when N is also an ID) or a program's name or path \
(its newest crash)";

#[derive(Subcommand, Debug)]
pub enum CrashesCommand {
    /// List stored crashes, snapshots and trigger dumps, oldest first.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// Only crashes since TIME (as for --start) or DURATION ago (e.g. 2h).
        #[arg(long, value_name = "TIME|DURATION", value_parser = parse_since)]
        since: Option<i64>,
        /// Only this group (see `rewind crashes groups`).
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        /// Only this executable (path or file name).
        #[arg(long, value_name = "EXE")]
        executable: Option<String>,
        /// Only real crashes, snapshots (`rewind snapshot`) or trigger dumps.
        #[arg(long, value_name = "crash|snapshot|trigger", value_parser = parse_kind)]
        kind: Option<Kind>,
        /// Only the N newest.
        #[arg(short = 'n', long, value_name = "N")]
        limit: Option<usize>,
        /// Newest first.
        #[arg(short, long)]
        reverse: bool,
    },
    /// Show one crash: signal, every thread's stack, modules.
    Info {
        #[arg(value_name = "ID|last|PID|PROGRAM", help = SELECTOR_HELP)]
        selector: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open a crash's dump in gdb with its executable.
    Debug {
        #[arg(value_name = "ID|last|PID|PROGRAM", help = SELECTOR_HELP)]
        selector: Option<String>,
        /// The gdb to run (default: gdb from PATH).
        #[arg(long, value_name = "PATH")]
        debugger: Option<PathBuf>,
        /// Arguments passed on to gdb (after `--`).
        #[arg(last = true, value_name = "GDB_ARGS")]
        gdb_args: Vec<OsString>,
    },
    /// Write a crash's core file (uncompressed) to FILE.
    Dump {
        #[arg(value_name = "ID|last|PID|PROGRAM", help = SELECTOR_HELP)]
        selector: Option<String>,
        /// The file to write (replaced if it exists).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Remove crashes (their reports and dumps) from the store.
    Rm {
        /// The crashes to remove, each named as for `info` (ID, last, PID or PROGRAM).
        #[arg(value_name = "ID|last|PID|PROGRAM", required = true)]
        selectors: Vec<String>,
    },
    /// Crash groups: same signal and top frames.
    Groups {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Store a core read from stdin (the kernel's core_pattern pipe handler).
    Ingest {
        /// %P: pid of the crashed process.
        #[arg(long, value_name = "PID")]
        pid: Option<i32>,
        /// %s: the signal number.
        #[arg(long, value_name = "SIG")]
        signal: Option<i32>,
        /// %E: the executable path, '/' written as '!'.
        #[arg(long, value_name = "PATH")]
        exe: Option<String>,
        /// %u: the crashed process's uid (run as root: a user's crash goes to
        /// a store of theirs inside --store, readable by them alone).
        #[arg(long, value_name = "UID")]
        uid: Option<u32>,
        /// %g: the crashed process's gid.
        #[arg(long, value_name = "GID")]
        gid: Option<u32>,
        /// Disk space the store's dumps may use (e.g. 2G); a dump beyond it is not kept.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        quota: Option<u64>,
    },
    /// Make the kernel hand every crash on this machine to `rewind crashes ingest`
    /// (writes /proc/sys/kernel/core_pattern; the previous value is kept for --uninstall).
    InstallHandler {
        /// Restore the core_pattern that was there before.
        #[arg(long)]
        uninstall: bool,
    },
}

pub fn monitor(args: MonitorArgs) -> Result<i32> {
    let target = if let Some(pid) = args.pid {
        Target::Pid(pid)
    } else if let Some(name) = args.name.clone() {
        Target::Name(name)
    } else if let Some(prog) = args.command.first() {
        let program = rewind_record::resolve_program(&prog.to_string_lossy())
            .map_err(|e| anyhow::Error::new(crate::ProgramNotFound(e.to_string())))?;
        Target::Spawn {
            program,
            argv: args.command.clone(),
        }
    } else {
        bail!("nothing to monitor: give -- PROGRAM [ARGS], --pid PID or --name NAME");
    };
    let opts = options(&args.store, &args.limits, &args.triggers, !args.quiet)?;
    let outcome = rewind_monitor::monitor(target, opts)?;
    Ok(outcome.exit_code())
}

pub fn snapshot(pid: i32, store: StoreArgs, quiet: bool) -> Result<i32> {
    // One dump on demand: no triggers, no limits to apply.
    let opts = Options {
        store: store.root()?,
        store_options: StoreOptions::default(),
        limits: Limits::default(),
        triggers: Triggers::default(),
        poll: Duration::from_secs(1),
        verbose: false,
    };
    let (outcome, stats) = rewind_monitor::snapshot(pid, opts)?;
    if !quiet {
        println!(
            "snapshot of process {pid} stored as crash {} ({} threads, {}, paused {:.1} ms{})",
            outcome.id,
            stats.threads,
            if outcome.dump_kept {
                format!("dump {}", rewind_store::human_bytes(outcome.core_bytes))
            } else {
                outcome.note.clone().unwrap_or_default()
            },
            stats.pause.as_secs_f64() * 1000.0,
            if stats.forked {
                ", copy-on-write fork"
            } else {
                ""
            }
        );
    }
    Ok(0)
}

fn options(store: &StoreArgs, l: &LimitArgs, t: &TriggerArgs, verbose: bool) -> Result<Options> {
    let now = rewind_monitor::report::now_unix();
    Ok(Options {
        store: store.root()?,
        store_options: StoreOptions {
            quota_bytes: l.quota,
            ..StoreOptions::default()
        },
        limits: Limits {
            max_dumps: l.max_dumps,
            start: l.start,
            stop: l
                .stop
                .or(l.duration.map(|d| now + d.as_secs().max(1) as i64)),
            min_spacing_secs: l.min_spacing,
            retention_secs: l
                .retention
                .map(|d| d.as_secs() as i64)
                .unwrap_or(Limits::default().retention_secs),
        },
        triggers: Triggers {
            cpu_percent: t.cpu,
            cpu_duration: t.cpu_for,
            memory_bytes: t.memory,
            threads: t.threads,
            fds: t.fds,
            signals: t.signals.clone(),
        },
        poll: Duration::from_millis(t.poll_ms.max(10)),
        verbose,
    })
}

pub fn crashes(cmd: CrashesCommand, store_args: StoreArgs) -> Result<i32> {
    let root = store_args.root()?;
    match cmd {
        CrashesCommand::InstallHandler { uninstall } => install_handler(&root, uninstall),
        CrashesCommand::Ingest {
            pid,
            signal,
            exe,
            uid,
            gid,
            quota,
        } => ingest(
            &root,
            KernelArgs {
                pid,
                signal,
                exe,
                uid,
                gid,
            },
            quota,
        ),
        CrashesCommand::List {
            json,
            since,
            group,
            executable,
            kind,
            limit,
            reverse,
        } => {
            let store = open_for_reading(&root)?;
            let mut list = store.list(&Filter {
                since,
                group,
                executable,
                kind,
                ..Filter::default()
            })?;
            if let Some(n) = limit {
                list.drain(..list.len().saturating_sub(n));
            }
            if reverse {
                list.reverse();
            }
            print_list(&store, &list, json)?;
            Ok(0)
        }
        CrashesCommand::Info { selector, json } => {
            let store = open_for_reading(&root)?;
            let id = select(&store, selector.as_deref())?;
            let crash = store.get(id)?.ok_or(StoreError::NoSuchCrash {
                root: store.root().to_path_buf(),
                id,
            })?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "id": crash.summary.id,
                        "kind": crash.summary.kind(),
                        "group": crash.summary.group,
                        "signature": crash.summary.signature,
                        "dump": crash.summary.dump,
                        "report": crash.report,
                    }))?
                );
            } else {
                print!("{}", crash.render());
            }
            Ok(0)
        }
        CrashesCommand::Debug {
            selector,
            debugger,
            gdb_args,
        } => {
            let store = open_for_reading(&root)?;
            let id = select(&store, selector.as_deref())?;
            debug(&store, id, debugger, gdb_args)
        }
        CrashesCommand::Dump { selector, output } => {
            let store = open_for_reading(&root)?;
            let id = select(&store, selector.as_deref())?;
            let n = store.export_dump(id, &output)?;
            eprintln!(
                "wrote crash {id}'s core ({}) to {}",
                rewind_store::human_bytes(n),
                output.display()
            );
            Ok(0)
        }
        CrashesCommand::Rm { selectors } => {
            let mut store = open_for_reading(&root)?;
            // All named first: a typo in the last one removes nothing.
            let mut ids = Vec::new();
            for sel in &selectors {
                let id = select(&store, Some(sel))?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            for id in ids {
                store.remove(id)?;
                eprintln!("removed crash {id}");
            }
            Ok(0)
        }
        CrashesCommand::Groups { json } => {
            let store = open_for_reading(&root)?;
            print_groups(&store, json)?;
            Ok(0)
        }
    }
}

/// The store a reading command uses: an existing one (never created). A
/// user naming the machine's store (root's, written by the core_pattern
/// handler) reads their own crashes in it.
fn open_for_reading(root: &Path) -> Result<Store> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let foreign = std::fs::metadata(root).is_ok_and(|m| m.uid() != me);
    if foreign {
        let own = rewind_monitor::ingest::user_store(root, me);
        if own.join(rewind_store::INDEX_FILE).exists() {
            return Ok(Store::open_existing(&own)?);
        }
    }
    Ok(Store::open_existing(root)?)
}

/// The id of the crash `selector` names (coredumpctl's forms: see
/// SELECTOR_HELP); the newest one when several match.
fn select(store: &Store, selector: Option<&str>) -> Result<i64> {
    let root = store.root().display();
    let newest =
        |filter: Filter| -> Result<Option<i64>> { Ok(store.list(&filter)?.last().map(|c| c.id)) };
    let by_pid = |pid: i32| {
        newest(Filter {
            pid: Some(pid),
            ..Filter::default()
        })
    };
    let sel = selector.unwrap_or("last").trim();
    if sel == "last" {
        return newest(Filter::default())?
            .ok_or_else(|| anyhow!("no crashes in {root}: nothing to show"));
    }
    if let Some(pid) = sel.strip_prefix("pid=") {
        let pid: i32 = pid
            .parse()
            .map_err(|_| anyhow!("not a pid: {sel:?} (pid=N, e.g. pid=1234)"))?;
        return by_pid(pid)?
            .ok_or_else(|| anyhow!("no crash of pid {pid} in {root}; see `rewind crashes list`"));
    }
    if let Ok(n) = sel.parse::<i64>() {
        if store.get(n)?.is_some() {
            return Ok(n);
        }
        if let Some(id) = i32::try_from(n).ok().map(by_pid).transpose()?.flatten() {
            return Ok(id);
        }
        bail!("no crash with id or pid {n} in {root}; see `rewind crashes list`");
    }
    newest(Filter {
        executable: Some(sel.to_string()),
        ..Filter::default()
    })?
    .ok_or_else(|| {
        anyhow!("no crash of a program named {sel:?} in {root}; see `rewind crashes list` (a name is the executable's file name or full path)")
    })
}

fn print_list(store: &Store, list: &[CrashSummary], json: bool) -> Result<()> {
    if json {
        let items: Vec<_> = list
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "kind": c.kind(),
                    "group": c.group,
                    "signature": c.signature,
                    "signal": c.signal,
                    "reason": c.reason,
                    "time": c.time,
                    "pid": c.pid,
                    "executable": c.executable,
                    "dump": c.dump,
                    "dump_bytes": c.dump_bytes,
                    "core_bytes": c.core_bytes,
                    "note": c.note,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("no crashes in {}", store.root().display());
        return Ok(());
    }
    println!(
        "{:>5}  {:<28}  {:<8}  {:<8}  {:>7}  {:<12}  {:>9}  EXECUTABLE",
        "ID", "TIME", "KIND", "SIGNAL", "PID", "GROUP", "CORE"
    );
    for c in list {
        println!(
            "{:>5}  {:<28}  {:<8}  {:<8}  {:>7}  {:<12}  {:>9}  {}",
            c.id,
            rewind_store::local_time(c.time),
            c.kind().name(),
            c.signal.clone().unwrap_or_else(|| c.reason.clone()),
            c.pid,
            c.group,
            if c.dump.is_some() {
                rewind_store::human_bytes(c.dump_bytes)
            } else {
                // The report (stacks) is there; why the core is not: `info`.
                "not kept".into()
            },
            c.executable
        );
    }
    Ok(())
}

fn print_groups(store: &Store, json: bool) -> Result<()> {
    let groups = store.groups()?;
    if json {
        let items: Vec<_> = groups
            .iter()
            .map(|g| {
                serde_json::json!({
                    "group": g.id, "signature": g.signature, "count": g.count,
                    "first_time": g.first_time, "last_time": g.last_time,
                    "executables": g.executables, "last_crash": g.last_crash,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else if groups.is_empty() {
        println!("no crashes in {}", store.root().display());
    } else {
        println!(
            "{:<12}  {:>5}  {:<25}  {:>5}  SIGNATURE",
            "GROUP", "COUNT", "LAST SEEN", "LAST"
        );
        for g in &groups {
            println!(
                "{:<12}  {:>5}  {:<25}  {:>5}  {}",
                g.id,
                g.count,
                rewind_store::local_time(g.last_time),
                g.last_crash,
                g.signature
            );
        }
    }
    Ok(())
}

fn debug(
    store: &Store,
    id: i64,
    debugger: Option<PathBuf>,
    gdb_args: Vec<OsString>,
) -> Result<i32> {
    let crash = store.get(id)?.ok_or(StoreError::NoSuchCrash {
        root: store.root().to_path_buf(),
        id,
    })?;
    let dir = tempfile::Builder::new()
        .prefix("rewind-core-")
        .tempdir()
        .context("creating a directory for the core")?;
    let core = dir.path().join(format!("core.{}", crash.summary.pid));
    store.export_dump(id, &core)?;
    let gdb = crate::debug::find_debugger(debugger)?;
    let exe = &crash.summary.executable;
    let mut cmd = std::process::Command::new(gdb);
    if Path::new(exe).is_file() {
        cmd.arg(exe);
    } else {
        eprintln!("rewind: note: {exe} is gone; gdb gets the core only");
    }
    cmd.arg(&core).args(&gdb_args);
    let status = cmd.status().context("running gdb")?;
    Ok(status.code().unwrap_or(1))
}

/// The core_pattern handler: stores the core on stdin (once: the same core
/// again names the crash it is).
fn ingest(root: &Path, args: KernelArgs, quota: Option<u64>) -> Result<i32> {
    let target = rewind_monitor::ingest::store_for(root, &args)?;
    let mut store = Store::open(&target)?;
    store.prune(
        rewind_monitor::report::now_unix(),
        Limits::default().retention_secs,
    )?;
    let outcome = rewind_monitor::ingest::ingest(
        &mut store,
        &mut std::io::stdin().lock(),
        &args,
        &StoreOptions {
            quota_bytes: quota,
            once_per_core: true,
            ..StoreOptions::default()
        },
    )?;
    if outcome.duplicate {
        eprintln!(
            "already stored as crash {} (group {}): the same core",
            outcome.id, outcome.group
        );
    } else {
        eprintln!("stored as crash {} (group {})", outcome.id, outcome.group);
    }
    Ok(0)
}

const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

fn install_handler(root: &Path, uninstall: bool) -> Result<i32> {
    let me = std::env::current_exe().context("finding the rewind executable")?;
    if uninstall {
        let store = Store::open_existing(root)?;
        let saved = store.root().join(SAVED_CORE_PATTERN);
        let before = std::fs::read_to_string(&saved).with_context(|| {
            format!(
                "no saved core_pattern in {}: the handler was not installed with this --store",
                saved.display()
            )
        })?;
        std::fs::write(CORE_PATTERN, before.trim_end())
            .with_context(|| format!("writing {CORE_PATTERN} (run as root)"))?;
        let _ = std::fs::remove_file(&saved);
        println!("core_pattern restored to {}", before.trim_end());
        return Ok(0);
    }
    let store = Store::open(root)?;
    let root = store.root();
    if root.to_string_lossy().contains(char::is_whitespace) {
        bail!(
            "the kernel splits core_pattern at spaces: use a --store path without spaces (e.g. /var/lib/rewind)"
        );
    }
    let current = std::fs::read_to_string(CORE_PATTERN).unwrap_or_default();
    // %u/%g: a user's crashes go to a store of theirs (see ingest::store_for).
    let pattern = format!(
        "|{} crashes --store {} ingest --pid %P --signal %s --uid %u --gid %g",
        me.display(),
        root.display()
    );
    if pattern.len() > 127 {
        bail!(
            "the handler command is longer than the kernel's 127 bytes: use a shorter --store path or install rewind in a shorter path"
        );
    }
    let saved = root.join(SAVED_CORE_PATTERN);
    if !current.contains(" crashes --store ") {
        std::fs::write(&saved, &current)
            .with_context(|| format!("saving the current core_pattern to {}", saved.display()))?;
    }
    std::fs::write(CORE_PATTERN, &pattern)
        .with_context(|| format!("writing {CORE_PATTERN} (run as root)"))?;
    println!(
        "core_pattern is now: {pattern}\nundo with: {} crashes --store {} install-handler --uninstall",
        me.display(),
        root.display()
    );
    Ok(0)
}

/// The core_pattern in place before install-handler, inside the store.
const SAVED_CORE_PATTERN: &str = "core_pattern.before";

pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (e.g. 30s, 10m, 2h, 15d)"))?;
    let mult = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m, h or d)"
            ))
        }
    };
    Ok(Duration::from_secs_f64(n * mult))
}

pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim().trim_end_matches(['B', 'b']).trim_end_matches('i');
    let (num, mult) = match t.chars().last() {
        Some('K') | Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') | Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('G') | Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('T') | Some('t') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a size: {s:?} (e.g. 512M, 2G)"))?;
    Ok((n * mult as f64) as u64)
}

fn parse_kind(s: &str) -> std::result::Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| format!("unknown kind {s:?} (crash, snapshot or trigger)"))
}

fn parse_signal(s: &str) -> std::result::Result<i32, String> {
    rewind_monitor::signals::parse(s).ok_or_else(|| format!("unknown signal {s:?}"))
}

/// A point in time: epoch seconds, +DURATION from now, HH:MM[:SS] (today,
/// local) or YYYY-MM-DD[THH:MM[:SS]] (local).
pub fn parse_time(s: &str) -> std::result::Result<i64, String> {
    let now = rewind_monitor::report::now_unix();
    let s = s.trim();
    if let Some(rel) = s.strip_prefix('+') {
        return Ok(now + parse_duration(rel)?.as_secs() as i64);
    }
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let bad = || format!("not a time: {s:?} (epoch seconds, HH:MM, YYYY-MM-DDTHH:MM or +DURATION)");
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (Some(d), c),
        None if s.contains('-') => (Some(s), "00:00"),
        None => (None, s),
    };
    let c: Vec<i32> = clock
        .split(':')
        .map(|p| p.parse().map_err(|_| bad()))
        .collect::<std::result::Result<_, _>>()?;
    if c.len() < 2 || c.len() > 3 {
        return Err(bad());
    }
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let t = now as libc::time_t;
    unsafe { libc::localtime_r(&t, &mut tm) };
    if let Some(d) = date {
        let p: Vec<i32> = d
            .split('-')
            .map(|x| x.parse().map_err(|_| bad()))
            .collect::<std::result::Result<_, _>>()?;
        if p.len() != 3 {
            return Err(bad());
        }
        tm.tm_year = p[0] - 1900;
        tm.tm_mon = p[1] - 1;
        tm.tm_mday = p[2];
    }
    tm.tm_hour = c[0];
    tm.tm_min = c[1];
    tm.tm_sec = c.get(2).copied().unwrap_or(0);
    tm.tm_isdst = -1;
    let v = unsafe { libc::mktime(&mut tm) };
    if v == -1 {
        return Err(bad());
    }
    Ok(v as i64)
}

/// --since: a time, or a duration meaning that long ago.
fn parse_since(s: &str) -> std::result::Result<i64, String> {
    if s.trim_start().starts_with(|c: char| c.is_ascii_digit())
        && s.trim_end().ends_with(|c: char| c.is_ascii_alphabetic())
    {
        if let Ok(d) = parse_duration(s) {
            return Ok(rewind_monitor::report::now_unix() - d.as_secs() as i64);
        }
    }
    parse_time(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_sizes_times() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(
            parse_duration("15d").unwrap(),
            Duration::from_secs(15 * 86400)
        );
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_time("1700000000").unwrap(), 1_700_000_000);
        let now = rewind_monitor::report::now_unix();
        assert!((parse_time("+1h").unwrap() - now - 3600).abs() <= 1);
        let t = parse_time("2026-01-02T03:04:05").unwrap();
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        unsafe { libc::localtime_r(&(t as libc::time_t), &mut tm) };
        assert_eq!(
            (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec),
            (126, 0, 2, 3, 4, 5)
        );
        assert!(parse_time("25:99:00:00").is_err());
        assert!(parse_time("yesterday").is_err());
        assert!((parse_since("2h").unwrap() - (now - 7200)).abs() <= 1);
    }
}
