//! BHV101 Installs packages at run time (review): pip (or another installer) started by the
//! plugin.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV101: RuleInfo = review(
    "BHV101",
    "Installs packages at run time",
    "The plugin runs pip at run time, which installs unreviewed code. Prefer bundling pure-Python \
     dependencies in the plugin, or document the dependency (plugin_dependencies in \
     metadata.txt, QGIS's bundled packages) and ask the user before installing anything.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let e = scope.file.get(Cap::PackageInstall)?;
    Some(Hit::new(
        &BHV101,
        e.line,
        format!("installs packages at run time ({})", at(scope.path, e)),
    ))
}
