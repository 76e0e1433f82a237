use std::io::Write as _;

use validator_domain::VersionDiff;

use crate::cli::{DiffArgs, DiffFormat};

/// `diff OLD NEW`: checks both versions as `scan` does and prints what changed, the same diff the
/// aggregator stores (the old version counts as validated when nothing in it blocks).
/// Exit 0 when nothing would hold the new version for review, 1 when it would (new blocking
/// findings or a sleeper signal), 2 on usage or unreadable input.
pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let describe = super::scan::CheckOptions {
        describe: true,
        ..Default::default()
    };
    let Some(super::scan::CheckedPlugin { report: old, .. }) =
        super::scan::check_plugin(&args.old, &args.engine, &args.checks, args.rules, describe)?
    else {
        return Ok(super::EXIT_USAGE);
    };
    let describe = super::scan::CheckOptions {
        describe: true,
        ..Default::default()
    };
    let Some(super::scan::CheckedPlugin { report: new, .. }) =
        super::scan::check_plugin(&args.new, &args.engine, &args.checks, args.rules, describe)?
    else {
        return Ok(super::EXIT_USAGE);
    };
    let diff = VersionDiff::between(&old, None, &new);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        DiffFormat::Text => {
            let name = new.plugin.as_deref().unwrap_or("(unnamed plugin)");
            let version = new.version.as_deref().unwrap_or("(unknown version)");
            writeln!(out, "Plugin: {name} {version}")?;
            out.write_all(diff.to_text().as_bytes())?;
        }
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &diff)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    let attention =
        !diff.sleeper_reasons().is_empty() || diff.findings.new.iter().any(|f| f.blocking);
    Ok(if attention {
        super::EXIT_BLOCKED
    } else {
        super::EXIT_VALIDATED
    })
}
