//! The HTML report and the HTML emails in a real browser (headless Chromium from the
//! distribution's packages): each page renders to a screenshot that is not blank, with no console
//! message at all (the pages have no scripts, so any message is an error).
//!
//! Without a browser the test says so loudly and passes, unless REQUIRE_BROWSER is set (CI sets
//! it, after installing Debian's `chromium`); CHROMIUM names another binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use validator_checks::CheckRegistry;
use validator_domain::{Report, Upload};
use validator_embedded::LocalBackends;
use validator_notify::{approvers_email, confirmation_email, results_email, EmailSettings};
use validator_pipeline::PipelineConfig;
use validator_testkit::ZipBuilder;

fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// What the browser made of one page.
struct Rendered {
    png: Vec<u8>,
    console: Vec<String>,
}

fn render(browser: &Path, page: &Path, scratch: &Path) -> Rendered {
    let shot = page.with_extension("png");
    let log = page.with_extension("log");
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1000,1400",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        // A file, not a pipe: a full pipe would stall the browser while we wait for it.
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("the browser's log"))
        .spawn()
        .expect("start the browser");
    let status = finish_within(
        child,
        std::time::Duration::from_secs(BROWSER_TIMEOUT_SECS),
        page,
    );
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        status.success(),
        "the browser failed on {}: {stderr}",
        page.display()
    );
    Rendered {
        png: std::fs::read(&shot)
            .unwrap_or_else(|e| panic!("no screenshot of {}: {e}", page.display())),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// A page the browser has not rendered in this time fails the test instead of hanging CI.
const BROWSER_TIMEOUT_SECS: u64 = 90;

fn finish_within(
    mut child: std::process::Child,
    limit: std::time::Duration,
    page: &Path,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for the browser") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser did not render {} within {limit:?}",
                page.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The share of pixels that differ from the page's most common colour (its background).
fn ink(png: &[u8]) -> f64 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for p in &pixels {
        *counts.entry(p).or_default() += 1;
    }
    let background = counts.values().copied().max().unwrap_or(0);
    1.0 - background as f64 / pixels.len().max(1) as f64
}

fn assert_renders(browser: &Path, name: &str, html: &str, scratch: &Path) {
    let page = scratch.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let rendered = render(browser, &page, scratch);
    assert!(
        rendered.console.is_empty(),
        "{name}: console messages: {:?}",
        rendered.console
    );
    let ink = ink(&rendered.png);
    assert!(
        ink > 0.01,
        "{name}: the screenshot is blank ({:.4} of the pixels drawn)",
        ink
    );
}

/// Runs a plugin through the local pipeline: its stored report.html and its emails.
async fn pipeline_pages(name: &str, zip: Vec<u8>, trusted: bool) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let backends = LocalBackends::open(dir.path(), "validator@example.org").unwrap();
    let settings = EmailSettings {
        approvers: vec!["approver@example.org".to_owned()],
        ..EmailSettings::default()
    };
    let config = PipelineConfig {
        email: settings.clone(),
        ..PipelineConfig::default()
    };
    let pipeline = backends.pipeline(config, CheckRegistry::builtin());
    let key = format!("uploads/{name}.zip");
    let (upload, _) = Upload::from_metadata(&key, &Default::default(), validator_domain::now());
    let upload = Upload {
        maintainers: vec!["dev@example.org".to_owned()],
        uploader: Some("dev".to_owned()),
        trusted,
        ..upload
    };
    let run = backends
        .run(&pipeline, &key, &zip, &upload.to_metadata(), 1, |_| {})
        .await
        .expect("local run");
    let report_path = run.report.expect("a report");
    let report: Report = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let mut pages = vec![(
        format!("{name}-report"),
        std::fs::read_to_string(report_path.with_extension("html")).expect("report.html"),
    )];
    pages.push((
        format!("{name}-confirmation"),
        confirmation_email(&run.scan, &settings).unwrap().html,
    ));
    pages.push((
        format!("{name}-results"),
        results_email(&run.scan, &report, &settings).unwrap().html,
    ));
    if let Some(email) = approvers_email(&run.scan, &report, &settings).unwrap() {
        pages.push((format!("{name}-approvers"), email.html));
    }
    pages
}

#[tokio::test]
async fn reports_and_emails_render_in_a_browser_without_console_errors() {
    let Some(browser) = browser() else {
        let message = "NO BROWSER: the HTML report and email rendering test did not run \
                       (install Debian's chromium, or set CHROMIUM)";
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "{message}, and REQUIRE_BROWSER is set"
        );
        // Straight to the stream, past the test harness's capture: a skip must be seen.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "\n!!!!! {message} !!!!!\n");
        return;
    };
    let scratch = tempfile::tempdir().unwrap();

    // The check itself can fail: a blank page and a page that logs are caught.
    let blank = scratch.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    assert!(ink(&render(&browser, &blank, scratch.path()).png) < 0.001);
    let noisy = scratch.path().join("noisy.html");
    std::fs::write(
        &noisy,
        "<!DOCTYPE html><p>x</p><script>console.error('boom')</script>",
    )
    .unwrap();
    assert!(!render(&browser, &noisy, scratch.path()).console.is_empty());

    let hostile = ZipBuilder::valid_plugin("hostile")
        .file(
            "hostile/<img src=x onerror=alert(1)>.py",
            "import subprocess\n# </pre><script>console.error('x')</script>\n\
             subprocess.call(input(), shell=True)  # \u{202E} \n",
        )
        .build();
    let mut pages = pipeline_pages("blocked", hostile, false).await;
    pages
        .extend(pipeline_pages("validated", ZipBuilder::valid_plugin("tidy").build(), false).await);
    pages.extend(pipeline_pages("trusted", ZipBuilder::valid_plugin("tidy").build(), true).await);
    assert!(pages.iter().any(|(n, _)| n == "validated-approvers"));
    for (name, html) in &pages {
        assert_renders(&browser, name, html, scratch.path());
    }
}
