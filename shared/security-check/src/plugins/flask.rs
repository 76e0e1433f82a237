//! B201 `flask_debug_true`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn flask_debug_true(context: &CallContext<'_, '_>) -> Option<Issue> {
    if context.imported_like("flask")
        && context.qualname.ends_with(".run")
        && context.check_call_arg_value("debug", &["True"]) == Some(true)
    {
        return Some(
            Issue::new(
                Rule::B201,
                Severity::High,
                Confidence::Medium,
                "A Flask app appears to be run with debug=True, which exposes the Werkzeug \
                 debugger and allows the execution of arbitrary code.",
            )
            .at_line(context.lineno_for_call_arg("debug")),
        );
    }
    None
}
