//! Paramiko: B601 `paramiko_calls` (`exec_command`), B507 `ssh_no_host_key_verification`.

use validator_domain::{Confidence, Severity};
use validator_python::ast::Expr;

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn paramiko_calls(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.imported_like("paramiko") && context.name() == "exec_command").then(|| {
        Issue::new(
            Rule::B601,
            Severity::Medium,
            Confidence::Medium,
            "Possible shell injection via Paramiko call, check inputs are properly sanitized.",
        )
    })
}

pub(crate) fn ssh_no_host_key_verification(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !(context.imported_like("paramiko") && context.name() == "set_missing_host_key_policy") {
        return None;
    }
    let policy = match context.args().first()? {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return None,
        },
        _ => return None,
    };
    matches!(policy, "AutoAddPolicy" | "WarningPolicy").then(|| {
        Issue::new(
            Rule::B507,
            Severity::High,
            Confidence::Medium,
            "Paramiko call with policy set to automatically trust the unknown host key.",
        )
        .at_line(context.lineno_for_call_arg("set_missing_host_key_policy"))
    })
}
