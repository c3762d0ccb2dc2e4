//! Where a replay may run. A recording made where CPUID faults (Intel here) traps
//! and records every CPUID, so it replays on any such machine. Without CPUID
//! faulting (AMD here) the program ran CPUID itself: the replay must run on the
//! same CPU model (feature flags decide which code paths libraries take) and on
//! the same CPU index (leaf 1 holds the APIC id of the CPU it runs on; RDPID and
//! RDTSCP report the CPU number).

use rewind_ptrace as pt;
use rewind_trace::{CpuidRecord, Header};
use std::arch::x86_64::__cpuid_count;

/// Binds this replay (and the processes it creates) to the CPU the recording
/// needs, or says why it cannot run here.
pub fn bind_for(header: &Header) -> Result<(), String> {
    let want = header.cpu_index.map(|c| c as usize);
    if header.cpuid_faulting {
        if !pt::cpuid_faulting_available() {
            return Err("the trace was recorded with CPUID faulting, which this CPU lacks; replay it on a machine like the one that recorded it".into());
        }
        // The same CPU where possible (RDPID reports it), any otherwise.
        if pt::trap_own_tsc(want).is_none() {
            pt::trap_own_tsc(None);
        }
        return Ok(());
    }
    if let Some(diff) = model_difference(&header.cpuid) {
        return Err(format!(
            "the trace was recorded on a CPU without CPUID faulting ({}), where the program read the CPU's identity itself, and this CPU differs: {diff}; replay it on a machine with the same CPU model",
            header.cpu_model
        ));
    }
    match want {
        Some(cpu) if pt::trap_own_tsc(Some(cpu)).is_none() => Err(format!(
            "the trace was recorded on CPU {cpu} of a machine without CPUID faulting, where the program read that CPU's APIC id and number itself; this replay may not run on CPU {cpu} (allowed: {}); replay where CPU {cpu} is available (e.g. without taskset)",
            describe_cpus(&pt::allowed_cpus())
        )),
        Some(_) => Ok(()),
        None => Err("the trace was recorded without CPUID faulting and without a CPU binding (an older rewind); record the program again".into()),
    }
}

/// The CPUID answers that identify a CPU model and what its programs may use:
/// (leaf, subleaf, register index, mask of bits compared).
const MODEL_BITS: &[(u32, u32, usize, u32)] = &[
    (0, 0, 1, u32::MAX), // vendor
    (0, 0, 2, u32::MAX),
    (0, 0, 3, u32::MAX),
    (1, 0, 0, u32::MAX),                // family, model, stepping
    (1, 0, 2, !(1 << 30) & !(1 << 27)), // features (RDRAND masked in records; OSXSAVE is the OS's)
    (1, 0, 3, u32::MAX),
    (7, 0, 1, !((1 << 18) | (1 << 4) | (1 << 11))), // RDSEED, HLE, RTM masked in records
    (7, 0, 2, u32::MAX),
    (7, 0, 3, u32::MAX),
    (0xd, 0, 0, u32::MAX), // XSAVE components and sizes: signal frames
    (0xd, 0, 1, u32::MAX),
    (0xd, 1, 0, u32::MAX),
];

/// The first difference between the recorded CPUID answers and this CPU's.
fn model_difference(recorded: &[CpuidRecord]) -> Option<String> {
    const REG: [&str; 4] = ["eax", "ebx", "ecx", "edx"];
    for &(leaf, subleaf, reg, mask) in MODEL_BITS {
        let Some(rec) = recorded
            .iter()
            .find(|r| r.leaf == leaf && r.subleaf == subleaf)
        else {
            continue;
        };
        let live = __cpuid_count(leaf, subleaf);
        let live = [live.eax, live.ebx, live.ecx, live.edx][reg];
        if live & mask != rec.out[reg] & mask {
            return Some(format!(
                "CPUID leaf {leaf:#x}.{subleaf} {} is {:#010x} here, {:#010x} in the recording",
                REG[reg],
                live & mask,
                rec.out[reg] & mask
            ));
        }
    }
    None
}

fn describe_cpus(cpus: &[usize]) -> String {
    let v: Vec<String> = cpus.iter().map(|c| c.to_string()).collect();
    v.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn this_cpu() -> Vec<CpuidRecord> {
        MODEL_BITS
            .iter()
            .map(|&(leaf, subleaf, _, _)| {
                let r = __cpuid_count(leaf, subleaf);
                CpuidRecord {
                    leaf,
                    subleaf,
                    out: [r.eax, r.ebx, r.ecx, r.edx],
                }
            })
            .collect()
    }

    #[test]
    fn same_cpu_matches_and_another_model_is_named() {
        let mut rec = this_cpu();
        assert_eq!(model_difference(&rec), None);
        // The APIC id (leaf 1 ebx) is not part of the model.
        rec.iter_mut().find(|r| r.leaf == 1).unwrap().out[1] ^= 0xff00_0000;
        assert_eq!(model_difference(&rec), None);
        rec.iter_mut().find(|r| r.leaf == 1).unwrap().out[0] ^= 0x10;
        let diff = model_difference(&rec).expect("another model");
        assert!(diff.starts_with("CPUID leaf 0x1.0 eax"), "{diff}");
    }
}
