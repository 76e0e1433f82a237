mod pack;
mod pipeline;
mod policy;
mod rules;
mod scan;
mod status;

use anyhow::Context;
use validator_archive::ArchiveLimits;
use validator_policy::Policy;

use crate::cli::{Cli, Command, EngineArgs};

pub const EXIT_VALIDATED: u8 = 0;
pub const EXIT_BLOCKED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_ERROR: u8 = 3;

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Status(args) => status::run(args),
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
pub fn load_limits(flags: &[String]) -> anyhow::Result<ArchiveLimits> {
    let mut limits = ArchiveLimits::from_env()?;
    for flag in flags {
        limits.apply(flag)?;
    }
    Ok(limits)
}

pub fn engine(args: &EngineArgs) -> anyhow::Result<(Policy, ArchiveLimits)> {
    Ok((
        load_policy(args.policy.as_deref())?,
        load_limits(&args.limits)?,
    ))
}
