//! BHV004 Installs itself to start automatically (block): a write whose folded target is a
//! place that starts code automatically (QGIS startup.py, `.pth`, crontab, a Run key, ...).
//! Naming such a place and writing somewhere unknown is BHV109 (review).

use validator_domain::RuleInfo;

use super::{at, block, FileScope, Hit};
use crate::caps::Cap;

pub const BHV004: RuleInfo = block(
    "BHV004",
    "Installs itself to start automatically",
    "The plugin writes an auto-start location outside its own folder (QGIS startup.py, a .pth or \
     sitecustomize file, crontab, systemd or desktop autostart, a Windows Run key, shell rc \
     files). A plugin runs when QGIS loads it; use initGui and the plugin's own settings, and \
     never modify the user's start-up files.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let e = scope.file.get(Cap::PersistWrite)?;
    Some(Hit::new(
        &BHV004,
        e.line,
        format!(
            "writes an auto-start location outside its folder ({})",
            at(scope.path, e)
        ),
    ))
}
