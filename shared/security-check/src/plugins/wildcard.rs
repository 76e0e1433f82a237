//! B609 `linux_commands_wildcard_injection`: `chown`/`chmod`/`tar`/`rsync` with `*` run through a
//! shell.

use validator_domain::{Confidence, Severity};

use super::shell::{SHELL, SUBPROCESS};
use crate::context::{CallContext, Issue};
use crate::literal::Lit;
use crate::rules::Rule;

const VULNERABLE: [&str; 4] = ["chown", "chmod", "tar", "rsync"];

pub(crate) fn linux_commands_wildcard_injection(context: &CallContext<'_, '_>) -> Option<Issue> {
    let qualname = context.qualname.as_str();
    let through_shell = SHELL.contains(&qualname)
        || (SUBPROCESS.contains(&qualname)
            && context.check_call_arg_value("shell", &["True"]) == Some(true));
    if !through_shell || context.args().is_empty() {
        return None;
    }
    let command = match context.arg_at(0)? {
        Lit::List(items) => items.iter().map(|i| format!(" {}", i.py_str())).collect(),
        Lit::Str(text) => text.into_owned(),
        _ => String::new(),
    };
    if command.is_empty() {
        return None;
    }
    VULNERABLE
        .iter()
        .any(|f| command.contains(f) && command.contains('*'))
        .then(|| {
            Issue::new(
                Rule::B609,
                Severity::High,
                Confidence::Medium,
                format!("Possible wildcard injection in call: {qualname}"),
            )
            .at_line(context.lineno_for_call_arg("shell"))
        })
}
