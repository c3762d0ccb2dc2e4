//! The crash store of `rewind monitor`: a directory holding compressed ELF
//! core dumps and an SQLite index of crashes with their reports, grouped by
//! signature, with a disk quota and retention.
//!
//! ```no_run
//! use rewind_store::{Filter, Report, Store, StoreOptions};
//! # fn main() -> Result<(), rewind_store::StoreError> {
//! let mut store = Store::open(&Store::default_root()?)?;
//! let report = Report { reason: "crash".into(), ..Report::default() };
//! let outcome = store.add(&report, None, &StoreOptions::default())?;
//! for crash in store.list(&Filter::default())? {
//!     println!("{} {} {}", crash.id, crash.group, crash.signature);
//! }
//! # let _ = outcome; Ok(()) }
//! ```
//!
//! See README.md for the layout on disk, the schema and why adds are atomic.

mod error;
mod report;
mod safety;
mod signature;
mod store;

pub use error::StoreError;
pub use report::{local_time, signal_name, Frame, ModuleReport, Report, ThreadReport};
pub use signature::{group_id, is_abort_machinery, signature, ABORT_MACHINERY, SIGNATURE_FRAMES};
pub use store::{
    human_bytes, AddOutcome, Crash, CrashSummary, Filter, GroupSummary, IncomingCore, Kind,
    PruneStats, Store, StoreOptions, DUMPS_DIR, DUMP_SUFFIX, INCOMING_DIR, INDEX_FILE,
    SCHEMA_VERSION,
};
