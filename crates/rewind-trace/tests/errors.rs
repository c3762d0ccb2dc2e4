//! Error messages: one line, naming the trace, saying what to do.

mod common;

use common::*;
use rewind_trace::*;
use std::error::Error;
use std::io;
use std::path::PathBuf;

fn all_kinds() -> Vec<TraceError> {
    let path = PathBuf::from("/home/me/.local/share/rewind/trace-1/events");
    vec![
        TraceError::Io {
            path: path.clone(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        },
        TraceError::NotATrace(path.parent().unwrap().to_path_buf()),
        TraceError::TooNew {
            path: path.clone(),
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION,
        },
        TraceError::Corrupt {
            path: path.clone(),
            offset: 1234,
            what: "chunk checksum mismatch".into(),
        },
        TraceError::MissingFile {
            path: path.with_file_name("files/3-libc.so.6"),
            what: "a copy of a file the recorded program used".into(),
        },
        TraceError::DamagedFile {
            path: path.with_file_name("files/3-libc.so.6"),
            what: "its contents differ from what was stored (checksum mismatch)".into(),
        },
        TraceError::Truncated {
            path,
            offset: 99,
            last_event: 42,
        },
    ]
}

#[test]
fn messages_are_one_line_and_name_the_trace() {
    for e in all_kinds() {
        let msg = e.to_string();
        println!("{msg}");
        assert!(!msg.contains('\n'), "{msg:?}");
        assert!(
            msg.contains("/home/me/.local/share/rewind/trace-1"),
            "{msg}"
        );
        assert!(!msg.ends_with('.') && !msg.ends_with(' '), "{msg:?}");
    }
}

#[test]
fn too_new_says_to_upgrade() {
    let e = TraceError::TooNew {
        path: "t".into(),
        found: 7,
        supported: 1,
    };
    let msg = e.to_string();
    assert!(msg.contains("newer"), "{msg}");
    assert!(msg.contains("upgrade"), "{msg}");
    assert!(msg.contains('7') && msg.contains('1'), "{msg}");
}

#[test]
fn specific_messages() {
    let [io, not, _, corrupt, missing, damaged, truncated] =
        <[TraceError; 7]>::try_from(all_kinds()).unwrap();
    let m = missing.to_string();
    assert!(
        m.contains("files/3-libc.so.6") && m.contains("missing") && m.contains("incomplete"),
        "{m}"
    );
    let d = damaged.to_string();
    assert!(
        d.contains("files/3-libc.so.6") && d.contains("damaged") && d.contains("checksum"),
        "{d}"
    );
    assert!(io.source().is_some(), "Io keeps its cause");
    assert!(not.to_string().contains("not a rewind trace"));
    let c = corrupt.to_string();
    assert!(
        c.contains("corrupt") && c.contains("1234") && c.contains("chunk checksum mismatch"),
        "{c}"
    );
    let t = truncated.to_string();
    assert!(
        t.contains("truncated") && t.contains("99") && t.contains("event 42"),
        "{t}"
    );
}

/// The errors the reader really produces, from damaged traces, are one line too.
#[test]
fn real_errors_are_one_line() {
    let s = sample_trace(30, 100);
    let mut cases = vec![s.bytes[..3].to_vec(), s.bytes[..s.bytes.len() - 1].to_vec()];
    let mut v = s.bytes.clone();
    put32(&mut v, 8, FORMAT_VERSION + 1);
    cases.push(v);
    let mut v = s.bytes.clone();
    v[s.layout.header_end + 30] ^= 1;
    cases.push(v);
    // An event that does not decode: the postcard error text is part of the message.
    let c = s.layout.chunks[0];
    cases.push([&s.bytes[..c.start], &make_chunk(&[3, 7, 0xff, 0xff], 1)[..]].concat());
    for b in cases {
        let e = read_bytes(b).end.unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg:?}");
        assert!(msg.starts_with("/traces/t/events: "), "{msg}");
    }
}
