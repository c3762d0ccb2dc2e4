//! The crash report: what `rewind monitor` learned about a crash (or another
//! trigger), stored as JSON in the index and rendered as text like
//! `coredumpctl info`.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One stack frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Frame {
    /// Program counter (for frames above the top one: the return address as unwound).
    pub address: u64,
    /// Path of the module (executable or shared library) holding `address`.
    pub module: Option<String>,
    /// `address` relative to the module's load base (stable across ASLR).
    pub module_offset: Option<u64>,
    pub function: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// True for a frame of a function inlined into the next (outer) frame.
    pub inlined: bool,
}

/// One thread of the process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ThreadReport {
    pub tid: i32,
    /// `comm` name of the thread (may be empty).
    pub name: String,
    /// The thread that received the fatal signal.
    pub crashed: bool,
    /// Innermost frame first.
    pub frames: Vec<Frame>,
}

/// One mapped module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ModuleReport {
    pub path: String,
    pub start: u64,
    pub end: u64,
    /// GNU build-id, lowercase hex.
    pub build_id: Option<String>,
}

/// Everything known about one crash or triggered dump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Report {
    /// "crash", or the trigger of a dump: "cpu", "memory", "threads", "fds", "signal", "snapshot".
    pub reason: String,
    pub signal: Option<i32>,
    /// "SIGSEGV".
    pub signal_name: Option<String>,
    /// `si_code`.
    pub signal_code: Option<i32>,
    /// "SEGV_MAPERR".
    pub signal_code_name: Option<String>,
    pub fault_address: Option<u64>,
    pub pid: i32,
    pub executable: String,
    pub build_id: Option<String>,
    pub cmdline: Vec<String>,
    /// Unix seconds of the event.
    pub time: i64,
    /// How long the process had run.
    pub process_uptime_secs: f64,
    pub system_uptime_secs: f64,
    /// Crashing thread first.
    pub threads: Vec<ThreadReport>,
    pub modules: Vec<ModuleReport>,
    /// E.g. "dump not kept: --max-dumps 1 reached".
    pub note: Option<String>,
}

/// Name of a Linux x86-64 signal number ("SIGSEGV"), if it is a standard one.
pub fn signal_name(signal: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(signal)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| NAMES.get(i).copied())
}

impl Report {
    /// The signal's name: `signal_name`, else derived from `signal`, else None.
    pub fn signal_label(&self) -> Option<String> {
        match (&self.signal_name, self.signal) {
            (Some(name), _) if !name.is_empty() => Some(name.clone()),
            (_, Some(sig)) => {
                Some(signal_name(sig).map_or_else(|| format!("signal {sig}"), str::to_string))
            }
            _ => None,
        }
    }

    /// A human-readable report in the style of `coredumpctl info`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut field = |label: &str, value: &str| {
            let _ = writeln!(out, "{label:>16}: {value}");
        };
        field(
            "Reason",
            if self.reason.is_empty() {
                "??"
            } else {
                &self.reason
            },
        );
        if let Some(sig) = self.signal_label() {
            let mut v = match self.signal {
                Some(n) => format!("{n} ({sig})"),
                None => sig,
            };
            match (self.signal_code, &self.signal_code_name) {
                (Some(c), Some(name)) => {
                    let _ = write!(v, ", code {c} ({name})");
                }
                (Some(c), None) => {
                    let _ = write!(v, ", code {c}");
                }
                (None, Some(name)) => {
                    let _ = write!(v, ", code {name}");
                }
                (None, None) => {}
            }
            if let Some(addr) = self.fault_address {
                let _ = write!(v, ", fault address 0x{addr:016x}");
            }
            field("Signal", &v);
        }
        field("PID", &self.pid.to_string());
        let exe = if self.executable.is_empty() {
            "??"
        } else {
            &self.executable
        };
        match &self.build_id {
            Some(id) => field("Executable", &format!("{exe} (build-id {id})")),
            None => field("Executable", exe),
        }
        if !self.cmdline.is_empty() {
            let cmd: Vec<String> = self.cmdline.iter().map(|a| shell_quote(a)).collect();
            field("Command line", &cmd.join(" "));
        }
        field(
            "Time",
            &format!("{} ({})", local_time(self.time), self.time),
        );
        field("Process uptime", &duration(self.process_uptime_secs));
        field("System uptime", &duration(self.system_uptime_secs));
        if let Some(note) = &self.note {
            field("Note", note);
        }

        for thread in &self.threads {
            out.push('\n');
            let _ = write!(out, "Thread {}", thread.tid);
            if !thread.name.is_empty() {
                let _ = write!(out, " ({})", thread.name);
            }
            out.push_str(if thread.crashed { " crashed:\n" } else { ":\n" });
            if thread.frames.is_empty() {
                out.push_str("    (no frames)\n");
            }
            for (i, frame) in thread.frames.iter().enumerate() {
                let _ = writeln!(out, "    #{i:<2} {}", render_frame(frame));
            }
        }

        if !self.modules.is_empty() {
            out.push_str("\nModules:\n");
            for m in &self.modules {
                let _ = write!(out, "    0x{:016x}-0x{:016x} {}", m.start, m.end, m.path);
                if let Some(id) = &m.build_id {
                    let _ = write!(out, " (build-id {id})");
                }
                out.push('\n');
            }
        }
        out
    }
}

/// `0x000055d4c3a1b149 in c (/path/prog+0x1149) at prog.c:12`.
fn render_frame(frame: &Frame) -> String {
    let mut s = format!(
        "0x{:016x} in {}",
        frame.address,
        frame.function.as_deref().unwrap_or("??")
    );
    match (&frame.module, frame.module_offset) {
        (Some(m), Some(off)) => {
            let _ = write!(s, " ({m}+0x{off:x})");
        }
        (Some(m), None) => {
            let _ = write!(s, " ({m})");
        }
        (None, _) => s.push_str(" (??)"),
    }
    if let Some(file) = &frame.file {
        let _ = write!(s, " at {file}");
        if let Some(line) = frame.line {
            let _ = write!(s, ":{line}");
        }
    }
    if frame.inlined {
        s.push_str(" [inlined]");
    }
    s
}

/// Quotes a command-line argument for display when it needs it.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// "3.250s", "5m 03s", "2h 05m 03s", "3d 02h 05m 03s".
fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "??".to_string();
    }
    if secs < 60.0 {
        return format!("{secs:.3}s");
    }
    let total = secs as u64;
    let (d, h, m, s) = (
        total / 86400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m {s:02}s")
    } else if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else {
        format!("{m}m {s:02}s")
    }
}

/// Local date and time of a unix time, e.g. "Tue 2024-05-14 10:31:02 CEST".
pub fn local_time(time: i64) -> String {
    let t = time as libc::time_t;
    // SAFETY: localtime_r and strftime write only into the buffers given.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return format!("@{time}");
        }
        let mut buf = [0u8; 128];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a %Y-%m-%d %H:%M:%S %Z".as_ptr(),
            &tm,
        );
        if n == 0 {
            return format!("@{time}");
        }
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(1.25), "1.250s");
        assert_eq!(duration(183.0), "3m 03s");
        assert_eq!(duration(7503.0), "2h 05m 03s");
        assert_eq!(duration(3.0 * 86400.0 + 7503.0), "3d 02h 05m 03s");
        assert_eq!(duration(f64::NAN), "??");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/bin/prog"), "/bin/prog");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(11), Some("SIGSEGV"));
        assert_eq!(signal_name(6), Some("SIGABRT"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(64), None);
    }
}
