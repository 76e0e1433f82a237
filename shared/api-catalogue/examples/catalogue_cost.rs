//! What the builtin catalogue costs: parse time and resident memory once, then the time of the
//! lookups the behaviour check makes per call, path and key.
//! `cargo run --release -p validator-api-catalogue --example catalogue_cost`

use std::hint::black_box;
use std::time::Instant;

use validator_api_catalogue::{Catalogue, Table, BUILTIN_TABLES};

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4)
        .unwrap_or(0)
}

fn per_lookup(label: &str, rounds: u32, names: &[&str], f: impl Fn(&str) -> usize) {
    let start = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for name in names {
            hits += black_box(f(black_box(name)));
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(rounds) / names.len() as f64;
    println!("{label:<40} {ns:>8.0} ns per lookup ({hits} hits)");
}

fn main() {
    let before = resident_kib();
    let start = Instant::now();
    let files: Vec<(Table, &'static str, &'static str)> = BUILTIN_TABLES.to_vec();
    let cat = Catalogue::parse(&files).expect("the builtin tables parse");
    let parse = start.elapsed();
    let after = resident_kib();
    println!(
        "parse: {:.1} ms, {} entries, resident memory +{} KiB",
        parse.as_secs_f64() * 1000.0,
        cat.entries().len(),
        after.saturating_sub(before)
    );
    let rounds = 20_000;
    per_lookup(
        "call: catalogued names",
        rounds,
        &[
            "ftplib.FTP.storbinary",
            "builtins.exec",
            "requests.post",
            "os.system",
        ],
        |n| cat.call(n).len(),
    );
    per_lookup(
        "call: names not catalogued",
        rounds,
        &[
            "myplugin.helpers.format_row",
            "self.iface.addToolBarIcon",
            "len",
            "print",
        ],
        |n| cat.call(n).len(),
    );
    per_lookup(
        "call: markers and chains",
        rounds,
        &[
            "qgis.core.QgsApplication.authManager().configIds",
            "PyQt5.QtNetwork.QTcpSocket().write",
            "myplugin.dialog().show",
        ],
        |n| cat.call(n).len(),
    );
    per_lookup("method", rounds, &["sendall", "storbinary", "show"], |n| {
        cat.method(n).len()
    });
    per_lookup(
        "path",
        rounds,
        &[
            "~/.ssh/id_rsa",
            "<plugins-dir>/mine/data/points.csv",
            "<profile>/python/startup.py",
            "/tmp/x.txt",
        ],
        |n| cat.path(n).len(),
    );
    per_lookup(
        "setting",
        rounds,
        &[
            "PostgreSQL/connections/db/password",
            "myplugin/last_folder",
            "qgis/enableMacros",
        ],
        |n| cat.setting(n).len(),
    );
    per_lookup(
        "normalise_path alone",
        rounds,
        &[
            "~/.ssh/id_rsa",
            "<plugins-dir>/mine/data/points.csv",
            "/tmp/x.txt",
        ],
        |n| validator_api_catalogue::normalise_path(n).len(),
    );
    for p in [
        "~/.ssh/id_rsa",
        "/tmp/x.txt",
        "<plugins-dir>/mine/data/points.csv",
    ] {
        per_lookup(&format!("path {p}"), rounds, &[p], |n| cat.path(n).len());
    }
}

#[allow(dead_code)]
fn parts() {}
