//! Finding a recorded point fast: a conditional breakpoint that runs inside the
//! program.
//!
//! Replay must stop a task at the first visit of an address where all its
//! registers have recorded values (a preemption or signal point). An int3 there
//! costs a ptrace stop per visit, which in a hot loop means millions of stops.
//! Instead, the instruction at the address (one of at least 5 bytes, chosen so
//! while recording) is replaced by a jump to a stub in a page mapped next to it:
//! the stub compares every general register with its recorded value and traps
//! only when all match; otherwise it executes the relocated instruction and
//! jumps back. A visit that does not match costs a few dozen instructions.

use crate::{inject_syscall, read_mem, write_mem, Tid};
use iced_x86::{Code, Decoder, DecoderOptions, Encoder, FlowControl, Instruction};
use rewind_trace::Regs;
use std::io;

/// Bytes the stub pushes below the red zone: flags, rax and rcx.
const PUSHED: u64 = 24;
const RED_ZONE: u64 = 128;
const STUB_SIZE: u64 = 4096;

/// What the stub compares besides the general registers (see
/// `rewind_trace::ExecPoint`): the low 64 bits of xmm0..xmm15 and the words at
/// the stack pointer, read from stopped task `tid` at `regs`.
pub fn point_extras(tid: Tid, regs: &Regs) -> io::Result<(Vec<u64>, Vec<u64>)> {
    let fx = crate::get_fpregs(tid)?;
    let xmm = (0..16)
        .map(|i| u64::from_le_bytes(fx[160 + 16 * i..168 + 16 * i].try_into().unwrap()))
        .collect();
    let n = rewind_trace::POINT_STACK_WORDS;
    let stack = read_mem(tid, regs.rsp, 8 * n)?
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
        .collect();
    Ok((xmm, stack))
}

/// The instruction at `rip` in task `tid`, if it can be relocated into a stub:
/// at least 5 bytes (room for the jump), straight-line, not a syscall or a
/// trapping instruction.
pub fn patchable_insn(tid: Tid, rip: u64) -> Option<Instruction> {
    let code = read_mem(tid, rip, 16).ok()?;
    let mut decoder = Decoder::with_ip(64, &code, rip, DecoderOptions::NONE);
    let insn = decoder.decode();
    let ok = !insn.is_invalid()
        && insn.len() >= 5
        && insn.flow_control() == FlowControl::Next
        && !matches!(
            insn.code(),
            Code::Syscall | Code::Cpuid | Code::Rdtsc | Code::Rdtscp | Code::Int3
        )
        && !insn.has_lock_prefix();
    ok.then_some(insn)
}

/// A conditional breakpoint installed in a stopped task.
pub struct PointStub {
    site: u64,
    orig: Vec<u8>,
    stub: u64,
    /// Address of the stub's trap (the int3), and where it goes on.
    trap: u64,
    resume: u64,
}

/// The general registers in the order the stub compares them (x86 numbers).
fn compared(want: &Regs) -> [(u8, u64); 14] {
    [
        (2, want.rdx),
        (3, want.rbx),
        (5, want.rbp),
        (6, want.rsi),
        (7, want.rdi),
        (8, want.r8),
        (9, want.r9),
        (10, want.r10),
        (11, want.r11),
        (12, want.r12),
        (13, want.r13),
        (14, want.r14),
        (15, want.r15),
        // rsp as the stub sees it (below the red zone and its pushes).
        (4, want.rsp.wrapping_sub(RED_ZONE + PUSHED)),
    ]
}

impl PointStub {
    /// Installs the stub for the point `want` (its rip must hold a
    /// [`patchable_insn`]). Injects an mmap into the task (stopped where it
    /// returns to user space next). None when no page near the site is free.
    pub fn install(
        tid: Tid,
        want: &Regs,
        xmm_low: &[u64],
        stack_words: &[u64],
        mem_words: &[(u64, u64)],
    ) -> io::Result<Option<PointStub>> {
        let site = want.rip;
        let Some(insn) = patchable_insn(tid, site) else {
            return Ok(None);
        };
        let Some(stub) = map_near(tid, site)? else {
            return Ok(None);
        };
        let mut code = Vec::with_capacity(256);
        code.extend_from_slice(&[0x48, 0x8d, 0x64, 0x24, 0x80]); // lea rsp,[rsp-128]
        code.push(0x9c); // pushfq
        code.push(0x50); // push rax
        code.push(0x51); // push rcx
        let mut jne_fixups = Vec::new();
        let mut cmp_imm = |code: &mut Vec<u8>, value: u64, cmp: &[u8]| {
            code.extend_from_slice(&[0x48, 0xb8]); // mov rax, imm64
            code.extend_from_slice(&value.to_le_bytes());
            code.extend_from_slice(cmp);
            code.extend_from_slice(&[0x0f, 0x85, 0, 0, 0, 0]); // jne out
            jne_fixups.push(code.len() - 4);
        };
        cmp_imm(&mut code, want.rax, &[0x48, 0x39, 0x44, 0x24, 0x08]); // cmp [rsp+8], rax
        cmp_imm(&mut code, want.rcx, &[0x48, 0x39, 0x04, 0x24]); // cmp [rsp], rax
        for (reg, value) in compared(want) {
            let rex = 0x48 | (reg >> 3);
            cmp_imm(&mut code, value, &[rex, 0x39, 0xc0 | (reg & 7)]); // cmp reg, rax
        }
        for (i, &value) in xmm_low.iter().enumerate().take(16) {
            let i = i as u8;
            // movq rcx, xmmI
            code.extend_from_slice(&[
                0x66,
                0x48 | ((i >> 3) << 2),
                0x0f,
                0x7e,
                0xc1 | ((i & 7) << 3),
            ]);
            cmp_imm(&mut code, value, &[0x48, 0x39, 0xc1]); // cmp rcx, rax
        }
        for (k, &value) in stack_words.iter().enumerate() {
            // mov rcx, [rsp + pushed + red zone + 8k]: the program's stack
            let disp = (PUSHED + RED_ZONE + 8 * k as u64) as u32;
            code.extend_from_slice(&[0x48, 0x8b, 0x8c, 0x24]);
            code.extend_from_slice(&disp.to_le_bytes());
            cmp_imm(&mut code, value, &[0x48, 0x39, 0xc1]); // cmp rcx, rax
        }
        for &(addr, value) in mem_words {
            code.extend_from_slice(&[0x48, 0xb8]); // mov rax, addr
            code.extend_from_slice(&addr.to_le_bytes());
            code.extend_from_slice(&[0x48, 0x8b, 0x08]); // mov rcx, [rax]
            cmp_imm(&mut code, value, &[0x48, 0x39, 0xc1]); // cmp rcx, rax
        }
        let trap = stub + code.len() as u64;
        code.push(0xcc); // int3: all registers match
        let resume = stub + code.len() as u64;
        for at in jne_fixups {
            let rel = (code.len() as i64 - (at as i64 + 4)) as i32;
            code[at..at + 4].copy_from_slice(&rel.to_le_bytes());
        }
        code.push(0x59); // pop rcx
        code.push(0x58); // pop rax
        code.push(0x9d); // popfq
        code.extend_from_slice(&[0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0]); // lea rsp,[rsp+128]
        let mut enc = Encoder::new(64);
        let relocated_at = stub + code.len() as u64;
        enc.encode(&insn, relocated_at).map_err(|e| {
            io::Error::other(format!("cannot relocate the instruction at {site:#x}: {e}"))
        })?;
        code.extend_from_slice(&enc.take_buffer());
        let back = site + insn.len() as u64;
        let jmp_at = stub + code.len() as u64;
        code.push(0xe9); // jmp back
        code.extend_from_slice(&((back as i64 - (jmp_at as i64 + 5)) as i32).to_le_bytes());
        write_mem(tid, stub, &code)?;
        let orig = read_mem(tid, site, 5)?;
        let mut jmp = vec![0xe9];
        jmp.extend_from_slice(&((stub as i64 - (site as i64 + 5)) as i32).to_le_bytes());
        write_mem(tid, site, &jmp)?;
        Ok(Some(PointStub {
            site,
            orig,
            stub,
            trap,
            resume,
        }))
    }

    /// Whether a SIGTRAP with `regs` came from the stub (rip after its int3).
    pub fn trapped(&self, regs: &Regs) -> bool {
        regs.rip == self.trap + 1
    }

    /// The program's own registers at the stub's trap: as at the site.
    pub fn program_regs(&self, tid: Tid, trapped: &Regs) -> io::Result<Regs> {
        let saved = read_mem(tid, trapped.rsp, PUSHED as usize)?;
        let word = |i: usize| u64::from_le_bytes(saved[i * 8..i * 8 + 8].try_into().unwrap());
        let mut r = *trapped;
        r.rcx = word(0);
        r.rax = word(1);
        r.eflags = word(2);
        r.rsp = trapped.rsp + PUSHED + RED_ZONE;
        r.rip = self.site;
        Ok(r)
    }

    /// Where a task stopped at the trap goes on when the point was not it.
    pub fn resume_addr(&self) -> u64 {
        self.resume
    }

    /// Puts the original instruction back and unmaps the stub (the task must be
    /// stopped where it returns to user space next, outside the stub).
    pub fn remove(self, tid: Tid) -> io::Result<()> {
        write_mem(tid, self.site, &self.orig)?;
        let r = inject_syscall(tid, libc::SYS_munmap as u64, &[self.stub, STUB_SIZE])?;
        if r < 0 {
            return Err(io::Error::from_raw_os_error(-r as i32));
        }
        Ok(())
    }
}

/// Maps an executable page within reach of a rel32 jump from `site`, in a
/// free spot below it (the program's own mappings are never replaced).
fn map_near(tid: Tid, site: u64) -> io::Result<Option<u64>> {
    const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
    let base = site & !0xffff;
    for k in 1..512u64 {
        for hint in [base.wrapping_sub(k << 20), base.wrapping_add(k << 20)] {
            if !(0x10000..0x7fff_ffff_0000).contains(&hint) {
                continue;
            }
            let r = inject_syscall(
                tid,
                libc::SYS_mmap as u64,
                &[
                    hint,
                    STUB_SIZE,
                    (libc::PROT_READ | libc::PROT_EXEC) as u64,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64 | MAP_FIXED_NOREPLACE,
                    u64::MAX,
                    0,
                ],
            )?;
            if r as u64 == hint {
                return Ok(Some(hint));
            }
            if r >= 0 {
                // An old kernel ignoring NOREPLACE put it elsewhere: give it back.
                inject_syscall(tid, libc::SYS_munmap as u64, &[r as u64, STUB_SIZE])?;
            }
        }
    }
    Ok(None)
}
