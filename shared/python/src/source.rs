//! Bytes to text the way CPython reads a source file: a UTF-8 BOM, else a PEP 263 coding
//! declaration on one of the first two lines, else UTF-8.

use std::borrow::Cow;

/// Why a file's bytes are not Python text.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("unknown encoding `{0}` in the coding declaration")]
    UnknownEncoding(String),
    #[error("the file is not valid {encoding} (first bad byte at offset {offset})")]
    Invalid { encoding: String, offset: usize },
    #[error("the file declares `{declared}` but starts with a UTF-8 byte order mark")]
    BomMismatch { declared: String },
}

/// Decodes Python source bytes.
pub fn decode_source(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let declared = coding_declaration(body);
    if bom {
        if let Some(name) = &declared {
            if !is_utf8_name(name) {
                return Err(DecodeError::BomMismatch {
                    declared: name.clone(),
                });
            }
        }
    }
    match declared {
        Some(name) if !is_utf8_name(&name) => {
            let encoding = encoding_rs::Encoding::for_label(python_label(&name).as_bytes())
                .ok_or_else(|| DecodeError::UnknownEncoding(name.clone()))?;
            let (text, had_errors) = encoding.decode_without_bom_handling(body);
            if had_errors {
                return Err(DecodeError::Invalid {
                    encoding: name,
                    offset: 0,
                });
            }
            Ok(text)
        }
        _ => std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| DecodeError::Invalid {
                encoding: "utf-8".to_owned(),
                offset: e.valid_up_to() + usize::from(bom) * 3,
            }),
    }
}

fn is_utf8_name(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().replace('_', "-").as_str(),
        "utf-8" | "utf8" | "utf-8-sig"
    ) || name.to_ascii_lowercase().starts_with("utf-8-")
}

/// Python spells some encodings differently from the WHATWG labels encoding_rs knows.
fn python_label(name: &str) -> String {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    match lower.as_str() {
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => "iso-8859-1".to_owned(),
        "cp1252" | "windows-1252" => "windows-1252".to_owned(),
        "ascii" | "us-ascii" => "windows-1252".to_owned(),
        other => other.to_owned(),
    }
}

/// The PEP 263 declaration (`# -*- coding: latin-1 -*-`) on line 1 or 2; line 2 counts only
/// when line 1 is blank or a comment, as in CPython.
fn coding_declaration(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(name) = coding_on_line(first) {
        return Some(name);
    }
    let first_trimmed = first.trim_ascii();
    if !first_trimmed.is_empty() && !first_trimmed.starts_with(b"#") {
        return None;
    }
    lines.next().and_then(coding_on_line)
}

fn coding_on_line(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    let trimmed = text.trim_start_matches([' ', '\t', '\x0c']);
    let comment = trimmed.strip_prefix('#')?;
    // CPython's regex: ^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+) (first `coding` followed by `:`/`=`).
    comment.match_indices("coding").find_map(|(at, _)| {
        let rest = comment[at + "coding".len()..].strip_prefix([':', '='])?;
        let name: String = rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}
