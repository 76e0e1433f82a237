//! BHV006 Writes into other plugins (block): a write, copy or extraction into the QGIS plugins
//! folder outside the plugin's own folder.

use validator_domain::RuleInfo;

use super::{at, block, FileScope, Hit};
use crate::caps::Cap;

pub const BHV006: RuleInfo = block(
    "BHV006",
    "Writes into other plugins",
    "The plugin writes, copies or extracts files into the QGIS plugins folder outside its own \
     folder. A plugin only writes into its own folder or the user's data folders it asked for; \
     installing other plugins is done by the Plugin Manager.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let e = scope.file.get(Cap::PluginsDirWrite)?;
    Some(Hit::new(
        &BHV006,
        e.line,
        format!(
            "writes into the plugins folder outside its own ({})",
            at(scope.path, e)
        ),
    ))
}
