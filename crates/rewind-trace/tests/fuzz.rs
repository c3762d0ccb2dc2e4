//! Fuzzing the parser of untrusted input: a trace file may come from anywhere (a
//! crashed recorder, a bad disk, a hostile user). Thousands of deterministic random
//! mutations of a valid trace, and random byte strings behind the magic, are read to
//! the end: the reader must never panic, never loop, never allocate more than the
//! format's bounds, and (for in-place damage) never return an event that was not
//! written.
//!
//! The test binary counts the largest single allocation through a global allocator.

mod common;

use common::*;
use rewind_trace::*;
use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;

/// Largest single allocation (or reallocation) requested so far.
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: AllocLayout) -> *mut u8 {
        PEAK.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: AllocLayout) -> *mut u8 {
        PEAK.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: AllocLayout, new: usize) -> *mut u8 {
        PEAK.fetch_max(new, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: AllocLayout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most one read may ask for: a chunk of the largest size the reader accepts
/// (its compressed buffer or its decompressed contents), plus a little slack.
const ALLOC_BOUND: usize = MAX_CHUNK as usize + 4096;

/// Tally of outcomes, so the test can show it reached every part of the parser.
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    fn add(&mut self, out: &Outcome) {
        let key = match &out.end {
            Ok(()) => "clean end".to_string(),
            Err(e) => {
                let s = e.to_string();
                assert!(!s.contains('\n'), "error message is one line: {s:?}");
                match e {
                    TraceError::Io { .. } => panic!("Io error from an in-memory reader: {e}"),
                    TraceError::MissingFile { .. } | TraceError::DamagedFile { .. } => {
                        panic!("files/ error from the events reader: {e}")
                    }
                    TraceError::NotATrace(_) => "NotATrace".into(),
                    TraceError::TooNew { .. } => "TooNew".into(),
                    TraceError::TooOld { .. } => "TooOld".into(),
                    TraceError::Truncated { .. } => "Truncated".into(),
                    TraceError::Corrupt { what, .. } => {
                        // Group by message without the details (numbers, decoder text).
                        let what = what.split(':').next().unwrap();
                        let what: String = what.chars().filter(|c| !c.is_ascii_digit()).collect();
                        format!("Corrupt: {}", what.trim())
                    }
                }
            }
        };
        *self.0.entry(key).or_default() += 1;
        if !out.events.is_empty() {
            *self.0.entry("(some events read)".into()).or_default() += 1;
        }
    }

    fn count(&self, key: &str) -> usize {
        self.0
            .iter()
            .filter(|(k, _)| k.starts_with(key))
            .map(|(_, v)| v)
            .sum()
    }
}

fn check_alloc(ctx: &str) {
    let peak = PEAK.load(Ordering::Relaxed);
    assert!(peak <= ALLOC_BOUND, "{ctx}: an allocation of {peak} bytes");
}

/// In-place damage (no bytes added or removed, no checksum fixed up).
fn mutate_in_place(rng: &mut Rng, b: &mut [u8], layout: &Layout) {
    match rng.below(4) {
        0 => {
            for _ in 0..rng.range(1, 8) {
                let at = rng.below(b.len());
                b[at] ^= rng.nonzero_byte();
            }
        }
        1 => {
            let at = rng.below(b.len());
            b[at] = *rng.pick(&[0, 0xff, 0x7f, 0x80, 1]);
        }
        // A chunk header field (length, raw length, count, checksum) set to a telling value.
        2 => {
            let c = *rng.pick(&layout.chunks);
            let field = 4 * rng.range(1, 4);
            let old = le32(b, c.start + field);
            let v = match rng.below(8) {
                0 => 0,
                1 => old.wrapping_add(1),
                2 => old.wrapping_sub(1),
                3 => MAX_CHUNK,
                4 => MAX_CHUNK + 1,
                5 => u32::MAX,
                6 => rng.u32() % 100_000,
                _ => rng.u32(),
            };
            put32(b, c.start + field, v);
        }
        // The preamble's version or header length.
        _ => {
            let field = *rng.pick(&[8, 12]);
            let small = rng.u32() % 4096;
            let v = *rng.pick(&[0, 1, 2, 3, 100, 64 << 20, (64 << 20) + 1, u32::MAX, small]);
            put32(b, field, v);
        }
    }
}

/// Damage that changes the length or fixes checksums up (so it reaches the decoder).
fn mutate_structure(rng: &mut Rng, b: &mut Vec<u8>, layout: &Layout, donor: &[u8]) {
    let len = b.len();
    match rng.below(9) {
        // Insert random bytes.
        0 => {
            let at = rng.below(len + 1);
            let ins = rng.some_bytes(1, 16);
            b.splice(at..at, ins);
        }
        // Delete a range.
        1 => {
            let at = rng.below(len);
            let n = rng.range(1, 64).min(len - at);
            b.drain(at..at + n);
        }
        // Splice: copy a range of this file or of another trace over or into it.
        2 => {
            let src = if rng.chance(2) { &b[..] } else { donor };
            let from = rng.below(src.len());
            let n = rng.range(1, 512).min(src.len() - from);
            let piece = src[from..from + n].to_vec();
            let at = rng.below(b.len());
            if rng.chance(2) {
                let end = (at + n).min(b.len());
                b.splice(at..end, piece);
            } else {
                b.splice(at..at, piece);
            }
        }
        // Whole chunks: duplicated, dropped, swapped, or taken from another trace.
        3 => {
            let c = *rng.pick(&layout.chunks);
            let d = *rng.pick(&layout.chunks);
            let chunk = b[c.start..c.end].to_vec();
            match rng.below(4) {
                0 => {
                    b.splice(d.start..d.start, chunk);
                }
                1 => {
                    b.drain(c.start..c.end);
                }
                2 => {
                    let other = b[d.start..d.end].to_vec();
                    let (first, second) = if c.start < d.start { (c, d) } else { (d, c) };
                    if first.start != second.start {
                        let (a, z) = if c.start < d.start {
                            (chunk, other)
                        } else {
                            (other, chunk)
                        };
                        b.splice(second.start..second.end, a);
                        b.splice(first.start..first.end, z);
                    }
                }
                _ => {
                    let at = c.start;
                    b.splice(
                        at..at,
                        donor[donor.len() / 2..]
                            .iter()
                            .copied()
                            .take(rng.below(4000)),
                    );
                }
            }
        }
        // Cut anywhere.
        4 => {
            b.truncate(rng.below(len + 1));
        }
        // Re-encode a chunk with damaged contents but valid sizes and checksum.
        5..=7 => {
            let c = *rng.pick(&layout.chunks);
            let mut raw = chunk_raw(b, &c);
            for _ in 0..rng.range(1, 4) {
                if raw.is_empty() {
                    raw.push(rng.next_u64() as u8);
                }
                let at = rng.below(raw.len());
                match rng.below(5) {
                    0 => raw[at] ^= rng.nonzero_byte(),
                    1 => raw[at] = *rng.pick(&[0, 0xff, 0x80, 0x7f, 0x01, 0x08]),
                    2 => {
                        let ins = rng.some_bytes(1, 8);
                        raw.splice(at..at, ins);
                    }
                    3 => {
                        let n = rng.range(1, 16).min(raw.len() - at);
                        raw.drain(at..at + n);
                    }
                    _ => {
                        // A long length prefix (varint) where an event's length is.
                        let v = [0xff, 0xff, 0xff, 0xff, 0x0f];
                        raw.splice(at..at, v[..rng.range(1, 5)].iter().copied());
                    }
                }
            }
            let count = match rng.below(4) {
                0 => c.count.saturating_add(1),
                1 => c.count.saturating_sub(1),
                _ => c.count,
            };
            let chunk = make_chunk(&raw, count);
            b.splice(c.start..c.end, chunk);
        }
        // Re-encode the header with damaged contents and a valid checksum.
        _ => {
            let hlen = le32(b, 12) as usize;
            let mut body = b[16..16 + hlen].to_vec();
            for _ in 0..rng.range(1, 3) {
                let at = rng.below(body.len());
                if rng.chance(2) {
                    body[at] ^= rng.nonzero_byte();
                } else {
                    body.truncate(at);
                    if body.is_empty() {
                        break;
                    }
                }
            }
            let pre = make_preamble(le32(b, 8), &body);
            b.splice(..16 + hlen + 4, pre);
        }
    }
}

#[test]
fn fuzz_mutated_traces() {
    let started = Instant::now();
    let mut rng = Rng::new(0xF022);
    let header = sample_header();
    let events = varied_events(&mut rng, 150);
    let flushes: Vec<bool> = (0..events.len()).map(|_| rng.chance(12)).collect();
    let base = trace_bytes(&header, &events, &|i| flushes[i]);
    let layout = parse_layout(&base).unwrap();
    assert!(layout.chunks.len() >= 5);
    let donor = trace_bytes(&small_header(), &varied_events(&mut rng, 40), &|i| {
        i % 9 == 0
    });

    let mut tally = Tally::default();
    const IN_PLACE: usize = 4000;
    const STRUCTURAL: usize = 8000;
    for i in 0..IN_PLACE {
        let mut b = base.clone();
        for _ in 0..rng.range(1, 3) {
            mutate_in_place(&mut rng, &mut b, &layout);
        }
        let out = read_bytes(b);
        // Checksums cover every event byte: whatever comes out is what was written.
        assert_prefix(&out, &events, &format!("in-place mutation {i}"));
        if let Some(h) = &out.header {
            assert_eq!(
                h, &header,
                "in-place mutation {i}: a header that is not the one written"
            );
        }
        tally.add(&out);
        check_alloc(&format!("in-place mutation {i}"));
    }
    for i in 0..STRUCTURAL {
        let mut b = base.clone();
        mutate_structure(&mut rng, &mut b, &layout, &donor);
        // Stack a second mutation of either kind now and then.
        if rng.chance(3) && !b.is_empty() {
            match parse_layout(&b).filter(|l| !l.chunks.is_empty()) {
                Some(l) if rng.chance(2) => mutate_structure(&mut rng, &mut b, &l, &donor),
                _ => {
                    let at = rng.below(b.len());
                    b[at] ^= rng.nonzero_byte();
                }
            }
        }
        let out = read_bytes(b);
        tally.add(&out);
        check_alloc(&format!("structural mutation {i}"));
    }
    println!(
        "{} cases in {:?}; largest allocation {} bytes",
        IN_PLACE + STRUCTURAL,
        started.elapsed(),
        PEAK.load(Ordering::Relaxed)
    );
    for (k, v) in &tally.0 {
        println!("  {v:6}  {k}");
    }
    // The mutations reached every kind of outcome, including the event decoder.
    for key in [
        "clean end",
        "NotATrace",
        "TooNew",
        "Truncated",
        "Corrupt: event",
        "Corrupt: chunk checksum",
        "(some events read)",
    ] {
        assert!(tally.count(key) > 0, "no case ended in {key:?}");
    }
}

#[test]
fn fuzz_random_bytes_behind_the_magic() {
    let started = Instant::now();
    let mut rng = Rng::new(0xB17E5);
    let header = postcard::to_allocvec(&sample_header()).unwrap();
    let mut tally = Tally::default();
    const RANDOM: usize = 8000;
    for i in 0..RANDOM {
        let mut b = MAGIC.to_vec();
        match rng.below(6) {
            // Anything.
            0 => b.extend(rng.some_bytes(0, 599)),
            // A plausible version, then anything.
            1 => {
                b.extend_from_slice(&rng.range(0, 2).to_le_bytes()[..4]);
                b.extend_from_slice(&(rng.below(300) as u32).to_le_bytes());
                b.extend(rng.some_bytes(0, 599));
            }
            // A random header with a valid checksum.
            2 => b = make_preamble(FORMAT_VERSION, &rng.some_bytes(0, 299)),
            // A valid header, then a chunk header with random fields and body.
            3 => {
                b = make_preamble(FORMAT_VERSION, &header);
                b.extend_from_slice(CHUNK_MAGIC);
                let clen = rng.below(200) as u32;
                for v in [clen, rng.u32() % 5000, rng.u32() % 50] {
                    b.extend_from_slice(&v.to_le_bytes());
                }
                let body = rng.bytes(clen as usize);
                b.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
                b.extend(body);
            }
            // A valid header, then checksummed chunks of random contents.
            4 => {
                b = make_preamble(FORMAT_VERSION, &header);
                for _ in 0..rng.range(1, 3) {
                    let raw = rng.some_bytes(1, 400);
                    let count = rng.range(1, 20) as u32;
                    b.extend(make_chunk(&raw, count));
                }
            }
            // Checksummed chunks of length-prefixed random records (shaped like events).
            _ => {
                b = make_preamble(FORMAT_VERSION, &header);
                let mut raw = Vec::new();
                let count = rng.range(1, 10);
                for _ in 0..count {
                    let body = rng.some_bytes(0, 59);
                    let mut body = body;
                    if !body.is_empty() {
                        body[0] %= 10; // a valid variant index, mostly
                    }
                    raw.push(body.len() as u8);
                    raw.extend(body);
                }
                b.extend(make_chunk(&raw, count as u32));
            }
        }
        let out = read_bytes(b);
        tally.add(&out);
        check_alloc(&format!("random input {i}"));
    }
    println!(
        "{RANDOM} random inputs in {:?}; largest allocation {} bytes",
        started.elapsed(),
        PEAK.load(Ordering::Relaxed)
    );
    for (k, v) in &tally.0 {
        println!("  {v:6}  {k}");
    }
    for key in [
        "Corrupt: header does not decode",
        "Corrupt: event",
        "Corrupt: chunk",
    ] {
        assert!(tally.count(key) > 0, "no case ended in {key:?}");
    }
}
