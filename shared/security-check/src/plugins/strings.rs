//! String tests: B104 `hardcoded_bind_all_interfaces`, B108 `hardcoded_tmp_directory`.

use validator_domain::{Confidence, Severity};

use crate::context::{Issue, StrContext};
use crate::rules::Rule;

pub(crate) fn hardcoded_bind_all_interfaces(context: &StrContext<'_, '_>) -> Option<Issue> {
    (context.value == "0.0.0.0").then(|| {
        Issue::new(
            Rule::B104,
            Severity::Medium,
            Confidence::Medium,
            "Possible binding to all interfaces.",
        )
    })
}

/// Bandit's default `tmp_dirs`.
const TMP_DIRS: [&str; 3] = ["/tmp", "/var/tmp", "/dev/shm"];

pub(crate) fn hardcoded_tmp_directory(context: &StrContext<'_, '_>) -> Option<Issue> {
    TMP_DIRS
        .iter()
        .any(|dir| context.value.starts_with(dir))
        .then(|| {
            Issue::new(
                Rule::B108,
                Severity::Medium,
                Confidence::Medium,
                "Probable insecure usage of temp file/directory.",
            )
        })
}
