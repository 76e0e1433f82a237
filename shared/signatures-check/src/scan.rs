//! Scanning every file of a plugin, nested archives' members included, with the compiled
//! signatures: YARA-X rules and known-bad SHA-256 lists.

use std::collections::HashMap;
use std::time::Duration;

use validator_archive::PluginArchive;
use validator_domain::{CheckError, Finding, SignaturesReport};

use crate::engine::{path_included, Compiled};
use crate::{SignatureLimits, CHECK_ID, KNOWN_BAD_HASH, NOT_SCANNED};

/// One match of a rule in a file, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The pattern's identifier (`$py_exec`).
    pub pattern: String,
    /// Byte offset in the file (nested members: in the member).
    pub offset: usize,
    pub len: usize,
    /// The matched bytes, printable, cut at `max_match_bytes`.
    pub shown: String,
}

/// What a rule matched in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// `SIG:<pack>/<rule>`.
    pub rule: String,
    pub hits: Vec<Hit>,
    /// Matches beyond those shown.
    pub more: usize,
}

/// Scans a whole archive: every file, then the members of nested zip archives (wheels, jars,
/// zips) within `max_nested_depth` and the byte budget. Findings are in path order.
pub(crate) fn scan_archive(
    compiled: &Compiled,
    archive: &PluginArchive,
    limits: &SignatureLimits,
    rule_enabled: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(Vec<Finding>, SignaturesReport), CheckError> {
    let mut walker = Walker {
        compiled,
        scanners: Scanners::new(compiled, limits),
        limits,
        rule_enabled,
        findings: Vec::new(),
        report: SignaturesReport {
            digest: compiled.digest.clone(),
            sources: compiled.sources.clone(),
            disabled: compiled.disabled.iter().cloned().collect(),
            ..SignaturesReport::default()
        },
        budget: limits.max_scanned_bytes,
    };
    if walker.hashes_apply() {
        let whole = crate::packs::sha256_hex(archive.zip_bytes());
        walker.known_bad(&whole, "(the whole zip)", "the uploaded zip");
    }
    walker.walk(archive, "", 0, true)?;
    let Walker {
        mut findings,
        report,
        ..
    } = walker;
    findings.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
    Ok((findings, report))
}

/// The scanners of one scan, one per rule set used (YARA-X scanners are reused: making one
/// costs more than scanning a small file).
pub(crate) struct Scanners<'r> {
    compiled: &'r Compiled,
    limits: SignatureLimits,
    scanners: HashMap<usize, yara_x::Scanner<'r>>,
    /// The bytes of the scan's files by scope key (`Scopes::key`): whether a small set is
    /// worth compiling for them (`MIN_SCOPED_SET_BYTES`).
    planned: HashMap<Vec<usize>, u64>,
}

impl<'r> Scanners<'r> {
    pub(crate) fn new(compiled: &'r Compiled, limits: &SignatureLimits) -> Self {
        Self {
            compiled,
            limits: *limits,
            scanners: HashMap::new(),
            planned: HashMap::new(),
        }
    }

    /// Counts a file of `size` bytes at `path` that this scan will scan (before any is
    /// scanned: the rule sets of its kind of path are chosen for the whole scan's bytes).
    pub(crate) fn plan(&mut self, path: &str, size: u64) {
        let planned = self
            .planned
            .entry(self.compiled.scopes.key(path))
            .or_default();
        *planned = planned.saturating_add(size);
    }

    /// Scans the file at `path` with the rule sets its path needs (see `scope.rs`), in the
    /// order the full set reports rules; `applies(rule id, path globs)` says which matching
    /// rules count.
    pub(crate) fn scan_path(
        &mut self,
        path: &str,
        bytes: &[u8],
        applies: impl Fn(&str, &[String]) -> bool,
    ) -> Result<Vec<RuleMatch>, String> {
        let compiled = self.compiled;
        let key = compiled.scopes.key(path);
        let planned = self
            .planned
            .get(&key)
            .copied()
            .unwrap_or(bytes.len() as u64);
        let sets = compiled.scopes.select_key(&key, planned);
        let mut out: Vec<RuleMatch> = Vec::new();
        for (id, rules) in sets {
            let scanner = self.scanners.entry(id).or_insert_with(|| {
                let mut scanner = yara_x::Scanner::new(rules);
                scanner.set_timeout(Duration::from_secs(self.limits.scan_timeout_seconds.max(1)));
                // Bounds the memory one pattern's matches take on a hostile file.
                scanner.max_matches_per_pattern(self.limits.max_matches_per_pattern);
                scanner
            });
            for m in scan_bytes(scanner, compiled, bytes, &self.limits, &applies)? {
                // A rule others depend on is in several sets, with the same matches.
                if !out.iter().any(|o| o.rule == m.rule) {
                    out.push(m);
                }
            }
        }
        out.sort_by_key(|m| compiled.scopes.order(&m.rule));
        Ok(out)
    }
}

struct Walker<'a, 'r> {
    compiled: &'r Compiled,
    scanners: Scanners<'r>,
    limits: &'a SignatureLimits,
    rule_enabled: &'a (dyn Fn(&str) -> bool + Sync),
    findings: Vec<Finding>,
    report: SignaturesReport,
    /// Bytes left to scan (files of nested archives count too).
    budget: u64,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

impl Walker<'_, '_> {
    fn walk(
        &mut self,
        archive: &PluginArchive,
        prefix: &str,
        depth: u32,
        outer: bool,
    ) -> Result<(), CheckError> {
        for entry in archive.files() {
            self.scanners
                .plan(&format!("{prefix}{}", entry.path()), entry.size);
        }
        for entry in archive.files() {
            let path = format!("{prefix}{}", entry.path());
            if entry.size > self.budget {
                self.not_scanned(
                    &path,
                    format!(
                        "the byte budget of the scan is spent (max_scanned_bytes = {})",
                        self.limits.max_scanned_bytes
                    ),
                );
                continue;
            }
            let bytes = match archive.read(entry) {
                Ok(bytes) => bytes,
                // The upload itself was opened within the limits: a member it cannot read is
                // an error of the check. A nested archive's damaged member is reported.
                Err(e) if outer => return Err(CheckError::Archive(e)),
                Err(e) => {
                    self.not_scanned(&path, format!("it cannot be read: {e}"));
                    continue;
                }
            };
            self.budget = self.budget.saturating_sub(bytes.len() as u64);
            self.scan_file(&path, &bytes);
            if bytes.starts_with(ZIP_MAGIC) {
                if depth >= self.limits.max_nested_depth {
                    self.not_scanned(
                        &path,
                        format!(
                            "its members are nested deeper than max_nested_depth ({})",
                            self.limits.max_nested_depth
                        ),
                    );
                    continue;
                }
                // The upload's archive limits apply to each nested archive too.
                match PluginArchive::open(bytes, archive.limits()) {
                    Ok(nested) => self.walk(&nested, &format!("{path}!"), depth + 1, false)?,
                    Err(e) => {
                        self.not_scanned(&path, format!("its members cannot be read: {e}"));
                    }
                }
            }
        }
        Ok(())
    }

    fn scan_file(&mut self, path: &str, bytes: &[u8]) {
        self.report.files_scanned += 1;
        self.report.bytes_scanned += bytes.len() as u64;
        if self.hashes_apply() {
            let digest = crate::packs::sha256_hex(bytes);
            self.known_bad(&digest, path, &format!("`{path}`"));
        }
        let (compiled, rule_enabled) = (self.compiled, self.rule_enabled);
        let matches = match self.scanners.scan_path(path, bytes, |id, globs| {
            !compiled.is_disabled(id) && rule_enabled(id) && path_included(globs, path)
        }) {
            Ok(matches) => matches,
            Err(reason) => {
                self.not_scanned(path, reason);
                return;
            }
        };
        if matches.is_empty() {
            return;
        }
        let text = !bytes.iter().take(8000).any(|b| *b == 0);
        for m in matches {
            let Some(rule) = self.compiled.rule(&m.rule) else {
                continue;
            };
            let shown: Vec<String> = m
                .hits
                .iter()
                .map(|h| {
                    format!(
                        "{} at offset {} ({} bytes): {}",
                        h.pattern, h.offset, h.len, h.shown
                    )
                })
                .collect();
            let more = if m.more > 0 {
                format!("; {} more match(es)", m.more)
            } else {
                String::new()
            };
            let what = rule
                .description
                .clone()
                .unwrap_or_else(|| format!("matches the signature {}", m.rule));
            let mut finding = Finding::new(
                CHECK_ID,
                rule.info,
                path,
                format!("{}: {what} [{}{more}]", m.rule, shown.join("; ")),
            );
            finding.severity = rule.severity;
            if let (true, Some(first)) = (text, m.hits.first()) {
                let line = bytes[..first.offset.min(bytes.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                finding.line = u32::try_from(line).ok();
                finding.column = Some(1);
            }
            self.findings.push(finding);
        }
    }

    /// Whether any hash list is loaded and its rule is on (else no file is hashed).
    fn hashes_apply(&self) -> bool {
        !self.compiled.bad_hashes.is_empty() && (self.rule_enabled)(KNOWN_BAD_HASH.id)
    }

    fn known_bad(&mut self, digest: &str, path: &str, what: &str) {
        if !(self.rule_enabled)(KNOWN_BAD_HASH.id) {
            return;
        }
        if let Some(lists) = self.compiled.bad_hashes.get(digest) {
            self.findings.push(Finding::new(
                CHECK_ID,
                &KNOWN_BAD_HASH,
                path,
                format!(
                    "{what} has the SHA-256 {digest}, listed as known-bad in {}",
                    lists
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }

    fn not_scanned(&mut self, path: &str, reason: String) {
        self.report.not_scanned.push(format!("{path}: {reason}"));
        if (self.rule_enabled)(NOT_SCANNED.id) {
            self.findings.push(Finding::new(
                CHECK_ID,
                &NOT_SCANNED,
                path,
                format!("`{path}` was not checked against the signatures: {reason}"),
            ));
        }
    }
}

/// Scans one buffer; `applies(rule id, path globs)` says which matching rules count.
/// An error (a timeout) is returned as its reason.
pub(crate) fn scan_bytes(
    scanner: &mut yara_x::Scanner<'_>,
    compiled: &Compiled,
    bytes: &[u8],
    limits: &SignatureLimits,
    applies: &dyn Fn(&str, &[String]) -> bool,
) -> Result<Vec<RuleMatch>, String> {
    let results = scanner.scan(bytes).map_err(|e| match e {
        yara_x::errors::ScanError::Timeout => format!(
            "the signature scan took longer than scan_timeout_seconds ({})",
            limits.scan_timeout_seconds
        ),
        other => format!("the signature scan failed: {other}"),
    })?;
    let mut out = Vec::new();
    for rule in results.matching_rules() {
        let key = (rule.namespace().to_owned(), rule.identifier().to_owned());
        let Some(meta) = compiled.rules_meta.get(&key) else {
            continue;
        };
        if !applies(&meta.id, &meta.path_include) {
            continue;
        }
        let mut hits = Vec::new();
        let mut more = 0;
        for pattern in rule.patterns() {
            for m in pattern.matches() {
                if hits.len() >= limits.max_matches_shown {
                    more += 1;
                    continue;
                }
                let range = m.range();
                hits.push(Hit {
                    pattern: pattern.identifier().to_owned(),
                    offset: range.start,
                    len: range.len(),
                    shown: redact(m.data(), limits.max_match_bytes),
                });
            }
        }
        out.push(RuleMatch {
            rule: meta.id.clone(),
            hits,
            more,
        });
    }
    Ok(out)
}

/// The matched bytes as people read them: printable ASCII kept, the rest as `\xNN`, cut after
/// `max` bytes (a long match is a blob; its offset and length say where it is).
pub fn redact(data: &[u8], max: usize) -> String {
    let mut out = String::from("`");
    for b in data.iter().take(max) {
        match b {
            b' '..=b'~' if *b != b'`' => out.push(*b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('`');
    if data.len() > max {
        out.push_str(&format!("... ({} more bytes)", data.len() - max));
    }
    out
}
