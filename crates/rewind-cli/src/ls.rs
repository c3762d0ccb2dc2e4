//! `rewind ls`: the recordings of the trace directory, newest first, with when
//! they were made, how long they ran, their size, their command and whether they
//! are damaged.

use crate::info::human_bytes;
use anyhow::{Context, Result};
use rewind_trace::catalog::{join_argv, list_traces, ListedTrace};
use serde_json::json;
use std::time::SystemTime;

pub fn run(json: bool) -> Result<i32> {
    let store = crate::store::store_dir()?;
    let traces = match list_traces(&store) {
        Ok(t) => t,
        // No trace directory yet is an empty listing, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot list the traces in {}", store.display()))
        }
    };
    if json {
        let rows: Vec<_> = traces.iter().map(json_row).collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(0);
    }
    if traces.is_empty() {
        println!(
            "no traces in {}; record one with `rewind record -- PROGRAM`",
            store.display()
        );
        return Ok(0);
    }
    println!(
        " {:<24} {:<19} {:>9} {:>10}  {:<10}  COMMAND",
        "TRACE", "RECORDED", "DURATION", "SIZE", "STATE"
    );
    for t in &traces {
        let mark = if t.latest { '*' } else { ' ' };
        let date = t.started.map(local_time).unwrap_or_else(|| "-".into());
        let size = human_bytes(t.size);
        match &t.catalog {
            Ok(c) => println!(
                "{mark}{:<24} {date:<19} {:>9} {size:>10}  {:<10}  {}",
                t.name,
                c.duration_ns().map(duration).unwrap_or_else(|| "-".into()),
                c.state.name(),
                c.command_line()
            ),
            Err(e) => println!(
                "{mark}{:<24} {date:<19} {:>9} {size:>10}  {:<10}  ({e})",
                t.name, "-", "unreadable"
            ),
        }
    }
    Ok(0)
}

fn json_row(t: &ListedTrace) -> serde_json::Value {
    let mut row = json!({
        "name": t.name,
        "path": t.path.to_string_lossy(),
        "latest": t.latest,
        "recorded": t.started.map(utc_time),
        "bytes": t.size,
    });
    let more = match &t.catalog {
        Ok(c) => json!({
            "start_unix_ns": c.header.start_unix_ns,
            "duration_ms": c.duration_ns().map(|ns| ns as f64 / 1e6),
            "command": c.header.argv.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>(),
            "command_line": join_argv(&c.header.argv),
            "exit_code": c.end.as_ref().map(|e| e.exit_code),
            "events": c.events,
            "processes": c.processes.len(),
            "state": c.state.name(),
            "damaged": c.state.is_damaged(),
            "problem": c.state.problem(),
        }),
        Err(e) => json!({
            "state": "unreadable",
            "damaged": true,
            "problem": e.to_string(),
        }),
    };
    if let (Some(row), serde_json::Value::Object(more)) = (row.as_object_mut(), more) {
        row.extend(more);
    }
    row
}

/// `12.3 ms`, `4.56 s`, `3m05s`.
fn duration(ns: u64) -> String {
    let ms = ns as f64 / 1e6;
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        let s = ns / 1_000_000_000;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// The broken-down time of `t`, in local time or UTC.
fn broken_down(t: SystemTime, local: bool) -> Option<libc::tm> {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as libc::time_t;
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe {
        if local {
            !libc::localtime_r(&secs, &mut tm).is_null()
        } else {
            !libc::gmtime_r(&secs, &mut tm).is_null()
        }
    };
    ok.then_some(tm)
}

/// `2026-12-06 15:42:05` in the local time zone, as people read dates.
fn local_time(t: SystemTime) -> String {
    broken_down(t, true).map_or_else(
        || "-".into(),
        |tm| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                tm.tm_year + 1900,
                tm.tm_mon + 1,
                tm.tm_mday,
                tm.tm_hour,
                tm.tm_min,
                tm.tm_sec
            )
        },
    )
}

/// RFC 3339 in UTC (`2026-12-06T15:42:05Z`), for scripts.
fn utc_time(t: SystemTime) -> Option<String> {
    broken_down(t, false).map(|tm| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(12_345_678), "12.3 ms");
        assert_eq!(duration(4_560_000_000), "4.56 s");
        assert_eq!(duration(185_000_000_000), "3m05s");
    }

    #[test]
    fn utc_dates() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_572_925);
        assert_eq!(utc_time(t).as_deref(), Some("2026-12-06T16:02:05Z"));
    }
}
