//! Python's keywords as pycodestyle reads them.

/// Python 3.11's `keyword.kwlist`.
pub const KWLIST: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub fn is_keyword(s: &str) -> bool {
    // A `match` compiles to a length switch; most names are not keywords.
    matches!(
        s,
        "False"
            | "None"
            | "True"
            | "and"
            | "as"
            | "assert"
            | "async"
            | "await"
            | "break"
            | "class"
            | "continue"
            | "def"
            | "del"
            | "elif"
            | "else"
            | "except"
            | "finally"
            | "for"
            | "from"
            | "global"
            | "if"
            | "import"
            | "in"
            | "is"
            | "lambda"
            | "nonlocal"
            | "not"
            | "or"
            | "pass"
            | "raise"
            | "return"
            | "try"
            | "while"
            | "with"
            | "yield"
    )
}

/// Python 3.11's `keyword.softkwlist`.
pub fn is_soft_keyword(s: &str) -> bool {
    matches!(s, "_" | "case" | "match")
}

/// pycodestyle's `KEYWORDS`: keywords and `print`, without the singletons.
pub fn in_keywords(s: &str) -> bool {
    (is_keyword(s) || s == "print") && !matches!(s, "False" | "None" | "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_keyword` spells the list out for speed: it must stay `KWLIST`, which the E27x regex
    /// is built from.
    #[test]
    fn is_keyword_is_kwlist() {
        assert!(KWLIST.iter().all(|word| is_keyword(word)));
        for word in [
            "print", "match", "case", "_", "none", "Import", "", "lambda_", "type",
        ] {
            assert!(!is_keyword(word), "{word}");
        }
    }
}
