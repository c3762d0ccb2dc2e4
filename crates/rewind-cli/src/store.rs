//! Where traces live when the user does not say: `$REWIND_TRACE_DIR`, else
//! `$XDG_DATA_HOME/rewind/traces`, else `~/.local/share/rewind/traces`; each trace
//! is `<program>-<N>`, and `latest` links to the newest.

use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};

pub fn store_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("REWIND_TRACE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("rewind/traces"));
    }
    let home = std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| anyhow!("neither REWIND_TRACE_DIR nor HOME is set; pass -o DIR"))?;
    Ok(PathBuf::from(home).join(".local/share/rewind/traces"))
}

/// Creates `<store>/<program>-<N>` with the first free N.
pub fn new_trace_dir(program: &str) -> Result<PathBuf> {
    let store = store_dir()?;
    std::fs::create_dir_all(&store)
        .with_context(|| format!("cannot create the trace store {}", store.display()))?;
    let base = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".into());
    for n in 0.. {
        let dir = store.join(format!("{base}-{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    unreachable!()
}

/// `-o DIR` must be new or empty: never mix two recordings.
pub fn check_new_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            bail!(
                "{} already exists and is not empty; choose a new directory",
                dir.display()
            );
        }
    }
    Ok(())
}

pub fn set_latest(dir: &Path) -> Result<()> {
    let store = store_dir()?;
    let link = store.join("latest");
    let tmp = store.join(format!(".latest-{}", std::process::id()));
    let target = dir
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.to_path_buf());
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&target, &tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    std::fs::rename(&tmp, &link).with_context(|| format!("cannot update {}", link.display()))?;
    Ok(())
}

/// The trace named on the command line, or the latest one.
pub fn resolve_trace(trace: Option<PathBuf>) -> Result<PathBuf> {
    match trace {
        Some(t) => {
            if t.exists() {
                Ok(t)
            } else {
                // A bare name refers to a trace in the store.
                let in_store = store_dir().map(|s| s.join(&t)).ok().filter(|p| p.exists());
                in_store.ok_or_else(|| anyhow!("{}: no such trace", t.display()))
            }
        }
        None => {
            let latest = store_dir()?.join("latest");
            if !latest.exists() {
                bail!("no trace given and no latest recording in {}; record one with `rewind record -- PROGRAM`", store_dir()?.display());
            }
            Ok(latest)
        }
    }
}
