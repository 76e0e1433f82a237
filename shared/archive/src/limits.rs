//! Named, configurable limits applied to every untrusted archive before and while it is read.

use std::fmt;

/// Limits for an untrusted plugin archive. Every field is a named limit that operators can
/// override (see [`ArchiveLimits::set`] and [`ArchiveLimits::from_env`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Size of the zip file itself (the website accepts 25 MB).
    pub max_compressed_bytes: u64,
    /// Sum of the uncompressed sizes of every entry.
    pub max_uncompressed_bytes: u64,
    /// Number of entries, folders included.
    pub max_entries: u64,
    /// Uncompressed size of any single entry.
    pub max_entry_bytes: u64,
    /// Uncompressed / compressed size of an entry, checked only on entries that expand to at
    /// least `ratio_min_entry_bytes`: a bomb signal on large entries. The size limits above are
    /// what stop bombs (every entry is inflated no further than its declared, checked size);
    /// the ratio must not refuse ordinary data, and test databases and sparse rasters of a few
    /// megabytes often compress several hundred times.
    pub max_compression_ratio: u64,
    /// Entries that expand to less than this are exempt from `max_compression_ratio`.
    pub ratio_min_entry_bytes: u64,
    /// Number of path components of an entry name.
    pub max_path_depth: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_compressed_bytes: 25_000_000,
            max_uncompressed_bytes: 200_000_000,
            max_entries: 10_000,
            max_entry_bytes: 50_000_000,
            max_compression_ratio: 100,
            ratio_min_entry_bytes: 20_000_000,
            max_path_depth: 32,
        }
    }
}

/// A limit name or value that could not be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LimitConfigError {
    #[error("unknown archive limit `{0}` (known: {known})", known = ArchiveLimits::NAMES.join(", "))]
    UnknownLimit(String),
    #[error("archive limit `{name}` needs a whole number, got `{value}`")]
    InvalidValue { name: String, value: String },
    #[error("archive limit must be written NAME=VALUE, got `{0}`")]
    Malformed(String),
}

impl ArchiveLimits {
    /// The names operators use in `--limit NAME=VALUE` and `PLUGIN_VALIDATOR_<NAME>`.
    pub const NAMES: [&'static str; 7] = [
        "max_compressed_bytes",
        "max_uncompressed_bytes",
        "max_entries",
        "max_entry_bytes",
        "max_compression_ratio",
        "ratio_min_entry_bytes",
        "max_path_depth",
    ];

    fn slot(&mut self, name: &str) -> Option<&mut u64> {
        Some(match name {
            "max_compressed_bytes" => &mut self.max_compressed_bytes,
            "max_uncompressed_bytes" => &mut self.max_uncompressed_bytes,
            "max_entries" => &mut self.max_entries,
            "max_entry_bytes" => &mut self.max_entry_bytes,
            "max_compression_ratio" => &mut self.max_compression_ratio,
            "ratio_min_entry_bytes" => &mut self.ratio_min_entry_bytes,
            "max_path_depth" => &mut self.max_path_depth,
            _ => return None,
        })
    }

    /// The value of a limit by name.
    pub fn get(&self, name: &str) -> Option<u64> {
        let mut copy = *self;
        copy.slot(name).map(|v| *v)
    }

    /// Sets one limit by name.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), LimitConfigError> {
        let parsed = parse_quantity(value).ok_or_else(|| LimitConfigError::InvalidValue {
            name: name.to_owned(),
            value: value.to_owned(),
        })?;
        let slot = self
            .slot(name)
            .ok_or_else(|| LimitConfigError::UnknownLimit(name.to_owned()))?;
        *slot = parsed;
        Ok(())
    }

    /// Applies `NAME=VALUE`.
    pub fn apply(&mut self, assignment: &str) -> Result<(), LimitConfigError> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| LimitConfigError::Malformed(assignment.to_owned()))?;
        self.set(name.trim(), value.trim())
    }

    /// Defaults overridden by any `PLUGIN_VALIDATOR_MAX_ENTRIES`-style environment variable.
    pub fn from_env() -> Result<Self, LimitConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`Self::from_env`], with the variables read through `lookup` (testable).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitConfigError> {
        let mut limits = Self::default();
        for name in Self::NAMES {
            if let Some(value) = lookup(&Self::env_var(name)) {
                limits.set(name, &value)?;
            }
        }
        Ok(limits)
    }

    /// The environment variable that overrides a limit.
    pub fn env_var(name: &str) -> String {
        format!("PLUGIN_VALIDATOR_{}", name.to_ascii_uppercase())
    }
}

/// Accepts plain numbers with optional `_` separators and the suffixes k, M, G (powers of 1000)
/// or KiB, MiB, GiB (powers of 1024), so that `25MB`-style values read naturally.
fn parse_quantity(value: &str) -> Option<u64> {
    let cleaned: String = value.chars().filter(|c| *c != '_').collect();
    let split = cleaned
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(cleaned.len());
    let (digits, unit) = cleaned.split_at(split);
    let number: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(factor)
}

impl fmt::Display for ArchiveLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for name in Self::NAMES {
            writeln!(f, "{name} = {}", self.get(name).unwrap_or_default())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_limit_can_be_set() {
        for name in ArchiveLimits::NAMES {
            let mut limits = ArchiveLimits::default();
            limits.set(name, "7").unwrap();
            assert_eq!(limits.get(name), Some(7), "{name}");
        }
    }

    #[test]
    fn quantities_accept_units() {
        assert_eq!(parse_quantity("25MB"), Some(25_000_000));
        assert_eq!(parse_quantity("2MiB"), Some(2 << 20));
        assert_eq!(parse_quantity("1_000"), Some(1000));
        assert_eq!(parse_quantity("ten"), None);
        assert_eq!(parse_quantity("5 parsecs"), None);
    }

    #[test]
    fn bad_names_and_values_are_refused() {
        let mut limits = ArchiveLimits::default();
        assert!(matches!(
            limits.apply("max_files=3"),
            Err(LimitConfigError::UnknownLimit(_))
        ));
        assert!(matches!(
            limits.apply("max_entries=many"),
            Err(LimitConfigError::InvalidValue { .. })
        ));
        assert!(matches!(
            limits.apply("max_entries"),
            Err(LimitConfigError::Malformed(_))
        ));
    }

    #[test]
    fn environment_overrides_defaults() {
        let limits = ArchiveLimits::from_lookup(|key| {
            (key == "PLUGIN_VALIDATOR_MAX_ENTRIES").then(|| "12".to_owned())
        })
        .unwrap();
        assert_eq!(limits.max_entries, 12);
        assert_eq!(
            limits.max_compressed_bytes,
            ArchiveLimits::default().max_compressed_bytes
        );
    }
}
