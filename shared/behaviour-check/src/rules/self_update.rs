//! BHV102 Updates itself from outside the plugin repository (review): the file downloads and
//! writes over the plugin's own folder, and the hosts it names are not all the official plugin
//! repository.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::{self, Cap};

pub const BHV102: RuleInfo = review(
    "BHV102",
    "Updates itself from outside the plugin repository",
    "The plugin downloads an archive or code and writes it over its own folder. Updates go \
     through plugins.qgis.org so that every version is validated; remove the self-updater or \
     point it at the official repository.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let (own, net) = (
        scope.file.get(Cap::OwnDirWrite)?,
        scope.file.get(Cap::Network)?,
    );
    let hosts = &scope.facts.hosts;
    let official = !hosts.is_empty() && hosts.iter().all(|(h, _)| caps::is_plugin_repository(h));
    if official {
        return None;
    }
    Some(Hit::new(
        &BHV102,
        own.line,
        format!(
            "downloads{} ({}) and writes over its own folder ({})",
            scope.hosts_text("from"),
            at(scope.path, net),
            at(scope.path, own)
        ),
    ))
}
