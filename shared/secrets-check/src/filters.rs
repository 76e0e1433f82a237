//! detect-secrets' default filters: files it never scans, lines it skips (indirect references,
//! `pragma: allowlist secret`) and values it discards (sequences, UUIDs, ids, templates, ...).

use std::sync::LazyLock;

use regex::Regex;

use crate::file_type::split_ext;

/// `heuristic.IGNORED_FILE_EXTENSIONS` (compared case-sensitively, as detect-secrets does).
const IGNORED_FILE_EXTENSIONS: &[&str] = &[
    ".7z", ".bin", ".bmp", ".bz2", ".class", ".css", ".dmg", ".doc", ".eot", ".exe", ".gif", ".gz",
    ".ico", ".iml", ".ipr", ".iws", ".jar", ".jpg", ".jpeg", ".lock", ".map", ".mo", ".pdf",
    ".png", ".prefs", ".psd", ".rar", ".realm", ".s7z", ".sum", ".svg", ".tar", ".tif", ".tiff",
    ".ttf", ".webp", ".woff", ".xls", ".xlsx", ".zip",
];

/// `heuristic.is_lock_file`.
const LOCK_FILES: &[&str] = &[
    "Brewfile.lock.json",
    "Cartfile.resolved",
    "composer.lock",
    "Gemfile.lock",
    "Package.resolved",
    "package-lock.json",
    "Podfile.lock",
    "yarn.lock",
    "Pipfile.lock",
    "poetry.lock",
    "Cargo.lock",
    "packages.lock.json",
];

/// Why a whole file is not scanned.
pub(crate) fn skipped_file(path: &str) -> Option<&'static str> {
    let base = path.rsplit('/').next().unwrap_or(path);
    if IGNORED_FILE_EXTENSIONS.contains(&split_ext(path)) {
        Some("non-text extension")
    } else if LOCK_FILES.contains(&base) {
        Some("lock file")
    } else if path.contains("swagger") {
        Some("swagger file")
    } else {
        None
    }
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")
        .unwrap_or_else(|e| panic!("uuid pattern: {e}"))
});
static LIKELY_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^(id|myid|userid)|_id)s?[^a-z0-9]")
        .unwrap_or_else(|e| panic!("id pattern: {e}"))
});
static INDIRECT_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(:=?|[!=]{1,3})\s*[\w.\-]+[\[(][^\v]*[\])]")
        .unwrap_or_else(|e| panic!("indirect reference pattern: {e}"))
});
/// Same-line `pragma: allowlist secret`, every comment style.
static ALLOWLIST_SAME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:#|//|'|--)[ \t]* *pragma: ?(?:allow|white)list[ -]secret",
        r"|/\*[ \t]* *pragma: ?(?:allow|white)list[ -]secret.*? *\*/[ \t]*$",
        r"|<!--[# \t]*?[ \t]* *pragma: ?(?:allow|white)list[ -]secret.*? *?-->[ \t]*$",
    ))
    .unwrap_or_else(|e| panic!("allowlist pattern: {e}"))
});
static ALLOWLIST_NEXT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^[ \t]*(?:#|//|'|--)[ \t]* *pragma: ?allowlist[ -]nextline[ -]secret",
        r"|^[ \t]*/\*[ \t]* *pragma: ?allowlist[ -]nextline[ -]secret.*? *\*/[ \t]*$",
        r"|^[ \t]*<!--[# \t]*?[ \t]* *pragma: ?allowlist[ -]nextline[ -]secret.*? *?-->[ \t]*$",
    ))
    .unwrap_or_else(|e| panic!("allowlist pattern: {e}"))
});
/// In `.yaml` files only `#` comments count.
static ALLOWLIST_SAME_LINE_YAML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#[ \t]* *pragma: ?(?:allow|white)list[ -]secret")
        .unwrap_or_else(|e| panic!("allowlist pattern: {e}"))
});
static ALLOWLIST_NEXT_LINE_YAML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*#[ \t]* *pragma: ?allowlist[ -]nextline[ -]secret")
        .unwrap_or_else(|e| panic!("allowlist pattern: {e}"))
});

/// Whether a config-file line is a `pragma: allowlist nextline secret` comment (`#` or `;`).
pub(crate) fn is_nextline_pragma_comment(line: &str) -> bool {
    static CONFIG_NEXT_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[ \t]*[#;][ \t]* *pragma: ?allowlist[ -]nextline[ -]secret")
            .unwrap_or_else(|e| panic!("allowlist pattern: {e}"))
    });
    CONFIG_NEXT_LINE.is_match(line)
}

/// `allowlist.is_line_allowlisted`: a pragma on the line itself or, for `nextline`, on the
/// previous line.
pub(crate) fn is_line_allowlisted(path: &str, line: &str, previous: &str) -> bool {
    let previous = previous.strip_suffix('\n').unwrap_or(previous);
    if split_ext(path) == ".yaml" {
        ALLOWLIST_SAME_LINE_YAML.is_match(line) || ALLOWLIST_NEXT_LINE_YAML.is_match(previous)
    } else {
        ALLOWLIST_SAME_LINE.is_match(line) || ALLOWLIST_NEXT_LINE.is_match(previous)
    }
}

/// `heuristic.is_indirect_reference`: `secret = get_secret()`, `key = headers['x']`. Python
/// skips lines longer than 1000 characters.
pub(crate) fn is_indirect_reference(line: &str) -> bool {
    line.chars().nth(1000).is_none() && INDIRECT_REFERENCE.is_match(line)
}

/// The value filters detect-secrets applies to every candidate, in its order.
pub(crate) fn discard_value(value: &str, line: &str, regex_based: bool) -> bool {
    is_sequential_string(value)
        || UUID.is_match(value)
        || (!regex_based && is_likely_id_string(value, line))
        || is_templated_secret(value)
        || value.starts_with('$')
        || !value.bytes().any(|b| b.is_ascii_alphabetic())
}

fn is_sequential_string(value: &str) -> bool {
    const SEQUENCES: &[&str] = &[
        "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ+/",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "01234567890123456789",
        "0123456789ABCDEFABCDEF0123456789ABCDEFABCDEF",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ=/",
    ];
    let upper = value.to_uppercase();
    SEQUENCES.iter().any(|s| s.contains(upper.as_str()))
}

/// `line.index(secret)`, then the id pattern in the text before it.
fn is_likely_id_string(value: &str, line: &str) -> bool {
    line.find(value)
        .is_some_and(|index| LIKELY_ID.is_match(&line[..index]))
}

fn is_templated_secret(value: &str) -> bool {
    let chars: Vec<char> = value.chars().take(2).collect();
    let (Some(&first), Some(last)) = (chars.first(), value.chars().last()) else {
        return true; // empty
    };
    if (first == '{' && last == '}') || (first == '<' && last == '>') {
        return true;
    }
    if first == '$' {
        // Python indexes secret[1]: a lone `$` raises IndexError, which counts as templated.
        return match chars.get(1) {
            None => true,
            Some('{') => last == '}',
            Some(_) => false,
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_filters() {
        assert!(is_sequential_string("abcdefgh"));
        assert!(is_sequential_string("0123456789"));
        assert!(!is_sequential_string("s3cr3tV4lue"));
        assert!(is_templated_secret("{password}"));
        assert!(is_templated_secret("${PASS}"));
        assert!(is_templated_secret("$"));
        assert!(!is_templated_secret("$abc"));
        assert!(is_likely_id_string("abc123", "user_id = 'abc123'"));
        assert!(!is_likely_id_string("abc123", "password = 'abc123'"));
        assert!(is_indirect_reference("secret = get_secret_key()"));
        assert!(is_indirect_reference("key = request.headers['apikey']"));
        assert!(!is_indirect_reference("secret = 'abc'"));
        assert!(is_line_allowlisted(
            "a.py",
            "x = 'y'  # pragma: allowlist secret",
            ""
        ));
        assert!(is_line_allowlisted(
            "a.py",
            "x = 'y'",
            "# pragma: allowlist nextline secret"
        ));
        assert!(!is_line_allowlisted(
            "a.py",
            "x = 'y'",
            "z = 1  # pragma: allowlist nextline secret"
        ));
        assert!(is_line_allowlisted(
            "a.c",
            "x = 'y'; /* pragma: allowlist secret */",
            ""
        ));
        assert!(!is_line_allowlisted(
            "a.c",
            "x = 'y'; /* pragma: allowlist secret */ z",
            ""
        ));
    }
}
