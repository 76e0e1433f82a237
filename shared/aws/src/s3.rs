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
            Err(e) if is_missing(&e) => return Err(PortError::NotFound(what)),
            Err(e) => return Err(backend("S3 GetObject", e)),
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

/// S3 says `null` for objects written before versioning was turned on.
fn real_version(version: Option<&str>) -> Option<String> {
    version
        .filter(|v| !v.is_empty() && *v != "null")
        .map(str::to_owned)
}

/// A missing key or version: `NoSuchKey`, or S3's `NoSuchVersion` / a 400 for a malformed
/// version id, which the SDK does not model.
fn is_missing(
    error: &aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::get_object::GetObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> bool {
    use aws_sdk_s3::error::ProvideErrorMetadata;
    match error.as_service_error() {
        Some(service) => {
            service.is_no_such_key()
                || matches!(service.code(), Some("NoSuchVersion" | "InvalidArgument"))
        }
        None => false,
    }
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

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}
