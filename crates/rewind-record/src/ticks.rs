//! Hardware branch counters, as rr uses them ("ticks": retired conditional
//! branches, counted in user space only).
//!
//! Where such a counter exists (bare metal, most KVM clouds) it could place
//! preemptions and signals at any instruction exactly. rewind does not use it
//! yet: every trace is made in boundaries mode, which needs no counter. The
//! recorder detects the counter at start and writes what it found into the
//! trace header, so a trace says what the machine offered. Absence is the
//! normal case (VMs, CI runners, this project's own machines).

/// `perf_event_attr` as the kernel reads it (PERF_ATTR_SIZE_VER5 bytes).
const ATTR_SIZE: usize = 112;
const PERF_TYPE_RAW: u32 = 4;
/// `exclude_kernel` and `exclude_hv` in the attribute's flag word.
const EXCLUDE_KERNEL_HV: u64 = (1 << 5) | (1 << 6);
/// Flag word: `disabled` (bit 0).
const DISABLED: u64 = 1;

/// The raw event rr counts on this CPU, with its name.
fn branch_event(cpu_model: &str) -> Option<(u64, &'static str)> {
    if cpu_model.contains("Intel") {
        Some((0x5101c4, "Intel BR_INST_RETIRED.CONDITIONAL"))
    } else if cpu_model.contains("AMD") {
        Some((0x5100d1, "AMD Zen RETIRED_CONDITIONAL_BRANCHES"))
    } else {
        None
    }
}

/// The conditional-branch counter this machine offers to user space, if any.
pub fn detect(cpu_model: &str) -> Option<String> {
    let (config, name) = branch_event(cpu_model)?;
    let mut attr = [0u8; ATTR_SIZE];
    attr[0..4].copy_from_slice(&PERF_TYPE_RAW.to_ne_bytes());
    attr[4..8].copy_from_slice(&(ATTR_SIZE as u32).to_ne_bytes());
    attr[8..16].copy_from_slice(&config.to_ne_bytes());
    attr[40..48].copy_from_slice(&(DISABLED | EXCLUDE_KERNEL_HV).to_ne_bytes());
    // This thread, any CPU, no group, no flags.
    let fd = unsafe { libc::syscall(libc::SYS_perf_event_open, attr.as_ptr(), 0, -1, -1, 0u64) };
    if fd < 0 {
        return None;
    }
    unsafe { libc::close(fd as i32) };
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_by_vendor() {
        assert_eq!(branch_event("Intel(R) Xeon(R)").unwrap().0, 0x5101c4);
        assert_eq!(branch_event("AMD EPYC 7763").unwrap().0, 0x5100d1);
        assert!(branch_event("unknown").is_none());
        assert!(detect("unknown").is_none());
    }

    /// Whatever the machine, detection answers without failing.
    #[test]
    fn detection_does_not_fail() {
        let _ = detect(&crate::cpu::cpu_model());
    }
}
