//! The stages of the validator as plain async functions over small ports: dispatch, run_check,
//! aggregate, the sweep of stuck scans and the review path. The Lambdas, the local pipeline and
//! the tests all call these same functions.

mod aggregate;
mod config;
mod dispatch;
mod notification;
mod ports;
mod reconsider;
mod rescan;
mod resend;
mod review;
mod run_check;
mod sweep;

use std::sync::Arc;

pub use aggregate::{aggregate, AggregateOutcome};
pub use config::{PipelineConfig, DEFAULT_NOTIFICATION_ATTEMPTS};
pub use dispatch::{dispatch, dispatch_version, DispatchOutcome};
pub use ports::{
    Blob, BlobStore, CheckQueue, CheckRequest, Claim, EventPublisher, Mailer, NotificationKind,
    PortError, ScanStore, StatusEvent,
};
pub use reconsider::{reconsider, ReconsiderOutcome};
pub use rescan::{
    current_judgment, current_judgments, rescan_all, rescan_object, rescan_version, send_digest,
    verdict_change, Judgment, RescanOutcome, RescanSelection, RescanSettings, RescanSummary,
    SkippedVersion,
};
pub use resend::{acknowledge, resend, ResendOutcome};
pub use review::{review, ReviewOutcome, ReviewRefused, ReviewRequest};
pub use run_check::{run_check, Attempt, RunCheckOutcome};
pub use sweep::{sweep, SweepReport, SweepSettings};
use validator_checks::CheckRegistry;
use validator_domain::ScanId;

/// What dispatch records of a version for its report (and a later version's diff): every file
/// with its size and digest, and the `[general]` section of `metadata.txt`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub files: Vec<validator_domain::FileEntry>,
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// Everything a stage needs: configuration, the registered checks and the five ports. Cheap to
/// clone: everything is shared.
#[derive(Clone)]
pub struct Pipeline {
    pub config: Arc<PipelineConfig>,
    pub registry: CheckRegistry,
    pub blobs: Arc<dyn BlobStore>,
    pub queue: Arc<dyn CheckQueue>,
    pub store: Arc<dyn ScanStore>,
    pub mailer: Arc<dyn Mailer>,
    pub events: Arc<dyn EventPublisher>,
}

/// The five ports a set of backends provides (embedded, AWS, or wrapped by the fault injector).
#[derive(Clone)]
pub struct Ports {
    pub blobs: Arc<dyn BlobStore>,
    pub queue: Arc<dyn CheckQueue>,
    pub store: Arc<dyn ScanStore>,
    pub mailer: Arc<dyn Mailer>,
    pub events: Arc<dyn EventPublisher>,
}

impl Pipeline {
    /// The one place a pipeline is assembled from its configuration, checks and ports.
    pub fn new(
        config: impl Into<Arc<PipelineConfig>>,
        registry: CheckRegistry,
        ports: Ports,
    ) -> Self {
        let Ports {
            blobs,
            queue,
            store,
            mailer,
            events,
        } = ports;
        Self {
            config: config.into(),
            registry,
            blobs,
            queue,
            store,
            mailer,
            events,
        }
    }

    /// The ports this pipeline runs over (to wrap them, or to assemble another pipeline).
    pub fn ports(&self) -> Ports {
        Ports {
            blobs: self.blobs.clone(),
            queue: self.queue.clone(),
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            events: self.events.clone(),
        }
    }
}

/// Why a stage could not complete. The caller retries (Lambda redelivery, the local driver's
/// loop); nothing is lost because every stage is idempotent.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error("scan {0} does not exist")]
    ScanNotFound(ScanId),
    #[error(
        "the {check} check failed on attempt {attempt} of {max} and will be retried: {reason}"
    )]
    CheckFailed {
        check: String,
        attempt: u32,
        max: u32,
        reason: String,
    },
    #[error("rendering an email failed: {0}")]
    Notify(#[from] validator_notify::NotifyError),
    #[error("stored data for scan {scan} is unreadable: {reason}")]
    Corrupt { scan: ScanId, reason: String },
}

/// Blob keys, in one place.
pub mod keys {
    use validator_domain::{CheckId, ScanId};

    pub fn findings(scan: &ScanId, check: &CheckId) -> String {
        format!("findings/{scan}/{check}.json")
    }

    pub fn report(scan: &ScanId) -> String {
        format!("reports/{scan}.json")
    }

    /// The HTML form of the report, beside the JSON one.
    pub fn html_report(scan: &ScanId) -> String {
        format!("reports/{scan}.html")
    }

    /// The CycloneDX SBOM of the scanned version, beside its report.
    pub fn sbom(scan: &ScanId) -> String {
        format!("reports/{scan}.cdx.json")
    }

    /// A rescan's check results for one content under one judgment (and the honoured skips),
    /// reused by any version with the same bytes.
    pub fn rescan_results(
        judgment: &str,
        digest: &validator_domain::ContentDigest,
        skips: &str,
    ) -> String {
        use sha2::Digest;
        let skips = hex::encode(&sha2::Sha256::digest(skips.as_bytes())[..4]);
        let digest = digest.as_str().trim_start_matches("sha256:");
        format!("rescans/results/{judgment}/{digest}-{skips}.json")
    }

    /// The version's file list and `metadata.txt`, written at dispatch for the report's diff.
    pub fn manifest(scan: &ScanId) -> String {
        format!("manifests/{scan}.json")
    }
}
