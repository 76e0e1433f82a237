//! BHV104 Obfuscated code (review): PyArmor, invisible or bidirectional Unicode, long encoded
//! literals.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV104: RuleInfo = review(
    "BHV104",
    "Obfuscated code",
    "The plugin's code is obfuscated (PyArmor, long encoded payloads decoded at run time, \
     invisible or bidirectional Unicode characters). Plugins in the repository are open source: \
     ship readable code.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let (cap, e) = scope
        .file
        .any(&[Cap::PyArmor, Cap::InvisibleUnicode, Cap::EncodedBlob])?;
    Some(Hit::new(
        &BHV104,
        e.line,
        format!("{} ({})", cap.describe(), at(scope.path, e)),
    ))
}
