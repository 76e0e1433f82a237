//! OSV records (https://ossf.github.io/osv-schema/) and the evaluation of one against a package
//! version: `ECOSYSTEM` ranges with `introduced`/`fixed`/`last_affected` events, explicit
//! version lists, withdrawn records ignored, and records about one vulnerability (a PYSEC, a
//! GHSA, a CVE id) merged through their aliases.

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::Version;
use serde::Deserialize;
use validator_domain::{CvssScore, Vulnerability};

/// The OSV ecosystem of Python packages.
pub const PYPI: &str = "PyPI";

/// One OSV record, the parts the check reads (unknown fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OsvRecord {
    pub id: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub aliases: Vec<String>,
    /// Records that are about the same vulnerability but are not its aliases (`related`) are
    /// not merged: OSV says they are distinct.
    #[serde(default)]
    pub withdrawn: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ranges: Vec<Range>,
    /// Explicit versions; YAML records may write them as numbers (`- 1.0`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub versions: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Package {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Range {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub events: Vec<Event>,
}

/// One event of a range; versions may be written as numbers in YAML records.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<serde_json::Value>,
    #[serde(default)]
    pub fixed: Option<serde_json::Value>,
    #[serde(default)]
    pub last_affected: Option<serde_json::Value>,
    #[serde(default)]
    pub limit: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SeverityEntry {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub score: String,
}

/// An absent list written as `versions:` with nothing after it (YAML's null) is empty.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A version written as a string or, in YAML, a number.
fn text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub use validator_bundled::release::normalise;

/// How a record applies to one version of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applies {
    /// The first version of the range holding `version` that fixes it, if any.
    pub fixed: Option<String>,
}

impl OsvRecord {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
            .as_ref()
            .is_some_and(|w| !w.is_null() && w.as_str() != Some(""))
    }

    /// A known-malicious package: an OSV `MAL-` record (OpenSSF malicious packages), one that
    /// aliases one, or a malware advisory (GitHub's "Malicious code in ..." records).
    pub fn is_malicious(&self) -> bool {
        self.id.starts_with("MAL-")
            || self.aliases.iter().any(|a| a.starts_with("MAL-"))
            || self
                .summary
                .as_deref()
                .is_some_and(|s| s.starts_with("Malicious code in "))
    }

    /// The `affected` entries of `name` (normalised) in the PyPI ecosystem.
    fn affected_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Affected> + 'a {
        self.affected.iter().filter(move |a| {
            a.package.as_ref().is_some_and(|p| {
                p.ecosystem.split(':').next() == Some(PYPI) && normalise(&p.name) == name
            })
        })
    }

    /// Whether the record names the package at all.
    pub fn names(&self, name: &str) -> bool {
        self.affected_of(name).next().is_some()
    }

    /// Whether the record applies to every version of the package (a malicious package's
    /// record: `introduced: 0` and nothing after it, or no ranges nor versions at all).
    pub fn affects_every_version(&self, name: &str) -> bool {
        self.affected_of(name).any(|a| {
            (a.ranges.is_empty() && a.versions.is_empty())
                || a.ranges.iter().any(|r| {
                    r.kind == "ECOSYSTEM"
                        && r.events
                            .iter()
                            .any(|e| e.introduced.as_ref().and_then(text).as_deref() == Some("0"))
                        && r.events
                            .iter()
                            .all(|e| e.fixed.is_none() && e.last_affected.is_none())
                })
        })
    }

    /// Whether the record applies to `version` of `name` (normalised); withdrawn records never
    /// do. Explicit versions are compared as written and as PEP 440 versions; `ECOSYSTEM`
    /// ranges are evaluated as the OSV schema says: events in version order, `introduced`
    /// starts an affected stretch, `fixed` ends it before, `last_affected` after its version.
    pub fn applies(&self, name: &str, version: &str) -> Option<Applies> {
        if self.is_withdrawn() {
            return None;
        }
        let parsed = Version::from_str(version).ok();
        let mut listed = false;
        for affected in self.affected_of(name) {
            for range in affected.ranges.iter().filter(|r| r.kind == "ECOSYSTEM") {
                let Some(v) = &parsed else { continue };
                if let Some(applies) = in_range(range, v) {
                    return Some(applies);
                }
            }
            listed |= affected.versions.iter().filter_map(text).any(|listed| {
                listed == version
                    || match (&parsed, Version::from_str(&listed)) {
                        (Some(v), Ok(l)) => *v == l,
                        _ => false,
                    }
            });
        }
        // Listed explicitly but outside every range (or unparsable): affected, and the fix is
        // whatever the ranges name after it.
        listed.then(|| Applies {
            fixed: parsed.as_ref().and_then(|v| self.first_fix_after(name, v)),
        })
    }

    fn first_fix_after(&self, name: &str, version: &Version) -> Option<String> {
        self.affected_of(name)
            .flat_map(|a| a.ranges.iter())
            .flat_map(|r| r.events.iter())
            .filter_map(|e| e.fixed.as_ref().and_then(text))
            .filter_map(|f| Version::from_str(&f).ok().map(|v| (v, f)))
            .filter(|(v, _)| v > version)
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, f)| f)
    }

    /// The severity: the highest CVSS base score of the record's vectors (and its affected
    /// entries'), else the database's own rating (GitHub's `CRITICAL`, `HIGH`, `MODERATE`,
    /// `LOW`).
    pub fn severity(&self) -> (String, Option<CvssScore>, Option<String>) {
        let vectors = self
            .severity
            .iter()
            .chain(self.affected.iter().flat_map(|a| a.severity.iter()))
            .filter(|s| s.kind.starts_with("CVSS_"));
        let best = vectors
            .filter_map(|s| {
                let cvss = cvss::Cvss::from_str(s.score.trim()).ok()?;
                Some((
                    CvssScore::from_score(cvss.score()),
                    s.score.trim().to_owned(),
                ))
            })
            .max_by_key(|(score, _)| *score);
        if let Some((score, vector)) = best {
            return (rating(score).to_owned(), Some(score), Some(vector));
        }
        let label = self
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str())
            .map(|s| match s.to_ascii_lowercase().as_str() {
                "critical" => "critical",
                "high" => "high",
                "moderate" | "medium" => "medium",
                "low" => "low",
                _ => "unknown",
            })
            .unwrap_or("unknown");
        (label.to_owned(), None, None)
    }

    /// The summary, else the details, shortened for a report line.
    pub fn short_summary(&self, max_chars: usize) -> String {
        let text = self
            .summary
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or(self.details.as_deref())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let first = text.as_str();
        if first.chars().count() > max_chars {
            let cut: String = first.chars().take(max_chars).collect();
            format!("{}...", cut.trim_end())
        } else {
            first.to_owned()
        }
    }
}

/// CVSS v3/v4's qualitative rating of a base score.
fn rating(score: CvssScore) -> &'static str {
    match score.0 {
        90.. => "critical",
        70..=89 => "high",
        40..=69 => "medium",
        1..=39 => "low",
        0 => "none",
    }
}

/// The OSV schema's range evaluation for one version: `Some` with the fix when affected.
fn in_range(range: &Range, version: &Version) -> Option<Applies> {
    // (version, kind): introduced 0, fixed 1, last_affected 2; "0" is before every version.
    let mut events: Vec<(Option<Version>, u8, String)> = Vec::new();
    for event in &range.events {
        let mut push = |value: &Option<serde_json::Value>, kind: u8| {
            if let Some(raw) = value.as_ref().and_then(text) {
                let parsed = if raw == "0" {
                    None
                } else {
                    match Version::from_str(&raw) {
                        Ok(v) => Some(v),
                        // An event that is not a PEP 440 version cannot be placed: skip it.
                        Err(_) => return,
                    }
                };
                events.push((parsed, kind, raw));
            }
        };
        push(&event.introduced, 0);
        push(&event.fixed, 1);
        push(&event.last_affected, 2);
    }
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut affected = false;
    let mut fix: Option<String> = None;
    for (at, kind, raw) in &events {
        match kind {
            0 if at.as_ref().is_none_or(|at| version >= at) => {
                affected = true;
                fix = None;
            }
            1 if at.as_ref().is_some_and(|at| version >= at) => affected = false,
            1 if affected && fix.is_none() => fix = Some(raw.clone()),
            2 if at.as_ref().is_some_and(|at| version > at) => affected = false,
            _ => {}
        }
    }
    affected.then_some(Applies { fixed: fix })
}

/// Merges the records that apply to one dependency into vulnerabilities: records sharing an id
/// or an alias are one vulnerability (the PyPA database's PYSEC record and GitHub's GHSA record
/// of one CVE), shown under the most specific id.
pub fn merge(records: &[(&OsvRecord, Applies)], max_summary_chars: usize) -> Vec<Vulnerability> {
    let ids = |r: &OsvRecord| -> BTreeSet<String> {
        std::iter::once(r.id.clone())
            .chain(r.aliases.iter().cloned())
            .collect()
    };
    // Union of overlapping id sets (a handful of records per dependency: quadratic is fine).
    let mut groups: Vec<(BTreeSet<String>, Vec<usize>)> = Vec::new();
    for (i, (record, _)) in records.iter().enumerate() {
        let mine = ids(record);
        let mut merged = (mine, vec![i]);
        let mut k = 0;
        while k < groups.len() {
            if !groups[k].0.is_disjoint(&merged.0) {
                let (set, members) = groups.swap_remove(k);
                merged.0.extend(set);
                merged.1.extend(members);
            } else {
                k += 1;
            }
        }
        groups.push(merged);
    }
    let preference = |id: &str| -> u8 {
        ["MAL-", "PYSEC-", "GHSA-", "CVE-"]
            .iter()
            .position(|p| id.starts_with(p))
            .unwrap_or(4) as u8
    };
    let mut out: Vec<Vulnerability> = groups
        .into_iter()
        .map(|(all_ids, mut members)| {
            members.sort_by_key(|&m| (preference(&records[m].0.id), records[m].0.id.clone()));
            let lead = records[members[0]].0;
            let id = lead.id.clone();
            let aliases: Vec<String> = all_ids.into_iter().filter(|a| *a != id).collect();
            let mut severity = ("unknown".to_owned(), None, None);
            for &m in &members {
                let s = records[m].0.severity();
                let better = match (s.1, severity.1) {
                    (Some(a), Some(b)) => a > b,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => severity_rank(&s.0) > severity_rank(&severity.0),
                };
                if better {
                    severity = s;
                }
            }
            let summary = members
                .iter()
                .map(|&m| records[m].0)
                .find(|r| r.summary.as_deref().is_some_and(|s| !s.trim().is_empty()))
                .unwrap_or(lead)
                .short_summary(max_summary_chars);
            // The latest "first fix" of the merged records: each database may place it apart.
            let fixed = members
                .iter()
                .filter_map(|&m| records[m].1.fixed.clone())
                .filter_map(|f| Version::from_str(&f).ok().map(|v| (v, f)))
                .max_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, f)| f);
            Vulnerability {
                malicious: members.iter().any(|&m| records[m].0.is_malicious()),
                url: format!("https://osv.dev/vulnerability/{id}"),
                id,
                aliases,
                severity: severity.0,
                score: severity.1,
                cvss: severity.2,
                summary,
                fixed,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (!a.malicious, std::cmp::Reverse(a.score), &a.id).cmp(&(
            !b.malicious,
            std::cmp::Reverse(b.score),
            &b.id,
        ))
    });
    out
}

fn severity_rank(label: &str) -> u8 {
    match label {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The smallest version that fixes every vulnerability (the largest of their first fixes), or
/// `None` when one has no published fix.
pub fn upgrade_target(vulnerabilities: &[Vulnerability]) -> Option<String> {
    let mut best: Option<(Version, String)> = None;
    for v in vulnerabilities {
        let fixed = v.fixed.as_ref()?;
        let parsed = Version::from_str(fixed).ok()?;
        if best.as_ref().is_none_or(|(b, _)| parsed > *b) {
            best = Some((parsed, fixed.clone()));
        }
    }
    best.map(|(_, f)| f)
}

/// Parses one OSV record from JSON or YAML text (the PyPA advisory database is YAML).
pub fn parse_record(text: &str, yaml: bool) -> Result<OsvRecord, String> {
    if yaml {
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> OsvRecord {
        serde_json::from_str(json).expect("a record")
    }

    const RANGES: &str = r#"{"id": "T-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "Some_Pkg"},
        "ranges": [{"type": "ECOSYSTEM", "events": [
            {"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "2.0"}, {"last_affected": "2.5"}]},
            {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abcdef"}]}]}]}"#;

    #[test]
    fn ecosystem_ranges_with_fixed_and_last_affected() {
        let r = record(RANGES);
        let fixed = |v: &str| r.applies("some-pkg", v).map(|a| a.fixed);
        assert_eq!(fixed("0.9"), Some(Some("1.0".to_owned())));
        assert_eq!(fixed("1.0"), None, "fixed is not affected");
        assert_eq!(fixed("1.5"), None);
        assert_eq!(fixed("2.0"), Some(None));
        assert_eq!(fixed("2.5"), Some(None), "last_affected is affected");
        assert_eq!(fixed("2.5.1"), None);
        assert_eq!(
            fixed("1.0rc1"),
            Some(Some("1.0".to_owned())),
            "PEP 440 order"
        );
        assert_eq!(r.applies("other", "0.1"), None);
    }

    #[test]
    fn explicit_versions_withdrawn_and_every_version() {
        let listed = record(
            r#"{"id": "T-2", "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"},
            "versions": ["1.0", 2.1]}]}"#,
        );
        assert!(listed.applies("pkg", "1.0").is_some());
        assert!(listed.applies("pkg", "1.0.0").is_some(), "PEP 440 equality");
        assert!(listed.applies("pkg", "2.1").is_some(), "YAML numbers");
        assert!(listed.applies("pkg", "1.1").is_none());
        let withdrawn = record(
            r#"{"id": "T-3", "withdrawn": "2024-01-01T00:00:00Z", "affected": [{"package":
            {"ecosystem": "PyPI", "name": "pkg"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
        );
        assert!(withdrawn.applies("pkg", "1.0").is_none());
        assert!(withdrawn.affects_every_version("pkg"));
        let mal = record(
            r#"{"id": "MAL-2099-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
        );
        assert!(mal.is_malicious() && mal.affects_every_version("pkg"));
        assert!(!record(RANGES).affects_every_version("some-pkg"));
    }

    #[test]
    fn aliases_merge_and_the_latest_fix_wins() {
        let a = record(r#"{"id": "PYSEC-1", "aliases": ["CVE-1"], "summary": "one"}"#);
        let b = record(
            r#"{"id": "GHSA-1", "aliases": ["CVE-1"], "database_specific": {"severity": "CRITICAL"}}"#,
        );
        let c = record(r#"{"id": "PYSEC-2", "details": "Two. More text."}"#);
        let applies = |f: &str| Applies {
            fixed: Some(f.to_owned()),
        };
        let merged = merge(
            &[
                (&a, applies("1.2")),
                (&b, applies("1.3")),
                (&c, applies("1.10")),
            ],
            80,
        );
        assert_eq!(merged.len(), 2);
        let one = merged
            .iter()
            .find(|v| v.id == "PYSEC-1")
            .expect("merged under PYSEC");
        assert_eq!(one.aliases, ["CVE-1", "GHSA-1"]);
        assert_eq!(one.severity, "critical");
        assert_eq!(one.fixed.as_deref(), Some("1.3"));
        let two = merged
            .iter()
            .find(|v| v.id == "PYSEC-2")
            .expect("kept apart");
        assert_eq!(two.summary, "Two. More text.");
        assert_eq!(
            upgrade_target(&merged).as_deref(),
            Some("1.10"),
            "PEP 440, not text"
        );
    }

    #[test]
    fn cvss_vectors_give_scores_and_ratings() {
        let r = record(
            r#"{"id": "X", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}"#,
        );
        let (label, score, vector) = r.severity();
        assert_eq!(label, "critical");
        assert_eq!(score, Some(CvssScore(98)));
        assert!(vector.is_some_and(|v| v.starts_with("CVSS:3.1/")));
    }
}
