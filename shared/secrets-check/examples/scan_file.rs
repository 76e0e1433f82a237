//! Scans files with the secrets engine and prints the findings (redacted) and the time taken:
//! `cargo run --release -p validator-secrets --example scan_file -- FILE...`

use std::time::Instant;

use validator_secrets::{scan_file, Enabled, SecretsCheck};

fn main() {
    SecretsCheck::warm_up();
    let enabled = Enabled::all();
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let started = Instant::now();
        let result = scan_file(&path, &bytes, &enabled);
        let elapsed = started.elapsed();
        match result {
            Ok(found) => {
                for secret in &found {
                    println!(
                        "{path}:{} {} {}{}",
                        secret.line,
                        secret.secret_type.type_name,
                        secret.value.hashed(),
                        if secret.allowlisted {
                            " (allowlisted)"
                        } else {
                            ""
                        }
                    );
                }
                eprintln!(
                    "{path}: {} bytes, {} finding(s) in {:.1} ms",
                    bytes.len(),
                    found.len(),
                    elapsed.as_secs_f64() * 1000.0
                );
            }
            Err(skipped) => eprintln!("{path}: skipped ({skipped:?})"),
        }
    }
}
