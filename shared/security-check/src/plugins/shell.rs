//! Process execution, Bandit's `shell_injection` family: B602-B607.

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, Number};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

/// Bandit's default `shell_injection` configuration.
pub(crate) const SUBPROCESS: [&str; 5] = [
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.run",
];
pub(crate) const SHELL: [&str; 14] = [
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "popen2.popen2",
    "popen2.popen3",
    "popen2.popen4",
    "popen2.Popen3",
    "popen2.Popen4",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
];
const NO_SHELL: [&str; 17] = [
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnlpe",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.spawnvpe",
    "os.startfile",
];

fn is_in(list: &[&str], qualname: &str) -> bool {
    list.contains(&qualname)
}

/// `has_shell`: whether a `shell=` keyword is truthy as Bandit evaluates it.
pub(crate) fn has_shell(context: &CallContext<'_, '_>) -> bool {
    let mut result = false;
    for keyword in context.keywords() {
        if keyword.arg.as_ref().map(|a| a.as_str()) != Some("shell") {
            continue;
        }
        result = match &keyword.value {
            Expr::BooleanLiteral(b) => b.value,
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => i.as_u8() != Some(0),
                Number::Float(f) => *f != 0.0,
                Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
            },
            Expr::List(l) => !l.elts.is_empty(),
            Expr::Dict(d) => !d.items.is_empty(),
            Expr::Name(n) if matches!(n.id.as_str(), "False" | "None") => false,
            Expr::NoneLiteral(_) => false,
            Expr::StringLiteral(s) => !s.value.to_str().is_empty(),
            Expr::BytesLiteral(b) => b.value.iter().any(|part| !part.is_empty()),
            Expr::EllipsisLiteral(_) => true,
            _ => true,
        };
    }
    result
}

/// `_evaluate_shell_call`: low severity when the command is a plain string.
fn command_is_literal(context: &CallContext<'_, '_>) -> bool {
    matches!(context.args().first(), Some(Expr::StringLiteral(_)))
}

pub(crate) fn subprocess_popen_with_shell_equals_true(
    context: &CallContext<'_, '_>,
) -> Option<Issue> {
    if !(is_in(&SUBPROCESS, &context.qualname) && has_shell(context) && !context.args().is_empty())
    {
        return None;
    }
    let issue = if command_is_literal(context) {
        Issue::new(
            Rule::B602,
            Severity::Low,
            Confidence::High,
            "subprocess call with shell=True seems safe, but may be changed in the future, \
             consider rewriting without shell",
        )
    } else {
        Issue::new(
            Rule::B602,
            Severity::High,
            Confidence::High,
            "subprocess call with shell=True identified, security issue.",
        )
    };
    Some(issue.at_line(context.lineno_for_call_arg("shell")))
}

pub(crate) fn subprocess_without_shell_equals_true(context: &CallContext<'_, '_>) -> Option<Issue> {
    (is_in(&SUBPROCESS, &context.qualname) && !has_shell(context)).then(|| {
        Issue::new(
            Rule::B603,
            Severity::Low,
            Confidence::High,
            "subprocess call - check for execution of untrusted input.",
        )
        .at_line(context.lineno_for_call_arg("shell"))
    })
}

pub(crate) fn any_other_function_with_shell_equals_true(
    context: &CallContext<'_, '_>,
) -> Option<Issue> {
    (!is_in(&SUBPROCESS, &context.qualname) && has_shell(context)).then(|| {
        Issue::new(
            Rule::B604,
            Severity::Medium,
            Confidence::Low,
            "Function call with shell=True parameter identified, possible security issue.",
        )
        .at_line(context.lineno_for_call_arg("shell"))
    })
}

pub(crate) fn start_process_with_a_shell(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !is_in(&SHELL, &context.qualname) || context.args().is_empty() {
        return None;
    }
    Some(if command_is_literal(context) {
        Issue::new(
            Rule::B605,
            Severity::Low,
            Confidence::High,
            "Starting a process with a shell: Seems safe, but may be changed in the future, \
             consider rewriting without shell",
        )
    } else {
        Issue::new(
            Rule::B605,
            Severity::High,
            Confidence::High,
            "Starting a process with a shell, possible injection detected, security issue.",
        )
    })
}

pub(crate) fn start_process_with_no_shell(context: &CallContext<'_, '_>) -> Option<Issue> {
    is_in(&NO_SHELL, &context.qualname).then(|| {
        Issue::new(
            Rule::B606,
            Severity::Low,
            Confidence::Medium,
            "Starting a process without a shell.",
        )
    })
}

/// `full_path_match = ^(?:[A-Za-z](?=\:)|[\\\/\.])`.
fn is_full_path(command: &str) -> bool {
    let mut chars = command.chars();
    match chars.next() {
        Some('\\' | '/' | '.') => true,
        Some(c) if c.is_ascii_alphabetic() => chars.next() == Some(':'),
        _ => false,
    }
}

pub(crate) fn start_process_with_partial_path(context: &CallContext<'_, '_>) -> Option<Issue> {
    let qualname = context.qualname.as_str();
    if context.args().is_empty()
        || !(is_in(&SUBPROCESS, qualname) || is_in(&SHELL, qualname) || is_in(&NO_SHELL, qualname))
    {
        return None;
    }
    let mut command = context.args().first()?;
    if let Expr::List(list) = command {
        if let Some(first) = list.elts.first() {
            command = first;
        }
    }
    match command {
        Expr::StringLiteral(s) if !is_full_path(s.value.to_str()) => Some(Issue::new(
            Rule::B607,
            Severity::Low,
            Confidence::High,
            "Starting a process with a partial executable path",
        )),
        _ => None,
    }
}
