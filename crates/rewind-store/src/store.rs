//! The crash store: a directory with an SQLite index and compressed core dumps.
//!
//! ```text
//! ROOT/index.sqlite              the index (WAL mode: also index.sqlite-wal, -shm)
//! ROOT/dumps/<id>.core.zst       the compressed core dump of crash <id>
//! ROOT/dumps/.tmp-<pid>-...      a dump being written (flock'ed by its writer)
//! ROOT/incoming/<pid>-...core    a raw core being written by a monitor (flock'ed)
//! ```
//!
//! See the crate's README for the atomicity argument.

use crate::error::{io_reason, StoreError};
use crate::report::Report;
use crate::safety::{self, check_private, create_private_file, private_subdir};
use crate::signature::signature;
use rusqlite::{
    params, params_from_iter, Connection, ErrorCode, OptionalExtension, TransactionBehavior,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Version of the index schema, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 2;
/// File name of the index inside the store's directory.
pub const INDEX_FILE: &str = "index.sqlite";
/// Directory of the dumps inside the store's directory.
pub const DUMPS_DIR: &str = "dumps";
/// Directory of the raw cores being written, inside the store's directory.
pub const INCOMING_DIR: &str = "incoming";
/// Suffix of a dump's file name (`<id>.core.zst`).
pub const DUMP_SUFFIX: &str = ".core.zst";
/// Prefix of a dump being written.
const TEMP_PREFIX: &str = ".tmp-";
/// zstd level of the dumps.
const ZSTD_LEVEL: i32 = 3;
/// How long an operation waits for another process holding the index locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Size of the copy buffer when compressing and decompressing.
const COPY_BUFFER: usize = 1 << 20;

/// Schema version 1; [`MIGRATE_TO_2`] brings it to version 2.
const SCHEMA_V1: &str = "
CREATE TABLE crashes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    complete    INTEGER NOT NULL,     -- 0 while an add is in progress: invisible to readers
    temp_file   TEXT,                 -- name in dumps/ of the dump being written (in-progress adds)
    added       INTEGER NOT NULL,     -- unix seconds when the row was created
    grp         TEXT NOT NULL,        -- group id: 12 hex digits of the signature's hash
    signature   TEXT NOT NULL,        -- 'SIGSEGV at c < b < a'
    reason      TEXT NOT NULL,
    signal      TEXT,                 -- 'SIGSEGV'
    time        INTEGER NOT NULL,     -- unix seconds of the crash
    pid         INTEGER NOT NULL,
    executable  TEXT NOT NULL,
    dump_file   TEXT,                 -- name in dumps/ ('12.core.zst'), NULL when no dump is kept
    dump_bytes  INTEGER NOT NULL DEFAULT 0,  -- size of the compressed dump
    core_bytes  INTEGER NOT NULL DEFAULT 0,  -- size of the uncompressed core
    note        TEXT,                 -- why the dump was not kept, or other remarks
    report      TEXT NOT NULL         -- the Report as JSON
);
CREATE INDEX crashes_time ON crashes(complete, time);
CREATE INDEX crashes_group ON crashes(grp, time);
";

/// Version 1 to 2: which program a crash counts against (store-wide dump
/// limits), whether a dump was taken (it stays counted when pruning removes
/// it), the core's hash (the same core is stored once), and the limits.
const MIGRATE_TO_2: &str = "
ALTER TABLE crashes ADD COLUMN program TEXT;
ALTER TABLE crashes ADD COLUMN dumped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crashes ADD COLUMN core_hash TEXT;
UPDATE crashes SET program = executable, dumped = (dump_file IS NOT NULL);
CREATE INDEX crashes_program ON crashes(program, added);
CREATE INDEX crashes_core ON crashes(core_hash);
CREATE TABLE dump_limits (
    program     TEXT PRIMARY KEY,     -- executable path of the monitored program
    max_dumps   INTEGER NOT NULL,     -- --max-dumps
    since       INTEGER NOT NULL      -- unix seconds when this limit was first given
);
";

/// Options of [`Store::add`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// Total compressed dump bytes allowed in the store; a dump that would go
    /// over it is not kept (the crash is recorded without it).
    pub quota_bytes: Option<u64>,
    /// The program whose dump limits the crash counts against (the
    /// executable a monitor watches, also for crashes of its children);
    /// default: the report's executable.
    pub program: Option<String>,
    /// A core already stored (the same bytes) is not stored again: the add
    /// returns the earlier crash (`AddOutcome::duplicate`). For the
    /// core_pattern handler, which may be handed the same core twice; a
    /// monitor's snapshots of an idle process are identical but distinct events.
    pub once_per_core: bool,
}

/// What [`Store::add`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOutcome {
    pub id: i64,
    pub group: String,
    pub signature: String,
    pub dump_kept: bool,
    /// Size of the compressed dump (0 when not kept).
    pub dump_bytes: u64,
    /// Size of the uncompressed core (0 when not read).
    pub core_bytes: u64,
    /// The stored report's note: why the dump was not kept, if it was not.
    pub note: Option<String>,
    /// The same core was stored before, as crash `id`: nothing was added.
    pub duplicate: bool,
}

/// What a stored entry is: a real crash, a snapshot taken on demand, or a
/// dump taken by a trigger (CPU, memory, threads, fds, a signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Crash,
    Snapshot,
    Trigger,
}

impl Kind {
    /// The kind of an entry stored with this reason.
    pub fn of(reason: &str) -> Kind {
        match reason {
            "crash" => Kind::Crash,
            "snapshot" => Kind::Snapshot,
            _ => Kind::Trigger,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Crash => "crash",
            Kind::Snapshot => "snapshot",
            Kind::Trigger => "trigger",
        }
    }

    /// "crash", "snapshot" or "trigger".
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Crash, Kind::Snapshot, Kind::Trigger]
            .into_iter()
            .find(|k| k.name() == s)
    }
}

/// Which crashes [`Store::list`] returns. All fields empty: all crashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Crashes at or after this unix time.
    pub since: Option<i64>,
    /// Crashes of this group id.
    pub group: Option<String>,
    /// Crashes of this executable: its full path, or its file name.
    pub executable: Option<String>,
    /// Crashes of this process id.
    pub pid: Option<i32>,
    /// Only real crashes, snapshots or trigger dumps.
    pub kind: Option<Kind>,
}

/// One crash, without its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashSummary {
    pub id: i64,
    pub group: String,
    pub signature: String,
    /// "SIGSEGV".
    pub signal: Option<String>,
    pub reason: String,
    pub time: i64,
    pub pid: i32,
    pub executable: String,
    /// Absolute path of the compressed dump, None when not kept.
    pub dump: Option<PathBuf>,
    pub dump_bytes: u64,
    pub core_bytes: u64,
    pub note: Option<String>,
}

impl CrashSummary {
    pub fn kind(&self) -> Kind {
        Kind::of(&self.reason)
    }
}

/// One crash with its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crash {
    pub summary: CrashSummary,
    pub report: Report,
}

impl Crash {
    /// The report rendered as text, preceded by the store's view of the crash
    /// (id, group, signature, dump).
    pub fn render(&self) -> String {
        let s = &self.summary;
        let mut out = format!(
            "{:>16}: {}\n{:>16}: {} ({})\n",
            "Crash", s.id, "Group", s.group, s.signature
        );
        let dump = match &s.dump {
            Some(p) => format!(
                "{} ({} compressed, {} uncompressed)",
                p.display(),
                human_bytes(s.dump_bytes),
                human_bytes(s.core_bytes)
            ),
            None => "none".to_string(),
        };
        out.push_str(&format!("{:>16}: {}\n", "Dump", dump));
        out.push_str(&self.report.render());
        out
    }
}

/// One group of crashes with the same signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: String,
    pub signature: String,
    pub count: u64,
    pub first_time: i64,
    pub last_time: i64,
    /// Distinct executables, sorted.
    pub executables: Vec<String>,
    /// Id of the newest crash of the group.
    pub last_crash: i64,
}

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneStats {
    /// Rows (crashes) removed.
    pub crashes_removed: u64,
    /// Dump files removed.
    pub dumps_removed: u64,
    /// Compressed bytes freed.
    pub bytes_freed: u64,
}

/// A crash store opened on a directory. Several `Store`s, in one process or
/// many, may share a directory.
pub struct Store {
    root: PathBuf,
    dumps: PathBuf,
    incoming: PathBuf,
    index: PathBuf,
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// A raw core being written into `incoming/` (see [`Store::incoming_core`]).
/// The file is removed when this is dropped.
#[derive(Debug)]
pub struct IncomingCore {
    path: PathBuf,
    file: File,
}

impl IncomingCore {
    /// Where the core is, for [`Store::add`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, to write the core into.
    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for IncomingCore {
    fn drop(&mut self) {
        remove_if_exists(&self.path);
    }
}

/// An add in progress: its row (complete = 0) and its locked temporary file.
struct Pending {
    id: i64,
    temp: PathBuf,
    dump_name: String,
    /// The temporary file, flock'ed for as long as the add runs; the lock
    /// follows the file through its rename.
    file: File,
}

impl Store {
    /// Default root: `$REWIND_STORE`, else `$XDG_DATA_HOME/rewind/crashes`,
    /// else `~/.local/share/rewind/crashes`.
    pub fn default_root() -> Result<PathBuf, StoreError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(p) = var("REWIND_STORE") {
            return Ok(p);
        }
        if let Some(p) = var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
            return Ok(p.join("rewind").join("crashes"));
        }
        if let Some(home) = var("HOME") {
            return Ok(home.join(".local/share/rewind/crashes"));
        }
        Err(StoreError::NoDefaultRoot)
    }

    /// Opens the store at `root`, creating the directory and the index if
    /// needed, and removes what interrupted adds left behind. A directory
    /// that is another user's, or that others may write into, is refused
    /// ([`StoreError::Unsafe`]).
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        Store::open_with(root, true)
    }

    /// Opens an existing store, for commands that only read it: a directory
    /// without a store's index gives [`StoreError::NoStore`], and nothing
    /// is created.
    pub fn open_existing(root: &Path) -> Result<Store, StoreError> {
        Store::open_with(root, false)
    }

    fn open_with(root: &Path, create: bool) -> Result<Store, StoreError> {
        let root = absolute(root);
        let not_writable = |e: &io::Error| StoreError::NotWritable {
            path: root.clone(),
            reason: io_reason(e),
        };
        let index = root.join(INDEX_FILE);
        if create {
            safety::create_private_dir(&root).map_err(|e| not_writable(&e))?;
        }
        // The root may be reached through a link (a moved home directory);
        // what matters is whose it is and who may write into it.
        let meta = match fs::metadata(&root) {
            Ok(m) => m,
            Err(_) if !create => return Err(StoreError::NoStore { path: root }),
            Err(e) => return Err(not_writable(&e)),
        };
        if !meta.is_dir() {
            if !create {
                return Err(StoreError::NoStore { path: root });
            }
            return Err(StoreError::NotWritable {
                path: root.clone(),
                reason: "not a directory".into(),
            });
        }
        let index_state = fs::symlink_metadata(&index).map_err(|e| e.kind());
        if !create
            && meta.uid() != safety::my_uid()
            && matches!(index_state, Err(io::ErrorKind::NotFound))
        {
            // Someone else's directory that holds no store (`--store /etc`).
            return Err(StoreError::NoStore { path: root });
        }
        // Someone else's store (or one we cannot look into) is refused
        // before anything in it is used, even only to read it.
        check_private(&root, &meta)?;
        if !create && !index_state.is_ok_and(|m| !m.is_dir()) {
            return Err(StoreError::NoStore { path: root });
        }
        let dumps = root.join(DUMPS_DIR);
        let incoming = root.join(INCOMING_DIR);
        private_subdir(&dumps)?;
        private_subdir(&incoming)?;
        probe_writable(&root).map_err(|e| not_writable(&e))?;
        probe_writable(&dumps).map_err(|e| not_writable(&e))?;
        safety::check_index_files(&index)?;

        let conn = Connection::open(&index).map_err(|e| sql_error(&index, &root, e))?;
        let mut store = Store {
            root,
            dumps,
            incoming,
            index,
            conn,
        };
        store.configure()?;
        store.clean_up()?;
        Ok(store)
    }

    /// The store's directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the index database.
    pub fn index_path(&self) -> &Path {
        &self.index
    }

    fn sql(&self, e: rusqlite::Error) -> StoreError {
        sql_error(&self.index, &self.root, e)
    }

    fn io(&self, action: &'static str, path: &Path, e: io::Error) -> StoreError {
        StoreError::Io {
            root: self.root.clone(),
            action,
            path: path.to_path_buf(),
            reason: io_reason(&e),
        }
    }

    /// WAL mode, busy timeout, schema.
    fn configure(&mut self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.sql(e))?;
        // Switching to WAL takes a lock of its own that the busy handler does
        // not always wait for: retry while another opener holds it.
        let start = Instant::now();
        loop {
            let r = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| {
                    row.get::<_, String>(0)
                });
            match r {
                Ok(_) => break,
                Err(e) if is_busy(&e) && start.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(self.sql(e)),
            }
        }
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.sql(e))?;
        if self.conn.is_readonly("main").map_err(|e| self.sql(e))? {
            return Err(StoreError::NotWritable {
                path: self.root.clone(),
                reason: format!("{} is read-only", self.index.display()),
            });
        }

        let version = self.user_version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                index: self.index.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            self.upgrade_schema()?;
        }
        let has_table: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'crashes'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        if has_table == 0 {
            return Err(StoreError::Damaged {
                index: self.index.clone(),
                detail: "its crashes table is missing".into(),
            });
        }
        Ok(())
    }

    /// Creates the schema of a new index, or brings an older one up to
    /// [`SCHEMA_VERSION`], in one transaction (another opener may be doing
    /// the same: the version is read again under the lock).
    fn upgrade_schema(&mut self) -> Result<(), StoreError> {
        let index = self.index.clone();
        let root = self.root.clone();
        let err = |e: rusqlite::Error| sql_error(&index, &root, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if version == 0 {
            let tables: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                    [],
                    |r| r.get(0),
                )
                .map_err(err)?;
            if tables != 0 {
                return Err(StoreError::Damaged {
                    index: self.index.clone(),
                    detail: "it is an SQLite database but not a rewind crash store index".into(),
                });
            }
            tx.execute_batch(SCHEMA_V1).map_err(err)?;
            version = 1;
        }
        if version == 1 {
            tx.execute_batch(MIGRATE_TO_2).map_err(err)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .and_then(|()| tx.commit())
            .map_err(err)
    }

    fn user_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    // ---- cleaning up after interrupted adds ----

    /// Removes what adds interrupted by a crash of their process left behind:
    /// rows of adds in progress whose writer is gone, temporary files, and
    /// dump files without a row. Adds still running elsewhere hold a lock on
    /// their file and are left alone.
    fn clean_up(&mut self) -> Result<(), StoreError> {
        let pending: Vec<(i64, Option<String>)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, temp_file FROM crashes WHERE complete = 0")
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
            rows.map_err(|e| self.sql(e))?
        };
        for (id, temp) in pending {
            self.reap_if_abandoned(id, temp.as_deref())?;
        }

        let kept: HashSet<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT dump_file FROM crashes WHERE dump_file IS NOT NULL")
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<HashSet<_>, _>>());
            rows.map_err(|e| self.sql(e))?
        };
        let entries = fs::read_dir(&self.dumps).map_err(|e| self.io("read", &self.dumps, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.io("read", &self.dumps, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let path = entry.path();
            if name.starts_with(TEMP_PREFIX) {
                if let Lock::Acquired(_lock) = try_lock(&path) {
                    remove_if_exists(&path);
                }
            } else if let Some(id) = parse_dump_name(&name) {
                if kept.contains(&name) {
                    continue;
                }
                let Lock::Acquired(_lock) = try_lock(&path) else {
                    continue;
                };
                // Look again, under the lock: the add may have completed since.
                match self.row_state(id)? {
                    Some(RowState::Complete { dump_file })
                        if dump_file.as_deref() == Some(&name) => {}
                    Some(RowState::Pending) => {
                        remove_if_exists(&path);
                        self.delete_pending_row(id)?;
                    }
                    _ => remove_if_exists(&path),
                }
            }
        }
        self.clean_incoming()
    }

    /// Removes the raw cores of monitors that died while writing or storing
    /// them: a live writer holds a lock on its file; anything else in
    /// `incoming/` (a leftover, a link) goes.
    fn clean_incoming(&self) -> Result<(), StoreError> {
        let entries =
            fs::read_dir(&self.incoming).map_err(|e| self.io("read", &self.incoming, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if !matches!(try_lock(&path), Lock::Held) {
                remove_if_exists(&path);
            }
        }
        Ok(())
    }

    /// A new file in `incoming/` for the raw core of process `pid`, before
    /// [`Store::add`] compresses it: created without following links, mode
    /// 0600, under a new name (never an existing file), and locked so that no
    /// `open()` removes it while its writer lives. Removed when dropped.
    pub fn incoming_core(&self, pid: i32) -> Result<IncomingCore, StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let (path, file) = self.create_locked_unique(&self.incoming, || {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            format!(
                "{}-{pid}-{nanos:09}-{}.core",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            )
        })?;
        Ok(IncomingCore { path, file })
    }

    /// Removes the row and files of in-progress add `id` if its writer is gone.
    fn reap_if_abandoned(&mut self, id: i64, temp: Option<&str>) -> Result<(), StoreError> {
        let mut candidates = Vec::new();
        if let Some(t) = temp {
            candidates.push(self.dumps.join(t));
        }
        candidates.push(self.dumps.join(dump_name(id)));
        let mut locks = Vec::new();
        for path in candidates {
            match try_lock(&path) {
                Lock::Held => return Ok(()), // its writer is alive
                Lock::Acquired(f) => locks.push((path, f)),
                Lock::Missing => {}
            }
        }
        if self.row_state(id)? == Some(RowState::Pending) {
            for (path, _) in &locks {
                remove_if_exists(path);
            }
            self.delete_pending_row(id)?;
        }
        Ok(())
    }

    fn row_state(&self, id: i64) -> Result<Option<RowState>, StoreError> {
        self.conn
            .query_row(
                "SELECT complete, dump_file FROM crashes WHERE id = ?1",
                [id],
                |r| {
                    Ok(if r.get::<_, i64>(0)? != 0 {
                        RowState::Complete {
                            dump_file: r.get(1)?,
                        }
                    } else {
                        RowState::Pending
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    fn delete_pending_row(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM crashes WHERE id = ?1 AND complete = 0", [id])
            .map(drop)
            .map_err(|e| self.sql(e))
    }

    // ---- adding ----

    /// Adds a crash. `core`: path of an uncompressed ELF core written by the
    /// caller; the store compresses it into `dumps/<id>.core.zst` (the caller
    /// deletes its file afterwards).
    ///
    /// When the dump cannot be kept (it would exceed `options.quota_bytes`,
    /// the core cannot be read, the disk is full...), the crash is still
    /// recorded, without a dump, and the stored report's note says why.
    ///
    /// Atomic: readers see the crash, with its dump, or not at all; what an
    /// interrupted add leaves behind is removed by the next [`Store::open`].
    pub fn add(
        &mut self,
        report: &Report,
        core: Option<&Path>,
        options: &StoreOptions,
    ) -> Result<AddOutcome, StoreError> {
        let (group, sig) = signature(report);
        let mut report = report.clone();
        let row = NewRow {
            group: &group,
            sig: &sig,
            now: unix_now(),
            program: options.program.as_deref().unwrap_or(&report.executable),
        };

        let Some(core) = core else {
            let id = self.insert_row(&report, &row, None)?;
            return Ok(AddOutcome {
                id,
                group,
                signature: sig,
                dump_kept: false,
                dump_bytes: 0,
                core_bytes: 0,
                note: report.note,
                duplicate: false,
            });
        };

        let pending = self.begin_pending(&report, &row)?;
        let id = pending.id;
        let files = [pending.temp.clone(), self.dumps.join(&pending.dump_name)];
        match self.finish_add(pending, &mut report, core, options) {
            Ok(Finished::Duplicate(existing)) => self.outcome_of_existing(existing),
            Ok(Finished::Added {
                kept: dump_kept,
                dump_bytes,
                core_bytes,
            }) => Ok(AddOutcome {
                id,
                group,
                signature: sig,
                dump_kept,
                dump_bytes,
                core_bytes,
                note: report.note,
                duplicate: false,
            }),
            Err(e) => {
                // Nothing of it stays: the files, then the row (if the index
                // cannot be written now, the next open() removes the row).
                for f in &files {
                    remove_if_exists(f);
                }
                let _ = self.delete_pending_row(id);
                Err(e)
            }
        }
    }

    /// What an add of a core stored before returns: the earlier crash.
    fn outcome_of_existing(&self, id: i64) -> Result<AddOutcome, StoreError> {
        let crash = self.get(id)?.ok_or_else(|| StoreError::NoSuchCrash {
            root: self.root.clone(),
            id,
        })?;
        let s = crash.summary;
        Ok(AddOutcome {
            id,
            group: s.group,
            signature: s.signature,
            dump_kept: s.dump.is_some(),
            dump_bytes: s.dump_bytes,
            core_bytes: s.core_bytes,
            note: s.note,
            duplicate: true,
        })
    }

    fn report_json(&self, report: &Report) -> Result<String, StoreError> {
        serde_json::to_string(report).map_err(|e| StoreError::Index {
            index: self.index.clone(),
            detail: format!("cannot encode the report: {e}"),
        })
    }

    /// Inserts a crash row and returns its id: complete (no dump) when
    /// `temp_file` is None, else in progress until its dump is renamed into place.
    fn insert_row(
        &self,
        report: &Report,
        row: &NewRow<'_>,
        temp_file: Option<&str>,
    ) -> Result<i64, StoreError> {
        let json = self.report_json(report)?;
        self.conn
            .execute(
                "INSERT INTO crashes (complete, temp_file, added, grp, signature, reason, signal, time, pid, executable, note, report, program)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    temp_file.is_none(),
                    temp_file,
                    row.now,
                    row.group,
                    row.sig,
                    report.reason,
                    report.signal_label(),
                    report.time,
                    report.pid,
                    report.executable,
                    report.note,
                    json,
                    row.program
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Creates and locks the temporary dump file, then the in-progress row.
    fn begin_pending(&mut self, report: &Report, row: &NewRow<'_>) -> Result<Pending, StoreError> {
        let (temp, file) = self.create_locked_temp()?;
        let temp_name = temp
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let id = match self.insert_row(report, row, Some(&temp_name)) {
            Ok(id) => id,
            Err(e) => {
                remove_if_exists(&temp);
                return Err(e);
            }
        };
        Ok(Pending {
            id,
            temp,
            dump_name: dump_name(id),
            file,
        })
    }

    /// A new file `dumps/.tmp-...`, created and flock'ed.
    fn create_locked_temp(&self) -> Result<(PathBuf, File), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        self.create_locked_unique(&self.dumps, || {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            format!(
                "{TEMP_PREFIX}{}-{nanos}-{}{DUMP_SUFFIX}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            )
        })
    }

    /// A new private file in `dir` under a name from `name` (never an existing
    /// file, never through a link), flock'ed. Made again if a concurrent
    /// open() removed it between its creation and the lock.
    fn create_locked_unique(
        &self,
        dir: &Path,
        mut name: impl FnMut() -> String,
    ) -> Result<(PathBuf, File), StoreError> {
        loop {
            let path = dir.join(name());
            let file = match create_private_file(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(self.io("create", &path, e)),
            };
            flock(&file, libc::LOCK_EX).map_err(|e| self.io("lock", &path, e))?;
            let ours = file.metadata().map_err(|e| self.io("stat", &path, e))?;
            match fs::symlink_metadata(&path) {
                Ok(m) if m.ino() == ours.ino() && m.dev() == ours.dev() => return Ok((path, file)),
                _ => continue,
            }
        }
    }

    /// Compresses the core into the pending add's file, then completes its
    /// row, with the dump if it fits the quota; or, when the same core was
    /// stored before, removes the pending row and names the earlier crash.
    /// On error, the files are removed (the row is left to the caller).
    fn finish_add(
        &mut self,
        pending: Pending,
        report: &mut Report,
        core: &Path,
        options: &StoreOptions,
    ) -> Result<Finished, StoreError> {
        let final_path = self.dumps.join(&pending.dump_name);
        let mut why_not: Option<String> = None;
        let mut core_bytes = 0;
        let mut dump_bytes = 0;
        let mut core_hash = None;

        let used = self.dump_bytes()?;
        let room = options.quota_bytes.map(|q| q.saturating_sub(used));
        if room == Some(0) {
            why_not = Some(quota_note(options.quota_bytes.unwrap_or(0), used, None));
        } else {
            match compress(core, &pending.file, room) {
                Ok((c, d, h)) => {
                    core_bytes = c;
                    dump_bytes = d;
                    core_hash = Some(h);
                }
                Err(CompressError::OverQuota { written }) => {
                    core_bytes = fs::metadata(core).map_or(0, |m| m.len());
                    why_not = Some(quota_note(
                        options.quota_bytes.unwrap_or(0),
                        used,
                        Some((written, false)),
                    ));
                }
                Err(CompressError::Read(e)) => {
                    why_not = Some(format!(
                        "dump not kept: cannot read the core file {} ({})",
                        core.display(),
                        io_reason(&e)
                    ));
                }
                Err(CompressError::Write(e)) => {
                    why_not = Some(format!(
                        "dump not kept: cannot write it into the store ({})",
                        io_reason(&e)
                    ));
                }
            }
        }

        if core_hash.is_none() {
            // Not compressed whole (quota): the same core is still told apart.
            core_hash = hash_file(core).ok();
            core_bytes = fs::metadata(core).map_or(0, |m| m.len());
        }

        let remove_files = || {
            remove_if_exists(&pending.temp);
            remove_if_exists(&final_path);
        };

        let tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => {
                remove_files();
                return Err(sql_error(&self.index, &self.root, e));
            }
        };
        let earlier: rusqlite::Result<Option<i64>> = match &core_hash {
            Some(h) if options.once_per_core => tx
                .query_row(
                    "SELECT id FROM crashes WHERE complete = 1 AND core_hash = ?1 AND core_bytes = ?2
                     ORDER BY id LIMIT 1",
                    params![h, core_bytes as i64],
                    |r| r.get(0),
                )
                .optional(),
            _ => Ok(None),
        };
        match earlier {
            Ok(Some(existing)) => {
                drop(tx);
                remove_files();
                self.delete_pending_row(pending.id)?;
                return Ok(Finished::Duplicate(existing));
            }
            Ok(None) => {}
            Err(e) => {
                drop(tx);
                remove_files();
                return Err(sql_error(&self.index, &self.root, e));
            }
        }
        let mut kept = why_not.is_none();
        if kept {
            // The quota again, now that no other add can commit meanwhile.
            if let Some(quota) = options.quota_bytes {
                let used_now = match sum_dump_bytes(&tx) {
                    Ok(u) => u,
                    Err(e) => {
                        drop(tx);
                        remove_files();
                        return Err(sql_error(&self.index, &self.root, e));
                    }
                };
                if used_now.saturating_add(dump_bytes) > quota {
                    why_not = Some(quota_note(quota, used_now, Some((dump_bytes, true))));
                    kept = false;
                }
            }
        }
        if kept {
            if let Err(e) =
                fs::rename(&pending.temp, &final_path).and_then(|()| sync_dir(&self.dumps))
            {
                remove_if_exists(&final_path);
                why_not = Some(format!(
                    "dump not kept: cannot move it into place ({})",
                    io_reason(&e)
                ));
                kept = false;
            }
        }
        if let Some(why) = &why_not {
            report.note = Some(match report.note.take() {
                Some(n) if !n.is_empty() => format!("{n}; {why}"),
                _ => why.clone(),
            });
            dump_bytes = 0;
        }
        let json = match serde_json::to_string(&*report) {
            Ok(j) => j,
            Err(e) => {
                drop(tx);
                remove_files();
                return Err(StoreError::Index {
                    index: self.index.clone(),
                    detail: format!("cannot encode the report: {e}"),
                });
            }
        };
        let dump_file = kept.then(|| pending.dump_name.clone());
        let committed = tx
            .execute(
                "UPDATE crashes SET complete = 1, temp_file = NULL, dump_file = ?2, dump_bytes = ?3,
                 core_bytes = ?4, note = ?5, report = ?6, dumped = ?7, core_hash = ?8 WHERE id = ?1",
                params![
                    pending.id,
                    dump_file,
                    dump_bytes as i64,
                    core_bytes as i64,
                    report.note,
                    json,
                    kept,
                    core_hash
                ],
            )
            .and_then(|_| tx.commit());
        if let Err(e) = committed {
            remove_files();
            return Err(sql_error(&self.index, &self.root, e));
        }
        if !kept {
            remove_if_exists(&pending.temp);
        }
        drop(pending.file); // releases the lock
        Ok(Finished::Added {
            kept,
            dump_bytes,
            core_bytes,
        })
    }

    // ---- reading ----

    /// Crashes matching `filter`, oldest first (newest last).
    pub fn list(&self, filter: &Filter) -> Result<Vec<CrashSummary>, StoreError> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM crashes WHERE complete = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(since) = filter.since {
            args.push(since.into());
            sql.push_str(&format!(" AND time >= ?{}", args.len()));
        }
        if let Some(group) = &filter.group {
            args.push(group.to_ascii_lowercase().into());
            sql.push_str(&format!(" AND grp = ?{}", args.len()));
        }
        if let Some(exe) = &filter.executable {
            args.push(exe.clone().into());
            let n = args.len();
            sql.push_str(&format!(
                " AND (executable = ?{n} OR (instr(?{n}, '/') = 0 AND substr(executable, -length(?{n}) - 1) = '/' || ?{n}))"
            ));
        }
        if let Some(pid) = filter.pid {
            args.push(pid.into());
            sql.push_str(&format!(" AND pid = ?{}", args.len()));
        }
        match filter.kind {
            Some(Kind::Crash) => sql.push_str(" AND reason = 'crash'"),
            Some(Kind::Snapshot) => sql.push_str(" AND reason = 'snapshot'"),
            Some(Kind::Trigger) => sql.push_str(" AND reason NOT IN ('crash', 'snapshot')"),
            None => {}
        }
        sql.push_str(" ORDER BY time, id");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| self.summary_from_row(r))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| self.sql(e))
    }

    fn summary_from_row(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<CrashSummary> {
        let dump_file: Option<String> = r.get(8)?;
        Ok(CrashSummary {
            id: r.get(0)?,
            group: r.get(1)?,
            signature: r.get(2)?,
            signal: r.get(3)?,
            reason: r.get(4)?,
            time: r.get(5)?,
            pid: r.get(6)?,
            executable: r.get(7)?,
            dump: dump_file.map(|f| self.dumps.join(f)),
            dump_bytes: r.get::<_, i64>(9)?.max(0) as u64,
            core_bytes: r.get::<_, i64>(10)?.max(0) as u64,
            note: r.get(11)?,
        })
    }

    /// One crash with its report, or None if there is no such crash.
    pub fn get(&self, id: i64) -> Result<Option<Crash>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, report FROM crashes WHERE id = ?1 AND complete = 1"
                ),
                [id],
                |r| Ok((self.summary_from_row(r)?, r.get::<_, String>(12)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((summary, json)) = row else {
            return Ok(None);
        };
        let report = serde_json::from_str(&json).map_err(|e| StoreError::Damaged {
            index: self.index.clone(),
            detail: format!("the report of crash {id} cannot be read ({e})"),
        })?;
        Ok(Some(Crash { summary, report }))
    }

    /// The groups of crashes, the group with the oldest last crash first.
    pub fn groups(&self) -> Result<Vec<GroupSummary>, StoreError> {
        let mut executables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT grp, executable FROM crashes WHERE complete = 1 ORDER BY grp, executable")
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| self.sql(e))?;
            for (g, exe) in rows {
                executables.entry(g).or_default().push(exe);
            }
        }
        // Per group: counts and times, and the newest crash (its id and signature).
        let mut stmt = self
            .conn
            .prepare(
                "SELECT g.grp, g.n, g.first, g.last, c.id, c.signature
                 FROM (SELECT grp, COUNT(*) AS n, MIN(time) AS first, MAX(time) AS last
                       FROM crashes WHERE complete = 1 GROUP BY grp) AS g
                 JOIN crashes c ON c.id = (SELECT id FROM crashes l WHERE l.grp = g.grp AND l.complete = 1
                                           ORDER BY time DESC, id DESC LIMIT 1)
                 ORDER BY g.last, c.id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        let groups = rows
            .into_iter()
            .map(
                |(id, count, first_time, last_time, last_crash, signature)| GroupSummary {
                    executables: executables.remove(&id).unwrap_or_default(),
                    id,
                    signature,
                    count: count.max(0) as u64,
                    first_time,
                    last_time,
                    last_crash,
                },
            )
            .collect();
        Ok(groups)
    }

    /// Decompresses the dump of crash `id` to `out` (written to a temporary
    /// file beside it, then renamed). Returns the size of the core.
    pub fn export_dump(&self, id: i64, out: &Path) -> Result<u64, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT dump_file, core_bytes, note FROM crashes WHERE id = ?1 AND complete = 1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((dump_file, core_bytes, note)) = row else {
            return Err(StoreError::NoSuchCrash {
                root: self.root.clone(),
                id,
            });
        };
        let Some(dump_file) = dump_file else {
            return Err(StoreError::NoDump {
                id,
                why: note.unwrap_or_else(|| "none was recorded".into()),
            });
        };
        let src_path = self.dumps.join(dump_file);
        let src = match File::open(&src_path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::DumpMissing { id, path: src_path })
            }
            Err(e) => return Err(self.io("open", &src_path, e)),
        };
        let damaged = |detail: String| StoreError::DumpDamaged {
            id,
            path: src_path.clone(),
            detail,
        };
        let export_err = |e: &io::Error| StoreError::Export {
            path: out.to_path_buf(),
            reason: io_reason(e),
        };

        let mut decoder =
            zstd::stream::read::Decoder::new(src).map_err(|e| damaged(io_reason(&e)))?;
        let (temp, mut file) = create_temp_beside(out).map_err(|e| export_err(&e))?;
        let result = (|| {
            let mut buf = vec![0u8; COPY_BUFFER];
            let mut total: u64 = 0;
            loop {
                let n = match decoder.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(damaged(io_reason(&e))),
                };
                file.write_all(&buf[..n]).map_err(|e| export_err(&e))?;
                total += n as u64;
            }
            if core_bytes >= 0 && total != core_bytes as u64 {
                return Err(damaged(format!(
                    "it decompresses to {total} bytes, the index says {core_bytes}"
                )));
            }
            file.sync_all().map_err(|e| export_err(&e))?;
            fs::rename(&temp, out).map_err(|e| export_err(&e))?;
            Ok(total)
        })();
        if result.is_err() {
            remove_if_exists(&temp);
        }
        result
    }

    /// Total size of the compressed dumps kept.
    pub fn dump_bytes(&self) -> Result<u64, StoreError> {
        sum_dump_bytes(&self.conn).map_err(|e| self.sql(e))
    }

    /// Records `max_dumps` as the limit on `program`'s dumps in this store
    /// and returns the unix time its count starts from: when this limit was
    /// first given. The same limit given again (a restarted monitor) keeps
    /// counting from then; another limit starts a new count at `now`.
    pub fn set_dump_limit(
        &mut self,
        program: &str,
        max_dumps: u64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let index = self.index.clone();
        let root = self.root.clone();
        let err = |e: rusqlite::Error| sql_error(&index, &root, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let current: Option<(i64, i64)> = tx
            .query_row(
                "SELECT max_dumps, since FROM dump_limits WHERE program = ?1",
                [program],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        let since = match current {
            Some((max, since)) if max == max_dumps as i64 => since,
            _ => {
                tx.execute(
                    "INSERT OR REPLACE INTO dump_limits (program, max_dumps, since) VALUES (?1, ?2, ?3)",
                    params![program, max_dumps as i64, now],
                )
                .map_err(err)?;
                now
            }
        };
        tx.commit().map_err(err)?;
        Ok(since)
    }

    /// Number of dumps taken for `program`'s crashes stored at or after unix
    /// time `since`, counting dumps pruned since for the quota (the crash
    /// is still there) but not crashes removed from the store, nor
    /// snapshots (taken on demand, they are not what the limits are about).
    pub fn dumps_since(&self, program: &str, since: i64) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM crashes WHERE complete = 1 AND dumped = 1 AND program = ?1 AND added >= ?2
                 AND reason != 'snapshot'",
                params![program, since],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.sql(e))
    }

    /// Unix time at which the newest dump of `program`'s crashes (and
    /// trigger dumps; not snapshots) was stored.
    pub fn last_dump_time(&self, program: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT MAX(added) FROM crashes WHERE complete = 1 AND dumped = 1 AND program = ?1
                 AND reason != 'snapshot'",
                [program],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Removes crash `id`: its row, then its dump.
    pub fn remove(&mut self, id: i64) -> Result<(), StoreError> {
        let index = self.index.clone();
        let root = self.root.clone();
        let err = |e: rusqlite::Error| sql_error(&index, &root, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let dump: Option<Option<String>> = tx
            .query_row(
                "SELECT dump_file FROM crashes WHERE id = ?1 AND complete = 1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(dump) = dump else {
            return Err(StoreError::NoSuchCrash {
                root: self.root.clone(),
                id,
            });
        };
        tx.execute("DELETE FROM crashes WHERE id = ?1", [id])
            .and_then(|_| tx.commit())
            .map_err(err)?;
        // As for pruning: the row first, so a crash here leaves a file
        // without a row (removed by the next open()), never the reverse.
        if let Some(f) = dump {
            remove_if_exists(&self.dumps.join(f));
        }
        Ok(())
    }

    // ---- pruning ----

    /// Removes the crashes (rows and dumps) older than `max_age_secs` at unix
    /// time `now`.
    pub fn prune(&mut self, now: i64, max_age_secs: i64) -> Result<PruneStats, StoreError> {
        let cutoff = now.saturating_sub(max_age_secs);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&self.index, &self.root, e))?;
        let doomed: Vec<(Option<String>, i64)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT dump_file, dump_bytes FROM crashes WHERE complete = 1 AND time < ?1",
                )
                .map_err(|e| sql_error(&self.index, &self.root, e))?;
            let rows = stmt
                .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
            rows.map_err(|e| sql_error(&self.index, &self.root, e))?
        };
        let removed = tx
            .execute(
                "DELETE FROM crashes WHERE complete = 1 AND time < ?1",
                [cutoff],
            )
            .and_then(|n| tx.commit().map(|()| n))
            .map_err(|e| sql_error(&self.index, &self.root, e))?;
        // The rows are gone first: a crash here leaves dumps without rows,
        // which the next open() removes; never a row without its dump.
        let mut stats = PruneStats {
            crashes_removed: removed as u64,
            ..PruneStats::default()
        };
        for (file, bytes) in doomed {
            if let Some(f) = file {
                remove_if_exists(&self.dumps.join(f));
                stats.dumps_removed += 1;
                stats.bytes_freed += bytes.max(0) as u64;
            }
        }
        Ok(stats)
    }

    /// Removes the oldest dumps until the dumps take at most `quota_bytes`.
    /// The crashes' rows and reports stay, with a note saying the dump was removed.
    pub fn prune_to_quota(&mut self, quota_bytes: u64) -> Result<PruneStats, StoreError> {
        let index = self.index.clone();
        let root = self.root.clone();
        let err = |e: rusqlite::Error| sql_error(&index, &root, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut total = sum_dump_bytes(&tx).map_err(err)?;
        let mut stats = PruneStats::default();
        if total <= quota_bytes {
            return Ok(stats);
        }
        let dumps: Vec<(i64, String, i64, Option<String>, String)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT id, dump_file, dump_bytes, note, report FROM crashes
                     WHERE complete = 1 AND dump_file IS NOT NULL ORDER BY time, id",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
            rows.map_err(err)?
        };
        let why = format!(
            "dump removed to keep the store under its quota of {}",
            human_bytes(quota_bytes)
        );
        let mut files = Vec::new();
        for (id, file, bytes, note, json) in dumps {
            if total <= quota_bytes {
                break;
            }
            let note = Some(match note {
                Some(n) if !n.is_empty() => format!("{n}; {why}"),
                _ => why.clone(),
            });
            // Keep the report's note in step with the row's; a report that
            // cannot be decoded is left as it is.
            let json = match serde_json::from_str::<Report>(&json) {
                Ok(mut r) => {
                    r.note.clone_from(&note);
                    serde_json::to_string(&r).unwrap_or(json)
                }
                Err(_) => json,
            };
            tx.execute(
                "UPDATE crashes SET dump_file = NULL, dump_bytes = 0, note = ?2, report = ?3 WHERE id = ?1",
                params![id, note, json],
            )
            .map_err(err)?;
            total = total.saturating_sub(bytes.max(0) as u64);
            stats.dumps_removed += 1;
            stats.bytes_freed += bytes.max(0) as u64;
            files.push(file);
        }
        tx.commit().map_err(err)?;
        for f in files {
            remove_if_exists(&self.dumps.join(f));
        }
        Ok(stats)
    }
}

/// The columns of a new row that do not come from the report.
struct NewRow<'a> {
    group: &'a str,
    sig: &'a str,
    /// Unix seconds of the add.
    now: i64,
    /// The program whose dump limits the crash counts against.
    program: &'a str,
}

/// How an add with a core ended.
enum Finished {
    Added {
        kept: bool,
        dump_bytes: u64,
        core_bytes: u64,
    },
    /// The same core is stored as this crash: nothing was added.
    Duplicate(i64),
}

const SUMMARY_COLUMNS: &str =
    "id, grp, signature, signal, reason, time, pid, executable, dump_file, dump_bytes, core_bytes, note";

#[derive(Debug, PartialEq, Eq)]
enum RowState {
    Pending,
    Complete { dump_file: Option<String> },
}

fn sum_dump_bytes(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COALESCE(SUM(dump_bytes), 0) FROM crashes WHERE complete = 1 AND dump_file IS NOT NULL",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
}

fn dump_name(id: i64) -> String {
    format!("{id}{DUMP_SUFFIX}")
}

fn parse_dump_name(name: &str) -> Option<i64> {
    let digits = name.strip_suffix(DUMP_SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Why a dump was not kept for the quota. `dump`: its compressed size, and
/// whether that is all of it (false: compression stopped past this much).
fn quota_note(quota: u64, used: u64, dump: Option<(u64, bool)>) -> String {
    let this = match dump {
        Some((n, true)) => format!(", this dump {}", human_bytes(n)),
        Some((n, false)) => format!(", this dump over {}", human_bytes(n)),
        None => String::new(),
    };
    format!(
        "dump not kept: the store's quota of {} would be exceeded (dumps take {}{this})",
        human_bytes(quota),
        human_bytes(used)
    )
}

/// "512 B", "3.0 KiB", "12.3 MiB", "1.5 GiB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn sql_error(index: &Path, root: &Path, e: rusqlite::Error) -> StoreError {
    let index = index.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::Damaged {
            index,
            detail: "it is not an SQLite database".into(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
            index,
            detail: sqlite_message(&e),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::NotWritable {
                path: root.to_path_buf(),
                reason: sqlite_message(&e),
            }
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            index,
            secs: BUSY_TIMEOUT.as_secs(),
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { index },
        _ => StoreError::Index {
            index,
            detail: sqlite_message(&e),
        },
    }
}

/// SQLite's message on one line.
fn sqlite_message(e: &rusqlite::Error) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- files and locks ----

enum Lock {
    /// We hold the lock (released when the file is dropped).
    Acquired(#[allow(dead_code)] File),
    /// Someone else holds it.
    Held,
    /// No such file (or it cannot be opened: treated as gone).
    Missing,
}

fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    loop {
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn try_lock(path: &Path) -> Lock {
    // Never through a link, and never blocking on a FIFO someone left.
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    else {
        return Lock::Missing;
    };
    match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => Lock::Acquired(file),
        Err(_) => Lock::Held,
    }
}

fn remove_if_exists(path: &Path) {
    let _ = fs::remove_file(path);
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates and removes a file in `dir`, to tell whether it can be written.
fn probe_writable(dir: &Path) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!(
        ".probe-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    fs::remove_file(&path)
}

/// A new temporary file in `out`'s directory.
fn create_temp_beside(out: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map_or_else(|| "core".into(), |n| n.to_string_lossy().into_owned());
    loop {
        let temp = dir.join(format!(
            ".{name}.rewind-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
        {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

// ---- compression ----

enum CompressError {
    /// The compressed output would have gone over `limit`; `written` bytes
    /// were written (or the limit, whichever is larger).
    OverQuota {
        written: u64,
    },
    Read(io::Error),
    Write(io::Error),
}

/// A writer that counts what goes through and refuses more than `limit` bytes.
struct Limited<W> {
    inner: W,
    written: u64,
    limit: Option<u64>,
    exceeded: bool,
}

impl<W: Write> Write for Limited<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(limit) = self.limit {
            if self.written + buf.len() as u64 > limit {
                self.exceeded = true;
                return Err(io::Error::other("over the store's quota"));
            }
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streams `core` through zstd into `out` (without ever holding the whole
/// core in memory) and fsyncs it. Returns (core bytes, compressed bytes,
/// the core's hash).
fn compress(
    core: &Path,
    out: &File,
    limit: Option<u64>,
) -> Result<(u64, u64, String), CompressError> {
    let mut input = File::open(core).map_err(CompressError::Read)?;
    let sink = Limited {
        inner: out,
        written: 0,
        limit,
        exceeded: false,
    };
    let mut encoder =
        zstd::stream::write::Encoder::new(sink, ZSTD_LEVEL).map_err(CompressError::Write)?;
    encoder
        .include_checksum(true)
        .map_err(CompressError::Write)?;
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut read: u64 = 0;
    let mut hasher = twox_hash::XxHash3_128::new();
    let over = |sink: &Limited<&File>| CompressError::OverQuota {
        written: sink.written.max(sink.limit.unwrap_or(0)),
    };
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CompressError::Read(e)),
        };
        read += n as u64;
        hasher.write(&buf[..n]);
        if let Err(e) = encoder.write_all(&buf[..n]) {
            let sink = encoder.get_ref();
            return Err(if sink.exceeded {
                over(sink)
            } else {
                CompressError::Write(e)
            });
        }
    }
    let sink = match encoder.try_finish() {
        Ok(sink) => sink,
        Err((encoder, e)) => {
            let sink = encoder.get_ref();
            return Err(if sink.exceeded {
                over(sink)
            } else {
                CompressError::Write(e)
            });
        }
    };
    out.sync_all().map_err(CompressError::Write)?;
    Ok((read, sink.written, format!("{:032x}", hasher.finish_128())))
}

/// The hash [`compress`] gives, of a core it did not compress whole.
fn hash_file(core: &Path) -> io::Result<String> {
    let mut input = File::open(core)?;
    let mut hasher = twox_hash::XxHash3_128::new();
    let mut buf = vec![0u8; COPY_BUFFER];
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.write(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(format!("{:032x}", hasher.finish_128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            reason: "crash".into(),
            signal: Some(11),
            pid: 42,
            executable: "/bin/prog".into(),
            time: 1000,
            ..Report::default()
        }
    }

    #[test]
    fn dump_names() {
        assert_eq!(parse_dump_name("12.core.zst"), Some(12));
        assert_eq!(parse_dump_name(".tmp-1-2-3.core.zst"), None);
        assert_eq!(parse_dump_name("x12.core.zst"), None);
        assert_eq!(parse_dump_name(".core.zst"), None);
        assert_eq!(dump_name(7), "7.core.zst");
    }

    #[test]
    fn human() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024), "3.0 KiB");
        assert_eq!(human_bytes(1536 * 1024 * 1024), "1.5 GiB");
    }

    /// An add whose process dies after its row and temp file exist (before
    /// or after the rename into place) is invisible, is left alone while its
    /// writer lives, and is removed by the next open() once it is gone.
    #[test]
    fn abandoned_adds_are_reaped_only_when_their_writer_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let r = report();
        let (group, sig) = signature(&r);
        let row = NewRow {
            group: &group,
            sig: &sig,
            now: 0,
            program: &r.executable,
        };

        // Dies before the rename.
        let p1 = store.begin_pending(&r, &row).unwrap();
        fs::write(&p1.temp, b"half a dump").unwrap();
        // Dies after the rename, before the row is completed.
        let p2 = store.begin_pending(&r, &row).unwrap();
        fs::write(&p2.temp, b"a whole dump").unwrap();
        let final2 = store.dumps.join(&p2.dump_name);
        fs::rename(&p2.temp, &final2).unwrap();

        assert!(store.list(&Filter::default()).unwrap().is_empty());
        assert!(store.get(p1.id).unwrap().is_none());

        // Writers alive (locks held): another open() leaves everything.
        drop(Store::open(dir.path()).unwrap());
        assert!(p1.temp.exists());
        assert!(final2.exists());
        assert_eq!(store.row_state(p1.id).unwrap(), Some(RowState::Pending));
        assert_eq!(store.row_state(p2.id).unwrap(), Some(RowState::Pending));

        // Writers gone (locks released as at process death).
        let (id1, id2, temp1) = (p1.id, p2.id, p1.temp.clone());
        drop(p1);
        drop(p2);
        let store2 = Store::open(dir.path()).unwrap();
        assert!(!temp1.exists());
        assert!(!final2.exists());
        assert_eq!(store2.row_state(id1).unwrap(), None);
        assert_eq!(store2.row_state(id2).unwrap(), None);
        assert_eq!(fs::read_dir(&store2.dumps).unwrap().count(), 0);
    }
}
