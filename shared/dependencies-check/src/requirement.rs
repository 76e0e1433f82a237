//! Requirement strings (PEP 508, the parts that matter here): the distribution name, the
//! version specifier and whether it pins one exact version. Markers, extras and hashes are
//! dropped; a direct reference (`name @ https://...`) has no version.

use std::str::FromStr;

use pep440_rs::{Operator, VersionSpecifiers};

/// One requirement as declared or installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The distribution name as written.
    pub name: String,
    /// The version specifier as written (`>=2.0,<3`), empty when there is none.
    pub specifier: String,
    /// The exact version when the specifier pins one (`==2.7.0`, `===2.7.0`).
    pub pinned: Option<String>,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Parses one requirement; `None` for what is not one (a path, a URL, an option).
pub fn parse(text: &str) -> Option<Requirement> {
    // Environment markers and pip's per-requirement options.
    let text = text.split(';').next()?;
    let text = text.split(" --").next()?.trim();
    let first = text.chars().next()?;
    if !first.is_ascii_alphanumeric() {
        return None;
    }
    let end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    let name = &text[..end];
    let mut rest = text[end..].trim_start();
    // Extras.
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']').map_or("", |(_, r)| r).trim_start();
    }
    if rest.starts_with('@') {
        // A direct reference: no version to look up.
        return Some(Requirement {
            name: name.to_owned(),
            specifier: String::new(),
            pinned: None,
        });
    }
    let specifier = rest
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim()
        .to_owned();
    if specifier.contains(['/', '\\', ':']) || name.ends_with(".whl") || name.contains(".tar") {
        return None;
    }
    Some(Requirement {
        name: name.to_owned(),
        pinned: pinned_version(&specifier),
        specifier,
    })
}

/// The exact version a specifier pins, if it pins one.
pub fn pinned_version(specifier: &str) -> Option<String> {
    if specifier.is_empty() {
        return None;
    }
    let parsed = VersionSpecifiers::from_str(specifier).ok()?;
    let exact: Vec<_> = parsed
        .iter()
        .filter(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        .collect();
    match exact.as_slice() {
        [one] => Some(one.version().to_string()),
        _ => None,
    }
}

/// A Poetry constraint (`^1.2`, `~1.2`, `1.2.3`, `>=1,<2`) as a PEP 440 specifier, as far as
/// pinning goes: a bare version is an exact pin there.
pub fn poetry_specifier(constraint: &str) -> String {
    let c = constraint.trim();
    if c == "*" {
        String::new()
    } else if c.starts_with(|ch: char| ch.is_ascii_digit()) {
        format!("=={c}")
    } else {
        c.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_specifiers_and_pins() {
        let r = parse("requests==2.7.0").expect("a requirement");
        assert_eq!(
            (r.name.as_str(), r.specifier.as_str(), r.pinned.as_deref()),
            ("requests", "==2.7.0", Some("2.7.0"))
        );
        let r = parse("PyYAML[extra] >= 5.1 ; python_version < '3.8'").expect("a requirement");
        assert_eq!((r.name.as_str(), r.pinned), ("PyYAML", None));
        assert_eq!(r.specifier, ">= 5.1");
        let r = parse("six (==1.16.0)").expect("a requirement");
        assert_eq!(r.pinned.as_deref(), Some("1.16.0"));
        let r = parse("numpy==1.*").expect("a requirement");
        assert_eq!(r.pinned, None);
        let r = parse("boto").expect("a requirement");
        assert_eq!((r.specifier.as_str(), r.pinned), ("", None));
        let r = parse("pkg @ https://example.org/pkg.zip").expect("a requirement");
        assert_eq!((r.name.as_str(), r.pinned), ("pkg", None));
        let r = parse("requests==2.31.0 --hash=sha256:abc").expect("a requirement");
        assert_eq!(r.pinned.as_deref(), Some("2.31.0"));
        for not in [
            "-r other.txt",
            "./local",
            "https://x/y.whl",
            "",
            "# comment",
        ] {
            assert_eq!(parse(not), None, "{not}");
        }
    }

    #[test]
    fn poetry_constraints() {
        assert_eq!(
            pinned_version(&poetry_specifier("1.2.3")).as_deref(),
            Some("1.2.3")
        );
        assert_eq!(pinned_version(&poetry_specifier("^1.2")), None);
        assert_eq!(poetry_specifier("*"), "");
    }
}
