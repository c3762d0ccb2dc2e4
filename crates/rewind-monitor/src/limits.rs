//! Limits on what a monitoring session keeps, as Azure Crash Monitoring and
//! ProcDump offer them: a number of dumps, a time window, a minimum spacing
//! between dumps and how long the store keeps them. The disk quota is the
//! store's (rewind_store::StoreOptions).

use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Limits {
    /// Dumps this session may keep; crashes beyond are stored without one.
    pub max_dumps: Option<u64>,
    /// Unix time before which events are ignored.
    pub start: Option<i64>,
    /// Unix time at which monitoring ends (the program is detached).
    pub stop: Option<i64>,
    /// Seconds that must pass between two dumps.
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

/// What the session has kept so far.
#[derive(Default)]
pub(crate) struct State {
    dumps: u64,
    last_dump: Option<Instant>,
}

impl State {
    /// Whether a dump may be kept now; the note for the report if not.
    pub(crate) fn dump_allowed(&self, limits: &Limits) -> Result<(), String> {
        if let Some(max) = limits.max_dumps {
            if self.dumps >= max {
                return Err(format!(
                    "dump not kept: this session already kept {max} (--max-dumps {max})"
                ));
            }
        }
        if let Some(last) = self.last_dump {
            let since = last.elapsed().as_secs_f64();
            if since < limits.min_spacing_secs as f64 {
                return Err(format!(
                    "dump not kept: only {since:.1} s since the previous one (--min-spacing {})",
                    limits.min_spacing_secs
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn dump_kept(&mut self) {
        self.dumps += 1;
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
