//! Shared set-up for the pipeline tests: embedded backends in a temporary folder, and checks
//! that misbehave on purpose.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use validator_checks::CheckRegistry;
use validator_domain::{
    Check, CheckContext, CheckError, Finding, Level, RuleInfo, Scan, ScanId, Severity, Suppression,
};
use validator_embedded::{LocalBackends, LocalRun};
use validator_pipeline::{dispatch, DispatchOutcome, Pipeline, PipelineConfig, ScanStore};
use validator_testkit::ZipBuilder;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub backends: LocalBackends,
    pub pipeline: Pipeline,
}

impl Env {
    pub fn new(registry: CheckRegistry, config: PipelineConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let backends = LocalBackends::open(dir.path(), "validator@example.org").expect("backends");
        let pipeline = backends.pipeline(config, registry);
        Self {
            dir,
            backends,
            pipeline,
        }
    }

    pub fn builtin() -> Self {
        Self::new(CheckRegistry::builtin(), PipelineConfig::default())
    }

    /// Puts a zip under `uploads/` with the website's metadata.
    pub fn upload(&self, name: &str, zip: &[u8], metadata: &[(&str, &str)]) -> String {
        self.upload_version(name, zip, metadata).0
    }

    /// [`Self::upload`], also returning the version the store gave this write.
    pub fn upload_version(
        &self,
        name: &str,
        zip: &[u8],
        metadata: &[(&str, &str)],
    ) -> (String, String) {
        let key = format!("uploads/{name}.zip");
        let metadata: BTreeMap<String, String> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let version = self
            .backends
            .blobs
            .put_with_metadata(&key, zip, &metadata)
            .expect("upload");
        (key, version)
    }

    /// Uploads the valid `demo` plugin and dispatches it; the checks stay queued.
    pub async fn dispatch_demo(&self, metadata: &[(&str, &str)]) -> ScanId {
        let key = self.upload("demo", &ZipBuilder::valid_plugin("demo").build(), metadata);
        match dispatch(&self.pipeline, &key).await.expect("dispatch") {
            DispatchOutcome::Dispatched { scan_id, .. } => scan_id,
            other => panic!("not dispatched: {other:?}"),
        }
    }

    /// The stored scan.
    pub async fn scan(&self, id: &ScanId) -> Scan {
        self.backends
            .store
            .get_scan(id)
            .await
            .expect("store")
            .expect("scan exists")
    }

    /// Runs the valid `demo` plugin through the local driver.
    pub async fn run_demo(&self, metadata: &[(&str, &str)], max_attempts: u32) -> LocalRun {
        let metadata: BTreeMap<String, String> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.backends
            .run(
                &self.pipeline,
                "uploads/demo.zip",
                &ZipBuilder::valid_plugin("demo").build(),
                &metadata,
                max_attempts,
                |_| {},
            )
            .await
            .expect("local run")
    }

    /// The `.eml` files in the outbox of one kind (`confirmation`, `results`, `approvers_review`).
    pub fn emails(&self, kind: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("outbox"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.ends_with(&format!("-{kind}.eml")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }

    pub fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("event json"))
            .collect()
    }
}

pub const MAINTAINER: (&str, &str) = ("maintainers", "dev@example.org");

/// Rules of the test checks: one of each kind the policy distinguishes.
pub static TEST_RULES: [RuleInfo; 3] = [
    RuleInfo {
        id: "T-SKIPPABLE",
        title: "critical but skippable",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: false,
        remediation: "remove it",
    },
    RuleInfo {
        id: "T-MANDATORY",
        title: "critical and mandatory",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation: "remove it",
    },
    RuleInfo {
        id: "T-WARNING",
        title: "a warning",
        severity: Severity::Low,
        level: Level::Warning,
        mandatory: false,
        remediation: "consider it",
    },
];

/// A check that reports a fixed list of findings.
pub struct ScriptedCheck {
    pub id: &'static str,
    pub findings: Vec<(usize, Option<Suppression>)>,
}

impl Check for ScriptedCheck {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        "Scripted"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &TEST_RULES
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(self
            .findings
            .iter()
            .map(|(rule, suppressed)| {
                let mut f = Finding::new(self.id, &TEST_RULES[*rule], "demo/plugin.py", "scripted")
                    .at(3, 1);
                f.suppressed = suppressed.clone();
                f
            })
            .collect())
    }
}

/// A check that panics on its first `failures` runs.
pub struct FlakyCheck {
    pub failures: u32,
    pub runs: AtomicU32,
}

impl Check for FlakyCheck {
    fn id(&self) -> &'static str {
        "flaky"
    }
    fn title(&self) -> &'static str {
        "Flaky"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        if run < self.failures {
            panic!("flaky check crashed on run {run}");
        }
        Ok(Vec::new())
    }
}

/// A check that takes too long.
pub struct SlowCheck(pub Duration);

impl Check for SlowCheck {
    fn id(&self) -> &'static str {
        "slow"
    }
    fn title(&self) -> &'static str {
        "Slow"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        std::thread::sleep(self.0);
        Ok(Vec::new())
    }
}

pub fn registry(checks: Vec<Arc<dyn Check>>) -> CheckRegistry {
    CheckRegistry::with(checks)
}

/// The `plugin-validator` binary, without the operator's environment (policy, data folder,
/// logging) that would change what it does.
pub fn plugin_validator() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    for var in [
        "PLUGIN_VALIDATOR_POLICY",
        "PLUGIN_VALIDATOR_DATA_DIR",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}
