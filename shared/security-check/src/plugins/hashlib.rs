//! B324 `hashlib_insecure_functions`: MD4/MD5/SHA1 through `hashlib` unless
//! `usedforsecurity=False`, and weak `crypt` methods.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::literal::Lit;
use crate::rules::Rule;

const WEAK_HASHES: [&str; 4] = ["md4", "md5", "sha", "sha1"];
const WEAK_CRYPT_HASHES: [&str; 3] = ["METHOD_CRYPT", "METHOD_MD5", "METHOD_BLOWFISH"];

/// `keywords.get('usedforsecurity', 'True') == 'True'`.
fn used_for_security(context: &CallContext<'_, '_>) -> bool {
    context
        .keyword_value("usedforsecurity")
        .is_none_or(|v| v.eq_str("True"))
}

fn weak_hash(name: &str, context: &CallContext<'_, '_>) -> Option<Issue> {
    used_for_security(context).then(|| {
        Issue::new(
            Rule::B324,
            Severity::High,
            Confidence::High,
            format!(
                "Use of weak {} hash for security. Consider usedforsecurity=False",
                name.to_uppercase()
            ),
        )
    })
}

pub(crate) fn hashlib(context: &CallContext<'_, '_>) -> Option<Issue> {
    let parts: Vec<&str> = context.qualname.split('.').collect();
    let func = *parts.last()?;
    if parts.contains(&"hashlib") {
        if WEAK_HASHES.contains(&func) {
            return weak_hash(func, context);
        }
        if func == "new" {
            let name = match context.call_args().into_iter().next() {
                Some(first) => Some(first),
                None => context.keyword_value("name"),
            };
            if let Some(Lit::Str(name)) = name {
                if WEAK_HASHES.contains(&name.to_lowercase().as_str()) {
                    return weak_hash(&name, context);
                }
            }
        }
        return None;
    }
    if parts.contains(&"crypt") && (func == "crypt" || func == "mksalt") {
        let (position, keyword) = if func == "crypt" {
            (1, "salt")
        } else {
            (0, "method")
        };
        let args = context.call_args();
        let name = if args.len() > position {
            args.into_iter().nth(position)
        } else {
            context.keyword_value(keyword)
        };
        if let Some(Lit::Str(name)) = name {
            if WEAK_CRYPT_HASHES.contains(&name.as_ref()) {
                return Some(Issue::new(
                    Rule::B324,
                    Severity::Medium,
                    Confidence::High,
                    format!(
                        "Use of insecure crypt.{} hash function.",
                        name.to_uppercase()
                    ),
                ));
            }
        }
    }
    None
}
