//! The gdbstub [`Arch`] for an x86-64 Linux process.
//!
//! `gdbstub_arch::x86::X86_64_SSE` only describes the bare core + SSE register
//! file, so gdb treats the target as a bare-metal `i386:x86-64` machine: there
//! is no `orig_rax` (gdb needs it to restart interrupted syscalls correctly
//! after an inferior call), no `$fs_base` (needed for TLS variables such as
//! `errno`), and no `$ymm` registers. This module provides an arch whose target
//! description matches what gdb itself uses for a native 64-bit Linux process
//! (without AVX-512/PKU): `i386:x86-64` + `GNU/Linux`, with the features
//! `org.gnu.gdb.i386.{core,sse,linux,segments,avx}`.
//!
//! # Register numbering
//!
//! The raw gdb register numbers (used by `p`/`P`, and the order of the `g`/`G`
//! payload) are the same as gdb's own numbering for a native amd64 Linux
//! process, and are written explicitly as `regnum` attributes in the XML:
//!
//! | raw     | registers                                                | bytes each |
//! |---------|----------------------------------------------------------|------------|
//! | 0..=15  | rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 | 8     |
//! | 16      | rip                                                      | 8          |
//! | 17      | eflags                                                   | 4          |
//! | 18..=23 | cs ss ds es fs gs                                        | 4          |
//! | 24..=31 | st0..st7                                                 | 10         |
//! | 32..=39 | fctrl fstat ftag fiseg fioff foseg fooff fop             | 4          |
//! | 40..=55 | xmm0..xmm15                                              | 16         |
//! | 56      | mxcsr                                                    | 4          |
//! | 57      | orig_rax                                                 | 8          |
//! | 58, 59  | fs_base, gs_base                                         | 8          |
//! | 60..=75 | ymm0h..ymm15h (upper 128 bits of ymm0..ymm15)            | 16         |
//!
//! The `g` packet is all 76 registers in that order, little-endian, 816 bytes
//! (1632 hex digits, so the gdbstub packet buffer must be larger than that).

use core::fmt;
use core::num::NonZeroUsize;

use gdbstub::arch::{Arch, RegId, Registers};
use rewind_trace::Regs;

/// x86-64 Linux process, as gdb sees a native one (see the module docs).
pub enum X86_64Linux {}

impl Arch for X86_64Linux {
    type Usize = u64;
    type Registers = LinuxRegs;
    type RegId = LinuxRegId;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        Some(TARGET_XML)
    }
}

/// Number of registers in the target description (and in a `g` packet).
pub const NUM_REGS: usize = 76;

/// Size in bytes of the `g`/`G` payload.
pub const G_PACKET_LEN: usize = 816;

/// Reset value of the x87 control word (`FNINIT`).
pub const FCTRL_INIT: u32 = 0x037f;
/// Reset value of MXCSR.
pub const MXCSR_INIT: u32 = 0x1f80;

/// The target description served to gdb (`qXfer:features:read:target.xml`).
///
/// Mirrors gdb's `64bit-core.xml`, `64bit-sse.xml`, `64bit-linux.xml`,
/// `64bit-segments.xml` and `64bit-avx.xml`. The `vec128` union deliberately
/// leaves out the `v8_bfloat16`/`v8_half` views that gdb >= 12 adds: older
/// gdbs reject the whole description when it names the `bfloat16` or
/// `ieee_half` types, and the remaining views are the ones people use.
/// `i387_ext`, `int64`, `data_ptr`, `code_ptr`, `uint128` etc. are gdb's
/// predefined types.
pub const TARGET_XML: &str = r#"<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>i386:x86-64</architecture>
  <osabi>GNU/Linux</osabi>
  <feature name="org.gnu.gdb.i386.core">
    <flags id="i386_eflags" size="4">
      <field name="CF" start="0" end="0"/>
      <field name="" start="1" end="1"/>
      <field name="PF" start="2" end="2"/>
      <field name="AF" start="4" end="4"/>
      <field name="ZF" start="6" end="6"/>
      <field name="SF" start="7" end="7"/>
      <field name="TF" start="8" end="8"/>
      <field name="IF" start="9" end="9"/>
      <field name="DF" start="10" end="10"/>
      <field name="OF" start="11" end="11"/>
      <field name="NT" start="14" end="14"/>
      <field name="RF" start="16" end="16"/>
      <field name="VM" start="17" end="17"/>
      <field name="AC" start="18" end="18"/>
      <field name="VIF" start="19" end="19"/>
      <field name="VIP" start="20" end="20"/>
      <field name="ID" start="21" end="21"/>
    </flags>
    <reg name="rax" bitsize="64" type="int64" regnum="0"/>
    <reg name="rbx" bitsize="64" type="int64" regnum="1"/>
    <reg name="rcx" bitsize="64" type="int64" regnum="2"/>
    <reg name="rdx" bitsize="64" type="int64" regnum="3"/>
    <reg name="rsi" bitsize="64" type="int64" regnum="4"/>
    <reg name="rdi" bitsize="64" type="int64" regnum="5"/>
    <reg name="rbp" bitsize="64" type="data_ptr" regnum="6"/>
    <reg name="rsp" bitsize="64" type="data_ptr" regnum="7"/>
    <reg name="r8" bitsize="64" type="int64" regnum="8"/>
    <reg name="r9" bitsize="64" type="int64" regnum="9"/>
    <reg name="r10" bitsize="64" type="int64" regnum="10"/>
    <reg name="r11" bitsize="64" type="int64" regnum="11"/>
    <reg name="r12" bitsize="64" type="int64" regnum="12"/>
    <reg name="r13" bitsize="64" type="int64" regnum="13"/>
    <reg name="r14" bitsize="64" type="int64" regnum="14"/>
    <reg name="r15" bitsize="64" type="int64" regnum="15"/>
    <reg name="rip" bitsize="64" type="code_ptr" regnum="16"/>
    <reg name="eflags" bitsize="32" type="i386_eflags" regnum="17"/>
    <reg name="cs" bitsize="32" type="int32" regnum="18"/>
    <reg name="ss" bitsize="32" type="int32" regnum="19"/>
    <reg name="ds" bitsize="32" type="int32" regnum="20"/>
    <reg name="es" bitsize="32" type="int32" regnum="21"/>
    <reg name="fs" bitsize="32" type="int32" regnum="22"/>
    <reg name="gs" bitsize="32" type="int32" regnum="23"/>
    <reg name="st0" bitsize="80" type="i387_ext" regnum="24"/>
    <reg name="st1" bitsize="80" type="i387_ext" regnum="25"/>
    <reg name="st2" bitsize="80" type="i387_ext" regnum="26"/>
    <reg name="st3" bitsize="80" type="i387_ext" regnum="27"/>
    <reg name="st4" bitsize="80" type="i387_ext" regnum="28"/>
    <reg name="st5" bitsize="80" type="i387_ext" regnum="29"/>
    <reg name="st6" bitsize="80" type="i387_ext" regnum="30"/>
    <reg name="st7" bitsize="80" type="i387_ext" regnum="31"/>
    <reg name="fctrl" bitsize="32" type="int" regnum="32" group="float"/>
    <reg name="fstat" bitsize="32" type="int" regnum="33" group="float"/>
    <reg name="ftag" bitsize="32" type="int" regnum="34" group="float"/>
    <reg name="fiseg" bitsize="32" type="int" regnum="35" group="float"/>
    <reg name="fioff" bitsize="32" type="int" regnum="36" group="float"/>
    <reg name="foseg" bitsize="32" type="int" regnum="37" group="float"/>
    <reg name="fooff" bitsize="32" type="int" regnum="38" group="float"/>
    <reg name="fop" bitsize="32" type="int" regnum="39" group="float"/>
  </feature>
  <feature name="org.gnu.gdb.i386.sse">
    <vector id="v4f" type="ieee_single" count="4"/>
    <vector id="v2d" type="ieee_double" count="2"/>
    <vector id="v16i8" type="int8" count="16"/>
    <vector id="v8i16" type="int16" count="8"/>
    <vector id="v4i32" type="int32" count="4"/>
    <vector id="v2i64" type="int64" count="2"/>
    <union id="vec128">
      <field name="v4_float" type="v4f"/>
      <field name="v2_double" type="v2d"/>
      <field name="v16_int8" type="v16i8"/>
      <field name="v8_int16" type="v8i16"/>
      <field name="v4_int32" type="v4i32"/>
      <field name="v2_int64" type="v2i64"/>
      <field name="uint128" type="uint128"/>
    </union>
    <flags id="i386_mxcsr" size="4">
      <field name="IE" start="0" end="0"/>
      <field name="DE" start="1" end="1"/>
      <field name="ZE" start="2" end="2"/>
      <field name="OE" start="3" end="3"/>
      <field name="UE" start="4" end="4"/>
      <field name="PE" start="5" end="5"/>
      <field name="DAZ" start="6" end="6"/>
      <field name="IM" start="7" end="7"/>
      <field name="DM" start="8" end="8"/>
      <field name="ZM" start="9" end="9"/>
      <field name="OM" start="10" end="10"/>
      <field name="UM" start="11" end="11"/>
      <field name="PM" start="12" end="12"/>
      <field name="FZ" start="15" end="15"/>
    </flags>
    <reg name="xmm0" bitsize="128" type="vec128" regnum="40"/>
    <reg name="xmm1" bitsize="128" type="vec128" regnum="41"/>
    <reg name="xmm2" bitsize="128" type="vec128" regnum="42"/>
    <reg name="xmm3" bitsize="128" type="vec128" regnum="43"/>
    <reg name="xmm4" bitsize="128" type="vec128" regnum="44"/>
    <reg name="xmm5" bitsize="128" type="vec128" regnum="45"/>
    <reg name="xmm6" bitsize="128" type="vec128" regnum="46"/>
    <reg name="xmm7" bitsize="128" type="vec128" regnum="47"/>
    <reg name="xmm8" bitsize="128" type="vec128" regnum="48"/>
    <reg name="xmm9" bitsize="128" type="vec128" regnum="49"/>
    <reg name="xmm10" bitsize="128" type="vec128" regnum="50"/>
    <reg name="xmm11" bitsize="128" type="vec128" regnum="51"/>
    <reg name="xmm12" bitsize="128" type="vec128" regnum="52"/>
    <reg name="xmm13" bitsize="128" type="vec128" regnum="53"/>
    <reg name="xmm14" bitsize="128" type="vec128" regnum="54"/>
    <reg name="xmm15" bitsize="128" type="vec128" regnum="55"/>
    <reg name="mxcsr" bitsize="32" type="i386_mxcsr" regnum="56" group="vector"/>
  </feature>
  <feature name="org.gnu.gdb.i386.linux">
    <reg name="orig_rax" bitsize="64" type="int" regnum="57"/>
  </feature>
  <feature name="org.gnu.gdb.i386.segments">
    <reg name="fs_base" bitsize="64" type="int" regnum="58"/>
    <reg name="gs_base" bitsize="64" type="int" regnum="59"/>
  </feature>
  <feature name="org.gnu.gdb.i386.avx">
    <reg name="ymm0h" bitsize="128" type="uint128" regnum="60"/>
    <reg name="ymm1h" bitsize="128" type="uint128" regnum="61"/>
    <reg name="ymm2h" bitsize="128" type="uint128" regnum="62"/>
    <reg name="ymm3h" bitsize="128" type="uint128" regnum="63"/>
    <reg name="ymm4h" bitsize="128" type="uint128" regnum="64"/>
    <reg name="ymm5h" bitsize="128" type="uint128" regnum="65"/>
    <reg name="ymm6h" bitsize="128" type="uint128" regnum="66"/>
    <reg name="ymm7h" bitsize="128" type="uint128" regnum="67"/>
    <reg name="ymm8h" bitsize="128" type="uint128" regnum="68"/>
    <reg name="ymm9h" bitsize="128" type="uint128" regnum="69"/>
    <reg name="ymm10h" bitsize="128" type="uint128" regnum="70"/>
    <reg name="ymm11h" bitsize="128" type="uint128" regnum="71"/>
    <reg name="ymm12h" bitsize="128" type="uint128" regnum="72"/>
    <reg name="ymm13h" bitsize="128" type="uint128" regnum="73"/>
    <reg name="ymm14h" bitsize="128" type="uint128" regnum="74"/>
    <reg name="ymm15h" bitsize="128" type="uint128" regnum="75"/>
  </feature>
</target>
"#;

/// The full register file of one thread, as gdb sees it (see the module docs
/// for the numbering).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinuxRegs {
    /// rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8..r15 (gdb's order, not the
    /// kernel's).
    pub regs: [u64; 16],
    pub rip: u64,
    pub eflags: u32,
    pub cs: u32,
    pub ss: u32,
    pub ds: u32,
    pub es: u32,
    pub fs: u32,
    pub gs: u32,
    /// x87 stack registers ST(0)..ST(7), 80-bit little-endian.
    pub st: [[u8; 10]; 8],
    /// x87 control word.
    pub fctrl: u32,
    /// x87 status word.
    pub fstat: u32,
    /// Full 16-bit x87 tag word (2 bits per physical register, 3 = empty), as
    /// gdb expects it — not FXSAVE's abridged 8-bit form.
    pub ftag: u32,
    /// Upper half of the 64-bit last-instruction pointer (FXSAVE64 bytes 12..16).
    pub fiseg: u32,
    /// Lower half of the 64-bit last-instruction pointer.
    pub fioff: u32,
    /// Upper half of the 64-bit last-operand pointer (FXSAVE64 bytes 20..24).
    pub foseg: u32,
    /// Lower half of the 64-bit last-operand pointer.
    pub fooff: u32,
    /// Last x87 opcode (11 bits).
    pub fop: u32,
    pub xmm: [u128; 16],
    pub mxcsr: u32,
    pub orig_rax: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    /// Upper 128 bits of ymm0..ymm15.
    pub ymmh: [u128; 16],
}

/// A segment selector register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentReg {
    Cs,
    Ss,
    Ds,
    Es,
    Fs,
    Gs,
}

/// An x87 control/status register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpuReg {
    Fctrl,
    Fstat,
    Ftag,
    Fiseg,
    Fioff,
    Foseg,
    Fooff,
    Fop,
}

/// One register of [`LinuxRegs`], for single-register `p`/`P` access.
///
/// Index payloads are in `0..16` for `Gpr`/`Xmm`/`Ymmh` and `0..8` for `St`;
/// [`LinuxRegs::read_reg`]/[`LinuxRegs::write_reg`] panic on other values
/// (ids obtained from [`RegId::from_raw_id`] are always in range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinuxRegId {
    /// Index into [`LinuxRegs::regs`] (rax, rbx, rcx, rdx, rsi, rdi, rbp,
    /// rsp, r8..r15).
    Gpr(u8),
    Rip,
    Eflags,
    Segment(SegmentReg),
    /// ST(i).
    St(u8),
    Fpu(FpuReg),
    Xmm(u8),
    Mxcsr,
    OrigRax,
    FsBase,
    GsBase,
    /// Upper half of ymm(i).
    Ymmh(u8),
}

const SEGMENTS: [SegmentReg; 6] = [
    SegmentReg::Cs,
    SegmentReg::Ss,
    SegmentReg::Ds,
    SegmentReg::Es,
    SegmentReg::Fs,
    SegmentReg::Gs,
];

const FPU_REGS: [FpuReg; 8] = [
    FpuReg::Fctrl,
    FpuReg::Fstat,
    FpuReg::Ftag,
    FpuReg::Fiseg,
    FpuReg::Fioff,
    FpuReg::Foseg,
    FpuReg::Fooff,
    FpuReg::Fop,
];

impl LinuxRegId {
    /// The register with gdb number `raw`, if any.
    pub fn from_raw(raw: usize) -> Option<Self> {
        Some(match raw {
            0..=15 => LinuxRegId::Gpr(raw as u8),
            16 => LinuxRegId::Rip,
            17 => LinuxRegId::Eflags,
            18..=23 => LinuxRegId::Segment(SEGMENTS[raw - 18]),
            24..=31 => LinuxRegId::St((raw - 24) as u8),
            32..=39 => LinuxRegId::Fpu(FPU_REGS[raw - 32]),
            40..=55 => LinuxRegId::Xmm((raw - 40) as u8),
            56 => LinuxRegId::Mxcsr,
            57 => LinuxRegId::OrigRax,
            58 => LinuxRegId::FsBase,
            59 => LinuxRegId::GsBase,
            60..=75 => LinuxRegId::Ymmh((raw - 60) as u8),
            _ => return None,
        })
    }

    /// This register's gdb number.
    pub fn raw(self) -> usize {
        match self {
            LinuxRegId::Gpr(i) => i as usize,
            LinuxRegId::Rip => 16,
            LinuxRegId::Eflags => 17,
            LinuxRegId::Segment(s) => 18 + s as usize,
            LinuxRegId::St(i) => 24 + i as usize,
            LinuxRegId::Fpu(f) => 32 + f as usize,
            LinuxRegId::Xmm(i) => 40 + i as usize,
            LinuxRegId::Mxcsr => 56,
            LinuxRegId::OrigRax => 57,
            LinuxRegId::FsBase => 58,
            LinuxRegId::GsBase => 59,
            LinuxRegId::Ymmh(i) => 60 + i as usize,
        }
    }

    /// Size of the register in bytes, as in the target description.
    pub fn size(self) -> usize {
        match self {
            LinuxRegId::Gpr(_)
            | LinuxRegId::Rip
            | LinuxRegId::OrigRax
            | LinuxRegId::FsBase
            | LinuxRegId::GsBase => 8,
            LinuxRegId::Eflags
            | LinuxRegId::Segment(_)
            | LinuxRegId::Fpu(_)
            | LinuxRegId::Mxcsr => 4,
            LinuxRegId::St(_) => 10,
            LinuxRegId::Xmm(_) | LinuxRegId::Ymmh(_) => 16,
        }
    }
}

impl RegId for LinuxRegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let reg = LinuxRegId::from_raw(id)?;
        Some((reg, NonZeroUsize::new(reg.size())))
    }

    fn to_raw_id(&self) -> Option<usize> {
        Some(self.raw())
    }
}

/// A register value of the wrong size was given to [`LinuxRegs::write_reg`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegSizeError {
    pub reg: LinuxRegId,
    pub expected: usize,
    pub got: usize,
}

impl fmt::Display for RegSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "register {:?} is {} bytes, got {}",
            self.reg, self.expected, self.got
        )
    }
}

impl std::error::Error for RegSizeError {}

// XSAVE layout (standard, non-compacted format, as PTRACE_GETREGSET returns it).
pub const FXSAVE_LEN: usize = 512;
const XSTATE_BV_OFF: usize = 512;
const XSAVE_HDR_END: usize = 576;
const YMMH_OFF: usize = 576;
const ST_OFF: usize = 32;
const XMM_OFF: usize = 160;
const XSTATE_X87: u64 = 1 << 0;
const XSTATE_SSE: u64 = 1 << 1;
const XSTATE_AVX: u64 = 1 << 2;

fn le_u16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
}

fn le_u32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn le_u64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

fn le_u128(b: &[u8], off: usize) -> u128 {
    u128::from_le_bytes(b[off..off + 16].try_into().unwrap())
}

/// Tag (0 valid, 1 zero, 2 special) of a non-empty 80-bit x87 register, as
/// gdb's `i387_tag` computes it.
fn x87_tag(raw: &[u8; 10]) -> u32 {
    let integer = raw[7] & 0x80 != 0;
    let exponent = u16::from_le_bytes([raw[8], raw[9]]) & 0x7fff;
    let fraction = u64::from_le_bytes(raw[..8].try_into().unwrap()) & !(1 << 63);
    match exponent {
        0x7fff => 2,
        0 if fraction == 0 && !integer => 1,
        0 => 2,
        _ if integer => 0,
        _ => 2,
    }
}

/// Expands FXSAVE's abridged tag byte (bit i set = physical register i in
/// use) to the full i387 tag word, like gdb's `i387_supply_fxsave`. `st` is
/// stack-relative (ST(0) first), so physical register i is ST((i - top) & 7).
fn full_ftag(abridged: u8, fstat: u32, st: &[[u8; 10]; 8]) -> u32 {
    let top = ((fstat >> 11) & 7) as usize;
    (0..8).fold(0, |ftag, phys| {
        let tag = if abridged & (1 << phys) != 0 {
            x87_tag(&st[(phys + 8 - top) % 8])
        } else {
            3
        };
        ftag | (tag << (2 * phys))
    })
}

impl LinuxRegs {
    /// Builds the gdb view from the kernel's `user_regs_struct` and,
    /// optionally, the raw `NT_X86_XSTATE` regset (see [`read_xstate`]).
    ///
    /// The xstate buffer is decoded like gdb's `amd64_supply_xsave`:
    /// * the x87 tag word is converted from FXSAVE's abridged form to the full
    ///   16-bit form gdb expects (by classifying each in-use register);
    /// * `fiseg`/`foseg` are the upper 32 bits of the 64-bit FPU instruction /
    ///   operand pointers (bytes 12 and 20) and `fioff`/`fooff` the lower 32
    ///   bits (bytes 8 and 16); `fop` is masked to its 11 bits;
    /// * components whose `xstate_bv` bit is clear get their init values
    ///   (x87: fctrl 0x37f, ftag 0xffff, rest 0; SSE: xmm 0; AVX: ymmh 0;
    ///   mxcsr 0x1f80 if both SSE and AVX are clear);
    /// * a buffer of 512..576 bytes is taken as a plain FXSAVE image (x87 +
    ///   SSE, no AVX); the AVX halves need the buffer to reach byte 832.
    ///
    /// With `xsave == None` (or a buffer shorter than 512 bytes) all FPU, SSE
    /// and AVX registers are zero.
    pub fn from_kernel(gprs: &Regs, xsave: Option<&[u8]>) -> Self {
        let mut r = LinuxRegs {
            regs: [
                gprs.rax, gprs.rbx, gprs.rcx, gprs.rdx, gprs.rsi, gprs.rdi, gprs.rbp, gprs.rsp,
                gprs.r8, gprs.r9, gprs.r10, gprs.r11, gprs.r12, gprs.r13, gprs.r14, gprs.r15,
            ],
            rip: gprs.rip,
            eflags: gprs.eflags as u32,
            cs: gprs.cs as u32,
            ss: gprs.ss as u32,
            ds: gprs.ds as u32,
            es: gprs.es as u32,
            fs: gprs.fs as u32,
            gs: gprs.gs as u32,
            orig_rax: gprs.orig_rax,
            fs_base: gprs.fs_base,
            gs_base: gprs.gs_base,
            ..Default::default()
        };
        if let Some(x) = xsave.filter(|x| x.len() >= FXSAVE_LEN) {
            r.load_xsave(x);
        }
        r
    }

    /// The kernel's view of the general-purpose, segment and base registers
    /// (the inverse of [`LinuxRegs::from_kernel`] for those). The FPU/SSE/AVX
    /// state gdb sends along is not carried over.
    pub fn to_kernel(&self) -> Regs {
        let [rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15] =
            self.regs;
        Regs {
            rax,
            rbx,
            rcx,
            rdx,
            rsi,
            rdi,
            rbp,
            rsp,
            r8,
            r9,
            r10,
            r11,
            r12,
            r13,
            r14,
            r15,
            rip: self.rip,
            eflags: self.eflags.into(),
            cs: self.cs.into(),
            ss: self.ss.into(),
            ds: self.ds.into(),
            es: self.es.into(),
            fs: self.fs.into(),
            gs: self.gs.into(),
            orig_rax: self.orig_rax,
            fs_base: self.fs_base,
            gs_base: self.gs_base,
        }
    }

    /// The x87 and SSE registers (what FXSAVE holds) equal `other`'s.
    pub fn same_fxsave_state(&self, other: &LinuxRegs) -> bool {
        let key = |r: &LinuxRegs| {
            (
                r.st, r.fctrl, r.fstat, r.ftag, r.fiseg, r.fioff, r.foseg, r.fooff, r.fop, r.xmm,
                r.mxcsr,
            )
        };
        key(self) == key(other)
    }

    /// Writes the x87 and SSE registers into an FXSAVE image (the kernel's
    /// `user_fpregs_struct`), the inverse of the decoding in
    /// [`LinuxRegs::from_kernel`]; the AVX upper halves are not in it.
    pub fn store_fxsave(&self, area: &mut [u8; FXSAVE_LEN]) {
        area[0..2].copy_from_slice(&(self.fctrl as u16).to_le_bytes());
        area[2..4].copy_from_slice(&(self.fstat as u16).to_le_bytes());
        // FXSAVE's abridged tag: bit i set when physical register i is not empty (3).
        let abridged = (0..8).fold(0u8, |acc, i| {
            acc | (u8::from((self.ftag >> (2 * i)) & 3 != 3) << i)
        });
        area[4] = abridged;
        area[6..8].copy_from_slice(&(self.fop as u16 & 0x7ff).to_le_bytes());
        area[8..12].copy_from_slice(&self.fioff.to_le_bytes());
        area[12..16].copy_from_slice(&self.fiseg.to_le_bytes());
        area[16..20].copy_from_slice(&self.fooff.to_le_bytes());
        area[20..24].copy_from_slice(&self.foseg.to_le_bytes());
        area[24..28].copy_from_slice(&self.mxcsr.to_le_bytes());
        for (i, st) in self.st.iter().enumerate() {
            let off = ST_OFF + 16 * i;
            area[off..off + 10].copy_from_slice(st);
        }
        for (i, xmm) in self.xmm.iter().enumerate() {
            let off = XMM_OFF + 16 * i;
            area[off..off + 16].copy_from_slice(&xmm.to_le_bytes());
        }
    }

    fn load_xsave(&mut self, x: &[u8]) {
        let xstate_bv = if x.len() >= XSAVE_HDR_END {
            le_u64(x, XSTATE_BV_OFF)
        } else {
            XSTATE_X87 | XSTATE_SSE
        };

        if xstate_bv & XSTATE_X87 != 0 {
            self.fctrl = le_u16(x, 0).into();
            self.fstat = le_u16(x, 2).into();
            self.fop = u32::from(le_u16(x, 6)) & 0x7ff;
            self.fioff = le_u32(x, 8);
            self.fiseg = le_u32(x, 12);
            self.fooff = le_u32(x, 16);
            self.foseg = le_u32(x, 20);
            for (i, st) in self.st.iter_mut().enumerate() {
                let off = ST_OFF + 16 * i;
                st.copy_from_slice(&x[off..off + 10]);
            }
            self.ftag = full_ftag(x[4], self.fstat, &self.st);
        } else {
            self.fctrl = FCTRL_INIT;
            self.fstat = 0;
            self.ftag = 0xffff;
            self.fiseg = 0;
            self.fioff = 0;
            self.foseg = 0;
            self.fooff = 0;
            self.fop = 0;
            self.st = [[0; 10]; 8];
        }

        for (i, xmm) in self.xmm.iter_mut().enumerate() {
            *xmm = if xstate_bv & XSTATE_SSE != 0 {
                le_u128(x, XMM_OFF + 16 * i)
            } else {
                0
            };
        }

        self.mxcsr = if xstate_bv & (XSTATE_SSE | XSTATE_AVX) != 0 {
            le_u32(x, 24)
        } else {
            MXCSR_INIT
        };

        let have_avx = xstate_bv & XSTATE_AVX != 0 && x.len() >= YMMH_OFF + 16 * 16;
        for (i, h) in self.ymmh.iter_mut().enumerate() {
            *h = if have_avx {
                le_u128(x, YMMH_OFF + 16 * i)
            } else {
                0
            };
        }
    }

    /// Writes the registers that live in `user_regs_struct` (GPRs, rip,
    /// eflags, segment selectors, orig_rax, fs_base, gs_base) back into `out`.
    pub fn write_gprs(&self, out: &mut Regs) {
        let [rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15] =
            self.regs;
        out.rax = rax;
        out.rbx = rbx;
        out.rcx = rcx;
        out.rdx = rdx;
        out.rsi = rsi;
        out.rdi = rdi;
        out.rbp = rbp;
        out.rsp = rsp;
        out.r8 = r8;
        out.r9 = r9;
        out.r10 = r10;
        out.r11 = r11;
        out.r12 = r12;
        out.r13 = r13;
        out.r14 = r14;
        out.r15 = r15;
        out.rip = self.rip;
        out.eflags = self.eflags.into();
        out.cs = self.cs.into();
        out.ss = self.ss.into();
        out.ds = self.ds.into();
        out.es = self.es.into();
        out.fs = self.fs.into();
        out.gs = self.gs.into();
        out.orig_rax = self.orig_rax;
        out.fs_base = self.fs_base;
        out.gs_base = self.gs_base;
    }

    /// FXSAVE's abridged tag byte for the current full tag word (bit i set
    /// iff physical register i is not empty), for writing x87 state back.
    pub fn abridged_ftag(&self) -> u8 {
        (0..8).fold(0, |acc, phys| {
            if (self.ftag >> (2 * phys)) & 3 != 3 {
                acc | (1 << phys)
            } else {
                acc
            }
        })
    }

    fn segment(&self, s: SegmentReg) -> u32 {
        match s {
            SegmentReg::Cs => self.cs,
            SegmentReg::Ss => self.ss,
            SegmentReg::Ds => self.ds,
            SegmentReg::Es => self.es,
            SegmentReg::Fs => self.fs,
            SegmentReg::Gs => self.gs,
        }
    }

    fn fpu(&self, f: FpuReg) -> u32 {
        match f {
            FpuReg::Fctrl => self.fctrl,
            FpuReg::Fstat => self.fstat,
            FpuReg::Ftag => self.ftag,
            FpuReg::Fiseg => self.fiseg,
            FpuReg::Fioff => self.fioff,
            FpuReg::Foseg => self.foseg,
            FpuReg::Fooff => self.fooff,
            FpuReg::Fop => self.fop,
        }
    }

    fn segment_mut(&mut self, s: SegmentReg) -> &mut u32 {
        match s {
            SegmentReg::Cs => &mut self.cs,
            SegmentReg::Ss => &mut self.ss,
            SegmentReg::Ds => &mut self.ds,
            SegmentReg::Es => &mut self.es,
            SegmentReg::Fs => &mut self.fs,
            SegmentReg::Gs => &mut self.gs,
        }
    }

    fn fpu_mut(&mut self, f: FpuReg) -> &mut u32 {
        match f {
            FpuReg::Fctrl => &mut self.fctrl,
            FpuReg::Fstat => &mut self.fstat,
            FpuReg::Ftag => &mut self.ftag,
            FpuReg::Fiseg => &mut self.fiseg,
            FpuReg::Fioff => &mut self.fioff,
            FpuReg::Foseg => &mut self.foseg,
            FpuReg::Fooff => &mut self.fooff,
            FpuReg::Fop => &mut self.fop,
        }
    }

    /// Little-endian bytes of one register (the first `reg.size()` bytes).
    fn reg_bytes(&self, reg: LinuxRegId) -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut put = |b: &[u8]| out[..b.len()].copy_from_slice(b);
        match reg {
            LinuxRegId::Gpr(i) => put(&self.regs[i as usize].to_le_bytes()),
            LinuxRegId::Rip => put(&self.rip.to_le_bytes()),
            LinuxRegId::Eflags => put(&self.eflags.to_le_bytes()),
            LinuxRegId::Segment(s) => put(&self.segment(s).to_le_bytes()),
            LinuxRegId::St(i) => put(&self.st[i as usize]),
            LinuxRegId::Fpu(f) => put(&self.fpu(f).to_le_bytes()),
            LinuxRegId::Xmm(i) => put(&self.xmm[i as usize].to_le_bytes()),
            LinuxRegId::Mxcsr => put(&self.mxcsr.to_le_bytes()),
            LinuxRegId::OrigRax => put(&self.orig_rax.to_le_bytes()),
            LinuxRegId::FsBase => put(&self.fs_base.to_le_bytes()),
            LinuxRegId::GsBase => put(&self.gs_base.to_le_bytes()),
            LinuxRegId::Ymmh(i) => put(&self.ymmh[i as usize].to_le_bytes()),
        }
        out
    }

    /// Copies register `reg` (little-endian, `reg.size()` bytes) into `buf`
    /// and returns its size; for `SingleRegisterAccess::read_register`.
    /// Panics if `buf` is shorter than the register.
    pub fn read_reg(&self, reg: LinuxRegId, buf: &mut [u8]) -> usize {
        let n = reg.size();
        buf[..n].copy_from_slice(&self.reg_bytes(reg)[..n]);
        n
    }

    /// Sets register `reg` from exactly `reg.size()` little-endian bytes; for
    /// `SingleRegisterAccess::write_register`.
    pub fn write_reg(&mut self, reg: LinuxRegId, val: &[u8]) -> Result<(), RegSizeError> {
        if val.len() != reg.size() {
            return Err(RegSizeError {
                reg,
                expected: reg.size(),
                got: val.len(),
            });
        }
        let mut b = [0u8; 16];
        b[..val.len()].copy_from_slice(val);
        let u32v = u32::from_le_bytes(b[..4].try_into().unwrap());
        let u64v = u64::from_le_bytes(b[..8].try_into().unwrap());
        let u128v = u128::from_le_bytes(b);
        match reg {
            LinuxRegId::Gpr(i) => self.regs[i as usize] = u64v,
            LinuxRegId::Rip => self.rip = u64v,
            LinuxRegId::Eflags => self.eflags = u32v,
            LinuxRegId::Segment(s) => *self.segment_mut(s) = u32v,
            LinuxRegId::St(i) => self.st[i as usize].copy_from_slice(val),
            LinuxRegId::Fpu(f) => *self.fpu_mut(f) = u32v,
            LinuxRegId::Xmm(i) => self.xmm[i as usize] = u128v,
            LinuxRegId::Mxcsr => self.mxcsr = u32v,
            LinuxRegId::OrigRax => self.orig_rax = u64v,
            LinuxRegId::FsBase => self.fs_base = u64v,
            LinuxRegId::GsBase => self.gs_base = u64v,
            LinuxRegId::Ymmh(i) => self.ymmh[i as usize] = u128v,
        }
        Ok(())
    }
}

fn all_regs() -> impl Iterator<Item = LinuxRegId> {
    (0..NUM_REGS).map(|n| LinuxRegId::from_raw(n).expect("every number below NUM_REGS maps"))
}

impl Registers for LinuxRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.rip
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for reg in all_regs() {
            for &b in &self.reg_bytes(reg)[..reg.size()] {
                write_byte(Some(b));
            }
        }
    }

    /// Accepts the full 816-byte payload, or a prefix of it ending on a
    /// register boundary (registers past the end keep their values).
    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() > G_PACKET_LEN {
            return Err(());
        }
        let mut rest = bytes;
        for reg in all_regs() {
            if rest.is_empty() {
                break;
            }
            let n = reg.size();
            if rest.len() < n {
                return Err(());
            }
            let (val, tail) = rest.split_at(n);
            self.write_reg(reg, val).map_err(drop)?;
            rest = tail;
        }
        Ok(())
    }
}

/// `NT_X86_XSTATE` regset note type.
pub const NT_X86_XSTATE: u32 = 0x202;

/// Buffer offered to `PTRACE_GETREGSET`; comfortably above the largest XSAVE
/// area of current CPUs (~11 KB with AMX).
const XSTATE_BUF_LEN: usize = 16 * 1024;

/// Reads the `NT_X86_XSTATE` regset (XSAVE layout, see
/// [`LinuxRegs::from_kernel`]) of a ptrace-stopped thread. Returns exactly the
/// bytes the kernel filled in.
pub fn read_xstate(tid: i32) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; XSTATE_BUF_LEN];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the iovec points at `buf`, which is live and iov_len bytes long;
    // the kernel writes at most iov_len bytes and updates iov_len.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid as libc::pid_t,
            NT_X86_XSTATE as libc::c_ulong,
            &mut iov as *mut libc::iovec,
        )
    };
    if rc == -1 {
        return Err(std::io::Error::last_os_error());
    }
    let len = iov.iov_len.min(XSTATE_BUF_LEN);
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, bitsize, regnum) of every `<reg>` in the XML, in document order.
    fn xml_regs() -> Vec<(String, usize, usize)> {
        fn attr(tag: &str, name: &str) -> String {
            let key = format!(" {name}=\"");
            let start = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
            let len = tag[start..].find('"').unwrap();
            tag[start..start + len].to_string()
        }
        let mut out = Vec::new();
        let mut rest = TARGET_XML;
        while let Some(pos) = rest.find("<reg ") {
            let end = rest[pos..].find("/>").unwrap();
            let tag = &rest[pos..pos + end];
            out.push((
                attr(tag, "name"),
                attr(tag, "bitsize").parse().unwrap(),
                attr(tag, "regnum").parse().unwrap(),
            ));
            rest = &rest[pos + end..];
        }
        out
    }

    /// Byte offset and size of register `name` in the `g` payload, per the XML.
    fn xml_slot(name: &str) -> (usize, usize) {
        let mut off = 0;
        for (n, bits, _) in xml_regs() {
            if n == name {
                return (off, bits / 8);
            }
            off += bits / 8;
        }
        panic!("no register {name} in the XML");
    }

    fn serialize(r: &LinuxRegs) -> Vec<u8> {
        let mut out = Vec::new();
        r.gdb_serialize(|b| out.push(b.expect("no unavailable registers")));
        out
    }

    /// Every register gets a value distinct from every other register's.
    fn distinct_regs() -> LinuxRegs {
        let mut r = LinuxRegs::default();
        for reg in all_regs() {
            let n = reg.raw() as u8;
            let val: Vec<u8> = (0..reg.size() as u8)
                .map(|i| n.wrapping_mul(17).wrapping_add(i).wrapping_add(1))
                .collect();
            r.write_reg(reg, &val).unwrap();
        }
        r
    }

    #[test]
    fn xml_numbering_is_sequential_and_matches_sizes() {
        let regs = xml_regs();
        assert_eq!(regs.len(), NUM_REGS);
        let mut total = 0;
        for (i, (name, bits, regnum)) in regs.iter().enumerate() {
            assert_eq!(*regnum, i, "{name}");
            assert_eq!(bits % 8, 0, "{name}");
            let (id, size) = LinuxRegId::from_raw_id(i).unwrap();
            assert_eq!(size.unwrap().get(), bits / 8, "{name}");
            assert_eq!(id.size(), bits / 8, "{name}");
            assert_eq!(id.to_raw_id(), Some(i));
            total += bits / 8;
        }
        assert_eq!(total, G_PACKET_LEN);
        assert_eq!(serialize(&LinuxRegs::default()).len(), total);
        assert!(LinuxRegId::from_raw_id(NUM_REGS).is_none());
        assert!(TARGET_XML.contains("<architecture>i386:x86-64</architecture>"));
        assert!(TARGET_XML.contains("<osabi>GNU/Linux</osabi>"));
    }

    #[test]
    fn from_raw_id_maps_each_number() {
        let expect: Vec<(&str, LinuxRegId)> = vec![
            ("rax", LinuxRegId::Gpr(0)),
            ("rbx", LinuxRegId::Gpr(1)),
            ("rcx", LinuxRegId::Gpr(2)),
            ("rdx", LinuxRegId::Gpr(3)),
            ("rsi", LinuxRegId::Gpr(4)),
            ("rdi", LinuxRegId::Gpr(5)),
            ("rbp", LinuxRegId::Gpr(6)),
            ("rsp", LinuxRegId::Gpr(7)),
            ("r8", LinuxRegId::Gpr(8)),
            ("r15", LinuxRegId::Gpr(15)),
            ("rip", LinuxRegId::Rip),
            ("eflags", LinuxRegId::Eflags),
            ("cs", LinuxRegId::Segment(SegmentReg::Cs)),
            ("ss", LinuxRegId::Segment(SegmentReg::Ss)),
            ("ds", LinuxRegId::Segment(SegmentReg::Ds)),
            ("es", LinuxRegId::Segment(SegmentReg::Es)),
            ("fs", LinuxRegId::Segment(SegmentReg::Fs)),
            ("gs", LinuxRegId::Segment(SegmentReg::Gs)),
            ("st0", LinuxRegId::St(0)),
            ("st7", LinuxRegId::St(7)),
            ("fctrl", LinuxRegId::Fpu(FpuReg::Fctrl)),
            ("fstat", LinuxRegId::Fpu(FpuReg::Fstat)),
            ("ftag", LinuxRegId::Fpu(FpuReg::Ftag)),
            ("fiseg", LinuxRegId::Fpu(FpuReg::Fiseg)),
            ("fioff", LinuxRegId::Fpu(FpuReg::Fioff)),
            ("foseg", LinuxRegId::Fpu(FpuReg::Foseg)),
            ("fooff", LinuxRegId::Fpu(FpuReg::Fooff)),
            ("fop", LinuxRegId::Fpu(FpuReg::Fop)),
            ("xmm0", LinuxRegId::Xmm(0)),
            ("xmm15", LinuxRegId::Xmm(15)),
            ("mxcsr", LinuxRegId::Mxcsr),
            ("orig_rax", LinuxRegId::OrigRax),
            ("fs_base", LinuxRegId::FsBase),
            ("gs_base", LinuxRegId::GsBase),
            ("ymm0h", LinuxRegId::Ymmh(0)),
            ("ymm15h", LinuxRegId::Ymmh(15)),
        ];
        let xml = xml_regs();
        for (name, id) in expect {
            let (_, bits, regnum) = xml.iter().find(|(n, ..)| n == name).unwrap();
            let (got, size) = LinuxRegId::from_raw_id(*regnum).unwrap();
            assert_eq!(got, id, "{name}");
            assert_eq!(size.unwrap().get(), bits / 8, "{name}");
        }
        // Every number maps to a distinct register and back.
        let ids: Vec<_> = all_regs().collect();
        for (i, a) in ids.iter().enumerate() {
            assert_eq!(a.raw(), i);
            assert!(ids[..i].iter().all(|b| b != a));
        }
    }

    #[test]
    fn serialization_round_trips() {
        let r = distinct_regs();
        let bytes = serialize(&r);
        assert_eq!(bytes.len(), G_PACKET_LEN);
        let mut back = LinuxRegs::default();
        back.gdb_deserialize(&bytes).unwrap();
        assert_eq!(back, r);

        // Oversized and mid-register payloads are rejected.
        let mut long = bytes.clone();
        long.push(0);
        assert!(back.gdb_deserialize(&long).is_err());
        assert!(back.gdb_deserialize(&bytes[..7]).is_err());
        // A prefix on a register boundary updates only those registers.
        let mut partial = r.clone();
        partial.gdb_deserialize(&[0xaa; 8]).unwrap();
        assert_eq!(partial.regs[0], 0xaaaa_aaaa_aaaa_aaaa);
        assert_eq!(partial.regs[1..], r.regs[1..]);
        assert_eq!(partial.ymmh, r.ymmh);
    }

    #[test]
    fn g_layout_matches_xml() {
        let r = LinuxRegs {
            regs: core::array::from_fn(|i| 0x1000_0000_0000_0000 + i as u64),
            rip: 0x4010_2030_4050_6070,
            eflags: 0x246,
            cs: 0x33,
            ss: 0x2b,
            ds: 0x11,
            es: 0x12,
            fs: 0x13,
            gs: 0x14,
            st: core::array::from_fn(|i| [0x80 + i as u8; 10]),
            fctrl: 0x37f,
            fstat: 0x3800,
            ftag: 0xfffe,
            fiseg: 0x21,
            fioff: 0x22,
            foseg: 0x23,
            fooff: 0x24,
            fop: 0x25,
            xmm: core::array::from_fn(|i| 0xa0a0_0000_0000_0000_0000_0000_0000_0000 + i as u128),
            mxcsr: 0x1f80,
            orig_rax: u64::MAX,
            fs_base: 0x7fff_f7d8_a740,
            gs_base: 0x5555_0000,
            ymmh: core::array::from_fn(|i| 0xb0b0_0000_0000_0000_0000_0000_0000_0000 + i as u128),
        };
        let g = serialize(&r);

        let check = |name: &str, want: &[u8]| {
            let (off, size) = xml_slot(name);
            assert_eq!(size, want.len(), "{name}");
            assert_eq!(&g[off..off + size], want, "{name}");
        };
        let gpr_names = [
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15",
        ];
        for (i, name) in gpr_names.iter().enumerate() {
            check(name, &r.regs[i].to_le_bytes());
        }
        check("rip", &r.rip.to_le_bytes());
        check("eflags", &r.eflags.to_le_bytes());
        for (name, v) in [
            ("cs", r.cs),
            ("ss", r.ss),
            ("ds", r.ds),
            ("es", r.es),
            ("fs", r.fs),
            ("gs", r.gs),
            ("fctrl", r.fctrl),
            ("fstat", r.fstat),
            ("ftag", r.ftag),
            ("fiseg", r.fiseg),
            ("fioff", r.fioff),
            ("foseg", r.foseg),
            ("fooff", r.fooff),
            ("fop", r.fop),
            ("mxcsr", r.mxcsr),
        ] {
            check(name, &v.to_le_bytes());
        }
        for i in 0..8 {
            check(&format!("st{i}"), &r.st[i]);
        }
        for i in 0..16 {
            check(&format!("xmm{i}"), &r.xmm[i].to_le_bytes());
            check(&format!("ymm{i}h"), &r.ymmh[i].to_le_bytes());
        }
        check("orig_rax", &r.orig_rax.to_le_bytes());
        check("fs_base", &r.fs_base.to_le_bytes());
        check("gs_base", &r.gs_base.to_le_bytes());

        // p/P agree with g.
        let mut buf = [0u8; 16];
        for (i, (name, bits, _)) in xml_regs().iter().enumerate() {
            let (id, _) = LinuxRegId::from_raw_id(i).unwrap();
            let n = r.read_reg(id, &mut buf);
            assert_eq!(n, bits / 8);
            check(name, &buf[..n]);
        }
    }

    #[test]
    fn single_register_write() {
        let mut r = distinct_regs();
        r.write_reg(LinuxRegId::FsBase, &0x1234u64.to_le_bytes())
            .unwrap();
        assert_eq!(r.fs_base, 0x1234);
        r.write_reg(LinuxRegId::Segment(SegmentReg::Gs), &7u32.to_le_bytes())
            .unwrap();
        assert_eq!(r.gs, 7);
        r.write_reg(LinuxRegId::Fpu(FpuReg::Fop), &0x55u32.to_le_bytes())
            .unwrap();
        assert_eq!(r.fop, 0x55);
        r.write_reg(LinuxRegId::St(3), &[9; 10]).unwrap();
        assert_eq!(r.st[3], [9; 10]);
        let err = r.write_reg(LinuxRegId::Rip, &[0; 4]).unwrap_err();
        assert_eq!((err.expected, err.got), (8, 4));
    }

    fn sample_kernel_regs() -> Regs {
        Regs {
            r15: 115,
            r14: 114,
            r13: 113,
            r12: 112,
            rbp: 106,
            rbx: 101,
            r11: 111,
            r10: 110,
            r9: 109,
            r8: 108,
            rax: 100,
            rcx: 102,
            rdx: 103,
            rsi: 104,
            rdi: 105,
            orig_rax: 231,
            rip: 0x40_1000,
            cs: 0x33,
            eflags: 0x246,
            rsp: 0x7ffd_0000_1000,
            ss: 0x2b,
            fs_base: 0x7f00_0000_0740,
            gs_base: 0x7f00_0000_0800,
            ds: 1,
            es: 2,
            fs: 3,
            gs: 4,
        }
    }

    #[test]
    fn from_kernel_maps_gprs() {
        let k = sample_kernel_regs();
        let r = LinuxRegs::from_kernel(&k, None);
        assert_eq!(
            r.regs,
            [
                100,
                101,
                102,
                103,
                104,
                105,
                106,
                0x7ffd_0000_1000,
                108,
                109,
                110,
                111,
                112,
                113,
                114,
                115
            ]
        );
        assert_eq!(r.regs[0], k.rax);
        assert_eq!(r.regs[7], k.rsp);
        assert_eq!(r.rip, k.rip);
        assert_eq!(r.pc(), k.rip);
        assert_eq!(r.eflags, 0x246);
        assert_eq!(
            (r.cs, r.ss, r.ds, r.es, r.fs, r.gs),
            (0x33, 0x2b, 1, 2, 3, 4)
        );
        assert_eq!(r.orig_rax, 231);
        assert_eq!(r.fs_base, k.fs_base);
        assert_eq!(r.gs_base, k.gs_base);
        // No xstate: FPU/SSE/AVX are zero.
        assert_eq!(r.fctrl, 0);
        assert_eq!(r.mxcsr, 0);
        assert_eq!(r.xmm, [0; 16]);
        assert_eq!(r.ymmh, [0; 16]);

        let mut back = Regs::default();
        r.write_gprs(&mut back);
        assert_eq!(back, k);
    }

    /// A synthetic XSAVE image with x87, SSE and AVX state.
    fn synthetic_xsave() -> Vec<u8> {
        let mut x = vec![0u8; 1024];
        x[0..2].copy_from_slice(&0x037fu16.to_le_bytes()); // fcw
                                                           // fsw with TOP = 6: ST(0) is physical 6, ST(1) is physical 7.
        x[2..4].copy_from_slice(&(6u16 << 11).to_le_bytes());
        x[4] = 0b1100_0000; // physical 6 and 7 in use
        x[6..8].copy_from_slice(&0xf8d9u16.to_le_bytes()); // fop (masked to 0x0d9)
        x[8..16].copy_from_slice(&0x1122_3344_5566_7788u64.to_le_bytes()); // fip
        x[16..24].copy_from_slice(&0x99aa_bbcc_ddee_ff00u64.to_le_bytes()); // fdp
        x[24..28].copy_from_slice(&0x1fa0u32.to_le_bytes()); // mxcsr
                                                             // ST(0) = 1.0 (valid), ST(1) = 0.0 (zero), the rest distinct garbage.
        let one: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f];
        x[32..42].copy_from_slice(&one);
        for i in 2..8 {
            x[32 + 16 * i..42 + 16 * i].fill(0x10 + i as u8);
        }
        for i in 0..16 {
            let v = 0x0123_4567_89ab_cdef_0000_0000_0000_0000u128 + i as u128;
            x[160 + 16 * i..176 + 16 * i].copy_from_slice(&v.to_le_bytes());
            let h = 0xfedc_ba98_7654_3210_0000_0000_0000_0000u128 + i as u128;
            x[576 + 16 * i..592 + 16 * i].copy_from_slice(&h.to_le_bytes());
        }
        x[512..520].copy_from_slice(&0b111u64.to_le_bytes()); // xstate_bv
        x
    }

    #[test]
    fn fxsave_image_round_trips() {
        let mut area = [0u8; FXSAVE_LEN];
        area[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        // TOP = 7, physical register 7 (= ST(0)) in use.
        area[2..4].copy_from_slice(&0x3800u16.to_le_bytes());
        area[4] = 0x80;
        area[6..8].copy_from_slice(&0x123u16.to_le_bytes());
        area[8..24].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        area[24..28].copy_from_slice(&0x1fa0u32.to_le_bytes());
        // ST(0) = 1.0 (80-bit), xmm0 = 1.5 and xmm15 = -2.0 as doubles.
        area[32..42].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
        area[160..168].copy_from_slice(&1.5f64.to_le_bytes());
        area[400..408].copy_from_slice(&(-2.0f64).to_le_bytes());
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&area));
        let mut back = [0u8; FXSAVE_LEN];
        r.store_fxsave(&mut back);
        assert_eq!(
            back[..].iter().zip(&area[..]).position(|(a, b)| a != b),
            None
        );
        assert!(r.same_fxsave_state(&LinuxRegs::from_kernel(&Regs::default(), Some(&back))));
    }

    #[test]
    fn from_kernel_reads_xsave() {
        let x = synthetic_xsave();
        let r = LinuxRegs::from_kernel(&sample_kernel_regs(), Some(&x));
        assert_eq!(r.fctrl, 0x37f);
        assert_eq!(r.fstat, 6 << 11);
        // Physical 6 = ST(0) = 1.0 -> valid (0); physical 7 = ST(1) = 0.0 ->
        // zero (1); physical 0..5 empty (3).
        assert_eq!(r.ftag, 0x4fff);
        assert_eq!(r.abridged_ftag(), 0b1100_0000);
        assert_eq!(r.fop, 0x0d9);
        assert_eq!((r.fioff, r.fiseg), (0x5566_7788, 0x1122_3344));
        assert_eq!((r.fooff, r.foseg), (0xddee_ff00, 0x99aa_bbcc));
        assert_eq!(r.mxcsr, 0x1fa0);
        assert_eq!(r.st[0], [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
        assert_eq!(r.st[1], [0; 10]);
        assert_eq!(r.st[5], [0x15; 10]);
        for i in 0..16 {
            assert_eq!(
                r.xmm[i],
                0x0123_4567_89ab_cdef_0000_0000_0000_0000 + i as u128
            );
            assert_eq!(
                r.ymmh[i],
                0xfedc_ba98_7654_3210_0000_0000_0000_0000 + i as u128
            );
        }
        // GPRs still come from user_regs_struct.
        assert_eq!(r.regs[0], 100);
        assert_eq!(r.orig_rax, 231);
    }

    #[test]
    fn xsave_init_components() {
        let mut x = synthetic_xsave();
        // AVX not in use: upper halves are zero.
        x[512..520].copy_from_slice(&0b011u64.to_le_bytes());
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&x));
        assert_eq!(r.ymmh, [0; 16]);
        assert_eq!(r.xmm[3], 0x0123_4567_89ab_cdef_0000_0000_0000_0000 + 3);

        // Nothing in use: init values.
        x[512..520].copy_from_slice(&0u64.to_le_bytes());
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&x));
        assert_eq!((r.fctrl, r.ftag, r.fstat, r.fop), (0x37f, 0xffff, 0, 0));
        assert_eq!(r.st, [[0; 10]; 8]);
        assert_eq!(r.xmm, [0; 16]);
        assert_eq!(r.mxcsr, MXCSR_INIT);

        // Plain FXSAVE image (no XSAVE header): x87 + SSE, no AVX.
        let x = synthetic_xsave();
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&x[..512]));
        assert_eq!(r.mxcsr, 0x1fa0);
        assert_eq!(r.ftag, 0x4fff);
        assert_eq!(r.xmm[15], 0x0123_4567_89ab_cdef_0000_0000_0000_0000 + 15);
        assert_eq!(r.ymmh, [0; 16]);

        // Too short to be anything: treated as absent.
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&x[..100]));
        assert_eq!(r, LinuxRegs::from_kernel(&Regs::default(), None));
    }

    #[test]
    fn tag_classification() {
        let zero = [0u8; 10];
        let one = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f];
        let inf = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f];
        let denormal = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let unnormal = [0, 0, 0, 0, 0, 0, 0, 0x40, 0xff, 0x3f];
        assert_eq!(x87_tag(&one), 0);
        assert_eq!(x87_tag(&zero), 1);
        assert_eq!(x87_tag(&inf), 2);
        assert_eq!(x87_tag(&denormal), 2);
        assert_eq!(x87_tag(&unnormal), 2);
        // Negative zero is still "zero".
        let mut neg_zero = zero;
        neg_zero[9] = 0x80;
        assert_eq!(x87_tag(&neg_zero), 1);
    }

    #[test]
    fn read_xstate_of_stopped_child() {
        // SAFETY: the child only calls async-signal-safe functions before
        // _exit, as required after fork() in a multithreaded process.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            unsafe {
                if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == 0 {
                    libc::raise(libc::SIGSTOP);
                }
                libc::_exit(0);
            }
        }
        let mut status = 0;
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(waited, pid);
        assert!(
            libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGSTOP,
            "child status {status:#x}"
        );

        let res = read_xstate(pid);

        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, &mut status, 0);
        }

        let x = res.expect("PTRACE_GETREGSET NT_X86_XSTATE");
        assert!(x.len() >= 576, "xstate is {} bytes", x.len());
        assert!(x.len() <= XSTATE_BUF_LEN);
        assert_eq!(le_u32(&x, 24), MXCSR_INIT);
        let r = LinuxRegs::from_kernel(&Regs::default(), Some(&x));
        assert_eq!(r.mxcsr, MXCSR_INIT);
        assert_eq!(r.fctrl, FCTRL_INIT);
    }

    #[test]
    fn read_xstate_of_untraced_pid_fails() {
        // Our own pid is not a ptrace-stopped tracee of ours.
        assert!(read_xstate(std::process::id() as i32).is_err());
    }
}
