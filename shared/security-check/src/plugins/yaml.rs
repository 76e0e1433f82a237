//! B506 `yaml_load`: `yaml.load` without a safe loader.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn yaml_load(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !context.imported_exact("yaml") {
        return None;
    }
    let parts: Vec<&str> = context.qualname.split('.').collect();
    let safe_keyword = context.check_call_arg_value("Loader", &["SafeLoader"]) == Some(true)
        || context.check_call_arg_value("Loader", &["CSafeLoader"]) == Some(true);
    let second = context.arg_at(1);
    let safe_positional = second
        .as_ref()
        .is_some_and(|v| v.eq_str("SafeLoader") || v.eq_str("CSafeLoader"));
    (parts.contains(&"yaml") && parts.last() == Some(&"load") && !safe_keyword && !safe_positional)
        .then(|| {
            Issue::new(
                Rule::B506,
                Severity::Medium,
                Confidence::High,
                "Use of unsafe yaml load. Allows instantiation of arbitrary objects. Consider \
                 yaml.safe_load().",
            )
        })
}
