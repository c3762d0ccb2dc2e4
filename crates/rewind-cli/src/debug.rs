//! `rewind replay` with a debugger: gdb on the replay, or a bare gdb server.

use anyhow::{anyhow, bail, Context, Result};
use rewind_gdb::server::{GdbServer, FLUSH_AFTER_MONITOR};
use rewind_replay::{DebugOptions, Focus};
use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `rewind replay` options that shape a debugging session.
#[derive(clap::Args, Debug, Default)]
pub struct SessionFlags {
    /// Do not print the program's output (by default it is printed as the
    /// program runs forwards, once per forward pass).
    #[arg(short = 'q', long, conflicts_with = "autopilot")]
    pub quiet_output: bool,
    /// Start the session just after event EVENT (`monitor when` tells events).
    #[arg(
        short = 'g',
        long = "goto",
        value_name = "EVENT",
        conflicts_with = "autopilot"
    )]
    pub goto: Option<u64>,
}

pub fn run(
    dir: &Path,
    serve: Option<String>,
    debugger: Option<PathBuf>,
    process: Option<String>,
    flags: SessionFlags,
    gdb_args: Vec<OsString>,
) -> Result<i32> {
    let focus = process.map(|p| match p.parse::<i32>() {
        Ok(pid) => Focus::Pid(pid),
        Err(_) => Focus::Command(p),
    });
    let serve = serve.map(|addr| parse_serve_address(&addr)).transpose()?;
    if let Some(focus) = &focus {
        check_focus(dir, focus)?;
    }
    let options = DebugOptions {
        focus,
        quiet_output: flags.quiet_output,
        start_after: flags.goto,
    };
    let exe = rewind_replay::check_debug_options(dir, &options)?;
    if let Some((addr, sockets)) = serve {
        let listener = TcpListener::bind(&sockets[..]).map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow!("cannot listen on {addr}: the port is in use; choose another port")
            }
            _ => anyhow!("cannot listen on {addr}: {e}"),
        })?;
        let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
        eprintln!(
            "rewind: serving the replay on {bound}; connect with: gdb {} -ex 'target extended-remote {bound}'",
            exe.display()
        );
        rewind_replay::debug(dir, options, Box::new(GdbServer::new(listener)))?;
        return Ok(0);
    }
    let gdb = find_debugger(debugger)?;
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot open a local port for gdb")?;
    let port = listener.local_addr()?.port();
    // gdb drops its caches after `monitor goto` and friends (see FLUSH_AFTER_MONITOR).
    let mut hooks = tempfile::Builder::new()
        .prefix("rewind-gdb-")
        .suffix(".gdb")
        .tempfile()
        .context("cannot create a gdb script in the temporary directory")?;
    std::io::Write::write_all(&mut hooks, FLUSH_AFTER_MONITOR.as_bytes())
        .context("cannot write a gdb script in the temporary directory")?;
    let mut cmd = Command::new(&gdb);
    cmd.arg("-q")
        .arg(&exe)
        .args(["-ex", "set remotetimeout 120"])
        .args(["-ex", "set confirm off"])
        // Libraries come from this machine's filesystem (the replay maps the same ones).
        .args(["-ex", "set sysroot /"])
        .arg("-x")
        .arg(hooks.path())
        // extended-remote: gdb's `run` starts the replay over.
        .args(["-ex", &format!("target extended-remote 127.0.0.1:{port}")])
        .args(&gdb_args);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", gdb.display()))?;
    // gdb handles Ctrl-C itself (it interrupts the target through the protocol).
    unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    let server = GdbServer::new(listener).gdb_flushes_after_monitor();
    let result = rewind_replay::debug(dir, options, Box::new(server));
    let status = child.wait().context("waiting for gdb")?;
    result?;
    Ok(status.code().unwrap_or(1))
}

/// `--serve HOST:PORT`, resolved; a one-line error saying the expected form otherwise.
pub(crate) fn parse_serve_address(addr: &str) -> Result<(String, Vec<SocketAddr>)> {
    let bad = |why: String| {
        anyhow!("bad address {addr:?} for --serve ({why}): expected HOST:PORT, e.g. 127.0.0.1:2345 or localhost:0 for any free port")
    };
    let sockets: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .collect();
    if sockets.is_empty() {
        return Err(bad("it names no address".into()));
    }
    Ok((addr.to_string(), sockets))
}

/// `-p PID|NAME` must pick a recorded process; otherwise list the ones there are.
fn check_focus(dir: &Path, focus: &Focus) -> Result<()> {
    let catalog = rewind_trace::catalog::Catalog::read(dir)?;
    let processes = &catalog.processes;
    let found = match focus {
        Focus::Pid(pid) => processes.iter().any(|p| p.pid == *pid),
        Focus::Command(name) => processes.iter().any(|p| p.ran_program(name)),
    };
    if !found {
        let what = match focus {
            Focus::Pid(pid) => format!("no recorded process has pid {pid}"),
            Focus::Command(name) => format!("no recorded process ran a program named {name}"),
        };
        bail!(
            "{what}; the recorded processes are {} (pass -p with one of these pids or names; `rewind ps` shows them)",
            crate::ps::choices(processes)
        );
    }
    Ok(())
}

/// `--debugger PATH`, or gdb from PATH.
pub(crate) fn find_debugger(debugger: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = debugger {
        if !p.exists() {
            bail!("debugger {} not found", p.display());
        }
        return Ok(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("gdb"))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("gdb not found in PATH; install it (apt-get install gdb) or pass --debugger PATH, or use --serve HOST:PORT"))
}
