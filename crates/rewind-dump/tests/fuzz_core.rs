//! Fuzzing the core reader: `rewind crashes ingest` reads whatever the
//! kernel's core_pattern pipe gives it, and the store's cores may be damaged
//! on disk. Thousands of deterministic mutations of a real core (its ELF
//! header, program headers, notes, NT_FILE table, truncations) are parsed:
//! the reader must never panic, never allocate beyond the input's size, give
//! one-line `InvalidData` errors, and what it reads from a truncated core must
//! be what the whole core holds.
//!
//! The test binary counts the largest single allocation through a global
//! allocator.

mod common;

use common::*;
use rewind_dump::{parse_core, CoreFile};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;

/// Largest single allocation (or reallocation) since the last reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        PEAK.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        PEAK.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        PEAK.fetch_max(new, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// xorshift64*: deterministic, so a failure names a case that can be rerun.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

/// Where the fields of the base core are.
struct CoreLayout {
    /// Offsets of the program headers.
    phdrs: Vec<usize>,
    /// (header offset, desc offset, desc size, type) of every note.
    notes: Vec<(usize, usize, usize, u32)>,
    /// File offsets where PT_LOAD data starts.
    loads: Vec<usize>,
    /// End of the headers and notes: byte flips aim below it.
    meta_end: usize,
}

/// The little-endian field of `n` bytes at `at` (0 past the end).
fn le(b: &[u8], at: usize, n: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(f) = b.get(at..at.saturating_add(n)) {
        v[..n].copy_from_slice(f);
    }
    u64::from_le_bytes(v)
}

fn put(b: &mut [u8], at: usize, n: usize, v: u64) {
    if at + n <= b.len() {
        b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
    }
}

fn layout_of(b: &[u8]) -> CoreLayout {
    let phoff = le(b, 32, 8) as usize;
    let phnum = le(b, 56, 2) as usize;
    let mut l = CoreLayout {
        phdrs: (0..phnum).map(|i| phoff + i * 56).collect(),
        notes: Vec::new(),
        loads: Vec::new(),
        meta_end: phoff + phnum * 56,
    };
    for &p in &l.phdrs.clone() {
        let (kind, off, size) = (
            le(b, p, 4),
            le(b, p + 8, 8) as usize,
            le(b, p + 32, 8) as usize,
        );
        match kind {
            1 if size > 0 => l.loads.push(off),
            4 => {
                let mut at = off;
                while at + 12 <= off + size {
                    let namesz = le(b, at, 4) as usize;
                    let descsz = le(b, at + 4, 4) as usize;
                    let desc = at + 12 + namesz.div_ceil(4) * 4;
                    l.notes.push((at, desc, descsz, le(b, at + 8, 4) as u32));
                    at = (desc + descsz).div_ceil(4) * 4;
                }
                l.meta_end = l.meta_end.max(off + size);
            }
            _ => {}
        }
    }
    l
}

/// Values that find off-by-ones and overflows in size and offset checks.
fn telling(rng: &mut Rng, old: u64, len: usize, bytes: usize) -> u64 {
    let max = if bytes == 8 {
        u64::MAX
    } else {
        (1u64 << (bytes * 8)) - 1
    };
    let v = match rng.below(12) {
        0 => 0,
        1 => 1,
        2 => old.wrapping_add(1),
        3 => old.wrapping_sub(1),
        4 => max,
        5 => max / 2 + 1,
        6 => len as u64,
        7 => len as u64 - 1,
        8 => len as u64 + 1,
        9 => 64 << 20,
        10 => old.wrapping_mul(2),
        _ => rng.next(),
    };
    v & max
}

const NT_FILE: u32 = 0x4649_4c45;

/// One mutation; true if it only cut the core short.
fn mutate(rng: &mut Rng, b: &mut Vec<u8>, l: &CoreLayout) -> bool {
    let len = b.len();
    match rng.below(8) {
        // Byte flips in the headers and notes.
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(l.meta_end);
                b[at] ^= 1 + rng.below(255) as u8;
            }
        }
        // An ELF header field.
        1 => {
            let (at, n) = rng.pick(&[(4, 1), (5, 1), (16, 2), (18, 2), (32, 8), (54, 2), (56, 2)]);
            let v = telling(rng, le(b, at, n), len, n);
            put(b, at, n, v);
        }
        // A program header field: type, flags, offset, vaddr, filesz, memsz.
        2 => {
            let p = rng.pick(&l.phdrs);
            let (at, n) = rng.pick(&[(0, 4), (4, 4), (8, 8), (16, 8), (32, 8), (40, 8)]);
            let v = telling(rng, le(b, p + at, n), len, n);
            put(b, p + at, n, v);
        }
        // A note's name size, desc size or type.
        3 => {
            let (at, ..) = rng.pick(&l.notes);
            let f = 4 * rng.below(3);
            let v = telling(rng, le(b, at + f, 4), len, 4);
            put(b, at + f, 4, v);
        }
        // The NT_FILE table: count, page size, an entry; or names without NULs.
        4 => {
            let Some(&(_, desc, size, _)) = l.notes.iter().find(|n| n.3 == NT_FILE) else {
                return false;
            };
            match rng.below(4) {
                0 => {
                    let v = telling(rng, le(b, desc, 8), len, 8);
                    put(b, desc, 8, v)
                }
                1 => {
                    let v = telling(rng, le(b, desc + 8, 8), len, 8);
                    put(b, desc + 8, 8, v)
                }
                2 => {
                    let count = (le(b, desc, 8) as usize).min(size / 24);
                    let at = desc + 16 + 8 * rng.below(3 * count.max(1));
                    let v = telling(rng, le(b, at, 8), len, 8);
                    put(b, at, 8, v)
                }
                _ => {
                    for c in &mut b[desc..desc + size] {
                        if *c == 0 {
                            *c = b'A';
                        }
                    }
                }
            }
        }
        // Extended numbering: e_phnum = PN_XNUM, the count in section
        // header 0 at e_shoff (both telling values).
        7 => {
            put(b, 56, 2, 0xffff);
            let shoff = match rng.below(3) {
                0 => telling(rng, 0, len, 8),
                _ => (len - 64) as u64,
            };
            put(b, 40, 8, shoff);
            let count = telling(rng, l.phdrs.len() as u64, len, 4);
            if let Some(at) = (shoff as usize).checked_add(44) {
                put(
                    b,
                    at,
                    4,
                    if rng.below(2) == 0 {
                        l.phdrs.len() as u64
                    } else {
                        count
                    },
                );
            }
        }
        // Random contents for one note (a thread's registers, the siginfo...).
        5 => {
            let (_, desc, size, _) = rng.pick(&l.notes);
            for _ in 0..1 + rng.below(16) {
                let at = desc + rng.below(size);
                b[at] = rng.next() as u8;
            }
        }
        // Cut short: anywhere, or next to a structure's start.
        _ => {
            let mut marks: Vec<usize> = vec![0, 16, 63, 64, l.meta_end, len / 2];
            marks.extend(l.phdrs.iter().copied());
            marks.extend(l.notes.iter().flat_map(|n| [n.0, n.1, n.1 + n.2]));
            marks.extend(l.loads.iter().copied());
            let cut = match rng.below(3) {
                0 => rng.below(len),
                1 => rng.pick(&marks).saturating_sub(1),
                _ => rng.pick(&marks) + 1,
            };
            b.truncate(cut.min(len));
            return true;
        }
    }
    false
}

/// Uses every accessor of a parsed core, at the addresses a report reads.
fn exercise(rng: &mut Rng, c: &CoreFile) {
    assert!(!c.threads.is_empty(), "a parsed core without threads");
    let _ = c.signal_code_and_address();
    let mut buf = vec![0u8; 1 + rng.below(4096)];
    for t in &c.threads {
        let _ = c.read_memory(t.regs.rsp, &mut buf);
        let mut word = [0u8; 8];
        let _ = c.read_memory(t.regs.rip, &mut word);
        let _ = c.is_executable(t.regs.rip);
    }
    for addr in [0, u64::MAX - 3, u64::MAX, rng.next()] {
        let _ = c.read_memory(addr, &mut buf);
        let _ = c.is_executable(addr);
    }
    for f in &c.files {
        let _ = c.read_memory(f.start, &mut buf);
        let _ = c.read_memory(f.end.wrapping_sub(1), &mut buf);
    }
}

#[test]
fn fuzz_mutated_cores() {
    let base = {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let exe = compile(dir.path());
        let path = dir.path().join("core");
        crash_and_dump(&exe, &path);
        std::fs::read(&path).unwrap()
    };
    let whole = parse_core(base.clone()).expect("the unmutated core parses");
    let l = layout_of(&base);
    assert!(
        l.notes.len() >= 6 && l.loads.len() >= 3,
        "an unexpected base core"
    );
    assert!(l.notes.iter().any(|n| n.3 == NT_FILE));

    let started = Instant::now();
    // REWIND_FUZZ_CASES / REWIND_FUZZ_SEED run longer or other searches locally.
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("REWIND_FUZZ_CASES").unwrap_or(6000) as usize;
    let mut rng = Rng(env("REWIND_FUZZ_SEED").unwrap_or(0xC0FE_D00D) | 1);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut same_bytes = 0;
    for i in 0..cases {
        let mut b = base.clone();
        let mut cut_only = mutate(&mut rng, &mut b, &l);
        // Now and then a second one, while the base's layout still applies.
        if rng.below(4) == 0 && b.len() == base.len() {
            mutate(&mut rng, &mut b, &l);
            cut_only = false;
        }
        let len = b.len();
        PEAK.store(0, Ordering::Relaxed);
        let parsed = parse_core(b);
        let key = match &parsed {
            Ok(c) => {
                exercise(&mut rng, c);
                // Cut short, a core reads as much as it keeps, and that is
                // what the whole core holds.
                if cut_only {
                    for t in &c.threads {
                        let (mut got, mut want) = ([0u8; 64], [0u8; 64]);
                        if c.read_memory(t.regs.rsp, &mut got) {
                            assert!(whole.read_memory(t.regs.rsp, &mut want), "case {i}");
                            assert_eq!(got, want, "case {i}: memory read from a cut core");
                            same_bytes += 1;
                        }
                    }
                }
                "parsed".to_string()
            }
            Err(e) => {
                let s = e.to_string();
                assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "case {i}: {s}");
                assert!(
                    !s.contains('\n'),
                    "case {i}: a message of several lines: {s:?}"
                );
                let why = s.trim_start_matches("not a usable x86-64 core file: ");
                why.split(['(', ':']).next().unwrap().trim().to_string()
            }
        };
        *tally.entry(key).or_default() += 1;
        // Bounded by the input: NT_FILE's table may take ~2.5x its bytes.
        let peak = PEAK.load(Ordering::Relaxed);
        assert!(
            peak <= 3 * len + (64 << 10),
            "case {i}: an allocation of {peak} bytes for a core of {len}"
        );
    }
    println!("{cases} cases in {:?}", started.elapsed());
    for (k, v) in &tally {
        println!("  {v:6}  {k}");
    }
    assert!(same_bytes > 0, "no cut core kept a stack to compare");
    for key in [
        "parsed",
        "shorter than an ELF header",
        "not a 64-bit little-endian ELF file",
        "ELF file is not a core",
        "not an x86-64 core",
        "program headers out of bounds",
        "section header 0",
        "note segment out of bounds",
        "note runs past its segment",
        "NT_FILE note count",
        "NT_FILE names",
        "no thread status",
    ] {
        assert!(
            tally.contains_key(key),
            "no case ended in {key:?}: {tally:?}"
        );
    }
}

#[test]
fn not_a_core_is_a_one_line_error() {
    for bytes in [&b""[..], b"not a core at all", b"\x7fELF"] {
        let e = parse_core(bytes.to_vec()).unwrap_err();
        assert_eq!(
            e.to_string().lines().count(),
            1,
            "{e}: one line for {bytes:?}"
        );
        assert!(
            e.to_string().starts_with("not a usable x86-64 core file"),
            "{e}"
        );
    }
}
