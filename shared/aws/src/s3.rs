use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use validator_archive::ArchiveLimits;
use validator_pipeline::{Blob, BlobStore, PortError};

use crate::backend;

/// Objects in one S3 bucket. User metadata (`x-amz-meta-*`) is the upload contract.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    max_read_bytes: u64,
}

impl S3BlobStore {
    /// The smallest read cap: findings and reports must always fit.
    pub const MIN_READ_CAP: u64 = 64 * 1024 * 1024;

    /// `max_read_bytes` bounds memory: a longer object is returned cut after that many bytes
    /// (an upload that long is refused by the archive limits anyway).
    pub fn new(client: aws_sdk_s3::Client, bucket: &str, max_read_bytes: u64) -> Self {
        Self {
            client,
            bucket: bucket.to_owned(),
            max_read_bytes,
        }
    }

    /// A read cap that lets the archive limits see that an oversized upload is oversized.
    pub fn read_cap(limits: &ArchiveLimits) -> u64 {
        limits
            .max_compressed_bytes
            .saturating_add(1)
            .max(Self::MIN_READ_CAP)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Stores an upload with the website's metadata, as the website does (tests, tools).
    /// Returns the version id S3 gave it (`None` on an unversioned bucket).
    pub async fn put_upload(
        &self,
        key: &str,
        bytes: Vec<u8>,
        metadata: &std::collections::BTreeMap<String, String>,
    ) -> Result<Option<String>, PortError> {
        let output = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/zip")
            .set_metadata(Some(metadata.clone().into_iter().collect()))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| backend("S3 PutObject", e))?;
        Ok(real_version(output.version_id()))
    }

    /// Reads one object (one version of it when `version` is given), up to the read cap.
    async fn read(&self, key: &str, version: Option<&str>) -> Result<Blob, PortError> {
        let what = match version {
            Some(v) => format!("{key} version {v}"),
            None => key.to_owned(),
        };
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) => {
                return Err(match lookup_failure(&e) {
                    LookupFailure::Missing => PortError::NotFound(what),
                    // Without `s3:ListBucket` S3 answers a missing key with 403: ask the
                    // listing (which the role may do under its own prefixes) before calling
                    // it a denial.
                    LookupFailure::Denied => match self.listed(key, version).await {
                        Ok(false) => PortError::NotFound(what),
                        Ok(true) => backend("S3 GetObject (access denied)", e),
                        Err(listing) => PortError::Backend(format!(
                            "S3 GetObject: access denied to {what}, and the listing that would \
                             tell a missing object from a denied one failed: {listing}"
                        )),
                    },
                    LookupFailure::Other => backend("S3 GetObject", e),
                });
            }
        };
        let metadata = output
            .metadata()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let version = real_version(output.version_id()).or_else(|| version.map(str::to_owned));
        let last_modified = output
            .last_modified()
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok());
        let mut body = output.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| backend("S3 GetObject body", e))?
        {
            let room = (self.max_read_bytes as usize).saturating_sub(bytes.len());
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if bytes.len() as u64 >= self.max_read_bytes {
                tracing::warn!(key, cap = self.max_read_bytes, "object cut at the read cap");
                break;
            }
        }
        Ok(Blob {
            bytes,
            metadata,
            version,
            last_modified,
        })
    }
}

impl S3BlobStore {
    /// Whether the key (that version of it, when given) exists, from the bucket listing: the
    /// versions of the key (`s3:ListBucketVersions`) or the keys under it (`s3:ListBucket`);
    /// one page of at most [`MAX_LISTED_VERSIONS`] versions (more: not proven missing).
    async fn listed(&self, key: &str, version: Option<&str>) -> Result<bool, PortError> {
        match version {
            Some(version) => {
                let output = self
                    .client
                    .list_object_versions()
                    .bucket(&self.bucket)
                    .prefix(key)
                    .max_keys(MAX_LISTED_VERSIONS)
                    .send()
                    .await
                    .map_err(|e| backend("S3 ListObjectVersions", e))?;
                let listed = output
                    .versions()
                    .iter()
                    .any(|v| v.key() == Some(key) && v.version_id() == Some(version));
                // More versions than one page: not proven missing.
                Ok(listed || output.is_truncated() == Some(true))
            }
            None => {
                let output = self
                    .client
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix(key)
                    .max_keys(1)
                    .send()
                    .await
                    .map_err(|e| backend("S3 ListObjectsV2", e))?;
                Ok(output.contents().iter().any(|o| o.key() == Some(key)))
            }
        }
    }
}

/// The most object versions one lookup lists (one page).
pub const MAX_LISTED_VERSIONS: i32 = 1000;

/// What a failed read says about the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupFailure {
    /// The key or the version does not exist (404 `NoSuchKey` / `NoSuchVersion`, or a 400 for a
    /// malformed version id).
    Missing,
    /// 403: S3 answers so for a missing key when the caller may not list the bucket, and for a
    /// real denial; only the listing tells them apart.
    Denied,
    Other,
}

impl LookupFailure {
    /// From the error code and the HTTP status of S3's answer.
    pub fn of(code: Option<&str>, http_status: Option<u16>) -> Self {
        match (code, http_status) {
            (Some("NoSuchKey" | "NoSuchVersion" | "InvalidArgument"), _) | (None, Some(404)) => {
                Self::Missing
            }
            (Some("AccessDenied"), _) | (None, Some(403)) => Self::Denied,
            _ => Self::Other,
        }
    }
}

fn lookup_failure(
    error: &aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::get_object::GetObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> LookupFailure {
    use aws_sdk_s3::error::ProvideErrorMetadata;
    let Some(service) = error.as_service_error() else {
        return LookupFailure::Other;
    };
    if service.is_no_such_key() {
        return LookupFailure::Missing;
    }
    let status = error.raw_response().map(|r| r.status().as_u16());
    LookupFailure::of(service.code(), status)
}

/// S3 says `null` for objects written before versioning was turned on.
fn real_version(version: Option<&str>) -> Option<String> {
    version
        .filter(|v| !v.is_empty() && *v != "null")
        .map(str::to_owned)
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn get(&self, key: &str) -> Result<Blob, PortError> {
        self.read(key, None).await
    }

    async fn get_version(&self, key: &str, version: &str) -> Result<Blob, PortError> {
        self.read(key, Some(version)).await
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| backend("S3 PutObject", e))?;
        Ok(())
    }

    async fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, PortError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| backend("S3 ListObjectsV2", e))?;
            keys.extend(
                output
                    .contents()
                    .iter()
                    .filter_map(|o| o.key())
                    .map(str::to_owned),
            );
            if keys.len() > max {
                return Err(PortError::Backend(format!(
                    "more than {max} objects under s3://{}/{prefix}",
                    self.bucket
                )));
            }
            match output.next_continuation_token() {
                Some(next) if output.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::LookupFailure;

    #[test]
    fn a_404_is_missing_and_a_403_needs_the_listing_to_tell() {
        // With s3:ListBucket, S3 says what is missing.
        assert_eq!(
            LookupFailure::of(Some("NoSuchKey"), Some(404)),
            LookupFailure::Missing
        );
        assert_eq!(
            LookupFailure::of(Some("NoSuchVersion"), Some(404)),
            LookupFailure::Missing
        );
        assert_eq!(LookupFailure::of(None, Some(404)), LookupFailure::Missing);
        // Without it, a missing key and a real denial both answer 403.
        assert_eq!(
            LookupFailure::of(Some("AccessDenied"), Some(403)),
            LookupFailure::Denied
        );
        assert_eq!(LookupFailure::of(None, Some(403)), LookupFailure::Denied);
        assert_eq!(
            LookupFailure::of(Some("SlowDown"), Some(503)),
            LookupFailure::Other
        );
        assert_eq!(
            LookupFailure::of(Some("InternalError"), Some(500)),
            LookupFailure::Other
        );
    }
}
