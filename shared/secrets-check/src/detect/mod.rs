//! The detectors: one per detect-secrets plugin, grouped by family. Each declares a cheap
//! prefilter (a plain regex that every line it can report on matches); all prefilters form one
//! `RegexSet`, so a line is looked at once and only the detectors whose prefilter matched run
//! their exact patterns. Everything is compiled once per process.

mod cloud;
mod credentials;
pub(crate) mod entropy;
pub(crate) mod keyword;
mod tokens;

use std::sync::LazyLock;

use regex::RegexSet;

use crate::rules::SecretType;
use crate::FileType;

/// How a detector finds candidate values in a line.
pub(crate) enum Analyzer {
    /// A detect-secrets `RegexBasedDetector`: every match of every pattern, Python `findall`
    /// style (the whole match without groups, else every non-empty group), optionally validated.
    Regex {
        patterns: &'static [&'static str],
        validate: Option<fn(&str) -> bool>,
    },
    /// `KeywordDetector`, with its per-file-type patterns.
    Keyword,
    /// A high-entropy-string plugin.
    Entropy(entropy::Charset),
}

pub(crate) struct DetectorSpec {
    pub ty: &'static SecretType,
    /// A plain regex (no look-around) that matches every line this detector reports on.
    pub prefilter: &'static str,
    pub analyzer: Analyzer,
}

/// Every detector, in detect-secrets' plugin order.
const SPECS: [&DetectorSpec; 27] = [
    &tokens::ARTIFACTORY,
    &cloud::AWS,
    &cloud::AZURE_STORAGE,
    &credentials::BASIC_AUTH,
    &cloud::CLOUDANT,
    &tokens::DISCORD,
    &tokens::GITHUB,
    &tokens::GITLAB,
    &entropy::BASE64,
    &entropy::HEX,
    &cloud::IBM_CLOUD_IAM,
    &cloud::IBM_COS_HMAC,
    &credentials::IP_PUBLIC,
    &credentials::JWT,
    &keyword::KEYWORD,
    &tokens::MAILCHIMP,
    &tokens::NPM,
    &tokens::OPENAI,
    &credentials::PRIVATE_KEY,
    &tokens::PYPI,
    &tokens::SENDGRID,
    &tokens::SLACK,
    &cloud::SOFTLAYER,
    &tokens::SQUARE_OAUTH,
    &tokens::STRIPE,
    &tokens::TELEGRAM,
    &tokens::TWILIO,
];

pub(crate) struct Detector {
    pub spec: &'static DetectorSpec,
    patterns: Vec<fancy_regex::Regex>,
}

pub(crate) struct Detectors {
    pub list: Vec<Detector>,
    pub prefilter: RegexSet,
}

/// Compiled once per process. The patterns are constants checked by the tests, so a failure
/// here is a programming error, not an input error.
pub(crate) static DETECTORS: LazyLock<Detectors> = LazyLock::new(|| {
    let list = SPECS
        .iter()
        .map(|spec| Detector {
            spec,
            patterns: match &spec.analyzer {
                Analyzer::Regex { patterns, .. } => patterns
                    .iter()
                    .map(|p| {
                        fancy_regex::Regex::new(p)
                            .unwrap_or_else(|e| panic!("detector pattern {p}: {e}"))
                    })
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect();
    let prefilter = RegexSet::new(SPECS.iter().map(|s| s.prefilter))
        .unwrap_or_else(|e| panic!("detector prefilters: {e}"));
    Detectors { list, prefilter }
});

impl Detector {
    /// detect-secrets' `RegexBasedDetector` (every plugin but the keyword and entropy ones):
    /// the likely-id filter does not apply to them.
    pub fn is_regex_based(&self) -> bool {
        matches!(self.spec.analyzer, Analyzer::Regex { .. })
    }

    /// The candidate values of this detector in one (right-stripped) line.
    pub fn analyze(&self, line: &str, file_type: FileType, out: &mut Vec<String>) {
        match &self.spec.analyzer {
            Analyzer::Regex { validate, .. } => {
                for regex in &self.patterns {
                    findall(regex, line, |value| {
                        if validate.is_none_or(|ok| ok(value)) {
                            out.push(value.to_owned());
                        }
                    });
                }
            }
            Analyzer::Keyword => keyword::analyze(line, file_type, out),
            Analyzer::Entropy(charset) => charset.analyze(line, out),
        }
    }
}

/// Python's `re.findall` as `RegexBasedDetector.analyze_string` consumes it: without groups the
/// whole match, with one group that group, with several every non-empty group.
fn findall(regex: &fancy_regex::Regex, line: &str, mut emit: impl FnMut(&str)) {
    let groups = regex.captures_len() - 1;
    for caps in regex.captures_iter(line) {
        let caps = match caps {
            Ok(caps) => caps,
            Err(error) => {
                // Backtracking limit on a hostile line: the rest of the line is not searched.
                tracing::debug!(%error, "secrets pattern gave up on a line");
                return;
            }
        };
        match groups {
            0 => emit(caps.get(0).map_or("", |m| m.as_str())),
            1 => emit(caps.get(1).map_or("", |m| m.as_str())),
            _ => {
                for group in 1..=groups {
                    if let Some(m) = caps.get(group).filter(|m| !m.as_str().is_empty()) {
                        emit(m.as_str());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_types_are_in_rule_order() {
        let detectors = &*DETECTORS;
        assert_eq!(detectors.list.len(), 27);
        for (detector, ty) in detectors.list.iter().zip(crate::rules::SECRET_TYPES.iter()) {
            assert_eq!(detector.spec.ty.rule.id, ty.rule.id);
        }
    }
}
