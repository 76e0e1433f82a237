//! Times the behaviour analysis alone (parsing excluded) over the `.py` files of folders:
//! `cargo run --release -p validator-behaviour --example analyse_timing -- ROUNDS DIR...`.
//! A profiling aid for docs/performance.md; the harness's side-by-side overhead stays the
//! measure of record.

use std::time::Instant;

use validator_behaviour::{analyse_file, BehaviourLimits};
use validator_python::{PythonLimits, PythonModule};

fn python_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut files = Vec::new();
    for dir in args {
        python_files(std::path::Path::new(&dir), &mut files);
    }
    let limits = PythonLimits::default();
    let modules: Vec<(String, PythonModule)> = files
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let module = PythonModule::parse(&bytes, &limits).ok()?;
            Some((p.display().to_string(), module))
        })
        .collect();
    let behaviour = BehaviourLimits::default();
    let mut best = f64::MAX;
    let mut hits = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        hits = 0;
        for (path, module) in &modules {
            hits += analyse_file(path, module, &behaviour).len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {hits} hits, best of {rounds}: {best:.3} s",
        modules.len()
    );
    // ANALYSE_TIMING_SLOWEST=1: the files that take longest, to profile them alone.
    if std::env::var_os("ANALYSE_TIMING_SLOWEST").is_some() {
        let mut each: Vec<(f64, &str, usize)> = modules
            .iter()
            .map(|(path, module)| {
                let start = Instant::now();
                analyse_file(path, module, &behaviour);
                (
                    start.elapsed().as_secs_f64(),
                    path.as_str(),
                    module.source().len(),
                )
            })
            .collect();
        each.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (seconds, path, bytes) in each.iter().take(8) {
            println!("{seconds:.4} s  {bytes:>8} bytes  {path}");
        }
    }
}
