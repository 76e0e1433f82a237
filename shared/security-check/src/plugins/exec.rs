//! B102 `exec_used`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};

pub(crate) fn exec_used(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.qualname == "exec").then(|| {
        Issue::new(
            "B102",
            Severity::Medium,
            Confidence::High,
            "Use of exec detected.",
        )
    })
}
