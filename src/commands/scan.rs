use std::io::Write as _;

use validator_archive::PluginArchive;
use validator_checks::CheckRegistry;
use validator_domain::{CheckId, CheckResult, FileEntry, PackageInfo, Report, ScanId, Verdict};
use validator_policy::RuleSet;

use crate::cli::{EngineArgs, Format, Rules, ScanArgs};

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let Some((report, registry)) =
        check_plugin(&args.path, &args.engine, &args.checks, args.rules, false)?
    else {
        return Ok(super::EXIT_USAGE);
    };
    // Stream the output instead of building one big string.
    // A large buffer: a report is often a megabyte of JSON, and 8 KiB writes cost a system
    // call each.
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    match args.format {
        Format::Text => out.write_all(report.to_text().as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            out.write_all(b"\n")?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &crate::sarif::to_sarif(&report, &registry))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(super::exit_code(report.status))
}

/// Runs the checks on a zip or folder and builds its report (with the file list and
/// `metadata.txt` when `describe`, for a diff). `None` when the input cannot be opened (the
/// message is on stderr).
pub fn check_plugin(
    path: &std::path::Path,
    engine: &EngineArgs,
    checks: &[String],
    rules: Rules,
    describe: bool,
) -> anyhow::Result<Option<(Report, CheckRegistry)>> {
    let (policy, limits) = super::engine(engine)?;
    let mut registry = CheckRegistry::builtin().enabled(&policy);
    if !checks.is_empty() {
        registry = CheckRegistry::builtin().select(checks)?;
    }
    let rule_set = match rules {
        Rules::Policy => RuleSet::Policy,
        Rules::All => RuleSet::All,
    };
    let archive = match PluginArchive::from_path(path, &limits.archive) {
        Ok(archive) => archive,
        Err(e) => {
            eprintln!("error: cannot check {}: {e}", path.display());
            return Ok(None);
        }
    };
    let package = PackageInfo::inspect(&archive);
    let skips = policy.resolve_skips(&engine.skip, &registry.as_slice());
    let scan_id = ScanId("local".to_owned());
    // Checks are independent: run them side by side, each on the shared archive, sharing the
    // work they have in common (one inflate and one parse per Python file).
    let cache = validator_domain::ScanCache::new();
    let python_readers = registry.iter().filter(|c| c.reads_python_files()).count();
    validator_python::PythonSources::install(&cache, limits.python, python_readers);
    let results: Vec<CheckResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = registry
            .iter()
            .map(|check| {
                let (archive, package, policy, skips, cache) =
                    (&archive, &package, &policy, &skips, &cache);
                scope.spawn(move || {
                    (
                        check.id(),
                        validator_checks::execute_with_cache(
                            check, archive, package, policy, rule_set, skips, cache,
                        ),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .map(|(id, run)| {
                let duration_ms = run
                    .as_ref()
                    .map_or(0, |run| run.duration.as_millis() as u64);
                CheckResult::new(
                    scan_id.clone(),
                    CheckId::new(id),
                    run.map(|run| run.findings).map_err(|e| e.to_string()),
                    1,
                    duration_ms,
                )
            })
            .collect()
    });
    let verdict = Verdict::decide(&registry.ids(), &[], &results, false);
    let mut report = Report::build(
        &path.display().to_string(),
        package.plugin_name(),
        package.plugin_version(),
        &verdict,
        &[],
        results,
        &skips,
        &package.plugin_config_files,
    );
    if describe {
        report.describe_package(FileEntry::manifest(&archive), &package);
    }
    // The findings moved into the report: free the parsed sources and the zip before writing
    // (a plugin can have 100,000 style findings; memory is the Lambda's budget).
    drop(cache);
    drop(archive);
    Ok(Some((report, registry)))
}
