//! `plugin-validator sweep`: a scan left in `validating` in the local data folder (the process
//! died before its checks reported) ends in `error`, as the sweep ends it on AWS.

mod common;

use std::process::Command;

use common::{plugin_validator, Env, MAINTAINER};

fn output(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("run plugin-validator");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test]
async fn sweep_ends_a_stuck_local_scan_in_error_once_it_is_old_enough() {
    let env = Env::builtin();
    // Dispatched, and none of its checks ever runs.
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let data = env.dir.path();
    let sweep = |minutes: &str| {
        output(
            plugin_validator()
                .args(["sweep", "--stuck-after-minutes", minutes, "--data-dir"])
                .arg(data),
        )
    };
    let status = || {
        output(
            plugin_validator()
                .args(["status", id.as_str(), "--data-dir"])
                .arg(data),
        )
    };
    // Younger than 30 minutes: left alone.
    let (code, out) = sweep("30");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stuck scans: 0"), "{out}");
    let (code, out) = status();
    assert_eq!(code, 3, "still validating: {out}");
    assert!(out.contains("validating"), "{out}");

    let (code, out) = sweep("0");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("ended in error: {id}")), "{out}");
    let (code, out) = status();
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error"), "{out}");
    assert!(out.contains("did not report"), "the reason is shown: {out}");
    assert_eq!(env.emails("results").len(), 1, "the maintainers hear of it");
}

/// `plugin-validator resend`: a results email whose sender died after claiming it is reported
/// missing by the sweep (never resent on its own), and sent once by `resend`.
#[tokio::test]
async fn sweep_reports_a_missing_email_and_resend_sends_it_once() {
    use validator_pipeline::{NotificationKind, ScanStore};
    let env = Env::builtin();
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    // A sender claimed the results email an hour ago and died.
    let an_hour_ago = validator_domain::now() - time::Duration::hours(1);
    env.backends
        .store
        .claim_notification(
            &id,
            NotificationKind::Results,
            an_hour_ago,
            std::time::Duration::from_secs(300),
            5,
        )
        .await
        .expect("claim");
    let data = env.dir.path();
    let (code, out) = output(
        plugin_validator()
            .args(["sweep", "--stuck-after-minutes", "0", "--data-dir"])
            .arg(data),
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("notification missing: {id} results")),
        "{out}"
    );
    assert!(env.emails("results").is_empty(), "never resent on its own");
    let (_, out) = output(
        plugin_validator()
            .args(["status", id.as_str(), "--data-dir"])
            .arg(data),
    );
    assert!(
        out.contains("missing:   results"),
        "the scan records it: {out}"
    );
    let resend = || {
        output(
            plugin_validator()
                .args(["resend", id.as_str(), "--data-dir"])
                .arg(data),
        )
    };
    let (code, out) = resend();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("resent: results"), "{out}");
    assert_eq!(env.emails("results").len(), 1);
    let (code, out) = resend();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing was missing"), "{out}");
    assert_eq!(env.emails("results").len(), 1, "once");
}
