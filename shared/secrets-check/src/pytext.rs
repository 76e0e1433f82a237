//! Python's text semantics where detect-secrets depends on them: `str.isspace`, `strip`,
//! `splitlines`, and reading a file in text mode (strict UTF-8, universal newlines).

use std::borrow::Cow;

/// `str.isspace` for one character.
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}'
            | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}'
            | '\u{205f}' | '\u{3000}'
    )
}

pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

pub(crate) fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// `str.splitlines()` (without keeping the ends).
pub(crate) fn splitlines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            out.push(&s[start..i]);
            let mut next = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = chars.peek() {
                    chars.next();
                    next = j + 1;
                }
            }
            start = next;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// A file as Python's `open(name)` reads it with a UTF-8 locale: `None` when it is not valid
/// UTF-8 (detect-secrets skips such files as binary), `\r\n` and `\r` read as `\n`.
pub(crate) fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !text.contains('\r') {
        return Some(Cow::Borrowed(text));
    }
    Some(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")))
}

/// `file.readlines()` on the decoded text, without the line ends.
pub(crate) fn readlines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') || text.is_empty() {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_text_semantics() {
        assert_eq!(readlines("a\nb\n"), vec!["a", "b"]);
        assert_eq!(readlines("a\nb"), vec!["a", "b"]);
        assert!(readlines("").is_empty());
        assert_eq!(splitlines("a\r\nb\x0bc\n"), vec!["a", "b", "c"]);
        assert_eq!(rstrip("x \x1c\t"), "x");
        assert_eq!(decode(b"a\r\nb\rc").as_deref(), Some("a\nb\nc"));
        assert_eq!(decode(b"\xff"), None);
    }
}
