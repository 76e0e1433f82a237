//! S3 `ObjectCreated` events -> [`validator_pipeline::dispatch`].

use aws_lambda_events::s3::S3Event;
use validator_pipeline::{dispatch_version, DispatchOutcome, Pipeline, StageError};

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Some records failed; Lambda retries the event (dispatch is idempotent, so the records
    /// that succeeded only resume).
    #[error("{failed} of {total} upload(s) could not be dispatched: {first}")]
    Failed {
        failed: usize,
        total: usize,
        first: StageError,
    },
}

/// The object key of an S3 event record: URL-decoded, `+` being a space.
pub fn decode_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    let bytes = spaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Dispatches every record of `bucket` (records of another bucket are ignored, with a log
/// line). Returns what happened to each record.
pub async fn handle_s3_event(
    pipeline: &Pipeline,
    bucket: &str,
    event: &S3Event,
) -> Result<Vec<DispatchOutcome>, DispatchError> {
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    for record in &event.records {
        let Some(raw_key) = record.s3.object.key.as_deref() else {
            tracing::warn!("S3 record without an object key ignored");
            continue;
        };
        let key = decode_key(raw_key);
        let record_bucket = record.s3.bucket.name.as_deref().unwrap_or_default();
        if record_bucket != bucket {
            tracing::warn!(record_bucket, key, "record of another bucket ignored");
            outcomes.push(DispatchOutcome::Ignored {
                reason: format!("`{key}` is in bucket `{record_bucket}`, not `{bucket}`"),
            });
            continue;
        }
        // The event names the version it is about: that version gets the scan, even when the
        // key has been written again since (a later event brings the later version).
        let version = record
            .s3
            .object
            .version_id
            .as_deref()
            .filter(|v| !v.is_empty() && *v != "null");
        match dispatch_version(pipeline, &key, version).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                tracing::error!(key, %error, "dispatch failed");
                errors.push(error);
            }
        }
    }
    let total = event.records.len();
    // Only the records whose dispatch failed count: a record without a key was skipped, not
    // failed.
    let failed = errors.len();
    match errors.into_iter().next() {
        None => Ok(outcomes),
        Some(first) => Err(DispatchError::Failed {
            failed,
            total,
            first,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_key;

    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(decode_key("uploads/my+plugin.zip"), "uploads/my plugin.zip");
        assert_eq!(decode_key("uploads/a%2Bb%20c.zip"), "uploads/a+b c.zip");
        assert_eq!(decode_key("uploads/caf%C3%A9.zip"), "uploads/café.zip");
        // Broken escapes stay as they are.
        assert_eq!(decode_key("uploads/100%.zip"), "uploads/100%.zip");
        assert_eq!(decode_key("uploads/%zz%4"), "uploads/%zz%4");
    }
}
