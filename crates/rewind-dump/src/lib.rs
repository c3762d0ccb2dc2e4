//! ELF core files for rewind's crash monitor.
//!
//! [`capture`] takes the state of a process whose threads the caller has
//! stopped under ptrace (registers including the XSAVE area, signal masks,
//! mappings chosen by its `coredump_filter`), [`write_core`] writes it as an
//! ELF core file gdb opens, reading memory from that process or from a
//! copy-on-write fork of it, and [`read_core`] reads one back (cores the kernel
//! hands to `rewind crashes ingest`).
//!
//! We write cores ourselves rather than through `elfcore` because a crash
//! report needs the real `NT_SIGINFO` (fault address, si_code), and because
//! the kernel's dump rules (code pages come from the files, untouched memory is
//! not written) keep cores small; elfcore writes zeroed siginfo and whole regions.

mod capture;
mod read;
mod write;

pub use capture::{
    capture, capture_thread, cpu_times, process_uptime, regions_from_smaps, system_uptime,
    DumpPart, ProcessState, Region, ThreadState,
};
pub use read::{parse_core, read_core, CoreFile, CoreThread, FileMapping};
pub use write::write_core;
