//! B110 `try_except_pass` and B112 `try_except_continue`: an `except` whose only statement is
//! `pass`/`continue`, for bare `except:` and `except Exception:` (Bandit's defaults,
//! `check_typed_exception = False`).

use validator_domain::{Confidence, Severity};
use validator_python::ast::{ExceptHandlerExceptHandler, Expr, Stmt};

use crate::context::Issue;
use crate::rules::Rule;

pub(crate) fn except_handler_tests(handler: &ExceptHandlerExceptHandler) -> Vec<Issue> {
    let [only] = handler.body.as_slice() else {
        return Vec::new();
    };
    if let Some(type_) = &handler.type_ {
        let is_exception = matches!(type_.as_ref(), Expr::Name(n) if n.id.as_str() == "Exception");
        if !is_exception {
            return Vec::new();
        }
    }
    let issue = match only {
        Stmt::Pass(_) => Issue::new(
            Rule::B110,
            Severity::Low,
            Confidence::High,
            "Try, Except, Pass detected.",
        ),
        Stmt::Continue(_) => Issue::new(
            Rule::B112,
            Severity::Low,
            Confidence::High,
            "Try, Except, Continue detected.",
        ),
        _ => return Vec::new(),
    };
    vec![issue]
}
