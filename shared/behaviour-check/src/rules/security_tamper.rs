//! BHV007 Switches off a QGIS security setting or changes a system file (block). The evidence
//! is the write itself, which is the whole chain: a settings key the settings catalogue files as
//! a security switch (`qgis/enableMacros`, `qgis/enablePythonEmbedded`, the trusted project
//! folders, the script and zip-install warnings) or a folder QGIS loads code from
//! (`Processing/Configuration/SCRIPTS_FOLDERS`, `plugins/searchPathsForPlugins`), or a file the
//! sinks catalogue files as a system file (`/etc/hosts`, the resolver, the loader's preload
//! list, accounts).

use validator_domain::RuleInfo;

use super::{block, on_capability, FileScope, Hit};
use crate::caps::Cap;

pub const BHV007: RuleInfo = block(
    "BHV007",
    "Switches off a QGIS security setting or changes a system file",
    "The plugin writes a QGIS security setting (whether project macros or embedded Python run, \
     trusted project folders, the warnings before running scripts or installing zips), a \
     folder QGIS loads code from, or a system file such as hosts. A plugin never changes how \
     QGIS protects the user: document the setting and let the user change it in QGIS's \
     options.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    on_capability(scope, &BHV007, Cap::SecurityTamper)
}
