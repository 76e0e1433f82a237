//! Configuration of the three functions from environment variables (set by template.yaml), and
//! the cold start: clients, adapters and the pipeline, built once per execution environment.

use std::time::Duration;

use validator_archive::ArchiveLimits;
use validator_aws::{AwsBackends, AwsClients, AwsSettings};
use validator_checks::CheckRegistry;
use validator_domain::CheckId;
use validator_notify::EmailSettings;
use validator_pipeline::{BlobStore, Pipeline, PipelineConfig, SweepSettings};
use validator_policy::Policy;
use validator_python::PythonLimits;

#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error(transparent)]
    Settings(#[from] validator_aws::SettingsError),
    #[error("the environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("the policy s3://{bucket}/{key} could not be loaded: {reason}")]
    Policy {
        bucket: String,
        key: String,
        reason: String,
    },
}

/// Everything the functions read from their environment.
#[derive(Debug, Clone)]
pub struct Environment {
    pub aws: AwsSettings,
    pub config: PipelineConfig,
    /// `POLICY_KEY`: a policy TOML object in the bucket; empty: the built-in default policy.
    pub policy_key: Option<String>,
    /// `CHECK_ID`: the check a check function runs.
    pub check: Option<CheckId>,
    /// `MAX_RECEIVE_COUNT`: the check queue's redrive `maxReceiveCount`; the delivery with this
    /// receive count is the last attempt.
    pub max_receive_count: u32,
}

fn parse<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, EnvironmentError> {
    match lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| EnvironmentError::Invalid {
            name,
            reason: format!("`{v}` is not a valid value"),
        }),
    }
}

impl Environment {
    pub fn from_env() -> Result<Self, EnvironmentError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvironmentError> {
        let text = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let defaults = PipelineConfig::default();
        let limits =
            ArchiveLimits::from_lookup(&lookup).map_err(|e| EnvironmentError::Invalid {
                name: "PLUGIN_VALIDATOR_*",
                reason: e.to_string(),
            })?;
        let python_limits =
            PythonLimits::from_lookup(&lookup).map_err(|e| EnvironmentError::Invalid {
                name: "PLUGIN_VALIDATOR_*",
                reason: e.to_string(),
            })?;
        let email = EmailSettings {
            website_url: text("WEBSITE_URL").unwrap_or(defaults.email.website_url.clone()),
            expected_minutes: parse(&lookup, "EXPECTED_MINUTES", defaults.email.expected_minutes)?,
            approvers: text("APPROVERS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let config = PipelineConfig {
            upload_prefix: text("UPLOAD_PREFIX").unwrap_or(defaults.upload_prefix.clone()),
            limits,
            python_limits,
            policy: Policy::default(),
            email,
            check_timeout: Duration::from_secs(parse(
                &lookup,
                "CHECK_TIMEOUT_SECONDS",
                defaults.check_timeout.as_secs(),
            )?),
            notification_lease: Duration::from_secs(parse(
                &lookup,
                "NOTIFICATION_LEASE_SECONDS",
                defaults.notification_lease.as_secs(),
            )?),
            // How many times one email or event is tried before it is recorded as missing.
            notification_attempts: parse(
                &lookup,
                "NOTIFICATION_ATTEMPTS",
                defaults.notification_attempts,
            )?
            .max(1),
            history_depth: parse(&lookup, "HISTORY_DEPTH", defaults.history_depth)?,
            // `STUCK_AFTER_MINUTES`: how long a scan may stay `validating` before the sweep
            // ends it in `error`; `SWEEP_PAGE_SIZE`, `SWEEP_MAX_SCANS`: how many one sweep reads.
            sweep: SweepSettings {
                stuck_after: Duration::from_secs(
                    60 * parse(
                        &lookup,
                        "STUCK_AFTER_MINUTES",
                        defaults.sweep.stuck_after.as_secs() / 60,
                    )?,
                ),
                page_size: parse(&lookup, "SWEEP_PAGE_SIZE", defaults.sweep.page_size)?.max(1),
                max_scans: parse(&lookup, "SWEEP_MAX_SCANS", defaults.sweep.max_scans)?.max(1),
            },
        };
        Ok(Self {
            aws: AwsSettings::from_lookup(&lookup)?,
            config,
            policy_key: text("POLICY_KEY"),
            check: text("CHECK_ID").map(CheckId::new),
            max_receive_count: parse(&lookup, "MAX_RECEIVE_COUNT", 5u32)?.max(1),
        })
    }
}

/// What a function builds once per execution environment.
#[derive(Clone)]
pub struct ColdStart {
    pub environment: Environment,
    pub pipeline: Pipeline,
}

impl ColdStart {
    /// Clients from the default AWS configuration, then [`Self::with_clients`].
    pub async fn from_env() -> Result<Self, EnvironmentError> {
        let environment = Environment::from_env()?;
        let clients = AwsClients::from_env().await;
        Self::with_clients(environment, &clients, CheckRegistry::builtin()).await
    }

    /// Builds the adapters and the pipeline, loading the policy object when one is configured.
    pub async fn with_clients(
        mut environment: Environment,
        clients: &AwsClients,
        registry: CheckRegistry,
    ) -> Result<Self, EnvironmentError> {
        let backends = AwsBackends::new(clients, &environment.aws, &environment.config);
        if let Some(key) = &environment.policy_key {
            let failed = |reason: String| EnvironmentError::Policy {
                bucket: environment.aws.bucket.clone(),
                key: key.clone(),
                reason,
            };
            let blob = backends
                .blobs
                .get(key)
                .await
                .map_err(|e| failed(e.to_string()))?;
            let text = String::from_utf8(blob.bytes).map_err(|e| failed(e.to_string()))?;
            environment.config.policy =
                Policy::from_toml(&text, key).map_err(|e| failed(e.to_string()))?;
            tracing::info!(key, "policy loaded");
        }
        // The bundled libraries check keeps the releases it downloads in the bucket, shared by
        // every instance (docs/bundled-libraries.md).
        let registry = registry.replacing(std::sync::Arc::new(
            validator_bundled::BundledLibrariesCheck::with_cache(
                crate::releases::BlobReleaseCache::new(
                    backends.blobs.clone(),
                    tokio::runtime::Handle::current(),
                ),
            ),
        ));
        let pipeline = backends.pipeline(environment.config.clone(), registry);
        Ok(Self {
            environment,
            pipeline,
        })
    }
}
