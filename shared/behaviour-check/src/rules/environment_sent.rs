//! BHV106 Sends the whole environment (review): the process environment passed whole to a
//! network sink.

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
    let e = scope.file.get(Cap::EnvToNetwork)?;
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
