//! Credentials recognised by their format rather than their issuer: passwords in URLs, private
//! keys, JSON Web Tokens and public IPv4 addresses.

use super::{Analyzer, Anchor, DetectorSpec};
use crate::rules;

pub(crate) const BASIC_AUTH: DetectorSpec = DetectorSpec {
    ty: &rules::BASIC_AUTH,
    anchor: Anchor::Literals {
        exact: &["://"],
        any_case: &[],
        confirm: None,
    },
    analyzer: Analyzer::Regex {
        // RESERVED_CHARACTERS + SUB_DELIMITER_CHARACTERS, escaped.
        patterns: &[r"://[^:/?#\[\]@!$&'()*+,;=\s]+:([^:/?#\[\]@!$&'()*+,;=\s]+)@"],
        validate: None,
    },
};

pub(crate) const IP_PUBLIC: DetectorSpec = DetectorSpec {
    ty: &rules::IP_PUBLIC,
    anchor: Anchor::Pattern {
        pattern: r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
        ascii_form: false,
    },
    analyzer: Analyzer::Regex {
        patterns: &[concat!(
            r"(?<![\w.])(",
            r"(?!192\.168\.|127\.|10\.|172\.(?:1[6-9]|2[0-9]|3[01]))",
            r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}",
            r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])",
            r"(?::\d{1,5})?",
            r")(?![\w.])"
        )],
        validate: None,
    },
};

pub(crate) const JWT: DetectorSpec = DetectorSpec {
    ty: &rules::JWT,
    anchor: Anchor::Literals {
        exact: &["eyJ"],
        any_case: &[],
        confirm: None,
    },
    analyzer: Analyzer::Regex {
        patterns: &[r"eyJ[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*?"],
        validate: Some(jwt_is_formally_valid),
    },
};

pub(crate) const PRIVATE_KEY: DetectorSpec = DetectorSpec {
    ty: &rules::PRIVATE_KEY,
    anchor: Anchor::Literals {
        exact: &["PRIVATE KEY", "PuTTY-User-Key-File-2"],
        any_case: &[],
        confirm: None,
    },
    analyzer: Analyzer::Regex {
        patterns: &[
            r"BEGIN DSA PRIVATE KEY",
            r"BEGIN EC PRIVATE KEY",
            r"BEGIN OPENSSH PRIVATE KEY",
            r"BEGIN PGP PRIVATE KEY BLOCK",
            r"BEGIN PRIVATE KEY",
            r"BEGIN RSA PRIVATE KEY",
            r"BEGIN SSH2 ENCRYPTED PRIVATE KEY",
            r"PuTTY-User-Key-File-2",
        ],
        validate: None,
    },
};

/// `JwtTokenDetector.is_formally_valid`: every dot-separated part is (padded) URL-safe base64,
/// and the first two decode to UTF-8 JSON.
fn jwt_is_formally_valid(token: &str) -> bool {
    token.split('.').enumerate().all(|(index, part)| {
        let mut part = part.as_bytes().to_vec();
        match part.len() % 4 {
            1 => return false,
            2 => part.extend_from_slice(b"=="),
            3 => part.extend_from_slice(b"==="),
            _ => {}
        }
        let Some(decoded) = python_urlsafe_b64decode(&part) else {
            return false;
        };
        if index < 2 {
            let Ok(text) = std::str::from_utf8(&decoded) else {
                return false;
            };
            return python_json_loads_ok(text);
        }
        true
    })
}

/// CPython's non-strict `binascii.a2b_base64` after `urlsafe_b64decode`'s `-_` to `+/`
/// translation: characters outside the alphabet are skipped, a complete pad ends the input.
fn python_urlsafe_b64decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut quad_pos = 0u8;
    let mut pads = 0u8;
    let mut left: u32 = 0;
    for &byte in input {
        if byte == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        pads = 0;
        left = (left << 6) | u32::from(value);
        quad_pos = (quad_pos + 1) % 4;
        match quad_pos {
            2 => out.push((left >> 4) as u8),
            3 => out.push((left >> 2) as u8),
            0 => out.push(left as u8),
            _ => {}
        }
    }
    (quad_pos == 0).then_some(out)
}

/// Whether Python's `json.loads` accepts the text (any JSON value, plus the `NaN`, `Infinity`
/// and `-Infinity` literals).
fn python_json_loads_ok(text: &str) -> bool {
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        return true;
    }
    matches!(
        text.trim_matches([' ', '\t', '\n', '\r']),
        "NaN" | "Infinity" | "-Infinity"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_validity_follows_python() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"1"} . signature
        assert!(jwt_is_formally_valid(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        ));
        assert!(!jwt_is_formally_valid("eyJhbGciOi.eyJzdWIiOiIxIn0"));
        assert!(!jwt_is_formally_valid("eyJhbGciOiJIUzI1NiJ9.a"));
    }
}
