//! B502 `ssl_with_bad_version`, B503 `ssl_with_bad_defaults`, B504 `ssl_with_no_version`.

use validator_domain::{Confidence, Severity};
use validator_python::ast::Expr;

use crate::context::{CallContext, FunctionContext, Issue};
use crate::rules::Rule;

/// Bandit's default `bad_protocol_versions`.
const BAD_VERSIONS: [&str; 9] = [
    "PROTOCOL_SSLv2",
    "SSLv2_METHOD",
    "SSLv23_METHOD",
    "PROTOCOL_SSLv3",
    "PROTOCOL_TLSv1",
    "SSLv3_METHOD",
    "TLSv1_METHOD",
    "PROTOCOL_TLSv1_1",
    "TLSv1_1_METHOD",
];

pub(crate) fn ssl_with_bad_version(context: &CallContext<'_, '_>) -> Option<Issue> {
    let bad = |name: &str| context.check_call_arg_value(name, &BAD_VERSIONS) == Some(true);
    match context.qualname.as_str() {
        "ssl.wrap_socket" => bad("ssl_version").then(|| {
            Issue::new(
                Rule::B502,
                Severity::High,
                Confidence::High,
                "ssl.wrap_socket call with insecure SSL/TLS protocol version identified, \
                 security issue.",
            )
            .at_line(context.lineno_for_call_arg("ssl_version"))
        }),
        "pyOpenSSL.SSL.Context" => bad("method").then(|| {
            Issue::new(
                Rule::B502,
                Severity::High,
                Confidence::High,
                "SSL.Context call with insecure SSL/TLS protocol version identified, security \
                 issue.",
            )
            .at_line(context.lineno_for_call_arg("method"))
        }),
        _ => (bad("method") || bad("ssl_version")).then(|| {
            Issue::new(
                Rule::B502,
                Severity::Medium,
                Confidence::Medium,
                "Function call with insecure SSL/TLS protocol identified, possible security \
                 issue.",
            )
            .at_line(
                context
                    .lineno_for_call_arg("method")
                    .or_else(|| context.lineno_for_call_arg("ssl_version")),
            )
        }),
    }
}

/// `get_qual_attr`: only attribute defaults have a name (`ssl.PROTOCOL_SSLv2`).
fn default_attr(default: &Expr) -> Option<&str> {
    match default {
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        _ => None,
    }
}

pub(crate) fn ssl_with_bad_defaults(context: &FunctionContext<'_>) -> Option<Issue> {
    let parameters = &context.function.parameters;
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .filter_map(|p| p.default.as_deref())
        .filter_map(default_attr)
        .any(|attr| BAD_VERSIONS.contains(&attr))
        .then(|| {
            Issue::new(
                Rule::B503,
                Severity::Medium,
                Confidence::Medium,
                "Function definition identified with insecure SSL/TLS protocol version by \
                 default, possible security issue.",
            )
        })
}

pub(crate) fn ssl_with_no_version(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.qualname == "ssl.wrap_socket"
        && context.check_call_arg_value("ssl_version", &[]).is_none())
    .then(|| {
        Issue::new(
            Rule::B504,
            Severity::Low,
            Confidence::Medium,
            "ssl.wrap_socket call with no SSL/TLS protocol version specified, the default \
             SSLv23 could be insecure, possible security issue.",
        )
        .at_line(context.lineno_for_call_arg("ssl_version"))
    })
}
