//! `plugin-validator`: check a QGIS plugin locally (`scan`), run the whole serverless pipeline on
//! one machine (`pipeline`, `status`), and inspect the rule policy (`policy`).

mod cli;
mod commands;
mod sarif;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    restore_default_sigpipe();
    let mut command = cli::Cli::command();
    // Built only when asked for: it needs every check's rule catalogue (the signature packs
    // loaded or compiled), which other commands load later, after logging is set up, if at all.
    // (`-V` prints the short version.)
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        // Once per process; clap wants a static string.
        command = command.long_version(&*Box::leak(long_version().into_boxed_str()));
    }
    let parsed = command
        .try_get_matches()
        .and_then(|matches| cli::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(commands::EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.verbose);
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(commands::EXIT_USAGE)
        }
    }
}

/// `--version`: the version, then what every report records about the rules and the engines.
fn long_version() -> String {
    let policy = validator_policy::Policy::default();
    let provenance = validator_checks::provenance(&policy);
    format!(
        "{}\nrules {}\nshipped policy {}\ncompatible with {}",
        provenance.validator_version,
        provenance.rules_version,
        provenance.policy_digest,
        provenance.reference_tools_line()
    )
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`plugin-validator rules | head`) is an
/// error that `println!` turns into a panic. A command-line tool should end quietly instead, as
/// the shell expects: restore the default action (terminate on SIGPIPE).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to SIG_DFL at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
