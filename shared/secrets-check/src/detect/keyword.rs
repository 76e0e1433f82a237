//! `KeywordDetector`: a literal assigned to, or compared with, a secret-sounding name, with the
//! pattern set detect-secrets picks by file type.

use std::sync::LazyLock;

use super::{Analyzer, DetectorSpec};
use crate::{rules, FileType};

pub(crate) const KEYWORD: DetectorSpec = DetectorSpec {
    ty: &rules::KEYWORD,
    prefilter: r"(?i)api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key|private_?key|client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|contraseña|contrasena",
    analyzer: Analyzer::Keyword,
};

/// `DENYLIST_REGEX`: the keyword (group 1) and any suffix.
macro_rules! denylist {
    () => {
        r"(api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key|private_?key|client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|contraseña|contrasena)\w*"
    };
}
/// `SECRET`; its first look-ahead, `(?=[^\v'"]*)`, always succeeds and is left out.
macro_rules! secret {
    () => {
        r#"(?=\w)[^\v'"]*[^\v,'"`]"#
    };
}
macro_rules! closing {
    () => {
        r#"[\]'"]{0,2}"#
    };
}
macro_rules! quote {
    () => {
        r#"['"`]"#
    };
}

/// The patterns, numbered as in detect-secrets, each with the group holding the secret.
const FOLLOWED_BY_COLON_EQUAL_SIGNS: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?\s*:=\s*(",
        quote!(),
        "?)(",
        secret!(),
        r")(\3)"
    ),
    4,
);
const FOLLOWED_BY_COLON: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?:\s*(",
        quote!(),
        "?)(",
        secret!(),
        r")(\3)"
    ),
    4,
);
const FOLLOWED_BY_COLON_QUOTES_REQUIRED: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?:(\s*)(",
        quote!(),
        ")(",
        secret!(),
        r")(\4)"
    ),
    5,
);
const FOLLOWED_BY_EQUAL_SIGNS_OPTIONAL_BRACKETS_OPTIONAL_AT_SIGN_QUOTES_REQUIRED: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        r#"((\[[0-9]*\]))?\s*[!=]{1,2}\s*(@)?(")("#,
        secret!(),
        r")(\5)"
    ),
    6,
);
const FOLLOWED_BY_OPTIONAL_ASSIGN_QUOTES_REQUIRED: (&str, usize) = (
    concat!(denylist!(), r#"(.assign)?\((")("#, secret!(), r")(\3)"),
    4,
);
const FOLLOWED_BY_EQUAL_SIGNS: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?\s*(={1,3}|!==?)\s*(",
        quote!(),
        "?)(",
        secret!(),
        r")(\4)"
    ),
    5,
);
const FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?\s*(={1,3}|!==?)\s*(",
        quote!(),
        ")(",
        secret!(),
        r")(\4)"
    ),
    5,
);
const PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED: (&str, usize) = (
    concat!(
        "(",
        quote!(),
        ")(",
        secret!(),
        r")(\1)\s*[!=]{2,3}\s*\w*",
        denylist!()
    ),
    2,
);
const FOLLOWED_BY_QUOTES_AND_SEMICOLON: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        r"[^\s]{0,50}?\s*(",
        quote!(),
        ")(",
        secret!(),
        r")(\2);"
    ),
    3,
);
const FOLLOWED_BY_ARROW_FUNCTION_SIGN_QUOTES_REQUIRED: (&str, usize) = (
    concat!(
        "(?i)",
        denylist!(),
        "(",
        closing!(),
        r")?\s*=>?\s*(",
        quote!(),
        ")(",
        secret!(),
        r")(\3)"
    ),
    4,
);

type PatternSet = Vec<(fancy_regex::Regex, usize)>;

fn compile(patterns: &[(&str, usize)]) -> PatternSet {
    patterns
        .iter()
        .map(|(p, group)| {
            let regex =
                fancy_regex::Regex::new(p).unwrap_or_else(|e| panic!("keyword pattern {p}: {e}"));
            (regex, *group)
        })
        .collect()
}

static CONFIG: LazyLock<PatternSet> = LazyLock::new(|| {
    compile(&[
        FOLLOWED_BY_COLON,
        PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
        FOLLOWED_BY_EQUAL_SIGNS,
        FOLLOWED_BY_QUOTES_AND_SEMICOLON,
    ])
});
static GOLANG: LazyLock<PatternSet> = LazyLock::new(|| {
    compile(&[
        FOLLOWED_BY_COLON_EQUAL_SIGNS,
        PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
        FOLLOWED_BY_EQUAL_SIGNS,
        FOLLOWED_BY_QUOTES_AND_SEMICOLON,
    ])
});
static COMMON_C: LazyLock<PatternSet> = LazyLock::new(|| {
    compile(&[FOLLOWED_BY_EQUAL_SIGNS_OPTIONAL_BRACKETS_OPTIONAL_AT_SIGN_QUOTES_REQUIRED])
});
static C_PLUS_PLUS: LazyLock<PatternSet> = LazyLock::new(|| {
    compile(&[
        FOLLOWED_BY_OPTIONAL_ASSIGN_QUOTES_REQUIRED,
        FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED,
    ])
});
static QUOTES_REQUIRED: LazyLock<PatternSet> = LazyLock::new(|| {
    compile(&[
        FOLLOWED_BY_COLON_QUOTES_REQUIRED,
        PRECEDED_BY_EQUAL_COMPARISON_SIGNS_QUOTES_REQUIRED,
        FOLLOWED_BY_EQUAL_SIGNS_QUOTES_REQUIRED,
        FOLLOWED_BY_QUOTES_AND_SEMICOLON,
        FOLLOWED_BY_ARROW_FUNCTION_SIGN_QUOTES_REQUIRED,
    ])
});

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

/// The first match of every pattern of the file's set (`regex.search`), its secret group.
pub(crate) fn analyze(line: &str, file_type: FileType, out: &mut Vec<String>) {
    for (regex, group) in patterns_for(file_type) {
        match regex.captures(line) {
            Ok(Some(caps)) => {
                if let Some(m) = caps.get(*group) {
                    out.push(m.as_str().to_owned());
                }
            }
            Ok(None) => {}
            Err(error) => tracing::debug!(%error, "keyword pattern gave up on a line"),
        }
    }
}

/// Compiles every pattern set (tests, and warming up before timing).
pub(crate) fn warm_up() {
    for set in [&CONFIG, &GOLANG, &COMMON_C, &C_PLUS_PLUS, &QUOTES_REQUIRED] {
        LazyLock::force(set);
    }
}
