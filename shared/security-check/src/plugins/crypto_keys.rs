//! B505 `weak_cryptographic_key`: RSA/DSA keys under 2048 bits, EC curves under 224 bits.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::literal::Lit;
use crate::rules::Rule;

/// `_classify_key_size` with Bandit's default thresholds; `None` for text sizes, and for sizes
/// Python cannot compare with a number (Bandit's test fails on those).
fn classify(key_type: &str, key_size: &Lit<'_>) -> Option<Issue> {
    let size = match key_size {
        Lit::Int(Some(v)) => *v as f64,
        Lit::Float(f) => *f,
        _ => return None,
    };
    let thresholds: [(f64, Severity); 2] = match key_type {
        "DSA" | "RSA" => [(1024.0, Severity::High), (2048.0, Severity::Medium)],
        _ => [(160.0, Severity::High), (224.0, Severity::Medium)],
    };
    thresholds
        .iter()
        .find(|(limit, _)| size < *limit)
        .map(|(limit, level)| {
            Issue::new(
                Rule::B505,
                *level,
                Confidence::High,
                format!("{key_type} key sizes below {limit} bits are considered breakable. "),
            )
        })
}

/// `a or b or default` on Bandit's values.
fn first_truthy<'a>(
    values: impl IntoIterator<Item = Option<Lit<'a>>>,
    default: Lit<'a>,
) -> Lit<'a> {
    values
        .into_iter()
        .flatten()
        .find(Lit::truthy)
        .unwrap_or(default)
}

const CURVES: [(&str, i128); 19] = [
    ("SECT571K1", 571),
    ("SECT571R1", 570),
    ("SECP521R1", 521),
    ("BrainpoolP512R1", 512),
    ("SECT409K1", 409),
    ("SECT409R1", 409),
    ("BrainpoolP384R1", 384),
    ("SECP384R1", 384),
    ("SECT283K1", 283),
    ("SECT283R1", 283),
    ("BrainpoolP256R1", 256),
    ("SECP256K1", 256),
    ("SECP256R1", 256),
    ("SECT233K1", 233),
    ("SECT233R1", 233),
    ("SECP224R1", 224),
    ("SECP192R1", 192),
    ("SECT163K1", 163),
    ("SECT163R2", 163),
];

pub(crate) fn weak_cryptographic_key(context: &CallContext<'_, '_>) -> Option<Issue> {
    let cryptography = match context.qualname.as_str() {
        "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key" => Some(("DSA", 0)),
        "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key" => Some(("RSA", 1)),
        "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key" => Some(("EC", 0)),
        _ => None,
    };
    if let Some((key_type, position)) = cryptography {
        if key_type == "EC" {
            let args = context.call_args();
            let curve = context
                .call_arg_value("curve")
                .filter(Lit::truthy)
                .or_else(|| args.into_iter().nth(position));
            // Unhashable curves (lists) make Bandit's lookup fail.
            if matches!(curve, Some(Lit::List(_) | Lit::Set(_))) {
                return None;
            }
            let size = curve
                .as_ref()
                .and_then(Lit::as_str)
                .and_then(|name| CURVES.iter().find(|(c, _)| *c == name))
                .map_or(224, |(_, size)| *size);
            return classify(key_type, &Lit::Int(Some(size)));
        }
        let size = first_truthy(
            [context.call_arg_value("key_size"), context.arg_at(position)],
            Lit::Int(Some(2048)),
        );
        return classify(key_type, &size);
    }
    let key_type = match context.qualname.as_str() {
        "Crypto.PublicKey.DSA.generate" | "Cryptodome.PublicKey.DSA.generate" => "DSA",
        "Crypto.PublicKey.RSA.generate" | "Cryptodome.PublicKey.RSA.generate" => "RSA",
        _ => return None,
    };
    let size = first_truthy(
        [context.call_arg_value("bits"), context.arg_at(0)],
        Lit::Int(Some(2048)),
    );
    classify(key_type, &size)
}
