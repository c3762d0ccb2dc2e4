use crate::Mapping;

/// Parses /proc/PID/maps text into file mappings. Anonymous mappings and pseudo-files
/// (`[vdso]`, `[vvar]`, `[stack]`, `[heap]`, `[anon:...]`, `anon_inode:...`) are skipped;
/// malformed lines are ignored. Paths keep any " (deleted)" suffix (such a file is gone, or
/// replaced by another: it is not opened in its place).
pub fn mappings_from_proc_maps(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mapping> {
    // start-end perms offset dev inode [path]; the path may contain spaces.
    let mut rest = line.trim_start();
    let mut field = || {
        let s = rest.trim_start();
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        let (f, r) = s.split_at(end);
        rest = r;
        f
    };
    let range = field();
    let perms = field();
    let offset = field();
    let _dev = field();
    let _inode = field();
    let path = rest.trim();
    if !path.starts_with('/') {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let start = u64::from_str_radix(start, 16).ok()?;
    let end = u64::from_str_radix(end, 16).ok()?;
    let offset = u64::from_str_radix(offset, 16).ok()?;
    if end <= start || perms.len() < 3 {
        return None;
    }
    Some(Mapping {
        start,
        end,
        offset,
        path: path.to_string(),
        executable: perms.as_bytes()[2] == b'x',
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_mappings_only() {
        let text = "\
555555554000-555555555000 r--p 00000000 08:01 1234                       /tmp/dir with space/prog
555555555000-555555556000 r-xp 00001000 08:01 1234                       /tmp/dir with space/prog
555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]
7ffff7d80000-7ffff7da6000 r--p 00000000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7da6000-7ffff7efb000 r-xp 00026000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7fc1000-7ffff7fc5000 r--p 00000000 00:00 0                          [vvar]
7ffff7fc5000-7ffff7fc7000 r-xp 00000000 00:00 0                          [vdso]
7ffff7fd0000-7ffff7fd1000 rw-s 00000000 00:05 7                          /memfd:x (deleted)
7ffff7fd2000-7ffff7fd3000 rw-p 00000000 00:00 0 
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
garbage line
";
        let m = mappings_from_proc_maps(text);
        assert_eq!(m.len(), 5, "{m:?}");
        assert_eq!(m[0].path, "/tmp/dir with space/prog");
        assert_eq!(m[1].start, 0x555555555000);
        assert_eq!(m[1].end, 0x555555556000);
        assert_eq!(m[1].offset, 0x1000);
        assert!(!m[0].executable && m[1].executable);
        assert_eq!(m[3].offset, 0x26000);
        assert_eq!(m[4].path, "/memfd:x (deleted)");
    }
}
