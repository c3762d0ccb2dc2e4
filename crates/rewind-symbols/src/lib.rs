//! Symbolized backtraces of a stopped or dumped x86-64 Linux process.
//!
//! Given a thread's registers, a reader of the target's memory and the process's file
//! mappings, [`Symbolizer::backtrace`] unwinds the stack with DWARF CFI (framehop) and
//! symbolizes every return address with DWARF line and inline information (addr2line), or
//! with the symbol table when there is no DWARF. Separate debug files are found through the
//! build-id directory and `.gnu_debuglink`; dwz supplementary files through
//! `.gnu_debugaltlink`. Parsed files are cached in the `Symbolizer`, so one symbolizer should
//! serve all threads of a process.

mod elf;
mod maps;
mod unwind;

use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

pub use elf::demangle;
use elf::{DebugInfo, ElfFile};
pub use maps::mappings_from_proc_maps;

/// One line of /proc/PID/maps (or an NT_FILE entry of a core): a file mapped at start..end
/// from file offset `offset`.
#[derive(Clone, Debug)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub path: String,
    pub executable: bool,
}

/// Reads the target's memory. Returns false if any byte is unreadable.
pub trait Memory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool;
}

/// A closure `|addr, buf| -> bool` is a `Memory`.
impl<F: Fn(u64, &mut [u8]) -> bool> Memory for F {
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        self(addr, buf)
    }
}

/// The registers unwinding starts from.
#[derive(Clone, Copy, Debug, Default)]
pub struct Registers {
    pub rip: u64,
    pub rsp: u64,
    pub rbp: u64,
}

/// One (physical or inlined) frame of a backtrace.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Frame {
    /// The pc of this frame (for callers: the return address).
    pub address: u64,
    /// Path of the module containing it.
    pub module: Option<String>,
    /// `address` minus the module's load bias: the address as stated in the file, which is
    /// what `addr2line -e MODULE` wants. For PIE executables and shared libraries this is the
    /// offset from the start of the mapping at file offset 0; for non-PIE executables it is
    /// the address itself.
    pub module_offset: Option<u64>,
    /// Function name, demangled.
    pub function: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// True for a frame inlined into the next (outer) frame at the same address.
    pub inlined: bool,
}

impl fmt::Display for Frame {
    /// `0x00005555555551a9 in c at /src/prog.c:12 (/bin/prog+0x11a9)`; `inlined c` for
    /// inlined frames, `??` for unknown functions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:016x} in ", self.address)?;
        if self.inlined {
            f.write_str("inlined ")?;
        }
        f.write_str(self.function.as_deref().unwrap_or("??"))?;
        if let Some(file) = &self.file {
            write!(f, " at {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
        }
        if let (Some(m), Some(off)) = (&self.module, self.module_offset) {
            write!(f, " ({m}+0x{off:x})")?;
        }
        Ok(())
    }
}

/// A loaded module (executable or shared library).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ModuleInfo {
    pub path: String,
    pub start: u64,
    pub end: u64,
    /// Lowercase hex.
    pub build_id: Option<String>,
}

/// Name given to the frame of the signal trampoline (`__restore_rt`) when its symbol is
/// unknown (it is not exported, so stripped libcs don't name it).
pub const SIGNAL_TRAMPOLINE: &str = "<signal handler called>";

/// A file mapped at one place: the mappings of one file with one load bias.
struct Module {
    path: String,
    mappings: Vec<Mapping>,
    start: u64,
    end: u64,
    /// Actual minus stated addresses.
    bias: u64,
}

/// A parsed file with its lazily loaded DWARF and symbols.
struct CachedFile {
    elf: ElfFile,
    debug: Option<DebugInfo>,
}

/// Symbolizes addresses and unwinds stacks of one process. Caches parsed ELF + DWARF per
/// file path.
pub struct Symbolizer {
    modules: Vec<Module>,
    /// (start, end, module index) of every mapping, sorted by start.
    ranges: Vec<(u64, u64, usize)>,
    files: HashMap<String, Option<CachedFile>>,
    debug_dirs: Vec<PathBuf>,
    unwinder: Option<Box<unwind::Unwinder>>,
}

impl Symbolizer {
    /// Groups mappings of the same file into modules. A file mapped twice (a second mapping
    /// at file offset 0) makes two modules. Only ELF files (or files with an executable
    /// mapping, when the file is missing) become modules; the files' headers are read now.
    pub fn new(mappings: &[Mapping]) -> Symbolizer {
        let mut sorted: Vec<&Mapping> = mappings.iter().filter(|m| m.end > m.start).collect();
        sorted.sort_by_key(|m| m.start);
        let mut groups: Vec<Vec<Mapping>> = Vec::new();
        let mut latest: HashMap<&str, usize> = HashMap::new();
        for m in sorted {
            let g = match latest.get(m.path.as_str()) {
                Some(&g) if !(m.offset == 0 && groups[g].iter().any(|x| x.offset == 0)) => g,
                _ => {
                    groups.push(Vec::new());
                    latest.insert(&m.path, groups.len() - 1);
                    groups.len() - 1
                }
            };
            groups[g].push(m.clone());
        }

        let mut files: HashMap<String, Option<CachedFile>> = HashMap::new();
        let mut modules = Vec::new();
        for g in groups {
            let path = g[0].path.clone();
            let is_elf = elf::is_elf(Path::new(&path));
            if !is_elf && !g.iter().any(|m| m.executable) {
                continue;
            }
            let file = files.entry(path.clone()).or_insert_with(|| {
                if !is_elf {
                    return None;
                }
                catch_unwind(|| ElfFile::open(Path::new(&path)))
                    .ok()
                    .flatten()
                    .map(|elf| CachedFile { elf, debug: None })
            });
            let bias = file
                .as_ref()
                .and_then(|f| {
                    g.iter()
                        .find_map(|m| f.elf.bias_for_mapping(m.start, m.offset))
                })
                .unwrap_or_else(|| {
                    let m = g.iter().min_by_key(|m| m.offset).expect("nonempty group");
                    m.start.wrapping_sub(m.offset)
                });
            modules.push(Module {
                path,
                start: g.iter().map(|m| m.start).min().unwrap_or(0),
                end: g.iter().map(|m| m.end).max().unwrap_or(0),
                mappings: g,
                bias,
            });
        }
        let mut ranges: Vec<(u64, u64, usize)> = modules
            .iter()
            .enumerate()
            .flat_map(|(i, m)| m.mappings.iter().map(move |x| (x.start, x.end, i)))
            .collect();
        ranges.sort();
        Symbolizer {
            modules,
            ranges,
            files,
            debug_dirs: vec![PathBuf::from("/usr/lib/debug")],
            unwinder: None,
        }
    }

    /// Directories searched for separate debug files (`DIR/.build-id/xx/yyyy.debug`, and
    /// `DIR/<directory of the file>/<debuglink name>`). Default: `/usr/lib/debug`. Call
    /// before the first symbolization of a file: loaded debug info is cached.
    pub fn set_debug_dirs(&mut self, dirs: Vec<PathBuf>) {
        self.debug_dirs = dirs;
    }

    /// The loaded modules, sorted by address, with their build-ids.
    pub fn modules(&self) -> Vec<ModuleInfo> {
        self.modules
            .iter()
            .map(|m| ModuleInfo {
                path: m.path.clone(),
                start: m.start,
                end: m.end,
                build_id: self
                    .files
                    .get(&m.path)
                    .and_then(|f| f.as_ref())
                    .and_then(|f| f.elf.build_id.as_deref())
                    .map(elf::hex),
            })
            .collect()
    }

    /// The module whose mappings contain `address`.
    fn module_index(&self, address: u64) -> Option<usize> {
        let i = self.ranges.partition_point(|r| r.0 <= address);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        (address < r.1).then_some(r.2)
    }

    /// Is `address` inside an executable mapping of a module?
    fn is_code(&self, address: u64) -> bool {
        self.module_index(address).is_some_and(|i| {
            self.modules[i]
                .mappings
                .iter()
                .any(|m| m.executable && m.start <= address && address < m.end)
        })
    }

    /// Reads code bytes: from the target's memory, else from the file on disk (a core
    /// usually lacks the text of mapped files).
    fn read_code(&self, mem: &dyn Memory, address: u64, buf: &mut [u8]) -> bool {
        if mem.read(address, buf) {
            return true;
        }
        let Some(i) = self.module_index(address) else {
            return false;
        };
        let m = &self.modules[i];
        match self.files.get(&m.path) {
            Some(Some(f)) => f.elf.read_svma(address.wrapping_sub(m.bias), buf),
            _ => false,
        }
    }

    /// Unwinds from `regs` with DWARF CFI (.eh_frame / .debug_frame), falling back to
    /// frame pointers only as framehop does. Signal frames (glibc's and musl's
    /// `__restore_rt`) are unwound through the saved `ucontext`. A first pc outside every
    /// mapping (a call through a bad function pointer) is unwound as if at a function's
    /// first instruction. At most `max_frames` physical frames (at least one). Never panics
    /// on garbage input: returns what it has (at least the rip frame).
    pub fn backtrace(
        &mut self,
        regs: Registers,
        mem: &dyn Memory,
        max_frames: usize,
    ) -> Vec<Frame> {
        let physical = self.unwind(regs, mem, max_frames.max(1));
        let mut frames = Vec::new();
        for p in physical {
            let mut f = self.symbolize(p.address, p.is_return_address);
            if p.signal_trampoline {
                if let Some(last) = f.last_mut() {
                    if last.function.is_none() {
                        last.function = Some(SIGNAL_TRAMPOLINE.to_string());
                    }
                }
            }
            frames.extend(f);
        }
        frames
    }

    /// Symbolizes one address (used for the fault address report). `is_return_address`:
    /// look up address-1. Returns the inlined frames first (inlined = true), the containing
    /// function last; at least one frame.
    pub fn symbolize(&mut self, address: u64, is_return_address: bool) -> Vec<Frame> {
        let unknown = Frame {
            address,
            module: None,
            module_offset: None,
            function: None,
            file: None,
            line: None,
            inlined: false,
        };
        let probe = if is_return_address {
            address.wrapping_sub(1)
        } else {
            address
        };
        let Some(mi) = self.module_index(probe) else {
            return vec![unknown];
        };
        let (path, bias) = (self.modules[mi].path.clone(), self.modules[mi].bias);
        let module_frame = Frame {
            module: Some(path.clone()),
            module_offset: Some(address.wrapping_sub(bias)),
            ..unknown
        };
        let debug_dirs = &self.debug_dirs;
        let Some(Some(file)) = self.files.get_mut(&path) else {
            return vec![module_frame];
        };
        let svma = probe.wrapping_sub(bias);
        let elf = &file.elf;
        let debug = file
            .debug
            .get_or_insert_with(|| DebugInfo::load_or_empty(elf, debug_dirs));
        let mut frames = catch_unwind(AssertUnwindSafe(|| {
            dwarf_frames(debug, svma, &module_frame)
        }))
        .unwrap_or_default();
        if frames.is_empty() {
            frames.push(module_frame);
        }
        let outer = frames.last_mut().expect("nonempty");
        if outer.function.is_none() {
            outer.function = debug.symbols.lookup(svma).map(|(name, _)| name.to_string());
        }
        frames
    }

    /// The separate debug file used for `path`, if one was found (after a symbolization in
    /// that file).
    pub fn debug_file(&self, path: &str) -> Option<&Path> {
        self.files
            .get(path)?
            .as_ref()?
            .debug
            .as_ref()?
            .debug_file
            .as_deref()
    }
}

/// The DWARF frames at `svma`: inlined ones first, the containing function last.
fn dwarf_frames(debug: &DebugInfo, svma: u64, template: &Frame) -> Vec<Frame> {
    let mut out = Vec::new();
    let Some(ctx) = &debug.context else {
        return out;
    };
    let Ok(mut iter) = ctx.find_frames(svma).skip_all_loads() else {
        return out;
    };
    while let Ok(Some(f)) = iter.next() {
        let function = f
            .function
            .as_ref()
            .and_then(|n| n.demangle().ok())
            .map(|n| n.into_owned());
        let (file, line) = match &f.location {
            Some(l) => (l.file.map(str::to_string), l.line),
            None => (None, None),
        };
        out.push(Frame {
            function,
            file,
            line,
            inlined: true,
            ..template.clone()
        });
        if out.len() > 256 {
            break;
        }
    }
    if let Some(last) = out.last_mut() {
        last.inlined = false;
    }
    out
}

/// Build-id of an ELF file on disk, lowercase hex.
pub fn build_id(path: &Path) -> Option<String> {
    catch_unwind(|| elf::file_build_id(path))
        .ok()
        .flatten()
        .map(|id| elf::hex(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoMemory;
    impl Memory for NoMemory {
        fn read(&self, _: u64, _: &mut [u8]) -> bool {
            false
        }
    }

    #[test]
    fn symbolizer_is_send() {
        fn send<T: Send>() {}
        send::<Symbolizer>();
    }

    #[test]
    fn demangles_cpp_and_rust() {
        assert_eq!(demangle("_ZN3foo3barEv"), "foo::bar()");
        assert_eq!(
            demangle("_ZN4core3ptr13drop_in_place17h0123456789abcdefE"),
            "core::ptr::drop_in_place"
        );
        assert_eq!(demangle("main"), "main");
    }

    #[test]
    fn groups_mappings_into_modules() {
        let exe = std::env::current_exe()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let m = |start: u64, end: u64, offset: u64, path: &str, x: bool| Mapping {
            start,
            end,
            offset,
            path: path.to_string(),
            executable: x,
        };
        let maps = vec![
            m(0x1000, 0x2000, 0, &exe, false),
            m(0x2000, 0x3000, 0x1000, &exe, true),
            m(0x10000, 0x11000, 0, &exe, false), // mapped a second time
            m(0x20000, 0x21000, 0, "/nonexistent/lib.so", true),
            m(0x30000, 0x31000, 0, "/nonexistent/data", false),
            m(0x40000, 0x41000, 0, "/dev/null", false),
        ];
        let s = Symbolizer::new(&maps);
        let mods = s.modules();
        assert_eq!(mods.len(), 3, "{mods:?}");
        assert_eq!((mods[0].start, mods[0].end), (0x1000, 0x3000));
        assert_eq!(mods[1].start, 0x10000);
        assert_eq!(mods[2].path, "/nonexistent/lib.so");
        assert_eq!(mods[2].build_id, None);
        let f = Symbolizer::new(&maps).symbolize(0x20010, false);
        assert_eq!(f[0].module.as_deref(), Some("/nonexistent/lib.so"));
        assert_eq!(f[0].module_offset, Some(0x10));
    }

    #[test]
    fn frame_display() {
        let f = Frame {
            address: 0x1234,
            module: Some("/bin/x".into()),
            module_offset: Some(0x234),
            function: Some("c".into()),
            file: Some("x.c".into()),
            line: Some(7),
            inlined: true,
        };
        assert_eq!(
            f.to_string(),
            "0x0000000000001234 in inlined c at x.c:7 (/bin/x+0x234)"
        );
    }

    #[test]
    fn nothing_mapped() {
        let mut s = Symbolizer::new(&[]);
        assert!(s.modules().is_empty());
        let bt = s.backtrace(Registers::default(), &NoMemory, 10);
        assert_eq!(bt.len(), 1);
        let closure = |_: u64, buf: &mut [u8]| {
            buf.fill(0);
            true
        };
        assert_eq!(s.backtrace(Registers::default(), &closure, 10).len(), 1);
        assert_eq!(bt[0].address, 0);
        let bt = s.backtrace(
            Registers {
                rip: u64::MAX,
                rsp: 7,
                rbp: u64::MAX,
            },
            &NoMemory,
            0,
        );
        assert_eq!(bt.len(), 1);
    }
}
