//! The `signatures` check's section of a report: which rule packs and known-bad hash lists it
//! applied (each with its digest, so a report says exactly which signatures it was checked
//! against) and what it scanned.

use serde::{Deserialize, Serialize};

/// One rule pack or hash list as applied to a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureSource {
    /// The pack's name (`SIG:<pack>/<rule>`) or the hash list's name.
    pub name: String,
    /// `rules` or `hashes`.
    pub kind: String,
    /// Where it was read from (`built-in`, a folder, `s3://bucket/signatures/...`).
    pub origin: String,
    /// `sha256:` over the pack's files (names and bytes).
    pub digest: String,
    /// Rules in the pack, or hashes in the list.
    pub entries: usize,
}

/// What the `signatures` check applied and scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignaturesReport {
    /// `sha256:` over every pack and list applied: two scans with the same digest applied the
    /// same signatures.
    pub digest: String,
    pub sources: Vec<SignatureSource>,
    /// Rules switched off without editing them (`disabled.txt` of a pack source).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled: Vec<String>,
    /// Files scanned, nested archives' members included.
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    /// Files not scanned, with why (a nested archive past the nesting limit, the byte budget).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_scanned: Vec<String>,
}

impl SignaturesReport {
    /// `3 packs, 2 hash lists (sha256:0123456789ab)`, for text reports.
    pub fn line(&self) -> String {
        let packs = self.sources.iter().filter(|s| s.kind == "rules").count();
        let lists = self.sources.len() - packs;
        let short = self.digest.get(..19).unwrap_or(&self.digest);
        format!(
            "Signatures: {packs} rule pack(s), {lists} hash list(s) ({short}); {} file(s) scanned",
            self.files_scanned
        )
    }
}
