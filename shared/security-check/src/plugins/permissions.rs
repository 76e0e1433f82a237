//! B103 `set_bad_file_permissions`: `chmod` with a mode writable or executable by group/others.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::literal::Lit;
use crate::rules::Rule;

const S_IWOTH: i128 = 0o002;
const S_IWGRP: i128 = 0o020;
const S_IXGRP: i128 = 0o010;
const S_IXOTH: i128 = 0o001;

pub(crate) fn set_bad_file_permissions(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !context.name().contains("chmod") || context.args().len() != 2 {
        return None;
    }
    let Some(Lit::Int(Some(mode))) = context.arg_at(1) else {
        return None;
    };
    if mode & (S_IWOTH | S_IWGRP | S_IXGRP | S_IXOTH) == 0 {
        return None;
    }
    let severity = if mode & S_IWOTH != 0 {
        Severity::High
    } else {
        Severity::Medium
    };
    let filename = context
        .arg_at(0)
        .map_or_else(|| "NOT PARSED".to_owned(), |f| f.py_str());
    let octal = if mode < 0 {
        format!("-0o{:o}", -mode)
    } else {
        format!("0o{mode:o}")
    };
    Some(Issue::new(
        Rule::B103,
        severity,
        Confidence::High,
        format!("Chmod setting a permissive mask {octal} on file ({filename})."),
    ))
}
