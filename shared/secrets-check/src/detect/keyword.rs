//! `KeywordDetector`: a literal assigned to, or compared with, a secret-sounding name, with the
//! pattern set detect-secrets picks by file type.

use std::sync::OnceLock;

use super::{Analyzer, Anchor, DetectorSpec};
use crate::line_regex::LineRegex;
use crate::{rules, FileType};

pub(crate) const KEYWORD: DetectorSpec = DetectorSpec {
    ty: &rules::KEYWORD,
    // Every keyword's shortest forms, any ASCII case (`ñ` in both cases by hand).
    anchor: Anchor::Literals {
        exact: &[],
        any_case: &[
            "apikey",
            "api_key",
            "authkey",
            "auth_key",
            "servicekey",
            "service_key",
            "accountkey",
            "account_key",
            "dbkey",
            "db_key",
            "databasekey",
            "database_key",
            "privkey",
            "priv_key",
            "privatekey",
            "private_key",
            "clientkey",
            "client_key",
            "dbpass",
            "db_pass",
            "databasepass",
            "database_pass",
            "keypass",
            "key_pass",
            "password",
            "passwd",
            "pwd",
            "secret",
            "contraseña",
            "contraseÑa",
            "contrasena",
        ],
        confirm: None,
    },
    analyzer: Analyzer::Keyword,
};

/// `DENYLIST_REGEX`: the keyword and any suffix (detect-secrets captures the keyword; here the
/// only capturing groups are the secret's, see [`analyze`]).
macro_rules! denylist {
    () => {
        r"(?:api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key|private_?key|client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|contraseña|contrasena)\w*"
    };
}
/// `SECRET`, `(?=[^\v'"]*)(?=\w+)[^\v'"]*[^\v,'"`]`, without look-arounds: the first character
/// is a word character, and the language and the backtracking order are unchanged.
macro_rules! secret {
    () => {
        r#"(\w(?:[^\v'"]*[^\v,'"`])?)"#
    };
}
/// `({quote})({secret})(\N)`: the back-reference becomes one alternative per quote character.
macro_rules! quoted_secret {
    () => {
        concat!(
            "(?:'",
            secret!(),
            "'|\"",
            secret!(),
            "\"|`",
            secret!(),
            "`)"
        )
    };
}
/// `({quote}?)({secret})(\N)`: as above, then without quotes (a greedy `?` tries the quote
/// first).
macro_rules! optionally_quoted_secret {
    () => {
        concat!(
            "(?:'",
            secret!(),
            "'|\"",
            secret!(),
            "\"|`",
            secret!(),
            "`|",
            secret!(),
            ")"
        )
    };
}
macro_rules! closing {
    () => {
        r#"(?:[\]'"]{0,2})?"#
    };
}

// The patterns, named as in detect-secrets. They contain no look-around and no back-reference,
// so the `regex` crate runs them; its leftmost-first semantics pick the same match as Python's
// backtracking engine.
const FOLLOWED_BY_COLON_EQUAL_SIGNS: &str = concat!(
    "(?i)",
    denylist!(),
    closing!(),
    r"\s*:=\s*",
    optionally_quoted_secret!()
);
const FOLLOWED_BY_COLON: &str = concat!(
    "(?i)",
    denylist!(),
    closing!(),
    r":\s*",
    optionally_quoted_secret!()
);
const FOLLOWED_BY_COLON_QUOTES_REQUIRED: &str =
    concat!("(?i)", denylist!(), closing!(), r":\s*", quoted_secret!());
const FOLLOWED_BY_EQUAL_SIGNS_OPTIONAL_BRACKETS_OPTIONAL_AT_SIGN_QUOTES_REQUIRED: &str = concat!(
    "(?i)",
    denylist!(),
    r#"(?:\[[0-9]*\])?\s*[!=]{1,2}\s*@?""#,
    secret!(),
    "\""
);
const FOLLOWED_BY_OPTIONAL_ASSIGN_QUOTES_REQUIRED: &str =
    concat!(denylist!(), r#"(?:.assign)?\(""#, secret!(), "\"");
const FOLLOWED_BY_EQUAL_SIGNS: &str = concat!(
    "(?i)",
    denylist!(),
    closing!(),
    r"\s*(?:={1,3}|!==?)\s*",
    optionally_quoted_secret!()
);
const FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED: &str = concat!(
    "(?i)",
    denylist!(),
    closing!(),
    r"\s*(?:={1,3}|!==?)\s*",
    quoted_secret!()
);
const PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED: &str =
    concat!(quoted_secret!(), r"\s*[!=]{2,3}\s*\w*", denylist!());
const FOLLOWED_BY_QUOTES_AND_SEMICOLON: &str = concat!(
    "(?i)",
    denylist!(),
    r"[^\s]{0,50}?\s*",
    quoted_secret!(),
    ";"
);
const FOLLOWED_BY_ARROW_FUNCTION_SIGN_QUOTES_REQUIRED: &str = concat!(
    "(?i)",
    denylist!(),
    closing!(),
    r"\s*=>?\s*",
    quoted_secret!()
);

/// A file type's patterns, each form compiled on first use: as written (Unicode classes) for
/// lines with non-ASCII text, and with Unicode off for ASCII lines. On an ASCII line both match
/// the same (every class restricted to ASCII is the same class there), and the ASCII form
/// compiles about ten times faster: the case-insensitive Unicode `\w` classes took over 10 ms.
struct PatternSet {
    sources: &'static [&'static str],
    unicode: OnceLock<Vec<LineRegex>>,
    ascii: OnceLock<Vec<LineRegex>>,
}

impl PatternSet {
    const fn new(sources: &'static [&'static str]) -> Self {
        Self {
            sources,
            unicode: OnceLock::new(),
            ascii: OnceLock::new(),
        }
    }

    fn unicode(&self) -> &[LineRegex] {
        self.unicode.get_or_init(|| self.compile(LineRegex::new))
    }

    fn ascii(&self) -> &[LineRegex] {
        self.ascii.get_or_init(|| self.compile(LineRegex::ascii))
    }

    fn compile(
        &self,
        build: fn(&str) -> Result<LineRegex, Box<regex_automata::meta::BuildError>>,
    ) -> Vec<LineRegex> {
        self.sources
            .iter()
            .map(|p| build(p).unwrap_or_else(|e| panic!("keyword pattern {p}: {e}")))
            .collect()
    }
}

static CONFIG: PatternSet = PatternSet::new(&[
    FOLLOWED_BY_COLON,
    PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
    FOLLOWED_BY_EQUAL_SIGNS,
    FOLLOWED_BY_QUOTES_AND_SEMICOLON,
]);
static GOLANG: PatternSet = PatternSet::new(&[
    FOLLOWED_BY_COLON_EQUAL_SIGNS,
    PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
    FOLLOWED_BY_EQUAL_SIGNS,
    FOLLOWED_BY_QUOTES_AND_SEMICOLON,
]);
static COMMON_C: PatternSet =
    PatternSet::new(&[FOLLOWED_BY_EQUAL_SIGNS_OPTIONAL_BRACKETS_OPTIONAL_AT_SIGN_QUOTES_REQUIRED]);
static C_PLUS_PLUS: PatternSet = PatternSet::new(&[
    FOLLOWED_BY_OPTIONAL_ASSIGN_QUOTES_REQUIRED,
    FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED,
]);
static QUOTES_REQUIRED: PatternSet = PatternSet::new(&[
    FOLLOWED_BY_COLON_QUOTES_REQUIRED,
    PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
    FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED,
    FOLLOWED_BY_QUOTES_AND_SEMICOLON,
    FOLLOWED_BY_ARROW_FUNCTION_SIGN_QUOTES_REQUIRED,
]);

/// `REGEX_BY_FILETYPE`, quotes-required by default.
fn patterns_for(file_type: FileType) -> &'static PatternSet {
    match file_type {
        FileType::Go => &GOLANG,
        FileType::ObjectiveC | FileType::CSharp | FileType::C => &COMMON_C,
        FileType::CPlusPlus => &C_PLUS_PLUS,
        FileType::Yaml
        | FileType::Config
        | FileType::Ini
        | FileType::Properties
        | FileType::Toml => &CONFIG,
        _ => &QUOTES_REQUIRED,
    }
}

/// The first match of every pattern of the file's set (`regex.search`), its secret: the one
/// alternative's group that took part in the match.
pub(crate) fn analyze(line: &str, file_type: FileType, out: &mut Vec<String>) {
    let set = patterns_for(file_type);
    // On an ASCII line both forms match the same; the ASCII one compiles faster.
    let patterns = if line.is_ascii() {
        set.ascii()
    } else {
        set.unicode()
    };
    for regex in patterns {
        if let Some(caps) = regex.captures(line) {
            if let Some(span) = (1..=regex.groups()).find_map(|group| caps.get_group(group)) {
                out.push(line[span.range()].to_owned());
            }
        }
    }
}

/// Compiles every pattern set (tests, and warming up before timing).
pub(crate) fn warm_up() {
    for set in [&CONFIG, &GOLANG, &COMMON_C, &C_PLUS_PLUS, &QUOTES_REQUIRED] {
        set.unicode();
        set.ascii();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_unicode_forms_agree_on_ascii_lines() {
        let lines = [
            r#"password = "hunter2""#,
            r#"db_pass: 'x y z' # pass"#,
            r#"if "s3cr3t" == api_key_value:"#,
            r#"$private_key := "abc`def""#,
            r#"secret_token[0] != @"objc""#,
            r#"PASSWD.assign("abc");"#,
            r#"const apiKey = () => 'k3y'"#,
            r#"authkey ]"= value, next"#,
            "no keyword here = 'value'",
        ];
        let mut found = 0;
        for set in [&CONFIG, &GOLANG, &COMMON_C, &C_PLUS_PLUS, &QUOTES_REQUIRED] {
            for ((ascii, unicode), source) in set.ascii().iter().zip(set.unicode()).zip(set.sources)
            {
                for line in lines {
                    let groups = |regex: &LineRegex| {
                        regex.captures(line).map(|caps| {
                            (0..=regex.groups())
                                .map(|group| caps.get_group(group).map(|span| span.range()))
                                .collect::<Vec<_>>()
                        })
                    };
                    let (a, u) = (groups(ascii), groups(unicode));
                    assert_eq!(a, u, "{source} on {line}");
                    found += usize::from(u.is_some());
                }
            }
        }
        assert!(found > 10, "{found}");
    }
}
