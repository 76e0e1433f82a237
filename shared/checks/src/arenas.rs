//! The allocator's arenas, bounded for a scan (`max_malloc_arenas`).
//!
//! glibc gives a thread that finds the arenas in use an arena of its own, up to eight per CPU,
//! and memory freed in an arena is reused by that arena only. A scan's dozen check threads and
//! its workers each free their trees and buffers into their own arena, so every arena holds its
//! share of the scan's high-water mark: on the 25 MB bench zip about 30 MB of resident memory
//! that no live object uses (docs/performance.md, "Peak memory").

/// What [`limit_malloc_arenas`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArenaLimit {
    /// The allocator keeps its own setting (a limit of 0, or too large for the allocator).
    Unchanged,
    /// At most this many arenas from now on.
    Set(u64),
    /// This allocator has no such setting (not glibc).
    Unsupported,
}

/// At most `max` allocation arenas for the process from now on (0: the allocator's default,
/// which glibc's `MALLOC_ARENA_MAX` variable also sets). Process-wide, and best called before
/// the threads that allocate start: arenas already made stay.
pub fn limit_malloc_arenas(max: u64) -> ArenaLimit {
    let Ok(value) = i32::try_from(max) else {
        return ArenaLimit::Unchanged;
    };
    if value == 0 {
        return ArenaLimit::Unchanged;
    }
    set_arena_max(value)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_arena_max(value: i32) -> ArenaLimit {
    // SAFETY: `mallopt` only stores the allocator's parameter, under the allocator's own lock;
    // it is safe to call from any thread at any time.
    let done = unsafe { libc::mallopt(libc::M_ARENA_MAX, value) };
    if done == 1 {
        ArenaLimit::Set(u64::from(value.unsigned_abs()))
    } else {
        ArenaLimit::Unchanged
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_arena_max(_value: i32) -> ArenaLimit {
    ArenaLimit::Unsupported
}
