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

#[cfg(test)]
mod tests {
    use super::not_a_secret;

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
