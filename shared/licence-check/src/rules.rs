//! The licence check's rules, declared once: docs/rules.md, the policy defaults, SARIF and the
//! emails' guidance come from here.

use validator_domain::{Level, RuleInfo, Severity};

pub const LIC001: RuleInfo = RuleInfo {
    id: "LIC001",
    title: "No licence found",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: true,
    remediation: "Nothing says under which terms the plugin may be used: no `LICENSE`/`COPYING` \
                  file, no `license=` in `metadata.txt`, no licence header in its files. A plugin \
                  on plugins.qgis.org must be under the GPL version 2 or later or a compatible \
                  licence. Add the licence's full text as `LICENSE` in the plugin folder (for \
                  example the GPL's from gnu.org/licenses/gpl-2.0.txt), and \
                  preferably `license=GPL-2.0-or-later` in `metadata.txt` and an \
                  `# SPDX-License-Identifier: GPL-2.0-or-later` line at the top of each file.",
};

pub const LIC002: RuleInfo = RuleInfo {
    id: "LIC002",
    title: "Licence text not identified",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: true,
    remediation: "The licence file's text does not match any licence of the SPDX list closely \
                  enough, so a human reads it. If it is a standard licence, ship its text \
                  unchanged (copyright lines may be added above it) and name it in \
                  `metadata.txt` (`license=GPL-2.0-or-later`); custom terms must still allow \
                  use, modification and redistribution of the source under the GPL.",
};

pub const LIC003: RuleInfo = RuleInfo {
    id: "LIC003",
    title: "Module that uses QGIS under a GPL-incompatible licence",
    severity: Severity::High,
    level: Level::Warning,
    mandatory: true,
    remediation: "This file imports QGIS (`qgis.*`), directly or through the plugin's own \
                  modules, so it must be under terms compatible with QGIS's GPL-2.0-or-later: \
                  the GPL itself, the LGPL, or a permissive licence such as MIT, BSD, Apache-2.0 \
                  (as GPLv3) or MPL-2.0. Relicense the file (its SPDX header or notice), or keep \
                  the non-GPL code in modules that do not import QGIS, directly or indirectly: \
                  a core without `qgis` imports may stay under other terms.",
};

pub const LIC004: RuleInfo = RuleInfo {
    id: "LIC004",
    title: "Bundled library under a GPL-incompatible licence",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: true,
    remediation: "A library bundled in the plugin is distributed with it, under its own licence, \
                  which the GPL'd plugin cannot accept (non-commercial or no-derivatives terms, \
                  a proprietary licence, a licence the FSF lists as GPL-incompatible). Replace \
                  it with a library under compatible terms, or ask users to install it \
                  themselves instead of bundling it.",
};

pub const LIC005: RuleInfo = RuleInfo {
    id: "LIC005",
    title: "Bundled library's licence text not kept",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: true,
    remediation: "Almost every licence (MIT, BSD, Apache, the GPL) requires its text and the \
                  copyright notices to travel with copies of the code, and this library's were \
                  dropped when it was bundled. Keep the library's `LICENSE` (and `NOTICE`) \
                  file beside it: `pip install --target ext_libs NAME==VERSION` keeps them in \
                  the `.dist-info` folder; when copying a folder, copy its licence file too.",
};

pub const LIC006: RuleInfo = RuleInfo {
    id: "LIC006",
    title: "Source file without an SPDX licence header",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Add one line at the top of the file naming its licence, for example \
                  `# SPDX-License-Identifier: GPL-2.0-or-later` (after a `#!` line and the \
                  `coding:` line, if any). Tools and distributions then know each file's terms \
                  without guessing; the plugin's `LICENSE` still carries the full text.",
};

pub const LIC007: RuleInfo = RuleInfo {
    id: "LIC007",
    title: "metadata.txt licence invalid or disagrees with the licence file",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: false,
    remediation: "`license=` in `metadata.txt` should be an SPDX expression \
                  (the list at spdx.org/licenses, for example `GPL-2.0-or-later`) naming the \
                  licence whose text the plugin ships. Correct whichever of the two is wrong.",
};

pub const RULES: &[RuleInfo] = &[LIC001, LIC002, LIC003, LIC004, LIC005, LIC006, LIC007];

/// The rules a human decides on: the version is validated but held for review by default
/// (operators may make them block).
pub const REVIEW_RULES: &[&str] = &["LIC001", "LIC002", "LIC003", "LIC004", "LIC005"];
