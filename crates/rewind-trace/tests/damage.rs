//! Damaged traces: cut short, bytes flipped, unknown versions. The reader returns the
//! intact events and then an error that says what happened; it never panics and never
//! returns an event that was not written.

mod common;

use common::*;
use rewind_trace::*;
use std::collections::BTreeSet;

/// Offsets to cut a trace at: every one of the first 200 bytes, every chunk boundary
/// and its neighbours, every byte of some chunk headers (the last one's included),
/// a few inside each chunk body, and a random sample.
fn cut_offsets(s: &Sample, rng: &mut Rng) -> BTreeSet<usize> {
    let len = s.bytes.len();
    let mut cuts: BTreeSet<usize> = (0..200.min(len)).collect();
    for b in s.layout.boundaries() {
        cuts.extend([b.saturating_sub(1), b, b + 1]);
    }
    let n = s.layout.chunks.len();
    for (i, c) in s.layout.chunks.iter().enumerate() {
        if i < 2 || i + 2 >= n || i % 5 == 0 {
            cuts.extend(c.start..c.start + CHUNK_HEADER + 1);
        }
        cuts.extend([c.start + CHUNK_HEADER + c.clen as usize / 2, c.end - 1]);
    }
    for _ in 0..300 {
        cuts.insert(rng.below(len));
    }
    cuts.retain(|&c| c <= len);
    cuts
}

#[test]
fn truncation_keeps_complete_chunks() {
    let s = sample_trace(10, 800);
    assert!(
        s.layout.chunks.len() >= 10,
        "{} chunks",
        s.layout.chunks.len()
    );
    let mut rng = Rng::new(11);
    let boundaries: BTreeSet<usize> = s.layout.boundaries().into_iter().collect();
    let cuts = cut_offsets(&s, &mut rng);
    for &cut in &cuts {
        let out = read_bytes(s.bytes[..cut].to_vec());
        let ctx = format!("cut at {cut} of {}", s.bytes.len());
        assert_prefix(&out, &s.events, &ctx);
        let complete = s.layout.complete_events_before(cut);
        if cut < 8 {
            assert!(
                matches!(out.end, Err(TraceError::NotATrace(_))),
                "{ctx}: {}",
                out.describe()
            );
            continue;
        }
        if cut < s.layout.header_end {
            match &out.end {
                Err(TraceError::Truncated {
                    offset,
                    last_event: 0,
                    ..
                }) if *offset == cut as u64 => {}
                _ => panic!("{ctx}: {}", out.describe()),
            }
            assert!(out.header.is_none());
            continue;
        }
        assert_eq!(out.header.as_ref(), Some(&s.header), "{ctx}");
        assert_eq!(
            out.events.len() as u64,
            complete,
            "{ctx}: all events of complete chunks, no more"
        );
        if boundaries.contains(&cut) {
            assert!(
                out.end.is_ok(),
                "{ctx}: a cut at a chunk boundary is a clean end: {}",
                out.describe()
            );
        } else {
            match &out.end {
                Err(TraceError::Truncated {
                    offset,
                    last_event,
                    path,
                }) => {
                    assert_eq!(*last_event, complete, "{ctx}");
                    assert_eq!(*offset, cut as u64, "{ctx}: truncated where the file ends");
                    assert_eq!(path, &fake_path());
                }
                _ => panic!("{ctx}: {}", out.describe()),
            }
        }
    }
    // The whole file reads completely.
    let out = read_bytes(s.bytes.clone());
    assert_eq!(out.events.len(), s.events.len());
    assert!(out.end.is_ok());
}

/// Truncation seen through a real file, as `rewind info` / replay open it.
#[test]
fn truncated_file_on_disk() {
    let s = sample_trace(12, 300);
    let last = s.layout.chunks.last().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    TraceWriter::create(tmp.path(), &s.header)
        .unwrap()
        .finish()
        .unwrap();
    let cut = last.start + CHUNK_HEADER + 3;
    std::fs::write(tmp.path().join(EVENTS_FILE), &s.bytes[..cut]).unwrap();
    let mut r = EventReader::open(tmp.path()).unwrap();
    let mut n = 0;
    let err = loop {
        match r.next_event() {
            Ok(Some((k, ev))) => {
                n += 1;
                assert_eq!(k, n);
                assert!(ev == s.events[n as usize - 1]);
            }
            Ok(None) => panic!("clean end"),
            Err(e) => break e,
        }
    };
    assert_eq!(n, last.events_before);
    match err {
        TraceError::Truncated {
            path,
            offset,
            last_event,
        } => {
            assert_eq!(path, tmp.path().join(EVENTS_FILE));
            assert_eq!(offset, cut as u64);
            assert_eq!(last_event, last.events_before);
        }
        e => panic!("{e:?}"),
    }
}

/// What a single flipped byte may lead to, by where it is.
fn check_flip(s: &Sample, at: usize, xor: u8) {
    let mut bytes = s.bytes.clone();
    bytes[at] ^= xor;
    let out = read_bytes(bytes.clone());
    let ctx = format!("byte {at} ^= {xor:#04x}");
    assert_prefix(&out, &s.events, &ctx);
    let Err(err) = &out.end else {
        panic!("{ctx}: a changed byte went unnoticed: {}", out.describe());
    };
    let header_end = s.layout.header_end;
    if at < header_end {
        assert!(out.events.is_empty(), "{ctx}");
        match (at, err) {
            (0..=7, TraceError::NotATrace(_)) => {}
            // The checksum covers the version: a damaged one is never taken for a
            // trace of another rewind.
            (
                8..=11,
                TraceError::Corrupt {
                    offset: 8, what, ..
                },
            ) => assert!(
                what.contains("checksum") || le32(&bytes, 8) == 0,
                "{ctx}: {what}"
            ),
            // Header length: either it points past the end, or the checksum is wrong.
            (12..=15, TraceError::Truncated { last_event: 0, .. } | TraceError::Corrupt { .. }) => {
            }
            (16.., TraceError::Corrupt { offset: 8, .. }) => {}
            _ => panic!("{ctx}: {err:?}"),
        }
        return;
    }
    let c = s
        .layout
        .chunk_at(at)
        .expect("every byte after the header is in a chunk");
    let field = at - c.start;
    let before = c.events_before as usize;
    match (field, err) {
        // count (12..16) is the one field whose damage shows only while decoding the
        // chunk: the events read from it are still the originals (checked above).
        (12..=15, TraceError::Corrupt { .. }) => {
            assert!(out.events.len() <= before + c.count as usize, "{ctx}");
            return;
        }
        // A longer compressed length can run past the end of the file: that looks
        // like a cut and cannot be told apart from one.
        (
            4..=7,
            TraceError::Truncated {
                last_event, offset, ..
            },
        ) => {
            assert_eq!(*last_event, before as u64, "{ctx}");
            assert_eq!(*offset, s.bytes.len() as u64, "{ctx}");
            let claimed_end = c.start + CHUNK_HEADER + le32(&bytes, c.start + 4) as usize;
            assert!(claimed_end > s.bytes.len(), "{ctx}: {err:?}");
        }
        (_, TraceError::Corrupt { offset, .. }) => {
            assert_eq!(
                *offset, c.start as u64,
                "{ctx}: corruption reported at the chunk start"
            );
        }
        _ => panic!("{ctx}: {err:?}"),
    }
    assert_eq!(
        out.events.len(),
        before,
        "{ctx}: no event of the damaged chunk comes out"
    );
}

#[test]
fn flipped_bytes_are_detected() {
    let s = sample_trace(20, 600);
    let mut rng = Rng::new(21);
    let len = s.bytes.len();
    let mut offsets: BTreeSet<usize> = (0..s.layout.header_end + 2 * CHUNK_HEADER).collect();
    for c in s
        .layout
        .chunks
        .iter()
        .step_by(3)
        .chain(s.layout.chunks.last())
    {
        offsets.extend(c.start..c.start + CHUNK_HEADER + 2);
        offsets.extend([
            c.end - 1,
            c.end - 2,
            c.start + CHUNK_HEADER + c.clen as usize / 2,
        ]);
    }
    for _ in 0..400 {
        offsets.insert(rng.below(len));
    }
    for &at in offsets.iter().filter(|&&a| a < len) {
        check_flip(&s, at, rng.nonzero_byte());
        check_flip(&s, at, 0x01);
        check_flip(&s, at, 0x80);
    }
}

/// Each chunk header field set to telling values.
#[test]
fn chunk_header_fields() {
    let s = sample_trace(22, 300);
    let chunks = &s.layout.chunks;
    for c in [chunks[0], chunks[chunks.len() / 2], *chunks.last().unwrap()] {
        let before = c.events_before as usize;
        for (field, values) in [
            (
                4,
                vec![
                    0,
                    1,
                    c.clen - 1,
                    c.clen + 1,
                    MAX_CHUNK,
                    MAX_CHUNK + 1,
                    u32::MAX,
                ],
            ),
            (
                8,
                vec![
                    0,
                    1,
                    c.rlen - 1,
                    c.rlen + 1,
                    c.count - 1,
                    MAX_CHUNK,
                    MAX_CHUNK + 1,
                    u32::MAX,
                ],
            ),
            (
                12,
                vec![
                    0,
                    1,
                    c.count.saturating_sub(1),
                    c.count + 1,
                    c.rlen,
                    c.rlen + 1,
                    MAX_CHUNK + 1,
                    u32::MAX,
                ],
            ),
            (16, vec![0, !c.crc, c.crc ^ 1]),
        ] {
            for v in values {
                let mut bytes = s.bytes.clone();
                put32(&mut bytes, c.start + field, v);
                if bytes == s.bytes {
                    continue;
                }
                let out = read_bytes(bytes);
                let ctx = format!("chunk at {} field {field} = {v}", c.start);
                assert_prefix(&out, &s.events, &ctx);
                assert!(out.end.is_err(), "{ctx}: {}", out.describe());
                if field != 12 {
                    assert_eq!(out.events.len(), before, "{ctx}: {}", out.describe());
                }
            }
        }
    }
}

/// Chunks that are well formed on their own but hold the wrong things.
#[test]
fn checksummed_but_wrong_chunks() {
    let s = sample_trace(23, 100);
    let c = s.layout.chunks[1];
    let raw = chunk_raw(&s.bytes, &c);
    let prefix = &s.bytes[..c.start];
    let before = c.events_before as usize;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "count one short (trailing bytes)",
            make_chunk(&raw, c.count - 1),
        ),
        ("count one too many", make_chunk(&raw, c.count + 1)),
        (
            "raw cut mid-event",
            make_chunk(&raw[..raw.len() - 1], c.count),
        ),
        (
            "garbage after the events",
            make_chunk(&[&raw[..], &[0xff, 0xff, 0xff]].concat(), c.count),
        ),
        ("overlong varint", make_chunk(&[0xff; 16], 1)),
        ("zero-length event", make_chunk(&[0, 0, 0, 0], 2)),
        ("unknown variant", make_chunk(&[2, 200, 1], 1)),
        (
            "not zstd",
            make_chunk_compressed(b"definitely not a zstd frame", 27, 1),
        ),
        ("rlen differs from contents", {
            let compressed = zstd::bulk::compress(&raw, 3).unwrap();
            make_chunk_compressed(&compressed, raw.len() as u32 + 5, c.count)
        }),
    ];
    for (what, chunk) in cases {
        let bytes = [prefix, &chunk[..]].concat();
        let out = read_bytes(bytes);
        assert_prefix(&out, &s.events, what);
        assert!(
            matches!(out.end, Err(TraceError::Corrupt { .. })),
            "{what}: {}",
            out.describe()
        );
        assert!(
            out.events.len() >= before,
            "{what}: events before the chunk come out"
        );
        // A chunk that decodes fine up to a bad count yields its real events.
        assert!(out.events.len() <= before + c.count as usize, "{what}");
        println!("{what}: {}", out.end.as_ref().unwrap_err());
    }
}

#[test]
fn bad_magic_is_not_a_trace() {
    let s = sample_trace(24, 10);
    for bad in [
        &b"RWNDTRCF"[..],
        b"rwndtrce",
        b"\0\0\0\0\0\0\0\0",
        b"CHNKCHNK",
    ] {
        let mut bytes = s.bytes.clone();
        bytes[..8].copy_from_slice(bad);
        assert!(matches!(
            read_bytes(bytes).end,
            Err(TraceError::NotATrace(_))
        ));
    }
    for n in 0..8 {
        assert!(
            matches!(
                read_bytes(MAGIC[..n].to_vec()).end,
                Err(TraceError::NotATrace(_))
            ),
            "{n} bytes"
        );
    }
}

/// The preamble of a trace written by a rewind of format `version`: the same
/// header, checksummed the way that version does (header alone before 3).
fn preamble_of_version(s: &Sample, version: u32) -> Vec<u8> {
    let hlen = le32(&s.bytes, 12) as usize;
    let body = &s.bytes[16..16 + hlen];
    let mut bytes = make_preamble(version, body);
    if version < 3 {
        let crc = crc32fast::hash(body).to_le_bytes();
        let n = bytes.len();
        bytes[n - 4..].copy_from_slice(&crc);
    }
    bytes.extend_from_slice(&s.bytes[s.layout.header_end..]);
    bytes
}

#[test]
fn versions() {
    let s = sample_trace(25, 50);
    // A trace really written by a newer or older rewind says so.
    for v in [FORMAT_VERSION + 1, FORMAT_VERSION + 1000, u32::MAX] {
        match read_bytes(preamble_of_version(&s, v)).end {
            Err(TraceError::TooNew {
                path,
                found,
                supported,
            }) => {
                assert_eq!((found, supported), (v, FORMAT_VERSION));
                assert_eq!(path, fake_path());
            }
            other => panic!("version {v}: {other:?}"),
        }
    }
    for v in 1..FORMAT_VERSION {
        match read_bytes(preamble_of_version(&s, v)).end {
            Err(e @ TraceError::TooOld { found, .. }) => {
                assert_eq!(found, v);
                assert!(e.to_string().contains("record the program again"), "{e}");
            }
            other => panic!("version {v}: {other:?}"),
        }
    }
    // A damaged version field (the checksum no longer matches) is corruption, not
    // a claim about the format, whichever way it points.
    let with_version = |v: u32| {
        let mut bytes = s.bytes.clone();
        put32(&mut bytes, 8, v);
        read_bytes(bytes)
    };
    for v in [1, 2, FORMAT_VERSION + 1, FORMAT_VERSION ^ 0x100, u32::MAX] {
        match with_version(v).end {
            Err(e @ TraceError::Corrupt { offset: 8, .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("corrupt") && msg.contains("version"), "{msg}");
            }
            other => panic!("flipped version {v}: {other:?}"),
        }
    }
    match with_version(0).end {
        Err(TraceError::Corrupt {
            offset: 8, what, ..
        }) => assert!(what.contains("version"), "{what}"),
        other => panic!("version 0: {other:?}"),
    }
    // This build's version reads.
    let out = with_version(FORMAT_VERSION);
    assert!(out.end.is_ok() && out.events.len() == s.events.len());
    // A newer version is refused even when only the preamble is there (its
    // checksum cannot be checked).
    let mut pre = MAGIC.to_vec();
    pre.extend_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    pre.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        read_bytes(pre).end,
        Err(TraceError::TooNew { .. })
    ));
}

#[test]
fn header_problems() {
    let s = sample_trace(26, 10);
    // Implausible header length: refused without trying to allocate it.
    for hlen in [64 * 1024 * 1024 + 1, u32::MAX] {
        let mut bytes = s.bytes.clone();
        put32(&mut bytes, 12, hlen);
        assert!(
            matches!(
                read_bytes(bytes).end,
                Err(TraceError::Corrupt { offset: 12, .. })
            ),
            "{hlen}"
        );
    }
    // A plausible but too long length reads into the chunks and fails the checksum,
    // or runs past the end of the file.
    let hlen = le32(&s.bytes, 12);
    for (v, truncated) in [
        (hlen + 1, false),
        (hlen + 20, false),
        (s.bytes.len() as u32, true),
        (64 << 20, true),
    ] {
        let mut bytes = s.bytes.clone();
        put32(&mut bytes, 12, v);
        let end = read_bytes(bytes).end;
        if truncated {
            assert!(
                matches!(end, Err(TraceError::Truncated { last_event: 0, .. })),
                "{v}: {end:?}"
            );
        } else {
            assert!(
                matches!(end, Err(TraceError::Corrupt { offset: 8, .. })),
                "{v}: {end:?}"
            );
        }
    }
    // Checksummed header bytes that do not decode as a Header.
    for body in [&b""[..], b"\x01", &[0xff; 40]] {
        let bytes = make_preamble(FORMAT_VERSION, body);
        match read_bytes(bytes).end {
            Err(TraceError::Corrupt {
                offset: 16, what, ..
            }) => assert!(what.contains("header"), "{what}"),
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

/// Corrupt errors from inside a chunk (a bad event count, an event that does not
/// decode) should point at the damaged chunk, like the chunk-level errors do.
#[test]

fn event_level_corruption_offset_is_the_chunk_start() {
    let s = sample_trace(27, 200);
    let c = s.layout.chunks[2];
    let mut bytes = s.bytes.clone();
    put32(&mut bytes, c.start + 12, c.count - 1); // count one short: "trailing bytes"
    match read_bytes(bytes).end {
        Err(TraceError::Corrupt { offset, .. }) => {
            assert_eq!(
                offset, c.start as u64,
                "chunk {c:?}; reported {offset} (= next chunk at {})",
                c.end
            )
        }
        other => panic!("{other:?}"),
    }
}

/// After an error the reader should not carry on as if nothing happened: here a
/// chunk fails its checksum, and calling `next_event` again must not return the
/// following chunk's events under the damaged chunk's event numbers.
/// (`rewind-replay`'s `peek` discards an error and calls `next_event` again.)
#[test]

fn reader_stops_after_an_error() {
    let s = sample_trace(28, 300);
    let c = s.layout.chunks[1];
    let mut bytes = s.bytes.clone();
    bytes[c.start + CHUNK_HEADER + 1] ^= 0x40;
    let mut r =
        EventReader::from_reader(fake_path(), Box::new(std::io::Cursor::new(bytes))).unwrap();
    for _ in 0..c.events_before {
        r.next_event().unwrap().unwrap();
    }
    assert!(matches!(r.next_event(), Err(TraceError::Corrupt { .. })));
    for attempt in 0..3 {
        match r.next_event() {
            Err(_) => {}
            Ok(Some((n, ev))) => panic!(
                "attempt {attempt}: after a corrupt chunk the reader returned event {n}, which is {} the event {n} written",
                if ev == s.events[n as usize - 1] { "equal to" } else { "NOT" }
            ),
            Ok(None) => panic!("attempt {attempt}: clean end after a corrupt chunk"),
        }
    }
}
