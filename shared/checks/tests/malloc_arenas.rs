//! `max_malloc_arenas`: with the limit set, threads that allocate at the same time share the
//! arenas there are instead of each getting its own (which keeps the memory freed in it).
//! One test in this file: the setting is process-wide, and a test binary is one process.

use validator_checks::{tune_allocator, AllocatorTuning, PythonLimits};

/// glibc's non-main arenas: heaps of 64 MiB reserved at 64 MiB-aligned addresses, the used
/// part readable and writable, the rest inaccessible.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn thread_arenas() -> usize {
    const HEAP_MAX: u64 = 64 * 1024 * 1024;
    let maps = std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps");
    let regions: Vec<(u64, u64, String)> = maps
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let perms = fields.next()?.to_owned();
            let start = u64::from_str_radix(start, 16).ok()?;
            let end = u64::from_str_radix(end, 16).ok()?;
            Some((start, end, perms))
        })
        .collect();
    regions
        .iter()
        .enumerate()
        .filter(|(i, (start, end, perms))| {
            if start % HEAP_MAX != 0 || !perms.starts_with("rw") {
                return false;
            }
            let whole = regions
                .get(i + 1)
                .filter(|(next, _, p)| next == end && p.starts_with("---"))
                .map_or(*end, |(_, next_end, _)| *next_end);
            whole - start == HEAP_MAX
        })
        .count()
}

#[test]
fn threads_share_the_limited_arenas() {
    let defaults = PythonLimits::default();
    assert_eq!(defaults.max_malloc_arenas, 4);
    assert_eq!(defaults.malloc_trim_threshold, 4 * 1024 * 1024);
    // 0, or more than the allocator takes: its own setting stays.
    let unchanged = AllocatorTuning {
        arenas: None,
        trim_threshold: None,
        unsupported: false,
    };
    assert_eq!(tune_allocator(0, 0), unchanged);
    assert_eq!(tune_allocator(u64::MAX, u64::MAX), unchanged);
    if cfg!(not(all(target_os = "linux", target_env = "gnu"))) {
        assert!(tune_allocator(1, 1024).unsupported);
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let before = thread_arenas();
        assert_eq!(
            tune_allocator(1, 4 * 1024 * 1024),
            AllocatorTuning {
                arenas: Some(1),
                trim_threshold: Some(4 * 1024 * 1024),
                unsupported: false,
            }
        );
        // Eight threads allocating at once, each holding its blocks until all have allocated:
        // without the limit each gets an arena of its own.
        let barrier = std::sync::Barrier::new(8);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let blocks: Vec<Vec<u8>> = (0..64).map(|i| vec![i as u8; 4096]).collect();
                    barrier.wait();
                    drop(std::hint::black_box(blocks));
                });
            }
        });
        let after = thread_arenas();
        assert!(
            after <= before.max(1),
            "{before} thread arenas before, {after} after eight threads allocated"
        );
    }
}
