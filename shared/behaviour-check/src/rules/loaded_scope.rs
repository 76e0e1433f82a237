//! BHV900 and BHV901: the plugin's loaded scope, not threats (reported by `lib.rs` from the
//! import graph). They tell the policy which files QGIS never runs.

use validator_domain::{Level, RuleInfo, Severity};

pub const BHV900: RuleInfo = RuleInfo {
    id: "BHV900",
    title: "Not loaded by the plugin",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Nothing imports this file from the plugin's `__init__.py` (a developer script, \
                  a test, a documentation builder), so QGIS never runs it: under the policy's \
                  `block_scope = \"loaded\"` its code findings are reported but do not block. \
                  Secrets in it still block: they are published with the zip. Better still, \
                  leave such files out of the zip.",
};

pub const BHV901: RuleInfo = RuleInfo {
    id: "BHV901",
    title: "Loads code dynamically: every file counts as loaded",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "The plugin loads code in a way its import graph cannot follow (an import with \
                  a computed name, exec or compile, runpy, a module loader), so every Python \
                  file in the zip may run and every code finding blocks. Import your modules by \
                  name (`from . import tools`) to let the validator see what runs.",
};
