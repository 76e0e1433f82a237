//! HTTP clients and listeners: B113 `request_without_timeout`, B501
//! `request_with_no_cert_validation`, B612 `logging_config_insecure_listen`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

const HTTP_VERBS: [&str; 7] = ["get", "options", "head", "post", "put", "patch", "delete"];
const HTTPX_EXTRA: [&str; 4] = ["request", "stream", "Client", "AsyncClient"];

fn root<'c>(context: &'c CallContext<'_, '_>) -> &'c str {
    context.qualname.split('.').next().unwrap_or("")
}

fn is_requests_verb(context: &CallContext<'_, '_>) -> bool {
    root(context) == "requests" && HTTP_VERBS.contains(&context.name())
}

fn is_http_call(context: &CallContext<'_, '_>) -> bool {
    is_requests_verb(context)
        || (root(context) == "httpx"
            && (HTTP_VERBS.contains(&context.name()) || HTTPX_EXTRA.contains(&context.name())))
}

pub(crate) fn request_with_no_cert_validation(context: &CallContext<'_, '_>) -> Option<Issue> {
    if is_http_call(context) && context.check_call_arg_value("verify", &["False"]) == Some(true) {
        return Some(
            Issue::new(
                Rule::B501,
                Severity::High,
                Confidence::High,
                format!(
                    "Call to {} with verify=False disabling SSL certificate checks, security issue.",
                    root(context)
                ),
            )
            .at_line(context.lineno_for_call_arg("verify")),
        );
    }
    None
}

pub(crate) fn request_without_timeout(context: &CallContext<'_, '_>) -> Option<Issue> {
    let issue = |text: String| Issue::new(Rule::B113, Severity::Medium, Confidence::Low, text);
    if is_requests_verb(context) && context.check_call_arg_value("timeout", &[]).is_none() {
        return Some(issue(format!("Call to {} without timeout", root(context))));
    }
    if is_http_call(context) && context.check_call_arg_value("timeout", &["None"]) == Some(true) {
        return Some(issue(format!(
            "Call to {} with timeout set to None",
            root(context)
        )));
    }
    None
}

pub(crate) fn logging_config_insecure_listen(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.qualname == "logging.config.listen" && !context.has_keyword("verify")).then(|| {
        Issue::new(
            Rule::B612,
            Severity::Medium,
            Confidence::High,
            "Use of insecure logging.config.listen detected.",
        )
    })
}
