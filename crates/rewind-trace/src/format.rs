//! Byte layout of the `events` file: preamble, header, chunks.
//!
//! ```text
//! preamble: b"RWNDTRCE" | u32 format_version | u32 header_len | header (postcard)
//!           | u32 crc32(format_version | header_len | header)
//! chunk:    b"CHNK" | u32 compressed_len | u32 raw_len | u32 event_count | u32 crc32(compressed) | zstd frame
//! raw chunk contents: repeated (varint len | postcard Event)
//! part:     b"PART" | u32 compressed_len | u32 raw_len | u32 last (0 or 1) | u32 crc32(compressed) | zstd frame
//! ```
//! All integers are little-endian.
//!
//! An event too big for one chunk (a single `read` of hundreds of MiB) is written
//! as a run of `PART` chunks: the raw contents of the run, concatenated, are that
//! one event's postcard encoding, and the part with `last = 1` ends it. No event is
//! ever refused for its size.
//!
//! The preamble's checksum covers the version, so a damaged version field reads as
//! corruption rather than as a trace from another rewind. That layout of the
//! preamble is fixed from version 3 on, so later readers can tell the two apart.
//!
//! [`Event::End`] is the last thing in a complete trace: bytes after it are
//! reported as corruption, by every reader alike.

use crate::event::Event;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Version written by this build; readers refuse anything newer.
pub const FORMAT_VERSION: u32 = 3;
pub const EVENTS_FILE: &str = "events";
pub const FILES_DIR: &str = "files";

const MAGIC: &[u8; 8] = b"RWNDTRCE";
const CHUNK_MAGIC: &[u8; 4] = b"CHNK";
const PART_MAGIC: &[u8; 4] = b"PART";
/// An event whose encoding is larger than this is written as `PART` chunks of
/// this much raw data each, streamed while it is encoded (no second copy of it).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Upper bound a reader accepts for one event assembled from parts (a syscall
/// moves at most 2 GiB), so damage cannot make it grow without end.
const MAX_EVENT: u64 = 4 << 30;
/// First version whose preamble checksum covers the version and header length.
const CHECKED_VERSION_SINCE: u32 = 3;
/// A chunk is closed when its uncompressed size reaches this.
const CHUNK_TARGET: usize = 256 * 1024;
/// Upper bound a reader accepts for one chunk, so a corrupt length cannot make it
/// allocate gigabytes.
const MAX_CHUNK: u32 = 256 * 1024 * 1024;
const MAX_HEADER: u32 = 64 * 1024 * 1024;

/// How execution points were identified while recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordingMode {
    /// No hardware counters: tasks switch and signals arrive only at syscall,
    /// trap and signal boundaries.
    Boundaries,
    /// Retired-conditional-branch counter available (rr-style ticks).
    HardwareTicks,
    /// No hardware counters: asynchronous signals and preemptions also happen
    /// in the middle of user code, at points recorded as `ExecPoint`s.
    ExactPoints,
}

impl RecordingMode {
    pub fn describe(self) -> &'static str {
        match self {
            RecordingMode::Boundaries => "boundaries (no hardware counters)",
            RecordingMode::HardwareTicks => "hardware ticks",
            RecordingMode::ExactPoints => {
                "exact points (no hardware counters: registers, stack and memory mark where signals and preemptions hit)"
            }
        }
    }
}

/// One CPUID leaf as the recording machine answered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuidRecord {
    pub leaf: u32,
    pub subleaf: u32,
    pub out: [u32; 4],
}

/// Facts about the recording, written before any event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub rewind_version: String,
    pub mode: RecordingMode,
    /// The command as the user gave it (arguments need not be UTF-8).
    pub argv: Vec<Vec<u8>>,
    /// The program that was executed (resolved through PATH).
    pub program: String,
    pub cwd: String,
    /// Environment as `KEY=VALUE` byte strings.
    pub env: Vec<Vec<u8>>,
    pub start_unix_ns: u64,
    pub cpu_model: String,
    pub kernel: String,
    pub cpuid: Vec<CpuidRecord>,
    /// RLIMIT_STACK (soft, hard): it decides where the kernel puts mmap_base, so
    /// replay must use the same.
    pub stack_limit: (u64, u64),
    /// CPUID was trapped and recorded (CPUID faulting works on the recording CPU);
    /// otherwise programs ran CPUID natively and replay must too.
    pub cpuid_faulting: bool,
    /// Set when the recording varied its scheduling decisions on purpose
    /// (`rewind record --chaos`): the seed it used.
    pub chaos_seed: Option<u64>,
    /// The hardware branch counter the recording machine offered (rr's "ticks"),
    /// if any. Recordings do not depend on it (mode says how they were made).
    pub branch_counter: Option<String>,
    /// The CPU (index) the recorded processes were bound to. Without CPUID
    /// faulting programs read the APIC id and CPU number directly, so replay
    /// runs on the same CPU index.
    pub cpu_index: Option<u32>,
}

/// Everything that can go wrong reading or writing a trace. Messages are one line
/// and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0}: not a rewind trace (no events file with the rewind magic)")]
    NotATrace(PathBuf),
    #[error("{path}: trace format version {found} is newer than this rewind supports ({supported}); upgrade rewind to read it")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: trace format version {found} was written by an older rewind and cannot be read by this one (it reads version {supported}); record the program again")]
    TooOld {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: trace is corrupt at byte {offset}: {what}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        what: String,
    },
    #[error("{path}: missing from the trace ({what}); the trace is incomplete: copy the whole trace directory, or record the program again")]
    MissingFile { path: PathBuf, what: String },
    #[error("{path}: the trace's copy of a file is damaged: {what}; the trace is corrupt, record the program again")]
    DamagedFile { path: PathBuf, what: String },
    #[error("{path}: trace is truncated at byte {offset} (the recording was cut short); its complete events end at event {last_event}")]
    Truncated {
        path: PathBuf,
        offset: u64,
        last_event: u64,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TraceError + '_ {
    move |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Appends events to a new trace.
pub struct TraceWriter {
    path: PathBuf,
    out: BufWriter<File>,
    compressor: zstd::bulk::Compressor<'static>,
    buf: Vec<u8>,
    buf_events: u32,
    events: u64,
    bytes: u64,
}

/// The checksum of the preamble: version and header length with the header.
fn preamble_crc(version_and_len: &[u8], header: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(version_and_len);
    h.update(header);
    h.finalize()
}

/// Creates `path` for writing, 0600 and never through a symlink: a trace holds
/// the program's memory.
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Creates `dir` (and missing parents) 0700.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

impl TraceWriter {
    /// Creates `dir/events` (and `dir/files/`) and writes the header.
    pub fn create(dir: &Path, header: &Header) -> Result<Self, TraceError> {
        create_private_dir(&dir.join(FILES_DIR)).map_err(io_err(dir))?;
        let path = dir.join(EVENTS_FILE);
        let file = create_private(&path).map_err(io_err(&path))?;
        let mut out = BufWriter::new(file);
        let hdr = postcard::to_allocvec(header).expect("header serializes");
        let mut pre = Vec::with_capacity(24 + hdr.len());
        pre.extend_from_slice(MAGIC);
        pre.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        pre.extend_from_slice(&(hdr.len() as u32).to_le_bytes());
        pre.extend_from_slice(&hdr);
        let crc = preamble_crc(&pre[8..16], &hdr);
        pre.extend_from_slice(&crc.to_le_bytes());
        out.write_all(&pre).map_err(io_err(&path))?;
        out.flush().map_err(io_err(&path))?;
        Ok(TraceWriter {
            compressor: zstd::bulk::Compressor::new(3).map_err(io_err(&path))?,
            path,
            out,
            buf: Vec::with_capacity(CHUNK_TARGET * 2),
            buf_events: 0,
            events: 0,
            bytes: pre.len() as u64,
        })
    }

    /// Appends one event; returns its event number (1-based).
    pub fn push(&mut self, event: &Event) -> Result<u64, TraceError> {
        let size = postcard::experimental::serialized_size(event).expect("event serializes");
        if size > PART_SIZE {
            // Events stay in order: what is buffered goes out first.
            self.flush()?;
            self.write_in_parts(event)?;
            self.events += 1;
            return Ok(self.events);
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0; 5]); // room for the varint length
        let body =
            postcard::to_extend(event, std::mem::take(&mut self.buf)).expect("event serializes");
        self.buf = body;
        let len = self.buf.len() - start - 5;
        let mut varint = [0u8; 5];
        let n = encode_varint(len as u32, &mut varint);
        // Shift the body left over the unused part of the reserved length room.
        self.buf.copy_within(start + 5.., start + n);
        self.buf[start..start + n].copy_from_slice(&varint[..n]);
        self.buf.truncate(start + n + len);
        self.buf_events += 1;
        self.events += 1;
        if self.buf.len() >= CHUNK_TARGET {
            self.flush()?;
        }
        Ok(self.events)
    }

    /// Number of events pushed so far.
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// Number of events pushed but not yet written out by [`TraceWriter::flush`].
    pub fn unflushed_events(&self) -> u32 {
        self.buf_events
    }

    /// Streams one large event out as `PART` chunks while postcard encodes it.
    fn write_in_parts(&mut self, event: &Event) -> Result<(), TraceError> {
        let parts = PartWriter {
            writer: self,
            raw: Vec::with_capacity(PART_SIZE),
            error: None,
        };
        match postcard::serialize_with_flavor::<_, _, Option<TraceError>>(event, parts) {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            // Only our flavor fails, and it keeps its error: see `PartWriter`.
            Err(e) => Err(TraceError::Io {
                path: self.path.clone(),
                source: io::Error::other(format!("cannot encode an event: {e}")),
            }),
        }
    }

    /// Writes one chunk (`CHNK` or `PART`) holding `raw`.
    fn write_chunk(&mut self, magic: &[u8; 4], raw: &[u8], count: u32) -> Result<(), TraceError> {
        let compressed = self.compressor.compress(raw).map_err(io_err(&self.path))?;
        let mut hdr = Vec::with_capacity(20);
        hdr.extend_from_slice(magic);
        hdr.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
        hdr.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        hdr.extend_from_slice(&count.to_le_bytes());
        hdr.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
        self.out.write_all(&hdr).map_err(io_err(&self.path))?;
        self.out
            .write_all(&compressed)
            .map_err(io_err(&self.path))?;
        self.out.flush().map_err(io_err(&self.path))?;
        self.bytes += (hdr.len() + compressed.len()) as u64;
        Ok(())
    }

    /// Closes the current chunk and makes it durable in the file (not fsynced).
    pub fn flush(&mut self) -> Result<(), TraceError> {
        if self.buf_events == 0 {
            return Ok(());
        }
        let raw = std::mem::take(&mut self.buf);
        let written = self.write_chunk(CHUNK_MAGIC, &raw, self.buf_events);
        self.buf = raw;
        written?;
        self.buf.clear();
        self.buf_events = 0;
        Ok(())
    }

    /// Flushes and closes the trace.
    pub fn finish(mut self) -> Result<u64, TraceError> {
        self.flush()?;
        self.out.get_ref().sync_all().map_err(io_err(&self.path))?;
        Ok(self.bytes)
    }
}

/// A postcard output that cuts the encoding into `PART` chunks as it grows.
/// postcard's own error type cannot carry an I/O error, so the first one is kept
/// here and returned from `finalize`.
struct PartWriter<'a> {
    writer: &'a mut TraceWriter,
    raw: Vec<u8>,
    error: Option<TraceError>,
}

impl PartWriter<'_> {
    fn emit(&mut self, last: bool) {
        if self.error.is_none() {
            let raw = std::mem::take(&mut self.raw);
            self.error = self.writer.write_chunk(PART_MAGIC, &raw, last as u32).err();
            self.raw = raw;
        }
        self.raw.clear();
    }
}

impl postcard::ser_flavors::Flavor for PartWriter<'_> {
    type Output = Option<TraceError>;

    fn try_extend(&mut self, mut data: &[u8]) -> postcard::Result<()> {
        // A full part is written only once more data comes, so the last part
        // (written by `finalize`) is never empty.
        while !data.is_empty() {
            if self.raw.len() == PART_SIZE {
                self.emit(false);
            }
            let take = data.len().min(PART_SIZE - self.raw.len());
            self.raw.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(())
    }

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.try_extend(&[byte])
    }

    fn finalize(mut self) -> postcard::Result<Option<TraceError>> {
        self.emit(true);
        Ok(self.error)
    }
}

fn encode_varint(mut v: u32, out: &mut [u8; 5]) -> usize {
    let mut i = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out[i] = byte;
            return i + 1;
        }
        out[i] = byte | 0x80;
        i += 1;
    }
}

fn decode_varint(data: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, &b) in data.iter().enumerate().take(5) {
        v |= ((b & 0x7f) as u32).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Where a reader is in its trace: enough to reopen the trace at the same event
/// without decompressing what comes before (replay checkpoints use it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderPos {
    chunk_start: u64,
    events_before: u64,
    index: u32,
}

/// Reads a trace's header and then its events, in order.
pub struct EventReader {
    path: PathBuf,
    input: Box<dyn Read>,
    header: Header,
    offset: u64,
    chunk: Vec<u8>,
    chunk_pos: usize,
    chunk_left: u32,
    /// File offset of the chunk being decoded, for error messages.
    chunk_start: u64,
    /// Number of events in the chunk being decoded.
    chunk_events: u32,
    /// `chunk` is one event's encoding assembled from `PART` chunks (no length
    /// prefix) rather than a chunk's run of events.
    chunk_is_part_run: bool,
    events: u64,
    /// An error was returned: the reader stays stopped rather than skipping ahead
    /// (events after a damaged chunk would get wrong numbers).
    failed: bool,
}

impl EventReader {
    /// Opens the trace directory `dir` (or an `events` file directly).
    pub fn open(dir: &Path) -> Result<Self, TraceError> {
        let path = if dir.is_dir() {
            dir.join(EVENTS_FILE)
        } else {
            dir.to_path_buf()
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(TraceError::NotATrace(dir.to_path_buf()))
            }
            Err(e) => return Err(TraceError::Io { path, source: e }),
        };
        Self::from_reader(path, Box::new(BufReader::new(file)))
    }

    /// Parses a trace from any byte source (used by the fuzzer and tests).
    pub fn from_reader(path: PathBuf, mut input: Box<dyn Read>) -> Result<Self, TraceError> {
        let mut pre = [0u8; 16];
        let got = read_full(&mut input, &mut pre).map_err(io_err(&path))?;
        if got < 8 || &pre[..8] != MAGIC {
            return Err(TraceError::NotATrace(path));
        }
        if got < 16 {
            return Err(TraceError::Truncated {
                path,
                offset: got as u64,
                last_event: 0,
            });
        }
        let version = u32::from_le_bytes(pre[8..12].try_into().unwrap());
        if version == 0 {
            return Err(TraceError::Corrupt {
                path,
                offset: 8,
                what: "format version 0".into(),
            });
        }
        let too_new = || TraceError::TooNew {
            path: path.clone(),
            found: version,
            supported: FORMAT_VERSION,
        };
        let too_old = || TraceError::TooOld {
            path: path.clone(),
            found: version,
            supported: FORMAT_VERSION,
        };
        let hlen = u32::from_le_bytes(pre[12..16].try_into().unwrap());
        if hlen > MAX_HEADER {
            // A newer format may allow longer headers: its version is believed
            // when the checksum cannot be checked.
            return Err(match version {
                v if v > FORMAT_VERSION => too_new(),
                v if v < FORMAT_VERSION => too_old(),
                _ => TraceError::Corrupt {
                    path,
                    offset: 12,
                    what: format!("header length {hlen} is implausible"),
                },
            });
        }
        let mut hdr = vec![0u8; hlen as usize + 4];
        let got = read_full(&mut input, &mut hdr).map_err(io_err(&path))?;
        if got < hdr.len() {
            return Err(match version {
                v if v > FORMAT_VERSION => too_new(),
                v if v < FORMAT_VERSION => too_old(),
                _ => TraceError::Truncated {
                    path,
                    offset: 16 + got as u64,
                    last_event: 0,
                },
            });
        }
        let (body, crc) = hdr.split_at(hlen as usize);
        let crc = u32::from_le_bytes(crc.try_into().unwrap());
        // Versions before 3 checksummed the header alone.
        let intact = if version >= CHECKED_VERSION_SINCE {
            preamble_crc(&pre[8..16], body) == crc
        } else {
            crc32fast::hash(body) == crc
        };
        if !intact {
            return Err(TraceError::Corrupt {
                path,
                offset: 8,
                what: "header checksum mismatch (the version field or the header is damaged)"
                    .into(),
            });
        }
        if version > FORMAT_VERSION {
            return Err(too_new());
        }
        if version < FORMAT_VERSION {
            return Err(too_old());
        }
        let header: Header = postcard::from_bytes(body).map_err(|e| TraceError::Corrupt {
            path: path.clone(),
            offset: 16,
            what: format!("header does not decode: {e}"),
        })?;
        Ok(EventReader {
            path,
            input,
            header,
            offset: 16 + hlen as u64 + 4,
            chunk: Vec::new(),
            chunk_pos: 0,
            chunk_left: 0,
            chunk_start: 0,
            chunk_events: 0,
            chunk_is_part_run: false,
            events: 0,
            failed: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The position of the next event.
    pub fn pos(&self) -> ReaderPos {
        if self.chunk_left > 0 {
            let index = self.chunk_events - self.chunk_left;
            ReaderPos {
                chunk_start: self.chunk_start,
                events_before: self.events - index as u64,
                index,
            }
        } else {
            ReaderPos {
                chunk_start: self.offset,
                events_before: self.events,
                index: 0,
            }
        }
    }

    /// Moves a freshly opened reader to `pos` (from [`EventReader::pos`] on the
    /// same trace), skipping whole chunks unread.
    pub fn skip_to(&mut self, pos: ReaderPos) -> Result<(), TraceError> {
        if self.events != 0 || self.chunk_left != 0 {
            return Err(TraceError::Corrupt {
                path: self.path.clone(),
                offset: self.offset,
                what: "skip_to on a reader in use".into(),
            });
        }
        while self.offset < pos.chunk_start {
            let mut hdr = [0u8; 20];
            let got = read_full(&mut self.input, &mut hdr).map_err(io_err(&self.path))?;
            if got < 20 || (&hdr[..4] != CHUNK_MAGIC && &hdr[..4] != PART_MAGIC) {
                return Err(TraceError::Corrupt {
                    path: self.path.clone(),
                    offset: self.offset,
                    what: "cannot skip to a saved position".into(),
                });
            }
            let clen = u32::from_le_bytes(hdr[4..8].try_into().unwrap()) as u64;
            let skipped = io::copy(&mut (&mut self.input).take(clen), &mut io::sink())
                .map_err(io_err(&self.path))?;
            if skipped != clen {
                return Err(TraceError::Truncated {
                    path: self.path.clone(),
                    offset: self.offset,
                    last_event: self.events,
                });
            }
            self.offset += 20 + clen;
        }
        if self.offset != pos.chunk_start {
            return Err(TraceError::Corrupt {
                path: self.path.clone(),
                offset: self.offset,
                what: "saved position is not a chunk start".into(),
            });
        }
        self.events = pos.events_before;
        for _ in 0..pos.index {
            self.next_event()?;
        }
        Ok(())
    }

    /// Number of events returned so far (= the number of the last one).
    pub fn events_read(&self) -> u64 {
        self.events
    }

    /// The next event and its number; `Ok(None)` at a clean end of file.
    /// A partial chunk at the end gives [`TraceError::Truncated`].
    pub fn next_event(&mut self) -> Result<Option<(u64, Event)>, TraceError> {
        if self.failed {
            return Err(TraceError::Corrupt {
                path: self.path.clone(),
                offset: self.chunk_start,
                what: "reading stopped at an earlier error".into(),
            });
        }
        let r = self.decode_next();
        self.failed = r.is_err();
        r
    }

    fn decode_next(&mut self) -> Result<Option<(u64, Event)>, TraceError> {
        if self.chunk_left == 0 && !self.load_chunk()? {
            return Ok(None);
        }
        let corrupt = |what: String| TraceError::Corrupt {
            path: self.path.clone(),
            offset: self.chunk_start,
            what,
        };
        let event: Event = if self.chunk_is_part_run {
            let event = postcard::from_bytes(&self.chunk)
                .map_err(|e| corrupt(format!("event {} does not decode: {e}", self.events + 1)))?;
            // The assembled encoding is not needed any more: give its memory back.
            self.chunk = Vec::new();
            self.chunk_pos = 0;
            event
        } else {
            let data = &self.chunk[self.chunk_pos..];
            let (len, n) = decode_varint(data).ok_or_else(|| corrupt("bad event length".into()))?;
            let body = data
                .get(n..n + len as usize)
                .ok_or_else(|| corrupt("event runs past its chunk".into()))?;
            let event = postcard::from_bytes(body)
                .map_err(|e| corrupt(format!("event {} does not decode: {e}", self.events + 1)))?;
            self.chunk_pos += n + len as usize;
            event
        };
        self.chunk_left -= 1;
        if self.chunk_left == 0 && self.chunk_pos != self.chunk.len() {
            return Err(corrupt("chunk has trailing bytes".into()));
        }
        if matches!(event, Event::End(_)) {
            self.check_nothing_after_end()?;
        }
        self.events += 1;
        Ok(Some((self.events, event)))
    }

    /// The end of a recording must be the end of the file: anything after it was
    /// not written by the recorder.
    fn check_nothing_after_end(&mut self) -> Result<(), TraceError> {
        let corrupt = |offset: u64, what: &str| TraceError::Corrupt {
            path: self.path.clone(),
            offset,
            what: what.into(),
        };
        if self.chunk_left > 0 {
            return Err(corrupt(
                self.chunk_start,
                "events follow the end of the recording",
            ));
        }
        let mut probe = [0u8; 1];
        if read_full(&mut self.input, &mut probe).map_err(io_err(&self.path))? > 0 {
            return Err(corrupt(
                self.offset,
                "data follows the end of the recording (bytes appended to the trace)",
            ));
        }
        Ok(())
    }

    /// Reads a run of `PART` chunks (the first one's header is `first`) into one
    /// event's encoding.
    fn load_part_run(&mut self, first: [u8; 20]) -> Result<bool, TraceError> {
        let run_start = self.offset;
        let mut assembled: Vec<u8> = Vec::new();
        let mut hdr = first;
        loop {
            let (raw, last) = self.load_part(&hdr)?;
            if assembled.len() as u64 + raw.len() as u64 > MAX_EVENT {
                return Err(TraceError::Corrupt {
                    path: self.path.clone(),
                    offset: run_start,
                    what: "an event split in parts is implausibly large".into(),
                });
            }
            if assembled.is_empty() {
                assembled = raw;
            } else {
                assembled.extend_from_slice(&raw);
            }
            if last {
                break;
            }
            let got = read_full(&mut self.input, &mut hdr).map_err(io_err(&self.path))?;
            if got < 20 {
                return Err(TraceError::Truncated {
                    path: self.path.clone(),
                    offset: self.offset + got as u64,
                    last_event: self.events,
                });
            }
            if &hdr[..4] != PART_MAGIC {
                return Err(TraceError::Corrupt {
                    path: self.path.clone(),
                    offset: self.offset,
                    what: "an event split in parts ends without its last part".into(),
                });
            }
        }
        self.chunk_start = run_start;
        self.chunk_events = 1;
        self.chunk = assembled;
        self.chunk_is_part_run = true;
        self.chunk_pos = 0;
        self.chunk_left = 1;
        Ok(true)
    }

    /// Reads and checks one `PART` chunk whose header is `hdr`: its raw bytes and
    /// whether it is the last of its run.
    fn load_part(&mut self, hdr: &[u8; 20]) -> Result<(Vec<u8>, bool), TraceError> {
        let word = |i: usize| u32::from_le_bytes(hdr[i..i + 4].try_into().unwrap());
        let (clen, rlen, last, crc) = (word(4), word(8), word(12), word(16));
        let (path, offset) = (self.path.clone(), self.offset);
        let corrupt = move |what: &str| TraceError::Corrupt {
            path: path.clone(),
            offset,
            what: what.to_string(),
        };
        if clen > MAX_CHUNK || rlen > MAX_CHUNK || rlen == 0 || last > 1 {
            return Err(corrupt("implausible sizes in a part of an event"));
        }
        let raw = self.read_body(clen, crc, rlen, &corrupt)?;
        self.offset += 20 + clen as u64;
        Ok((raw, last == 1))
    }

    /// Reads the `clen` compressed bytes that follow the chunk header at
    /// `self.offset`, checks them against `crc` and returns them decompressed
    /// (`rlen` bytes).
    fn read_body(
        &mut self,
        clen: u32,
        crc: u32,
        rlen: u32,
        corrupt: &dyn Fn(&str) -> TraceError,
    ) -> Result<Vec<u8>, TraceError> {
        let mut compressed = vec![0u8; clen as usize];
        let got = read_full(&mut self.input, &mut compressed).map_err(io_err(&self.path))?;
        if got < compressed.len() {
            return Err(TraceError::Truncated {
                path: self.path.clone(),
                offset: self.offset + 20 + got as u64,
                last_event: self.events,
            });
        }
        if crc32fast::hash(&compressed) != crc {
            return Err(corrupt("chunk checksum mismatch"));
        }
        let raw = zstd::bulk::decompress(&compressed, rlen as usize)
            .map_err(|e| corrupt(&format!("chunk does not decompress: {e}")))?;
        if raw.len() != rlen as usize {
            return Err(corrupt("chunk size differs from its header"));
        }
        Ok(raw)
    }

    fn load_chunk(&mut self) -> Result<bool, TraceError> {
        let mut hdr = [0u8; 20];
        let got = read_full(&mut self.input, &mut hdr).map_err(io_err(&self.path))?;
        if got == 0 {
            return Ok(false);
        }
        let truncated = |extra: usize| TraceError::Truncated {
            path: self.path.clone(),
            offset: self.offset + extra as u64,
            last_event: self.events,
        };
        if got < 20 {
            return Err(truncated(got));
        }
        let (path, offset) = (self.path.clone(), self.offset);
        let corrupt = move |what: &str| TraceError::Corrupt {
            path: path.clone(),
            offset,
            what: what.to_string(),
        };
        if &hdr[..4] == PART_MAGIC {
            return self.load_part_run(hdr);
        }
        if &hdr[..4] != CHUNK_MAGIC {
            return Err(corrupt("bad chunk magic"));
        }
        let word = |i: usize| u32::from_le_bytes(hdr[i..i + 4].try_into().unwrap());
        let (clen, rlen, count, crc) = (word(4), word(8), word(12), word(16));
        if clen > MAX_CHUNK || rlen > MAX_CHUNK || count == 0 || count > rlen {
            return Err(corrupt("implausible chunk sizes"));
        }
        let raw = self.read_body(clen, crc, rlen, &corrupt)?;
        self.chunk_start = self.offset;
        self.chunk_events = count;
        self.chunk_is_part_run = false;
        self.offset += 20 + clen as u64;
        self.chunk = raw;
        self.chunk_pos = 0;
        self.chunk_left = count;
        Ok(true)
    }
}

/// Reads until `buf` is full or EOF; returns the number of bytes read.
fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
