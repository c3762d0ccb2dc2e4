//! Stack unwinding with framehop, plus what framehop leaves to its users: signal frames and
//! calls through bad function pointers.

use std::collections::HashSet;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::{FrameAddress, ModuleSectionInfo, Unwinder as _};

use crate::elf::{Bytes, DebugInfo, ElfFile};
use crate::{Memory, Registers, Symbolizer};

pub(crate) struct Unwinder {
    unwinder: UnwinderX86_64<Bytes>,
    cache: CacheX86_64,
}

/// One physical frame.
pub(crate) struct PhysFrame {
    pub address: u64,
    /// Symbolize address - 1 (a return address after a call).
    pub is_return_address: bool,
    /// The frame of the signal trampoline (`__restore_rt`).
    pub signal_trampoline: bool,
}

/// `mov $15 (rt_sigreturn), %rax; syscall`: glibc's and musl's `__restore_rt`.
const RESTORE_RT: [u8; 9] = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05];

/// Offsets in the `ucontext_t` the kernel pushes for a signal (rsp points at it when
/// `__restore_rt` runs): uc_mcontext is at 40, gregs in `struct sigcontext` order.
const UC_RBP: u64 = 40 + 10 * 8;
const UC_RSP: u64 = 40 + 15 * 8;
const UC_RIP: u64 = 40 + 16 * 8;

struct SectionInfo<'a> {
    elf: &'a ElfFile,
    debug_frame: Option<Bytes>,
}

impl ModuleSectionInfo<Bytes> for SectionInfo<'_> {
    fn base_svma(&self) -> u64 {
        0
    }

    fn section_svma_range(&mut self, name: &[u8]) -> Option<Range<u64>> {
        match name {
            b".text" => self.elf.text_svma.clone(),
            b".got" => self.elf.got_svma.clone(),
            b".eh_frame" => self.elf.eh_frame.as_ref().map(|s| s.svma.clone()),
            b".eh_frame_hdr" => self.elf.eh_frame_hdr.as_ref().map(|s| s.svma.clone()),
            _ => None,
        }
    }

    fn section_data(&mut self, name: &[u8]) -> Option<Bytes> {
        match name {
            b".eh_frame" => self.elf.eh_frame.as_ref().map(|s| s.data.clone()),
            b".eh_frame_hdr" => self.elf.eh_frame_hdr.as_ref().map(|s| s.data.clone()),
            b".debug_frame" => self.debug_frame.take(),
            _ => None,
        }
    }
}

fn read_u64(mem: &dyn Memory, addr: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    mem.read(addr, &mut b).then(|| u64::from_le_bytes(b))
}

impl Symbolizer {
    fn build_unwinder(&mut self) -> Unwinder {
        let mut unwinder = UnwinderX86_64::new();
        let debug_dirs = self.debug_dirs.clone();
        for m in &self.modules {
            let exec: Vec<_> = m.mappings.iter().filter(|x| x.executable).collect();
            if exec.is_empty() {
                continue;
            }
            let Some(Some(file)) = self.files.get_mut(&m.path) else {
                continue;
            };
            // Without .eh_frame, fall back to .debug_frame (of the file or its debug file).
            let debug_frame = if file.elf.eh_frame.is_none() {
                file.elf.debug_frame.clone().or_else(|| {
                    let elf = &file.elf;
                    file.debug
                        .get_or_insert_with(|| DebugInfo::load_or_empty(elf, &debug_dirs))
                        .debug_frame
                        .clone()
                })
            } else {
                None
            };
            let start = exec.iter().map(|x| x.start).min().unwrap_or(0);
            let end = exec.iter().map(|x| x.end).max().unwrap_or(0);
            let info = SectionInfo {
                elf: &file.elf,
                debug_frame,
            };
            if let Ok(module) = catch_unwind(AssertUnwindSafe(|| {
                framehop::Module::new(m.path.clone(), start..end, m.bias, info)
            })) {
                unwinder.add_module(module);
            }
        }
        Unwinder {
            unwinder,
            cache: CacheX86_64::new(),
        }
    }

    /// Is `address` the first instruction of a sigreturn trampoline?
    fn is_sigreturn(&self, mem: &dyn Memory, address: u64) -> bool {
        let mut code = [0u8; 9];
        self.read_code(mem, address, &mut code) && code == RESTORE_RT
    }

    pub(crate) fn unwind(
        &mut self,
        regs: Registers,
        mem: &dyn Memory,
        max_frames: usize,
    ) -> Vec<PhysFrame> {
        let mut uw = match self.unwinder.take() {
            Some(u) => u,
            None => Box::new(self.build_unwinder()),
        };
        let frames = catch_unwind(AssertUnwindSafe(|| {
            self.walk(&mut uw, regs, mem, max_frames)
        }))
        .unwrap_or_else(|_| {
            vec![PhysFrame {
                address: regs.rip,
                is_return_address: false,
                signal_trampoline: false,
            }]
        });
        self.unwinder = Some(uw);
        frames
    }

    fn walk(
        &self,
        uw: &mut Unwinder,
        regs: Registers,
        mem: &dyn Memory,
        max_frames: usize,
    ) -> Vec<PhysFrame> {
        let mut frames = vec![PhysFrame {
            address: regs.rip,
            is_return_address: false,
            signal_trampoline: false,
        }];
        let mut uregs = UnwindRegsX86_64::new(regs.rip, regs.rsp, regs.rbp);
        let mut address = FrameAddress::InstructionPointer(regs.rip);
        let mut read_stack = |a: u64| read_u64(mem, a).ok_or(());

        // A pc at (or one instruction into) __restore_rt: rsp points at the ucontext.
        let at_trampoline = self.is_sigreturn(mem, regs.rip)
            || (regs.rip >= 7 && self.is_sigreturn(mem, regs.rip - 7));
        frames[0].signal_trampoline = at_trampoline;

        // A pc outside every mapping: most likely a call through a bad function pointer,
        // so the return address is at [rsp]. framehop would try the frame pointer.
        if !at_trampoline
            && self.module_index(regs.rip).is_none()
            && !mem.read(regs.rip, &mut [0u8])
        {
            let ra = read_u64(mem, regs.rsp).filter(|&ra| self.is_code(ra));
            if let Some((ra, ra_address)) =
                ra.and_then(|ra| Some((ra, FrameAddress::from_return_address(ra)?)))
            {
                if max_frames > 1 {
                    uregs = UnwindRegsX86_64::new(ra, regs.rsp.wrapping_add(8), regs.rbp);
                    address = ra_address;
                    frames.push(PhysFrame {
                        address: ra,
                        is_return_address: true,
                        signal_trampoline: false,
                    });
                }
            }
        }

        let mut seen = HashSet::new();
        while frames.len() < max_frames {
            if frames.last().is_some_and(|f| f.signal_trampoline) {
                // Resume from the registers saved in the signal frame.
                let uc = uregs.sp();
                let (Some(rip), Some(rsp), Some(rbp)) = (
                    read_u64(mem, uc.wrapping_add(UC_RIP)),
                    read_u64(mem, uc.wrapping_add(UC_RSP)),
                    read_u64(mem, uc.wrapping_add(UC_RBP)),
                ) else {
                    break;
                };
                if rip == 0 || !seen.insert((rip, rsp)) {
                    break;
                }
                uregs = UnwindRegsX86_64::new(rip, rsp, rbp);
                address = FrameAddress::InstructionPointer(rip);
                frames.push(PhysFrame {
                    address: rip,
                    is_return_address: false,
                    signal_trampoline: false,
                });
                continue;
            }
            let step = catch_unwind(AssertUnwindSafe(|| {
                uw.unwinder
                    .unwind_frame(address, &mut uregs, &mut uw.cache, &mut read_stack)
            }));
            let Ok(Ok(Some(ra))) = step else {
                break;
            };
            if !seen.insert((ra, uregs.sp())) {
                break;
            }
            let trampoline = self.is_sigreturn(mem, ra);
            frames.push(PhysFrame {
                address: ra,
                is_return_address: !trampoline,
                signal_trampoline: trampoline,
            });
            match FrameAddress::from_return_address(ra) {
                Some(a) => address = a,
                None => break,
            }
        }
        frames
    }
}
