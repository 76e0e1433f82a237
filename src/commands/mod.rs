mod diff;
mod pack;
mod pipeline;
mod policy;
mod rescan;
mod resend;
mod review;
mod rules;
mod scan;
mod status;
mod sweep;

use anyhow::Context;
use validator_archive::ArchiveLimits;
use validator_policy::Policy;
use validator_python::PythonLimits;

use crate::cli::{Cli, Command, EngineArgs};

pub const EXIT_VALIDATED: u8 = 0;
pub const EXIT_BLOCKED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_ERROR: u8 = 3;

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Resend(args) => resend::run(args),
        Command::Rescan(args) => rescan::run(args),
        Command::Status(args) => status::run(args),
        Command::Review(args) => review::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Pack(args) => pack::run(args),
        Command::Rules(args) => rules::run(args),
    }
}

/// The exit code of a final status.
pub fn exit_code(status: validator_domain::ScanStatus) -> u8 {
    match status {
        validator_domain::ScanStatus::Validated => EXIT_VALIDATED,
        validator_domain::ScanStatus::Blocked => EXIT_BLOCKED,
        validator_domain::ScanStatus::Error | validator_domain::ScanStatus::Validating => {
            EXIT_ERROR
        }
    }
}

pub fn load_policy(path: Option<&std::path::Path>) -> anyhow::Result<Policy> {
    match path {
        Some(path) => Ok(Policy::load(path)?),
        None => Policy::from_toml(
            validator_policy::DEFAULT_POLICY_TOML,
            "shipped with the validator",
        )
        .context("the shipped default policy is invalid"),
    }
}

/// Defaults, then `PLUGIN_VALIDATOR_<LIMIT>` variables, then `--limit` flags.
/// Every named limit: the archive's and each Python file's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub archive: ArchiveLimits,
    pub python: PythonLimits,
}

impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.archive)?;
        for (name, value) in self.python.values() {
            writeln!(f, "{name} = {value}")?;
        }
        Ok(())
    }
}

/// The limits from the environment (`PLUGIN_VALIDATOR_<NAME>`), then `--limit NAME=VALUE`.
pub fn load_limits(flags: &[String]) -> anyhow::Result<Limits> {
    let mut limits = Limits {
        archive: ArchiveLimits::from_env()?,
        python: PythonLimits::from_env()?,
    };
    for flag in flags {
        match flag.split_once('=') {
            Some((name, value)) if PythonLimits::NAMES.contains(&name.trim()) => {
                limits.python.set(name.trim(), value)?;
            }
            _ => limits.archive.apply(flag)?,
        }
    }
    Ok(limits)
}

/// The registry with the dependencies check reading `--advisories` (loaded now: an unreadable
/// folder is a usage error, not a scan whose dependencies all read "not checked").
pub fn with_advisories(
    registry: validator_checks::CheckRegistry,
    args: &EngineArgs,
) -> anyhow::Result<validator_checks::CheckRegistry> {
    let registry = with_signatures(registry, args)?;
    let Some(path) = &args.advisories else {
        return Ok(registry);
    };
    let check = validator_dependencies::DependenciesCheck::with_advisories(path)?;
    Ok(registry.replacing(std::sync::Arc::new(check)))
}

/// The registry with the signatures check reading `--signatures` and `--bad-hashes`, compiled
/// now: a pack that does not compile is a usage error with YARA's message (file, line), before
/// any scan.
fn with_signatures(
    registry: validator_checks::CheckRegistry,
    args: &EngineArgs,
) -> anyhow::Result<validator_checks::CheckRegistry> {
    use validator_signatures::{FolderSource, HashListFile, PackSource, SignatureLimits};
    if args.signatures.is_none() && args.bad_hashes.is_none() {
        return Ok(registry);
    }
    let limits = SignatureLimits::from_env()?;
    let mut sources: Vec<std::sync::Arc<dyn PackSource>> = Vec::new();
    if let Some(dir) = &args.signatures {
        sources.push(std::sync::Arc::new(FolderSource::new(
            dir,
            limits.source_limits(),
        )));
    }
    if let Some(file) = &args.bad_hashes {
        sources.push(std::sync::Arc::new(HashListFile::new(
            file,
            limits.source_limits(),
        )));
    }
    let check = validator_signatures::SignaturesCheck::new(sources, limits);
    let compiled = check.current()?;
    tracing::info!(digest = %compiled.digest, "signature packs loaded");
    Ok(registry.replacing(std::sync::Arc::new(check)))
}

pub fn engine(args: &EngineArgs) -> anyhow::Result<(Policy, Limits)> {
    Ok((
        load_policy(args.policy.as_deref())?,
        load_limits(&args.limits)?,
    ))
}
