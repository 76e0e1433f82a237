//! B202 `tarfile_unsafe_members`: `extractall` without the data filter or checked members.

use validator_domain::{Confidence, Severity};
use validator_python::ast::Expr;

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn tarfile_unsafe_members(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !(context.imported_exact("tarfile") && context.name().contains("extractall")) {
        return None;
    }
    let keyword = |name: &str| {
        context
            .keywords()
            .iter()
            .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some(name))
    };
    if let Some(filter) = keyword("filter") {
        if matches!(&filter.value, Expr::StringLiteral(s) if s.value.to_str() == "data") {
            return None;
        }
    }
    if let Some(members) = keyword("members") {
        return match &members.value {
            Expr::Call(call) => {
                // Bandit reads `func.id`: a method call as `members=` makes its test fail.
                let Expr::Name(function) = call.func.as_ref() else {
                    return None;
                };
                Some(Issue::new(
                    Rule::B202,
                    Severity::Low,
                    Confidence::Low,
                    format!(
                        "Usage of tarfile.extractall(members=function(tarfile)). Make sure your \
                         function properly discards dangerous members ({{'Function': '{}'}}).",
                        function.id.as_str()
                    ),
                ))
            }
            _ => Some(Issue::new(
                Rule::B202,
                Severity::Medium,
                Confidence::Medium,
                "Found tarfile.extractall(members=?) but couldn't identify the type of members. \
                 Check if the members were properly validated.",
            )),
        };
    }
    Some(Issue::new(
        Rule::B202,
        Severity::High,
        Confidence::High,
        "tarfile.extractall used without any validation. Please check and discard dangerous \
         members.",
    ))
}
