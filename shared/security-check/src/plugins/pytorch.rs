//! B614 `pytorch_load`: `torch.load` without `weights_only=True`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn pytorch_load(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !context.imported_exact("torch") {
        return None;
    }
    if context.qualname != "torch.load" && context.qualname != "torch.serialization.load" {
        return None;
    }
    if context
        .call_arg_value("weights_only")
        .is_some_and(|v| v.eq_str("True"))
    {
        return None;
    }
    Some(
        Issue::new(
            Rule::B614,
            Severity::Medium,
            Confidence::High,
            "Use of unsafe PyTorch load",
        )
        .at_line(context.lineno_for_call_arg("load")),
    )
}
