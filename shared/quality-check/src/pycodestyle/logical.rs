//! The logical-line checks, run in flake8's order, plus the small helpers they share.

use super::{blank_lines, comparisons, continuation, statements, whitespace, LogicalLine, Offset};
use crate::rules::Rule;

pub type Results = Vec<(Offset, Rule, String)>;

pub fn run(line: &LogicalLine<'_>, imports: &mut statements::ImportState, out: &mut Results) {
    comparisons::ambiguous_identifier(line, out);
    comparisons::bare_except(line, out);
    blank_lines::blank_lines(line, out);
    statements::break_after_binary_operator(line, out);
    statements::break_before_binary_operator(line, out);
    comparisons::comparison_negative(line, out);
    comparisons::comparison_to_singleton(line, out);
    comparisons::comparison_type(line, out);
    statements::compound_statements(line, out);
    continuation::continued_indentation(line, out);
    statements::explicit_line_join(line, out);
    whitespace::extraneous_whitespace(line, out);
    statements::imports_on_separate_lines(line, out);
    continuation::indentation(line, out);
    statements::maximum_doc_length(line, out);
    whitespace::missing_whitespace(line, out);
    whitespace::missing_whitespace_after_keyword(line, out);
    statements::module_imports_on_top_of_file(line, imports, out);
    comparisons::invalid_escape_sequence(line, out);
    whitespace::whitespace_around_comma(line, out);
    whitespace::whitespace_around_keywords(line, out);
    whitespace::whitespace_around_named_parameter_equals(line, out);
    whitespace::whitespace_around_operator(line, out);
    whitespace::whitespace_before_comment(line, out);
    whitespace::whitespace_before_parameters(line, out);
}

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

/// Python's `text in "abc"` for a token's text (a substring test: the empty string is in).
pub fn text_in(text: &str, set: &str) -> bool {
    // Tokens are mostly longer than the sets or one byte long: skip the substring search.
    match text.len() {
        0 => true,
        1 => set.as_bytes().contains(&text.as_bytes()[0]),
        n if n > set.len() => false,
        _ => set.contains(text),
    }
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
