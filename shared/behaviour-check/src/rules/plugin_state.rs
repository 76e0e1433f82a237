//! BHV110 Changes plugin repositories or other plugins' state (review). A settings write of a
//! plugin repository (`app/plugin_repositories/...`, the installer's experimental and
//! deprecated switches) or of another plugin's enabled flag (`PythonPlugins/<name>`); the
//! plugin's own flag does not count. An organisation's plugin may add its own repository, so a
//! human decides. Enabling another plugin by its name when metadata.txt declares
//! `plugin_dependencies` (a vendor's plugin starting its dependency loader) is only reported.

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
    if let Some(write) = file.get(Cap::PluginStateTamper) {
        return Some(Hit::new(
            &BHV110,
            write.line,
            format!(
                "{} ({})",
                Cap::PluginStateTamper.describe(),
                at(path, write)
            ),
        ));
    }
    // Enabling a plugin by its name: reported only when metadata.txt declares plugin
    // dependencies ([`grade_by_declared_dependencies`] drops the mark otherwise).
    let write = file.get(Cap::OtherPluginEnabled)?;
    Some(
        Hit::new(
            &BHV110,
            write.line,
            format!(
                "{} ({})",
                Cap::OtherPluginEnabled.describe(),
                at(path, write)
            ),
        )
        .reported_because(DECLARED_DEPENDENCY),
    )
}

const DECLARED_DEPENDENCY: &str =
    "enables a plugin it names, and the plugin declares the plugins it depends on \
     (plugin_dependencies in metadata.txt)";

/// Keeps BHV110's report-only mark on enabling a named plugin only when metadata.txt declares
/// `plugin_dependencies`: without the declaration, enabling another plugin is held.
pub fn grade_by_declared_dependencies(
    findings: &mut [validator_domain::Finding],
    metadata: Option<&validator_domain::PluginMetadata>,
) {
    let declared = metadata
        .and_then(|m| m.get("plugin_dependencies"))
        .is_some_and(|d| !d.trim().is_empty());
    if declared {
        return;
    }
    for finding in findings.iter_mut().filter(|f| f.rule == BHV110.id) {
        if finding
            .without_evidence
            .as_ref()
            .is_some_and(|w| w.reason == DECLARED_DEPENDENCY)
        {
            finding.without_evidence = None;
        }
    }
}
