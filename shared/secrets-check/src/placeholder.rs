//! Values that cannot be secrets: format placeholders and templates (`%s`, `{password}`,
//! `${TOKEN}`), documented placeholders (`changeme`, `<password>`, `****`) and credentials of
//! example hosts (`user:pass@example.com`). Plugin Builder's `plugin_upload.py` builds its
//! upload URL as `"%s://%s:%s@%s:%s%s" % (...)`, which detect-secrets reports as a password.
//! Under the policy such findings are kept, say why, and do not block; under `--rules all` they
//! are reported exactly as detect-secrets does.

use std::sync::LazyLock;

use regex::Regex;

static FORMAT_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    // One or more placeholders and nothing else.
    Regex::new(
        r"^(?:%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGco]|\{\{?[A-Za-z0-9_.\[\]!:]*\}?\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([A-Za-z_][A-Za-z0-9_]*\)|<[A-Za-z_ -]{1,40}>|\[[A-Za-z_ -]{1,40}\])+$",
    )
    .expect("a valid pattern")
});

/// Words documentation uses where a password goes.
const PLACEHOLDER_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "yourpassword",
    "your_password",
    "your-password",
    "mypassword",
    "my_password",
    "your_token",
    "your-token",
    "yourtoken",
    "your_api_key",
    "your-api-key",
    "token",
    "apikey",
    "api_key",
    "dummy",
];

/// Hosts reserved for documentation (RFC 2606, RFC 6761).
fn is_example_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
        || [".example", ".invalid", ".test"]
            .iter()
            .any(|tld| host.ends_with(tld))
}

/// Why `value`, found on `line`, cannot be a secret (`None`: it may be one).
pub fn not_a_secret(value: &str, line: &str) -> Option<String> {
    let trimmed = value.trim_matches(|c| c == '"' || c == '\'');
    if trimmed.is_empty() {
        return None;
    }
    if FORMAT_ONLY.is_match(trimmed) {
        return Some(format!("`{trimmed}` is a format placeholder, not a value"));
    }
    let lower = trimmed.to_ascii_lowercase();
    let filler = lower
        .chars()
        .all(|c| c == '*' || c == 'x' || c == '.' || c == '-');
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) || (filler && trimmed.len() >= 3) {
        return Some("a documented placeholder, not a value".to_owned());
    }
    // `scheme://user:value@host`: a documentation host's credentials are examples.
    if let Some(at) = line.find(&format!("{trimmed}@")) {
        let host: String = line[at + trimmed.len() + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect();
        if is_example_host(&host) {
            return Some(format!("credentials of the documentation host `{host}`"));
        }
    }
    None
}

/// Folder names of tests, samples and fixtures, which a plugin ships but never runs as itself.
const SAMPLE_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "test_data",
    "sample",
    "samples",
    "sample_data",
    "sampledata",
    "fixture",
    "fixtures",
    "example",
    "examples",
    "demo",
    "demos",
];

/// Words of file names of tests, samples and fixtures (`docker-compose.test.yml`).
const SAMPLE_FILE_WORDS: &[&str] = &[
    "test", "tests", "sample", "samples", "fixture", "fixtures", "example", "examples", "demo",
];

/// Credentials that documentation and container images publish as their defaults (Docker's
/// `postgres` image, GeoServer's `admin`/`geoserver`, QGIS's test databases), in lower case.
const DOCUMENTED_DEFAULTS: &[&str] = &[
    "postgres",
    "postgis",
    "password",
    "secret",
    "admin",
    "root",
    "test",
    "testing",
    "qgis",
    "docker",
    "geoserver",
    "mysql",
    "user",
    "pass",
    "guest",
    "example",
    "sa",
    "oracle",
    "1234",
    "12345",
    "123456",
    "admin123",
    "password123",
    "pass123",
];

/// Whether `path` (inside the zip) is a test, sample or fixture file: in such a folder below
/// the plugin's own folder (whose name is the plugin's, whatever it is), or named so.
pub fn is_sample_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split('/').collect::<Vec<_>>();
    let file_name = parts.pop().unwrap_or("");
    parts.iter().skip(1).any(|p| SAMPLE_FOLDERS.contains(p))
        || file_name
            .split(['.', '_', '-'])
            .any(|w| SAMPLE_FILE_WORDS.contains(&w))
}

/// Why `value`, found by `type_name` on `line` of the test, sample or fixture file `path`, is
/// a documented default rather than a live credential (`None` outside such files, or when it
/// may be live). A live-format key in a test file stays a secret: it is published with the zip.
pub fn documented_default(value: &str, line: &str, path: &str, type_name: &str) -> Option<String> {
    if !is_sample_path(path) {
        return None;
    }
    let trimmed = value.trim_matches(|c| c == '"' || c == '\'');
    if DOCUMENTED_DEFAULTS.contains(&trimmed.to_ascii_lowercase().as_str()) {
        return Some(format!(
            "a documented default credential in the test or sample file {path}"
        ));
    }
    // AWS documents `AKIAIOSFODNN7EXAMPLE` and `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.
    if trimmed.contains("EXAMPLE") {
        return Some(format!(
            "a documentation example key in the test or sample file {path}"
        ));
    }
    // detect-secrets matches AWS key ids anywhere, also inside long encoded blobs of sample data
    // (a WKB geometry in base64): a key stands alone.
    if type_name == "AWS Access Key" {
        let encoded = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
        let embedded = line.match_indices(trimmed).all(|(at, found)| {
            let before = line[..at].chars().next_back();
            let after = line[at + found.len()..].chars().next();
            before.is_some_and(encoded) || after.is_some_and(encoded)
        });
        if embedded && line.contains(trimmed) {
            return Some(format!(
                "part of a longer encoded value in the sample data {path}, not a standalone key"
            ));
        }
    }
    None
}

/// Why a JSON Web Token is no credential (`None`: it may be one): it carries an expiry (`exp`,
/// seconds since 1970) before `now`. A token without `exp`, or one that cannot be read, may be
/// live. Expired tokens are what test fixtures and recorded responses carry.
pub fn expired_token(value: &str, type_name: &str, now: u64) -> Option<String> {
    if type_name != "JSON Web Token" {
        return None;
    }
    let payload = value.trim().split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&base64url_decode(payload)?).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    (exp < now).then(|| {
        format!(
            "the token expired (its `exp` is {exp} seconds since 1970): it authenticates nothing"
        )
    })
}

/// Base64url without padding (a JWT part); `None` on any other character.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{documented_default, expired_token, not_a_secret};

    /// A JWT with these claims (header `{"alg":"HS256"}`, a dummy signature).
    fn jwt(claims: &str) -> String {
        let encode = |bytes: &[u8]| {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            out
        };
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(br#"{"alg":"HS256"}"#),
            encode(claims.as_bytes())
        )
    }

    #[test]
    fn expired_tokens_are_not_secrets_and_live_ones_are() {
        const NOW: u64 = 1_764_979_200; // 2025-12-06
        let recorded = jwt(r#"{"sub":"system","iss":"api.example.org","exp":1669996817}"#);
        let reason = expired_token(&recorded, "JSON Web Token", NOW).expect("expired");
        assert!(reason.contains("expired"), "{reason}");
        for live in [
            jwt(r#"{"sub":"system","exp":4102444800}"#),
            jwt(r#"{"sub":"system"}"#),
            jwt(r#"{"sub":"system","exp":"soon"}"#),
            "eyJhbGciOiJIUzI1NiJ9.!!!.c2ln".to_owned(),
        ] {
            assert_eq!(expired_token(&live, "JSON Web Token", NOW), None, "{live}");
        }
        assert_eq!(expired_token(&recorded, "Secret Keyword", NOW), None);
    }

    #[test]
    fn documented_defaults_in_test_and_sample_files_are_not_secrets() {
        let compose = "docker-compose.test.yml";
        assert!(documented_default("postgres", "", compose, "Basic Auth Credentials").is_some());
        assert!(documented_default(
            "AKIAIOSFODNN7EXAMPLE",
            "",
            "p/sample_data/init.sql",
            "AWS Access Key"
        )
        .is_some());
        let blob = "INSERT INTO t VALUES ('AQAAAKIAZ7QW3ERT5YUI9OPLKJHGx0+/A=');";
        assert!(documented_default(
            "AKIAZ7QW3ERT5YUI9OPL",
            blob,
            "p/samples/data.sql",
            "AWS Access Key"
        )
        .is_some());
        // Live credentials, or defaults outside test files, stay secrets.
        let key = "INSERT INTO t VALUES ('AKIAZ7QW3ERT5YUI9OPL');";
        assert!(documented_default(
            "AKIAZ7QW3ERT5YUI9OPL",
            key,
            "p/samples/data.sql",
            "AWS Access Key"
        )
        .is_none());
        assert!(documented_default(
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "",
            compose,
            "GitHub Token"
        )
        .is_none());
        assert!(documented_default("postgres", "", "p/db.py", "Basic Auth Credentials").is_none());
        assert!(documented_default("Xk9#mQ2v", "", compose, "Basic Auth Credentials").is_none());
    }

    #[test]
    fn placeholders_and_templates_are_not_secrets() {
        for (value, line) in [
            (
                "%s",
                r#"address = "%s://%s:%s@%s:%s%s" % (PROTOCOL, user, pw, server, port, end)"#,
            ),
            ("%(password)s", ""),
            ("{password}", ""),
            ("{}", ""),
            ("${DB_PASSWORD}", ""),
            ("<password>", ""),
            ("changeme", ""),
            ("********", ""),
            (
                "hunter2",
                "url = 'https://user:hunter2@plugins.example.org/rpc'",
            ),
        ] {
            assert!(not_a_secret(value, line).is_some(), "{value}");
        }
    }

    #[test]
    fn real_looking_values_stay_secrets() {
        for (value, line) in [
            (
                "hunter2",
                "url = 'https://user:hunter2@plugins.qgis.org/rpc'",
            ),
            ("s3cr3t%s", ""),
            ("AKIAIOSFODNN7EXAMPLX", ""),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", ""),
            ("x", ""),
        ] {
            assert!(not_a_secret(value, line).is_none(), "{value}");
        }
    }
}
