//! `rewind crashes ingest`: the kernel's core_pattern pipe handler. The
//! kernel runs it for every crash on the machine, with the core on stdin and
//! the crashed process still present in /proc until the handler is done.

use crate::report::{self, Event, ThreadRegs};
use crate::MonitorError;
use rewind_store::{AddOutcome, Store, StoreOptions};
use rewind_symbols::Mapping;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the kernel tells the handler (core(5) % specifiers).
#[derive(Clone, Debug, Default)]
pub struct KernelArgs {
    /// %P: pid in the initial namespace.
    pub pid: Option<i32>,
    /// %s: signal number.
    pub signal: Option<i32>,
    /// %E: executable path with '/' written as '!'.
    pub exe: Option<String>,
    /// %u: real uid of the crashed process.
    pub uid: Option<u32>,
    /// %g: real gid of the crashed process.
    pub gid: Option<u32>,
}

/// Where the crash store of a user is inside the machine's store (the one
/// the core_pattern handler writes): `ROOT/users/UID`.
pub fn user_store(root: &Path, uid: u32) -> PathBuf {
    root.join(USERS_DIR).join(uid.to_string())
}

const USERS_DIR: &str = "users";

/// Where the handler stores a crash, as systemd-coredump shares them: run
/// as root (by the kernel) for a crash of a user's process whose uids and
/// gids are all that user's, the crash goes to [`user_store`], a store the
/// user owns and reads with `rewind crashes --store ROOT`; this process then
/// drops root for the user's ids, so it writes there only what that user
/// could. Crashes of root and of set-id programs (whose memory may hold what
/// their user must not read) stay in ROOT, for root only.
pub fn store_for(root: &Path, args: &KernelArgs) -> Result<PathBuf, MonitorError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(root.to_path_buf());
    }
    let (Some(uid), Some(pid)) = (args.uid, args.pid) else {
        return Ok(root.to_path_buf());
    };
    // The process is still there while the handler runs: all its ids must
    // be the user's (a set-id program's are not).
    let ids = |key: &str| -> Option<Vec<u32>> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix(key))?;
        line.split_whitespace().map(|w| w.parse().ok()).collect()
    };
    let (Some(uids), Some(gids)) = (ids("Uid:"), ids("Gid:")) else {
        return Ok(root.to_path_buf());
    };
    let gid = args.gid.unwrap_or(gids[0]);
    if uid == 0 || uids.iter().any(|&u| u != uid) || gids.iter().any(|&g| g != gid) {
        return Ok(root.to_path_buf());
    }
    let dir = prepare_user_store(root, uid, gid).map_err(|e| {
        MonitorError::Io(format!(
            "preparing the crash store of uid {uid} in {}: {e}",
            root.display()
        ))
    })?;
    drop_privileges(uid, gid)
        .map_err(|e| MonitorError::Io(format!("switching to uid {uid}: {e}")))?;
    Ok(dir)
}

/// Creates ROOT (0711: others may pass through, not list), ROOT/users
/// (0711) and ROOT/users/UID (0700, the user's), refusing links and
/// directories owned by someone else.
fn prepare_user_store(root: &Path, uid: u32, gid: u32) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let refuse =
        |p: &Path, why: &str| std::io::Error::other(format!("{} {why}; move it away", p.display()));
    let mkdir = |p: &Path, mode: u32| -> std::io::Result<bool> {
        match std::fs::DirBuilder::new().mode(mode).create(p) {
            Ok(()) => {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    };
    if let Some(parent) = root.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)?;
    }
    mkdir(root, 0o711)?;
    let meta = std::fs::metadata(root)?;
    if meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(refuse(root, "is not root's alone"));
    }
    if meta.mode() & 0o011 != 0o011 {
        // Users must pass through to their own store.
        std::fs::set_permissions(
            root,
            std::fs::Permissions::from_mode((meta.mode() & 0o7777) | 0o011),
        )?;
    }
    let users = root.join(USERS_DIR);
    mkdir(&users, 0o711)?;
    let meta = std::fs::symlink_metadata(&users)?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(refuse(&users, "is not a directory of root's alone"));
    }
    let dir = user_store(root, uid);
    if mkdir(&dir, 0o700)? {
        std::os::unix::fs::lchown(&dir, Some(uid), Some(gid))?;
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(refuse(&dir, &format!("is not a directory of uid {uid}")));
    }
    Ok(dir)
}

/// Becomes `uid`/`gid` for good (no supplementary groups).
fn drop_privileges(uid: u32, gid: u32) -> std::io::Result<()> {
    // SAFETY: plain syscalls on this process's credentials; the order
    // (groups, gid, then uid) is the one that still has the right to each.
    let ok = unsafe {
        libc::setgroups(0, std::ptr::null()) == 0
            && libc::setresgid(gid, gid, gid) == 0
            && libc::setresuid(uid, uid, uid) == 0
    };
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Reads a core from `input` into the store. The core is copied to the
/// store's incoming directory first (the kernel's pipe cannot be re-read).
pub fn ingest(
    store: &mut Store,
    input: &mut dyn Read,
    args: &KernelArgs,
    options: &StoreOptions,
) -> Result<AddOutcome, MonitorError> {
    let core = store.incoming_core(args.pid.unwrap_or(0))?;
    let copy = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, core.file());
        std::io::copy(input, &mut f)?;
        use std::io::Write;
        f.flush()
    })();
    if let Err(e) = copy {
        return Err(MonitorError::Io(format!(
            "saving the core from stdin into {}: {e}",
            core.path().display()
        )));
    }
    // Dropping `core` afterwards removes the copy.
    ingest_file(store, core.path(), args, options)
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
