//! Finding a point to preempt a thread that runs without syscalls.
//!
//! Without hardware counters replay cannot count its way to an arbitrary
//! instruction. It can run a thread to the first point where its registers (and
//! x87/SSE state and top of stack) equal recorded ones. That point is the recorded
//! one when the thread's state there does not recur with different memory. The
//! recorder therefore preempts only where the thread is *spinning*: single-stepping
//! it, the same full register state comes back, and every byte the loop wrote in
//! between holds the value it had before (a `while (!flag)` wait, a `pause` loop,
//! a spin lock). Each iteration of such a loop leaves the thread in exactly the same
//! state, so replay stopping at any of them is the same as stopping at the one the
//! recording stopped at. A loop that makes progress (a counter in a register or in
//! memory) is not preempted: it runs to its next syscall.

use iced_x86::{
    Code, Decoder, DecoderOptions, FlowControl, InstructionInfoFactory, OpAccess, Register,
};
use rewind_ptrace::{self as pt, Tid, WaitStatus};
use rewind_ptrace::{comparable_regs as comparable, fpu_hash};
use rewind_trace::{fnv1a, Regs, PREEMPT_STACK_BYTES};
use std::collections::HashMap;

/// Longest loop iteration (in instructions) the search follows.
/// Each step is a ptrace round trip (tens of microseconds in a VM): spin loops
/// are short, so few are needed.
const MAX_STEPS: usize = 256;

/// What single-stepping a thread found.
// One value per watchdog check: boxing the registers buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum SpinCheck {
    /// The thread is spinning; it is stopped at a state of the loop.
    Spinning {
        regs: Regs,
        fpu_hash: u64,
        stack_hash: u64,
    },
    /// The thread is making progress or is about to do something that must be
    /// recorded (a syscall, a trapping instruction); it is stopped wherever the
    /// search ended, in user code. When it loops with its registers coming back
    /// while memory changes, `updated` holds the addresses the loop updates
    /// (what tells its iterations apart).
    NotSpinning { why: String, updated: Vec<u64> },
    /// A stop other than the single-step arrived (a signal): the caller handles it.
    OtherStop(i32, WaitStatus),
}

struct Write {
    step: usize,
    addr: u64,
    before: Vec<u8>,
}

/// Single-steps the stopped thread `tid` looking for a spin loop.
pub fn check(tid: Tid) -> std::io::Result<SpinCheck> {
    // Registers -> (step, FPU hash) of each state seen with them.
    let mut seen: HashMap<Regs, Vec<(usize, u64)>> = HashMap::new();
    let mut writes: Vec<Write> = Vec::new();
    let mut info = InstructionInfoFactory::new();
    for step in 0..MAX_STEPS {
        let regs = pt::get_regs(tid)?;
        let key = comparable(&regs);
        let fpu = fpu_hash(&pt::get_fpregs(tid)?);
        let repeat = seen
            .get(&key)
            .and_then(|v| v.iter().find(|(_, f)| *f == fpu).map(|(step, _)| *step));
        if let Some(first) = repeat {
            // The same registers again: a spin if the memory the loop wrote is
            // back to what it was when the iteration began.
            let mut checked = HashMap::new();
            for w in writes.iter().filter(|w| w.step >= first) {
                checked.entry(w.addr).or_insert(&w.before);
            }
            let mut updated = Vec::new();
            for (&addr, before) in &checked {
                if pt::read_mem(tid, addr, before.len())? != **before {
                    updated.push(addr);
                }
            }
            if let Some(&addr) = updated.first() {
                return Ok(SpinCheck::NotSpinning {
                    why: format!("it loops at {:#x} updating memory at {addr:#x}", regs.rip),
                    updated,
                });
            }
            let stack = pt::read_mem(tid, regs.rsp, PREEMPT_STACK_BYTES).unwrap_or_default();
            return Ok(SpinCheck::Spinning {
                regs,
                fpu_hash: fpu,
                stack_hash: fnv1a(&stack),
            });
        }
        seen.entry(key).or_default().push((step, fpu));
        let code = read_code(tid, regs.rip);
        let mut decoder = Decoder::with_ip(64, &code, regs.rip, DecoderOptions::NONE);
        let insn = decoder.decode();
        if insn.is_invalid() || must_not_step(&insn) {
            return Ok(SpinCheck::NotSpinning {
                updated: Vec::new(),
                why: format!(
                    "it is about to execute {:?} at {:#x}",
                    insn.mnemonic(),
                    regs.rip
                ),
            });
        }
        for m in info.info(&insn).used_memory() {
            if !matches!(
                m.access(),
                OpAccess::Write
                    | OpAccess::CondWrite
                    | OpAccess::ReadWrite
                    | OpAccess::ReadCondWrite
            ) {
                continue;
            }
            let size = m.memory_size().size();
            let addr = m.virtual_address(0, |reg, _, _| register_value(&regs, reg));
            match addr {
                Some(addr) if size > 0 && size <= 4096 && !insn.has_rep_prefix() => {
                    if let Ok(before) = pt::read_mem(tid, addr, size) {
                        writes.push(Write { step, addr, before });
                    }
                }
                _ => {
                    return Ok(SpinCheck::NotSpinning {
                        updated: Vec::new(),
                        why: format!("it writes memory rewind cannot follow at {:#x}", regs.rip),
                    })
                }
            }
        }
        pt::single_step(tid, 0)?;
        let (_, raw, st) = pt::wait(tid)?;
        let stepped = st == WaitStatus::Signal(libc::SIGTRAP)
            && pt::get_siginfo(tid).is_ok_and(|i| pt::siginfo_code(&i) == TRAP_TRACE);
        if !stepped {
            return Ok(SpinCheck::OtherStop(raw, st));
        }
    }
    Ok(SpinCheck::NotSpinning {
        updated: Vec::new(),
        why: format!("its code does not repeat within {MAX_STEPS} instructions"),
    })
}

const TRAP_TRACE: i32 = 2;

/// Instructions a single step must not execute unrecorded: syscalls (the step
/// would hide them from the syscall stops), instructions rewind traps (RDTSC,
/// CPUID), and ones whose outcome is not reproducible (RDRAND, transactions).
fn must_not_step(insn: &iced_x86::Instruction) -> bool {
    use iced_x86::Mnemonic::*;
    matches!(
        insn.flow_control(),
        FlowControl::Interrupt | FlowControl::Exception
    ) || matches!(
        insn.mnemonic(),
        Syscall
            | Sysenter
            | Int
            | Int1
            | Int3
            | Into
            | Rdtsc
            | Rdtscp
            | Cpuid
            | Rdrand
            | Rdseed
            | Rdpid
            | Rdpmc
            | Xbegin
            | Xend
            | Xabort
            | Hlt
            | Ud0
            | Ud1
            | Ud2
    ) || insn.code() == Code::INVALID
}

fn read_code(tid: Tid, rip: u64) -> Vec<u8> {
    // Up to 15 bytes, fewer at the end of a mapping.
    for len in [15usize, 8, 4, 2, 1] {
        if let Ok(c) = pt::read_mem(tid, rip, len) {
            return c;
        }
    }
    Vec::new()
}

fn register_value(r: &Regs, reg: Register) -> Option<u64> {
    Some(match reg {
        Register::RAX => r.rax,
        Register::RBX => r.rbx,
        Register::RCX => r.rcx,
        Register::RDX => r.rdx,
        Register::RSI => r.rsi,
        Register::RDI => r.rdi,
        Register::RBP => r.rbp,
        Register::RSP => r.rsp,
        Register::R8 => r.r8,
        Register::R9 => r.r9,
        Register::R10 => r.r10,
        Register::R11 => r.r11,
        Register::R12 => r.r12,
        Register::R13 => r.r13,
        Register::R14 => r.r14,
        Register::R15 => r.r15,
        Register::RIP => r.rip,
        Register::EAX => r.rax & 0xffff_ffff,
        Register::EBX => r.rbx & 0xffff_ffff,
        Register::ECX => r.rcx & 0xffff_ffff,
        Register::EDX => r.rdx & 0xffff_ffff,
        Register::ESI => r.rsi & 0xffff_ffff,
        Register::EDI => r.rdi & 0xffff_ffff,
        Register::EBP => r.rbp & 0xffff_ffff,
        Register::ESP => r.rsp & 0xffff_ffff,
        Register::ES | Register::CS | Register::SS | Register::DS => 0,
        Register::FS => r.fs_base,
        Register::GS => r.gs_base,
        _ => return None,
    })
}
