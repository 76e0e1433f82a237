//! The signatures check through its public interface: packs from a folder, nested archives,
//! known-bad hashes, meta actions under the policy, disabled rules, the compile cache and a
//! broken pack failing the check. Every fixture string is benign text written to match.

use std::sync::Arc;

use validator_domain::{run_on_zip, Check, CheckError, CheckOutput, Finding};
use validator_policy::{Policy, RuleSet};
use validator_signatures::{
    FolderSource, HashListFile, PackSource, SignatureLimits, SignaturesCheck, KNOWN_BAD_HASH,
    NOT_SCANNED,
};
use validator_testkit::ZipBuilder;

const CAMPAIGN: &str = r#"
rule marker_block
{
    meta:
        description = "the test campaign's marker"
        action = "block"
        reference = "https://example.org/advisory/1"
    strings:
        $m = "TEST-CAMPAIGN-MARKER-7f3a"
    condition:
        $m
}

rule marker_report
{
    meta:
        action = "report"
    strings:
        $m = "TEST-REPORT-ONLY-91c2"
    condition:
        $m
}

rule marker_default
{
    strings:
        $m = "TEST-DEFAULT-ACTION-55d0"
    condition:
        $m
}
"#;

fn run(check: &SignaturesCheck, zip: Vec<u8>) -> Result<CheckOutput, CheckError> {
    run_on_zip(check, zip)
}

fn rated(check: &SignaturesCheck, zip: Vec<u8>, policy: &Policy) -> Vec<Finding> {
    let output = run(check, zip).expect("check runs");
    policy.evaluate(check, output.findings, RuleSet::Policy, &[])
}

fn folder_check(dir: &std::path::Path) -> SignaturesCheck {
    let limits = SignatureLimits::default();
    SignaturesCheck::new(
        vec![Arc::new(FolderSource::new(dir, limits.source_limits()))],
        limits,
    )
}

fn inner_zip(name: &str, text: &str) -> Vec<u8> {
    ZipBuilder::new().file(name, text).build()
}

#[test]
fn an_operators_rule_matches_in_files_and_nested_archives_with_offsets_and_meta_action() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("campaign.yar"), CAMPAIGN).expect("pack");
    let check = folder_check(dir.path());
    let nested = inner_zip(
        "inner/loader.py",
        "x = 1\nm = 'TEST-CAMPAIGN-MARKER-7f3a'\n",
    );
    let deeper = ZipBuilder::new()
        .bytes("vendor/lib.whl", &nested, 0o644)
        .build();
    let zip = ZipBuilder::valid_plugin("plugin")
        .file("plugin/a.py", "import os\n\n# TEST-CAMPAIGN-MARKER-7f3a\n")
        .file(
            "plugin/b.txt",
            "TEST-REPORT-ONLY-91c2 and TEST-DEFAULT-ACTION-55d0",
        )
        .bytes("plugin/data/bundle.zip", &deeper, 0o644)
        .build();
    let findings = rated(&check, zip, &Policy::default());
    let keys: Vec<(&str, &str, Option<u32>, bool, bool)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.path.as_str(),
                f.line,
                f.blocking,
                f.review,
            )
        })
        .collect();
    assert!(
        keys.contains(&(
            "SIG:campaign/marker_block",
            "plugin/a.py",
            Some(3),
            true,
            false
        )),
        "{keys:?}"
    );
    assert!(keys.contains(&(
        "SIG:campaign/marker_block",
        "plugin/data/bundle.zip!vendor/lib.whl!inner/loader.py",
        Some(2),
        true,
        false
    )));
    assert!(keys.contains(&(
        "SIG:campaign/marker_report",
        "plugin/b.txt",
        Some(1),
        false,
        false
    )));
    // No action in the meta: an operator's rule holds the version for review.
    assert!(keys.contains(&(
        "SIG:campaign/marker_default",
        "plugin/b.txt",
        Some(1),
        false,
        true
    )));
    let a = findings
        .iter()
        .find(|f| f.path == "plugin/a.py")
        .expect("the finding in a.py");
    assert!(
        a.message
            .contains("$m at offset 13 (25 bytes): `TEST-CAMPAIGN-MARKER-7f3a`"),
        "{}",
        a.message
    );
    assert!(a.remediation.contains("https://example.org/advisory/1"));
}

#[test]
fn the_policy_overrides_a_rule_or_a_whole_pack_and_disabled_txt_switches_a_rule_off() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("campaign.yar"), CAMPAIGN).expect("pack");
    let check = folder_check(dir.path());
    let zip = || {
        ZipBuilder::valid_plugin("plugin")
            .file(
                "plugin/a.py",
                "TEST-CAMPAIGN-MARKER-7f3a TEST-DEFAULT-ACTION-55d0\n",
            )
            .build()
    };
    let policy = Policy::from_toml(
        r#"
[rules."SIG:campaign/marker_block"]
check = "signatures"
level = "warning"
action = "report"

[rules."SIG:campaign/*"]
check = "signatures"
level = "critical"
enabled = false
"#,
        "test",
    )
    .expect("policy");
    let findings = rated(&check, zip(), &policy);
    // The rule's own entry wins over the pack's; the pack's switches the other rule off.
    let rules: Vec<(&str, bool)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.blocking))
        .collect();
    assert_eq!(rules, vec![("SIG:campaign/marker_block", false)]);

    std::fs::write(
        dir.path().join("disabled.txt"),
        "SIG:campaign/marker_block  # noisy\n",
    )
    .expect("disabled");
    let findings = rated(&check, zip(), &Policy::default());
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, vec!["SIG:campaign/marker_default"]);
}

#[test]
fn a_known_bad_hash_of_a_file_or_of_the_whole_zip_blocks_naming_its_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let payload = b"print('a file someone reported')\n";
    let zip = ZipBuilder::valid_plugin("plugin")
        .bytes("plugin/payload.py", payload, 0o644)
        .build();
    let file_hash = validator_signatures::packs::sha256_hex(payload);
    let zip_hash = validator_signatures::packs::sha256_hex(&zip);
    let list = dir.path().join("campaign-2026-12.sha256");
    std::fs::write(
        &list,
        format!("# reported today\n{file_hash}  payload.py\n{zip_hash}\n"),
    )
    .expect("list");
    let limits = SignatureLimits::default();
    let check = SignaturesCheck::new(
        vec![Arc::new(HashListFile::new(&list, limits.source_limits())) as Arc<dyn PackSource>],
        limits,
    );
    let findings = rated(&check, zip, &Policy::default());
    let hits: Vec<(&str, &str, bool)> = findings
        .iter()
        .filter(|f| f.rule == KNOWN_BAD_HASH.id)
        .map(|f| (f.path.as_str(), f.message.as_str(), f.blocking))
        .collect();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits
        .iter()
        .all(|(_, m, blocking)| *blocking && m.contains("`campaign-2026-12`")));
    assert!(hits.iter().any(|(p, _, _)| *p == "plugin/payload.py"));

    std::fs::write(&list, "not-a-hash\n").expect("list");
    let err =
        run(&check, ZipBuilder::valid_plugin("plugin").build()).expect_err("a broken list fails");
    assert!(
        err.to_string()
            .contains(":1: `not-a-hash` is not a SHA-256"),
        "{err}"
    );
}

#[test]
fn packs_compile_once_per_digest_and_a_broken_pack_fails_the_check_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("campaign.yar"), CAMPAIGN).expect("pack");
    let check = folder_check(dir.path());
    let zip = || ZipBuilder::valid_plugin("plugin").build();
    run(&check, zip()).expect("runs");
    run(&check, zip()).expect("runs");
    assert_eq!(
        check.compilations(),
        1,
        "unchanged packs are not compiled again"
    );

    std::fs::create_dir(dir.path().join("acme")).expect("dir");
    std::fs::write(
        dir.path().join("acme/broken.yar"),
        "rule ok { condition: true }\n\nrule broken {\n  strings:\n    $a = \"x\"\n  condition:\n    $b\n}\n",
    )
    .expect("broken pack");
    let err = run(&check, zip()).expect_err("a broken pack fails the check");
    let message = err.to_string();
    assert!(message.contains("`acme`"), "{message}");
    assert!(message.contains("acme/broken.yar:7:5"), "{message}");
    assert!(message.contains("unknown pattern `$b`"), "{message}");

    std::fs::remove_file(dir.path().join("acme/broken.yar")).expect("fixed");
    run(&check, zip()).expect("runs again once fixed");
    // The fixed set has the digest of the first one, still cached: not compiled again.
    assert_eq!(check.compilations(), 1);
}

#[test]
fn nested_archives_past_the_depth_limit_are_reported_not_scanned() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("campaign.yar"), CAMPAIGN).expect("pack");
    let limits = SignatureLimits {
        max_nested_depth: 1,
        ..SignatureLimits::default()
    };
    let check = SignaturesCheck::new(
        vec![Arc::new(FolderSource::new(
            dir.path(),
            limits.source_limits(),
        ))],
        limits,
    );
    let level2 = inner_zip("deep.py", "TEST-CAMPAIGN-MARKER-7f3a");
    let level1 = ZipBuilder::new().bytes("two.zip", &level2, 0o644).build();
    let zip = ZipBuilder::valid_plugin("plugin")
        .bytes("plugin/one.zip", &level1, 0o644)
        .build();
    let findings = rated(&check, zip, &Policy::default());
    let keys: Vec<(&str, &str, bool)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str(), f.review))
        .collect();
    assert_eq!(keys, vec![(NOT_SCANNED.id, "plugin/one.zip!two.zip", true)]);
}

#[test]
fn the_shipped_packs_compile_and_list_every_rule_file() {
    let check = SignaturesCheck::builtin();
    let compiled = check.current().expect("the shipped packs compile");
    assert!(
        compiled.rules_meta.len() > 30,
        "{}",
        compiled.rules_meta.len()
    );
    // builtin.rs lists every .yar file of packs/.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packs");
    let mut on_disk = Vec::new();
    for pack in std::fs::read_dir(&root).expect("packs") {
        let pack = pack.expect("entry").path();
        if !pack.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&pack).expect("pack") {
            let file = file.expect("entry").path();
            if file.extension().is_some_and(|e| e == "yar") {
                on_disk.push(file);
            }
        }
    }
    let described: usize = compiled
        .sources
        .iter()
        .filter(|s| s.kind == "rules")
        .count();
    assert_eq!(described, 2, "the guarddog and qgis packs");
    assert_eq!(
        check
            .rules()
            .iter()
            .filter(|r| r.id.starts_with("SIG:guarddog/") || r.id.starts_with("SIG:qgis/"))
            .count(),
        compiled.rules_meta.len()
    );
    let listed = validator_signatures::packs::BuiltinPacks
        .files()
        .expect("files")
        .len();
    assert_eq!(
        listed,
        on_disk.len(),
        "src/builtin.rs lists every packs/*/*.yar file"
    );
}

#[test]
fn the_shipped_guarddog_rules_report_and_the_qgis_rules_hold_for_review() {
    let check = SignaturesCheck::builtin();
    let zip = ZipBuilder::valid_plugin("plugin")
        .file(
            "plugin/steal.py",
            "import sqlite3, os\npath = os.path.join(base, 'qgis-auth.db')\ncon = sqlite3.connect(path)\n",
        )
        .file(
            "plugin/run.py",
            "import base64\ncode = base64.b64decode(blob)\n exec(code)\n",
        )
        .build();
    let findings = rated(&check, zip, &Policy::default());
    let keys: Vec<(&str, &str, bool, bool)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str(), f.blocking, f.review))
        .collect();
    assert!(
        keys.contains(&(
            "SIG:qgis/qgis_auth_db_access",
            "plugin/steal.py",
            false,
            true
        )),
        "{keys:?}"
    );
    assert!(keys.contains(&(
        "SIG:guarddog/threat_runtime_obfuscation_base64exec",
        "plugin/run.py",
        false,
        false
    )));
}
