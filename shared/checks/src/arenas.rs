//! The allocator, tuned for a scan: at most `max_malloc_arenas` arenas, each giving back what is
//! free at its top past `malloc_trim_threshold` (docs/performance.md, "Peak memory").
//!
//! glibc gives a thread that finds the arenas in use an arena of its own, up to eight per CPU,
//! and memory freed in an arena is reused by that arena only; an arena gives memory back only
//! when what is free at its top passes a threshold that grows with the largest block freed (up
//! to 64 MiB). A scan's dozen check threads and its workers each freed their trees and buffers
//! into their own arena, so on the 25 MB bench zip about 30 MB of resident memory held nothing.

/// The allocator's largest mapping threshold on 64-bit glibc (`DEFAULT_MMAP_THRESHOLD_MAX`):
/// blocks from this size on get a mapping of their own, smaller ones come from the arenas.
pub const MMAP_THRESHOLD_BYTES: u64 = 32 * 1024 * 1024;

/// What [`tune_allocator`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocatorTuning {
    /// The arena limit now in force (`None`: the allocator's own).
    pub arenas: Option<u64>,
    /// The trim threshold now in force (`None`: the allocator's own, growing).
    pub trim_threshold: Option<u64>,
    /// The allocator has no such settings (not glibc): nothing was changed.
    pub unsupported: bool,
}

/// At most `max_arenas` allocation arenas for the process from now on, and free memory at an
/// arena's top past `trim_threshold` bytes given back to the system (each 0: the allocator's
/// own default, which glibc's `MALLOC_ARENA_MAX` and `MALLOC_TRIM_THRESHOLD_` variables also
/// set). A trim threshold also fixes the threshold for blocks that get a mapping of their own at
/// [`MMAP_THRESHOLD_BYTES`] (setting one stops glibc from moving the other; left at its start,
/// 128 KiB, every file buffer would be mapped and unmapped). Process-wide, and best called
/// before the threads that allocate start: arenas already made stay. A value the allocator
/// cannot take leaves its setting as it was.
pub fn tune_allocator(max_arenas: u64, trim_threshold: u64) -> AllocatorTuning {
    let mut tuning = AllocatorTuning {
        arenas: None,
        trim_threshold: None,
        unsupported: false,
    };
    if let Some(value) = nonzero_int(max_arenas) {
        match mallopt(Param::ArenaMax, value) {
            Some(true) => tuning.arenas = Some(max_arenas),
            Some(false) => {}
            None => tuning.unsupported = true,
        }
    }
    if let (Some(value), Some(mmap)) = (
        nonzero_int(trim_threshold),
        nonzero_int(MMAP_THRESHOLD_BYTES),
    ) {
        match mallopt(Param::MmapThreshold, mmap) {
            Some(true) => {
                if mallopt(Param::TrimThreshold, value) == Some(true) {
                    tuning.trim_threshold = Some(trim_threshold);
                }
            }
            Some(false) => {}
            None => tuning.unsupported = true,
        }
    }
    tuning
}

fn nonzero_int(value: u64) -> Option<i32> {
    i32::try_from(value).ok().filter(|v| *v > 0)
}

#[derive(Debug, Clone, Copy)]
enum Param {
    ArenaMax,
    MmapThreshold,
    TrimThreshold,
}

/// `Some(done)` from glibc's `mallopt`; `None` where there is no such call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn mallopt(param: Param, value: i32) -> Option<bool> {
    let param = match param {
        Param::ArenaMax => libc::M_ARENA_MAX,
        Param::MmapThreshold => libc::M_MMAP_THRESHOLD,
        Param::TrimThreshold => libc::M_TRIM_THRESHOLD,
    };
    // SAFETY: `mallopt` stores one of the allocator's parameters under the allocator's own
    // lock; it may be called from any thread at any time, and a value it does not take is
    // refused (0), not undefined behaviour.
    let done = unsafe { libc::mallopt(param, value) };
    Some(done == 1)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn mallopt(_param: Param, _value: i32) -> Option<bool> {
    None
}
