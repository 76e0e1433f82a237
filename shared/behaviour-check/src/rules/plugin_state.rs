//! BHV110 Changes plugin repositories or other plugins' state (review). A settings write of a
//! plugin repository (`app/plugin_repositories/...`, the installer's experimental and
//! deprecated switches) or of another plugin's enabled flag (`PythonPlugins/<name>`); the
//! plugin's own flag does not count. An organisation's plugin may add its own repository, so a
//! human decides.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV110: RuleInfo = review(
    "BHV110",
    "Changes plugin repositories or other plugins' state",
    "The plugin adds or changes a plugin repository, or enables or disables another plugin, \
     through QGIS's settings. Plugins are installed and enabled by the user in the Plugin \
     Manager; if the plugin needs another one, declare it in metadata.txt \
     (plugin_dependencies) and, for an organisation's repository, document how to add it.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let (path, file) = (scope.path, &scope.file);
    let write = file.get(Cap::PluginStateTamper)?;
    Some(Hit {
        without_evidence: None,
        rule: &BHV110,
        line: write.line,
        message: format!(
            "{} ({})",
            Cap::PluginStateTamper.describe(),
            at(path, write)
        ),
    })
}
