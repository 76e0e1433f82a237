//! Python's string operations as pycodestyle's checks use them.

use crate::tokens::char_len;

/// pycodestyle's `expand_indent`.
pub fn expand_indent(line: &str) -> usize {
    let line = line.trim_end_matches(['\n', '\r']);
    if !line.contains('\t') {
        return char_len(line) - char_len(line.trim_start());
    }
    let mut result = 0;
    for c in line.chars() {
        match c {
            '\t' => result = result / 8 * 8 + 8,
            ' ' => result += 1,
            _ => break,
        }
    }
    result
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
