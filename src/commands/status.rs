use anyhow::{bail, Context};
use validator_domain::ScanId;
use validator_embedded::SqliteScanStore;
use validator_pipeline::ScanStore;

use crate::cli::{Format, StatusArgs};

pub fn run(args: StatusArgs) -> anyhow::Result<u8> {
    let db = args.data.data_dir.join("scans.sqlite3");
    if !db.exists() {
        bail!(
            "no scans recorded in {} (run `plugin-validator pipeline` first, or pass --data-dir)",
            args.data.data_dir.display()
        );
    }
    let store = SqliteScanStore::open(&db).context("cannot open the scan store")?;
    let Some(id) = args.scan_id else {
        for scan in store.list()? {
            println!(
                "{}  {:<10}  {} {}",
                scan.id,
                scan.status,
                scan.display_name(),
                scan.display_version()
            );
        }
        return Ok(super::EXIT_VALIDATED);
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let Some(scan) = runtime.block_on(store.get_scan(&ScanId(id.clone())))? else {
        bail!("no scan {id} in {}", args.data.data_dir.display());
    };
    match args.format {
        Format::Html | Format::Cyclonedx => bail!(
            "status shows the scan record: the HTML report and the SBOM are report.html and \
             report.cdx.json beside its report.json"
        ),
        Format::Json | Format::Sarif => println!("{}", serde_json::to_string_pretty(&scan)?),
        Format::Text => {
            println!("scan id:   {}", scan.id);
            println!(
                "plugin:    {} {}",
                scan.display_name(),
                scan.display_version()
            );
            println!("status:    {}", scan.status_label());
            println!("upload:    {}", scan.upload.object_key);
            let done: Vec<_> = scan.completed_checks.iter().map(|c| c.as_str()).collect();
            let pending: Vec<_> = scan.pending_checks().iter().map(|c| c.as_str()).collect();
            println!("completed: {}", done.join(", "));
            if !pending.is_empty() {
                println!("pending:   {}", pending.join(", "));
            }
            if let Some(counts) = scan.counts {
                println!(
                    "findings:  {} blocking, {} critical, {} warning, {} info, {} suppressed",
                    counts.blocking,
                    counts.critical,
                    counts.warning,
                    counts.info,
                    counts.suppressed
                );
            }
            for reason in &scan.reasons {
                println!("  - {reason}");
            }
            for skip in &scan.skips {
                println!("skip {}: {}", skip.rule, skip.explanation());
            }
            for (kind, why) in scan.notifications.missing() {
                println!("missing:   {kind} ({why}); see `plugin-validator resend`");
            }
            if let Some(key) = &scan.report_key {
                println!(
                    "report:    {}",
                    args.data.data_dir.join("blobs").join(key).display()
                );
            }
        }
    }
    Ok(super::exit_code(scan.status))
}
