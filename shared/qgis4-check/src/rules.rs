//! The qgis4 check's rules, declared once: docs/rules.md, the policy defaults, SARIF and the
//! emails' guidance come from here. None blocks by default (quality, not security): operators
//! raise a rule with the policy (`level = "critical"` or `action = "block"`).

use validator_domain::{Level, RuleInfo, Severity};

/// Every finding ends with this: the tool that does most of the work.
macro_rules! script_note {
    () => {
        " QGIS's migration script (`scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py` in the QGIS \
         sources, run as `python3 pyqt5_to_pyqt6.py PLUGIN_FOLDER`) rewrites the places it can \
         for you; the code keeps working on QGIS 3."
    };
}

const fn code_rule(id: &'static str, title: &'static str, remediation: &'static str) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity: Severity::Medium,
        level: Level::Warning,
        mandatory: false,
        remediation,
    }
}

pub const Q4001: RuleInfo = code_rule(
    "Q4001",
    "PyQt5 imported directly",
    concat!(
        "QGIS 4 ships PyQt6, not PyQt5: `from PyQt5.QtCore import ...` fails with \
         ModuleNotFoundError. Import from `qgis.PyQt` instead (`from qgis.PyQt.QtCore import \
         QTimer`), which is PyQt5 on QGIS 3 and PyQt6 on QGIS 4.",
        script_note!()
    ),
);

pub const Q4002: RuleInfo = code_rule(
    "Q4002",
    "exec_() removed in PyQt6",
    concat!(
        "PyQt6 has no `exec_()`: call `exec()` (`dialog.exec()`, `app.exec()`), which PyQt5 \
         has too. A method of your own named `exec_` is renamed `exec` as well.",
        script_note!()
    ),
);

pub const Q4003: RuleInfo = code_rule(
    "Q4003",
    "Unscoped enum",
    concat!(
        "PyQt6 enums are scoped: `Qt.AlignLeft` raises AttributeError, write \
         `Qt.AlignmentFlag.AlignLeft` (the finding names the exact replacement). The scoped \
         form works with PyQt5 too.",
        script_note!()
    ),
);

pub const Q4004: RuleInfo = code_rule(
    "Q4004",
    "Ambiguous unscoped enum",
    concat!(
        "PyQt6 enums are scoped, and this member name exists in several enums of the class, \
         so it cannot be rewritten automatically: pick the enum you mean from the candidates \
         the finding lists (`QColorSpace.NamedColorSpace.SRgb`) and write it in full.",
        script_note!()
    ),
);

pub const Q4005: RuleInfo = code_rule(
    "Q4005",
    "Enum member renamed or removed in Qt6",
    concat!(
        "This enum member was deprecated in Qt5 and removed in Qt6 (`Qt.MidButton`, \
         `QPainter.HighQualityAntialiasing`): use the replacement the finding names \
         (`Qt.MouseButton.MiddleButton`), which Qt5 has too.",
        script_note!()
    ),
);

pub const Q4006: RuleInfo = RuleInfo {
    id: "Q4006",
    title: "QVariant type (QMetaType in Qt6)",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Qt6 describes types with `QMetaType.Type` (`QVariant.Int` is \
                  `QMetaType.Type.Int`, `QVariant.String` `QMetaType.Type.QString`). QGIS's \
                  `qgis.PyQt.QtCore` maps the QVariant names onto them on Qt6 builds, so QGIS 4 \
                  still accepts them, while QGIS before 3.38 accepts only the QVariant names \
                  (`QgsField(name, QVariant.Int)`): this does not count against QGIS 4 \
                  readiness. Change it when the plugin requires QGIS 3.38 \
                  (`qgisMinimumVersion=3.38`); the migration script does it with \
                  `--qgis3-incompatible-changes`.",
};

pub const Q4007: RuleInfo = code_rule(
    "Q4007",
    "QVariant.Type.X",
    concat!(
        "`QVariant.Type` does not exist in PyQt6: write `QVariant.Int` instead of \
         `QVariant.Type.Int` (or `QMetaType.Type.Int` when the plugin requires QGIS 3.38).",
        script_note!()
    ),
);

pub const Q4008: RuleInfo = code_rule(
    "Q4008",
    "Null QVariant()",
    concat!(
        "A null `QVariant()` (or `QVariant(QVariant.Int)`) is not a null value in PyQt6. Use \
         QGIS's `NULL` (`from qgis.core import NULL`), which is what QGIS returns for a null \
         attribute on both QGIS 3 and 4.",
        script_note!()
    ),
);

pub const Q4009: RuleInfo = code_rule(
    "Q4009",
    "qApp removed in PyQt6",
    concat!(
        "PyQt6 has no `qApp`: use `QApplication.instance()` (`from qgis.PyQt.QtWidgets import \
         QApplication`) and drop `qApp` from the imports.",
        script_note!()
    ),
);

pub const Q4010: RuleInfo = code_rule(
    "Q4010",
    "QDateTime constructor removed in Qt6",
    concat!(
        "Qt6 removed `QDateTime(year, month, day, hour, minute, second, ms, spec)` and \
         `QDateTime(QDate)`: build it from a date and a time, \
         `QDateTime(QDate(year, month, day), QTime(hour, minute, second, ms), spec)` and \
         `QDateTime(QDate(...), QTime(0, 0, 0))`.",
        script_note!()
    ),
);

pub const Q4011: RuleInfo = code_rule(
    "Q4011",
    "QRegExp removed in Qt6",
    "Qt6 removed `QRegExp`: use `QRegularExpression` (and `QRegularExpressionValidator` for \
     `QRegExpValidator`), available since Qt 5.0, so the code keeps working on QGIS 3. The \
     pattern syntax is Perl's: anchor with `\\A`/`\\Z` (or `QRegularExpression.anchoredPattern`) \
     where `QRegExp.exactMatch` was used. The migration script warns but cannot rewrite it.",
);

pub const Q4012: RuleInfo = code_rule(
    "Q4012",
    "QDesktopWidget removed in Qt6",
    "`QApplication.desktop()` and `QDesktopWidget` are gone in Qt6: use `QScreen` \
     (`widget.screen()`, `QGuiApplication.primaryScreen()`, `screen.availableGeometry()`), \
     which Qt 5.14+ has too. The migration script warns but cannot rewrite it.",
);

pub const Q4013: RuleInfo = code_rule(
    "Q4013",
    "QFontMetrics.width() removed in Qt6",
    "`QFontMetrics.width()` is gone in Qt6: use `horizontalAdvance()` (Qt 5.11 and later, \
     every QGIS 3.x since 3.4 on most platforms) or `boundingRect(text).width()`. The \
     migration script warns but cannot rewrite it.",
);

pub const Q4014: RuleInfo = code_rule(
    "Q4014",
    "activated[str] removed in Qt6",
    "The overloaded signal `QComboBox.activated[str]` is gone in Qt6: connect \
     `activated` (the index) and read `combo.itemText(index)`, or `textActivated` (Qt 5.14 and \
     later). The migration script warns but cannot rewrite it.",
);

pub const Q4015: RuleInfo = code_rule(
    "Q4015",
    "Compiled resources (resources_rc)",
    "Qt6 has no `pyrcc`: compiled resource modules (`resources_rc.py`) cannot be regenerated \
     and do not load. Load icons by file path (`QIcon(os.path.join(os.path.dirname(__file__), \
     'icon.png'))`) and `.ui` files with `uic.loadUiType(path)`. The migration script warns \
     but cannot rewrite it.",
);

pub const Q4016: RuleInfo = code_rule(
    "Q4016",
    "Fragile addAction call",
    "`addAction(icon, text, receiver, shortcut)` with four or more arguments relies on an \
     overload whose argument order changed in Qt6. Create the action and add it: \
     `action = QAction(icon, text, parent); action.triggered.connect(receiver); \
     action.setShortcut(shortcut); menu.addAction(action)`. The migration script warns but \
     cannot rewrite it.",
);

pub const Q4017: RuleInfo = code_rule(
    "Q4017",
    "qgis.PyQt.Qt imported",
    concat!(
        "The module `qgis.PyQt.Qt` does not exist on QGIS 4: import `Qt` from \
         `qgis.PyQt.QtCore`.",
        script_note!()
    ),
);

pub const Q4018: RuleInfo = code_rule(
    "Q4018",
    "PyQt5 package imported",
    "QGIS 4 ships PyQt6, not PyQt5: `import PyQt5` and `from PyQt5 import QtCore` fail. \
     Import from `qgis.PyQt` (`from qgis.PyQt import QtCore`). (The migration script rewrites \
     only `from PyQt5.X import ...`; fix these by hand.)",
);

pub const Q4019: RuleInfo = code_rule(
    "Q4019",
    "Unscoped enum through a module",
    "PyQt6 enums are scoped: `QtCore.Qt.AlignLeft` raises AttributeError as `Qt.AlignLeft` \
     does; write `QtCore.Qt.AlignmentFlag.AlignLeft` (the finding names the exact \
     replacement), which PyQt5 accepts too. The migration script rewrites only the \
     `Qt.AlignLeft` form: fix these by hand, or import the class (`from qgis.PyQt.QtCore \
     import Qt`) and let the script rewrite it.",
);

pub const Q4101: RuleInfo = RuleInfo {
    id: "Q4101",
    title: "QGIS 4 declared but the code is not ready",
    severity: Severity::High,
    level: Level::Warning,
    mandatory: false,
    remediation: "`metadata.txt` says `qgisMaximumVersion` 4.0 or later, so plugins.qgis.org \
                  lists the plugin as compatible with QGIS 4 and offers it to QGIS 4 users, but \
                  the code still has places that fail on Qt6 (the other qgis4 findings): it \
                  will fail for everyone who installs it on QGIS 4. Fix those places (most with \
                  QGIS's migration script), or set `qgisMaximumVersion=3.99` until they are \
                  fixed.",
};

pub const Q4102: RuleInfo = RuleInfo {
    id: "Q4102",
    title: "supportsQt6 is deprecated: QGIS 4 is declared by qgisMaximumVersion",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "Since May 2026 plugins.qgis.org no longer uses the `supportsQt6` flag to \
                  decide whether a plugin works with QGIS 4: it lists a plugin as compatible \
                  with QGIS 4 when its `qgisMaximumVersion` is 4.0 or later. `metadata.txt` sets \
                  `supportsQt6` but its `qgisMaximumVersion` (or the default QGIS takes without \
                  one, the minimum version's major `.99`) is below 4, so QGIS 4 users are not \
                  offered it. Once the code is ready for Qt6 (no other qgis4 finding), set \
                  `qgisMaximumVersion=4.99`.",
};

pub const Q4103: RuleInfo = RuleInfo {
    id: "Q4103",
    title: "Ready for QGIS 4 but QGIS 4 not declared",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Nothing in the code stops it from working on QGIS 4 (Qt6), but plugins.qgis.org \
                  offers a plugin to QGIS 4 users only when its `qgisMaximumVersion` is 4.0 or \
                  later (without one, QGIS takes the minimum version's major `.99`, 3.99 for a \
                  QGIS 3 plugin). Test it on a QGIS 4 build and set `qgisMaximumVersion=4.99` in \
                  `metadata.txt` (`supportsQt6` is deprecated and no longer needed for that).",
};

pub const Q4201: RuleInfo = RuleInfo {
    id: "Q4201",
    title: "QGIS API not in QGIS 4 builds",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "QGIS's Python bindings for Qt6, the ones QGIS 4 ships, do not have this \
                  member (its Qt5 bindings do): the call raises AttributeError on QGIS 4. Use \
                  what the finding names, or the Qt6 way (`QgsVectorDataProvider.textEncoding` \
                  returned a `QTextCodec`, which Qt6 removed: read the encoding from the \
                  provider's `encoding()` / the layer's data source).",
};

pub const Q4202: RuleInfo = RuleInfo {
    id: "Q4202",
    title: "QGIS API deprecated for removal in QGIS 4",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: false,
    remediation: "QGIS 3 deprecated this member and its deprecation note announced its removal \
                  in QGIS 4.0. QGIS 4.0 kept its Python API compatible apart from the Qt6 \
                  changes, so it may still work today, but it is the first to go: use the \
                  replacement the note names (quoted in the finding), which QGIS 3 already has.",
};

pub const Q4203: RuleInfo = RuleInfo {
    id: "Q4203",
    title: "Deprecated QGIS API",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "QGIS deprecated this member (QGIS prints a DeprecationWarning when it is \
                  called): use the replacement its note names (quoted in the finding). It still \
                  works on QGIS 4, so it does not count against QGIS 4 readiness.",
};

pub const RULES: &[RuleInfo] = &[
    Q4001, Q4002, Q4003, Q4004, Q4005, Q4006, Q4007, Q4008, Q4009, Q4010, Q4011, Q4012, Q4013,
    Q4014, Q4015, Q4016, Q4017, Q4018, Q4019, Q4101, Q4102, Q4103, Q4201, Q4202, Q4203,
];

/// The code rules whose places stop a plugin from working on QGIS 4: the migration script's
/// places but the QVariant type names, which QGIS 4 still accepts, and QGIS API its Qt6
/// bindings lack.
pub fn counts_against_readiness(rule: &str) -> bool {
    (rule.starts_with("Q40") && rule != Q4006.id) || rule == Q4201.id
}

/// The name of a code rule's kind in QGIS's migration script's terms, as the agreement harness
/// compares them (`infra/qgis4/reference.py`); `None` for rules the script has no kind for.
pub fn reference_kind(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "Q4001" => "pyqt5-import",
        "Q4002" => "exec",
        "Q4003" => "enum",
        "Q4004" => "enum-ambiguous",
        "Q4005" => "enum-renamed",
        "Q4006" => "qvariant-type",
        "Q4007" => "qvariant-type-scope",
        "Q4008" => "qvariant-null",
        "Q4009" => "qapp",
        "Q4010" => "qdatetime",
        "Q4011" => "qregexp",
        "Q4012" => "desktop-widget",
        "Q4013" => "font-metrics-width",
        "Q4014" => "activated-str",
        "Q4015" => "resources-rc",
        "Q4016" => "add-action",
        "Q4017" => "qt-module-import",
        _ => return None,
    })
}
