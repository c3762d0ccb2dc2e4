//! Dump triggers sampled from /proc, as ProcDump has them: CPU above a
//! threshold for some seconds, resident memory, thread count, open file
//! descriptors. (Signal triggers are handled where signals arrive.)

use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct Triggers {
    /// Percent of one CPU (top's convention: 200 = two CPUs busy).
    pub cpu_percent: Option<f64>,
    /// How long the CPU must stay above the threshold.
    pub cpu_duration: Duration,
    pub memory_bytes: Option<u64>,
    pub threads: Option<u64>,
    pub fds: Option<u64>,
    /// Dump when one of these signals arrives (it is then delivered as usual).
    pub signals: Vec<i32>,
}

impl Triggers {
    pub fn any_sampled(&self) -> bool {
        self.cpu_percent.is_some()
            || self.memory_bytes.is_some()
            || self.threads.is_some()
            || self.fds.is_some()
    }
}

pub(crate) struct State {
    pid: i32,
    /// The previous sample: when, and the process's CPU ticks then.
    last: Option<(Instant, u64)>,
    /// The sample where CPU use went above the threshold.
    cpu_above_since: Option<(Instant, u64)>,
}

impl State {
    pub(crate) fn new(pid: i32) -> State {
        State {
            pid,
            last: None,
            cpu_above_since: None,
        }
    }

    /// Samples the process; the trigger that fires, if any ("cpu 97% for 5 s").
    pub(crate) fn sample(&mut self, t: &Triggers, now: Instant) -> Option<String> {
        if !t.any_sampled() {
            return None;
        }
        let pid = self.pid;
        let status = rewind_ptrace::ProcStatus::read(pid).ok()?;
        if let Some(limit) = t.cpu_percent {
            let (user, system) = rewind_dump::cpu_times(pid);
            let ticks = user + system;
            if let Some((at, before)) = self.last {
                let secs = now.duration_since(at).as_secs_f64();
                if secs > 0.0 {
                    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
                    let pct = (ticks.saturating_sub(before)) as f64 / hz / secs * 100.0;
                    if pct >= limit {
                        let (since, ticks_then) = *self.cpu_above_since.get_or_insert((at, before));
                        let above = now.duration_since(since);
                        if above >= t.cpu_duration {
                            self.cpu_above_since = None;
                            self.last = Some((now, ticks));
                            // Ticks are 10 ms: the mean over the whole period
                            // says it better than the last sample's.
                            let mean =
                                ticks.saturating_sub(ticks_then) as f64 / hz / above.as_secs_f64()
                                    * 100.0;
                            return Some(format!(
                                "cpu {mean:.0}% >= {limit}% for {:.1} s",
                                above.as_secs_f64()
                            ));
                        }
                    } else {
                        self.cpu_above_since = None;
                    }
                }
            }
            self.last = Some((now, ticks));
        }
        if let Some(limit) = t.memory_bytes {
            let rss = status.number("VmRSS")? * 1024;
            if rss >= limit {
                return Some(format!("memory {} MiB >= {} MiB", rss >> 20, limit >> 20));
            }
        }
        if let Some(limit) = t.threads {
            let n = status.number("Threads")?;
            if n >= limit {
                return Some(format!("threads {n} >= {limit}"));
            }
        }
        if let Some(limit) = t.fds {
            let n = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
            if n >= limit {
                return Some(format!("fds {n} >= {limit}"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_on_this_process() {
        let me = std::process::id() as i32;
        let mut s = State::new(me);
        let none = Triggers::default();
        assert_eq!(s.sample(&none, Instant::now()), None);
        let t = Triggers {
            threads: Some(1),
            ..Triggers::default()
        };
        assert!(s
            .sample(&t, Instant::now())
            .unwrap()
            .starts_with("threads "));
        let t = Triggers {
            fds: Some(100_000),
            memory_bytes: Some(1 << 50),
            ..Triggers::default()
        };
        assert_eq!(s.sample(&t, Instant::now()), None);
    }

    #[test]
    fn cpu_must_stay_high_for_the_duration() {
        let me = std::process::id() as i32;
        let mut s = State::new(me);
        let t = Triggers {
            cpu_percent: Some(50.0),
            cpu_duration: Duration::from_millis(300),
            ..Triggers::default()
        };
        let start = Instant::now();
        let mut fired = None;
        while start.elapsed() < Duration::from_secs(3) && fired.is_none() {
            let spin = Instant::now();
            while spin.elapsed() < Duration::from_millis(100) {
                std::hint::black_box(0u64);
            }
            fired = s.sample(&t, Instant::now());
        }
        let fired = fired.expect("a busy loop must fire the CPU trigger");
        assert!(fired.starts_with("cpu "), "{fired}");
        assert!(start.elapsed() >= Duration::from_millis(300));
    }
}
