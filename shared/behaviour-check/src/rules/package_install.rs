//! BHV101 Installs packages at run time (review), graded by where the packages come from
//! (`pip.rs`). Held for review: a package from another index than PyPI, a URL or
//! version-control link, an archive outside the plugin, or a name read from the network or
//! decoded at run time. Reported only (evidence-aware policy): packages from PyPI by the names
//! the plugin spells, the ordinary dependency installer, whose names the dependencies check
//! checks against malicious packages and advisories.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV101: RuleInfo = review(
    "BHV101",
    "Installs packages at run time",
    "The plugin runs pip at run time, which installs code that was not reviewed with the \
     plugin. Installing named packages from PyPI (a dependency installer that asks the user, \
     with the names documented in `plugin_dependencies` of metadata.txt) is only reported; a \
     package from another index, a URL, a version-control link, an archive outside the plugin \
     or a name read from the network is held for review. Install from PyPI by name and pin the \
     version, or bundle pure-Python dependencies in the plugin.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    if let Some(e) = scope.file.get(Cap::PackageInstallUnvetted) {
        return Some(Hit::new(
            &BHV101,
            e.line,
            format!(
                "installs packages from outside PyPI or chosen at run time ({})",
                at(scope.path, e)
            ),
        ));
    }
    let e = scope.file.get(Cap::PackageInstall)?;
    Some(
        Hit::new(
            &BHV101,
            e.line,
            format!("installs packages at run time ({})", at(scope.path, e)),
        )
        .reported_because(
            "packages from PyPI by the names the plugin spells; the dependencies check checks \
             those names",
        ),
    )
}
