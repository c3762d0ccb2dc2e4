//! The CPU facts a recording depends on: CPUID answers (masked so programs avoid
//! instructions rewind cannot record) and the time-stamp counter.

use rewind_trace::CpuidRecord;
use std::arch::x86_64::__cpuid_count;

/// Leaves with meaningful subleaves.
const SUBLEAF_LEAVES: &[u32] = &[
    4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24,
];

/// CPUID as the recorded program sees it: RDRAND, RDSEED (whose results cannot be
/// trapped) and transactional memory (HLE/RTM: aborts are nondeterministic) are
/// hidden, as rr does.
pub fn cpuid(leaf: u32, subleaf: u32) -> [u32; 4] {
    let r = __cpuid_count(leaf, subleaf);
    let mut out = [r.eax, r.ebx, r.ecx, r.edx];
    match leaf {
        1 => out[2] &= !(1 << 30),
        7 if subleaf == 0 => out[1] &= !((1 << 18) | (1 << 4) | (1 << 11)),
        _ => {}
    }
    out
}

/// The TSC and TSC_AUX (rewind itself runs with RDTSC trapping on).
pub fn rdtscp() -> (u64, u32) {
    rewind_ptrace::read_tsc()
}

/// All CPUID leaves of this machine, for the trace header.
pub fn all_leaves() -> Vec<CpuidRecord> {
    let mut out = Vec::new();
    for base in [0u32, 0x8000_0000] {
        let max = cpuid(base, 0)[0];
        if max < base {
            continue;
        }
        for leaf in base..=max.min(base + 0x40) {
            let subs = if SUBLEAF_LEAVES.contains(&leaf) {
                64
            } else {
                1
            };
            for subleaf in 0..subs {
                let r = cpuid(leaf, subleaf);
                if subleaf > 0 && r == [0; 4] {
                    break;
                }
                out.push(CpuidRecord {
                    leaf,
                    subleaf,
                    out: r,
                });
            }
        }
    }
    out
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into())
}

pub fn kernel_release() -> String {
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return "unknown".into();
    }
    let rel = unsafe { std::ffi::CStr::from_ptr(u.release.as_ptr()) };
    rel.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdrand_and_rtm_are_hidden() {
        assert_eq!(cpuid(1, 0)[2] & (1 << 30), 0);
        let l7 = cpuid(7, 0);
        assert_eq!(l7[1] & ((1 << 18) | (1 << 4) | (1 << 11)), 0);
    }

    #[test]
    fn header_leaves_include_vendor_leaf() {
        let leaves = all_leaves();
        assert!(leaves.iter().any(|l| l.leaf == 0 && l.subleaf == 0));
        assert!(leaves.iter().any(|l| l.leaf == 1));
    }
}
