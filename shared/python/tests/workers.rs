//! The scan's worker threads: files in parallel, results in order, at most
//! `max_parallel_files` at once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use validator_python::{PythonLimits, PythonSources};

fn sources(parallel: u64) -> PythonSources {
    PythonSources::new(PythonLimits {
        max_parallel_files: parallel,
        ..PythonLimits::default()
    })
}

#[test]
fn results_keep_the_order_of_the_files() {
    let items: Vec<usize> = (0..500).collect();
    let out = sources(4).map_files(&items, |i| {
        // Uneven work, so that items finish out of order.
        std::thread::sleep(Duration::from_micros(((i * 7919) % 13) as u64 * 50));
        i * 2
    });
    assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
}

#[test]
fn no_more_files_in_flight_than_the_limit() {
    let in_flight = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    let threads = Mutex::new(HashSet::new());
    let items: Vec<usize> = (0..64).collect();
    sources(3).map_files(&items, |_| {
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(now, Ordering::SeqCst);
        threads
            .lock()
            .unwrap()
            .insert(std::thread::current().name().map(str::to_owned));
        std::thread::sleep(Duration::from_millis(2));
        in_flight.fetch_sub(1, Ordering::SeqCst);
    });
    let most = most.load(Ordering::SeqCst);
    assert!(most <= 3, "{most} files in flight with a limit of 3");
    assert!(most >= 2, "files were not processed in parallel");
    let threads = threads.into_inner().unwrap();
    assert!(threads.iter().all(|name| name
        .as_deref()
        .is_some_and(|n| n.starts_with("scan-worker-"))));
}

#[test]
fn a_limit_of_one_runs_on_the_calling_thread() {
    let caller = std::thread::current().id();
    let items: Vec<usize> = (0..10).collect();
    let on_caller = sources(1).map_files(&items, |_| std::thread::current().id() == caller);
    assert!(on_caller.into_iter().all(|same| same));
}

#[test]
fn the_limit_is_named_and_configurable() {
    let limits = PythonLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_MAX_PARALLEL_FILES").then(|| "2".to_owned())
    })
    .unwrap();
    assert_eq!(limits.max_parallel_files, 2);
    assert_eq!(
        PythonLimits::default().max_parallel_files,
        0,
        "0: one per CPU"
    );
}

#[test]
fn the_allocator_limits_are_named_and_configurable() {
    let limits = PythonLimits::from_lookup(|key| match key {
        "PLUGIN_VALIDATOR_MAX_MALLOC_ARENAS" => Some("0".to_owned()),
        "PLUGIN_VALIDATOR_MALLOC_TRIM_THRESHOLD" => Some("1_048_576".to_owned()),
        _ => None,
    })
    .unwrap();
    assert_eq!(limits.max_malloc_arenas, 0);
    assert_eq!(limits.malloc_trim_threshold, 1024 * 1024);
    let names: Vec<&str> = PythonLimits::default()
        .values()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(names.contains(&"max_malloc_arenas") && names.contains(&"malloc_trim_threshold"));
}
