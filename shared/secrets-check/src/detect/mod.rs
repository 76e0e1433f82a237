//! The detectors: one per detect-secrets plugin, grouped by family. Each declares an anchor that
//! every line it can report on contains: literals (all detectors' literals form one
//! Aho-Corasick automaton, in any ASCII case, run once over the whole file; the literals that
//! must match in their own case are compared after), a plain regex for the few detectors
//! without a literal, or a quote character. Only candidate lines run the exact patterns. The
//! anchors are compiled once per process, each detector's exact patterns when a line first
//! reaches it.
//!
//! (A single `RegexSet` of line prefilters was tried first: on random-looking data its lazy DFA
//! thrashes and a 20 MB file took seconds.)

mod cloud;
mod credentials;
pub(crate) mod entropy;
pub(crate) mod keyword;
mod tokens;

use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::Regex;

use crate::line_regex::{ascii_form, LineRegex};
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

/// What every line a detector reports on contains.
pub(crate) enum Anchor {
    /// One of these literals (`exact` in that case, `any_case` in any ASCII case), and then the
    /// `confirm` regex, when given, matches the line.
    Literals {
        exact: &'static [&'static str],
        any_case: &'static [&'static str],
        confirm: Option<&'static str>,
    },
    /// A plain regex (no look-around, never matching a line break), run over the whole file.
    /// `ascii_form`: `\d` is its only Unicode class, so on text without non-ASCII digits its
    /// ASCII form ([`ascii_form`]) runs instead and matches the same: Unicode digit classes
    /// made up most of the start-up time, and nearly every file qualifies, accented comments
    /// and all.
    Pattern {
        pattern: &'static str,
        ascii_form: bool,
    },
    /// A single or double quote (the entropy plugins look at quoted strings only).
    Quote,
}

pub(crate) struct DetectorSpec {
    pub ty: &'static SecretType,
    pub anchor: Anchor,
    pub analyzer: Analyzer,
}

impl DetectorSpec {
    /// A detector that is just detect-secrets' patterns, no validation.
    pub(crate) const fn regex(
        ty: &'static SecretType,
        anchor: Anchor,
        patterns: &'static [&'static str],
    ) -> Self {
        Self {
            ty,
            anchor,
            analyzer: Analyzer::Regex {
                patterns,
                validate: None,
            },
        }
    }
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

/// An exact pattern: plain regexes run on the `regex` crate's engine, those with look-arounds on
/// `fancy-regex`.
enum Pattern {
    Plain(LineRegex),
    Fancy(fancy_regex::Regex),
}

pub(crate) struct Detector {
    pub spec: &'static DetectorSpec,
    /// Compiled on the first line that reaches the detector (most files reach few of them):
    /// compiling them all cost more than scanning a small plugin.
    patterns: OnceLock<Vec<Pattern>>,
    confirm: OnceLock<Option<LineRegex>>,
}

pub(crate) struct Detectors {
    pub list: Vec<Detector>,
    /// Every literal of every detector, matched in any ASCII case: one pass over the text
    /// instead of one per case rule (the scan costs more than checking the case of the few
    /// literals that must match exactly).
    literals: AhoCorasick,
    /// Per literal: its detectors, and the literal itself when it must match in its own case.
    literal_owners: Vec<(LineBits, Option<&'static str>)>,
    /// (detector, whole-file regex).
    patterns: Vec<(usize, AnchorPattern)>,
    /// Bit set of the quote-anchored detectors.
    quote_bits: u32,
}

/// An [`Anchor::Pattern`], each form compiled when first needed.
struct AnchorPattern {
    pattern: &'static str,
    ascii_form: bool,
    any_text: OnceLock<Regex>,
    ascii_text: OnceLock<Regex>,
}

impl AnchorPattern {
    fn regex(&self, ascii_digits_only: bool) -> &Regex {
        if self.ascii_form && ascii_digits_only {
            self.ascii_text
                .get_or_init(|| plain(&ascii_form(self.pattern)))
        } else {
            self.any_text.get_or_init(|| plain(self.pattern))
        }
    }
}

/// Candidate detectors per line, as a bit set (27 detectors fit a `u32`).
pub(crate) type LineBits = u32;

fn compile(pattern: &str) -> Pattern {
    match LineRegex::new(pattern) {
        Ok(regex) => Pattern::Plain(regex),
        Err(_) => Pattern::Fancy(
            fancy_regex::Regex::new(pattern)
                .unwrap_or_else(|e| panic!("detector pattern {pattern}: {e}")),
        ),
    }
}

fn plain(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("detector anchor {pattern}: {e}"))
}

/// Compiled once per process. The patterns are constants checked by the tests, so a failure
/// here is a programming error, not an input error.
pub(crate) static DETECTORS: LazyLock<Detectors> = LazyLock::new(|| {
    // Several detectors share literals (`key`, `pass`, ...): each literal is searched once.
    let mut literals: Vec<&str> = Vec::new();
    let mut literal_owners: Vec<(LineBits, Option<&'static str>)> = Vec::new();
    let mut add = |literal: &'static str, exact: bool, index: usize| {
        let case = exact.then_some(literal);
        match literals
            .iter()
            .zip(&literal_owners)
            .position(|(l, (_, c))| *l == literal && *c == case)
        {
            Some(at) => literal_owners[at].0 |= 1 << index,
            None => {
                literals.push(literal);
                literal_owners.push((1 << index, case));
            }
        }
    };
    let mut patterns = Vec::new();
    let mut quote_bits = 0;
    let mut list = Vec::new();
    for (index, spec) in SPECS.iter().enumerate() {
        match &spec.anchor {
            Anchor::Literals {
                exact, any_case, ..
            } => {
                for literal in *exact {
                    add(literal, true, index);
                }
                for literal in *any_case {
                    add(literal, false, index);
                }
            }
            Anchor::Pattern {
                pattern,
                ascii_form,
            } => patterns.push((
                index,
                AnchorPattern {
                    pattern,
                    ascii_form: *ascii_form,
                    any_text: OnceLock::new(),
                    ascii_text: OnceLock::new(),
                },
            )),
            Anchor::Quote => quote_bits |= 1 << index,
        }
        list.push(Detector {
            spec,
            patterns: OnceLock::new(),
            confirm: OnceLock::new(),
        });
    }
    let literals = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&literals)
        .unwrap_or_else(|e| panic!("detector literals: {e}"));
    Detectors {
        list,
        literals,
        literal_owners,
        patterns,
        quote_bits,
    }
});

impl Detectors {
    /// The candidate detectors of every line of `text` (lines start at `line_starts`), among the
    /// `enabled` ones: one pass of each automaton, plus one per literal-less detector.
    pub fn candidates(
        &self,
        text: &str,
        line_starts: &[usize],
        enabled: LineBits,
    ) -> Vec<LineBits> {
        let mut bits = vec![0 as LineBits; line_starts.len()];
        let line_of = |offset: usize| {
            line_starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1)
        };
        let mut mark = |offset: usize, detectors: LineBits| {
            let detectors = detectors & enabled;
            if detectors != 0 {
                if let Some(slot) = bits.get_mut(line_of(offset)) {
                    *slot |= detectors;
                }
            }
        };
        for m in self.literals.find_overlapping_iter(text) {
            let (detectors, case) = self.literal_owners[m.pattern().as_usize()];
            if case.is_none_or(|literal| text.as_bytes()[m.range()] == *literal.as_bytes()) {
                mark(m.start(), detectors);
            }
        }
        let ascii_digits_only = ascii_digits_only(text);
        for (detector, pattern) in &self.patterns {
            if enabled & (1 << detector) != 0 {
                for m in pattern.regex(ascii_digits_only).find_iter(text) {
                    mark(m.start(), 1 << detector);
                }
            }
        }
        bits
    }

    /// Compiles everything that is otherwise compiled on first use.
    pub fn warm_up(&self) {
        for (_, pattern) in &self.patterns {
            pattern.regex(true);
            pattern.regex(false);
        }
        self.list.iter().for_each(Detector::warm_up);
    }

    /// The quote-anchored detectors among `enabled`, when the line has a quote.
    pub fn quote_candidates(&self, line: &str, enabled: LineBits) -> LineBits {
        if line.contains(['\'', '"']) {
            self.quote_bits & enabled
        } else {
            0
        }
    }
}

/// Whether `text` has no digit outside ASCII, so that an anchor's ASCII form matches as its
/// Unicode one. `char::is_numeric` takes in every Unicode digit (`\d`) and more.
fn ascii_digits_only(text: &str) -> bool {
    text.is_ascii() || !text.chars().any(|c| !c.is_ascii() && c.is_numeric())
}

impl Detector {
    /// detect-secrets' `RegexBasedDetector` (every plugin but the keyword and entropy ones):
    /// the likely-id filter does not apply to them.
    pub fn is_regex_based(&self) -> bool {
        matches!(self.spec.analyzer, Analyzer::Regex { .. })
    }

    fn confirm(&self) -> Option<&LineRegex> {
        self.confirm
            .get_or_init(|| match &self.spec.anchor {
                Anchor::Literals { confirm, .. } => confirm.map(|pattern| {
                    LineRegex::new(pattern)
                        .unwrap_or_else(|e| panic!("detector confirmation {pattern}: {e}"))
                }),
                _ => None,
            })
            .as_ref()
    }

    fn patterns(&self) -> &[Pattern] {
        self.patterns.get_or_init(|| match &self.spec.analyzer {
            Analyzer::Regex { patterns, .. } => patterns.iter().map(|p| compile(p)).collect(),
            _ => Vec::new(),
        })
    }

    /// Compiles what [`Detector::analyze`] would compile on first use.
    fn warm_up(&self) {
        self.confirm();
        self.patterns();
    }

    /// The candidate values of this detector in one (right-stripped) line.
    pub fn analyze(&self, line: &str, file_type: FileType, out: &mut Vec<String>) {
        if self.confirm().is_some_and(|c| !c.is_match(line)) {
            return;
        }
        match &self.spec.analyzer {
            Analyzer::Regex { validate, .. } => {
                for pattern in self.patterns() {
                    findall(pattern, line, |value| {
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
fn findall(pattern: &Pattern, line: &str, mut emit: impl FnMut(&str)) {
    match pattern {
        Pattern::Plain(regex) => {
            let groups = regex.groups();
            for caps in regex.captures_iter(line) {
                emit_groups(
                    groups,
                    |i| caps.get_group(i).map(|span| &line[span.range()]),
                    &mut emit,
                );
            }
        }
        Pattern::Fancy(regex) => {
            let groups = regex.captures_len() - 1;
            for caps in regex.captures_iter(line) {
                match caps {
                    Ok(caps) => emit_groups(groups, |i| caps.get(i).map(|m| m.as_str()), &mut emit),
                    Err(error) => {
                        // Backtracking limit on a hostile line: the rest of it is not searched.
                        tracing::debug!(%error, "secrets pattern gave up on a line");
                        return;
                    }
                }
            }
        }
    }
}

fn emit_groups<'a>(
    groups: usize,
    get: impl Fn(usize) -> Option<&'a str>,
    emit: &mut impl FnMut(&str),
) {
    match groups {
        0 => emit(get(0).unwrap_or("")),
        1 => emit(get(1).unwrap_or("")),
        _ => {
            for group in 1..=groups {
                if let Some(m) = get(group).filter(|m| !m.is_empty()) {
                    emit(m);
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
        detectors.warm_up();
        assert_eq!(detectors.list.len(), 27);
        for (detector, ty) in detectors.list.iter().zip(crate::rules::SECRET_TYPES.iter()) {
            assert_eq!(detector.spec.ty.rule.id, ty.rule.id);
        }
    }

    #[test]
    fn exact_case_literals_only_mark_lines_with_that_case() {
        let text = "x = 'akiaiosfodnn7example'\ny = 'AKIAIOSFODNN7EXAMPLE'\nz = 'Secret'\n";
        let starts = [0, 27, 54];
        let bit = |spec: &DetectorSpec| {
            let at = SPECS.iter().position(|s| s.ty.rule.id == spec.ty.rule.id);
            1 << at.expect("a detector")
        };
        let (aws, keyword) = (bit(&cloud::AWS), bit(&keyword::KEYWORD));
        let bits = DETECTORS.candidates(text, &starts, LineBits::MAX);
        assert_eq!(bits[0] & aws, 0, "AKIA in lower case is no AWS key anchor");
        assert_ne!(bits[1] & aws, 0);
        assert_ne!(bits[2] & keyword, 0, "keywords match in any case");
    }

    #[test]
    fn line_regexes_match_like_the_regex_crate() {
        let lines = [
            "aws_key = 'AKIAIOSFODNN7EXAMPLE' # and ASIAXXXXXXXXXXXXXXXX",
            "url = 'https://user:p4ssw0rd@example.org/path'",
            "token = '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' ghs_x",
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "xoxb-123456789012-123456789012-abcdefghijABCDEFGHIJabcd",
            "sk_live_abcdefghijklmnopqrstuvwx and rk_test_abcdefghijklmnop",
            "AccountKey=lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==",
            "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",
            "caf\u{e9} = 'AKIA\u{e9}OSFODNN7EXAMPLE' 9\u{661}.0.0.1 203.0.113.7",
            "nothing to see here",
        ];
        let mut compared = 0;
        for spec in SPECS {
            let Analyzer::Regex { patterns, .. } = &spec.analyzer else {
                continue;
            };
            let confirm = match &spec.anchor {
                Anchor::Literals { confirm, .. } => *confirm,
                _ => None,
            };
            for pattern in patterns.iter().copied().chain(confirm) {
                let (Ok(reference), Ok(ours)) = (Regex::new(pattern), LineRegex::new(pattern))
                else {
                    continue; // look-arounds: fancy-regex, unchanged
                };
                assert_eq!(ours.groups() + 1, reference.captures_len(), "{pattern}");
                for line in lines {
                    let theirs: Vec<Vec<_>> = reference
                        .captures_iter(line)
                        .map(|caps| caps.iter().map(|m| m.map(|m| m.range())).collect())
                        .collect();
                    let mine: Vec<Vec<_>> = ours
                        .captures_iter(line)
                        .map(|caps| {
                            (0..=ours.groups())
                                .map(|group| caps.get_group(group).map(|span| span.range()))
                                .collect()
                        })
                        .collect();
                    assert_eq!(mine, theirs, "{pattern} on {line}");
                    compared += usize::from(!theirs.is_empty());
                }
            }
        }
        assert!(compared >= 8, "{compared}");
    }

    #[test]
    fn ascii_anchor_forms_agree_on_text_without_non_ascii_digits() {
        let lines = [
            "jeton = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs' # clé, ½",
            "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_ token (référence)",
            "token = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs'",
            "x.abcdef.abcdefghijklmnopqrstuvwxyz0 and x.abc.def",
            "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_ token",
            "12345678:short, 1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_",
        ];
        let mut checked = 0;
        for (_, pattern) in &DETECTORS.patterns {
            if !pattern.ascii_form {
                continue;
            }
            let (ascii, any) = (pattern.regex(true), pattern.regex(false));
            for line in lines {
                let found = |r: &Regex| r.find_iter(line).map(|m| m.range()).collect::<Vec<_>>();
                assert_eq!(found(ascii), found(any), "{} on {line}", pattern.pattern);
                checked += usize::from(any.is_match(line));
            }
        }
        assert!(checked >= 2);
        // Arabic-Indic digits are `\d` for detect-secrets: such text keeps the Unicode forms.
        let arabic = "bot \u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
        assert!(!ascii_digits_only(arabic));
        assert!(ascii_digits_only(lines[1]) && ascii_digits_only(lines[2]));
        // `½` is no `\d`, but numeric: the check errs on the Unicode side.
        assert!(!ascii_digits_only(lines[0]));
        let telegram = DETECTORS
            .patterns
            .iter()
            .map(|(_, p)| p)
            .find(|p| p.pattern.contains(':'));
        let telegram = telegram.expect("the Telegram anchor");
        assert!(telegram.regex(false).is_match(arabic));
        assert!(!telegram.regex(true).is_match(arabic));
    }
}
