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
    /// The dependencies check's advisory settings as set (`PLUGIN_VALIDATOR_OSV_API`,
    /// `PLUGIN_VALIDATOR_ADVISORIES_KEY`, `PLUGIN_VALIDATOR_ADVISORY_CACHE_HOURS`,
    /// `PLUGIN_VALIDATOR_OSV_TIMEOUT_SECONDS`).
    pub advisories: std::collections::BTreeMap<String, String>,
}

/// The environment variables of the dependencies check's advisory source.
const ADVISORY_SETTINGS: [&str; 4] = [
    "PLUGIN_VALIDATOR_OSV_API",
    "PLUGIN_VALIDATOR_ADVISORIES_KEY",
    "PLUGIN_VALIDATOR_ADVISORY_CACHE_HOURS",
    "PLUGIN_VALIDATOR_OSV_TIMEOUT_SECONDS",
];

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
            // The signature packs' digests join the rescan judgment once packs are loaded here.
            pack_digests: defaults.pack_digests.clone(),
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
            advisories: ADVISORY_SETTINGS
                .iter()
                .filter_map(|name| text(name).map(|value| ((*name).to_owned(), value)))
                .collect(),
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
        let blobs: std::sync::Arc<dyn validator_pipeline::BlobStore> = backends.blobs.clone();
        // Only the function that runs the dependencies check (or a process running every check)
        // reads an OSV export: the others never look a dependency up.
        let reads_advisories = environment
            .check
            .as_ref()
            .is_none_or(|c| c.as_str() == validator_dependencies::CHECK_ID);
        let dependencies = if reads_advisories {
            dependencies_check(&blobs, &environment.advisories).await
        } else {
            validator_dependencies::DependenciesCheck::new(std::sync::Arc::new(
                validator_dependencies::NoAdvisories {
                    reason: "this function does not run the dependencies check".to_owned(),
                },
            ))
        };
        let registry = registry.replacing(std::sync::Arc::new(dependencies));
        // The signatures check reads the operators' packs and hash lists in the bucket
        // (`signatures/`) at every scan, beside the shipped packs (docs/signatures.md).
        let signature_limits = validator_signatures::SignatureLimits::from_env().map_err(|e| {
            EnvironmentError::Invalid {
                name: "PLUGIN_VALIDATOR_*",
                reason: e.to_string(),
            }
        })?;
        let registry = registry.replacing(std::sync::Arc::new(
            validator_signatures::SignaturesCheck::new(
                vec![std::sync::Arc::new(crate::signatures::BlobPackSource::new(
                    blobs.clone(),
                    tokio::runtime::Handle::current(),
                    signature_limits.source_limits(),
                ))],
                signature_limits,
            ),
        ));
        let pipeline = backends.pipeline(environment.config.clone(), registry);
        Ok(Self {
            environment,
            pipeline,
        })
    }
}

/// The dependencies check as the stack configures it: the OSV export at
/// `PLUGIN_VALIDATOR_ADVISORIES_KEY` in the bucket when set (no egress), else the OSV API with
/// its answers cached in the bucket (`advisories/`). An export that cannot be read leaves every
/// dependency "not checked" (DEP005), never clean.
async fn dependencies_check(
    blobs: &std::sync::Arc<dyn validator_pipeline::BlobStore>,
    settings: &std::collections::BTreeMap<String, String>,
) -> validator_dependencies::DependenciesCheck {
    use validator_dependencies::{
        advisory_source_from_lookup, AdvisoryIndex, AdvisoryLimits, DependenciesCheck, NoAdvisories,
    };
    let Some(key) = settings.get("PLUGIN_VALIDATOR_ADVISORIES_KEY") else {
        let cache = crate::releases::BlobReleaseCache::under(
            blobs.clone(),
            tokio::runtime::Handle::current(),
            crate::releases::ADVISORIES_PREFIX,
        );
        return DependenciesCheck::new(advisory_source_from_lookup(
            |name| settings.get(name).cloned(),
            Some(Box::new(cache)),
        ));
    };
    let key = key.as_str();
    let index = match blobs.get(key).await {
        Ok(blob) => AdvisoryIndex::from_zip(&blob.bytes, key, &AdvisoryLimits::default())
            .map_err(|e| e.to_string()),
        Err(e) => Err(format!("the OSV export {key} cannot be read: {e}")),
    };
    match index {
        Ok(index) => {
            tracing::info!(key, records = index.records(), "OSV export loaded");
            DependenciesCheck::new(std::sync::Arc::new(index))
        }
        Err(reason) => {
            tracing::error!(
                key,
                reason,
                "OSV export not loaded: dependencies read not checked"
            );
            DependenciesCheck::new(std::sync::Arc::new(NoAdvisories { reason }))
        }
    }
}
