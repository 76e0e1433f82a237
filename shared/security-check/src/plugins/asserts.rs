//! B101 `assert_used`.

use validator_domain::{Confidence, Severity};

use crate::context::Issue;
use crate::rules::Rule;

/// Every `assert` statement (Bandit's per-file `skips` option is not supported: plugin
/// configuration relaxes whole rules only).
pub(crate) fn assert_used() -> Option<Issue> {
    Some(Issue::new(
        Rule::B101,
        Severity::Low,
        Confidence::High,
        "Use of assert detected. The enclosed code will be removed when compiling to optimised \
         byte code.",
    ))
}
