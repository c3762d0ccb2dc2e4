//! Parsing /proc/PID/maps.

use std::io;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    pub inode: u64,
    /// Path or pseudo name ("[stack]"), empty for anonymous memory.
    pub name: String,
}

impl MapEntry {
    /// Backed by a file (not anonymous, not a pseudo mapping like [heap]).
    pub fn is_file(&self) -> bool {
        self.inode != 0 && self.name.starts_with('/')
    }

    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.start && addr.saturating_add(len) <= self.end
    }
}

pub fn parse_maps(text: &str) -> Vec<MapEntry> {
    text.lines().filter_map(parse_maps_line).collect()
}

/// One line of /proc/PID/maps (also the mapping lines of smaps); None for
/// anything else.
pub fn parse_maps_line(line: &str) -> Option<MapEntry> {
    let mut it = line.splitn(6, ' ');
    let range = it.next()?;
    let perms = it.next()?.to_string();
    let offset = u64::from_str_radix(it.next()?, 16).ok()?;
    let _dev = it.next()?;
    let inode = it.next()?.parse().ok()?;
    let name = it.next().unwrap_or("").trim_start().to_string();
    let (s, e) = range.split_once('-')?;
    Some(MapEntry {
        start: u64::from_str_radix(s, 16).ok()?,
        end: u64::from_str_radix(e, 16).ok()?,
        perms,
        offset,
        inode,
        name,
    })
}

pub fn read_maps(tid: i32) -> io::Result<Vec<MapEntry>> {
    Ok(parse_maps(&std::fs::read_to_string(format!(
        "/proc/{tid}/maps"
    ))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_anon_and_pseudo_lines() {
        let text = "555555554000-555555556000 r--p 00000000 fe:00 1234                       /usr/bin/cat\n\
                    7ffff7fc3000-7ffff7fc7000 r--p 00000000 00:00 0                          [vvar]\n\
                    7ffff7d00000-7ffff7d10000 rw-p 00000000 00:00 0 \n\
                    7ffff7e00000-7ffff7e01000 r-xp 00001000 fe:00 99 /tmp/a b (deleted)\n";
        let m = parse_maps(text);
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].start, 0x555555554000);
        assert_eq!(m[0].name, "/usr/bin/cat");
        assert!(m[0].is_file());
        assert_eq!(m[1].name, "[vvar]");
        assert!(!m[1].is_file());
        assert_eq!(m[2].name, "");
        assert_eq!(m[3].offset, 0x1000);
        assert_eq!(m[3].name, "/tmp/a b (deleted)");
    }
}
