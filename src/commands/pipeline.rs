use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use validator_checks::CheckRegistry;
use validator_domain::Upload;
use validator_embedded::LocalBackends;
use validator_notify::EmailSettings;
use validator_pipeline::{Pipeline, PipelineConfig, SweepSettings};

use crate::cli::{EmailArgs, PipelineArgs, StuckArgs};

pub fn run(args: PipelineArgs) -> anyhow::Result<u8> {
    let (policy, limits) = super::engine(&args.engine)?;
    let zip = if args.zip.is_dir() {
        validator_archive::pack_folder(&args.zip, &limits.archive)
            .with_context(|| format!("cannot zip {}", args.zip.display()))?
    } else {
        // The size limit is enforced by the dispatcher (an oversized upload is blocked, as on the
        // server); only an unreadable path is a usage error here.
        std::fs::read(&args.zip).with_context(|| format!("cannot read {}", args.zip.display()))?
    };
    let file_name = args
        .zip
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("plugin")
        .trim_end_matches(".zip")
        .to_owned();
    // A fresh key per run, like a new upload on the website.
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let object_key = format!("uploads/{file_name}-{stamp}.zip");
    let (upload, _) =
        Upload::from_metadata(&object_key, &Default::default(), validator_domain::now());
    let upload = Upload {
        maintainers: args.maintainers.clone(),
        uploader: args.uploader.clone(),
        trusted: args.trusted,
        skip_rules: args.engine.skip.clone(),
        website_version_id: args.version_id.clone(),
        website_plugin_id: args.plugin_id.clone(),
        ..upload
    };
    let config = PipelineConfig {
        limits: limits.archive,
        python_limits: limits.python,
        policy,
        email: args.email.settings(),
        check_timeout: Duration::from_secs(args.check_timeout),
        sweep: args.stuck.settings(),
        ..PipelineConfig::default()
    };
    let (backends, pipeline, runtime) = open_local(
        &args.data.data_dir,
        &args.email.sender,
        config,
        super::with_advisories(CheckRegistry::builtin(), &args.engine)?,
    )?;
    let run = runtime.block_on(backends.run(
        &pipeline,
        &object_key,
        &zip,
        &upload.to_metadata(),
        args.max_attempts,
        |step| eprintln!("- {step}"),
    ))?;
    let scan = &run.scan;
    println!("status: {}", scan.status_label());
    println!("scan id: {}", scan.id);
    println!("plugin: {} {}", scan.display_name(), scan.display_version());
    for reason in &scan.reasons {
        println!("  - {reason}");
    }
    if let Some(report) = &run.report {
        println!("report: {}", report.display());
    }
    for email in &run.emails {
        println!("email: {}", email.display());
    }
    println!("events: {}", run.events.display());
    Ok(super::exit_code(scan.status))
}

impl EmailArgs {
    pub fn settings(&self) -> EmailSettings {
        EmailSettings {
            website_url: self.website_url.clone(),
            approvers: self.approvers.clone(),
            ..EmailSettings::default()
        }
    }
}

impl StuckArgs {
    pub fn settings(&self) -> SweepSettings {
        SweepSettings {
            stuck_after: Duration::from_secs(60 * self.stuck_after_minutes),
            max_scans: self.max_stuck_scans.max(1),
            ..SweepSettings::default()
        }
    }
}

/// The embedded backends in the data folder, the pipeline over them with the built-in checks,
/// and a runtime to drive it: what `pipeline` and `sweep` share.
pub fn open_local(
    data_dir: &Path,
    sender: &str,
    config: PipelineConfig,
    registry: CheckRegistry,
) -> anyhow::Result<(LocalBackends, Pipeline, tokio::runtime::Runtime)> {
    let backends = LocalBackends::open(data_dir, sender)
        .with_context(|| format!("cannot open the data folder {}", data_dir.display()))?;
    let pipeline = backends.pipeline(config, registry);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok((backends, pipeline, runtime))
}
