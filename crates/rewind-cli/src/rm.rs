//! `rewind rm TRACE`: delete a recording; `latest` moves to the newest one left.

use anyhow::{bail, Context, Result};
use rewind_trace::catalog::{is_trace, list_traces, LATEST_LINK};
use std::path::{Path, PathBuf};

pub fn run(trace: PathBuf) -> Result<i32> {
    let given = crate::store::resolve_trace(Some(trace))?;
    let dir = std::fs::canonicalize(&given)
        .with_context(|| format!("cannot resolve {}", given.display()))?;
    // Only ever delete a directory that is a trace: a typo must not cost a home directory.
    if !dir.is_dir() || !is_trace(&dir) {
        bail!(
            "{} is not a rewind trace (no events file written by rewind); nothing removed",
            given.display()
        );
    }
    let store = crate::store::store_dir().ok();
    let latest = store.as_ref().map(|s| s.join(LATEST_LINK));
    let was_latest = latest
        .as_ref()
        .and_then(|l| std::fs::canonicalize(l).ok())
        .is_some_and(|target| target == dir);
    std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    println!("removed {}", dir.display());
    if let (true, Some(store), Some(latest)) = (was_latest, store, latest) {
        move_latest(&store, &latest)?;
    }
    Ok(0)
}

/// Points `latest` at the newest trace left in `store`, or removes it.
fn move_latest(store: &Path, latest: &Path) -> Result<()> {
    let newest = list_traces(store)
        .unwrap_or_default()
        .into_iter()
        .find(|t| t.catalog.is_ok());
    match newest {
        Some(t) => {
            crate::store::set_latest(&t.path)?;
            println!("latest now points to {}", t.name);
        }
        None => {
            std::fs::remove_file(latest)
                .with_context(|| format!("cannot remove {}", latest.display()))?;
            println!("no traces left; removed {}", latest.display());
        }
    }
    Ok(())
}
