use std::time::Duration;

use validator_archive::ArchiveLimits;
use validator_checks::PythonLimits;
use validator_notify::EmailSettings;
use validator_policy::Policy;

use crate::SweepSettings;

/// Settings shared by the stages.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Only objects under this prefix are uploads.
    pub upload_prefix: String,
    pub limits: ArchiveLimits,
    /// Limits on each Python source file (nesting, size), for the checks that parse Python.
    pub python_limits: PythonLimits,
    pub policy: Policy,
    pub email: EmailSettings,
    /// A check running longer than this fails (and the scan ends in `error` on the last attempt).
    pub check_timeout: Duration,
    /// How long a claim on an email or event stays live. A claim older than this whose holder
    /// never recorded the send is recorded as missing (it may have gone out), never resent.
    pub notification_lease: Duration,
    /// How many times one email or event is tried before it is recorded as missing (alarm,
    /// operator's resend). Below the aggregator stream's retries, so that the stream's last
    /// deliveries see it given up rather than dropping it silently.
    pub notification_attempts: u32,
    /// How many of a plugin's latest scans the aggregator reads to find the version a new one
    /// is compared with (the last validated one); older ones are not looked at.
    pub history_depth: usize,
    /// When a scan counts as stuck and how many one sweep ends ([`crate::sweep`]).
    pub sweep: SweepSettings,
    /// Digests of the signature packs the checks load: part of a rescan's judgment, so that a
    /// pack added or changed makes every version be judged again (empty until packs exist).
    pub pack_digests: Vec<String>,
}

/// Default of [`PipelineConfig::notification_attempts`].
pub const DEFAULT_NOTIFICATION_ATTEMPTS: u32 = 5;

/// Default of [`PipelineConfig::history_depth`].
pub const DEFAULT_HISTORY_DEPTH: usize = 500;

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            upload_prefix: "uploads/".to_owned(),
            limits: ArchiveLimits::default(),
            python_limits: PythonLimits::default(),
            policy: Policy::default(),
            email: EmailSettings::default(),
            check_timeout: Duration::from_secs(60),
            notification_lease: Duration::from_secs(300),
            notification_attempts: DEFAULT_NOTIFICATION_ATTEMPTS,
            history_depth: DEFAULT_HISTORY_DEPTH,
            sweep: SweepSettings::default(),
            pack_digests: Vec::new(),
        }
    }
}
