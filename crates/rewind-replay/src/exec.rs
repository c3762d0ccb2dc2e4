//! Replaying execve: run the trace's copy of the executable, then make the new
//! image exactly the recorded one (layout check, file contents, initial stack,
//! registers).

use crate::task::{Stop, Task};
use rewind_ptrace as pt;
use rewind_trace::{FileStore, Header, Mapping, MemWrite, Regs};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

pub enum ExecProblem {
    /// The new address space differs from the recorded one.
    Layout(String),
    Other(String),
}

/// Starts the recorded root process from the trace's copy of its executable and
/// runs it to the end of its execve.
pub fn spawn_initial(exe: &Path, header: &Header) -> Result<Task, String> {
    let setup = pt::SpawnSetup {
        no_aslr: true,
        trap_tsc: true,
        stack_limit: Some(header.stack_limit),
        no_core: true,
        null_stdio: true,
        seize: false,
    };
    let path = exe.to_str().ok_or("trace path is not UTF-8")?;
    let (pid, errpipe) = pt::spawn_traced(path, &header.argv, &header.env, &setup)
        .map_err(|e| format!("cannot start {path}: {e}"))?;
    let mut task = Task::new(pid);
    // execve entry, PTRACE_EVENT_EXEC, execve exit.
    loop {
        match task.advance().map_err(|e| e.to_string())? {
            Stop::Exit(regs) if regs.orig_rax == libc::SYS_execve as u64 && regs.rax == 0 => break,
            // A failed execve (the copy is not executable, say) also stops here.
            Stop::Exit(regs) if regs.orig_rax == libc::SYS_execve as u64 => {
                unsafe { libc::kill(pid, libc::SIGKILL) };
                return Err(format!(
                    "cannot execute {} from the trace: {}",
                    exe.display(),
                    std::io::Error::from_raw_os_error(-(regs.rax as i64) as i32)
                ));
            }
            Stop::Exited(_) => {
                let why = pt::exec_error(errpipe)
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "it exited".into());
                return Err(format!(
                    "cannot execute {} from the trace: {why}",
                    exe.display()
                ));
            }
            _ => {}
        }
    }
    Ok(task)
}

/// Turns the execve the task is entering into an execve of `exe`.
pub fn exec_in_task(task: &mut Task, entry: &Regs, exe: &Path) -> Result<(), String> {
    stage_execve(task.real, entry, exe)?;
    loop {
        match task.advance().map_err(|e| e.to_string())? {
            Stop::Event(pt::event::EXEC) => {}
            Stop::Exit(r) if r.rax == 0 => return Ok(()),
            Stop::Exit(r) => {
                return Err(format!(
                    "cannot execute {} from the trace: {}",
                    exe.display(),
                    std::io::Error::from_raw_os_error(-(r.rax as i64) as i32)
                ))
            }
            other => return Err(format!("the process {} during execve", other.describe())),
        }
    }
}

/// [`exec_in_task`] for a thread that is not its process's leader: the kernel
/// kills the other threads of process `tgid` (their exits are collected into
/// `others` as they come: the execve waits for them) and gives the caller the
/// leader's tid, which `task.real` becomes.
pub fn exec_in_thread(
    task: &mut Task,
    entry: &Regs,
    exe: &Path,
    tgid: i32,
    others: &mut std::collections::HashMap<i32, Task>,
) -> Result<(), String> {
    stage_execve(task.real, entry, exe)?;
    pt::resume_syscall(task.real, 0).map_err(|e| e.to_string())?;
    loop {
        let (pid, raw, st) = pt::wait(-1).map_err(|e| e.to_string())?;
        match st {
            pt::WaitStatus::Event(pt::event::EXEC) if pid == tgid => {
                task.real = tgid;
                pt::resume_syscall(tgid, 0).map_err(|e| e.to_string())?;
            }
            pt::WaitStatus::Syscall if pid == tgid => {
                task.in_syscall = false;
                let r = pt::get_regs(tgid).map_err(|e| e.to_string())?;
                if r.rax != 0 {
                    return Err(format!(
                        "cannot execute {} from the trace: {}",
                        exe.display(),
                        std::io::Error::from_raw_os_error(-(r.rax as i64) as i32)
                    ));
                }
                return Ok(());
            }
            pt::WaitStatus::Exited(_) | pt::WaitStatus::Killed(_) => {
                if let Some(t) = others.values_mut().find(|t| t.real == pid) {
                    t.exited = Some(raw);
                }
            }
            _ => {
                return Err(format!(
                    "process {pid} stopped unexpectedly ({raw:#x}) during a thread's execve"
                ))
            }
        }
    }
}

/// Points the execve the task is entering at `exe` (staged on its stack).
fn stage_execve(real: i32, entry: &Regs, exe: &Path) -> Result<(), String> {
    let mut path = exe.as_os_str().as_encoded_bytes().to_vec();
    path.push(0);
    // Scratch room below the red zone of the current stack: the old image is about
    // to be replaced, so nothing there survives anyway.
    let scratch = (entry.rsp - 4096 - path.len() as u64) & !15;
    let maps = pt::read_maps(real).map_err(|e| e.to_string())?;
    if !maps
        .iter()
        .any(|m| m.contains(scratch, path.len() as u64) && m.perms.starts_with("rw"))
    {
        return Err("no writable stack room to stage the execve of the trace's executable".into());
    }
    pt::write_mem(real, scratch, &path).map_err(|e| e.to_string())?;
    let mut regs = *entry;
    if entry.orig_rax == libc::SYS_execveat as u64 {
        regs.rsi = entry.rdx; // argv
        regs.rdx = entry.r10; // envp
    }
    regs.orig_rax = libc::SYS_execve as u64;
    regs.rdi = scratch;
    pt::set_regs(real, &regs).map_err(|e| e.to_string())
}

/// Makes the freshly exec'd image the recorded one.
pub fn after_exec(
    real: i32,
    regs: &Regs,
    stack: &MemWrite,
    mappings: &[Mapping],
    files: &FileStore,
    cpuid_faulting: bool,
) -> Result<(), ExecProblem> {
    let other = |e: std::io::Error| ExecProblem::Other(e.to_string());
    let now = pt::read_maps(real).map_err(other)?;
    let pseudo = |name: &str| {
        matches!(
            name,
            "[stack]" | "[vvar]" | "[vdso]" | "[vsyscall]" | "[vvar_vclock]"
        )
    };
    for m in mappings.iter().filter(|m| !pseudo(&m.name)) {
        let Some(cur) = now.iter().find(|c| {
            c.start == m.start && c.end == m.end && c.perms == m.perms && c.offset == m.offset
        }) else {
            return Err(ExecProblem::Layout(format!(
                "replay has no mapping {:#x}-{:#x} {} of {} (a different kernel, or a different RLIMIT_STACK?)",
                m.start, m.end, m.perms, m.name
            )));
        };
        if let Some(file) = &m.file {
            // The kernel mapped whatever file is at that path now (the dynamic
            // loader, say). When it is not the very file recorded and its bytes
            // differ, the trace's copy is what the program must see.
            let copy = files.path_of(file);
            let link = format!("/proc/{real}/map_files/{:x}-{:x}", cur.start, cur.end);
            let len = m.end - m.start;
            if !same_bytes(&copy, Path::new(&link), m.offset, len).map_err(other)? {
                if m.perms.starts_with("rw") {
                    // Writable segments end in zeroed .bss the file does not hold:
                    // copying file bytes there would be wrong.
                    return Err(ExecProblem::Other(format!(
                        "{} changed since the recording; its writable segment cannot be restored from the trace",
                        m.name
                    )));
                }
                overwrite_from_file(real, m.start, len, &copy, m.offset).map_err(other)?;
            }
        }
    }
    pt::write_mem(real, stack.addr, &stack.data).map_err(other)?;
    // As the recorder did; the recorded stack says whether the program was told
    // about the vDSO (the auxv entry hidden when rewriting was impossible there).
    pt::make_vdso_recordable(real).map_err(other)?;
    pt::set_regs(real, regs).map_err(other)?;
    if cpuid_faulting && !pt::enable_cpuid_faulting(real).map_err(other)? {
        return Err(ExecProblem::Other("cannot enable CPUID faulting".into()));
    }
    Ok(())
}

/// Whether two files hold the same bytes in `[offset, offset + len)` (the same
/// inode trivially does).
fn same_bytes(a: &Path, b: &Path, offset: u64, len: u64) -> std::io::Result<bool> {
    let (ma, mb) = (std::fs::metadata(a)?, std::fs::metadata(b)?);
    if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
        return Ok(true);
    }
    let end = |size: u64| size.min(offset.saturating_add(len));
    if end(ma.len()) != end(mb.len()) {
        return Ok(false);
    }
    let (fa, fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    let total = end(ma.len()).saturating_sub(offset);
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut done = 0;
    while done < total {
        let n = (total - done).min(ba.len() as u64) as usize;
        fa.read_exact_at(&mut ba[..n], offset + done)?;
        fb.read_exact_at(&mut bb[..n], offset + done)?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
        done += n as u64;
    }
    Ok(true)
}

/// Copies `len` bytes of `path` from `offset` into the task's memory at `addr`
/// (less if the file is shorter: the rest stays zero, as in a file mapping).
/// The memory is fresh (zero), so holes and zero pages are skipped: the cost
/// follows the file's data, not its size.
pub fn fill_from_file(
    real: i32,
    addr: u64,
    len: u64,
    path: &Path,
    offset: u64,
) -> std::io::Result<()> {
    let f = std::fs::File::open(path)?;
    rewind_trace::extents::for_each_data(&f, offset, len, |at, data| {
        pt::write_mem(real, addr + (at - offset), data)
    })
}

/// Like [`fill_from_file`], for memory that already holds something else (a
/// different file the kernel mapped): every byte is written, zeros included.
fn overwrite_from_file(
    real: i32,
    addr: u64,
    len: u64,
    path: &Path,
    offset: u64,
) -> std::io::Result<()> {
    let f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    let avail = size.saturating_sub(offset).min(len);
    let mut buf = vec![0u8; avail.min(1 << 20) as usize];
    let mut done = 0u64;
    while done < avail {
        let n = (avail - done).min(buf.len() as u64) as usize;
        f.read_exact_at(&mut buf[..n], offset + done)?;
        pt::write_mem(real, addr + done, &buf[..n])?;
        done += n as u64;
    }
    Ok(())
}
