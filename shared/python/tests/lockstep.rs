//! Checks that read a scan's Python files together move through them in stretches: each file
//! is parsed once for all of them, whatever their speed, and a check that stops reading never
//! holds the others up.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_python::{PythonLimits, PythonModule, PythonSources};
use validator_testkit::ZipBuilder;

const FILES: usize = 24;

fn plugin() -> PluginArchive {
    let mut zip = ZipBuilder::valid_plugin("demo");
    for i in 0..FILES {
        zip = zip.file(
            &format!("demo/m{i:02}.py"),
            &format!("value_{i:02} = {i}\n"),
        );
    }
    PluginArchive::open(zip.build(), &ArchiveLimits::default()).expect("zip")
}

/// The numbered files (the plugin's own `__init__.py` left out).
fn numbered(archive: &PluginArchive) -> Vec<&validator_archive::Entry> {
    PythonSources::python_files(archive)
        .filter(|e| e.name.starts_with("demo/m"))
        .collect()
}

/// Room in the parse cache for six of the files: stretches of three.
fn sources(readers: usize) -> Arc<PythonSources> {
    Arc::new(
        PythonSources::new(PythonLimits {
            max_cached_source_bytes: 6 * 14,
            max_parallel_files: 2,
            ..PythonLimits::default()
        })
        .shared_by(readers),
    )
}

/// What a reader got for each file, read with `map_entries` after `delay` per file.
fn read_all(
    sources: &PythonSources,
    archive: &PluginArchive,
    delay: Duration,
) -> Vec<Arc<PythonModule>> {
    let entries = numbered(archive);
    let modules = sources.map_entries(archive, &entries, |entry| {
        std::thread::sleep(delay);
        sources.get(archive, entry).expect("parses")
    });
    sources.leave();
    modules
}

/// Runs `readers` on their own threads; fails instead of hanging.
fn together(
    readers: Vec<Box<dyn FnOnce() -> Vec<Arc<PythonModule>> + Send>>,
) -> Vec<Vec<Arc<PythonModule>>> {
    let (sent, received) = mpsc::channel();
    for (i, reader) in readers.into_iter().enumerate() {
        let sent = sent.clone();
        std::thread::spawn(move || {
            let _ = sent.send((i, reader()));
        });
    }
    drop(sent);
    let mut out: Vec<(usize, Vec<Arc<PythonModule>>)> = (0..)
        .map_while(|_| received.recv_timeout(Duration::from_secs(30)).ok())
        .collect();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, modules)| modules).collect()
}

#[test]
fn a_slow_and_two_fast_readers_share_one_parse_of_every_file() {
    let archive = Arc::new(plugin());
    let sources = sources(3);
    let reader = |delay: u64| -> Box<dyn FnOnce() -> Vec<Arc<PythonModule>> + Send> {
        let (sources, archive) = (sources.clone(), archive.clone());
        Box::new(move || read_all(&sources, &archive, Duration::from_millis(delay)))
    };
    let got = together(vec![reader(0), reader(0), reader(15)]);
    assert_eq!(got.len(), 3, "a reader did not finish");
    assert_eq!(got[0].len(), FILES);
    for (file, first) in got[0].iter().enumerate() {
        assert_eq!(first.source(), format!("value_{file:02} = {file}\n"));
        assert!(
            Arc::ptr_eq(first, &got[1][file]) && Arc::ptr_eq(first, &got[2][file]),
            "file {file} was parsed more than once"
        );
    }
}

#[test]
fn a_reader_that_stops_early_does_not_hold_the_others_up() {
    let archive = Arc::new(plugin());
    let sources = sources(3);
    let (s1, a1) = (sources.clone(), archive.clone());
    let s2 = sources.clone();
    let (s3, a3) = (sources.clone(), archive.clone());
    let got = together(vec![
        Box::new(move || read_all(&s1, &a1, Duration::ZERO)),
        // Never reads: its check ended before (an error, a disabled rule).
        Box::new(move || {
            s2.leave();
            Vec::new()
        }),
        // Crashes in the middle of the files.
        Box::new(move || {
            let entries = numbered(&a3);
            let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                s3.map_entries(&a3, &entries, |entry| {
                    assert!(!entry.name.ends_with("m10.py"), "crash");
                    s3.get(&a3, entry).expect("parses")
                })
            }));
            assert!(crashed.is_err());
            s3.leave();
            Vec::new()
        }),
    ]);
    assert_eq!(got.len(), 3, "a reader waited forever");
    assert_eq!(got[0].len(), FILES);
}
