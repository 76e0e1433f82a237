//! The upload contract: one object per upload, with the website's facts as object metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Object metadata keys (S3 user metadata, `x-amz-meta-` stripped; a `.meta.json` beside the
/// zip for the folder blob store).
pub const METADATA_KEYS: UploadMetadataKeys = UploadMetadataKeys {
    maintainers: "maintainers",
    uploader: "uploader",
    trusted: "trusted",
    skip_rules: "skip-rules",
    version_id: "version-id",
    plugin_id: "plugin-id",
};

/// The names of the metadata keys, in one place for the website, the adapters and the docs.
#[derive(Debug, Clone, Copy)]
pub struct UploadMetadataKeys {
    /// Comma-separated maintainer email addresses.
    pub maintainers: &'static str,
    /// The uploader's user name.
    pub uploader: &'static str,
    /// `true` when the uploader is trusted (may be auto-approved).
    pub trusted: &'static str,
    /// Comma-separated rule codes the uploader asked to skip.
    pub skip_rules: &'static str,
    /// The website's own id of this plugin version.
    pub version_id: &'static str,
    /// The website's own id of the plugin (optional): the key of the plugin's history.
    pub plugin_id: &'static str,
}

/// An upload metadata value we could not use; the scan goes on and records it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("maintainer address `{0}` is not an email address; it was ignored")]
    BadMaintainer(String),
    #[error("`trusted` is `{0}`, not true or false; the upload is treated as not trusted")]
    BadTrusted(String),
}

/// One uploaded plugin version, as the website describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub object_key: String,
    pub maintainers: Vec<String>,
    pub uploader: Option<String>,
    pub trusted: bool,
    pub skip_rules: Vec<String>,
    pub website_version_id: Option<String>,
    /// The website's id of the plugin, when given (keys the plugin's history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_plugin_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: Timestamp,
}

impl Upload {
    /// Reads the contract from object metadata. Bad values never stop the scan: they are
    /// returned as warnings and the safe reading is used (an unclear `trusted` is not trusted).
    pub fn from_metadata(
        object_key: &str,
        metadata: &BTreeMap<String, String>,
        uploaded_at: Timestamp,
    ) -> (Self, Vec<UploadError>) {
        let get = |key: &str| {
            metadata
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut warnings = Vec::new();
        let mut maintainers = Vec::new();
        for address in list(get(METADATA_KEYS.maintainers)) {
            if is_email(&address) {
                if !maintainers.contains(&address) {
                    maintainers.push(address);
                }
            } else {
                warnings.push(UploadError::BadMaintainer(address));
            }
        }
        let trusted = match get(METADATA_KEYS.trusted).map(str::to_ascii_lowercase) {
            None => false,
            Some(v) if ["true", "1", "yes"].contains(&v.as_str()) => true,
            Some(v) if ["false", "0", "no"].contains(&v.as_str()) => false,
            Some(v) => {
                warnings.push(UploadError::BadTrusted(v));
                false
            }
        };
        let upload = Self {
            object_key: object_key.to_owned(),
            maintainers,
            uploader: get(METADATA_KEYS.uploader).map(str::to_owned),
            trusted,
            skip_rules: list(get(METADATA_KEYS.skip_rules)),
            website_version_id: get(METADATA_KEYS.version_id).map(str::to_owned),
            website_plugin_id: get(METADATA_KEYS.plugin_id).map(str::to_owned),
            uploaded_at,
        };
        (upload, warnings)
    }

    /// The metadata that describes this upload (what the website sends).
    pub fn to_metadata(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        map.insert(
            METADATA_KEYS.maintainers.to_owned(),
            self.maintainers.join(","),
        );
        if let Some(uploader) = &self.uploader {
            map.insert(METADATA_KEYS.uploader.to_owned(), uploader.clone());
        }
        map.insert(METADATA_KEYS.trusted.to_owned(), self.trusted.to_string());
        map.insert(
            METADATA_KEYS.skip_rules.to_owned(),
            self.skip_rules.join(","),
        );
        if let Some(id) = &self.website_version_id {
            map.insert(METADATA_KEYS.version_id.to_owned(), id.clone());
        }
        if let Some(id) = &self.website_plugin_id {
            map.insert(METADATA_KEYS.plugin_id.to_owned(), id.clone());
        }
        map
    }

    /// The file name of the uploaded object, for messages before the metadata is known.
    pub fn file_name(&self) -> &str {
        self.object_key
            .rsplit('/')
            .next()
            .unwrap_or(&self.object_key)
    }
}

fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A deliberately plain address check: one `@`, a dotted domain, nothing that would let a value
/// inject headers.
fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && address
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | '"' | '\\' | ','))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_contract() {
        let (upload, warnings) = Upload::from_metadata(
            "uploads/demo.zip",
            &meta(&[
                ("maintainers", "a@example.org, b@example.org"),
                ("uploader", "alice"),
                ("trusted", "True"),
                ("skip-rules", "B101,E501"),
                ("version-id", "4242"),
            ]),
            crate::now(),
        );
        assert!(warnings.is_empty());
        assert_eq!(upload.maintainers, ["a@example.org", "b@example.org"]);
        assert_eq!(upload.uploader.as_deref(), Some("alice"));
        assert!(upload.trusted);
        assert_eq!(upload.skip_rules, ["B101", "E501"]);
        assert_eq!(upload.website_version_id.as_deref(), Some("4242"));
        let (again, _) = Upload::from_metadata(
            "uploads/demo.zip",
            &upload.to_metadata(),
            upload.uploaded_at,
        );
        assert_eq!(again, upload);
    }

    #[test]
    fn bad_values_are_warnings_and_fail_safe() {
        let (upload, warnings) = Upload::from_metadata(
            "uploads/demo.zip",
            &meta(&[
                (
                    "maintainers",
                    "ok@example.org,not-an-address,x@y\r\nBcc: z@evil.org",
                ),
                ("trusted", "maybe"),
            ]),
            crate::now(),
        );
        assert_eq!(upload.maintainers, ["ok@example.org"]);
        assert!(!upload.trusted);
        assert!(warnings.contains(&UploadError::BadTrusted("maybe".into())));
        assert!(warnings
            .iter()
            .any(|w| matches!(w, UploadError::BadMaintainer(a) if a == "not-an-address")));
    }
}
