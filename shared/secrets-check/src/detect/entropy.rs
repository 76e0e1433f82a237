//! High-entropy strings: quoted runs of base64 or hex characters whose Shannon entropy is above
//! the plugin's limit (4.5 and 3.0 by default in detect-secrets).

use super::{Analyzer, Anchor, DetectorSpec};
use crate::rules;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Charset {
    /// Letters, digits, `+/`, `\-_` (the backslash is in detect-secrets' set too) and `=`.
    Base64,
    /// `string.hexdigits`: both cases.
    Hex,
}

pub(crate) const BASE64: DetectorSpec = DetectorSpec {
    ty: &rules::BASE64_ENTROPY,
    anchor: Anchor::Quote,
    analyzer: Analyzer::Entropy(Charset::Base64),
};

pub(crate) const HEX: DetectorSpec = DetectorSpec {
    ty: &rules::HEX_ENTROPY,
    anchor: Anchor::Quote,
    analyzer: Analyzer::Entropy(Charset::Hex),
};

/// The characters in the order detect-secrets sums their entropy terms (the order changes the
/// floating-point result in the last bits, which matters at the limit).
const BASE64_ORDER: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/\\-_=";
const HEX_ORDER: &[u8] = b"0123456789abcdefABCDEF";

impl Charset {
    fn contains(self, byte: u8) -> bool {
        match self {
            Charset::Base64 => {
                byte.is_ascii_alphanumeric()
                    || matches!(byte, b'+' | b'/' | b'\\' | b'-' | b'_' | b'=')
            }
            Charset::Hex => byte.is_ascii_hexdigit(),
        }
    }

    fn limit(self) -> f64 {
        match self {
            Charset::Base64 => 4.5,
            Charset::Hex => 3.0,
        }
    }

    /// Python's `re.findall(r'([\'"])([charset]+)(\1)')`, then the entropy limit. No quote is
    /// in either charset, so a match is the maximal run after a quote, closed by the same quote.
    pub(crate) fn analyze(self, line: &str, out: &mut Vec<String>) {
        let bytes = line.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let quote = bytes[at];
            if quote == b'\'' || quote == b'"' {
                let start = at + 1;
                let mut end = start;
                while end < bytes.len() && self.contains(bytes[end]) {
                    end += 1;
                }
                if end > start && bytes.get(end) == Some(&quote) {
                    // Charset bytes are ASCII, so these are char boundaries.
                    let value = &line[start..end];
                    if self.may_exceed_limit(value.len()) && self.entropy(value) > self.limit() {
                        out.push(value.to_owned());
                    }
                    at = end + 1;
                    continue;
                }
            }
            at += 1;
        }
    }

    /// A string of `len` characters has an entropy of at most log2(len): shorter strings cannot
    /// reach the limit (with a margin for rounding, which can push 8 distinct hex digits just
    /// above 3.0).
    fn may_exceed_limit(self, len: usize) -> bool {
        (len as f64).log2() >= self.limit() - 1e-6
    }

    /// Shannon entropy as detect-secrets computes it, including the hex plugin's penalty for
    /// all-digit strings.
    pub(crate) fn entropy(self, value: &str) -> f64 {
        let bytes = value.as_bytes();
        if bytes.is_empty() {
            return 0.0;
        }
        let mut counts = [0u32; 128];
        for &b in bytes {
            if let Some(count) = counts.get_mut(usize::from(b)) {
                *count += 1;
            }
        }
        let order = match self {
            Charset::Base64 => BASE64_ORDER,
            Charset::Hex => HEX_ORDER,
        };
        let len = bytes.len() as f64;
        let mut entropy = 0.0f64;
        for &c in order {
            let count = counts[usize::from(c)];
            if count > 0 {
                let p = count as f64 / len;
                entropy += -p * (p.ln() / 2f64.ln());
            }
        }
        if let Charset::Hex = self {
            if bytes.len() > 1 && bytes.iter().all(u8::is_ascii_digit) {
                entropy -= 1.2 / ((bytes.len() as f64).ln() / 2f64.ln());
            }
        }
        entropy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_runs_only() {
        let mut out = Vec::new();
        Charset::Base64.analyze(
            r#"x = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo" + 'short'"#,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        let mut out = Vec::new();
        Charset::Hex.analyze(r#"a = "0123456789abcdef0123" 'deadbeefcafe1234'"#, &mut out);
        assert_eq!(out.len(), 2);
    }
}
