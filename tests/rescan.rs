//! `rescan`: published versions judged again when the checks, rules, packs or policy change.
//! A changed verdict moves the version's status both ways with one status event, one email to
//! its maintainers and one digest to the approvers; an unchanged one sends nothing; a dry run
//! changes nothing; a rescan made twice sends nothing twice.

mod common;

use std::sync::Arc;

use common::{registry, Env, ScriptedCheck, MAINTAINER};
use validator_checks::CheckRegistry;
use validator_domain::{ScanStatus, Standing};
use validator_notify::EmailSettings;
use validator_pipeline::{
    current_judgments, rescan_all, Judgment, Pipeline, PipelineConfig, RescanSettings,
    RescanSummary,
};

const APPROVER: &str = "approver@example.org";

/// One scripted check reporting `findings` (rule index of `common::TEST_RULES`; 0 blocks).
fn scripted(findings: Vec<usize>) -> CheckRegistry {
    registry(vec![Arc::new(ScriptedCheck {
        id: "scripted",
        findings: findings.into_iter().map(|rule| (rule, None)).collect(),
    })])
}

/// A pack digest stands for "the rules changed": it is part of the judgment's fingerprint.
fn config(pack: &str) -> PipelineConfig {
    PipelineConfig {
        email: EmailSettings {
            approvers: vec![APPROVER.to_owned()],
            ..EmailSettings::default()
        },
        pack_digests: vec![pack.to_owned()],
        ..PipelineConfig::default()
    }
}

async fn rescan(env: &Env, pipeline: &Pipeline, dry_run: bool) -> RescanSummary {
    let versions = current_judgments(env.backends.store.list().expect("scans"));
    let settings = RescanSettings {
        dry_run,
        judgment: Judgment::current(pipeline, None),
    };
    let summary = rescan_all(pipeline, &versions, &settings, |_, _, _| {}).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    summary
}

fn sent(env: &Env) -> (usize, usize, usize) {
    (
        env.emails("rescan_changed").len(),
        env.emails("rescan_digest").len(),
        env.events().len(),
    )
}

#[tokio::test]
async fn a_changed_rule_moves_the_status_both_ways_and_notifies_once() {
    let env = Env::new(scripted(vec![]), config("pack-a"));
    let first = env.run_demo(&[MAINTAINER], 1).await.scan;
    assert_eq!(first.status, ScanStatus::Validated);
    assert_eq!(env.events().len(), 1);

    // The rules change: the check now finds a blocking finding in the published version.
    let stricter = env.backends.pipeline(config("pack-b"), scripted(vec![0]));

    let dry = rescan(&env, &stricter, true).await;
    assert_eq!(dry.changes.len(), 1, "{dry:?}");
    assert_eq!(
        (dry.changes[0].from, dry.changes[0].to),
        (Standing::Validated, Standing::Blocked)
    );
    assert_eq!(
        env.backends.store.list().expect("scans").len(),
        1,
        "a dry run stores nothing"
    );
    assert_eq!(sent(&env), (0, 0, 1), "a dry run sends nothing");

    let real = rescan(&env, &stricter, false).await;
    assert_eq!(real.changes.len(), 1);
    let change = &real.changes[0];
    assert_eq!(change.previous_scan_id, first.id);
    assert_eq!(change.new_findings.len(), 1, "the finding that changed it");
    assert_eq!(change.new_findings[0].rule, "T-SKIPPABLE");
    assert!(real.digest_sent);
    assert_eq!(
        sent(&env),
        (1, 1, 2),
        "one email, one digest, one status event"
    );
    let event = env.events().pop().expect("event");
    assert_eq!(event["status"], "blocked");
    assert_eq!(event["rescan_of"], first.id.as_str());
    let digest = std::fs::read_to_string(&env.emails("rescan_digest")[0]).expect("digest");
    assert!(
        digest.contains(APPROVER) && digest.contains("newly blocked"),
        "{digest}"
    );
    let versions = current_judgments(env.backends.store.list().expect("scans"));
    assert_eq!(versions.len(), 1, "still one version");
    assert_eq!(versions[0].status, ScanStatus::Blocked);
    assert_eq!(versions[0].id, change.scan_id);

    // Made again under the same judgment: the result is reused and nothing goes out twice.
    let again = rescan(&env, &stricter, false).await;
    assert_eq!((again.reused, again.judged), (1, 0));
    assert!(!again.digest_sent);
    assert_eq!(sent(&env), (1, 1, 2));

    // The rule is retired: the version is validated again.
    let retired = env.backends.pipeline(config("pack-c"), scripted(vec![]));
    let back = rescan(&env, &retired, false).await;
    assert_eq!(back.changes.len(), 1);
    assert_eq!(
        (back.changes[0].from, back.changes[0].to),
        (Standing::Blocked, Standing::Validated)
    );
    assert_eq!(back.changes[0].gone_findings.len(), 1);
    assert_eq!(sent(&env), (2, 2, 3));
    assert_eq!(env.events().pop().expect("event")["status"], "validated");

    // Judged again with no difference: nothing is sent.
    let same = env.backends.pipeline(config("pack-d"), scripted(vec![]));
    let unchanged = rescan(&env, &same, false).await;
    assert_eq!((unchanged.unchanged, unchanged.changes.len()), (1, 0));
    assert_eq!(sent(&env), (2, 2, 3));
}

#[tokio::test]
async fn a_new_warning_that_does_not_block_changes_nothing() {
    let env = Env::new(scripted(vec![]), config("pack-a"));
    env.run_demo(&[MAINTAINER], 1).await;
    let warning = env.backends.pipeline(config("pack-b"), scripted(vec![2]));
    let summary = rescan(&env, &warning, false).await;
    assert_eq!((summary.unchanged, summary.changes.len()), (1, 0));
    assert_eq!(sent(&env), (0, 0, 1));
}

#[tokio::test]
async fn recorded_review_decisions_keep_applying() {
    let env = Env::new(scripted(vec![]), config("pack-a"));
    env.run_demo(&[MAINTAINER], 1).await;
    let stricter = env.backends.pipeline(config("pack-b"), scripted(vec![0]));
    let blocked = rescan(&env, &stricter, false).await;
    let rescan_scan = blocked.changes[0].scan_id.clone();
    let report: validator_domain::Report = serde_json::from_slice(
        &std::fs::read(
            env.backends
                .blobs
                .path_of(&validator_pipeline::keys::report(&rescan_scan))
                .expect("path"),
        )
        .expect("report"),
    )
    .expect("report JSON");
    let finding = report
        .blocking_findings()
        .next()
        .expect("a blocking finding");
    let decided = validator_pipeline::review(
        &stricter,
        &validator_pipeline::ReviewRequest {
            scan_id: rescan_scan.clone(),
            path: finding.path.clone(),
            fingerprint: finding.fingerprint.clone().expect("fingerprinted"),
            kind: validator_domain::DecisionKind::FalsePositive,
            reason: "reviewed: not reachable".to_owned(),
            by: APPROVER.to_owned(),
            role: validator_domain::DeciderRole::Approver,
            withdraw: false,
        },
    )
    .await
    .expect("review")
    .expect("accepted");
    assert!(
        format!("{decided:?}").contains("Revalidated"),
        "{decided:?}"
    );

    // The rules change again; the same finding is still there, and still decided.
    let again = env.backends.pipeline(config("pack-c"), scripted(vec![0]));
    let summary = rescan(&env, &again, false).await;
    assert_eq!(
        (summary.unchanged, summary.changes.len()),
        (1, 0),
        "{summary:?}"
    );
    let versions = current_judgments(env.backends.store.list().expect("scans"));
    assert_eq!(versions[0].status, ScanStatus::Validated);
}

#[test]
fn the_command_reports_on_stdout_progress_on_stderr_and_narrows_by_plugin() {
    let data = tempfile::tempdir().expect("tempdir");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (fixture, id) in [("sample_plugin", "sample"), ("broken_plugin", "broken")] {
        let out = common::plugin_validator()
            .arg("pipeline")
            .arg(fixtures.join(fixture))
            .args([
                "--maintainer",
                "dev@example.org",
                "--plugin-id",
                id,
                "--data-dir",
            ])
            .arg(data.path())
            .output()
            .expect("pipeline");
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    }
    let outbox = || {
        std::fs::read_dir(data.path().join("outbox"))
            .expect("outbox")
            .count()
    };
    let before = outbox();
    let rescan = |extra: &[&str]| {
        let out = common::plugin_validator()
            .arg("rescan")
            .args(extra)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .expect("rescan");
        (
            out.status.code().expect("exit code"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = rescan(&["--dry-run", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("JSON summary");
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["versions"], 2, "{summary}");
    assert_eq!(
        summary["changes"].as_array().map(Vec::len),
        Some(0),
        "{summary}"
    );
    assert!(err.contains("[2/2]"), "progress on stderr: {err}");

    let (code, out, err) = rescan(&["--plugin", "sample", "--checks", "file_permissions"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("versions: 1,"), "{out}");
    assert!(out.contains("unchanged: 1"), "{out}");
    assert_eq!(outbox(), before, "nothing changed, nothing sent");

    let (code, _, err) = rescan(&["--checks", "no_such_check"]);
    assert_eq!(code, 2, "{err}");
}

/// A blocking finding, counting its runs.
struct CountingCheck(std::sync::atomic::AtomicU32);

impl validator_domain::Check for CountingCheck {
    fn id(&self) -> &'static str {
        "scripted"
    }
    fn title(&self) -> &'static str {
        "Counting"
    }
    fn rules(&self) -> &'static [validator_domain::RuleInfo] {
        &common::TEST_RULES
    }
    fn run(
        &self,
        _ctx: &validator_domain::CheckContext<'_>,
    ) -> Result<Vec<validator_domain::Finding>, validator_domain::CheckError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(vec![validator_domain::Finding::new(
            "scripted",
            &common::TEST_RULES[0],
            "demo/plugin.py",
            "counted",
        )
        .at(3, 1)])
    }
}

#[tokio::test]
async fn the_same_bytes_under_another_key_reuse_the_results_by_content() {
    let env = Env::new(scripted(vec![]), config("pack-a"));
    let zip = validator_testkit::ZipBuilder::valid_plugin("demo").build();
    let metadata =
        std::collections::BTreeMap::from([(MAINTAINER.0.to_owned(), MAINTAINER.1.to_owned())]);
    for key in ["uploads/demo.zip", "uploads/demo-copy.zip"] {
        env.backends
            .run(&env.pipeline, key, &zip, &metadata, 1, |_| {})
            .await
            .expect("run");
    }
    let counting = Arc::new(CountingCheck(Default::default()));
    let stricter = env
        .backends
        .pipeline(config("pack-b"), registry(vec![counting.clone()]));
    let summary = rescan(&env, &stricter, false).await;
    assert_eq!(summary.changes.len(), 2, "{summary:?}");
    assert_eq!(
        counting.0.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the second version's results come from the first's, by content"
    );
    let email = std::fs::read_to_string(&env.emails("rescan_changed")[0]).expect("email");
    assert!(
        email.contains("BLOCKED") && email.contains("T-SKIPPABLE") && email.contains("remove it"),
        "what changed, why, and how to fix it: {email}"
    );
}

#[tokio::test]
async fn a_rescan_that_cannot_finish_leaves_the_version_as_it_was_and_says_nothing() {
    let env = Env::new(scripted(vec![]), config("pack-a"));
    let first = env.run_demo(&[MAINTAINER], 1).await.scan;
    let crashing = env.backends.pipeline(
        config("pack-b"),
        registry(vec![Arc::new(common::FlakyCheck {
            failures: u32::MAX,
            runs: Default::default(),
        })]),
    );
    let versions = current_judgments(env.backends.store.list().expect("scans"));
    let settings = RescanSettings {
        dry_run: false,
        judgment: Judgment::current(&crashing, None),
    };
    let summary = rescan_all(&crashing, &versions, &settings, |_, _, _| {}).await;
    assert!(summary.changes.is_empty(), "{summary:?}");
    assert_eq!(summary.skipped.len(), 1, "{summary:?}");
    assert!(summary.skipped[0].reason.contains("error"), "{summary:?}");
    assert_eq!(sent(&env), (0, 0, 1), "nothing sent");
    let versions = current_judgments(env.backends.store.list().expect("scans"));
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].id, first.id, "the version keeps its judgment");
    assert_eq!(versions[0].status, ScanStatus::Validated);
}
