//! BHV003 Executes a decoded or hidden payload (block): decoded data executed, or a dangerous
//! function called through a name built to hide it. A long encoded literal and an exec
//! elsewhere in the file are co-occurrence only: BHV104 holds the obfuscation for review.

use validator_domain::RuleInfo;

use super::{at, block, FileScope, Hit};
use crate::caps::Cap;

pub const BHV003: RuleInfo = block(
    "BHV003",
    "Executes a decoded or hidden payload",
    "The plugin decodes data at run time (base64, hex, rot13, zlib, marshal, chr sequences) or \
     builds a function name to hide it, and executes the result. Write the code in plain Python \
     and call functions by their names; an approver must be able to read what runs.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let path = scope.path;
    if let Some(e) = scope.file.get(Cap::DecodedExec) {
        return Some(Hit::new(
            &BHV003,
            e.line,
            format!("executes decoded data ({})", at(path, e)),
        ));
    }
    // Through the file's functions: a decoding helper's result, a parameter, a constructor's
    // argument.
    if let Some(flow) = crate::code_flow::decoded_code(&scope.facts.flow, path) {
        return Some(Hit::new(
            &BHV003,
            flow.line,
            format!("executes decoded data ({})", flow.message),
        ));
    }
    let e = scope.file.get(Cap::HiddenCall)?;
    Some(Hit::new(
        &BHV003,
        e.line,
        format!(
            "calls a dangerous function through a hidden name ({})",
            at(path, e)
        ),
    ))
}
