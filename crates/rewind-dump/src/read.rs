//! Reading ELF core files (ours, the kernel's, gcore's): threads, signal,
//! mapped files and memory. Cores come from outside (the kernel's
//! core_pattern pipe), so every offset is checked; a damaged core gives an
//! error, never a panic.

use crate::write::{regs_from_words, NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NT_SIGINFO, PN_XNUM};
use rewind_trace::Regs;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct CoreThread {
    pub tid: i32,
    pub signal: i32,
    pub regs: Regs,
}

/// A file mapping from the NT_FILE note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMapping {
    pub start: u64,
    pub end: u64,
    /// Offset in the file, in bytes.
    pub offset: u64,
    pub path: String,
}

#[derive(Debug)]
struct Load {
    vaddr: u64,
    memsz: u64,
    flags: u32,
    filesz: u64,
    offset: u64,
}

/// An opened core file.
#[derive(Debug)]
pub struct CoreFile {
    pub pid: i32,
    pub uid: u32,
    pub comm: String,
    pub psargs: String,
    pub signal: i32,
    pub siginfo: Option<[u8; 128]>,
    /// In note order: the thread that crashed first.
    pub threads: Vec<CoreThread>,
    pub files: Vec<FileMapping>,
    loads: Vec<Load>,
    source: Source,
}

/// Where the core's bytes are: a file, or memory (tests, fuzzing).
#[derive(Debug)]
enum Source {
    File(File),
    Bytes(Vec<u8>),
}

impl Source {
    fn len(&self) -> io::Result<u64> {
        match self {
            Source::File(f) => Ok(f.metadata()?.len()),
            Source::Bytes(b) => Ok(b.len() as u64),
        }
    }

    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        match self {
            Source::File(f) => f.read_exact_at(buf, at),
            Source::Bytes(b) => {
                let bytes = usize::try_from(at)
                    .ok()
                    .and_then(|at| b.get(at..at.checked_add(buf.len())?))
                    .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
                buf.copy_from_slice(bytes);
                Ok(())
            }
        }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a usable x86-64 core file: {what}"),
    )
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Notes larger than this are refused (a real one is well below: NT_FILE of
/// a process with thousands of mappings is some hundreds of KiB).
const MAX_NOTES: u64 = 64 << 20;

/// Opens the core file at `path`; memory is read from it on demand.
pub fn read_core(path: &Path) -> io::Result<CoreFile> {
    parse(Source::File(File::open(path)?))
}

/// Parses a core held in memory.
pub fn parse_core(bytes: Vec<u8>) -> io::Result<CoreFile> {
    parse(Source::Bytes(bytes))
}

fn parse(file: Source) -> io::Result<CoreFile> {
    let size = file.len()?;
    let mut eh = [0u8; 64];
    file.read_exact_at(&mut eh, 0)
        .map_err(|_| bad("shorter than an ELF header"))?;
    if &eh[..4] != b"\x7fELF" || eh[4] != 2 || eh[5] != 1 {
        return Err(bad("not a 64-bit little-endian ELF file"));
    }
    if u16_at(&eh, 16) != Some(4) {
        return Err(bad("ELF file is not a core (e_type is not ET_CORE)"));
    }
    if u16_at(&eh, 18) != Some(62) {
        return Err(bad("not an x86-64 core"));
    }
    let phoff = u64_at(&eh, 32).unwrap_or(0);
    let phentsize = u16_at(&eh, 54).unwrap_or(0) as u64;
    let mut phnum = u16_at(&eh, 56).unwrap_or(0) as u64;
    if phnum == PN_XNUM as u64 {
        // The count is in section header 0 (more segments than e_phnum holds).
        let shoff = u64_at(&eh, 40).unwrap_or(0);
        let mut sh = [0u8; 64];
        file.read_exact_at(&mut sh, shoff)
            .map_err(|_| bad("section header 0 (segment count) out of bounds"))?;
        phnum = u32_at(&sh, 44).unwrap_or(0) as u64;
    }
    if phentsize < 56 || phnum == 0 || phoff.saturating_add(phentsize * phnum) > size {
        return Err(bad("program headers out of bounds (truncated?)"));
    }
    let mut ph = vec![0u8; (phentsize * phnum) as usize];
    file.read_exact_at(&mut ph, phoff)?;
    let mut loads = Vec::new();
    let mut notes = Vec::new();
    for i in 0..phnum as usize {
        let p = &ph[i * phentsize as usize..];
        let kind = u32_at(p, 0).unwrap_or(0);
        let off = u64_at(p, 8).unwrap_or(0);
        let vaddr = u64_at(p, 16).unwrap_or(0);
        let filesz = u64_at(p, 32).unwrap_or(0);
        match kind {
            1 => loads.push(Load {
                vaddr,
                memsz: u64_at(p, 40).unwrap_or(0),
                flags: u32_at(p, 4).unwrap_or(0),
                // A truncated core keeps what it has.
                filesz: filesz.min(size.saturating_sub(off)),
                offset: off,
            }),
            4 => {
                if filesz > MAX_NOTES || off.saturating_add(filesz) > size {
                    return Err(bad("note segment out of bounds (truncated?)"));
                }
                let mut n = vec![0u8; filesz as usize];
                file.read_exact_at(&mut n, off)?;
                notes.push(n);
            }
            _ => {}
        }
    }
    let mut core = CoreFile {
        pid: 0,
        uid: 0,
        comm: String::new(),
        psargs: String::new(),
        signal: 0,
        siginfo: None,
        threads: Vec::new(),
        files: Vec::new(),
        loads,
        source: file,
    };
    for n in &notes {
        parse_notes(n, &mut core)?;
    }
    if core.threads.is_empty() {
        return Err(bad("no thread status (NT_PRSTATUS) notes"));
    }
    if core.pid == 0 {
        core.pid = core.threads[0].tid;
    }
    Ok(core)
}

fn parse_notes(b: &[u8], core: &mut CoreFile) -> io::Result<()> {
    let mut at = 0usize;
    while at + 12 <= b.len() {
        let namesz = u32_at(b, at).unwrap_or(0) as usize;
        let descsz = u32_at(b, at + 4).unwrap_or(0) as usize;
        let kind = u32_at(b, at + 8).unwrap_or(0);
        let name_at = at + 12;
        let desc_at = name_at
            .checked_add(namesz.div_ceil(4) * 4)
            .ok_or_else(|| bad("note name size"))?;
        let end = desc_at
            .checked_add(descsz)
            .filter(|&e| e <= b.len())
            .ok_or_else(|| bad("note runs past its segment"))?;
        let name = cstr(&b[name_at..desc_at.min(b.len())]);
        let desc = &b[desc_at..end];
        if name == "CORE" {
            match kind {
                NT_PRSTATUS if desc.len() >= 112 + 27 * 8 => {
                    let mut w = [0u64; 27];
                    for (i, v) in w.iter_mut().enumerate() {
                        *v = u64_at(desc, 112 + i * 8).unwrap_or(0);
                    }
                    core.threads.push(CoreThread {
                        tid: u32_at(desc, 32).unwrap_or(0) as i32,
                        signal: u16_at(desc, 12).unwrap_or(0) as i32,
                        regs: regs_from_words(&w),
                    });
                    if core.signal == 0 {
                        core.signal = u16_at(desc, 12).unwrap_or(0) as i32;
                    }
                }
                NT_PRPSINFO if desc.len() >= 136 => {
                    core.uid = u32_at(desc, 16).unwrap_or(0);
                    core.pid = u32_at(desc, 24).unwrap_or(0) as i32;
                    core.comm = cstr(&desc[40..56]);
                    core.psargs = cstr(&desc[56..136]);
                }
                NT_SIGINFO if desc.len() >= 128 && core.siginfo.is_none() => {
                    core.siginfo = Some(desc[..128].try_into().unwrap());
                }
                NT_FILE => core.files = parse_nt_file(desc)?,
                _ => {}
            }
        }
        at = end.div_ceil(4) * 4;
    }
    Ok(())
}

fn parse_nt_file(d: &[u8]) -> io::Result<Vec<FileMapping>> {
    let count = u64_at(d, 0).ok_or_else(|| bad("NT_FILE note"))? as usize;
    let page = u64_at(d, 8).ok_or_else(|| bad("NT_FILE note"))?;
    let table_end = count
        .checked_mul(24)
        .and_then(|n| n.checked_add(16))
        .filter(|&e| e <= d.len())
        .ok_or_else(|| bad("NT_FILE note count"))?;
    let mut names = d[table_end..].split(|&c| c == 0);
    (0..count)
        .map(|i| {
            let e = 16 + i * 24;
            Ok(FileMapping {
                start: u64_at(d, e).unwrap_or(0),
                end: u64_at(d, e + 8).unwrap_or(0),
                offset: u64_at(d, e + 16).unwrap_or(0).saturating_mul(page),
                path: String::from_utf8_lossy(names.next().ok_or_else(|| bad("NT_FILE names"))?)
                    .into_owned(),
            })
        })
        .collect()
}

impl CoreFile {
    /// Reads memory saved in the core; false if any byte is not in it.
    pub fn read_memory(&self, addr: u64, buf: &mut [u8]) -> bool {
        let mut done = 0usize;
        while done < buf.len() {
            let a = addr.wrapping_add(done as u64);
            let Some(l) = self
                .loads
                .iter()
                .find(|l| a >= l.vaddr && a - l.vaddr < l.filesz)
            else {
                return false;
            };
            let n = ((l.filesz - (a - l.vaddr)) as usize).min(buf.len() - done);
            if self
                .source
                .read_exact_at(&mut buf[done..done + n], l.offset + (a - l.vaddr))
                .is_err()
            {
                return false;
            }
            done += n;
        }
        true
    }

    /// Whether the segment holding `addr` was executable (PF_X).
    pub fn is_executable(&self, addr: u64) -> bool {
        self.loads
            .iter()
            .any(|l| addr >= l.vaddr && addr - l.vaddr < l.memsz && l.flags & 1 != 0)
    }

    /// `si_code` and fault address from the siginfo note.
    pub fn signal_code_and_address(&self) -> (Option<i32>, Option<u64>) {
        match &self.siginfo {
            Some(i) => (
                Some(i32::from_le_bytes(i[8..12].try_into().unwrap())),
                Some(u64::from_le_bytes(i[16..24].try_into().unwrap())),
            ),
            None => (None, None),
        }
    }
}
