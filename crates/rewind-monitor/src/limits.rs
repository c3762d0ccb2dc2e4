//! Limits on what a monitoring session keeps, as Azure Crash Monitoring and
//! ProcDump offer them: a number of dumps, a time window, a minimum spacing
//! between dumps and how long the store keeps them. The disk quota is the
//! store's (rewind_store::StoreOptions).

use rewind_store::{Store, StoreError};
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Limits {
    /// Dumps the store may keep for the monitored program (see `State`);
    /// crashes beyond are stored without one.
    pub max_dumps: Option<u64>,
    /// Unix time before which events are ignored.
    pub start: Option<i64>,
    /// Unix time at which monitoring ends (the program is detached).
    pub stop: Option<i64>,
    /// Seconds that must pass between two dumps of the program.
    pub min_spacing_secs: u64,
    /// Crashes and dumps older than this are pruned from the store.
    pub retention_secs: i64,
}

/// Azure's history length and systemd-coredump's spirit: 15 days.
pub const DEFAULT_RETENTION_SECS: i64 = 15 * 24 * 3600;
/// ProcDump's default spacing between dumps.
pub const DEFAULT_MIN_SPACING_SECS: u64 = 10;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_dumps: None,
            start: None,
            stop: None,
            min_spacing_secs: DEFAULT_MIN_SPACING_SECS,
            retention_secs: DEFAULT_RETENTION_SECS,
        }
    }
}

impl Limits {
    pub fn in_window(&self, now: i64) -> bool {
        self.start.is_none_or(|s| now >= s) && !self.past_stop(now)
    }

    pub fn past_stop(&self, now: i64) -> bool {
        self.stop.is_some_and(|s| now >= s)
    }
}

/// The dump limits of a session, checked against the store.
///
/// `--max-dumps` and `--min-spacing` are store-wide and per program (the
/// executable path of the monitored process; its children's crashes count
/// against it): a program restarted by its supervisor, each time under a new
/// `rewind monitor`, cannot fill the store. `--max-dumps N` counts the dumps
/// taken for the program since N was first given for it in this store
/// (`Store::set_dump_limit`): the same N given again keeps counting, another
/// N starts a new count, and crashes leaving the store (retention, `crashes
/// rm`) stop counting.
pub(crate) struct State {
    /// The program the limits are about.
    pub(crate) program: String,
    /// Unix time from which --max-dumps counts.
    since: Option<i64>,
    /// This session's last dump (finer than the store's seconds).
    last_dump: Option<Instant>,
}

impl State {
    /// Records the session's --max-dumps for `program` in the store.
    pub(crate) fn new(
        store: &mut Store,
        limits: &Limits,
        program: String,
        now: i64,
    ) -> Result<State, StoreError> {
        let since = match limits.max_dumps {
            Some(max) => Some(store.set_dump_limit(&program, max, now)?),
            None => None,
        };
        Ok(State {
            program,
            since,
            last_dump: None,
        })
    }

    /// Whether a dump may be kept now; the note for the report if not.
    pub(crate) fn dump_allowed(
        &self,
        store: &Store,
        limits: &Limits,
        now: i64,
    ) -> Result<(), String> {
        let program = &self.program;
        let unknown =
            |e: StoreError| format!("dump not kept: the store's dump count cannot be read ({e})");
        if let (Some(max), Some(since)) = (limits.max_dumps, self.since) {
            let kept = store.dumps_since(program, since).map_err(unknown)?;
            if kept >= max {
                return Err(format!(
                    "dump not kept: {kept} dump(s) of {program} taken in this store since {} (--max-dumps {max})",
                    rewind_store::local_time(since)
                ));
            }
        }
        let spacing = limits.min_spacing_secs;
        let mut since_last = self.last_dump.map(|t| t.elapsed().as_secs_f64());
        if let Some(t) = store.last_dump_time(program).map_err(unknown)? {
            let secs = (now - t).max(0) as f64;
            since_last = Some(since_last.map_or(secs, |s| s.min(secs)));
        }
        if let Some(secs) = since_last.filter(|&s| s < spacing as f64) {
            return Err(format!(
                "dump not kept: only {secs:.1} s since the previous dump of {program} (--min-spacing {spacing})"
            ));
        }
        Ok(())
    }

    pub(crate) fn dump_kept(&mut self) {
        self.last_dump = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window() {
        let l = Limits {
            start: Some(100),
            stop: Some(200),
            ..Limits::default()
        };
        assert!(!l.in_window(99));
        assert!(l.in_window(100));
        assert!(l.in_window(199));
        assert!(!l.in_window(200));
        assert!(l.past_stop(200));
        assert!(Limits::default().in_window(0));
    }
}
