//! B102 `exec_used`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn exec_used(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.qualname == "exec").then(|| {
        Issue::new(
            Rule::B102,
            Severity::Medium,
            Confidence::High,
            "Use of exec detected.",
        )
    })
}
