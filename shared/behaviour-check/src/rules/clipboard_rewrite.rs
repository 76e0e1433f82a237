//! BHV112 Rewrites the clipboard (review). One function (with the functions it calls) reads
//! the clipboard and writes it: what clipboard hijackers do (replacing an address the user
//! copied). Copying a coordinate to the clipboard, or pasting from it, alone does not fire.

use validator_domain::RuleInfo;

use super::{at, caps_of, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV112: RuleInfo = review(
    "BHV112",
    "Rewrites the clipboard",
    "The plugin reads the clipboard and writes it back in the same function. Copy to the \
     clipboard only what the user asked to copy, and never change what the user copied \
     elsewhere.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    if scope.file.get(Cap::ClipboardRead).is_none() || scope.file.get(Cap::ClipboardWrite).is_none()
    {
        return None;
    }
    let (path, facts) = (scope.path, scope.facts);
    scope.closures().iter().find_map(|closure| {
        let scope = caps_of(facts, closure.iter().copied());
        let read = scope.get(Cap::ClipboardRead)?;
        let write = scope.get(Cap::ClipboardWrite)?;
        Some(Hit {
            without_evidence: None,
            rule: &BHV112,
            line: write.line,
            message: format!(
                "reads the clipboard ({}) and writes it ({}) in one function",
                at(path, read),
                at(path, write)
            ),
        })
    })
}
