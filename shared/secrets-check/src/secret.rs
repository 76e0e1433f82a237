//! A detected secret value that never leaves the engine: only its SHA-1 (detect-secrets'
//! `hashed_secret`) and a masked preview do.

use std::fmt;

use sha1::{Digest, Sha1};

/// The raw value of a detected secret. It has no `Display`, its `Debug` is redacted, and the
/// only ways out are [`Secret::hashed`] and [`Secret::masked`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-1 of the UTF-8 value, in hex: detect-secrets' `hashed_secret`, so baselines and
    /// reports can be compared without the value.
    pub fn hashed(&self) -> String {
        hex::encode(Sha1::digest(self.0.as_bytes()))
    }

    /// The first two characters and `***` (only `***` for short values).
    pub fn masked(&self) -> String {
        validator_domain::masked_preview(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(sha1:{})", self.hashed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_preview_never_show_the_value() {
        let secret = Secret::new("hunter2-correct-horse");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(secret.masked(), "hu***");
        assert_eq!(Secret::new("short").masked(), "***");
        // sha1("hunter2-correct-horse") as Python's hashlib computes it
        assert_eq!(secret.hashed().len(), 40);
        assert_eq!(
            Secret::new("abc").hashed(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
