//! BHV106 Sends the whole environment (review): the process environment passed whole to a
//! network sink, in the call itself or through the file's functions (`flow.rs`).

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV106: RuleInfo = review(
    "BHV106",
    "Sends the whole environment",
    "The plugin sends the process environment (which holds tokens and passwords) over the \
     network. Send only the values your service needs, named explicitly.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let Some(e) = scope.file.get(Cap::EnvToNetwork) else {
        let flow = crate::flow::environment_flow(&scope.facts.flow, scope.path)?;
        return Some(Hit::new(&BHV106, flow.line, flow.message));
    };
    Some(Hit::new(
        &BHV106,
        e.line,
        format!(
            "sends the whole process environment over the network{} ({})",
            scope.hosts_text("to"),
            at(scope.path, e)
        ),
    ))
}
