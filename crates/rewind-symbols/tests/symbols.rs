//! Symbolization without a process (synthetic mappings), build-ids, separate debug files, and
//! robustness against garbage.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use object::{Object, ObjectSection};
use rewind_symbols::{build_id, Mapping, Memory, Registers, Symbolizer};

const BASE: u64 = 0x5555_5555_4000;

/// `path` mapped as a whole at `start`.
fn mapped_at(path: &Path, start: u64) -> Vec<Mapping> {
    vec![Mapping {
        start,
        end: start + 0x10_0000,
        offset: 0,
        path: path.to_str().unwrap().to_string(),
        executable: true,
    }]
}

fn readelf_build_id(path: &Path) -> String {
    let out = tool("readelf", &["-n", path.to_str().unwrap()]);
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .expect("readelf shows a build-id")
        .trim()
        .to_string()
}

#[test]
fn symbolize_known_function() {
    for (prog, start) in [(pie(), BASE), (no_pie(), 0x40_0000)] {
        let bias = if start == BASE { BASE } else { 0 };
        let c = nm_address(&prog, "c");
        let mut sym = Symbolizer::new(&mapped_at(&prog, start));
        let frames = sym.symbolize(bias + c, false);
        assert_eq!(frames.len(), 1, "{frames:?}");
        let f = &frames[0];
        assert_eq!(f.function.as_deref(), Some("c"));
        assert_eq!(f.line, Some(line_of("LINE_C_DEF")));
        assert!(f.file.as_deref().unwrap().ends_with("stack.c"));
        assert!(!f.inlined);
        assert_eq!(f.address, bias + c);
        assert_eq!(f.module_offset, Some(c));
        assert_eq!(f.module.as_deref(), prog.to_str());
        // A return address is looked up one byte before, but reported as it is.
        let r = sym.symbolize(bias + c + 1, true);
        let expected = rewind_symbols::Frame {
            address: bias + c + 1,
            module_offset: Some(c + 1),
            ..f.clone()
        };
        assert_eq!(r, vec![expected]);
        // Outside every module.
        let out = sym.symbolize(0x1234, false);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].module.as_deref(), out[0].function.as_deref()),
            (None, None)
        );
    }
}

#[test]
fn build_id_matches_readelf() {
    let prog = pie();
    let id = build_id(&prog).expect("build-id");
    assert_eq!(id, readelf_build_id(&prog));
    assert_eq!(id.len(), 40);
    assert!(id
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    let sym = Symbolizer::new(&mapped_at(&prog, BASE));
    assert_eq!(sym.modules()[0].build_id.as_deref(), Some(id.as_str()));
    assert_ne!(build_id(&no_pie()), Some(id));
    assert_eq!(build_id(&source_path()), None);
    assert_eq!(build_id(Path::new("/nonexistent/file")), None);
    assert_eq!(build_id(Path::new("/dev/null")), None);
    assert_eq!(build_id(Path::new("/")), None);
}

fn run(cmd: &str, args: &[&str], dir: &Path) {
    let st = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success(), "{cmd} {args:?}");
}

/// A stripped program (no .symtab, no DWARF) and its debug file: found through
/// DEBUG_DIR/.build-id/xx/yyyy.debug and through .gnu_debuglink; a debug file with another
/// build-id is refused.
#[test]
fn separate_debug_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(pie(), d.join("prog")).unwrap();
    run("objcopy", &["--only-keep-debug", "prog", "prog.debug"], d);
    run("strip", &["--strip-all", "prog", "-o", "stripped"], d);
    run(
        "objcopy",
        &["--add-gnu-debuglink=prog.debug", "stripped", "linked"],
        d,
    );
    let c = nm_address(&d.join("prog"), "c");
    let id = build_id(&d.join("prog")).unwrap();
    let symbolize = |file: &str, debug_dirs: Vec<PathBuf>| {
        let path = d.join(file);
        let mut sym = Symbolizer::new(&mapped_at(&path, BASE));
        sym.set_debug_dirs(debug_dirs);
        let f = sym.symbolize(BASE + c, false);
        assert_eq!(f.len(), 1);
        let debug_file = sym
            .debug_file(path.to_str().unwrap())
            .map(Path::to_path_buf);
        (f[0].function.clone(), f[0].line, debug_file)
    };

    // Stripped, no debug file: nothing names c (the dynamic symbols don't).
    assert_eq!(symbolize("stripped", vec![]), (None, None, None));

    // By build-id.
    let dbg = d.join("dbg");
    let by_id = dbg
        .join(".build-id")
        .join(&id[..2])
        .join(format!("{}.debug", &id[2..]));
    std::fs::create_dir_all(by_id.parent().unwrap()).unwrap();
    std::fs::copy(d.join("prog.debug"), &by_id).unwrap();
    assert_eq!(
        symbolize("stripped", vec![dbg.clone()]),
        (
            Some("c".into()),
            Some(line_of("LINE_C_DEF")),
            Some(by_id.clone())
        )
    );

    // By debuglink, next to the file.
    assert_eq!(
        symbolize("linked", vec![]),
        (
            Some("c".into()),
            Some(line_of("LINE_C_DEF")),
            Some(d.join("prog.debug"))
        )
    );

    // A debug file of another build is refused.
    let other = d.join("other");
    std::fs::copy(no_pie(), &other).unwrap();
    run("objcopy", &["--only-keep-debug", "other", "other.debug"], d);
    std::fs::copy(d.join("other.debug"), &by_id).unwrap();
    assert_eq!(symbolize("stripped", vec![dbg]), (None, None, None));
}

struct NoMemory;
impl Memory for NoMemory {
    fn read(&self, _: u64, _: &mut [u8]) -> bool {
        false
    }
}

/// Deterministic pseudo-random bytes for every read.
struct GarbageMemory(u64);
impl Memory for GarbageMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        let mut x = addr ^ self.0;
        for b in buf {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (x >> 33) as u8;
        }
        true
    }
}

/// Every pointer on the stack points into the stack itself: a loop.
struct LoopMemory;
impl Memory for LoopMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (addr.wrapping_add(i as u64) & 0xff) as u8;
        }
        true
    }
}

fn check_no_panic(sym: &mut Symbolizer, regs: Registers, mem: &dyn Memory) {
    for max in [0, 1, 2, 64] {
        let bt = sym.backtrace(regs, mem, max);
        assert!(!bt.is_empty());
        assert_eq!(bt[0].address, regs.rip);
        let physical = bt.iter().filter(|f| !f.inlined).count();
        assert!(physical <= max.max(1), "{max}: {bt:?}");
    }
}

#[test]
fn garbage_does_not_panic() {
    let prog = pie();
    let s = run_until(&prog, "stop", libc::SIGSTOP);
    let c = BASE + nm_address(&prog, "c");
    let weird = [
        0u64,
        1,
        7,
        8,
        0x1000,
        0xdead_beef,
        i64::MAX as u64,
        u64::MAX - 7,
        u64::MAX,
    ];
    let mut mapping_sets = vec![
        s.maps.clone(),
        vec![],
        mapped_at(Path::new("/nonexistent/prog"), BASE),
        mapped_at(&source_path(), BASE), // not an ELF file
        mapped_at(Path::new("/dev/zero"), BASE),
        mapped_at(Path::new("/"), BASE),
        mapped_at(&prog, BASE),
    ];
    // Overlapping, empty and reversed mappings.
    let mut odd = mapped_at(&prog, BASE);
    odd.push(Mapping {
        start: BASE + 0x100,
        end: BASE + 0x100,
        ..odd[0].clone()
    });
    odd.push(Mapping {
        start: BASE + 0x200,
        end: BASE,
        ..odd[0].clone()
    });
    odd.push(Mapping {
        start: BASE + 0x1000,
        end: u64::MAX,
        offset: u64::MAX,
        ..odd[0].clone()
    });
    mapping_sets.push(odd);

    let mems: [&dyn Memory; 4] = [&s.mem, &NoMemory, &GarbageMemory(42), &LoopMemory];
    for maps in &mapping_sets {
        let mut sym = Symbolizer::new(maps);
        sym.set_debug_dirs(vec![]);
        sym.modules();
        for mem in mems {
            check_no_panic(&mut sym, s.regs, mem);
            for &rip in weird.iter().chain([c, c + 3, s.regs.rip].iter()) {
                for &rsp in weird.iter().chain([s.regs.rsp].iter()) {
                    check_no_panic(&mut sym, Registers { rip, rsp, rbp: rsp }, mem);
                }
            }
        }
        for a in weird {
            assert!(!sym.symbolize(a, true).is_empty());
            assert!(!sym.symbolize(a, false).is_empty());
        }
    }
}

/// A copy of the program whose unwind and debug sections are overwritten with garbage.
#[test]
fn corrupt_sections_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt");
    let mut data = std::fs::read(pie()).unwrap();
    let ranges: Vec<(usize, usize)> = {
        let obj = object::File::parse(&*data).unwrap();
        obj.sections()
            .filter(|s| {
                let n = s.name().unwrap_or("");
                n.starts_with(".eh_frame") || n.starts_with(".debug_") || n == ".symtab"
            })
            .filter_map(|s| s.file_range())
            .map(|(o, l)| (o as usize, l as usize))
            .collect()
    };
    assert!(ranges.len() >= 5);
    let mut x = 12345u64;
    for (o, l) in ranges {
        for b in &mut data[o..o + l] {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (x >> 33) as u8;
        }
    }
    std::fs::write(&path, &data).unwrap();

    // The real process's stack, unwound with the corrupt file's "CFI".
    let s = run_until(&pie(), "stop", libc::SIGSTOP);
    let maps: Vec<Mapping> = s
        .maps
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if m.path == pie().to_str().unwrap() {
                m.path = path.to_str().unwrap().to_string();
            }
            m
        })
        .collect();
    let mut sym = Symbolizer::new(&maps);
    sym.set_debug_dirs(vec![]);
    let bt = sym.backtrace(s.regs, &s.mem, 64);
    assert!(!bt.is_empty());
    let c = BASE + nm_address(&pie(), "c");
    for a in [c, c + 1, c + 100] {
        sym.symbolize(a, false);
    }
    check_no_panic(&mut sym, s.regs, &GarbageMemory(7));

    // A truncated file.
    let truncated = dir.path().join("truncated");
    std::fs::write(&truncated, &data[..200]).unwrap();
    let mut sym = Symbolizer::new(&mapped_at(&truncated, BASE));
    check_no_panic(
        &mut sym,
        Registers {
            rip: BASE + 0x1100,
            rsp: 0x1000,
            rbp: 0,
        },
        &GarbageMemory(1),
    );
    assert_eq!(build_id(&truncated), None);
}

#[inline(never)]
fn marker_function_for_rust_names() -> u32 {
    std::hint::black_box(7)
}

/// Rust names from DWARF are demangled, without the hash.
#[test]
fn rust_function_of_this_test() {
    let maps = rewind_symbols::mappings_from_proc_maps(
        &std::fs::read_to_string("/proc/self/maps").unwrap(),
    );
    let mut sym = Symbolizer::new(&maps);
    let address = marker_function_for_rust_names as *const () as u64;
    assert_eq!(marker_function_for_rust_names(), 7);
    let frames = sym.symbolize(address, false);
    let f = frames.last().unwrap();
    let name = f.function.as_deref().unwrap_or_default();
    assert_eq!(
        name, "symbols::marker_function_for_rust_names",
        "{frames:?}"
    );
    assert!(
        f.file.as_deref().unwrap().ends_with("symbols.rs"),
        "{frames:?}"
    );
    assert_eq!(
        f.module.as_deref(),
        std::env::current_exe().unwrap().to_str(),
        "{frames:?}"
    );
}

/// dwz moves shared DWARF into a supplementary file named by `.gnu_debugaltlink`. Needs the
/// `dwz` tool: without it this test only says so.
#[test]
fn dwz_supplementary_file() {
    if Command::new("dwz").arg("--version").output().is_err() {
        eprintln!("dwz not installed: supplementary files not tested");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(pie(), d.join("p1")).unwrap();
    std::fs::copy(no_pie(), d.join("p2")).unwrap();
    let common = d.join("common.debug");
    run("dwz", &["-m", common.to_str().unwrap(), "p1", "p2"], d);
    for (file, start, bias) in [("p1", BASE, BASE), ("p2", 0x40_0000, 0)] {
        let path = d.join(file);
        let address = |f| bias + nm_address(&path, f);
        let (c, main) = (address("c"), address("main"));
        // Without a symbol table, names come from the DWARF only.
        run(
            "strip",
            &[
                "--strip-all",
                "--keep-section=.debug_*",
                "--keep-section=.gnu_debugaltlink",
                file,
            ],
            d,
        );
        let mut sym = Symbolizer::new(&mapped_at(&path, start));
        sym.set_debug_dirs(vec![]);
        // dwz moves the name "main" (not "c") into the supplementary file.
        for (function, address, marker) in [("c", c, "LINE_C_DEF"), ("main", main, "LINE_MAIN_DEF")]
        {
            let f = sym.symbolize(address, false);
            assert_eq!(f[0].function.as_deref(), Some(function), "{f:?}");
            assert_eq!(f[0].line, Some(line_of(marker)), "{f:?}");
            assert!(f[0].file.as_deref().unwrap().ends_with("stack.c"), "{f:?}");
        }
    }
}
