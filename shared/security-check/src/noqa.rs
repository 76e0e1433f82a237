//! ruff's `# noqa: Sxxx` comments (also flake8-bandit's), honoured under the policy like
//! `# nosec Bxxx` for the Bandit test each code mirrors. ruff reimplements Bandit's tests as
//! the `S` rules with Bandit's numbers (`S105` = `B105`), and many plugins mark their false
//! positives for ruff rather than for Bandit. A bare `# noqa` is not honoured: it is written for
//! line-length and style codes far more often than for a security finding, and Bandit itself
//! ignores it. `--rules all` reproduces Bandit, which does not read `# noqa` at all.

use std::collections::{BTreeSet, HashMap};

use validator_python::PythonModule;

use crate::nosec::{Nosec, NosecLines};
use crate::rules::Rule;

/// ruff's flake8-bandit rules (`S` + Bandit's number), as listed in ruff's rule documentation.
/// Codes whose Bandit test Bandit 1.9.4 no longer has (S320 = B320, S410 = B410) name no rule
/// of ours.
pub const RUFF_BANDIT_CODES: &[&str] = &[
    "S101", "S102", "S103", "S104", "S105", "S106", "S107", "S108", "S110", "S112", "S113", "S201",
    "S202", "S301", "S302", "S303", "S304", "S305", "S306", "S307", "S308", "S310", "S311", "S312",
    "S313", "S314", "S315", "S316", "S317", "S318", "S319", "S320", "S321", "S323", "S324", "S401",
    "S402", "S403", "S404", "S405", "S406", "S407", "S408", "S409", "S410", "S411", "S412", "S413",
    "S415", "S501", "S502", "S503", "S504", "S505", "S506", "S507", "S508", "S509", "S601", "S602",
    "S603", "S604", "S605", "S606", "S607", "S608", "S609", "S610", "S611", "S612", "S701", "S702",
    "S704",
];

/// The Bandit rule a ruff code mirrors (`S105` -> B105), `None` for any other code.
pub fn bandit_rule_of(code: &str) -> Option<Rule> {
    if !RUFF_BANDIT_CODES.contains(&code) {
        return None;
    }
    let number = code.strip_prefix('S')?;
    Rule::named_in_nosec(&format!("B{number}"))
}

/// The codes of a ruff `# noqa: CODE[, CODE ...]` comment (`None` when the comment is none, or
/// a bare `# noqa`). As ruff reads it: `#`, optional spaces, `noqa` in any case, a colon,
/// then codes (capital letters and digits) separated by commas and/or spaces.
pub fn parse_noqa_codes(comment: &str) -> Option<Vec<&str>> {
    for (at, _) in comment.match_indices('#') {
        let rest = comment[at + 1..].trim_start();
        let Some(word) = rest.get(..4) else { continue };
        if !word.eq_ignore_ascii_case("noqa") {
            continue;
        }
        let rest = rest[4..].strip_prefix(':')?.trim_start();
        let mut codes = Vec::new();
        for part in rest.split(|c: char| c == ',' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let letters = part.bytes().take_while(u8::is_ascii_uppercase).count();
            let is_code = letters > 0
                && part.len() > letters
                && part[letters..].bytes().all(|b| b.is_ascii_digit());
            if !is_code {
                // ruff stops at the first word that is no code (the rest is free text).
                break;
            }
            codes.push(part);
        }
        return (!codes.is_empty()).then_some(codes);
    }
    None
}

/// The `# noqa: Sxxx` comments of a file, by line, as the Bandit tests they suppress (each
/// comment names at least one test: a `# noqa` without Bandit codes is left out).
pub fn noqa_lines(module: &PythonModule) -> NosecLines {
    let mut lines = HashMap::new();
    for (range, text) in module.comments() {
        let Some(codes) = parse_noqa_codes(text) else {
            continue;
        };
        let tests: BTreeSet<String> = codes
            .into_iter()
            .filter_map(bandit_rule_of)
            .map(|rule| rule.id().to_owned())
            .collect();
        if tests.is_empty() {
            continue;
        }
        let line = module.location(range.start()).line;
        lines.insert(
            line,
            Nosec {
                tests,
                comment: text.trim().to_owned(),
            },
        );
    }
    NosecLines::from_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruff_codes_parse_as_ruff_reads_them() {
        assert_eq!(parse_noqa_codes("# noqa: S105"), Some(vec!["S105"]));
        assert_eq!(
            parse_noqa_codes("#NOQA:S105,S106 E501"),
            Some(vec!["S105", "S106", "E501"])
        );
        assert_eq!(
            parse_noqa_codes("# type: ignore  # noqa: S602 because git"),
            Some(vec!["S602"])
        );
        assert_eq!(parse_noqa_codes("# noqa"), None, "bare");
        assert_eq!(parse_noqa_codes("# noqa S105"), None, "no colon");
        assert_eq!(parse_noqa_codes("# nosec B105"), None);
    }

    #[test]
    fn s_codes_mirror_bandit_numbers() {
        assert_eq!(bandit_rule_of("S105"), Some(Rule::B105));
        assert_eq!(bandit_rule_of("S602"), Some(Rule::B602));
        assert_eq!(bandit_rule_of("S704"), Some(Rule::B704));
        for gone in ["S320", "S410"] {
            assert_eq!(bandit_rule_of(gone), None, "gone from Bandit 1.9.4");
        }
        assert_eq!(bandit_rule_of("S999"), None);
        assert_eq!(bandit_rule_of("E501"), None);
        for code in RUFF_BANDIT_CODES
            .iter()
            .filter(|c| !["S320", "S410"].contains(c))
        {
            assert!(bandit_rule_of(code).is_some(), "{code}");
        }
    }
}
