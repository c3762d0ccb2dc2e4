//! The x86-64 syscall table. (To be completed.)
use crate::*;

pub static TABLE: &[SyscallSpec] = &[];

pub(crate) fn lookup(nr: u64) -> Option<&'static SyscallSpec> {
    TABLE.iter().find(|s| s.nr == nr)
}

pub(crate) fn output_regions(_spec: &SyscallSpec, _args: &[u64; 6], _result: i64, _mem: &dyn Memory) -> Result<Vec<Region>, Unsupported> {
    Ok(vec![])
}

pub(crate) fn data_in_regions(_spec: &SyscallSpec, _args: &[u64; 6], _result: i64, _mem: &dyn Memory) -> Option<(i32, Vec<Region>)> {
    None
}
