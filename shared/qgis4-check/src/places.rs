//! The places of one Python file that QGIS's migration script changes or warns about, found on
//! the shared parse the way the script finds them on Python's `ast` (which names it matches,
//! which argument counts, which parents), so that the two agree place for place.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    Comprehension, ExceptHandler, Expr, ExprAttribute, ExprCall, InterpolatedStringElement,
    Keyword, MatchCase, ModModule, Parameter, Parameters, Pattern, Stmt, StmtImportFrom, WithItem,
};
use ruff_text_size::{Ranged, TextSize};

use validator_domain::RuleInfo;

use crate::rules;
use crate::tables::{EnumFix, QtTables};

/// One place to change: the rule, where, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub rule: &'static RuleInfo,
    pub offset: TextSize,
    pub message: String,
    /// In code that runs on one Qt version only (under `if hasattr(...)`, a Qt or QGIS version
    /// test, or in a `try` whose handler catches what Qt6 raises): reported, as the script
    /// reports it, but not counted against readiness.
    pub guarded: bool,
}

/// Every place of one parsed module, in source order.
pub fn places(module: &ModModule, tables: &QtTables) -> Vec<Place> {
    let mut finder = Finder {
        tables,
        places: Vec::new(),
        depth: 0,
        parent_is_attribute: false,
        font_metrics_names: Vec::new(),
        width_uses: Vec::new(),
        qapp_used: false,
        qapp_imports: Vec::new(),
        guards: 0,
    };
    validator_python::with_stack(|| finder.visit_body(&module.body));
    finder.finish()
}

/// A `NAME.width` attribute: a `QFontMetrics` method if NAME was assigned one before, in the
/// order the script's breadth-first walk meets them.
struct WidthUse {
    name: String,
    depth: u32,
    offset: TextSize,
    guarded: bool,
}

struct Finder<'t> {
    tables: &'t QtTables,
    places: Vec<Place>,
    /// The node's depth in Python's `ast` (the script's walk is breadth-first, and its
    /// `QFontMetrics` variables are known from the depth they are assigned at).
    depth: u32,
    /// The script leaves `X.Y` alone when it is the value of another attribute (`Qt.Enum.Y`).
    parent_is_attribute: bool,
    /// Names assigned `QFontMetrics(...)`, with the depth and place of the assignment.
    font_metrics_names: Vec<(String, u32, TextSize)>,
    width_uses: Vec<WidthUse>,
    /// `qApp.x` appears in the file: the script then drops `qApp` from the imports too.
    qapp_used: bool,
    qapp_imports: Vec<(TextSize, bool)>,
    /// How many version guards enclose the current node.
    guards: u32,
}

impl Finder<'_> {
    fn add(&mut self, rule: &'static RuleInfo, offset: TextSize, message: String) {
        self.places.push(Place {
            rule,
            offset,
            message,
            guarded: self.guards > 0,
        });
    }

    fn finish(mut self) -> Vec<Place> {
        let uses = std::mem::take(&mut self.width_uses);
        for width in uses {
            let assigned_before = self.font_metrics_names.iter().any(|(name, depth, at)| {
                *name == width.name && (*depth, *at) < (width.depth, width.offset)
            });
            if assigned_before {
                self.guards = u32::from(width.guarded);
                self.add(
                    &rules::Q4013,
                    width.offset,
                    format!(
                        "`{}.width()`: write `{}.horizontalAdvance()` (QFontMetrics.width() \
                         is removed in Qt6)",
                        width.name, width.name
                    ),
                );
                self.guards = 0;
            }
        }
        if self.qapp_used {
            for (offset, guarded) in std::mem::take(&mut self.qapp_imports) {
                let guards = std::mem::replace(&mut self.guards, u32::from(guarded));
                self.add(
                    &rules::Q4009,
                    offset,
                    "`qApp` imported from qgis.PyQt.QtWidgets: import `QApplication` and use \
                     `QApplication.instance()` (qApp is removed in PyQt6)"
                        .to_owned(),
                );
                self.guards = guards;
            }
        }
        self.places.sort_by_key(|p| p.offset);
        self.places
    }

    /// Runs `walk` one level deeper.
    fn deeper(&mut self, walk: impl FnOnce(&mut Self)) {
        self.depth += 1;
        walk(self);
        self.depth -= 1;
    }

    fn import_from(&mut self, import: &StmtImportFrom) {
        let at = import.start();
        let module = import.module.as_ref().map(|m| m.id.as_str()).unwrap_or("");
        for alias in &import.names {
            match alias.name.id.as_str() {
                "QRegExp" => self.add(
                    &rules::Q4011,
                    at,
                    "`QRegExp` imported: use `QRegularExpression` (QRegExp is removed in Qt6)"
                        .to_owned(),
                ),
                "resources_rc" => self.add(
                    &rules::Q4015,
                    at,
                    "`resources_rc` imported: load icons and .ui files by file path (compiled \
                     resources are not supported in Qt6)"
                        .to_owned(),
                ),
                "qApp" if module == "qgis.PyQt.QtWidgets" => {
                    self.qapp_imports.push((at, self.guards > 0))
                }
                _ => {}
            }
        }
        if module == "qgis.PyQt.Qt" {
            self.add(
                &rules::Q4017,
                at,
                "`from qgis.PyQt.Qt import ...`: write `from qgis.PyQt.QtCore import ...`"
                    .to_owned(),
            );
        }
        if let Some(rest) = module.strip_prefix("PyQt5.") {
            self.add(
                &rules::Q4001,
                at,
                format!("`from PyQt5.{rest} import ...`: write `from qgis.PyQt.{rest} import ...`"),
            );
        } else if module == "PyQt5" && import.level == 0 {
            self.add(
                &rules::Q4018,
                at,
                "`from PyQt5 import ...`: write `from qgis.PyQt import ...`".to_owned(),
            );
        }
    }

    fn call(&mut self, call: &ExprCall) {
        let args = &call.arguments.args;
        let at = call.start();
        match call.func.as_ref() {
            Expr::Attribute(func) => match func.attr.id.as_str() {
                "exec_" => self.add(
                    &rules::Q4002,
                    at,
                    "`exec_()`: write `exec()` (exec_ is removed in PyQt6)".to_owned(),
                ),
                "addAction" if args.len() >= 4 => self.add(
                    &rules::Q4016,
                    at,
                    "`addAction()` with four or more arguments: create the QAction, then \
                     `addAction(action)`"
                        .to_owned(),
                ),
                "desktop" if args.is_empty() => self.add(
                    &rules::Q4012,
                    at,
                    "`desktop()`: use `QScreen` (`widget.screen()`, \
                     `QGuiApplication.primaryScreen()`); QDesktopWidget is removed in Qt6"
                        .to_owned(),
                ),
                _ => {}
            },
            Expr::Name(func) if func.id.as_str() == "QVariant" => {
                let typed = match args.first() {
                    Some(Expr::Attribute(arg)) if args.len() == 1 => {
                        is_name(&arg.value, "QVariant")
                    }
                    _ => false,
                };
                if args.is_empty() || typed {
                    self.add(
                        &rules::Q4008,
                        at,
                        "null `QVariant(...)`: write `NULL` (`from qgis.core import NULL`)"
                            .to_owned(),
                    );
                }
            }
            Expr::Name(func) if func.id.as_str() == "QDateTime" => {
                if args.len() == 8 {
                    self.add(
                        &rules::Q4010,
                        at,
                        "`QDateTime(y, m, d, h, min, s, ms, spec)`: write \
                         `QDateTime(QDate(y, m, d), QTime(h, min, s, ms), spec)`"
                            .to_owned(),
                    );
                } else if args.len() == 1 && is_call_of(&args[0], "QDate") {
                    self.add(
                        &rules::Q4010,
                        at,
                        "`QDateTime(QDate(...))`: write `QDateTime(QDate(...), QTime(0, 0, 0))`"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
    }

    fn attribute(&mut self, attribute: &ExprAttribute) {
        let at = attribute.start();
        let attr = attribute.attr.id.as_str();
        match attribute.value.as_ref() {
            Expr::Name(name) => {
                let class = name.id.as_str();
                self.name_attribute(class, attr, at);
            }
            Expr::Attribute(inner) => {
                if let Expr::Name(module) = inner.value.as_ref() {
                    if QT_MODULES.contains(&module.id.as_str()) {
                        self.module_enum(module.id.as_str(), inner.attr.id.as_str(), attr, at);
                    }
                }
            }
            Expr::Call(inner) if attr == "width" => {
                let font_metrics = match inner.func.as_ref() {
                    Expr::Attribute(f) => f.attr.id.as_str() == "fontMetrics",
                    Expr::Name(f) => matches!(f.id.as_str(), "QFontMetrics"),
                    _ => false,
                };
                if font_metrics {
                    self.add(
                        &rules::Q4013,
                        at,
                        "`fontMetrics().width()`: write `fontMetrics().horizontalAdvance()` \
                         (QFontMetrics.width() is removed in Qt6)"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
    }

    /// `MODULE.CLASS.MEMBER` (`QtCore.Qt.AlignLeft`): fails on PyQt6 like `Qt.AlignLeft`, but
    /// the script, which matches `NAME.MEMBER` only, leaves it; reported under its own rule.
    fn module_enum(&mut self, module: &str, class: &str, member: &str, at: TextSize) {
        if self.parent_is_attribute {
            return;
        }
        let replacement = self
            .tables
            .enum_fix(class, member)
            .and_then(|fix| fix.replacement(class, member))
            .or_else(|| self.tables.renamed(class, member).map(str::to_owned));
        if let Some(replacement) = replacement {
            self.add(
                &rules::Q4019,
                at,
                format!("`{module}.{class}.{member}`: write `{module}.{replacement}`"),
            );
        }
    }

    /// `CLASS.ATTR` where CLASS is a plain name: qApp, QVariant, enums, QFontMetrics variables.
    fn name_attribute(&mut self, class: &str, attr: &str, at: TextSize) {
        if class == "qApp" {
            self.qapp_used = true;
            self.add(
                &rules::Q4009,
                at,
                format!("`qApp.{attr}`: write `QApplication.instance().{attr}`"),
            );
        }
        if class == "QVariant" {
            if attr == "Type" {
                self.add(
                    &rules::Q4007,
                    at,
                    "`QVariant.Type.X`: write `QVariant.X` (QVariant.Type is not in PyQt6)"
                        .to_owned(),
                );
            }
            let message = if attr == "Type" {
                "`QVariant.Type.X`: `QMetaType.Type.X` once the plugin requires QGIS 3.38"
                    .to_owned()
            } else {
                format!(
                    "`QVariant.{attr}`: `{}` once the plugin requires QGIS 3.38",
                    self.tables.qmetatype(attr)
                )
            };
            self.add(&rules::Q4006, at, message);
        }
        if attr == "width" {
            self.width_uses.push(WidthUse {
                name: class.to_owned(),
                depth: self.depth,
                offset: at,
                guarded: self.guards > 0,
            });
        }
        if let Some(fix) = self.tables.enum_fix(class, attr) {
            let ambiguous = matches!(fix, EnumFix::Ambiguous { .. });
            // The script leaves `CLASS.MEMBER.x` alone, unless the member is ambiguous (it
            // checks those first, whatever the parent).
            if ambiguous || !self.parent_is_attribute {
                let message = match (fix.replacement(class, attr), ambiguous) {
                    (Some(replacement), _) => format!("`{class}.{attr}`: write `{replacement}`"),
                    (None, true) => format!(
                        "`{class}.{attr}` is ambiguous in PyQt6: write one of {}",
                        fix.candidates(class, attr)
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, false) => format!(
                        "`{class}.{attr}`: unscoped enum with no scoped name in PyQt6; find its \
                         replacement in the class's Qt6 documentation"
                    ),
                };
                let rule = if ambiguous && fix.replacement(class, attr).is_none() {
                    &rules::Q4004
                } else {
                    &rules::Q4003
                };
                self.add(rule, at, message);
            }
        }
        if let Some(replacement) = self.tables.renamed(class, attr) {
            self.add(
                &rules::Q4005,
                at,
                format!("`{class}.{attr}` is removed in Qt6: write `{replacement}`"),
            );
        }
    }
}

/// The PyQt modules whose classes the enum tables cover, as plugins import them
/// (`from qgis.PyQt import QtCore`).
const QT_MODULES: &[&str] = &[
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtNetwork",
    "QtPrintSupport",
    "QtQuickWidgets",
    "QtSql",
    "QtSvg",
    "QtTest",
    "QtXml",
    "Qsci",
];

/// Names in a test that make it a Qt or QGIS version test (`Qgis.QGIS_VERSION_INT >= 40000`,
/// `QT_VERSION_STR.startswith("6")`); so does `hasattr(QCLASS, ...)`.
const VERSION_NAMES: &[&str] = &[
    "QT_VERSION",
    "QT_VERSION_STR",
    "PYQT_VERSION",
    "PYQT_VERSION_STR",
    "qVersion",
    "QGIS_VERSION_INT",
    "QGIS_VERSION",
    "Qt6",
    "Qt5",
    "QT6",
    "QT5",
];

/// Exceptions a Qt5-only import or attribute raises on Qt6, which compatibility code catches
/// to fall back. (`except Exception` around a Qt5-only call only hides the failure: not a
/// guard.)
const QT6_ERRORS: &[&str] = &["ImportError", "ModuleNotFoundError", "AttributeError"];

fn tests_version(test: &Expr) -> bool {
    struct Finds(bool);
    impl<'a> Visitor<'a> for Finds {
        fn visit_expr(&mut self, expr: &'a Expr) {
            let name = match expr {
                Expr::Name(n) => Some(n.id.as_str()),
                Expr::Attribute(a) => Some(a.attr.id.as_str()),
                _ => None,
            };
            let qt_hasattr = match expr {
                Expr::Call(call) if is_name(&call.func, "hasattr") => matches!(
                    call.arguments.args.first(),
                    Some(Expr::Name(n)) if n.id.as_str().starts_with('Q')
                ),
                _ => false,
            };
            if qt_hasattr || name.is_some_and(|n| VERSION_NAMES.contains(&n)) {
                self.0 = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut finds = Finds(false);
    finds.visit_expr(test);
    finds.0
}

fn catches_qt6_errors(handler: &ExceptHandler) -> bool {
    let ExceptHandler::ExceptHandler(handler) = handler;
    let Some(caught) = handler.type_.as_deref() else {
        return false;
    };
    let named = |e: &Expr| match e {
        Expr::Name(n) => QT6_ERRORS.contains(&n.id.as_str()),
        _ => false,
    };
    match caught {
        Expr::Tuple(tuple) => tuple.elts.iter().any(named),
        other => named(other),
    }
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == name)
}

/// `NAME(...)` or `module.NAME(...)`.
fn is_call_of(expr: &Expr, name: &str) -> bool {
    match expr {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Name(n) => n.id.as_str() == name,
            Expr::Attribute(a) => a.attr.id.as_str() == name,
            _ => false,
        },
        _ => false,
    }
}

impl<'a> Visitor<'a> for Finder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.depth += 1;
        let parent_was_attribute = std::mem::replace(&mut self.parent_is_attribute, false);
        match stmt {
            Stmt::ImportFrom(import) => self.import_from(import),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.id.as_str();
                    if name == "PyQt5" || name.starts_with("PyQt5.") {
                        self.add(
                            &rules::Q4018,
                            import.start(),
                            format!(
                                "`import {name}`: import from `qgis.PyQt` instead \
                                 (`from qgis.PyQt import QtCore`)"
                            ),
                        );
                    }
                }
            }
            Stmt::FunctionDef(def) if !def.is_async && def.name.id.as_str() == "exec_" => {
                self.add(
                    &rules::Q4002,
                    def.name.start(),
                    "`def exec_`: name the method `exec` (exec_ is removed in PyQt6)".to_owned(),
                );
            }
            Stmt::Assign(assign) => {
                if let (Some(Expr::Name(target)), Expr::Call(call)) =
                    (assign.targets.first(), assign.value.as_ref())
                {
                    if matches!(call.func.as_ref(), Expr::Name(f) if matches!(f.id.as_str(), "QFontMetrics" | "QFontMetricsF"))
                    {
                        self.font_metrics_names.push((
                            target.id.to_string(),
                            self.depth,
                            assign.start(),
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Stmt::Try(stmt_try) = stmt {
            let guard = u32::from(stmt_try.handlers.iter().any(catches_qt6_errors));
            self.guards += guard;
            self.visit_body(&stmt_try.body);
            self.guards -= guard;
            for handler in &stmt_try.handlers {
                self.visit_except_handler(handler);
            }
            self.visit_body(&stmt_try.orelse);
            self.visit_body(&stmt_try.finalbody);
        } else if let Stmt::If(stmt_if) = stmt {
            // Either branch of a version test runs on one Qt only.
            let guard = u32::from(
                std::iter::once(Some(stmt_if.test.as_ref()))
                    .chain(stmt_if.elif_else_clauses.iter().map(|c| c.test.as_ref()))
                    .flatten()
                    .any(tests_version),
            );
            self.guards += guard;
            // Python nests each `elif` in the `orelse` of the `if` before it: one level deeper
            // per `elif`.
            self.visit_expr(&stmt_if.test);
            self.visit_body(&stmt_if.body);
            let base = self.depth;
            for clause in &stmt_if.elif_else_clauses {
                if clause.test.is_some() {
                    self.depth += 1;
                }
                if let Some(test) = &clause.test {
                    self.visit_expr(test);
                }
                self.visit_body(&clause.body);
            }
            self.depth = base;
            self.guards -= guard;
        } else {
            visitor::walk_stmt(self, stmt);
        }
        self.parent_is_attribute = parent_was_attribute;
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.depth += 1;
        match expr {
            Expr::Call(call) => self.call(call),
            Expr::Attribute(attribute) => self.attribute(attribute),
            Expr::Subscript(subscript) => {
                if let Expr::Attribute(value) = subscript.value.as_ref() {
                    if value.attr.id.as_str() == "activated" && is_name(&subscript.slice, "str") {
                        self.add(
                            &rules::Q4014,
                            subscript.start(),
                            "`activated[str]`: connect `activated` and read \
                             `itemText(index)`, or `textActivated` (Qt 5.14+)"
                                .to_owned(),
                        );
                    }
                }
            }
            _ => {}
        }
        let parent_was_attribute = std::mem::replace(
            &mut self.parent_is_attribute,
            matches!(expr, Expr::Attribute(_)),
        );
        visitor::walk_expr(self, expr);
        self.parent_is_attribute = parent_was_attribute;
        self.depth -= 1;
    }

    fn visit_keyword(&mut self, keyword: &'a Keyword) {
        self.deeper(|s| visitor::walk_keyword(s, keyword));
    }

    fn visit_parameters(&mut self, parameters: &'a Parameters) {
        self.deeper(|s| visitor::walk_parameters(s, parameters));
    }

    fn visit_parameter(&mut self, parameter: &'a Parameter) {
        self.deeper(|s| visitor::walk_parameter(s, parameter));
    }

    fn visit_comprehension(&mut self, comprehension: &'a Comprehension) {
        self.deeper(|s| visitor::walk_comprehension(s, comprehension));
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        self.deeper(|s| visitor::walk_except_handler(s, handler));
    }

    fn visit_with_item(&mut self, item: &'a WithItem) {
        self.deeper(|s| visitor::walk_with_item(s, item));
    }

    fn visit_match_case(&mut self, case: &'a MatchCase) {
        self.deeper(|s| visitor::walk_match_case(s, case));
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        self.deeper(|s| visitor::walk_pattern(s, pattern));
    }

    fn visit_interpolated_string_element(&mut self, element: &'a InterpolatedStringElement) {
        // Python's FormattedValue is a node between the f-string and its expression.
        self.deeper(|s| visitor::walk_interpolated_string_element(s, element));
    }
}
