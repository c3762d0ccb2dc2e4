//! Errors of the crash store. Each one displays as one line saying what
//! happened and what to do about it.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot find a place for the crash store: none of REWIND_STORE, XDG_DATA_HOME and HOME is set; pass --store DIR or set REWIND_STORE")]
    NoDefaultRoot,

    #[error("no crash store at {path}: pass --store DIR naming an existing store (`rewind monitor` creates one)")]
    NoStore { path: PathBuf },

    #[error("crash store {path} is not safe to use: {reason}")]
    Unsafe { path: PathBuf, reason: String },

    #[error("crash store {path} is not writable ({reason}): pass --store DIR or set REWIND_STORE")]
    NotWritable { path: PathBuf, reason: String },

    #[error("crash store index {index} is damaged: {detail}; move it away to start a new store")]
    Damaged { index: PathBuf, detail: String },

    #[error("crash store index {index} has schema version {found}, newer than this rewind supports ({supported}): use a newer rewind, or pass --store DIR for a separate store")]
    TooNew {
        index: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("crash store index {index} stayed locked by another process for {secs} s: try again when the other rewind is done")]
    Busy { index: PathBuf, secs: u64 },

    #[error("crash store index {index}: the disk is full; free some space or prune the store")]
    DiskFull { index: PathBuf },

    #[error(
        "crash store index {index} failed: {detail}; check the disk and the store's permissions"
    )]
    Index { index: PathBuf, detail: String },

    #[error("crash store {root}: cannot {action} {path} ({reason}); check the disk and the store's permissions")]
    Io {
        root: PathBuf,
        action: &'static str,
        path: PathBuf,
        reason: String,
    },

    #[error("there is no crash {id} in the crash store {root}: list the crashes to see their ids")]
    NoSuchCrash { root: PathBuf, id: i64 },

    #[error("crash {id} has no core dump in the store ({why}): only its report was kept")]
    NoDump { id: i64, why: String },

    #[error("the core dump of crash {id} ({path}) is missing: it was deleted outside rewind; only the report is left")]
    DumpMissing { id: i64, path: PathBuf },

    #[error("the core dump of crash {id} ({path}) is damaged ({detail}): it cannot be exported; only the report is usable")]
    DumpDamaged {
        id: i64,
        path: PathBuf,
        detail: String,
    },

    #[error("cannot write the core dump to {path} ({reason}): choose another output path")]
    Export { path: PathBuf, reason: String },
}

/// An io error's message without the " (os error N)" suffix.
pub(crate) fn io_reason(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}
