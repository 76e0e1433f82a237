use std::time::Duration;

/// Where the adapters find their resources. Every value comes from an environment variable
/// that template.yaml sets (see docs/deploy.md for the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `BUCKET_NAME`: uploads, findings and reports.
    pub bucket: String,
    /// `TABLE_NAME`: scans and results.
    pub table: String,
    /// `CHECK_QUEUE_URL_PREFIX`: a check's queue URL is this prefix followed by the check id,
    /// so adding a check needs no new setting.
    pub check_queue_url_prefix: String,
    /// `SENDER`: the verified SES identity emails come from.
    pub sender: String,
    /// `SES_CONFIGURATION_SET` (optional).
    pub configuration_set: Option<String>,
    /// `EVENT_BUS_NAME` (default `default`).
    pub event_bus: String,
    /// `EVENT_SOURCE` (default [`AwsSettings::DEFAULT_EVENT_SOURCE`]).
    pub event_source: String,
    /// `RETENTION_DAYS` (default 400): items expire (DynamoDB TTL) this long after they are
    /// written.
    pub retention: Duration,
    /// `EMAIL_MIN_INTERVAL_MS` (default 0): each function instance waits at least this long
    /// between two emails, so that the stack's concurrency times this rate stays within the
    /// account's SES sending rate (docs/deploy.md, "Limits").
    pub email_interval: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("the environment variable {0} is required")]
    Missing(&'static str),
    #[error("the environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl AwsSettings {
    pub const DEFAULT_EVENT_SOURCE: &'static str = "qgis.plugin-validator";
    pub const DEFAULT_RETENTION_DAYS: u64 = 400;

    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`Self::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |key: &'static str| get(key).ok_or(SettingsError::Missing(key));
        let retention_days = match get("RETENTION_DAYS") {
            None => Self::DEFAULT_RETENTION_DAYS,
            Some(v) => v.parse().map_err(|_| SettingsError::Invalid {
                name: "RETENTION_DAYS",
                reason: format!("`{v}` is not a whole number of days"),
            })?,
        };
        Ok(Self {
            bucket: required("BUCKET_NAME")?,
            table: required("TABLE_NAME")?,
            check_queue_url_prefix: required("CHECK_QUEUE_URL_PREFIX")?,
            sender: required("SENDER")?,
            configuration_set: get("SES_CONFIGURATION_SET"),
            event_bus: get("EVENT_BUS_NAME").unwrap_or_else(|| "default".to_owned()),
            event_source: get("EVENT_SOURCE")
                .unwrap_or_else(|| Self::DEFAULT_EVENT_SOURCE.to_owned()),
            retention: Duration::from_secs(retention_days.saturating_mul(86_400)),
            email_interval: Duration::from_millis(match get("EMAIL_MIN_INTERVAL_MS") {
                None => 0,
                Some(v) => v.parse().map_err(|_| SettingsError::Invalid {
                    name: "EMAIL_MIN_INTERVAL_MS",
                    reason: format!("`{v}` is not a whole number of milliseconds"),
                })?,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_required_and_defaults() {
        let env = |k: &str| {
            match k {
                "BUCKET_NAME" => Some("b"),
                "TABLE_NAME" => Some("t"),
                "CHECK_QUEUE_URL_PREFIX" => Some("https://sqs/1/stack-check-"),
                "SENDER" => Some("validator@example.org"),
                "SES_CONFIGURATION_SET" => Some(" "),
                _ => None,
            }
            .map(str::to_owned)
        };
        let settings = AwsSettings::from_lookup(env).expect("settings");
        assert_eq!(settings.bucket, "b");
        assert_eq!(settings.configuration_set, None);
        assert_eq!(settings.event_bus, "default");
        assert_eq!(settings.retention, Duration::from_secs(400 * 86_400));
        assert_eq!(
            AwsSettings::from_lookup(|_| None),
            Err(SettingsError::Missing("BUCKET_NAME"))
        );
    }
}
