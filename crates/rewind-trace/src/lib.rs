//! The rewind trace format.
//!
//! A trace is a directory:
//!
//! - `events`: a fixed preamble (magic, format version), a checksummed header, then
//!   a sequence of *chunks*. Each chunk is an independent zstd frame holding a run of
//!   postcard-encoded [`Event`]s, with its own length, event count and CRC32, so a
//!   reader can stop cleanly at the last complete chunk of a recording that was cut
//!   short, and detects corruption instead of replaying garbage.
//! - `files/`: copies of every executable and mapped file, so replay does not
//!   depend on the originals still being there or unchanged, and `files/index`
//!   with the size and checksum of each.
//!
//! The stream's last event is [`Event::End`] when the recording finished normally.

pub mod catalog;
mod event;
pub mod extents;
mod files;
mod format;

pub use event::*;
pub use files::{FileStore, StoredFile, FILES_INDEX};
pub use format::{
    CpuidRecord, EventReader, Header, ReaderPos, RecordingMode, TraceError, TraceWriter,
    EVENTS_FILE, FILES_DIR, FORMAT_VERSION,
};
