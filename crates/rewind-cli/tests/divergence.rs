//! A replay that does not match its recording must say so, naming the event.
//! The trace is rewritten with the trace crate so that its checksums stay valid:
//! only the meaning of one event changes.

mod common;

use common::*;
use rewind_trace::{Event, EventReader, SyscallExtra, TraceWriter, FILES_DIR};
use std::fs;
use std::path::Path;

/// Copies the trace `from` to `to`, passing every event through `edit` (with its
/// event number); returns the number of the first event `edit` changed.
fn rewrite(from: &Path, to: &Path, mut edit: impl FnMut(u64, &mut Event) -> bool) -> Option<u64> {
    let mut reader = EventReader::open(from).expect("open the recorded trace");
    let mut writer = TraceWriter::create(to, &reader.header().clone()).expect("create a trace");
    let mut changed = None;
    while let Some((n, mut ev)) = reader.next_event().expect("read the recorded trace") {
        if changed.is_none() && edit(n, &mut ev) {
            changed = Some(n);
        }
        writer.push(&ev).expect("write an event");
    }
    writer.finish().expect("finish the trace");
    for entry in fs::read_dir(from.join(FILES_DIR)).unwrap() {
        let entry = entry.unwrap();
        // Hard links keep the files exactly as the recorder left them.
        let dest = to.join(FILES_DIR).join(entry.file_name());
        if fs::hard_link(entry.path(), &dest).is_err() {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
    changed
}

/// The program's stdout write, recorded as `write`, is turned into a `getppid`:
/// replay sees the program make a different syscall and must stop there.
#[test]
fn divergent_syscall_is_reported_with_its_event_number() {
    let fx = Fixture::new();
    let exe = fx.compile("exit_code");
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv([&exe]), None);
    assert_eq!(rec.code(), 3, "{}", rec.describe());

    // An unmodified copy replays fine (so the rewriting itself is faithful).
    let copy = fx.trace("copy");
    assert_eq!(rewrite(&trace, &copy, |_, _| false), None);
    assert_faithful(&rec, &fx.replay(&copy));

    let bad = fx.trace("bad");
    let n = rewrite(&trace, &bad, |_, ev| match ev {
        Event::Syscall {
            nr,
            extra: SyscallExtra::Output { .. },
            ..
        } if *nr == libc::SYS_write as u64 => {
            *nr = libc::SYS_getppid as u64;
            true
        }
        _ => false,
    })
    .expect("the recording has a write to stdout");
    let rep = fx.replay(&bad);
    assert_one_line_error(&rep);
    assert!(
        rep.stderr_str().contains(&format!("event {n}")),
        "the divergence message does not name event {n}:\n{}",
        rep.describe()
    );
    assert!(
        rep.stdout.is_empty(),
        "replay printed the write it diverged at:\n{}",
        rep.describe()
    );
}
