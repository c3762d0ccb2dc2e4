//! Crash signatures: which crashes are "the same bug".
//!
//! The signature text is the signal name (or the reason of a non-crash dump)
//! followed by the function names of the top frames of the crashing thread,
//! e.g. `SIGSEGV at c < b < a`. Addresses, pids and times never enter it, so
//! the same crash at another ASLR base, in another process, groups together.

use crate::report::{Frame, Report};

/// How many named frames of the crashing thread make up a signature.
pub const SIGNATURE_FRAMES: usize = 3;

/// Functions of the C library's abort/raise/assert machinery. Leading frames
/// (innermost first) with these names are skipped: they are the same for every
/// `abort()`, so they say nothing about which bug it is. The one list of them.
pub const ABORT_MACHINERY: &[&str] = &[
    "raise",
    "gsignal",
    "__GI_raise",
    "abort",
    "__GI_abort",
    "pthread_kill",
    "__pthread_kill",
    "__pthread_kill_implementation",
    "__pthread_kill_internal",
    "__GI___pthread_kill",
    "tgkill",
    "__GI_tgkill",
    "__assert_fail",
    "__assert_fail_base",
    "__GI___assert_fail",
    "__assert_perror_fail",
    "__libc_message",
    "__libc_message_impl",
    "__libc_fatal",
    "__fortify_fail",
    "__fortify_fail_abort",
    "__chk_fail",
    "__stack_chk_fail",
    "__stack_chk_fail_local",
    "malloc_printerr",
    "__malloc_assert",
];

/// Is `function` part of the C library's abort machinery (see [`ABORT_MACHINERY`])?
pub fn is_abort_machinery(function: &str) -> bool {
    // Symbolizers may decorate names: "raise@@GLIBC_2.2.5", "abort.cold".
    let base = function
        .split_once('@')
        .map_or(function, |(b, _)| b)
        .trim_end_matches(".cold");
    ABORT_MACHINERY.contains(&base)
}

/// `(group id, signature text)` of a report.
///
/// The text is the signal name (or `reason` for a dump without a signal) and
/// the names of the top [`SIGNATURE_FRAMES`] named frames of the first
/// (crashing) thread, innermost first, after skipping frames without a
/// function name and the leading frames of the abort machinery:
/// `SIGSEGV at c < b < a`. When no frame has a name, module-relative offsets
/// stand in (`SIGSEGV at prog+0x1149 < ...`, stable across ASLR); with no
/// frame at all the executable's file name does (`SIGSEGV in prog`).
///
/// The group id is 12 lowercase hex digits of the FNV-1a 64 hash of the text.
pub fn signature(report: &Report) -> (String, String) {
    let text = signature_text(report);
    (group_id(&text), text)
}

/// The group id of a signature text: the first 12 hex digits of its FNV-1a 64 hash.
pub fn group_id(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")[..12].to_string()
}

fn signature_text(report: &Report) -> String {
    let head = report.signal_label().unwrap_or_else(|| {
        if report.reason.is_empty() {
            "crash".to_string()
        } else {
            report.reason.clone()
        }
    });
    let frames: &[Frame] = report.threads.first().map_or(&[], |t| &t.frames);

    let named: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.function.as_deref().filter(|n| !n.is_empty()))
        .skip_while(|n| is_abort_machinery(n))
        .take(SIGNATURE_FRAMES)
        .collect();
    if !named.is_empty() {
        return format!("{head} at {}", named.join(" < "));
    }

    let located: Vec<String> = frames
        .iter()
        .filter_map(|f| match (&f.module, f.module_offset) {
            (Some(m), Some(off)) => Some(format!("{}+0x{off:x}", basename(m))),
            _ => None,
        })
        .take(SIGNATURE_FRAMES)
        .collect();
    if !located.is_empty() {
        return format!("{head} at {}", located.join(" < "));
    }

    if report.executable.is_empty() {
        head
    } else {
        format!("{head} in {}", basename(&report.executable))
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable() {
        // FNV-1a 64 of "" is the offset basis; of "a" a well-known value.
        assert_eq!(group_id(""), "cbf29ce48422");
        assert_eq!(group_id("a"), "af63dc4c8601");
    }

    #[test]
    fn decorated_names() {
        assert!(is_abort_machinery("raise"));
        assert!(is_abort_machinery("abort@@GLIBC_2.2.5"));
        assert!(is_abort_machinery("__assert_fail_base.cold"));
        assert!(!is_abort_machinery("main"));
    }
}
