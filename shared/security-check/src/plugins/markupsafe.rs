//! B704 `markupsafe_markup_xss`: `Markup(...)` of something that is not a constant (Bandit's
//! default configuration: no extra names, no allowed calls).

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::literal::is_constant;
use crate::rules::Rule;

pub(crate) fn markupsafe_markup_xss(context: &CallContext<'_, '_>) -> Option<Issue> {
    let qualname = context.qualname.as_str();
    if qualname != "markupsafe.Markup" && qualname != "flask.Markup" {
        return None;
    }
    let first = context.args().first()?;
    if is_constant(first) {
        return None;
    }
    Some(Issue::new(
        Rule::B704,
        Severity::Medium,
        Confidence::High,
        format!(
            "Potential XSS with ``{qualname}`` detected. Do not use ``{}`` on untrusted data.",
            context.name()
        ),
    ))
}
