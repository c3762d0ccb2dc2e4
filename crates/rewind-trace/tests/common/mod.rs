//! Helpers shared by the trace format tests: a deterministic PRNG, a sample header,
//! a generator of varied events, writing a trace to bytes, reading bytes back to the
//! end, and a parser of the documented chunk layout (so tests can aim at fields).

#![allow(dead_code)]

use rewind_trace::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Layout constants, as documented in `format.rs` / the README.
pub const MAGIC: &[u8; 8] = b"RWNDTRCE";
pub const CHUNK_MAGIC: &[u8; 4] = b"CHNK";
pub const CHUNK_HEADER: usize = 20;
pub const CHUNK_TARGET: usize = 256 * 1024;
pub const MAX_CHUNK: u32 = 256 * 1024 * 1024;

/// xorshift64*: tiny, deterministic, good enough to pick offsets and mutations.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// Between `lo` and `hi` (inclusive) random bytes.
    pub fn some_bytes(&mut self, lo: usize, hi: usize) -> Vec<u8> {
        let n = self.range(lo, hi);
        self.bytes(n)
    }

    /// A byte that is not zero (for XOR flips that really change something).
    pub fn nonzero_byte(&mut self) -> u8 {
        (self.below(255) + 1) as u8
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub fn sample_header() -> Header {
    Header {
        rewind_version: "0.1.0-test".into(),
        mode: RecordingMode::HardwareTicks,
        argv: vec![
            b"/bin/echo".to_vec(),
            b"hello world".to_vec(),
            "ünïcødé".as_bytes().to_vec(),
            b"\xff not utf-8".to_vec(),
            Vec::new(),
        ],
        program: "/bin/echo".into(),
        cwd: "/home/user/some dir".into(),
        env: vec![
            b"PATH=/usr/bin:/bin".to_vec(),
            b"BIN=\xff\xfe\x00raw".to_vec(),
            Vec::new(),
        ],
        start_unix_ns: 1_700_000_000_123_456_789,
        cpu_model: "Test CPU @ 3.00GHz".into(),
        kernel: "Linux 6.1.0 x86_64".into(),
        cpuid: (0..20)
            .map(|i| CpuidRecord {
                leaf: i,
                subleaf: i % 3,
                out: [i, !i, i.wrapping_mul(7), u32::MAX],
            })
            .collect(),
        stack_limit: (8 << 20, u64::MAX),
        cpuid_faulting: true,
        chaos_seed: None,
        branch_counter: None,
        cpu_index: None,
    }
}

pub fn small_header() -> Header {
    Header {
        rewind_version: "0".into(),
        mode: RecordingMode::Boundaries,
        argv: vec![b"a".to_vec()],
        program: "a".into(),
        cwd: "/".into(),
        env: vec![],
        start_unix_ns: 0,
        cpu_model: String::new(),
        kernel: String::new(),
        cpuid: vec![],
        stack_limit: (0, 0),
        cpuid_faulting: false,
        chaos_seed: None,
        branch_counter: None,
        cpu_index: None,
    }
}

fn file_ref(rng: &mut Rng) -> FileRef {
    let n = rng.below(1000);
    FileRef {
        blob: format!("{n}-libc.so.6"),
        original: format!("/usr/lib/x86_64-linux-gnu/lib{n}.so"),
        size: rng.next_u64(),
    }
}

fn regs(rng: &mut Rng) -> Regs {
    Regs {
        rax: rng.next_u64(),
        rip: rng.next_u64(),
        rsp: 0x7fff_ffff_e000 - rng.below(4096) as u64,
        eflags: 0x246,
        fs_base: u64::MAX,
        orig_rax: u64::MAX,
        ..Regs::default()
    }
}

/// Data for a memory write: empty, small, page-sized, random or patterned.
fn data(rng: &mut Rng, max: usize) -> Vec<u8> {
    let len = match rng.below(6) {
        0 => 0,
        1 => rng.range(1, 16),
        2 => rng.range(17, 512),
        3 => 4096,
        _ => rng.range(0, max),
    };
    if rng.chance(2) {
        rng.bytes(len)
    } else {
        (0..len).map(|i| (i % 251) as u8).collect()
    }
}

fn mem_write(rng: &mut Rng, max: usize) -> MemWrite {
    MemWrite {
        addr: rng.next_u64(),
        data: data(rng, max),
    }
}

/// Number of event variants [`event_of_kind`] makes.
pub const EVENT_KINDS: usize = 14;
/// The kind [`event_of_kind`] makes `End` for.
pub const END_KIND: usize = 8;

/// One event of kind `kind % EVENT_KINDS` (so a caller can go through every variant).
pub fn event_of_kind(rng: &mut Rng, kind: usize) -> Event {
    let tid = *rng.pick(&[1, 2, 1000, i32::MAX, -1, 0]);
    match kind % EVENT_KINDS {
        0 => {
            let extra = match rng.below(4) {
                0 | 1 => SyscallExtra::None,
                2 => SyscallExtra::Output {
                    stream: if rng.chance(2) {
                        OutputStream::Stdout
                    } else {
                        OutputStream::Stderr
                    },
                    data: data(rng, 2000),
                },
                _ => SyscallExtra::MapFile {
                    file: file_ref(rng),
                    offset: rng.next_u64(),
                    shared: rng.chance(2),
                },
            };
            Event::Syscall {
                tid,
                nr: rng.below(450) as u64,
                args: [rng.next_u64(), 0, u64::MAX, 1, rng.next_u64(), 42],
                result: *rng.pick(&[0, -1, -4095, i64::MIN, i64::MAX, 12345]),
                writes: (0..rng.below(4)).map(|_| mem_write(rng, 3000)).collect(),
                extra,
                check: check(rng),
            }
        }
        1 => Event::SyscallNoReturn {
            tid,
            nr: 231,
            args: [rng.next_u64(), 0, 0, 0, 0, u64::MAX],
            check: check(rng),
        },
        2 => Event::NewTask {
            tid,
            child: rng.u32() as i32,
            kind: *rng.pick(&[ForkKind::Fork, ForkKind::Vfork, ForkKind::Clone]),
            flags: rng.next_u64(),
        },
        3 => Event::Exec {
            tid,
            exe: file_ref(rng),
            regs: regs(rng),
            stack: mem_write(rng, 8000),
            mappings: (0..rng.below(8))
                .map(|i| Mapping {
                    start: 0x400000 + i as u64 * 0x1000,
                    end: 0x401000 + i as u64 * 0x1000,
                    perms: (*rng.pick(&["r-xp", "rw-p", "r--s", "---p"])).into(),
                    offset: rng.next_u64(),
                    file: if rng.chance(2) {
                        Some(file_ref(rng))
                    } else {
                        None
                    },
                    name: (*rng.pick(&["", "[stack]", "[vdso]", "/usr/lib/ld.so"])).into(),
                })
                .collect(),
        },
        4 => Event::Signal {
            tid,
            signo: rng.range(1, 64) as i32,
            kind: if rng.chance(2) {
                SignalKind::Synchronous
            } else {
                SignalKind::Asynchronous
            },
            siginfo: if rng.chance(4) {
                Vec::new()
            } else {
                rng.bytes(128)
            },
        },
        5 => Event::Rdtsc {
            tid,
            rip: rng.next_u64(),
            tsc: rng.next_u64(),
            aux: if rng.chance(2) { Some(rng.u32()) } else { None },
        },
        6 => Event::Cpuid {
            tid,
            rip: rng.next_u64(),
            leaf: rng.u32(),
            subleaf: rng.u32(),
            out: [rng.u32(), 0, u32::MAX, 7],
        },
        7 => Event::Exit {
            tid,
            status: *rng.pick(&[0, 256, 9, 0x7f, i32::MIN]),
        },
        9 => Event::SyscallBlocked {
            tid,
            nr: 202,
            args: [rng.next_u64(), 128, 2, 0, 0, u64::MAX],
            check: check(rng),
        },
        10 => Event::Preempt {
            tid,
            regs: regs(rng),
            fpu_hash: rng.next_u64(),
            stack_hash: rng.next_u64(),
        },
        11 => Event::KernelWrites {
            tid,
            cause: match rng.below(3) {
                0 => KernelWriteCause::ThreadExit,
                1 => KernelWriteCause::WrittenBy {
                    writer: rng.u32() as i32,
                },
                _ => KernelWriteCause::SharedWithDeadProcess {
                    thread: rng.u32() as i32,
                },
            },
            writes: (0..rng.below(4)).map(|_| mem_write(rng, 3000)).collect(),
        },
        12 => Event::SignalAt {
            tid,
            signo: rng.range(1, 64) as i32,
            siginfo: rng.bytes(128),
            point: ExecPoint {
                regs: regs(rng),
                fpu_hash: rng.next_u64(),
                stack_hash: rng.next_u64(),
                written: (0..rng.below(4))
                    .map(|i| (0x1000 * i as u64, 0x1000 * (i as u64 + 1)))
                    .collect(),
                written_crc: rng.u32(),
                xmm_low: (0..16).map(|_| rng.next_u64()).collect(),
                stack_words: (0..8).map(|_| rng.next_u64()).collect(),
                mem_words: vec![(rng.next_u64() & !7, rng.next_u64())],
            },
        },
        13 => Event::PreemptAt {
            tid,
            point: ExecPoint {
                regs: regs(rng),
                fpu_hash: rng.next_u64(),
                stack_hash: rng.next_u64(),
                written: vec![(0x1000, 0x3000)],
                written_crc: rng.u32(),
                xmm_low: (0..16).map(|_| rng.next_u64()).collect(),
                stack_words: (0..8).map(|_| rng.next_u64()).collect(),
                mem_words: vec![(rng.next_u64() & !7, rng.next_u64())],
            },
        },
        _ => Event::End(Summary {
            exit_code: *rng.pick(&[0, 1, 137, -1]),
            signal: if rng.chance(2) { Some(9) } else { None },
            duration_ns: rng.next_u64(),
            aborted: if rng.chance(2) {
                Some("unsupported: io_uring_setup ✗".into())
            } else {
                None
            },
        }),
    }
}

/// `n` varied events covering every variant (round robin with random picks mixed in).
/// Every kind is among them; `End` only last, as a recorder writes it (a reader
/// refuses anything after the end of a recording).
pub fn varied_events(rng: &mut Rng, n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            let mut kind = if i % 2 == 0 {
                i / 2
            } else {
                rng.below(EVENT_KINDS)
            };
            if i + 1 == n {
                kind = END_KIND;
            } else if kind % EVENT_KINDS == END_KIND {
                kind += 1;
            }
            event_of_kind(rng, kind)
        })
        .collect()
}

/// A syscall whose single memory write is `len` bytes (patterned or random).
pub fn big_write_event(rng: &mut Rng, len: usize, random: bool) -> Event {
    let data = if random {
        rng.bytes(len)
    } else {
        (0..len).map(|i| (i * 7 % 253) as u8).collect()
    };
    Event::Syscall {
        tid: 1,
        nr: 0,
        args: [3, 0x7f00_0000_0000, len as u64, 0, 0, 0],
        result: len as i64,
        writes: vec![MemWrite {
            addr: 0x7f00_0000_0000,
            data,
        }],
        extra: SyscallExtra::None,
        check: SyscallCheck {
            regs: Regs::default(),
            sent: None,
        },
    }
}

/// Entry registers and, sometimes, a sent-data checksum.
fn check(rng: &mut Rng) -> SyscallCheck {
    SyscallCheck {
        regs: regs(rng),
        sent: if rng.chance(2) {
            Some(SentData {
                len: rng.next_u64(),
                crc: rng.u32(),
            })
        } else {
            None
        },
    }
}

/// Writes `events` to a new trace in `dir`; `flush_after[i]` closes a chunk after
/// event `i` (0-based). Returns the number `finish` reported.
pub fn write_trace(
    dir: &Path,
    header: &Header,
    events: &[Event],
    flush_after: &dyn Fn(usize) -> bool,
) -> u64 {
    let mut w = TraceWriter::create(dir, header).expect("create trace");
    for (i, ev) in events.iter().enumerate() {
        let n = w.push(ev).expect("push");
        assert_eq!(n, i as u64 + 1, "push returns the event number");
        assert_eq!(w.event_count(), n);
        if flush_after(i) {
            w.flush().expect("flush");
        }
    }
    w.finish().expect("finish")
}

/// Writes a trace into a fresh temp dir and returns the bytes of its events file.
pub fn trace_bytes(
    header: &Header,
    events: &[Event],
    flush_after: &dyn Fn(usize) -> bool,
) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let len = write_trace(tmp.path(), header, events, flush_after);
    let bytes = std::fs::read(tmp.path().join(EVENTS_FILE)).unwrap();
    assert_eq!(
        len,
        bytes.len() as u64,
        "finish() returns the size of the events file"
    );
    bytes
}

/// A mid-sized trace for the damage tests: `n` varied events in many small chunks
/// (closed at random points), one chunk holding a > 256 KiB write, one empty write.
pub struct Sample {
    pub header: Header,
    pub events: Vec<Event>,
    pub bytes: Vec<u8>,
    pub layout: Layout,
}

pub fn sample_trace(seed: u64, n: usize) -> Sample {
    let mut rng = Rng::new(seed);
    let header = sample_header();
    let mut events = varied_events(&mut rng, n);
    let big = big_write_event(&mut rng, CHUNK_TARGET + 1000, false);
    events.insert(n / 3, big);
    events.insert(n / 2, big_write_event(&mut rng, 0, false));
    let flushes: Vec<bool> = (0..events.len()).map(|_| rng.chance(25)).collect();
    let bytes = trace_bytes(&header, &events, &|i| flushes[i]);
    let layout = parse_layout(&bytes).expect("valid trace parses");
    assert_eq!(
        layout
            .chunks
            .iter()
            .map(|c| c.count as usize)
            .sum::<usize>(),
        events.len()
    );
    Sample {
        header,
        events,
        bytes,
        layout,
    }
}

/// One chunk as found in the file.
#[derive(Clone, Copy, Debug)]
pub struct ChunkInfo {
    /// Offset of the chunk magic.
    pub start: usize,
    /// Offset just past the compressed body.
    pub end: usize,
    pub clen: u32,
    pub rlen: u32,
    pub count: u32,
    pub crc: u32,
    /// Number of events in the chunks before this one.
    pub events_before: u64,
}

#[derive(Clone, Debug)]
pub struct Layout {
    /// Offset just past the header checksum (= start of the first chunk).
    pub header_end: usize,
    pub chunks: Vec<ChunkInfo>,
}

impl Layout {
    /// Offsets at which a clean cut leaves only complete chunks.
    pub fn boundaries(&self) -> Vec<usize> {
        std::iter::once(self.header_end)
            .chain(self.chunks.iter().map(|c| c.end))
            .collect()
    }

    /// Number of events in the chunks that end at or before `offset`.
    pub fn complete_events_before(&self, offset: usize) -> u64 {
        self.chunks
            .iter()
            .filter(|c| c.end <= offset)
            .map(|c| c.count as u64)
            .sum()
    }

    /// The chunk containing byte `offset`, if any.
    pub fn chunk_at(&self, offset: usize) -> Option<&ChunkInfo> {
        self.chunks
            .iter()
            .find(|c| c.start <= offset && offset < c.end)
    }
}

pub fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

pub fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Parses the documented layout of a well-formed events file (no validation of
/// checksums beyond what is needed to walk it).
pub fn parse_layout(b: &[u8]) -> Option<Layout> {
    if b.len() < 16 || &b[..8] != MAGIC {
        return None;
    }
    let hlen = le32(b, 12) as usize;
    let header_end = 16 + hlen + 4;
    if b.len() < header_end {
        return None;
    }
    let mut chunks = Vec::new();
    let mut at = header_end;
    let mut before = 0u64;
    while at < b.len() {
        if b.len() < at + CHUNK_HEADER || &b[at..at + 4] != CHUNK_MAGIC {
            return None;
        }
        let (clen, rlen, count, crc) = (
            le32(b, at + 4),
            le32(b, at + 8),
            le32(b, at + 12),
            le32(b, at + 16),
        );
        let end = at + CHUNK_HEADER + clen as usize;
        if end > b.len() {
            return None;
        }
        chunks.push(ChunkInfo {
            start: at,
            end,
            clen,
            rlen,
            count,
            crc,
            events_before: before,
        });
        before += count as u64;
        at = end;
    }
    Some(Layout { header_end, chunks })
}

/// Builds a chunk around arbitrary raw contents, with a valid checksum.
pub fn make_chunk(raw: &[u8], count: u32) -> Vec<u8> {
    let compressed = zstd::bulk::compress(raw, 3).unwrap();
    make_chunk_compressed(&compressed, raw.len() as u32, count)
}

pub fn make_chunk_compressed(compressed: &[u8], rlen: u32, count: u32) -> Vec<u8> {
    let mut c = Vec::with_capacity(CHUNK_HEADER + compressed.len());
    c.extend_from_slice(CHUNK_MAGIC);
    c.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
    c.extend_from_slice(&rlen.to_le_bytes());
    c.extend_from_slice(&count.to_le_bytes());
    c.extend_from_slice(&crc32fast::hash(compressed).to_le_bytes());
    c.extend_from_slice(compressed);
    c
}

/// The raw (decompressed) contents of a chunk of a well-formed file.
pub fn chunk_raw(b: &[u8], c: &ChunkInfo) -> Vec<u8> {
    zstd::bulk::decompress(&b[c.start + CHUNK_HEADER..c.end], c.rlen as usize).unwrap()
}

/// A preamble + header with a valid checksum around arbitrary header bytes.
pub fn make_preamble(version: u32, header_body: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(MAGIC);
    p.extend_from_slice(&version.to_le_bytes());
    p.extend_from_slice(&(header_body.len() as u32).to_le_bytes());
    p.extend_from_slice(header_body);
    // The checksum covers version, header length and header (format version 3).
    let crc = crc32fast::hash(&p[8..]);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

/// What reading a byte string to its end gave.
pub struct Outcome {
    pub header: Option<Header>,
    pub events: Vec<(u64, Event)>,
    /// `Ok(())` for a clean end (`Ok(None)`), else the first error.
    pub end: Result<(), TraceError>,
}

impl Outcome {
    pub fn describe(&self) -> String {
        format!("{} events, then {:?}", self.events.len(), self.end)
    }
}

pub fn fake_path() -> PathBuf {
    PathBuf::from("/traces/t/events")
}

/// Reads `bytes` as a trace through `EventReader::from_reader`, to the first error or
/// the clean end. Fails the test if the reader produces more events than the input
/// could possibly hold (a loop that does not consume input).
pub fn read_bytes(bytes: Vec<u8>) -> Outcome {
    let len = bytes.len();
    let mut r = match EventReader::from_reader(fake_path(), Box::new(Cursor::new(bytes))) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                header: None,
                events: Vec::new(),
                end: Err(e),
            }
        }
    };
    assert_eq!(r.path(), fake_path());
    let header = Some(r.header().clone());
    let mut events = Vec::new();
    let end = loop {
        match r.next_event() {
            Ok(Some(ev)) => {
                assert_eq!(
                    ev.0,
                    events.len() as u64 + 1,
                    "event numbers are consecutive from 1"
                );
                assert_eq!(r.events_read(), ev.0);
                events.push(ev);
                // Each event takes at least 2 raw bytes; a chunk's raw size is bounded.
                assert!(
                    events.len() <= MAX_CHUNK as usize,
                    "reader does not make progress (input of {len} bytes)"
                );
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    Outcome {
        header,
        events,
        end,
    }
}

/// Asserts that the events read are a prefix of `originals`, numbered from 1.
pub fn assert_prefix(out: &Outcome, originals: &[Event], ctx: &str) {
    assert!(
        out.events.len() <= originals.len(),
        "{ctx}: more events than written ({})",
        out.describe()
    );
    for (i, (n, ev)) in out.events.iter().enumerate() {
        assert_eq!(*n, i as u64 + 1, "{ctx}: event numbering");
        assert!(
            ev == &originals[i],
            "{ctx}: event {n} differs from the one written"
        );
    }
}
