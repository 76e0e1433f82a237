use std::io::Write as _;

use validator_checks::{CheckRegistry, OpenedPlugin, Scanner};
use validator_domain::{CheckResult, FileEntry, Report, ScanId, Verdict};
use validator_html_report::CodeContexts;
use validator_policy::RuleSet;

use crate::cli::{EngineArgs, Format, Rules, ScanArgs};

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let options = CheckOptions {
        staged: args.staged,
        // The SBOM lists every file with its hash.
        describe: matches!(args.format, Format::Cyclonedx),
        code_contexts: matches!(args.format, Format::Html),
    };
    let Some(checked) = check_plugin(&args.path, &args.engine, &args.checks, args.rules, options)?
    else {
        return Ok(super::EXIT_USAGE);
    };
    let CheckedPlugin {
        report,
        registry,
        contexts,
    } = checked;
    // Stream the output instead of building one big string. A large buffer: a report is
    // often a megabyte of JSON, and 8 KiB writes cost a system call each.
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    match args.format {
        Format::Text => out.write_all(report.to_text().as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            out.write_all(b"\n")?;
        }
        Format::Html => {
            let html = validator_html_report::render(
                &report,
                &contexts,
                &validator_html_report::HtmlLimits::default(),
            )?;
            out.write_all(html.as_bytes())?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &crate::sarif::to_sarif(&report, &registry))?;
            out.write_all(b"\n")?;
        }
        Format::Cyclonedx => {
            // The zip's digest when a zip was given (a folder has no zip of its own).
            let digest = (!args.staged && args.path.is_file())
                .then(|| std::fs::read(&args.path))
                .transpose()?
                .map(|bytes| {
                    validator_domain::ContentDigest::of(&bytes)
                        .as_str()
                        .to_owned()
                });
            out.write_all(&validator_sbom::json_of(&report, digest.as_deref())?)?;
        }
    }
    out.flush()?;
    Ok(super::exit_code(report.status))
}

/// How [`check_plugin`] reads and describes its input.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Check what git has staged in the folder (`--staged`), not the files on disk.
    pub staged: bool,
    /// Record the file list and `metadata.txt` in the report (what a diff needs).
    pub describe: bool,
    /// Read the code around blocking findings for the HTML report.
    pub code_contexts: bool,
}

/// A checked plugin: its report, the checks that ran and, when asked, the code around its
/// blocking findings.
pub struct CheckedPlugin {
    pub report: Report,
    pub registry: CheckRegistry,
    pub contexts: CodeContexts,
}

/// Runs the checks on a zip or folder and builds its report. `None` when the input cannot be
/// opened (the message is on stderr).
pub fn check_plugin(
    path: &std::path::Path,
    engine: &EngineArgs,
    checks: &[String],
    rules: Rules,
    options: CheckOptions,
) -> anyhow::Result<Option<CheckedPlugin>> {
    let (policy, limits) = super::engine(engine)?;
    let mut registry = CheckRegistry::builtin().enabled(&policy);
    if !checks.is_empty() {
        registry = CheckRegistry::builtin().select(checks)?;
    }
    let registry = super::with_advisories(registry, engine)?;
    let rule_set = match rules {
        Rules::Policy => RuleSet::Policy,
        Rules::All => RuleSet::All,
    };
    let scanner =
        Scanner::new(registry, policy, limits.archive, limits.python).with_rule_set(rule_set);
    let opened = if options.staged {
        staged_zip(path).and_then(|zip| scanner.open(zip).map_err(anyhow::Error::from))
    } else {
        scanner.open_path(path).map_err(anyhow::Error::from)
    };
    let plugin = match opened {
        Ok(plugin) => plugin,
        Err(e) => {
            eprintln!("error: cannot check {}: {e:#}", path.display());
            return Ok(None);
        }
    };
    let (registry, policy) = (scanner.registry(), scanner.policy());
    let skips = policy.resolve_skips(&engine.skip, &registry.as_slice());
    let scan_id = ScanId("local".to_owned());
    let mut results: Vec<CheckResult> = scanner
        .run(&plugin, &skips)
        .into_iter()
        .map(|outcome| outcome.into_result(scan_id.clone(), 1))
        .collect();
    validator_checks::apply_verdict_time_rules(&mut results, policy);
    let verdict = Verdict::decide(&registry.ids(), &[], &results, false);
    let OpenedPlugin { archive, package } = plugin;
    let mut report = Report::build(
        &path.display().to_string(),
        package.plugin_name(),
        package.plugin_version(),
        &verdict,
        &[],
        results,
        &skips,
        &package.plugin_config_files,
    )
    .with_provenance(validator_checks::provenance(policy));
    if options.describe {
        report.describe_package(FileEntry::manifest(&archive), &package);
    }
    // The HTML report shows the code around blocking findings: read it while the zip is open.
    let contexts = if options.code_contexts {
        CodeContexts::from_archive(
            &archive,
            &report,
            &validator_html_report::HtmlLimits::default(),
        )
    } else {
        CodeContexts::none()
    };
    // The findings moved into the report: free the zip before writing (a plugin can have
    // 100,000 style findings; memory is the Lambda's budget).
    drop(archive);
    let registry = registry.clone();
    Ok(Some(CheckedPlugin {
        report,
        registry,
        contexts,
    }))
}

/// The files of `folder` staged in git's index, zipped by `git archive` under the folder's name,
/// as a developer's release zip built from the repository would hold them.
fn staged_zip(folder: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::{bail, Context};
    let git_in = |dir: &std::path::Path, args: &[&str]| -> anyhow::Result<Vec<u8>> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .context("--staged runs git, which could not be started")?;
        if !output.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(output.stdout)
    };
    let git = |args: &[&str]| git_in(folder, args);
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).trim().to_owned();
    let top = folder
        .canonicalize()
        .with_context(|| format!("cannot read {}", folder.display()))?
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .context("the folder has no usable name")?;
    // The index as a tree (objects only: the work tree, the index and HEAD are untouched).
    let tree = text(git(&["write-tree"])?);
    let prefix = text(git(&["rev-parse", "--show-prefix"])?);
    let tree_ish = match prefix.trim_end_matches('/') {
        "" => tree,
        sub => format!("{tree}:{sub}"),
    };
    // From the top of the work tree: in a subfolder, git archive would look below it again.
    let toplevel = text(git(&["rev-parse", "--show-toplevel"])?);
    git_in(
        std::path::Path::new(&toplevel),
        &[
            "archive",
            "--format=zip",
            &format!("--prefix={top}/"),
            &tree_ish,
        ],
    )
}
