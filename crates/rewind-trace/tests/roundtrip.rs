//! Writing a trace and reading it back gives the same header and events.

mod common;

use common::*;
use rewind_trace::*;
use std::io::{self, Read};

/// A few thousand varied events, every variant, empty data, several writes larger
/// than a chunk: all come back equal, numbered 1..=N, then a clean end.
#[test]
fn round_trip_varied_events() {
    let mut rng = Rng::new(1);
    let header = sample_header();
    let mut events = varied_events(&mut rng, 3000);
    // Larger than a chunk: random (incompressible) and patterned, and a 1 MiB one.
    events.insert(10, big_write_event(&mut rng, CHUNK_TARGET + 1, true));
    events.insert(1500, big_write_event(&mut rng, 1 << 20, false));
    events.insert(1501, big_write_event(&mut rng, 300 * 1024, true));
    events.insert(2000, big_write_event(&mut rng, 0, false));
    // varied_events ends with End, as a complete recording does.
    for kind in 0..EVENT_KINDS {
        let name = event_of_kind(&mut rng, kind).kind_name();
        assert!(
            events.iter().any(|e| e.kind_name() == name),
            "variant {kind} covered"
        );
    }

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("trace");
    let written = write_trace(&dir, &header, &events, &|_| false);
    assert!(
        dir.join(FILES_DIR).is_dir(),
        "create makes the files/ directory"
    );
    let bytes = std::fs::read(dir.join(EVENTS_FILE)).unwrap();
    assert_eq!(written, bytes.len() as u64, "finish returns the file size");

    // The writer split the stream into several chunks, each closed once it reached the
    // target size (except the last), and the big writes did not get cut.
    let layout = parse_layout(&bytes).expect("layout");
    assert!(layout.chunks.len() >= 5, "{} chunks", layout.chunks.len());
    for c in &layout.chunks[..layout.chunks.len() - 1] {
        assert!(c.rlen as usize >= CHUNK_TARGET, "chunk closed early: {c:?}");
    }
    assert!(layout.chunks.iter().any(|c| c.rlen >= 1 << 20));
    assert_eq!(
        layout
            .chunks
            .iter()
            .map(|c| c.count as usize)
            .sum::<usize>(),
        events.len()
    );

    // Open both by directory and by events file.
    for path in [dir.clone(), dir.join(EVENTS_FILE)] {
        let mut r = EventReader::open(&path).expect("open");
        assert_eq!(r.header(), &header);
        assert_eq!(r.path(), dir.join(EVENTS_FILE));
        for (i, want) in events.iter().enumerate() {
            let (n, got) = r.next_event().expect("read").expect("an event");
            assert_eq!(n, i as u64 + 1);
            assert!(&got == want, "event {n} differs");
            assert_eq!(r.events_read(), n);
        }
        assert!(r.next_event().unwrap().is_none(), "clean end");
        assert!(r.next_event().unwrap().is_none(), "clean end stays the end");
        assert_eq!(r.events_read(), events.len() as u64);
    }
}

#[test]
fn empty_trace_has_header_and_no_events() {
    for header in [sample_header(), small_header()] {
        let bytes = trace_bytes(&header, &[], &|_| false);
        let out = read_bytes(bytes.clone());
        assert_eq!(out.header.as_ref(), Some(&header));
        assert!(out.events.is_empty());
        assert!(out.end.is_ok(), "{}", out.describe());
        assert_eq!(
            parse_layout(&bytes).unwrap().chunks.len(),
            0,
            "no empty chunks"
        );
    }
}

/// Flushing with nothing buffered writes nothing; explicit flushes make chunks of any size.
#[test]
fn explicit_flushes_make_small_chunks() {
    let mut rng = Rng::new(2);
    let events = varied_events(&mut rng, 50);
    let tmp = tempfile::tempdir().unwrap();
    let mut w = TraceWriter::create(tmp.path(), &small_header()).unwrap();
    w.flush().unwrap();
    for ev in &events {
        w.push(ev).unwrap();
        w.flush().unwrap();
        w.flush().unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(tmp.path().join(EVENTS_FILE)).unwrap();
    let layout = parse_layout(&bytes).unwrap();
    assert_eq!(layout.chunks.len(), 50);
    assert!(layout.chunks.iter().all(|c| c.count == 1));
    let out = read_bytes(bytes);
    assert_eq!(out.events.len(), 50);
    assert_prefix(&out, &events, "one event per chunk");
    assert!(out.end.is_ok());
}

/// A writer dropped without `finish` (the recorder was killed) leaves a readable
/// trace of the chunks it had closed.
#[test]
fn dropped_writer_keeps_flushed_chunks() {
    let mut rng = Rng::new(3);
    let events = varied_events(&mut rng, 30);
    let tmp = tempfile::tempdir().unwrap();
    let mut w = TraceWriter::create(tmp.path(), &small_header()).unwrap();
    for ev in &events[..20] {
        w.push(ev).unwrap();
    }
    w.flush().unwrap();
    for ev in &events[20..] {
        w.push(ev).unwrap();
    }
    drop(w);
    let mut r = EventReader::open(tmp.path()).unwrap();
    for want in &events[..20] {
        assert!(&r.next_event().unwrap().unwrap().1 == want);
    }
    assert!(r.next_event().unwrap().is_none());
}

/// A byte source that hands out one byte at a time and is interrupted in between.
struct Dribble {
    data: Vec<u8>,
    pos: usize,
    interrupt: bool,
}

impl Read for Dribble {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        if self.pos >= self.data.len() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.data[self.pos];
        self.pos += 1;
        Ok(1)
    }
}

#[test]
fn short_and_interrupted_reads() {
    let mut rng = Rng::new(4);
    let events = varied_events(&mut rng, 200);
    let header = sample_header();
    let bytes = trace_bytes(&header, &events, &|i| i % 37 == 0);
    let src = Dribble {
        data: bytes,
        pos: 0,
        interrupt: false,
    };
    let mut r = EventReader::from_reader(fake_path(), Box::new(src)).unwrap();
    assert_eq!(r.header(), &header);
    for want in &events {
        assert!(&r.next_event().unwrap().unwrap().1 == want);
    }
    assert!(r.next_event().unwrap().is_none());
}

/// A byte source that fails after some bytes: an Io error, not a panic or Truncated.
struct Failing {
    data: Vec<u8>,
    pos: usize,
    fail_at: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.fail_at {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf
            .len()
            .min(self.fail_at - self.pos)
            .min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn read_errors_are_io_errors() {
    let mut rng = Rng::new(5);
    let events = varied_events(&mut rng, 100);
    let bytes = trace_bytes(&small_header(), &events, &|i| i % 10 == 9);
    let layout = parse_layout(&bytes).unwrap();
    for fail_at in [
        0,
        5,
        12,
        20,
        layout.header_end,
        layout.header_end + 3,
        layout.chunks[3].start + 25,
    ] {
        let src = Failing {
            data: bytes.clone(),
            pos: 0,
            fail_at,
        };
        let err = match EventReader::from_reader(fake_path(), Box::new(src)) {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next_event() {
                    Ok(Some(_)) => {}
                    Ok(None) => panic!("clean end despite a read error at {fail_at}"),
                    Err(e) => break e,
                }
            },
        };
        match &err {
            TraceError::Io { path, source } => {
                assert_eq!(path, &fake_path());
                assert_eq!(source.to_string(), "disk on fire");
            }
            other => panic!("read error at {fail_at} gave {other:?}"),
        }
    }
}

#[test]
fn open_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing there / an empty directory: not a trace.
    for p in [tmp.path().join("missing"), tmp.path().to_path_buf()] {
        match EventReader::open(&p) {
            Err(TraceError::NotATrace(q)) => assert_eq!(q, p),
            other => panic!("{p:?}: {:?}", other.err()),
        }
    }
    // A file that is not a trace, given directly or as the events file of a dir.
    let other = tmp.path().join("notes.txt");
    std::fs::write(&other, "just some text, long enough to hold a magic").unwrap();
    assert!(matches!(
        EventReader::open(&other),
        Err(TraceError::NotATrace(_))
    ));
    std::fs::write(tmp.path().join(EVENTS_FILE), "").unwrap();
    assert!(matches!(
        EventReader::open(tmp.path()),
        Err(TraceError::NotATrace(_))
    ));
}

/// Re-creating a trace in the same directory replaces the old events.
#[test]
fn create_replaces_an_old_trace() {
    let mut rng = Rng::new(6);
    let old = varied_events(&mut rng, 500);
    let new = varied_events(&mut rng, 3);
    let tmp = tempfile::tempdir().unwrap();
    write_trace(tmp.path(), &sample_header(), &old, &|_| false);
    write_trace(tmp.path(), &small_header(), &new, &|_| false);
    let mut r = EventReader::open(tmp.path()).unwrap();
    assert_eq!(r.header(), &small_header());
    for want in &new {
        assert!(&r.next_event().unwrap().unwrap().1 == want);
    }
    assert!(r.next_event().unwrap().is_none());
}

/// A single syscall can write more than the reader's chunk limit (one `read` of
/// 300 MiB; MAX_CHUNK is 256 MiB). The writer splits such an event into parts;
/// it reads back whole and in order, a reader can be reopened at it, and a cut
/// inside its parts is a truncation at the event before it.
#[test]
fn event_larger_than_max_chunk_round_trips() {
    let len = 300usize << 20;
    let big = Event::Syscall {
        tid: 1,
        nr: 0,
        args: [3, 0x7f00_0000_0000, len as u64, 0, 0, 0],
        result: len as i64,
        writes: vec![MemWrite {
            addr: 0x7f00_0000_0000,
            // Varied enough that a lost, repeated or reordered part shows.
            data: (0..len)
                .map(|i| (i % 251) as u8 ^ (i >> 23) as u8)
                .collect(),
        }],
        extra: SyscallExtra::None,
        check: SyscallCheck {
            regs: Regs::default(),
            sent: None,
        },
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut w = TraceWriter::create(tmp.path(), &small_header()).unwrap();
    w.push(&Event::Exit { tid: 1, status: 0 }).unwrap();
    assert_eq!(w.push(&big).expect("a big event is accepted"), 2);
    w.push(&Event::Exit { tid: 2, status: 0 }).unwrap();
    w.finish().unwrap();

    let mut r = EventReader::open(tmp.path()).unwrap();
    assert_eq!(r.next_event().unwrap().unwrap().0, 1);
    let at_big = r.pos();
    let (n, ev) = r.next_event().expect("the big event reads back").unwrap();
    assert_eq!(n, 2);
    assert!(ev == big, "the big event comes back unchanged");
    drop(ev);
    assert_eq!(
        r.next_event().unwrap().unwrap(),
        (3, Event::Exit { tid: 2, status: 0 })
    );
    assert!(r.next_event().unwrap().is_none());
    drop(r);

    // Reopened at the big event, a reader finds it again.
    let mut r = EventReader::open(tmp.path()).unwrap();
    r.skip_to(at_big).unwrap();
    let (n, ev) = r.next_event().unwrap().unwrap();
    assert!(n == 2 && ev == big, "skip_to lands on the big event");
    drop((ev, r));

    // Cut in the middle of the parts: the event before it is all there is.
    let path = tmp.path().join(EVENTS_FILE);
    let size = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(size / 2).unwrap();
    let mut r = EventReader::open(tmp.path()).unwrap();
    assert_eq!(r.next_event().unwrap().unwrap().0, 1);
    match r.next_event() {
        Err(TraceError::Truncated { last_event: 1, .. }) => {}
        other => panic!("cut inside the parts: {:?}", other.map(|o| o.map(|e| e.0))),
    }
}

/// A reader reopened at a saved position returns exactly the events that followed it.
#[test]
fn reopen_at_saved_positions() {
    let dir = tempfile::tempdir().unwrap();
    let header = common::sample_header();
    let mut w = rewind_trace::TraceWriter::create(dir.path(), &header).unwrap();
    let events: Vec<rewind_trace::Event> = (0..3000)
        .map(|i| rewind_trace::Event::Exit {
            tid: i,
            status: i * 7,
        })
        .collect();
    for (i, e) in events.iter().enumerate() {
        w.push(e).unwrap();
        if i % 700 == 0 {
            w.flush().unwrap();
        }
    }
    w.finish().unwrap();
    let mut r = rewind_trace::EventReader::open(dir.path()).unwrap();
    let mut saved = Vec::new();
    let mut n = 0;
    loop {
        if n % 333 == 0 || n == 700 || n == 701 {
            saved.push((n, r.pos()));
        }
        match r.next_event().unwrap() {
            Some(_) => n += 1,
            None => break,
        }
    }
    saved.push((n, r.pos()));
    for (consumed, pos) in saved {
        let mut r2 = rewind_trace::EventReader::open(dir.path()).unwrap();
        r2.skip_to(pos).unwrap();
        let mut got = Vec::new();
        while let Some((num, e)) = r2.next_event().unwrap() {
            got.push((num, e));
        }
        assert_eq!(
            got.len(),
            events.len() - consumed,
            "after {consumed} events"
        );
        for (k, (num, e)) in got.iter().enumerate() {
            assert_eq!(*num as usize, consumed + k + 1);
            assert_eq!(e, &events[consumed + k]);
        }
    }
}
