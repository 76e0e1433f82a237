//! Evidence-aware blocking (issue 30): for the blocking rules whose findings reviewers most often
//! dismiss, what the code around a finding says about whether it is a risk. A finding without the
//! evidence that makes its rule a risk gets a [`WithoutEvidence`] with the reason; under the
//! policy (`evidence_aware = true`) it is then reported, or held for review, and does not block.
//! Bandit's findings themselves never change (`--rules all` does not even compute this).
//!
//! * passwords (B105-B107): a value that cannot be a password (empty, a placeholder, a settings
//!   key or path, an identifier or field name, a URL without credentials, a label);
//! * shells (B602, B604, B605): a command that is a constant of the plugin, with no outside input;
//! * code execution (B102, B307): code the plugin's user typed into one of the plugin's widgets
//!   (a console, an expression field), or a constant: held for review instead of blocking;
//! * unpickling (B301, B302): data read from the plugin's own files (a path built from its folder,
//!   the QGIS settings folder, a constant).
//!
//! Values are traced backwards through assignments in the enclosing function (then the module),
//! `self.attribute` assignments anywhere in the module, `with ... as` bindings and a few functions
//! that keep a value's origin (`os.path.join`, `open`, `.read()`, `.strip()`, ...). Anything else,
//! a parameter, a call we do not know, data from the network, is "outside": the finding blocks.

use validator_domain::WithoutEvidence;
use validator_python::ast::visitor::{self, Visitor};
use validator_python::ast::{ExceptHandler, Expr, ExprCall, Operator, Stmt, StmtFunctionDef};

use crate::context::CallContext;
use crate::rules::Rule;
use crate::tree::{Joined, JoinedPart, Node};

/// How many assignments a value is followed back through before it counts as from outside.
pub(crate) const MAX_TRACE_DEPTH: u32 = 8;

/// How deep into a trace a slot's parameter is still followed to its signal's emits.
pub(crate) const MAX_SLOT_DEPTH: u32 = 2;

/// The most `emit` calls of a module a slot's parameter is followed through.
pub(crate) const MAX_SLOT_EMITS: usize = 32;

/// Where the parts of a value can come from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    /// Literals written in the plugin.
    pub(crate) constant: bool,
    /// Text the plugin's user typed into one of the plugin's widgets (`self.editor.text()`).
    pub(crate) user_typed: bool,
    /// Locations of the plugin or of its user's QGIS profile (`__file__`, the settings folder).
    pub(crate) plugin_location: bool,
    /// Anything else: a parameter, an unknown call, data read from the network or a file.
    pub(crate) outside: bool,
    /// Parameters of the finding's own function (bit `i`: its `i`-th parameter) the value comes
    /// from: judged by what the function's callers in the plugin pass ([`crate::callers`]).
    pub(crate) parameters: u32,
}

impl Origin {
    pub(crate) fn constant() -> Self {
        Self {
            constant: true,
            ..Self::default()
        }
    }

    pub(crate) fn outside() -> Self {
        Self {
            outside: true,
            ..Self::default()
        }
    }

    pub(crate) fn with(self, other: Self) -> Self {
        Self {
            constant: self.constant || other.constant,
            user_typed: self.user_typed || other.user_typed,
            plugin_location: self.plugin_location || other.plugin_location,
            outside: self.outside || other.outside,
            parameters: self.parameters | other.parameters,
        }
    }

    /// Only literals and the plugin's own locations: nothing from outside, nothing typed.
    pub(crate) fn is_the_plugins_own(self) -> bool {
        !self.outside && !self.user_typed && self.parameters == 0
    }

    /// Only the function's callers can tell: nothing from outside but some parameters.
    pub(crate) fn needs_callers(self) -> bool {
        !self.outside && self.parameters != 0
    }

    /// The same origin with the parameters set aside (their callers' values replace them).
    pub(crate) fn without_parameters(self) -> Self {
        Self {
            parameters: 0,
            ..self
        }
    }
}

/// Methods of Qt's input widgets and dialogs that return what the user typed or chose.
const USER_TEXT_METHODS: &[&str] = &[
    "text",
    "toPlainText",
    "displayText",
    "currentText",
    "selectedText",
    "getText",
    "getMultiLineText",
    "getItem",
];

/// Calls whose result carries the origin of their arguments (and of the object they are called
/// on): path building, opening and reading, string cleaning, compiling.
const KEEPS_ORIGIN: &[&str] = &[
    "join",
    "dirname",
    "abspath",
    "realpath",
    "normpath",
    "expanduser",
    "basename",
    "splitext",
    "fspath",
    "Path",
    "PurePath",
    "joinpath",
    "with_suffix",
    "with_name",
    "resolve",
    "as_posix",
    "str",
    "bytes",
    "compile",
    "open",
    "read",
    "read_bytes",
    "read_text",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "encode",
    "decode",
    "lower",
    "upper",
    "format",
];

/// The standard library's interactive compilers (`code`, `codeop`): calling one compiles.
const COMPILERS: &[&str] = &["CommandCompiler", "Compile"];

/// Calls that return a folder of the plugin's user's own QGIS profile or machine.
const PLUGIN_LOCATIONS: &[&str] = &[
    "qgisSettingsDirPath",
    "writableLocation",
    "gettempdir",
    "mkdtemp",
    "home",
];

/// Attributes that keep the origin of the object (`Path(__file__).parent`).
const ATTRIBUTES_KEEPING_ORIGIN: &[&str] = &["parent", "stem", "name", "suffix"];

/// Module constants that are literals (`os.sep`).
const CONSTANT_ATTRIBUTES: &[&str] = &["sep", "linesep", "pathsep", "curdir", "pardir", "extsep"];

/// A string or bytes literal.
fn is_text_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::StringLiteral(_) | Expr::BytesLiteral(_))
}

/// A `%` template whose every field formats a number (`%d`, `%5.2f`, `%(n)x`): what it
/// produces is the template's text and digits, whatever the values. `%s`, `%r`, `%a` and `%c`
/// insert text.
fn only_number_fields(template: &str) -> bool {
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            continue;
        }
        if chars.peek() == Some(&'(') {
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
            }
        }
        let conversion = chars.find(|c| !"#0- +*.0123456789hlL".contains(*c));
        match conversion {
            Some(c) if "diouxXeEfFgG".contains(c) => {}
            _ => return false,
        }
    }
    true
}

/// What names a value is assigned to.
#[derive(Clone, Copy)]
enum Target<'t> {
    Name(&'t str),
    /// `self.NAME` (or `cls.NAME`), anywhere in the module.
    SelfAttribute(&'t str),
}

/// The plugin's functions without parameters that return only the plugin's own values (a path
/// in the QGIS settings folder, a constant), by `(module file stem, function name)`:
/// `utilities.repositories_cache_path` for `def repositories_cache_path(): return
/// Path(QgsApplication.qgisSettingsDirPath(), ...)`. Built over every Python file of the plugin
/// before the files are analysed, so a call in one module is traced into another.
#[derive(Debug, Default, Clone)]
pub struct OwnValueFunctions {
    /// `(stem, name)` -> every definition of it returns the plugin's own values.
    by_name: ByModuleName,
    /// `(stem, name)` -> every assignment of the module-level name is made of literals
    /// (`simsLayoutConfiguration = [{'label': 'labelRcTitle', ...}]`), and no function
    /// declares it `global`.
    constants: ByModuleName,
}

impl OwnValueFunctions {
    /// Records the top-level functions of the module at `path` (a `.py` file in the zip).
    pub fn add_module(&mut self, path: &str, body: &[Stmt]) {
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".py")
            .to_owned();
        let mut globals = GlobalNames::default();
        for stmt in body {
            globals.visit_stmt(stmt);
        }
        for stmt in body {
            let assigned: Vec<(&str, bool)> = match stmt {
                Stmt::FunctionDef(function) => {
                    let own = returns_own_values(function, body);
                    all_of(
                        &mut self.by_name,
                        (stem.clone(), function.name.to_string()),
                        own,
                    );
                    Vec::new()
                }
                Stmt::Assign(a) => a
                    .targets
                    .iter()
                    .filter_map(|t| match t {
                        Expr::Name(n) => Some((n.id.as_str(), is_literal(&a.value, 0))),
                        _ => None,
                    })
                    .collect(),
                Stmt::AnnAssign(a) => match (a.target.as_ref(), a.value.as_deref()) {
                    (Expr::Name(n), Some(value)) => vec![(n.id.as_str(), is_literal(value, 0))],
                    _ => Vec::new(),
                },
                Stmt::AugAssign(a) => match a.target.as_ref() {
                    Expr::Name(n) => vec![(n.id.as_str(), is_literal(&a.value, 0))],
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            for (name, literal) in assigned {
                // Every assignment of the name in the module (in `if` and `try` blocks too),
                // and no change in place (`NAME.append(...)`, `NAME[k] = ...`).
                let literal = literal
                    && !globals.names.contains(name)
                    && !globals.changed_in_place.contains(name)
                    && {
                        let mut values = Vec::new();
                        collect_assignments(body, Target::Name(name), true, &mut values);
                        values.iter().all(|v| is_literal(v, 0))
                    };
                all_of(
                    &mut self.constants,
                    (stem.clone(), name.to_owned()),
                    literal,
                );
            }
        }
    }

    /// Whether `dotted` (an import's full name, `pkg.layout_config.NAME`) names a module-level
    /// constant of the plugin made of literals.
    fn is_constant(&self, dotted: &str) -> bool {
        by_dotted_name(&self.constants, dotted)
    }

    /// Adds another set's functions and constants (built from other modules): a name defined
    /// in both returns the plugin's own values (or is a constant) only if every definition
    /// is, whatever the order.
    pub fn merge(&mut self, other: Self) {
        for (key, own) in other.by_name {
            all_of(&mut self.by_name, key, own);
        }
        for (key, literal) in other.constants {
            all_of(&mut self.constants, key, literal);
        }
    }

    /// Whether `dotted` (an import's full name, `pkg.utilities.name` or `utilities.name`)
    /// names such a function.
    fn returns_own_values(&self, dotted: &str) -> bool {
        by_dotted_name(&self.by_name, dotted)
    }
}

/// A module's names by `(stem, name)`, each true only if every definition seen so far is.
type ByModuleName = std::collections::BTreeMap<(String, String), bool>;

/// Records one more definition of `key`: the name keeps `true` only if every one is.
fn all_of(map: &mut ByModuleName, key: (String, String), this: bool) {
    map.entry(key)
        .and_modify(|all| *all = *all && this)
        .or_insert(this);
}

/// The entry an import's full name (`pkg.module.name` or `module.name`) refers to; false for
/// a name with no module or none recorded.
fn by_dotted_name(map: &ByModuleName, dotted: &str) -> bool {
    let mut parts = dotted.rsplit('.');
    let (Some(name), Some(stem)) = (parts.next(), parts.next()) else {
        return false;
    };
    map.get(&(stem.to_owned(), name.to_owned()))
        .copied()
        .unwrap_or(false)
}

/// How deep literal containers are looked into (`[{'a': ('b', 1)}]`) before a value counts as
/// not a literal.
const MAX_LITERAL_DEPTH: u32 = 8;

/// Made of literals only: strings, numbers, and lists, tuples, sets and dicts of them.
fn is_literal(expr: &Expr, depth: u32) -> bool {
    if depth > MAX_LITERAL_DEPTH {
        return false;
    }
    let all = |mut items: std::slice::Iter<'_, Expr>| items.all(|e| is_literal(e, depth + 1));
    match expr {
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_) => true,
        Expr::List(l) => all(l.elts.iter()),
        Expr::Tuple(t) => all(t.elts.iter()),
        Expr::Set(s) => all(s.elts.iter()),
        Expr::Dict(d) => d.items.iter().all(|item| {
            item.key.as_ref().is_some_and(|k| is_literal(k, depth + 1))
                && is_literal(&item.value, depth + 1)
        }),
        Expr::UnaryOp(u) => is_literal(&u.operand, depth + 1),
        _ => false,
    }
}

/// Names a `global` statement of the module declares (any function may then assign them).
#[derive(Default)]
struct GlobalNames {
    names: std::collections::BTreeSet<String>,
    /// Names changed in place: a method that changes a container is called on them
    /// (`NAME.append(x)`), or an item or attribute of them is assigned (`NAME[k] = x`).
    changed_in_place: std::collections::BTreeSet<String>,
}

/// Methods that change a list, dict or set in place.
const CHANGES_IN_PLACE: &[&str] = &[
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "add",
    "__setitem__",
];

impl<'a> Visitor<'a> for GlobalNames {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(g) => self.names.extend(g.names.iter().map(|n| n.to_string())),
            Stmt::Assign(a) => {
                for target in &a.targets {
                    self.note_item_target(target);
                }
            }
            Stmt::AugAssign(a) => self.note_item_target(&a.target),
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(method) = call.func.as_ref() {
                if let Expr::Name(n) = method.value.as_ref() {
                    if CHANGES_IN_PLACE.contains(&method.attr.as_str()) {
                        self.changed_in_place.insert(n.id.to_string());
                    }
                }
            }
        }
        visitor::walk_expr(self, expr);
    }
}

impl GlobalNames {
    /// `NAME[k] = ...`, `NAME.attr = ...`: the object named `NAME` changes.
    fn note_item_target(&mut self, target: &Expr) {
        let owner = match target {
            Expr::Subscript(s) => s.value.as_ref(),
            Expr::Attribute(a) => a.value.as_ref(),
            _ => return,
        };
        if let Expr::Name(n) = owner {
            self.changed_in_place.insert(n.id.to_string());
        }
    }
}

/// A function without parameters whose every `return` gives the plugin's own values.
fn returns_own_values(function: &StmtFunctionDef, module: &[Stmt]) -> bool {
    returns_own_values_at(function, module, 0)
}

/// [`returns_own_values`], `depth` steps into a trace (the budget is shared: a helper calling
/// helpers, or itself, ends at [`MAX_TRACE_DEPTH`]).
fn returns_own_values_at(function: &StmtFunctionDef, module: &[Stmt], depth: u32) -> bool {
    if depth > MAX_TRACE_DEPTH {
        return false;
    }
    let p = &function.parameters;
    if !(p.posonlyargs.is_empty()
        && p.args.is_empty()
        && p.kwonlyargs.is_empty()
        && p.vararg.is_none()
        && p.kwarg.is_none())
    {
        return false;
    }
    let mut returns = Vec::new();
    collect_returns(&function.body, &mut returns);
    let scope = Scope {
        function: Some(function),
        module,
        own_functions: None,
        imports: None,
        marks_parameters: false,
    };
    !returns.is_empty()
        && returns.iter().all(|value| match value {
            Some(value) => validator_python::with_stack(|| scope.trace_at(value, depth + 1))
                .is_the_plugins_own(),
            None => false,
        })
}

/// The values of every `return` in `body` (not in nested functions); `None` for a bare return.
fn collect_returns<'a>(body: &'a [Stmt], out: &mut Vec<Option<&'a Expr>>) {
    for stmt in body {
        match stmt {
            Stmt::Return(r) => out.push(r.value.as_deref()),
            Stmt::If(i) => {
                collect_returns(&i.body, out);
                for clause in &i.elif_else_clauses {
                    collect_returns(&clause.body, out);
                }
            }
            Stmt::For(f) => {
                collect_returns(&f.body, out);
                collect_returns(&f.orelse, out);
            }
            Stmt::While(w) => {
                collect_returns(&w.body, out);
                collect_returns(&w.orelse, out);
            }
            Stmt::With(w) => collect_returns(&w.body, out),
            Stmt::Try(t) => {
                collect_returns(&t.body, out);
                for handler in &t.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    collect_returns(&handler.body, out);
                }
                collect_returns(&t.orelse, out);
                collect_returns(&t.finalbody, out);
            }
            Stmt::Match(m) => {
                for case in &m.cases {
                    collect_returns(&case.body, out);
                }
            }
            _ => {}
        }
    }
}

/// Where to look names up: the enclosing function's body, if any, then the module; functions of
/// other modules through the module's imports.
pub(crate) struct Scope<'a> {
    function: Option<&'a StmtFunctionDef>,
    module: &'a [Stmt],
    own_functions: Option<&'a OwnValueFunctions>,
    imports: Option<&'a std::collections::HashMap<String, String>>,
    /// A parameter of `function` is recorded in [`Origin::parameters`] (for its callers to
    /// decide) instead of counting as outside. Only the finding's own function does this.
    marks_parameters: bool,
}

impl<'a> Scope<'a> {
    pub(crate) fn of(
        parents: &[Node<'a>],
        module: &'a [Stmt],
        own_functions: &'a OwnValueFunctions,
        imports: &'a std::collections::HashMap<String, String>,
    ) -> Self {
        let function = parents.iter().rev().find_map(|node| match node {
            Node::Stmt(Stmt::FunctionDef(f)) => Some(f),
            _ => None,
        });
        Self {
            function,
            module,
            own_functions: Some(own_functions),
            imports: Some(imports),
            marks_parameters: true,
        }
    }

    /// The scope of a call site in the plugin: `function` (if any) in `module`, whose
    /// parameters count as outside (one level of callers).
    pub(crate) fn of_caller(
        function: Option<&'a StmtFunctionDef>,
        module: &'a [Stmt],
        own_functions: &'a OwnValueFunctions,
        imports: &'a std::collections::HashMap<String, String>,
    ) -> Self {
        Self {
            function,
            module,
            own_functions: Some(own_functions),
            imports: Some(imports),
            marks_parameters: false,
        }
    }

    /// The same scope, where parameters count as outside: for values assigned elsewhere in the
    /// module (another method's `self.x = x`), whose names are not this function's parameters.
    fn unmarked(&self) -> Scope<'a> {
        Scope {
            function: self.function,
            module: self.module,
            own_functions: self.own_functions,
            imports: self.imports,
            marks_parameters: false,
        }
    }

    /// The position of parameter `name` among the enclosing function's parameters (positional,
    /// then keyword-only; `*args` and `**kwargs` have none).
    pub(crate) fn parameter_index(&self, name: &str) -> Option<usize> {
        let p = &self.function?.parameters;
        p.posonlyargs
            .iter()
            .chain(&p.args)
            .chain(&p.kwonlyargs)
            .position(|a| a.parameter.name.as_str() == name)
    }

    /// The enclosing function.
    pub(crate) fn function(&self) -> Option<&'a StmtFunctionDef> {
        self.function
    }

    /// The module's own scope (where a function's defaults are evaluated), parameters outside.
    pub(crate) fn module_level(&self) -> Scope<'a> {
        Scope {
            function: None,
            ..self.unmarked()
        }
    }

    /// A call of a function without arguments that returns only the plugin's own values: one
    /// defined in this module, or imported from another module of the plugin.
    fn calls_own_value_function(&self, call: &ExprCall, depth: u32) -> bool {
        if !call.arguments.args.is_empty() || !call.arguments.keywords.is_empty() {
            return false;
        }
        let Expr::Name(name) = call.func.as_ref() else {
            return false;
        };
        let name = name.id.as_str();
        let defined_here: Vec<&StmtFunctionDef> = self
            .module
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(f) if f.name.as_str() == name => Some(f),
                _ => None,
            })
            .collect();
        if !defined_here.is_empty() {
            return defined_here
                .iter()
                .all(|f| returns_own_values_at(f, self.module, depth + 1));
        }
        let imported = self.imports.and_then(|imports| imports.get(name));
        match (imported, self.own_functions) {
            (Some(dotted), Some(functions)) => functions.returns_own_values(dotted),
            _ => false,
        }
    }

    /// Whether `name` is a parameter of the enclosing function (its value comes from the caller).
    fn is_parameter(&self, name: &str) -> bool {
        self.function.is_some_and(|f| {
            let p = &f.parameters;
            p.posonlyargs
                .iter()
                .chain(&p.args)
                .chain(&p.kwonlyargs)
                .any(|a| a.parameter.name.as_str() == name)
                || [&p.vararg, &p.kwarg]
                    .into_iter()
                    .flatten()
                    .any(|a| a.name.as_str() == name)
        })
    }

    /// The origin of `expr`.
    pub(crate) fn trace(&self, expr: &'a Expr) -> Origin {
        validator_python::with_stack(|| self.trace_at(expr, 0))
    }

    fn trace_at(&self, expr: &'a Expr, depth: u32) -> Origin {
        if depth > MAX_TRACE_DEPTH {
            return Origin::outside();
        }
        let all = |exprs: &mut dyn Iterator<Item = &'a Expr>| {
            exprs.fold(Origin::constant(), |origin, e| {
                origin.with(self.trace_at(e, depth + 1))
            })
        };
        match expr {
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_) => Origin::constant(),
            Expr::FString(f) => {
                let parts = Joined::FString(f).parts();
                let mut origin = Origin::constant();
                for part in parts {
                    if let JoinedPart::Formatted(field) = part {
                        origin = origin.with(self.trace_at(&field.expression, depth + 1));
                    }
                }
                origin
            }
            // `'\n' * count`: repeats the literal, whatever the count.
            Expr::BinOp(b)
                if matches!(b.op, Operator::Mult)
                    && (is_text_literal(&b.left) || is_text_literal(&b.right)) =>
            {
                Origin::constant()
            }
            // `'%d, msg' % level`: a template whose every field is a number.
            Expr::BinOp(b)
                if matches!(b.op, Operator::Mod)
                    && matches!(b.left.as_ref(), Expr::StringLiteral(t)
                        if only_number_fields(t.value.to_str())) =>
            {
                Origin::constant()
            }
            // `'...%(name)s...' % {'name': ..., 'level': ...}`: only the values the template
            // names reach the text.
            Expr::BinOp(b) if matches!(b.op, Operator::Mod) => {
                match (b.left.as_ref(), b.right.as_ref()) {
                    (Expr::StringLiteral(template), Expr::Dict(d))
                        if d.items
                            .iter()
                            .all(|i| matches!(&i.key, Some(Expr::StringLiteral(_)))) =>
                    {
                        let template = template.value.to_str();
                        all(&mut d.items.iter().filter_map(|item| match &item.key {
                            Some(Expr::StringLiteral(key))
                                if template.contains(&format!("%({})", key.value.to_str())) =>
                            {
                                Some(&item.value)
                            }
                            _ => None,
                        }))
                    }
                    _ => all(&mut [&*b.left, &*b.right].into_iter()),
                }
            }
            Expr::BinOp(b) => all(&mut [&*b.left, &*b.right].into_iter()),
            Expr::Dict(d) => all(&mut d
                .items
                .iter()
                .flat_map(|item| item.key.iter().chain(std::iter::once(&item.value)))),
            Expr::BoolOp(b) => all(&mut b.values.iter()),
            Expr::If(i) => all(&mut [&*i.body, &*i.orelse].into_iter()),
            Expr::List(l) => all(&mut l.elts.iter()),
            Expr::Tuple(t) => all(&mut t.elts.iter()),
            Expr::Set(s) => all(&mut s.elts.iter()),
            Expr::Starred(s) => self.trace_at(&s.value, depth + 1),
            Expr::Subscript(s) => self.trace_at(&s.value, depth + 1),
            Expr::Name(name) => match name.id.as_str() {
                "__file__" => Origin {
                    plugin_location: true,
                    ..Origin::default()
                },
                id => self.resolve(Target::Name(id), depth),
            },
            Expr::Attribute(attribute) => {
                let attr = attribute.attr.as_str();
                match attribute.value.as_ref() {
                    Expr::Name(owner) if matches!(owner.id.as_str(), "self" | "cls") => {
                        let origin = self.resolve(Target::SelfAttribute(attr), depth);
                        let named_as_plugin_folder = ["plugin_dir", "plugin_path", "plugin_folder"]
                            .iter()
                            .any(|n| attr.contains(n));
                        if origin.outside && named_as_plugin_folder && !self.is_assigned(attr) {
                            // Plugin Builder's `self.plugin_dir`, set from `__file__` in a base
                            // class or module we do not see.
                            Origin {
                                plugin_location: true,
                                ..Origin::default()
                            }
                        } else {
                            origin
                        }
                    }
                    _ if CONSTANT_ATTRIBUTES.contains(&attr) => Origin::constant(),
                    // `type(self).__name__`, `func.__name__`: a name written in the plugin's
                    // code (a class or function it defines), not data.
                    _ if matches!(attr, "__name__" | "__qualname__") => Origin::constant(),
                    Expr::Call(widget)
                        if OPEN_DOCUMENT_ATTRIBUTES.contains(&attr)
                            && is_current_editor(widget) =>
                    {
                        // `self.tabs.currentWidget().filename`: the script its user opened in
                        // the plugin's own editor (a debugger's "run this file").
                        Origin {
                            user_typed: true,
                            ..Origin::default()
                        }
                    }
                    receiver if ATTRIBUTES_KEEPING_ORIGIN.contains(&attr) => {
                        self.trace_at(receiver, depth + 1)
                    }
                    _ => Origin::outside(),
                }
            }
            Expr::Call(call) => {
                let (called, receiver) = match call.func.as_ref() {
                    Expr::Name(name) => (name.id.as_str(), None),
                    Expr::Attribute(attribute) => {
                        (attribute.attr.as_str(), Some(attribute.value.as_ref()))
                    }
                    _ => return Origin::outside(),
                };
                if called == "input" && receiver.is_none() {
                    return Origin {
                        user_typed: true,
                        ..Origin::default()
                    };
                }
                if USER_TEXT_METHODS.contains(&called) && receiver.is_some_and(is_rooted_at_self) {
                    return Origin {
                        user_typed: true,
                        ..Origin::default()
                    };
                }
                if matches!(called, "getText" | "getMultiLineText" | "getItem") {
                    // `QInputDialog.getText(...)`: a dialog the plugin opens for its user.
                    return Origin {
                        user_typed: true,
                        ..Origin::default()
                    };
                }
                if receiver.is_none() && self.calls_own_value_function(call, depth) {
                    return Origin {
                        plugin_location: true,
                        ..Origin::default()
                    };
                }
                if PLUGIN_LOCATIONS.contains(&called) {
                    return Origin {
                        plugin_location: true,
                        ..Origin::default()
                    };
                }
                let compiles = receiver
                    .is_some_and(|r| matches!(r, Expr::Name(n) if n.id.as_str() == "self"))
                    && self.is_compiler_attribute(called);
                if compiles {
                    // `self.compiler(line, "<console>", "single")` with
                    // `self.compiler = code.CommandCompiler()`: compiling keeps the origin.
                    return all(&mut call.arguments.args.iter());
                }
                if !KEEPS_ORIGIN.contains(&called) {
                    return Origin::outside();
                }
                if called == "compile" && receiver.is_none() {
                    // `compile(source, filename, mode)`: the code is the source; the file name
                    // only labels tracebacks.
                    let source = call.arguments.args.first().or_else(|| {
                        call.arguments
                            .keywords
                            .iter()
                            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "source"))
                            .map(|k| &k.value)
                    });
                    return match source {
                        Some(source) => self.trace_at(source, depth + 1),
                        None => Origin::outside(),
                    };
                }
                let arguments = call
                    .arguments
                    .args
                    .iter()
                    .chain(call.arguments.keywords.iter().map(|k| &k.value));
                let receiver = receiver.filter(|r| !is_module_name(r));
                all(&mut receiver.into_iter().chain(arguments))
            }
            _ => Origin::outside(),
        }
    }

    /// The origin of every value assigned to `target`: in the function, else in the module;
    /// outside when nothing assigns it (a parameter, a global of another module).
    fn resolve(&self, target: Target<'_>, depth: u32) -> Origin {
        let mut values = Vec::new();
        match target {
            Target::Name(name) => {
                if self.is_parameter(name) {
                    if let Some(origin) = self.slot_argument_origin(name, depth) {
                        return origin;
                    }
                    return match self.parameter_index(name).filter(|_| self.marks_parameters) {
                        Some(index) if index < u32::BITS as usize => Origin {
                            parameters: 1 << index,
                            ..Origin::default()
                        },
                        _ => Origin::outside(),
                    };
                }
                if let Some(function) = self.function {
                    collect_assignments(&function.body, target, false, &mut values);
                }
                if values.is_empty() {
                    // A global: every assignment to the name anywhere in the module (a `global`
                    // statement lets any function assign it; more values can only fail closed).
                    collect_assignments(self.module, target, true, &mut values);
                    if values.is_empty() && self.is_imported_constant(name) {
                        return Origin::constant();
                    }
                    return self.unmarked().trace_all(values, depth);
                }
            }
            Target::SelfAttribute(_) => {
                collect_assignments(self.module, target, true, &mut values);
                return self.unmarked().trace_all(values, depth);
            }
        }
        self.trace_all(values, depth)
    }

    /// The origin of every value (outside when there is none).
    fn trace_all(&self, values: Vec<&'a Expr>, depth: u32) -> Origin {
        if values.is_empty() {
            return Origin::outside();
        }
        values.into_iter().fold(Origin::default(), |origin, value| {
            origin.with(self.trace_at(value, depth + 1))
        })
    }

    /// A name imported from another module of the plugin where it is a constant made of
    /// literals (`from .layout_config import simsLayoutConfiguration`).
    fn is_imported_constant(&self, name: &str) -> bool {
        match (self.imports.and_then(|i| i.get(name)), self.own_functions) {
            (Some(dotted), Some(functions)) => functions.is_constant(dotted),
            _ => false,
        }
    }

    /// The origin of parameter `name` of a Qt slot: what every `SIGNAL.emit(...)` of the
    /// module's own signals connected to the enclosing function passes in its place
    /// (`self.execLine.emit(self.text())` for `self.console.execLine.connect(self.run_line)`).
    /// `None` when the function is not such a slot or an argument cannot be matched.
    fn slot_argument_origin(&self, name: &str, depth: u32) -> Option<Origin> {
        // Each slot costs a walk of the module: only near the finding, never in a long chain.
        if depth > MAX_SLOT_DEPTH {
            return None;
        }
        let function = self.function?;
        let p = &function.parameters;
        let positional: Vec<&str> = p
            .posonlyargs
            .iter()
            .chain(&p.args)
            .map(|a| a.parameter.name.as_str())
            .collect();
        let mut index = positional.iter().position(|n| *n == name)?;
        if positional
            .first()
            .is_some_and(|first| matches!(*first, "self" | "cls"))
        {
            index = index.checked_sub(1)?;
        }
        let mut signals = SignalUses {
            slot: function.name.as_str(),
            functions: Vec::new(),
            declared: Vec::new(),
            connected: Vec::new(),
            emits: Vec::new(),
        };
        for stmt in self.module {
            signals.visit_stmt(stmt);
        }
        // Only signals the module declares (`execLine = pyqtSignal(str)`): a Qt signal
        // (`reply.finished`) carries data the module does not show.
        if signals.connected.is_empty()
            || !signals
                .connected
                .iter()
                .all(|s| signals.declared.contains(s))
        {
            return None;
        }
        if signals.emits.len() > MAX_SLOT_EMITS {
            return None;
        }
        let mut origin = Origin::default();
        let mut emitted = false;
        for (signal, emitter, call) in &signals.emits {
            if !signals.connected.contains(signal) {
                continue;
            }
            let argument = call.arguments.args.get(index)?;
            let scope = Scope {
                function: *emitter,
                module: self.module,
                own_functions: self.own_functions,
                imports: self.imports,
                marks_parameters: false,
            };
            origin = origin.with(scope.trace_at(argument, depth + 1));
            emitted = true;
        }
        emitted.then_some(origin)
    }

    /// Whether every value assigned to `self.attribute` is a compiler of the standard library
    /// (`code.CommandCompiler()`, `codeop.Compile()`).
    fn is_compiler_attribute(&self, attribute: &str) -> bool {
        let mut values = Vec::new();
        collect_assignments(
            self.module,
            Target::SelfAttribute(attribute),
            true,
            &mut values,
        );
        !values.is_empty()
            && values.iter().all(|value| {
                let Expr::Call(call) = value else {
                    return false;
                };
                let called = match call.func.as_ref() {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(a) => a.attr.as_str(),
                    _ => return false,
                };
                COMPILERS.contains(&called)
            })
    }

    fn is_assigned(&self, attribute: &str) -> bool {
        let mut values = Vec::new();
        collect_assignments(
            self.module,
            Target::SelfAttribute(attribute),
            true,
            &mut values,
        );
        !values.is_empty()
    }
}

/// The module's Qt signals around one slot: which signals it declares, which of them are
/// connected to the slot, and every `emit` with the function it is in.
struct SignalUses<'a> {
    slot: &'a str,
    functions: Vec<&'a StmtFunctionDef>,
    declared: Vec<String>,
    connected: Vec<String>,
    emits: Vec<(String, Option<&'a StmtFunctionDef>, &'a ExprCall)>,
}

impl<'a> Visitor<'a> for SignalUses<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.functions.push(f);
                visitor::walk_stmt(self, stmt);
                self.functions.pop();
            }
            Stmt::Assign(assign) => {
                let declares = matches!(assign.value.as_ref(), Expr::Call(call)
                    if matches!(call.func.as_ref(),
                        Expr::Name(n) if matches!(n.id.as_str(), "pyqtSignal" | "Signal")));
                if declares {
                    for target in &assign.targets {
                        if let Expr::Name(n) = target {
                            self.declared.push(n.id.to_string());
                        }
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(method) = call.func.as_ref() {
                if let Expr::Attribute(signal) = method.value.as_ref() {
                    let signal_name = signal.attr.as_str();
                    match method.attr.as_str() {
                        "connect" => {
                            let to_slot = call.arguments.args.first().is_some_and(|a| match a {
                                Expr::Attribute(m) => {
                                    m.attr.as_str() == self.slot
                                        && matches!(m.value.as_ref(), Expr::Name(n) if n.id.as_str() == "self")
                                }
                                Expr::Name(n) => n.id.as_str() == self.slot,
                                _ => false,
                            });
                            if to_slot {
                                self.connected.push(signal_name.to_owned());
                            }
                        }
                        "emit" => self.emits.push((
                            signal_name.to_owned(),
                            self.functions.last().copied(),
                            call,
                        )),
                        _ => {}
                    }
                }
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// Attributes naming the file a document of an editor was opened from.
const OPEN_DOCUMENT_ATTRIBUTES: &[&str] = &["filename", "file_name", "filepath", "file_path"];

/// `self.tab_widget.currentWidget()`: the editor tab its user is looking at, in the plugin's own
/// window.
fn is_current_editor(call: &validator_python::ast::ExprCall) -> bool {
    matches!(call.func.as_ref(), Expr::Attribute(method)
        if method.attr.as_str() == "currentWidget" && is_rooted_at_self(&method.value))
}

/// `self.widget.text()`: a method of something the plugin object holds.
fn is_rooted_at_self(expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => name.id.as_str() == "self",
        Expr::Attribute(attribute) => is_rooted_at_self(&attribute.value),
        Expr::Call(call) => is_rooted_at_self(&call.func),
        _ => false,
    }
}

/// `os.path` in `os.path.join(...)`: a module, whose origin does not matter. (A bare `path` is
/// not one: it is usually a variable.)
fn is_module_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => matches!(name.id.as_str(), "os" | "pathlib" | "io"),
        Expr::Attribute(attribute) => {
            attribute.attr.as_str() == "path" && is_module_name(&attribute.value)
        }
        _ => false,
    }
}

fn target_matches(expr: &Expr, target: Target<'_>) -> bool {
    match (expr, target) {
        (Expr::Name(name), Target::Name(wanted)) => name.id.as_str() == wanted,
        (Expr::Attribute(attribute), Target::SelfAttribute(wanted)) => {
            attribute.attr.as_str() == wanted
                && matches!(attribute.value.as_ref(), Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls"))
        }
        // `text, ok = QInputDialog.getText(...)`: the whole value counts.
        (Expr::Tuple(t), _) => t.elts.iter().any(|e| target_matches(e, target)),
        (Expr::List(l), _) => l.elts.iter().any(|e| target_matches(e, target)),
        (Expr::Starred(s), _) => target_matches(&s.value, target),
        _ => false,
    }
}

/// Every value assigned to `target` in `body` (nested blocks included; nested functions and
/// classes only when `into_functions`).
fn collect_assignments<'a>(
    body: &'a [Stmt],
    target: Target<'_>,
    into_functions: bool,
    values: &mut Vec<&'a Expr>,
) {
    for stmt in body {
        match stmt {
            Stmt::Assign(a) if a.targets.iter().any(|t| target_matches(t, target)) => {
                values.push(&a.value);
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = a
                    .value
                    .as_deref()
                    .filter(|_| target_matches(&a.target, target))
                {
                    values.push(value);
                }
            }
            Stmt::AugAssign(a) if target_matches(&a.target, target) => {
                values.push(&a.value);
            }
            Stmt::For(f) => {
                if target_matches(&f.target, target) {
                    values.push(&f.iter);
                }
                collect_assignments(&f.body, target, into_functions, values);
                collect_assignments(&f.orelse, target, into_functions, values);
            }
            Stmt::While(w) => {
                collect_assignments(&w.body, target, into_functions, values);
                collect_assignments(&w.orelse, target, into_functions, values);
            }
            Stmt::If(i) => {
                collect_assignments(&i.body, target, into_functions, values);
                for clause in &i.elif_else_clauses {
                    collect_assignments(&clause.body, target, into_functions, values);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if item
                        .optional_vars
                        .as_deref()
                        .is_some_and(|v| target_matches(v, target))
                    {
                        values.push(&item.context_expr);
                    }
                }
                collect_assignments(&w.body, target, into_functions, values);
            }
            Stmt::Try(t) => {
                collect_assignments(&t.body, target, into_functions, values);
                for handler in &t.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    collect_assignments(&handler.body, target, into_functions, values);
                }
                collect_assignments(&t.orelse, target, into_functions, values);
                collect_assignments(&t.finalbody, target, into_functions, values);
            }
            Stmt::Match(m) => {
                for case in &m.cases {
                    collect_assignments(&case.body, target, into_functions, values);
                }
            }
            Stmt::FunctionDef(f) if into_functions => {
                collect_assignments(&f.body, target, into_functions, values)
            }
            Stmt::ClassDef(c) if into_functions => {
                collect_assignments(&c.body, target, into_functions, values)
            }
            _ => {}
        }
    }
}

/// The first positional argument, else the first of these keywords.
fn argument<'a>(context: &CallContext<'_, 'a>, keywords: &[&str]) -> Option<&'a Expr> {
    context.args().first().or_else(|| {
        context
            .keywords()
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| keywords.contains(&a.as_str()))
            })
            .map(|k| &k.value)
    })
}

/// An import finding whose calls have a blocking rule of their own: importing does nothing by
/// itself, so the import is reported and the calls are judged where they are (B402 `ftplib`,
/// whose calls are B321's findings).
pub(crate) fn of_import(mut issue: crate::context::Issue) -> crate::context::Issue {
    if issue.rule == Rule::B402 && issue.without_evidence.is_none() {
        issue.without_evidence = Some(WithoutEvidence::report(
            "importing ftplib does nothing by itself: each FTP call is a finding of B321, \
             judged where it is",
        ));
    }
    issue
}

/// Words in a condition that turn certificate verification off only when asked to
/// (`if verify_ssl: ... else: ssl._create_unverified_context()`).
const VERIFICATION_SWITCH_WORDS: &[&str] = &["verify", "ssl", "insecure", "cert"];

/// Whether a name or attribute in `expr` contains one of [`VERIFICATION_SWITCH_WORDS`].
fn mentions_verification_switch(expr: &Expr) -> bool {
    let mut found = false;
    let mut finder = NameFinder {
        found: &mut found,
        words: VERIFICATION_SWITCH_WORDS,
    };
    finder.visit_expr(expr);
    found
}

struct NameFinder<'w> {
    found: &'w mut bool,
    words: &'w [&'w str],
}

impl<'a> Visitor<'a> for NameFinder<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        let name = match expr {
            Expr::Name(n) => Some(n.id.as_str()),
            Expr::Attribute(a) => Some(a.attr.as_str()),
            _ => None,
        };
        if let Some(name) = name {
            let lower = name.to_ascii_lowercase();
            if self.words.iter().any(|w| lower.contains(w)) {
                *self.found = true;
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// What a call's finding of `rule` lacks to be a risk, if anything, or the question to ask the
/// callers of its function when the value comes from the function's parameters.
pub(crate) fn of_call<'a>(
    rule: Rule,
    context: &CallContext<'_, 'a>,
    module: &'a [Stmt],
    own_functions: &'a OwnValueFunctions,
) -> CallEvidence {
    let scope = Scope::of(
        context.parents,
        module,
        own_functions,
        &context.imports.aliases,
    );
    if rule == Rule::B323 {
        // Inside a branch of a condition on a verification setting: the library's opt-out,
        // taken only when its caller or configuration turns verification off.
        let switched = context.parents.iter().any(|node| match node {
            Node::Stmt(Stmt::If(i)) => {
                mentions_verification_switch(&i.test)
                    || i.elif_else_clauses
                        .iter()
                        .filter_map(|c| c.test.as_ref())
                        .any(mentions_verification_switch)
            }
            _ => false,
        });
        return CallEvidence::Decided(switched.then(|| {
            WithoutEvidence::report(
                "the unverified context is the branch of a verification setting \
                 (`if verify_ssl: ... else: ...`), taken only when verification is turned \
                 off, not always",
            )
        }));
    }
    let Some(value) = judged_value(rule, context) else {
        return CallEvidence::Decided(None);
    };
    let origin = scope.trace(value);
    if origin.needs_callers() {
        return match crate::callers::CallersQuestion::ask(rule, origin, &scope, context.parents) {
            Some(question) => CallEvidence::AskCallers(Box::new(question)),
            None => CallEvidence::Decided(None),
        };
    }
    CallEvidence::Decided(decide(rule, origin))
}

/// What [`of_call`] found.
pub(crate) enum CallEvidence {
    /// The finding lacks this evidence (`None`: it has it, it is a risk).
    Decided(Option<WithoutEvidence>),
    /// The value comes from the function's parameters: its callers in the plugin decide.
    AskCallers(Box<crate::callers::CallersQuestion>),
}

/// The value of a call whose origin decides whether a finding of `rule` is a risk.
fn judged_value<'a>(rule: Rule, context: &CallContext<'_, 'a>) -> Option<&'a Expr> {
    match rule {
        Rule::B602 | Rule::B604 | Rule::B605 => argument(context, &["args", "cmd", "command"]),
        Rule::B102 | Rule::B307 => argument(context, &["source", "expression", "object"]),
        Rule::B301 | Rule::B302 => argument(
            context,
            &["file", "data", "filename", "path", "filepath_or_buffer"],
        ),
        Rule::B506 => argument(context, &["stream"]),
        _ => None,
    }
}

/// Whether a finding of `rule` on a value of this origin lacks the evidence of a risk.
pub(crate) fn decide(rule: Rule, origin: Origin) -> Option<WithoutEvidence> {
    if origin.outside || origin.parameters != 0 {
        return None;
    }
    match rule {
        Rule::B602 | Rule::B604 | Rule::B605 => origin.is_the_plugins_own().then(|| {
            WithoutEvidence::report(
                "the command is a constant written in the plugin: no outside input reaches \
                 the shell",
            )
        }),
        Rule::B102 | Rule::B307 => {
            if origin.user_typed {
                Some(WithoutEvidence::review(
                    "runs code the plugin's user typed into the plugin's own window (a console \
                     or an expression field), not code from data or the network",
                ))
            } else {
                Some(WithoutEvidence::review(
                    "runs code written in the plugin itself (a constant or one of its own \
                     files), not code from data or the network",
                ))
            }
        }
        Rule::B301 | Rule::B302 => origin.is_the_plugins_own().then(|| {
            WithoutEvidence::report(
                "the data is read from the plugin's own file (a path built from the \
                 plugin's folder, the QGIS settings folder or a constant), not downloaded; \
                 what that file runs when loaded is judged by the behaviour check, which \
                 reads the pickles the plugin ships (BHV008 blocks one that calls code, \
                 BHV113 holds one that rebuilds objects)",
            )
        }),
        Rule::B506 => origin.is_the_plugins_own().then(|| {
            WithoutEvidence::report(
                "the YAML is the plugin's own file (a path built from the plugin's folder or a \
                 constant), not data from users or the network",
            )
        }),
        _ => None,
    }
}

/// Words a password's field, key or label is named with.
const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "key",
    "apikey",
    "auth",
    "credential",
    "credentials",
];

/// Authentication scheme and token type names (`token_type = 'Bearer'`).
const SCHEME_NAMES: &[&str] = &[
    "bearer", "basic", "digest", "jwt", "oauth", "oauth2", "ntlm",
];

/// Documentation placeholders where a password goes.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "yourpassword",
    "your_password",
    "your-password",
    "mypassword",
    "your_token",
    "your-token",
    "yourtoken",
    "your_api_key",
    "your-api-key",
    "dummy",
    "test",
    "none",
    "null",
    "true",
    "false",
];

/// Last words of a name that say what its value is when that is not the secret itself: the
/// secret's setting id, label, endpoint or status text (`ACCESS_TOKEN_SETTING_ID`,
/// `_TOKEN_AUTH_CONFIG_NAME`, `CREATE_TOKEN_ENDPOINT`, `used_token_status_txt`). `key` is not
/// among them: `SECRET_KEY` is a secret.
const NAME_DESCRIBES: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "label",
    "title",
    "text",
    "txt",
    "msg",
    "message",
    "status",
    "state",
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "folder",
    "field",
    "column",
    "header",
    "type",
    "signal",
    "setting",
    "settings",
    "env",
    "var",
    "prefix",
    "suffix",
    "pattern",
    "regex",
    "format",
    "style",
    "icon",
    "tooltip",
    "hint",
    "placeholder",
    "timeout",
    "expiry",
    "expiration",
    "length",
    "len",
    "count",
    "index",
    "idx",
    "mode",
];

/// Values that stand where a secret was removed (`**REMOVED**`, `[REDACTED]`).
const REDACTION_WORDS: &[&str] = &[
    "removed", "redacted", "hidden", "masked", "filtered", "omitted", "secret", "password", "token",
];

/// The most characters a word of a parser or lexer (`token == "values"`) has.
const MAX_PARSER_WORD_CHARS: usize = 15;

/// The fewest characters of a value that may be a generated key (random-looking).
const MIN_GENERATED_KEY_CHARS: usize = 16;

/// `name` split into lower-case words at `_`, `-`, `.` and camelCase humps.
fn words_of(name: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(name.len() * 2);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            spaced.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        spaced.push(c.to_ascii_lowercase());
    }
    spaced
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Long, without spaces, letters mixed with digits: what generated keys and tokens look like.
fn looks_generated(value: &str) -> bool {
    value.len() >= MIN_GENERATED_KEY_CHARS
        && !value.contains(char::is_whitespace)
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
}

/// Why the value found by B105-B107 on `name` cannot be a password (`None`: it may be): the value
/// itself ([`password_value`]), a redaction marker, a name that says the value is something
/// else than the secret, or a word compared with a parser's `token`.
pub(crate) fn password_evidence(name: &str, value: &str) -> Option<String> {
    if let Some(why) = password_value(value) {
        return Some(why);
    }
    let trimmed = value.trim();
    let inner = trimmed.trim_matches(|c: char| "*_#[]<>()-".contains(c));
    if inner.len() < trimmed.len() && REDACTION_WORDS.contains(&inner.to_ascii_lowercase().as_str())
    {
        return Some(format!(
            "`{trimmed}` marks where a secret was removed, it is not one"
        ));
    }
    let words = words_of(name);
    // A generated key, or a URL or address that may carry one, is judged by its value alone.
    if looks_generated(trimmed) || trimmed.contains(['@', '?', ':']) {
        return None;
    }
    if let Some(last) = words
        .last()
        .filter(|w| words.len() >= 2 && NAME_DESCRIBES.contains(&w.as_str()))
    {
        return Some(format!(
            "the name `{name}` says the value is the secret's {last}, not the secret"
        ));
    }
    // `token` is also a word of a parser (`first_token == "values"`): when the name has no other
    // password word, a plain lower-case word or punctuation is what was parsed, not a credential.
    let only_token = words.iter().any(|w| w == "token" || w == "tokens")
        && !words
            .iter()
            .any(|w| is_candidate_word(w) && w != "token" && w != "tokens");
    let parser_word = trimmed.len() <= MAX_PARSER_WORD_CHARS
        && (trimmed.chars().all(|c| c.is_ascii_lowercase())
            || trimmed
                .chars()
                .all(|c| c.is_ascii_punctuation() || c == ' '));
    if only_token && parser_word {
        return Some(format!(
            "`{trimmed}` is a word of text or of a parser, not an access token"
        ));
    }
    None
}

/// A word Bandit's password pattern matches (pass, password, pwd, secret, ...).
fn is_candidate_word(word: &str) -> bool {
    crate::plugins::passwords::is_candidate(word)
}

/// Why `value`, found by B105-B107 where a password could be, cannot be one (`None`: it may be).
pub(crate) fn password_value(value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Some("the value is empty".to_owned());
    }
    let lower = trimmed.to_ascii_lowercase();
    if PLACEHOLDERS.contains(&lower.as_str())
        || (trimmed.len() >= 3 && trimmed.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.')))
        || is_format_placeholder(trimmed)
    {
        return Some(format!("`{trimmed}` is a placeholder, not a value"));
    }
    if is_url_without_credentials(trimmed) {
        return Some("the value is a URL without credentials".to_owned());
    }
    if is_settings_key_or_path(trimmed) {
        return Some("the value is a settings key or a file path, not a password".to_owned());
    }
    if is_field_name(trimmed) {
        return Some(
            "the value is a name (a field, key or setting name), not a password".to_owned(),
        );
    }
    if is_label(trimmed) {
        return Some("the value is a label shown to people, not a password".to_owned());
    }
    None
}

/// `%s`, `{}`, `{password}`, `${TOKEN}`, `<password>`, `[TITLE]` and nothing else.
fn is_format_placeholder(value: &str) -> bool {
    let inner = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-: ".contains(c))
    };
    if let Some(rest) = value.strip_prefix('%') {
        return rest.len() <= 3 && rest.chars().last().is_some_and(|c| "sdrifxX".contains(c));
    }
    if let Some(rest) = value.strip_prefix("${").or_else(|| value.strip_prefix('{')) {
        return rest.strip_suffix('}').is_some_and(inner);
    }
    if let Some(rest) = value.strip_prefix('<') {
        return rest.strip_suffix('>').is_some_and(inner);
    }
    // `[TITLE]`: a template's marker, replaced before use.
    if let Some(rest) = value.strip_prefix('[') {
        return rest.strip_suffix(']').is_some_and(|s| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        });
    }
    false
}

fn is_url_without_credentials(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphabetic())
        && !authority.contains('@')
        && !value.contains(char::is_whitespace)
        // A token in the query string is a credential.
        && query.is_empty()
}

/// Made of words: letters with `_`, `-`, `.` between them (no digits, no other signs).
fn is_wordy(segment: &str) -> bool {
    !segment.is_empty()
        && segment.chars().any(|c| c.is_ascii_alphabetic())
        && segment
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))
}

/// `Plugin/earthdata_pass`, `~/.netrc`, `C:\keys\token.json`: a path or a QSettings key.
fn is_settings_key_or_path(value: &str) -> bool {
    if !value.contains(['/', '\\']) || value.contains(char::is_whitespace) {
        return false;
    }
    let segments: Vec<&str> = value
        .trim_start_matches('~')
        .split(['/', '\\'])
        .filter(|s| !s.is_empty())
        .collect();
    let is_drive = |s: &str| s.len() == 2 && s.ends_with(':');
    let is_file_name = |s: &str| {
        s.rsplit_once('.').is_some_and(|(stem, ext)| {
            !ext.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
    };
    let rooted = value.starts_with(['/', '~', '.']);
    (segments.len() >= 2 || rooted && segments.len() == 1)
        && segments
            .iter()
            .all(|s| is_wordy(s) || is_drive(s) || is_file_name(s))
}

/// `password`, `client_secret`, `X-Auth-Token`, `accessToken`, `Bearer`: a name, not a value.
fn is_field_name(value: &str) -> bool {
    if !is_wordy(value) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if SCHEME_NAMES.contains(&lower.as_str()) {
        return true;
    }
    // Words split at separators and at camelCase humps (`accessToken`).
    let mut spaced = String::with_capacity(value.len() * 2);
    let mut previous_lower = false;
    for c in value.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            spaced.push('_');
        }
        previous_lower = c.is_ascii_lowercase();
        spaced.push(c.to_ascii_lowercase());
    }
    let words: Vec<&str> = spaced
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    // A single word is a name only when it is a password word itself (`'password'`); a word
    // like `letmein` may be the password.
    // Other names (`refresh_token` aside, `grant_type`, `auth.cfg`) are identifiers: words
    // joined by `_` or `.` (a hyphenated phrase may be a pass phrase).
    words.iter().any(|w| PASSWORD_WORDS.contains(w))
        && (words.len() >= 2 || PASSWORD_WORDS.contains(&lower.as_str()))
        || words.len() >= 2 && words.iter().all(|w| w.len() >= 2) && !value.contains('-')
}

/// `Password:`, `Enter your token`: text for people.
fn is_label(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let has_password_word = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| PASSWORD_WORDS.contains(&w));
    let words = value.split_whitespace().count();
    has_password_word
        && value
            .chars()
            .all(|c| c.is_alphabetic() || " :.?!'()-".contains(c))
        && (words >= 2 || value.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::password_value;

    #[test]
    fn values_that_cannot_be_passwords_say_why() {
        for value in [
            "",
            "  ",
            "Plugin/earthdata_pass",
            "MyPlugin/auth/token",
            "~/.netrc",
            "C:\\keys\\token.json",
            "/tmp/token_cache.json",
            "password",
            "PASSWORD",
            "client_secret",
            "X-Auth-Token",
            "accessToken",
            "access_token",
            "Bearer",
            "https://api.example.org/oauth/token",
            "Password:",
            "Enter your token",
            "%s",
            "{password}",
            "${TOKEN}",
            "<your token>",
            "****",
            "changeme",
        ] {
            assert!(password_value(value).is_some(), "{value:?}");
        }
    }

    #[test]
    fn values_that_may_be_passwords_block() {
        for value in [
            "hunter2",
            "letmein",
            "S3cr3t!",
            "aB3/x9k",
            "Pass/word1",
            "correct horse battery staple",
            "pk.eyJ1IjoibWFwYm94IiwiYSI6ImNqIn0",
            "https://api.example.org/tiles?access_token=pk123",
            "https://user:pw@example.org/",
            "tk-93f0a",
            "qgis",
            "correct-horse-battery",
        ] {
            assert_eq!(password_value(value), None, "{value:?}");
        }
    }
}
