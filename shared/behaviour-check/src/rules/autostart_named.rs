//! BHV109 Names an auto-start location and writes somewhere unknown (review): the
//! co-occurrence half of BHV004. The file names a place that starts code automatically (a
//! Windows Run key, startup.py, crontab, ...) in a string and writes the registry or a file
//! whose path the resolver could not fold; the write was not traced to the place. A plugin that
//! documents or checks such a place and writes its own files looks the same. A write whose
//! folded target is the place blocks, as BHV004.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::{Cap, Evidence};

pub const BHV109: RuleInfo = review(
    "BHV109",
    "Names an auto-start location and writes files or the registry",
    "The plugin names a place that starts code automatically (QGIS startup.py, a .pth file, \
     crontab, a systemd or desktop autostart entry, a Windows Run key) and writes the registry \
     or a file whose path could not be resolved; the write was not traced to that place, so \
     the version is held for a human review rather than blocked. A plugin runs when QGIS loads \
     it: never modify start-up files; if the plugin must mention one, keep it out of the code \
     that writes files.",
);

/// The finding: the place named and the write.
fn hit(path: &str, target: &Evidence, writes: &str, write: &Evidence) -> Hit {
    Hit {
        without_evidence: None,
        rule: &BHV109,
        line: write.line.max(target.line),
        message: format!(
            "names an auto-start location ({}) and {writes} ({}); the write was not traced to it",
            at(path, target),
            at(path, write)
        ),
    }
}

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let target = scope.file.get(Cap::PersistTarget)?;
    let (cap, write) = scope
        .file
        .any(&[Cap::RegistryWrite, Cap::WriteUnknownPath])?;
    Some(hit(scope.path, target, cap.describe(), write))
}
