//! ELF files on disk: memory-mapped bytes, load segments, unwind sections, separate debug
//! files (build-id directory, `.gnu_debuglink`, `.gnu_debugaltlink`), DWARF and symbol tables.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object::{Object, ObjectSection, ObjectSegment};

/// Shared, immutable bytes: a slice of a memory-mapped file or of an owned buffer (a
/// decompressed section). Cheap to clone; the bytes never move, so it can back a gimli reader
/// and framehop's unwind sections without copying.
#[derive(Clone)]
pub(crate) struct Bytes {
    backing: Backing,
    start: usize,
    len: usize,
}

#[derive(Clone)]
enum Backing {
    Map(Arc<memmap2::Mmap>),
    Owned(Arc<Vec<u8>>),
}

impl Backing {
    fn all(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

impl Bytes {
    fn owned(v: Vec<u8>) -> Bytes {
        let len = v.len();
        Bytes {
            backing: Backing::Owned(Arc::new(v)),
            start: 0,
            len,
        }
    }

    fn empty() -> Bytes {
        Bytes::owned(Vec::new())
    }

    /// The same backing, restricted to `slice`, which must lie inside `self`.
    fn sub(&self, slice: &[u8]) -> Option<Bytes> {
        let base = self.as_ptr() as usize;
        let p = slice.as_ptr() as usize;
        if p < base || p + slice.len() > base + self.len {
            return None;
        }
        Some(Bytes {
            backing: self.backing.clone(),
            start: self.start + (p - base),
            len: slice.len(),
        })
    }

    /// A section's data as stored on disk, or decompressed.
    fn section_data(&self, section: &object::Section<'_, '_>) -> Option<Bytes> {
        match section.uncompressed_data().ok()? {
            Cow::Borrowed(b) => self.sub(b),
            Cow::Owned(v) => Some(Bytes::owned(v)),
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.backing.all()[self.start..self.start + self.len]
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.len)
    }
}

// SAFETY: the bytes live in an `Arc`ed memory map or `Arc`ed vector that is never mutated
// or moved; every clone shares it, so the dereferenced address is stable and equal across
// clones.
unsafe impl gimli::StableDeref for Bytes {}
unsafe impl gimli::CloneStableDeref for Bytes {}

pub(crate) type Reader = gimli::EndianReader<gimli::RunTimeEndian, Bytes>;

/// Maps a regular file. Device files, FIFOs and directories are refused (opening them can
/// block or have side effects).
fn map_file(path: &Path) -> Option<Bytes> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() < 64 {
        return None;
    }
    let file = File::open(path).ok()?;
    // SAFETY: the map is read-only. If someone truncates the file while it is mapped, reads
    // fault (SIGBUS): the same caveat as every mmap-based symbolizer.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let len = map.len();
    Some(Bytes {
        backing: Backing::Map(Arc::new(map)),
        start: 0,
        len,
    })
}

/// Does the file start with the ELF magic? Reads 4 bytes; only regular files.
pub(crate) fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A PT_LOAD program header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoadSegment {
    pub vaddr: u64,
    pub offset: u64,
    pub filesz: u64,
}

/// A section's address range (as stated in the file) and its bytes.
#[derive(Clone)]
pub(crate) struct SectionBytes {
    pub svma: Range<u64>,
    pub data: Bytes,
}

/// What the unwinder and the symbolizer need from an ELF file; DWARF and symbols come later
/// (`DebugInfo`), on the first symbolization in that file.
pub(crate) struct ElfFile {
    pub path: PathBuf,
    pub data: Bytes,
    pub build_id: Option<Vec<u8>>,
    pub loads: Vec<LoadSegment>,
    pub text_svma: Option<Range<u64>>,
    pub got_svma: Option<Range<u64>>,
    pub eh_frame: Option<SectionBytes>,
    pub eh_frame_hdr: Option<SectionBytes>,
    pub debug_frame: Option<Bytes>,
    pub debuglink: Option<(Vec<u8>, u32)>,
    pub has_dwarf: bool,
    pub has_symtab: bool,
}

impl ElfFile {
    pub fn open(path: &Path) -> Option<ElfFile> {
        let data = map_file(path)?;
        let obj = object::File::parse(&*data).ok()?;
        if obj.format() != object::BinaryFormat::Elf {
            return None;
        }
        let section = |name: &str| -> Option<SectionBytes> {
            let s = obj.section_by_name(name)?;
            let d = s.data().ok()?;
            if d.is_empty() {
                return None;
            }
            Some(SectionBytes {
                svma: s.address()..s.address() + s.size(),
                data: data.sub(d)?,
            })
        };
        let range = |name: &str| {
            obj.section_by_name(name)
                .map(|s| s.address()..s.address() + s.size())
        };
        let loads = obj
            .segments()
            .map(|s| {
                let (offset, filesz) = s.file_range();
                LoadSegment {
                    vaddr: s.address(),
                    offset,
                    filesz,
                }
            })
            .collect();
        let has_dwarf = obj
            .section_by_name(".debug_info")
            .is_some_and(|s| s.size() > 0 && s.kind() != object::SectionKind::UninitializedData);
        let debug_frame = obj
            .section_by_name(".debug_frame")
            .filter(|s| s.kind() != object::SectionKind::UninitializedData)
            .and_then(|s| data.section_data(&s))
            .filter(|d| !d.is_empty());
        Some(ElfFile {
            path: path.to_path_buf(),
            build_id: obj.build_id().ok().flatten().map(<[u8]>::to_vec),
            loads,
            text_svma: range(".text"),
            got_svma: range(".got"),
            eh_frame: section(".eh_frame"),
            eh_frame_hdr: section(".eh_frame_hdr"),
            debug_frame,
            debuglink: obj
                .gnu_debuglink()
                .ok()
                .flatten()
                .map(|(n, crc)| (n.to_vec(), crc)),
            has_dwarf,
            has_symtab: obj.symbol_table().is_some(),
            data: data.clone(),
        })
    }

    /// The load bias (actual minus stated address) implied by the mapping of file offset
    /// `offset` at `start`; None if no PT_LOAD segment covers that offset.
    pub fn bias_for_mapping(&self, start: u64, offset: u64) -> Option<u64> {
        self.loads.iter().find_map(|seg| {
            let first_page = seg.offset & !0xfff;
            if offset >= first_page && offset < seg.offset + seg.filesz.max(1) {
                let svma_at_start = seg.vaddr.wrapping_sub(seg.offset).wrapping_add(offset);
                Some(start.wrapping_sub(svma_at_start))
            } else {
                None
            }
        })
    }

    /// The file bytes at the stated address range, if they are in a PT_LOAD segment.
    pub fn read_svma(&self, svma: u64, buf: &mut [u8]) -> bool {
        for seg in &self.loads {
            if svma >= seg.vaddr && svma + buf.len() as u64 <= seg.vaddr + seg.filesz {
                let off = (seg.offset + (svma - seg.vaddr)) as usize;
                if let Some(src) = self.data.get(off..off + buf.len()) {
                    buf.copy_from_slice(src);
                    return true;
                }
            }
        }
        false
    }
}

/// Build-id of an ELF file on disk.
pub(crate) fn file_build_id(path: &Path) -> Option<Vec<u8>> {
    let data = map_file(path)?;
    let obj = object::File::parse(&*data).ok()?;
    obj.build_id().ok().flatten().map(<[u8]>::to_vec)
}

/// One entry of a symbol table: [address, address + size) in stated addresses.
struct Symbol {
    address: u64,
    size: u64,
    name: Box<str>,
}

/// Function and object symbols of one file (.symtab, else .dynsym), names demangled.
#[derive(Default)]
pub(crate) struct SymbolTable {
    symbols: Vec<Symbol>,
}

impl SymbolTable {
    fn from_object(obj: &object::File<'_>) -> SymbolTable {
        let map = obj.symbol_map();
        SymbolTable {
            symbols: map
                .symbols()
                .iter()
                .map(|s| Symbol {
                    address: s.address(),
                    size: s.size(),
                    name: demangle(s.name()).into(),
                })
                .collect(),
        }
    }

    /// The symbol whose range contains `svma`, and `svma`'s offset in it.
    pub fn lookup(&self, svma: u64) -> Option<(&str, u64)> {
        let i = self.symbols.partition_point(|s| s.address <= svma);
        let s = self.symbols.get(i.checked_sub(1)?)?;
        (svma - s.address < s.size.max(1)).then(|| (&*s.name, svma - s.address))
    }

    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }
}

/// Demangles a C++ (Itanium) or Rust symbol name; other names are returned unchanged.
pub fn demangle(name: &str) -> String {
    addr2line::demangle_auto(Cow::Borrowed(name), None).into_owned()
}

/// DWARF (from the file itself or a separate debug file) and the best symbol table.
pub(crate) struct DebugInfo {
    pub context: Option<addr2line::Context<Reader>>,
    pub symbols: SymbolTable,
    pub debug_file: Option<PathBuf>,
    /// `.debug_frame` of the separate debug file (used only when the file has no CFI).
    pub debug_frame: Option<Bytes>,
}

fn load_dwarf(
    obj: &object::File<'_>,
    data: &Bytes,
    sup: Option<(&object::File<'_>, &Bytes)>,
) -> Option<addr2line::Context<Reader>> {
    let endian = if obj.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let load = |obj: &object::File<'_>,
                data: &Bytes,
                id: gimli::SectionId|
     -> Result<Reader, gimli::Error> {
        let bytes = obj
            .section_by_name(id.name())
            .filter(|s| s.kind() != object::SectionKind::UninitializedData)
            .and_then(|s| data.section_data(&s))
            .unwrap_or_else(Bytes::empty);
        Ok(gimli::EndianReader::new(bytes, endian))
    };
    let mut dwarf = gimli::Dwarf::load(|id| load(obj, data, id)).ok()?;
    if let Some((sup_obj, sup_data)) = sup {
        dwarf.load_sup(|id| load(sup_obj, sup_data, id)).ok()?;
    }
    addr2line::Context::from_dwarf(dwarf).ok()
}

/// Opens a candidate debug file and checks that it belongs to `elf` (same build-id, or the
/// debuglink CRC when there is no build-id to compare).
fn open_debug_candidate(candidate: &Path, elf: &ElfFile, crc: Option<u32>) -> Option<Bytes> {
    if same_file(candidate, &elf.path) {
        return None;
    }
    let data = map_file(candidate)?;
    let obj = object::File::parse(&*data).ok()?;
    let id = obj.build_id().ok().flatten();
    match (id, &elf.build_id, crc) {
        (Some(a), Some(b), _) if a != b.as_slice() => return None,
        (Some(_), Some(_), _) => {}
        (_, _, Some(crc)) => {
            if crc32fast::hash(&data) != crc {
                return None;
            }
        }
        (_, _, None) => {}
    }
    Some(data)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn build_id_path(dir: &Path, id: &[u8]) -> Option<PathBuf> {
    if id.len() < 2 {
        return None;
    }
    let h = hex(id);
    Some(
        dir.join(".build-id")
            .join(&h[..2])
            .join(format!("{}.debug", &h[2..])),
    )
}

fn bytes_to_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

/// Finds the separate debug file of `elf`: DEBUG_DIR/.build-id/xx/yyyy.debug, then the
/// `.gnu_debuglink` name next to the file, in its `.debug/` directory and under DEBUG_DIR.
fn find_debug_file(elf: &ElfFile, debug_dirs: &[PathBuf]) -> Option<(PathBuf, Bytes)> {
    if let Some(id) = &elf.build_id {
        for dir in debug_dirs {
            if let Some(p) = build_id_path(dir, id) {
                if let Some(d) = open_debug_candidate(&p, elf, None) {
                    return Some((p, d));
                }
            }
        }
    }
    let (name, crc) = elf.debuglink.as_ref()?;
    let name = bytes_to_path(name);
    let dir = elf.path.parent().unwrap_or(Path::new("/"));
    let mut candidates = vec![dir.join(&name), dir.join(".debug").join(&name)];
    for d in debug_dirs {
        candidates.push(d.join(dir.strip_prefix("/").unwrap_or(dir)).join(&name));
    }
    candidates
        .into_iter()
        .find_map(|p| open_debug_candidate(&p, elf, Some(*crc)).map(|d| (p, d)))
}

/// The dwz supplementary file named by a debug file's `.gnu_debugaltlink`.
fn find_sup_file(
    debug_obj: &object::File<'_>,
    debug_path: &Path,
    debug_dirs: &[PathBuf],
) -> Option<Bytes> {
    let (name, id) = debug_obj.gnu_debugaltlink().ok().flatten()?;
    let name = bytes_to_path(name);
    let mut candidates = Vec::new();
    if name.is_absolute() {
        candidates.push(name);
    } else if let Some(dir) = debug_path.parent() {
        candidates.push(dir.join(name));
    }
    for d in debug_dirs {
        candidates.extend(build_id_path(d, id));
    }
    candidates.into_iter().find_map(|p| {
        let data = map_file(&p)?;
        let obj = object::File::parse(&*data).ok()?;
        (obj.build_id().ok().flatten() == Some(id)).then_some(data)
    })
}

impl DebugInfo {
    fn only_symbols(symbols: SymbolTable) -> DebugInfo {
        DebugInfo {
            context: None,
            symbols,
            debug_file: None,
            debug_frame: None,
        }
    }

    /// `load`, or nothing if a parser panics on a malformed file.
    pub fn load_or_empty(elf: &ElfFile, debug_dirs: &[PathBuf]) -> DebugInfo {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            DebugInfo::load(elf, debug_dirs)
        }))
        .unwrap_or_else(|_| DebugInfo::only_symbols(SymbolTable::default()))
    }

    fn load(elf: &ElfFile, debug_dirs: &[PathBuf]) -> DebugInfo {
        let Ok(obj) = object::File::parse(&*elf.data) else {
            return DebugInfo::only_symbols(SymbolTable::default());
        };
        let own_symbols = || SymbolTable::from_object(&obj);
        if elf.has_dwarf {
            let sup_data = find_sup_file(&obj, &elf.path, debug_dirs);
            let sup_obj = sup_data
                .as_ref()
                .and_then(|d| object::File::parse(&**d).ok());
            let sup = sup_obj.as_ref().zip(sup_data.as_ref());
            return DebugInfo {
                context: load_dwarf(&obj, &elf.data, sup),
                ..DebugInfo::only_symbols(own_symbols())
            };
        }
        let Some((debug_path, debug_data)) = find_debug_file(elf, debug_dirs) else {
            return DebugInfo::only_symbols(own_symbols());
        };
        let Ok(debug_obj) = object::File::parse(&*debug_data) else {
            return DebugInfo::only_symbols(own_symbols());
        };
        let sup_data = find_sup_file(&debug_obj, &debug_path, debug_dirs);
        let sup_obj = sup_data
            .as_ref()
            .and_then(|d| object::File::parse(&**d).ok());
        let sup = sup_obj.as_ref().zip(sup_data.as_ref());
        let context = load_dwarf(&debug_obj, &debug_data, sup);
        // The file's own .symtab, else the debug file's, else the file's .dynsym.
        let symbols = if elf.has_symtab {
            own_symbols()
        } else {
            Some(SymbolTable::from_object(&debug_obj))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(own_symbols)
        };
        let debug_frame = debug_obj
            .section_by_name(".debug_frame")
            .filter(|s| s.kind() != object::SectionKind::UninitializedData)
            .and_then(|s| debug_data.section_data(&s))
            .filter(|d| !d.is_empty());
        DebugInfo {
            context,
            symbols,
            debug_file: Some(debug_path),
            debug_frame,
        }
    }
}
