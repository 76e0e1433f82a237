//! The per-scope resolver: walks one parsed module, folds the strings and names that code
//! builds to hide a call, resolves every call to a qualified name and records the capabilities
//! of each function and of the module's top level, with evidence.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use validator_python::ast::visitor::{walk_expr, walk_stmt, Visitor};
use validator_python::ast::{
    self as ast, Expr, FStringPart, InterpolatedStringElement, Number, Operator, Stmt,
    StmtFunctionDef, UnaryOp,
};
use validator_python::text_size::{Ranged, TextRange};
use validator_python::{with_stack, PythonModule};

use crate::caps::{self, Cap, Evidence};
use crate::decode;
use crate::flow::{self, FlowFacts};
use crate::value::{Folded, Taint, Value};
use crate::BehaviourLimits;

mod sources;
use validator_api_catalogue::{Catalogue, SourceKind};

/// What one function (or the module's top level) can do.
#[derive(Debug, Default)]
pub struct Unit {
    pub name: String,
    pub caps: Vec<(Cap, Evidence)>,
    /// The functions of the file it mentions (calls them or refers to them), by name.
    pub refs: HashSet<String>,
    /// Folded paths of files it writes in binary mode, with the line.
    pub binary_writes: Vec<(String, u32)>,
    /// Folded paths of programs it starts, with the line and the resolved call.
    pub started: Vec<(String, u32, String)>,
    /// Its parameters in order (positional, then keyword-only).
    pub params: Vec<String>,
}

impl Unit {
    pub fn has(&self, cap: Cap) -> bool {
        self.caps.iter().any(|(c, _)| *c == cap)
    }

    /// Whether the entry was added (at most [`MAX_FILE_KEYS`] are kept).
    fn note_binary_write(&mut self, key: String, line: u32) -> bool {
        let room = self.binary_writes.len() < MAX_FILE_KEYS;
        if room {
            self.binary_writes.push((key, line));
        }
        room
    }

    /// Whether the entry was added (at most [`MAX_FILE_KEYS`] are kept).
    fn note_started(&mut self, program: String, line: u32, shown: String) -> bool {
        let room = self.started.len() < MAX_FILE_KEYS;
        if room {
            self.started.push((program, line, shown));
        }
        room
    }
}

/// What one file can do.
#[derive(Debug, Default)]
pub struct FileFacts {
    /// `units[0]` is the module's top level (with class bodies).
    pub units: Vec<Unit>,
    /// URL hosts in the file's strings, with their line.
    pub hosts: Vec<(String, u32)>,
    /// The last component of every module the file imports (`from .lib import secrets` ->
    /// `lib`, `secrets`), to follow data between the plugin's own modules.
    pub imports: HashSet<String>,
    /// Modules imported by a constant name through a call (`__import__('demo.' + 'x')`,
    /// `importlib.import_module('.x')`), as folded: edges of the plugin's import graph.
    pub constant_imports: Vec<String>,
    /// Sources, sinks and calls for the flow engine.
    pub flow: FlowFacts,
}

/// Placeholders for paths the resolver knows the meaning of.
pub const PLUGINS_DIR: &str = "<plugins-dir>";
pub const PROFILE_DIR: &str = "<profile>";

const BUILTINS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "exec",
    "eval",
    "compile",
    "execfile",
    "open",
    "getattr",
    "setattr",
    "__import__",
    "globals",
    "locals",
    "vars",
    "chr",
    "ord",
    "bytes",
    "bytearray",
    "str",
    "map",
    "reversed",
    "list",
    "tuple",
    "int",
    "dict",
    "repr",
    "input",
    "print",
    "type",
    "hasattr",
    "format",
    "sorted",
];

/// `path`: the file's path inside the zip (its first component is the plugin's folder).
pub fn analyse(module: &PythonModule, path: &str, limits: &BehaviourLimits) -> FileFacts {
    let Some(syntax) = module.syntax() else {
        return FileFacts::default();
    };
    let top = path.split('/').next().unwrap_or("").to_owned();
    let mut analyser = Analyser {
        top: top.clone(),
        function_index: HashMap::default(),
        tainted_files: HashSet::default(),
        settings_group: None,
        last_data_read: None,
        apis: HashMap::default(),
        own_file: format!("{PLUGINS_DIR}/{path}"),
        own_dir: format!("{PLUGINS_DIR}/{top}"),
        module,
        limits,
        globals: HashMap::default(),
        attrs: HashMap::default(),
        class_names: HashSet::default(),
        locals: None,
        facts: FileFacts::default(),
        current: 0,
        depth: 0,
        all_keys: None,
        password_string: false,
        function_names: HashSet::default(),
        local_calls: Vec::new(),
        local_results: Vec::new(),
        returned: Vec::new(),
        mentions: vec![HashSet::default()],
    };
    analyser.facts.units.push(Unit {
        name: "<module>".to_owned(),
        ..Unit::default()
    });
    let mut deferred: Vec<&StmtFunctionDef> = Vec::new();
    analyser.body(&syntax.body, &mut deferred);
    // Function bodies see the module's final bindings (a def may use a name bound below it).
    let mut next = 0;
    while next < deferred.len() && next < limits.max_functions {
        let function = deferred[next];
        next += 1;
        analyser.function(function, &mut deferred);
    }
    let calls = std::mem::take(&mut analyser.local_calls);
    let results = std::mem::take(&mut analyser.local_results);
    if !calls.is_empty() || !results.is_empty() {
        // Each round follows one more call: a path passed through two helpers needs two.
        for _ in 0..limits.max_link_depth {
            if !analyser.link_parameters(&calls, &results) {
                break;
            }
        }
    }
    analyser.keep_function_refs();
    analyser.facts.flow.password_string = analyser.password_string;
    let mut functions: Vec<(usize, &str)> = analyser
        .function_index
        .iter()
        .map(|(name, index)| (*index, *name))
        .collect();
    functions.sort_unstable();
    analyser.facts.flow.functions = functions.into_iter().map(|(_, n)| n.to_owned()).collect();
    let units = analyser.facts.units.len();
    analyser.facts.flow.unit(units.saturating_sub(1));
    if let (Some(line), true) = (analyser.all_keys, analyser.password_string) {
        analyser.facts.units[0].caps.push((
            Cap::Credential,
            Evidence {
                line,
                what: "QgsSettings.allKeys (QGIS saved passwords)".to_owned(),
            },
        ));
    }
    analyser.facts
}

struct Analyser<'m> {
    /// The plugin's folder name (its modules are imported as `top.x` or relatively).
    top: String,
    /// Each function of the file by name, numbered in the order they are defined (the flow
    /// engine's "result of function `f`").
    function_index: HashMap<&'m str, usize>,
    /// File keys of files that hold a credential (a credential store copied, auth
    /// configurations exported).
    tainted_files: HashSet<String>,
    /// The settings group the current function entered (`beginGroup`).
    settings_group: Option<String>,
    /// The last data file of the plugin read, with its line (evidence for a payload).
    last_data_read: Option<(String, u32)>,
    /// The catalogue's answer per call name, kept for the file: most names recur, and a
    /// name the tables do not spell costs a normalisation and a walk of its prefixes.
    apis: HashMap<String, caps::Api>,
    /// `__file__`, as a path under the plugins folder.
    own_file: String,
    /// The plugin's own folder under the plugins folder.
    own_dir: String,
    module: &'m PythonModule,
    limits: &'m BehaviourLimits,
    globals: HashMap<String, Value>,
    /// `self.x` / class attributes, shared by the methods of the file.
    attrs: HashMap<String, Value>,
    /// Classes defined in the file: `Class.attr` reads their class attributes like `self.attr`.
    class_names: HashSet<String>,
    locals: Option<HashMap<String, Value>>,
    facts: FileFacts,
    current: usize,
    depth: u32,
    all_keys: Option<u32>,
    password_string: bool,
    /// Names of the functions and methods defined in the file so far.
    function_names: HashSet<&'m str>,
    /// Per unit, every identifier it mentions; only the file's function names among them
    /// become `Unit::refs` at the end (most identifiers are not functions of the file).
    mentions: Vec<HashSet<&'m str>>,
    /// Calls to those functions with variables as arguments.
    local_calls: Vec<LocalCall<'m>>,
    /// Variables assigned what those functions return.
    local_results: Vec<LocalResult<'m>>,
    /// The file keys each unit returns (`return path`), by unit.
    returned: Vec<(usize, String)>,
}

/// `variable = callee(...)` in unit `caller`, for a function of the same file.
struct LocalResult<'m> {
    caller: usize,
    variable: &'m str,
    callee: &'m str,
}

/// A call from one unit to a function of the same file, by name.
struct LocalCall<'m> {
    caller: usize,
    callee: &'m str,
    /// Called as `self.name(...)`: the function's first parameter is the instance.
    method: bool,
    /// The file key of each positional argument, in the caller.
    keys: Vec<Option<String>>,
}

/// Runs the analyser on the direct children of a node it has no special rule for.
struct Children<'x, 'm> {
    analyser: &'x mut Analyser<'m>,
    deferred: &'x mut Vec<&'m StmtFunctionDef>,
}

impl<'m> Visitor<'m> for Children<'_, 'm> {
    fn visit_stmt(&mut self, stmt: &'m Stmt) {
        self.analyser.stmt(stmt, self.deferred);
    }
    fn visit_expr(&mut self, expr: &'m Expr) {
        self.analyser.eval(expr);
    }
}

/// Evaluates the direct children of an expression.
struct ExprChildren<'x, 'm> {
    analyser: &'x mut Analyser<'m>,
}

impl<'m> Visitor<'m> for ExprChildren<'_, 'm> {
    fn visit_expr(&mut self, expr: &'m Expr) {
        self.analyser.eval(expr);
    }
}

impl<'m> Analyser<'m> {
    fn mention(&mut self, name: &'m str) {
        if let Some(mentions) = self.mentions.get_mut(self.current) {
            mentions.insert(name);
        }
    }

    fn keep_function_refs(&mut self) {
        let mentions = std::mem::take(&mut self.mentions);
        for (unit, mentioned) in self.facts.units.iter_mut().zip(mentions) {
            unit.refs = mentioned
                .into_iter()
                .filter(|name| self.function_names.contains(name))
                .map(str::to_owned)
                .collect();
        }
    }

    fn line(&self, range: TextRange) -> u32 {
        self.module.line_of(range.start())
    }

    fn text(&self, range: TextRange) -> &'m str {
        let source: &'m str = self.module.source();
        let start = usize::from(range.start());
        let end = usize::from(range.end()).min(source.len());
        source.get(start..end).unwrap_or("")
    }

    fn add(&mut self, cap: Cap, line: u32, what: impl Into<String>) {
        let unit = &mut self.facts.units[self.current];
        let count = unit.caps.iter().filter(|(c, _)| *c == cap).count();
        if count >= self.limits.max_evidence_per_capability {
            return;
        }
        let what = what.into();
        if unit
            .caps
            .iter()
            .any(|(c, e)| *c == cap && e.line == line && e.what == what)
        {
            return;
        }
        unit.caps.push((cap, Evidence { line, what }));
    }

    // ----- scopes -----------------------------------------------------------------------------

    fn lookup(&self, name: &str) -> Value {
        if let Some(v) = self.locals.as_ref().and_then(|l| l.get(name)) {
            return v.clone();
        }
        if let Some(v) = self.globals.get(name) {
            return v.clone();
        }
        match name {
            "__file__" => Value::str(self.own_file.clone(), false),
            "__builtins__" | "builtins" => Value::reference("builtins", false),
            _ if BUILTINS.contains(&name) => Value::reference(format!("builtins.{name}"), false),
            _ => Value::reference(name, false),
        }
    }

    fn bind(&mut self, name: &str, value: Value) {
        match &mut self.locals {
            Some(locals) => {
                locals.insert(name.to_owned(), value);
            }
            None => {
                self.globals.insert(name.to_owned(), value);
            }
        }
    }

    fn assign(&mut self, target: &'m Expr, value: Value) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), value),
            Expr::Attribute(attr) => {
                if let Expr::Name(base) = attr.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls")
                        || self.class_names.contains(base.id.as_str())
                    {
                        self.attrs
                            .insert(attr.attr.as_str().to_owned(), outliving(value));
                        return;
                    }
                }
                let base = self.eval(&attr.value);
                self.note_monkeypatch(&base, attr);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                match value {
                    Value::List(items) if items.len() == elts.len() => {
                        for (t, v) in elts.iter().zip(items) {
                            self.assign(t, v);
                        }
                    }
                    other => {
                        let taint = other.taint();
                        for t in elts {
                            self.assign(t, Value::Unknown(taint));
                        }
                    }
                }
            }
            Expr::Starred(starred) => self.assign(&starred.value, Value::UNKNOWN),
            other => {
                self.eval(other);
            }
        }
    }

    // ----- statements -------------------------------------------------------------------------

    fn body(&mut self, body: &'m [Stmt], deferred: &mut Vec<&'m StmtFunctionDef>) {
        for stmt in body {
            self.stmt(stmt, deferred);
        }
    }

    fn function(&mut self, function: &'m StmtFunctionDef, deferred: &mut Vec<&'m StmtFunctionDef>) {
        self.facts.units.push(Unit {
            name: function.name.as_str().to_owned(),
            ..Unit::default()
        });
        self.current = self.facts.units.len() - 1;
        self.mentions.push(HashSet::default());
        let index = self.function_index.get(function.name.as_str()).copied();
        self.facts.flow.unit(self.current).function = index;
        self.settings_group = None;
        let mut locals = HashMap::default();
        let params = &function.parameters;
        let mut names = Vec::new();
        for p in params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
        {
            let name = p.parameter.name.as_str();
            // The instance is not data a caller hands over (calls map their arguments past it).
            let taint = if matches!(name, "self" | "cls") {
                Taint::NONE
            } else {
                Taint::param(names.len())
            };
            names.push(name.to_owned());
            locals.insert(name.to_owned(), Value::Unknown(taint));
        }
        self.facts.units[self.current].params = names;
        for p in params.vararg.iter().chain(params.kwarg.iter()) {
            locals.insert(p.name.as_str().to_owned(), Value::UNKNOWN);
        }
        let saved = self.locals.replace(locals);
        self.body(&function.body, deferred);
        self.locals = saved;
        self.current = 0;
    }

    fn stmt(&mut self, stmt: &'m Stmt, deferred: &mut Vec<&'m StmtFunctionDef>) {
        with_stack(|| self.stmt_inner(stmt, deferred));
    }

    fn stmt_inner(&mut self, stmt: &'m Stmt, deferred: &mut Vec<&'m StmtFunctionDef>) {
        match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.eval(&decorator.expression);
                }
                let params = &function.parameters;
                for p in params
                    .posonlyargs
                    .iter()
                    .chain(&params.args)
                    .chain(&params.kwonlyargs)
                {
                    if let Some(default) = &p.default {
                        self.eval(default);
                    }
                }
                // The name is a function of this file now, not whatever it was.
                let name = function.name.as_str();
                if self.locals.is_none() && !self.globals.contains_key(name) {
                    self.globals.insert(name.to_owned(), Value::UNKNOWN);
                } else if self.locals.is_some() {
                    self.bind(name, Value::UNKNOWN);
                }
                self.function_names.insert(name);
                let next = self.function_index.len();
                self.function_index.entry(name).or_insert(next);
                deferred.push(function);
            }
            Stmt::ClassDef(class) => {
                self.class_names.insert(class.name.to_string());
                if let Some(arguments) = &class.arguments {
                    for arg in arguments.args.iter() {
                        self.eval(arg);
                    }
                }
                for stmt in class.body.iter() {
                    match stmt {
                        Stmt::Assign(assign) => {
                            let value = self.eval(&assign.value);
                            for target in &assign.targets {
                                if let Expr::Name(name) = target {
                                    self.attrs
                                        .insert(name.id.as_str().to_owned(), value.clone());
                                }
                            }
                        }
                        other => self.stmt(other, deferred),
                    }
                }
            }
            Stmt::Assign(assign) => {
                let value = self.eval(&assign.value);
                if let [target @ Expr::Name(name)] = assign.targets.as_slice() {
                    self.note_local_result(name.id.as_str(), &assign.value);
                    self.note_temporary_file(&value, &assign.value, target);
                }
                for target in &assign.targets {
                    self.assign(target, value.clone());
                }
            }
            Stmt::Return(ast::StmtReturn {
                value: Some(value), ..
            }) => {
                let returned = self.eval(value);
                let taint = returned.taint();
                let unit = self.facts.flow.unit(self.current);
                unit.returns = unit.returns.union(taint);
                if let Some(key) = self.file_key(Some(&returned), Some(value)) {
                    self.returned.push((self.current, key));
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    let value = self.eval(value);
                    self.assign(&assign.target, value);
                }
            }
            Stmt::AugAssign(assign) => {
                let current = self.eval(&assign.target);
                let value = self.eval(&assign.value);
                let combined = self.binop(current, assign.op, value);
                self.assign(&assign.target, combined);
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.as_str();
                    self.note_import(name, self.line(alias.range));
                    match &alias.asname {
                        Some(asname) => self.bind(asname.as_str(), Value::reference(name, false)),
                        None => {
                            let first = name.split('.').next().unwrap_or(name);
                            self.bind(first, Value::reference(first, false));
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let mut module = ".".repeat(usize::try_from(import.level).unwrap_or(0));
                if let Some(m) = &import.module {
                    module.push_str(m.as_str());
                }
                self.note_import(&module, self.line(import.range));
                for alias in &import.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        continue;
                    }
                    let qualified = format!("{module}.{name}");
                    self.note_import(&qualified, self.line(alias.range));
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    self.bind(bound, Value::reference(qualified, false));
                }
            }
            Stmt::For(for_stmt) => {
                let iter = self.eval(&for_stmt.iter);
                // Each element of `qgis.utils.plugin_paths` is a plugins folder.
                let element = match &iter {
                    Value::Ref { name, .. } if name.ends_with("plugin_paths") => iter.clone(),
                    _ => Value::Unknown(iter.taint()),
                };
                self.assign(&for_stmt.target, element);
                self.body(&for_stmt.body, deferred);
                self.body(&for_stmt.orelse, deferred);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    let value = self.eval(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.note_temporary_file(&value, &item.context_expr, target);
                        self.assign(target, value);
                    }
                }
                self.body(&with.body, deferred);
            }
            Stmt::Expr(expr) if matches!(expr.value.as_ref(), Expr::StringLiteral(_)) => {
                // A docstring or bare string says nothing about what the code does.
            }
            other => {
                let mut children = Children {
                    analyser: self,
                    deferred,
                };
                walk_stmt(&mut children, other);
            }
        }
    }

    fn note_import(&mut self, module: &str, line: u32) {
        if let Some(last) = module.trim_start_matches('.').rsplit('.').next() {
            if !last.is_empty() {
                self.facts.imports.insert(last.to_owned());
            }
        }
        let lower = module.to_ascii_lowercase();
        if lower.contains("pytransform") || lower.contains("pyarmor") {
            self.add(Cap::PyArmor, line, format!("import {module}"));
        }
        if caps::input_capture(&format!("{module}.")) || lower == "pynput" || lower == "pyhook" {
            self.add(Cap::InputCapture, line, format!("import {module}"));
        }
    }

    // ----- expressions ------------------------------------------------------------------------

    fn eval(&mut self, expr: &'m Expr) -> Value {
        if self.depth >= self.limits.max_fold_depth {
            return Value::UNKNOWN;
        }
        self.depth += 1;
        let value = with_stack(|| self.eval_inner(expr));
        self.depth -= 1;
        value
    }

    fn eval_children(&mut self, expr: &'m Expr) {
        let mut children = ExprChildren { analyser: self };
        walk_expr(&mut children, expr);
    }

    fn eval_inner(&mut self, expr: &'m Expr) -> Value {
        match expr {
            Expr::StringLiteral(literal) => {
                let text = literal.value.to_str();
                let raw = self.text(literal.range);
                let escaped = raw.contains('\\') && is_identifier_like(text);
                let value = Value::str(text, escaped);
                self.note_string(&value, self.line(literal.range));
                value
            }
            Expr::BytesLiteral(literal) => Value::Bytes {
                data: literal
                    .value
                    .bytes()
                    .take(self.limits.max_folded_bytes)
                    .collect(),
                hidden: false,
            },
            Expr::NumberLiteral(number) => match &number.value {
                Number::Int(i) => i.as_i64().map_or(Value::UNKNOWN, Value::Int),
                _ => Value::UNKNOWN,
            },
            Expr::FString(fstring) => {
                let mut text = String::new();
                let (mut hidden, mut partial, mut interpolated) = (false, false, false);
                let mut taint = Taint::NONE;
                for part in fstring.value.iter() {
                    match part {
                        FStringPart::Literal(literal) => text.push_str(&literal.value),
                        FStringPart::FString(f) => {
                            for element in f.elements.iter() {
                                match element {
                                    InterpolatedStringElement::Literal(l) => {
                                        text.push_str(&l.value)
                                    }
                                    InterpolatedStringElement::Interpolation(i) => {
                                        interpolated = true;
                                        let value = self.eval(&i.expression);
                                        taint = taint.union(value.taint());
                                        let (t, h, p) = value.text_or_star();
                                        text.push_str(&t);
                                        hidden |= h;
                                        partial |= p;
                                    }
                                }
                            }
                        }
                    }
                    if text.len() > self.limits.max_folded_bytes {
                        return Value::UNKNOWN;
                    }
                }
                let value = Value::Str(Folded {
                    text,
                    hidden: hidden || (interpolated && !partial),
                    partial,
                    taint: Taint::NONE,
                });
                self.note_string(&value, self.line(fstring.range));
                // A string built from tainted data carries it (a secret in a URL or a body).
                value.tainted(taint)
            }
            Expr::Name(name) => {
                let id = name.id.as_str();
                self.mention(id);
                self.lookup(id)
            }
            Expr::Attribute(attr) => {
                let name = attr.attr.as_str();
                self.mention(name);
                if let Expr::Name(base) = attr.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls")
                        || self.class_names.contains(base.id.as_str())
                    {
                        if let Some(value) = self.attrs.get(name) {
                            return value.clone();
                        }
                    }
                }
                let base = self.eval(&attr.value);
                self.attribute(base, name)
            }
            Expr::Call(call) => self.call(call),
            Expr::BinOp(binop) => {
                let left = self.eval(&binop.left);
                let right = self.eval(&binop.right);
                let value = self.binop(left, binop.op, right);
                if matches!(value, Value::Str(_)) {
                    self.note_string(&value, self.line(binop.range));
                }
                value
            }
            Expr::UnaryOp(unary) => match (unary.op, self.eval(&unary.operand)) {
                (UnaryOp::USub, Value::Int(i)) => Value::Int(i.wrapping_neg()),
                (UnaryOp::Invert, Value::Int(i)) => Value::Int(!i),
                (_, other) => Value::Unknown(other.taint()),
            },
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => {
                let items: Vec<Value> = elts.iter().map(|e| self.eval(e)).collect();
                Value::List(items)
            }
            Expr::Subscript(subscript) => self.subscript(subscript),
            Expr::Dict(dict) => {
                let mut taint = Taint::NONE;
                for item in &dict.items {
                    if let Some(key) = &item.key {
                        taint = taint.union(self.eval(key).taint());
                    }
                    taint = taint.union(self.eval(&item.value).taint());
                }
                Value::Unknown(taint)
            }
            Expr::DictComp(comp) => {
                let mut taint = Taint::NONE;
                for generator in &comp.generators {
                    let iter = self.eval(&generator.iter);
                    self.assign(&generator.target, Value::Unknown(iter.taint()));
                    taint = taint.union(iter.taint());
                    for cond in &generator.ifs {
                        self.eval(cond);
                    }
                }
                if let Some(key) = &comp.key {
                    taint = taint.union(self.eval(key).taint());
                }
                taint = taint.union(self.eval(&comp.value).taint());
                Value::Unknown(taint)
            }
            Expr::Named(named) => {
                let value = self.eval(&named.value);
                self.assign(&named.target, value.clone());
                value
            }
            Expr::If(if_expr) => {
                self.eval(&if_expr.test);
                let body = self.eval(&if_expr.body);
                let orelse = self.eval(&if_expr.orelse);
                if matches!(body, Value::Unknown(_)) {
                    orelse
                } else {
                    body
                }
            }
            Expr::BoolOp(boolop) => {
                let mut result = Value::UNKNOWN;
                for value in &boolop.values {
                    let v = self.eval(value);
                    if matches!(result, Value::Unknown(_)) {
                        result = v;
                    }
                }
                result
            }
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => self.comprehension(elt, generators),
            Expr::Starred(starred) => self.eval(&starred.value),
            _ => {
                self.eval_children(expr);
                Value::UNKNOWN
            }
        }
    }

    /// `elt for target in LIST` over a constant list is folded element by element (how `chr`
    /// sequences are written); anything else is walked once.
    fn comprehension(&mut self, elt: &'m Expr, generators: &'m [ast::Comprehension]) -> Value {
        let mut iters = Vec::new();
        for generator in generators {
            iters.push(self.eval(&generator.iter));
        }
        // Bytes iterate as their byte values (`bytes(b ^ KEY for b in BLOB)`: a loop that
        // decodes a constant folds like the constant).
        if let [Value::Bytes { data, .. }] = iters.as_slice() {
            if data.len() <= self.limits.max_folded_bytes {
                let items = data.iter().map(|b| Value::Int(i64::from(*b))).collect();
                iters[0] = Value::List(items);
            }
        }
        if let ([generator], [Value::List(items)]) = (generators, iters.as_slice()) {
            if let (Expr::Name(target), true) = (
                &generator.target,
                generator.ifs.is_empty() && items.len() <= self.limits.max_folded_bytes,
            ) {
                let name = target.id.as_str();
                let saved = self.lookup(name);
                let mut out = Vec::with_capacity(items.len());
                for item in items.clone() {
                    self.bind(name, item);
                    out.push(self.eval(elt));
                }
                self.bind(name, saved);
                return Value::List(out);
            }
        }
        let taint = iters.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
        for generator in generators {
            self.assign(&generator.target, Value::Unknown(taint));
            for cond in &generator.ifs {
                self.eval(cond);
            }
        }
        let value = self.eval(elt);
        Value::Unknown(taint.union(value.taint()))
    }

    fn attribute(&mut self, base: Value, name: &str) -> Value {
        match base {
            Value::Ref {
                name: base,
                hidden,
                taint,
            } => {
                let qualified = format!("{base}.{name}");
                // An attribute that holds credentials (`netrc.netrc().hosts`: every saved
                // login), as the sources catalogue lists it without arguments.
                let held = match self.api(&qualified).source {
                    Some((SourceKind::Credential | SourceKind::SecretStore, entry))
                        if entry.returns.is_none() =>
                    {
                        if caps::asked_by_name(entry) {
                            Taint::AUTH_CONFIG
                        } else {
                            Taint::CREDENTIAL
                        }
                    }
                    _ => Taint::NONE,
                };
                Value::reference(qualified, hidden).tainted(taint.union(held))
            }
            Value::Str(folded) if name == "parent" => Value::Str(Folded {
                text: dirname(&folded.text),
                ..folded
            }),
            value @ (Value::Str(_) | Value::Bytes { .. }) => Value::Method {
                receiver: Box::new(value),
                name: name.to_owned(),
            },
            Value::Unknown(taint) => Value::Unknown(taint),
            _ => Value::UNKNOWN,
        }
    }

    fn subscript(&mut self, subscript: &'m ast::ExprSubscript) -> Value {
        let base = self.eval(&subscript.value);
        if let Expr::Slice(slice) = subscript.slice.as_ref() {
            let step = slice.step.as_ref().map(|s| self.eval(s));
            if let Some(lower) = &slice.lower {
                self.eval(lower);
            }
            if let Some(upper) = &slice.upper {
                self.eval(upper);
            }
            if slice.lower.is_none() && slice.upper.is_none() && step == Some(Value::Int(-1)) {
                return match base {
                    Value::Str(f) if !f.partial => {
                        Value::str(f.text.chars().rev().collect::<String>(), true)
                    }
                    Value::Bytes { mut data, .. } => {
                        data.reverse();
                        Value::Bytes { data, hidden: true }
                    }
                    Value::List(mut items) => {
                        items.reverse();
                        Value::List(items)
                    }
                    other => Value::Unknown(other.taint()),
                };
            }
            return Value::Unknown(base.taint());
        }
        let index = self.eval(&subscript.slice);
        match (base, index) {
            (Value::Namespace, Value::Str(key)) if !key.partial => {
                let value = self.lookup(&key.text);
                hide(value)
            }
            (Value::Ref { name, .. }, Value::Str(key)) if !key.partial => {
                let key = key.text;
                match name.as_str() {
                    "builtins" | "builtins.__dict__" => {
                        Value::reference(format!("builtins.{key}"), true)
                    }
                    "sys.modules" => Value::reference(key, true),
                    "os.environ" => env_path(&key),
                    other => match other.strip_suffix(".__dict__") {
                        Some(owner) => Value::reference(format!("{owner}.{key}"), true),
                        None => Value::UNKNOWN,
                    },
                }
            }
            (Value::Ref { name, .. }, Value::Int(_)) if name == "sys.path" => {
                Value::str("<site-packages>", false)
            }
            (Value::List(items), Value::Int(i)) => usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::UNKNOWN),
            (Value::Str(f), Value::Int(i)) if !f.partial => usize::try_from(i)
                .ok()
                .and_then(|i| f.text.chars().nth(i))
                .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
            (base, _) => Value::Unknown(base.taint()),
        }
    }

    fn binop(&mut self, left: Value, op: Operator, right: Value) -> Value {
        let max = self.limits.max_folded_bytes;
        match (op, left, right) {
            (Operator::Add, Value::Str(l), Value::Str(r)) => {
                if l.text.len() + r.text.len() > max {
                    return Value::UNKNOWN;
                }
                Value::Str(Folded {
                    text: l.text + &r.text,
                    hidden: !l.partial && !r.partial || l.hidden || r.hidden,
                    partial: l.partial || r.partial,
                    taint: l.taint.union(r.taint),
                })
            }
            (Operator::Add, Value::Str(l), other) | (Operator::Add, other, Value::Str(l))
                if matches!(other, Value::Unknown(_) | Value::Ref { .. }) =>
            {
                Value::Str(Folded {
                    text: format!("{}*", l.text),
                    hidden: false,
                    partial: true,
                    taint: Taint::NONE,
                })
                .tainted(other.taint())
            }
            (Operator::Add, Value::Bytes { data: mut l, .. }, Value::Bytes { data: r, .. }) => {
                if l.len() + r.len() > max {
                    return Value::UNKNOWN;
                }
                l.extend(r);
                Value::Bytes {
                    data: l,
                    hidden: true,
                }
            }
            (Operator::Add, Value::List(mut l), Value::List(r)) => {
                l.extend(r);
                Value::List(l)
            }
            (Operator::Mod, Value::Str(format), args) if !format.partial => {
                let taint = args.taint();
                let args = match args {
                    Value::List(items) => items,
                    other => vec![other],
                };
                percent_format(&format.text, &args, max).tainted(taint)
            }
            (Operator::Div, Value::Str(l), Value::Str(r)) => Value::Str(Folded {
                text: join_path(&l.text, &r.text),
                hidden: false,
                partial: l.partial || r.partial,
                taint: l.taint.union(r.taint),
            }),
            (Operator::Mult, Value::Str(s), Value::Int(n))
            | (Operator::Mult, Value::Int(n), Value::Str(s)) => {
                let n = usize::try_from(n).unwrap_or(0);
                if s.text.len().saturating_mul(n) > max {
                    return Value::UNKNOWN;
                }
                Value::Str(Folded {
                    text: s.text.repeat(n),
                    hidden: true,
                    partial: s.partial,
                    taint: s.taint,
                })
            }
            (op, Value::Int(l), Value::Int(r)) => match op {
                Operator::Add => Value::Int(l.wrapping_add(r)),
                Operator::Sub => Value::Int(l.wrapping_sub(r)),
                Operator::Mult => Value::Int(l.wrapping_mul(r)),
                Operator::BitXor => Value::Int(l ^ r),
                Operator::BitOr => Value::Int(l | r),
                Operator::BitAnd => Value::Int(l & r),
                Operator::Mod if r != 0 => Value::Int(l.rem_euclid(r)),
                Operator::FloorDiv if r != 0 => Value::Int(l.div_euclid(r)),
                _ => Value::UNKNOWN,
            },
            (_, l, r) => Value::Unknown(l.taint().union(r.taint())),
        }
    }

    // ----- calls ------------------------------------------------------------------------------

    fn call(&mut self, call: &'m ast::ExprCall) -> Value {
        let func = self.eval(&call.func);
        let path_method = matches!(call.func.as_ref(), Expr::Attribute(attr)
            if UNFOLDED_PATH_METHODS.contains(&attr.attr.as_str()));
        let local = self.local_function(call);
        if let (Value::Unknown(taint), false, None) = (&func, path_method, local) {
            // A call of something unknown (most calls: methods of parameters and `self`) only
            // passes on its arguments' taint: no argument list, no line.
            let mut taint = *taint;
            for arg in call.arguments.args.iter() {
                taint = taint.union(self.eval(arg).taint());
            }
            for keyword in call.arguments.keywords.iter() {
                taint = taint.union(self.eval(&keyword.value).taint());
            }
            self.note_container_update(call, taint, false);
            if let Some(header) = self.credential_header(call) {
                let line = self.line(call.range());
                self.facts
                    .flow
                    .note_source(self.current, Taint::REQUEST_HEADER, line, header);
                return Value::Unknown(taint.union(Taint::REQUEST_HEADER));
            }
            return Value::Unknown(taint);
        }
        let args: Vec<Value> = call.arguments.args.iter().map(|a| self.eval(a)).collect();
        let mut keywords: Vec<(Option<&'m str>, Value)> = Vec::new();
        for keyword in call.arguments.keywords.iter() {
            let value = self.eval(&keyword.value);
            keywords.push((keyword.arg.as_ref().map(|a| a.as_str()), value));
        }
        let line = self.line(call.range());
        let mut result_taint = Taint::NONE;
        if let Some((callee, method)) = local {
            self.note_local_call(call, callee, method, &args);
            if let Some(&index) = self.function_index.get(callee) {
                result_taint = Taint::result(index);
                let args = args.iter().map(Value::taint).collect();
                self.facts.flow.note_call(flow::LocalCall {
                    caller: self.current,
                    callee: index,
                    name: callee.to_owned(),
                    offset: usize::from(method),
                    args,
                    line,
                });
            }
        }
        let value = self.call_value(call, func, &args, &keywords, line);
        value.tainted(result_taint)
    }

    fn call_value(
        &mut self,
        call: &'m ast::ExprCall,
        func: Value,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
    ) -> Value {
        let receiver = match call.func.as_ref() {
            Expr::Attribute(attr) => Some(attr.value.as_ref()),
            _ => None,
        };
        match func {
            Value::Ref {
                name,
                hidden,
                taint,
            } => {
                let value = self.call_ref(call, &name, hidden, args, keywords, line);
                let into_receiver = self.api(&caps::plain(&name)).into_receiver;
                let data = args
                    .iter()
                    .chain(keywords.iter().map(|(_, v)| v))
                    .fold(Taint::NONE, |t, v| t.union(v.taint()));
                self.note_container_update(call, data, into_receiver);
                // What an object built from data returns carries the data; what a function
                // of another module of the plugin returns is followed across modules.
                let imported = name.starts_with('.') || name.starts_with(&format!("{}.", self.top));
                if imported && !name.contains("()") {
                    let called = caps::tail(&name).to_owned();
                    let unit = self.facts.flow.unit(self.current);
                    if !unit.imported_calls.contains(&called) {
                        unit.imported_calls.push(called);
                    }
                    value.tainted(taint.union(Taint::IMPORTED))
                } else {
                    value.tainted(taint)
                }
            }
            Value::Method {
                receiver: value,
                name,
            } => self.call_method(*value, receiver, &name, args, line),
            Value::Unknown(taint) => {
                if let (Some(receiver), Expr::Attribute(attr)) = (receiver, call.func.as_ref()) {
                    self.unknown_path_method(receiver, attr.attr.as_str(), args, line);
                }
                let taint = args
                    .iter()
                    .chain(keywords.iter().map(|(_, v)| v))
                    .fold(taint, |t, v| t.union(v.taint()));
                self.note_container_update(call, taint, false);
                Value::Unknown(taint)
            }
            _ => Value::UNKNOWN,
        }
    }

    /// `pathlib.Path` methods that write or make executable ([`UNFOLDED_PATH_METHODS`]), on a
    /// path the resolver could not fold (`Path(tempfile.mktemp())`): only pathlib paths have
    /// them.
    fn unknown_path_method(&mut self, receiver: &'m Expr, method: &str, args: &[Value], line: u32) {
        match method {
            "write_bytes" | "write_text" => {
                if method == "write_bytes" {
                    self.note_binary_write(None, Some(receiver), line);
                }
                self.note_write("", line, &format!("Path.{method}"));
            }
            "chmod" => {
                if let [Value::Int(mode)] = args {
                    if mode & 0o111 != 0 {
                        self.add(Cap::MakeExecutable, line, format!("Path.chmod({mode:#o})"));
                    }
                }
            }
            _ => {}
        }
    }

    /// `f = tempfile.NamedTemporaryFile(...)` (or `with ... as f`) in a binary mode, the
    /// default: a file written in binary, named by `f` (and `f.name`).
    fn note_temporary_file(&mut self, value: &Value, expr: &'m Expr, target: &'m Expr) {
        let (Value::Ref { name, .. }, Expr::Call(call)) = (value, expr) else {
            return;
        };
        if name != "tempfile.NamedTemporaryFile()" {
            return;
        }
        let mode = call
            .arguments
            .find_keyword("mode")
            .map(|k| &k.value)
            .or_else(|| call.arguments.args.first());
        let binary = match mode {
            None => true,
            Some(Expr::StringLiteral(mode)) => mode.value.to_str().contains('b'),
            Some(_) => false,
        };
        if binary {
            let line = self.line(call.range());
            self.note_binary_write(None, Some(target), line);
        }
    }

    /// The function of this file a call names: `function(...)`, or `self.method(...)` /
    /// `cls.method(...)` (then `true`: its first parameter is the instance).
    fn local_function(&self, call: &'m ast::ExprCall) -> Option<(&'m str, bool)> {
        let (name, method) = match call.func.as_ref() {
            Expr::Name(name) => (name.id.as_str(), false),
            Expr::Attribute(attr) => match attr.value.as_ref() {
                Expr::Name(base) if matches!(base.id.as_str(), "self" | "cls") => {
                    (attr.attr.as_str(), true)
                }
                _ => return None,
            },
            _ => return None,
        };
        self.function_names.contains(name).then_some((name, method))
    }

    /// `variable = function(...)` for a function of this file: the variable holds what the
    /// function returns (see `link_parameters`).
    fn note_local_result(&mut self, variable: &'m str, value: &'m Expr) {
        let Expr::Call(call) = path_operand(value) else {
            return;
        };
        if let Some((callee, _)) = self.local_function(call) {
            self.local_results.push(LocalResult {
                caller: self.current,
                variable,
                callee,
            });
        }
    }

    /// A call to a function of this file (`install(tool)`, `self.install(tool)`): the keys of
    /// the files its arguments name, to follow a path from the caller into the function that
    /// writes or starts it (see `link_parameters`).
    fn note_local_call(
        &mut self,
        call: &'m ast::ExprCall,
        callee: &'m str,
        method: bool,
        args: &[Value],
    ) {
        let keys: Vec<Option<String>> = args
            .iter()
            .zip(call.arguments.args.iter())
            .map(|(value, expr)| self.file_key(Some(value), Some(expr)))
            .collect();
        if keys.iter().any(Option::is_some) {
            self.local_calls.push(LocalCall {
                caller: self.current,
                callee,
                method,
                keys,
            });
        }
    }

    fn call_method(
        &mut self,
        receiver: Value,
        receiver_expr: Option<&'m Expr>,
        name: &str,
        args: &[Value],
        line: u32,
    ) -> Value {
        let max = self.limits.max_folded_bytes;
        let value = match (receiver, name) {
            (Value::Str(sep), "join") if !sep.partial => match args.first() {
                Some(Value::List(items)) => {
                    let mut text = String::new();
                    let mut partial = false;
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            text.push_str(&sep.text);
                        }
                        let (t, _, p) = item.text_or_star();
                        text.push_str(&t);
                        partial |= p;
                        if text.len() > max {
                            return Value::UNKNOWN;
                        }
                    }
                    let taint = items.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
                    Value::Str(Folded {
                        text,
                        hidden: true,
                        partial,
                        taint: Taint::NONE,
                    })
                    .tainted(taint)
                }
                Some(Value::Str(s)) if !s.partial => {
                    let joined: Vec<String> = s.text.chars().map(String::from).collect();
                    Value::str(joined.join(&sep.text), true)
                }
                Some(other) => Value::Unknown(other.taint()),
                None => Value::UNKNOWN,
            },
            (Value::Str(format), "format") if !format.partial => {
                let taint = args.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
                brace_format(&format.text, args, max).tainted(taint)
            }
            // Reading a credential store or a data file of the plugin through a path object.
            (Value::Str(s), "read_text" | "read_bytes" | "open")
                if name != "open"
                    || !args
                        .first()
                        .and_then(Value::as_str)
                        .is_some_and(|m| is_write_mode(&m.text)) =>
            {
                if self.plugin_data_file(&s.text) {
                    self.note_data_read(&s.text, line, &format!("Path.{name}"));
                    return Value::Unknown(Taint::PLUGIN_DATA);
                }
                match self.credential_file(&Value::Str(s.clone()), receiver_expr) {
                    Some(what) => {
                        self.note_credential_source(line, format!("Path.{name} of {what}"));
                        Value::Unknown(Taint::CREDENTIAL)
                    }
                    None => Value::UNKNOWN,
                }
            }
            (Value::Str(s), "replace") if args.len() == 2 => match (
                args.first().and_then(Value::as_str),
                args.get(1).and_then(Value::as_str),
            ) {
                (Some(from), Some(to)) if !from.text.is_empty() => {
                    let text = s.text.replace(&from.text, &to.text);
                    if text.len() > max {
                        return Value::UNKNOWN;
                    }
                    Value::Str(Folded {
                        text,
                        hidden: true,
                        partial: s.partial,
                        taint: s.taint,
                    })
                }
                _ => Value::UNKNOWN,
            },
            (Value::Str(s), "lower") => Value::Str(Folded {
                text: s.text.to_lowercase(),
                ..s
            }),
            (Value::Str(s), "upper") => Value::Str(Folded {
                text: s.text.to_uppercase(),
                ..s
            }),
            (Value::Str(s), "strip" | "lstrip" | "rstrip") if args.is_empty() => {
                Value::Str(Folded {
                    text: s.text.trim().to_owned(),
                    ..s
                })
            }
            (Value::Str(s), "encode") if !s.partial => Value::Bytes {
                data: s.text.into_bytes(),
                hidden: s.hidden,
            },
            (Value::Str(s), "resolve" | "absolute" | "expanduser" | "as_posix") => Value::Str(s),
            (Value::Str(s), "joinpath") => {
                let mut text = s.text;
                for arg in args {
                    text = join_path(&text, &arg.text_or_star().0);
                }
                Value::Str(Folded {
                    text,
                    hidden: false,
                    partial: s.partial,
                    taint: s.taint,
                })
            }
            (
                Value::Str(s),
                "write_text" | "write_bytes" | "open" | "touch" | "chmod" | "rename" | "replace"
                | "symlink_to",
            ) => {
                let mode_write = name != "open"
                    || args
                        .first()
                        .and_then(Value::as_str)
                        .is_some_and(|m| is_write_mode(&m.text));
                if name == "chmod" {
                    if let Some(Value::Int(mode)) = args.first() {
                        if mode & 0o111 != 0 {
                            self.add(Cap::MakeExecutable, line, format!("Path.chmod({mode:#o})"));
                        }
                    }
                } else if mode_write {
                    let binary = name == "write_bytes"
                        || name == "open"
                            && args
                                .first()
                                .and_then(Value::as_str)
                                .is_some_and(|m| m.text.contains('b'));
                    if binary {
                        let path = Value::Str(s.clone());
                        self.note_binary_write(Some(&path), receiver_expr, line);
                    }
                    self.note_write(&s.text, line, &format!("Path.{name}"));
                }
                Value::UNKNOWN
            }
            (Value::Bytes { data, hidden }, "decode") => {
                let codec = args
                    .first()
                    .and_then(Value::as_str)
                    .map(|f| f.text.to_ascii_lowercase());
                match codec.as_deref() {
                    Some("hex") => decode::hex(&String::from_utf8_lossy(&data)).map_or(
                        Value::Unknown(Taint::DECODED),
                        |d| Value::Bytes {
                            data: d,
                            hidden: true,
                        },
                    ),
                    _ => Value::str(String::from_utf8_lossy(&data).into_owned(), hidden),
                }
            }
            (Value::Bytes { data, hidden }, "hex") => Value::str(decode::to_hex(&data), hidden),
            (receiver, _) => Value::Unknown(receiver.taint()),
        };
        if matches!(value, Value::Str(_)) {
            self.note_string(&value, line);
        }
        value
    }

    #[allow(clippy::too_many_lines)]
    fn call_ref(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        hidden: bool,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
    ) -> Value {
        let arg_taint = args
            .iter()
            .chain(keywords.iter().map(|(_, v)| v))
            .fold(Taint::NONE, |t, v| t.union(v.taint()));
        let first_str = args.first().and_then(Value::as_str);
        // `operator.methodcaller("system", cmd)(os)` calls `os.system`: a hidden call.
        if let Some(method) = name.strip_prefix(METHODCALLER) {
            if let Some(Value::Ref { name: base, .. }) = args.first() {
                let target = format!("{base}.{method}");
                return self.call_ref(call, &target, true, &args[1..], keywords, line);
            }
            return Value::UNKNOWN;
        }
        // `operator.attrgetter("system")(os)` is `os.system`, looked up dynamically.
        if let Some(attribute) = name.strip_prefix(ATTRGETTER) {
            if let Some(Value::Ref { name: base, .. }) = args.first() {
                return Value::reference(format!("{base}.{attribute}"), true);
            }
            return Value::UNKNOWN;
        }
        let plain = caps::plain(name);
        let shown: &str = &plain;
        let api = self.api(shown);
        self.classify_call(
            call, name, shown, hidden, args, keywords, line, arg_taint, &api,
        );
        if let Some(value) = self.source_value(call, name, shown, args, line, &api) {
            return value;
        }
        let max = self.limits.max_folded_bytes;
        let result = match name {
            "builtins.getattr" => match (args.first(), args.get(1).and_then(Value::as_str)) {
                (Some(base), Some(attr)) => {
                    let value = self.attribute(base.clone(), &attr.text);
                    // `getattr(builtins, "exec")` with the name written out is how code for
                    // Python 2 and 3 names `exec` (a keyword in 2; six's `exec_`): not hidden.
                    // A built name, or any other function, is.
                    let compat_exec = !attr.hidden
                        && matches!(&value, Value::Ref { name, .. } if name == "builtins.exec" || name == "builtins.eval");
                    if compat_exec {
                        match value {
                            Value::Ref { name, .. } => Value::reference(name, false),
                            other => other,
                        }
                    } else {
                        hide(value)
                    }
                }
                _ => Value::UNKNOWN,
            },
            "builtins.__import__" => match &first_str {
                Some(module) => {
                    let top = module.text.split('.').next().unwrap_or(&module.text);
                    Value::reference(top, true)
                }
                None => Value::UNKNOWN,
            },
            "importlib.import_module" | "importlib.__import__" => match &first_str {
                Some(module) => Value::reference(module.text.clone(), true),
                None => Value::UNKNOWN,
            },
            "builtins.globals" | "builtins.locals" => Value::Namespace,
            // Wrappers that return the function they wrap.
            "builtins.staticmethod" | "builtins.classmethod" | "functools.wraps" => {
                args.first().cloned().unwrap_or(Value::UNKNOWN)
            }
            "operator.methodcaller" => match &first_str {
                Some(method) if is_identifier_like(&method.text) => {
                    Value::reference(format!("{METHODCALLER}{}", method.text), true)
                }
                _ => Value::UNKNOWN,
            },
            "operator.attrgetter" => match &first_str {
                Some(attribute)
                    if attribute.text.split('.').all(is_identifier_like)
                        && !attribute.text.is_empty() =>
                {
                    Value::reference(format!("{ATTRGETTER}{}", attribute.text), true)
                }
                _ => Value::UNKNOWN,
            },
            // `vars(builtins).get(NAME)`, `builtins.__dict__.get(NAME)`, `sys.modules.get(NAME)`:
            // the same lookup as a subscript, with a default.
            other
                if (other.ends_with(".__dict__.get") || other == "sys.modules.get")
                    && first_str.is_some() =>
            {
                let owner = &other[..other.len() - ".get".len()];
                match (owner, first_str.as_ref()) {
                    ("sys.modules", Some(key)) => Value::reference(key.text.clone(), true),
                    (owner, Some(key)) => Value::reference(
                        format!("{}.{}", owner.trim_end_matches(".__dict__"), key.text),
                        true,
                    ),
                    _ => Value::UNKNOWN,
                }
            }
            "builtins.vars" => match args.first() {
                None => Value::Namespace,
                Some(Value::Ref { name, .. }) => Value::reference(format!("{name}.__dict__"), true),
                Some(_) => Value::UNKNOWN,
            },
            "builtins.chr" => match args.first() {
                Some(Value::Int(i)) => u32::try_from(*i)
                    .ok()
                    .and_then(char::from_u32)
                    .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
                _ => Value::UNKNOWN,
            },
            "builtins.ord" => match &first_str {
                Some(s) if s.text.chars().count() == 1 => s
                    .text
                    .chars()
                    .next()
                    .map_or(Value::UNKNOWN, |c| Value::Int(i64::from(u32::from(c)))),
                _ => Value::UNKNOWN,
            },
            "builtins.str" | "builtins.repr" if args.len() == 1 => match &args[0] {
                Value::Str(s) => Value::Str(s.clone()),
                Value::Ref { name, .. } if name == "os.environ" => Value::Unknown(Taint::ENVIRON),
                other => Value::Unknown(other.taint()),
            },
            "builtins.str" if args.len() == 2 => match &args[0] {
                Value::Bytes { data, hidden } => {
                    Value::str(String::from_utf8_lossy(data).into_owned(), *hidden)
                }
                other => Value::Unknown(other.taint()),
            },
            "builtins.bytes" | "builtins.bytearray" => match args.first() {
                Some(Value::List(items)) => {
                    let data: Option<Vec<u8>> = items
                        .iter()
                        .map(|v| match v {
                            Value::Int(i) => u8::try_from(*i).ok(),
                            _ => None,
                        })
                        .collect();
                    data.map_or(Value::UNKNOWN, |data| Value::Bytes { data, hidden: true })
                }
                Some(Value::Str(s)) if !s.partial => Value::Bytes {
                    data: s.text.clone().into_bytes(),
                    hidden: s.hidden,
                },
                Some(other) => Value::Unknown(other.taint()),
                None => Value::UNKNOWN,
            },
            "builtins.bytes.fromhex"
            | "bytes.fromhex"
            | "builtins.bytearray.fromhex"
            | "bytearray.fromhex"
            | "binascii.unhexlify"
            | "binascii.a2b_hex"
            | "base64.b16decode" => self.decode_call(shown, args, line, decode::hex),
            "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.decodebytes"
            | "base64.decodestring"
            | "binascii.a2b_base64" => self.decode_call(shown, args, line, decode::base64),
            "base64.urlsafe_b64decode" => self.decode_call(shown, args, line, |t| {
                decode::base64(&t.replace('-', "+").replace('_', "/"))
            }),
            "base64.b32decode" => self.decode_call(shown, args, line, decode::base32),
            "codecs.decode" | "codecs.encode" => {
                let codec = args
                    .get(1)
                    .and_then(Value::as_str)
                    .map(|c| c.text.to_ascii_lowercase().replace(['-', '_'], ""));
                match codec.as_deref() {
                    Some("rot13") => match &first_str {
                        Some(s) => Value::str(decode::rot13(&s.text), true),
                        None => Value::Unknown(Taint::DECODED.union(arg_taint)),
                    },
                    Some("hex") => self.decode_call(shown, args, line, decode::hex),
                    Some("base64") => self.decode_call(shown, args, line, decode::base64),
                    _ => Value::Unknown(Taint::DECODED.union(arg_taint)),
                }
            }
            "base64.b85decode" | "base64.a85decode" | "zlib.decompress" | "lzma.decompress"
            | "bz2.decompress" | "gzip.decompress" | "marshal.loads" | "pickle.loads" => {
                Value::Unknown(Taint::DECODED.union(arg_taint))
            }
            "builtins.map" => match (args.first(), args.get(1)) {
                (Some(Value::Ref { name, .. }), Some(Value::List(items)))
                    if name == "builtins.chr" =>
                {
                    Value::List(
                        items
                            .iter()
                            .map(|v| match v {
                                Value::Int(i) => u32::try_from(*i)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
                                _ => Value::UNKNOWN,
                            })
                            .collect(),
                    )
                }
                _ => Value::Unknown(arg_taint),
            },
            "builtins.reversed" => match args.first() {
                Some(Value::List(items)) => Value::List(items.iter().rev().cloned().collect()),
                Some(Value::Str(s)) if !s.partial => Value::List(
                    s.text
                        .chars()
                        .rev()
                        .map(|c| Value::str(c.to_string(), true))
                        .collect(),
                ),
                _ => Value::Unknown(arg_taint),
            },
            "builtins.list" | "builtins.tuple" => match args.first() {
                Some(Value::List(items)) => Value::List(items.clone()),
                Some(Value::Str(s)) if !s.partial => Value::List(
                    s.text
                        .chars()
                        .map(|c| Value::str(c.to_string(), true))
                        .collect(),
                ),
                _ => Value::Unknown(arg_taint),
            },
            "builtins.int" => match (args.first(), args.get(1)) {
                (Some(Value::Int(i)), None) => Value::Int(*i),
                (Some(Value::Str(s)), base) if !s.partial => {
                    let radix = match base {
                        Some(Value::Int(b)) => u32::try_from(*b).unwrap_or(10),
                        _ => 10,
                    };
                    if !(2..=36).contains(&radix) {
                        return Value::UNKNOWN;
                    }
                    i64::from_str_radix(s.text.trim(), radix).map_or(Value::UNKNOWN, Value::Int)
                }
                _ => Value::UNKNOWN,
            },
            "builtins.dict" if matches!(args.first(), Some(Value::Ref { name, .. }) if name == "os.environ") => {
                Value::Unknown(Taint::ENVIRON)
            }
            "os.environ.copy" | "os.environ.items" | "os.environ.keys" | "os.environ.values" => {
                Value::Unknown(Taint::ENVIRON)
            }
            "os.getenv" | "os.environ.get" | "os.getenvb" => match &first_str {
                Some(key) => env_path(&key.text),
                None => Value::UNKNOWN,
            },
            "os.path.join" | "posixpath.join" | "ntpath.join" => {
                let mut text = String::new();
                let mut partial = false;
                for (i, arg) in args.iter().enumerate() {
                    let (t, _, p) = path_text(arg);
                    partial |= p;
                    text = if i == 0 { t } else { join_path(&text, &t) };
                    if text.len() > max {
                        return Value::UNKNOWN;
                    }
                }
                Value::Str(Folded {
                    text,
                    hidden: false,
                    partial,
                    taint: Taint::NONE,
                })
            }
            "os.path.dirname" | "posixpath.dirname" => match args.first() {
                Some(Value::Str(s)) => Value::Str(Folded {
                    text: dirname(&s.text),
                    ..s.clone()
                }),
                _ => Value::Unknown(arg_taint),
            },
            "os.path.abspath"
            | "os.path.realpath"
            | "os.path.normpath"
            | "os.path.expandvars"
            | "pathlib.Path"
            | "pathlib.PurePath"
            | "pathlib.PosixPath"
            | "pathlib.WindowsPath"
            | "Path"
            | "os.fspath"
            | "builtins.str.strip" => match args.first() {
                Some(Value::Str(s)) => {
                    let mut value = Value::Str(s.clone());
                    for extra in &args[1..] {
                        let (t, _, p) = path_text(extra);
                        if let Value::Str(f) = &mut value {
                            f.text = join_path(&f.text, &t);
                            f.partial |= p;
                        }
                    }
                    value
                }
                Some(other) if matches!(path_text(other).0.as_str(), PLUGINS_DIR | PROFILE_DIR) => {
                    Value::str(path_text(other).0, false)
                }
                _ => Value::Unknown(arg_taint),
            },
            "os.path.expanduser" => match args.first() {
                Some(Value::Str(s)) => Value::Str(s.clone()),
                _ => Value::UNKNOWN,
            },
            "pathlib.Path.home" | "Path.home" => Value::str("~", false),
            "pathlib.Path.cwd" | "os.getcwd" => Value::str("<cwd>", false),
            "tempfile.gettempdir" | "tempfile.mkdtemp" => Value::str("<tmp>", false),
            "site.getsitepackages" => Value::List(vec![Value::str("<site-packages>", false)]),
            "site.getusersitepackages"
            | "sysconfig.get_path"
            | "distutils.sysconfig.get_python_lib" => Value::str("<site-packages>", false),
            _ => {
                let tail = caps::tail(name);
                if tail == "qgisSettingsDirPath" {
                    Value::str(PROFILE_DIR, false)
                } else if matches!(tail, "pluginPath" | "home_plugin_path") {
                    Value::str(PLUGINS_DIR, false)
                } else if api.is_network() {
                    // A connection or request object keeps its name so that its sending
                    // methods are sinks (`smtplib.SMTP(host).sendmail(...)`);
                    // `create_connection` returns a socket.
                    let object = tail.starts_with(|c: char| c.is_ascii_uppercase());
                    if name == "socket.create_connection" {
                        Value::reference("socket.socket()", hidden)
                            .tainted(Taint::FETCHED.union(arg_taint))
                    } else if object {
                        Value::reference(format!("{name}()"), hidden)
                            .tainted(Taint::FETCHED.union(arg_taint))
                    } else {
                        Value::Unknown(Taint::FETCHED.union(arg_taint))
                    }
                } else if args
                    .iter()
                    .any(|a| matches!(a, Value::Ref { name, .. } if name == "os.environ"))
                {
                    Value::Unknown(Taint::ENVIRON)
                } else if !arg_taint.is_none()
                    && !tail.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    // Data flows through functions; a class built from it (`ZipFile(data)`)
                    // keeps its name so that its methods resolve.
                    Value::Unknown(arg_taint)
                } else {
                    Value::reference(format!("{name}()"), hidden).tainted(arg_taint)
                }
            }
        };
        if matches!(result, Value::Str(_)) {
            self.note_string(&result, line);
        }
        result
    }

    /// A decoding call: folded when its input is a constant within the limits; a long
    /// constant input that decodes to code or compressed data is an encoded payload.
    fn decode_call(
        &mut self,
        shown: &str,
        args: &[Value],
        line: u32,
        decoder: impl Fn(&str) -> Option<Vec<u8>>,
    ) -> Value {
        let input = match args.first() {
            Some(Value::Str(s)) if !s.partial => s.text.clone(),
            Some(Value::Bytes { data, .. }) => String::from_utf8_lossy(data).into_owned(),
            Some(other) => return Value::Unknown(Taint::DECODED.union(other.taint())),
            None => return Value::UNKNOWN,
        };
        let Some(data) = decoder(&input) else {
            return Value::Unknown(Taint::DECODED);
        };
        if input.len() >= self.limits.min_blob_chars && decode::looks_like_payload(&data) {
            self.add(
                Cap::EncodedBlob,
                line,
                format!("{shown} of a {}-character literal", input.len()),
            );
        }
        if data.len() > self.limits.max_folded_bytes {
            return Value::Unknown(Taint::DECODED);
        }
        Value::Bytes { data, hidden: true }
    }

    /// What names a file written or started, to match the two: the path when the resolver
    /// folded it whole, else the local variable holding it (`target` in `open(target, "wb")`
    /// and `ctypes.CDLL(target)`), which only matches within the same function (or through a
    /// call, see `link_parameters`), or the instance attribute (`self.target`), which matches
    /// across the methods of the file.
    fn file_key(&self, value: Option<&Value>, expr: Option<&'m Expr>) -> Option<String> {
        self.file_keys(value, expr).into_iter().next()
    }

    /// Every key of a file written or started: its folded path and the variable or attribute
    /// that holds it, so that a write named one way matches a start named the other
    /// (`p.write_bytes(...)` on a folded path, `Popen([p.as_posix()])`). None for a document.
    fn file_keys(&self, value: Option<&Value>, expr: Option<&'m Expr>) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some((path, _, partial)) = value.map(path_text) {
            // `os.path.join(tmp, "report.pdf")`: a document opened with its application.
            if is_document(&path) {
                return keys;
            }
            if !path.is_empty() && !partial && !path.contains('*') {
                keys.push(path);
            }
        }
        keys.extend(self.variable_key(expr));
        keys
    }

    /// The variable (`target`) or instance attribute (`self.target`) an expression names a
    /// file by.
    fn variable_key(&self, expr: Option<&'m Expr>) -> Option<String> {
        match expr.map(path_operand) {
            Some(Expr::Name(name)) => Some(local_key(name.id.as_str(), self.current)),
            // `self.tool`: the same attribute in every method of the file.
            Some(Expr::Attribute(attr)) => match attr.value.as_ref() {
                Expr::Name(base) if matches!(base.id.as_str(), "self" | "cls") => {
                    Some(format!("self.{}{VARIABLE_KEY}", attr.attr))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Follows file paths one call deeper between the functions of the file (one round; the
    /// caller repeats up to `max_link_depth`), so that a download written in one function and
    /// started in another matches; whether anything was added:
    /// - a function that writes or starts the file named by one of its parameters
    ///   (`def install(path): subprocess.Popen([path])`) does so, in each caller, for the
    ///   file its argument names (`install(tool)`);
    /// - a function that writes a file and returns it (`return tmp`) wrote, in each caller,
    ///   the variable assigned its result (`exe = fetch(url)`).
    fn link_parameters(&mut self, calls: &[LocalCall<'m>], results: &[LocalResult<'m>]) -> bool {
        let units = &self.facts.units;
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
        for (index, unit) in units.iter().enumerate().skip(1) {
            if !unit.started.is_empty() || !unit.binary_writes.is_empty() {
                by_name.entry(unit.name.as_str()).or_default().push(index);
            }
        }
        let mut started = Vec::new();
        let mut written = Vec::new();
        for call in calls {
            for &callee in by_name.get(call.callee).map_or(&[][..], Vec::as_slice) {
                let unit = &units[callee];
                let skip = usize::from(
                    call.method
                        && unit
                            .params
                            .first()
                            .is_some_and(|p| p == "self" || p == "cls"),
                );
                // The caller's key for the argument passed as the parameter a key names.
                let key_of = |key: &str| -> Option<String> {
                    let variable = local_of(key, callee)?;
                    let position = unit.params.iter().position(|p| p == variable)?;
                    call.keys
                        .get(position.checked_sub(skip)?)
                        .cloned()
                        .flatten()
                };
                for (key, line, shown) in &unit.started {
                    if let Some(key) = key_of(key) {
                        let shown = format!("{shown} in `{}`", unit.name);
                        started.push((call.caller, key, *line, shown));
                    }
                }
                for (key, line) in &unit.binary_writes {
                    if let Some(key) = key_of(key) {
                        written.push((call.caller, key, *line));
                    }
                }
            }
        }
        for result in results {
            for &callee in by_name.get(result.callee).map_or(&[][..], Vec::as_slice) {
                for (key, line) in &units[callee].binary_writes {
                    let returned = self
                        .returned
                        .iter()
                        .any(|(unit, returned)| *unit == callee && returned == key);
                    if returned {
                        written.push((
                            result.caller,
                            local_key(result.variable, result.caller),
                            *line,
                        ));
                    }
                }
            }
        }
        let mut added = false;
        for (caller, key, line, shown) in started {
            let unit = &mut self.facts.units[caller];
            if !unit.started.iter().any(|(k, l, _)| *k == key && *l == line) {
                added |= unit.note_started(key, line, shown);
            }
        }
        for (caller, key, line) in written {
            let unit = &mut self.facts.units[caller];
            if !unit
                .binary_writes
                .iter()
                .any(|(k, l)| *k == key && *l == line)
            {
                added |= unit.note_binary_write(key, line);
            }
        }
        added
    }

    fn note_binary_write(&mut self, value: Option<&Value>, expr: Option<&'m Expr>, line: u32) {
        for key in self.file_keys(value, expr) {
            self.facts.units[self.current].note_binary_write(key, line);
        }
    }

    fn note_started(&mut self, program: String, line: u32, shown: &str) {
        self.facts.units[self.current].note_started(program, line, shown.to_owned());
    }

    #[allow(clippy::too_many_arguments)]
    fn classify_call(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        plain: &str,
        hidden: bool,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
        arg_taint: Taint,
        api: &caps::Api,
    ) {
        let shown = Shown {
            plain,
            hidden_as: hidden.then(|| self.text(call.func.range())),
        };
        if caps::is_import_call(name) {
            let constant_target = args
                .first()
                .and_then(Value::as_str)
                .filter(|s| !s.partial)
                .map(|s| s.text.clone());
            match constant_target {
                Some(module) => self.facts.constant_imports.push(module),
                None => self.add(
                    Cap::DynamicLoad,
                    line,
                    format!("{shown} of a computed name"),
                ),
            }
        }
        if api.runs_code() || caps::is_loader_call(name) {
            self.add(Cap::DynamicLoad, line, shown.to_string());
        }
        // Unpickling runs code chosen by whoever wrote the bytes: data from the network makes it
        // download-and-run.
        if matches!(
            plain,
            "pickle.loads"
                | "pickle.load"
                | "cPickle.loads"
                | "dill.loads"
                | "cloudpickle.loads"
                | "joblib.load"
                | "marshal.loads"
        ) && arg_taint.has(Taint::FETCHED)
        {
            self.add(
                Cap::FetchedExec,
                line,
                format!("{shown} of data read from the network"),
            );
        }
        if api.runs_code() {
            self.add(Cap::CodeExec, line, shown.to_string());
            // What runs is the first argument (the others are names, globals, file names).
            let code = args.first();
            let code_taint = code.map_or(Taint::NONE, Value::taint);
            if code_taint.has(Taint::DECODED) || code.is_some_and(Value::is_hidden) {
                self.add(Cap::DecodedExec, line, format!("{shown} of decoded data"));
            }
            if code_taint.has(Taint::FETCHED) {
                self.add(
                    Cap::FetchedExec,
                    line,
                    format!("{shown} of data read from the network"),
                );
            }
            if code_taint.has(Taint::PLUGIN_DATA) {
                let from = match &self.last_data_read {
                    Some((file, read)) => format!(" ({file}, read at line {read})"),
                    None => String::new(),
                };
                self.add(
                    Cap::DecodedExec,
                    line,
                    format!("{shown} of bytes read from a data file of the plugin{from}"),
                );
            }
        }
        if hidden && caps::is_dangerous(name) {
            self.add(Cap::HiddenCall, line, shown.to_string());
        }
        if caps::is_native_load(name) {
            self.add(Cap::NativeLoad, line, shown.to_string());
            if arg_taint.has(Taint::FETCHED) || arg_taint.has(Taint::DECODED) {
                self.add(Cap::DecodedExec, line, format!("{shown} of decoded data"));
            }
            // A library loaded from a file the code wrote runs that file's code.
            for key in self.file_keys(args.first(), call.arguments.args.first()) {
                self.note_started(key, line, &shown.to_string());
            }
        }
        if caps::is_process_exec(name) {
            self.add(Cap::ProcessExec, line, shown.to_string());
            let mut words: Vec<String> = Vec::new();
            for arg in args {
                match arg {
                    Value::Str(s) => words.extend(s.text.split_whitespace().map(str::to_owned)),
                    Value::List(items) => {
                        for item in items {
                            if let Value::Str(s) = item {
                                words.push(s.text.clone());
                            } else if let Value::Ref { name, .. } = item {
                                words.push(name.clone());
                            }
                        }
                    }
                    Value::Ref { name, .. } => words.push(name.clone()),
                    _ => words.push("*".to_owned()),
                }
            }
            let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
            let has = |w: &str| {
                lower
                    .iter()
                    .any(|x| x == w || x.ends_with(&format!("/{w}")))
            };
            let command = lower.join(" ");
            if (has("pip") || has("pip3") || command.contains("-m pip") || has("pip.exe"))
                && has("install")
            {
                self.add(
                    Cap::PackageInstall,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            // The program: the command's first word, or the file in a variable
            // (`subprocess.call(target)`, `Popen([target, ...])`).
            let first_value = match args.first() {
                Some(Value::List(items)) => items.first(),
                other => other,
            };
            let first_expr = match call.arguments.args.first() {
                Some(Expr::List(list)) => list.elts.first(),
                Some(Expr::Tuple(tuple)) => tuple.elts.first(),
                other => other,
            };
            let program = match first_value {
                Some(Value::Str(s)) => s
                    .text
                    .split_whitespace()
                    .next()
                    .filter(|w| !w.contains('*'))
                    .map(str::to_owned),
                // A program by its name (`os.system(GDAL_TRANSLATE)`), not a call's result
                // (`tempfile.mktemp()`), which the variable names better.
                Some(Value::Ref { name, .. }) if !name.contains("()") => Some(name.clone()),
                _ => None,
            };
            // A document opened with its application is not a program, whatever holds it.
            if !program.as_deref().is_some_and(is_document) {
                let variable = self.variable_key(first_expr);
                for program in program.into_iter().chain(variable) {
                    self.note_started(program, line, &shown.to_string());
                }
            }
            // Shell one-liners that download and run in one go (`curl ... | sh`, PowerShell's
            // DownloadString | iex) and PowerShell's encoded commands.
            let fetches = [
                "curl ",
                "wget ",
                "invoke-webrequest",
                "iwr ",
                "downloadstring",
                "downloadfile",
                "certutil -urlcache",
                "bitsadmin",
            ]
            .iter()
            .any(|s| command.contains(s));
            let runs = [
                "| sh",
                "|sh",
                "| bash",
                "|bash",
                "| python",
                "|python",
                "iex",
                "invoke-expression",
                "chmod +x",
                "start-process",
                "&& ./",
                "; ./",
            ]
            .iter()
            .any(|s| command.contains(s));
            if fetches && runs {
                self.add(
                    Cap::FetchedExec,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            if command.contains("powershell")
                && [" -enc", " -e ", " -encodedcommand", " -ec "]
                    .iter()
                    .any(|s| command.contains(s))
            {
                self.add(
                    Cap::DecodedExec,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let reverse_shell = [
                "/dev/tcp/",
                "nc -e",
                "ncat -e",
                "nc.exe -e",
                "socat exec",
                "socat tcp",
            ]
            .iter()
            .any(|s| command.contains(s));
            if reverse_shell {
                self.add(Cap::Socket, line, format!("{shown}: {}", clip(&command)));
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let program = lower.first().map(String::as_str).unwrap_or("*");
            let program = if program == "sys.executable" {
                "python"
            } else {
                program
            };
            // A command-line network client (curl, wget, nc, ssh, nslookup, ...: the sinks
            // catalogue's `path:` rows): its arguments leave the machine.
            let client = Catalogue::builtin().path(program).iter().any(|e| {
                matches!(
                    e.kind,
                    validator_api_catalogue::Kind::Sink(
                        validator_api_catalogue::SinkKind::Network
                            | validator_api_catalogue::SinkKind::Dns
                    )
                )
            });
            if client {
                self.facts.flow.note_sink(flow::Sink {
                    unit: self.current,
                    taint: arg_taint,
                    line,
                    what: format!("{shown}: {}", clip(&command)),
                });
            }
            if !caps::is_gis_tool(program) || name.ends_with("startfile") {
                self.add(
                    Cap::ProcessExecOther,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            if let Some(target) = caps::persistence_target(&command) {
                self.add(
                    Cap::PersistWrite,
                    line,
                    format!("{shown}: {} ({target})", clip(&command)),
                );
            }
            if has("chmod") && command.contains("+x") {
                self.add(
                    Cap::MakeExecutable,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            if ["/bin/sh", "/bin/bash", "cmd.exe", "powershell", "/bin/zsh"]
                .iter()
                .any(|s| command.contains(s))
                || has("sh") && has("-i")
                || name == "pty.spawn"
            {
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let fileno = keywords.iter().any(|(k, v)| {
                matches!(k, Some("stdin" | "stdout" | "stderr"))
                    && matches!(v, Value::Ref { name, .. } if name.ends_with("fileno()"))
            });
            if fileno {
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown} with a socket as stdin/stdout"),
                );
            }
        }
        if matches!(
            name,
            "pip.main"
                | "pip._internal.main"
                | "pip._internal.cli.main.main"
                | "pip._internal.main.main"
        ) {
            self.add(Cap::PackageInstall, line, shown.to_string());
        }
        if api.carries_data_out() {
            self.facts.flow.note_sink(flow::Sink {
                unit: self.current,
                taint: arg_taint,
                line,
                what: shown.to_string(),
            });
        }
        if api.is_network() {
            self.add(Cap::Network, line, shown.to_string());
            let env = args.iter().chain(keywords.iter().map(|(_, v)| v)).any(|v| {
                v.taint().has(Taint::ENVIRON)
                    || matches!(v, Value::Ref { name, .. } if name == "os.environ")
            });
            if env {
                self.add(
                    Cap::EnvToNetwork,
                    line,
                    format!("{shown} with the environment"),
                );
            }
            if caps::is_download_to_file(plain) {
                self.add(Cap::Download, line, shown.to_string());
                // The file it saves to (`urlretrieve(url, filename)`,
                // `QgsFileDownloader(url, outputFileName)`, `wget.download(url, out)`).
                let target = call
                    .arguments
                    .args
                    .get(1)
                    .map(|e| (args.get(1), e))
                    .or_else(|| {
                        call.arguments
                            .keywords
                            .iter()
                            .zip(keywords)
                            .find(|(_, (k, _))| {
                                matches!(k, Some("filename" | "outputFileName" | "out"))
                            })
                            .map(|(k, (_, v))| (Some(v), &k.value))
                    });
                if let Some((value, expr)) = target {
                    self.note_binary_write(value, Some(expr), line);
                }
            }
        }
        // Only onto the standard streams (0, 1, 2) does dup2 attach something to a process's
        // input and output; event-loop tests swap socket descriptors among themselves.
        if name == "os.dup2" && matches!(args.get(1), Some(Value::Int(0..=2))) {
            self.add(Cap::ShellAttach, line, shown.to_string());
        }
        if name.starts_with("socket.socket") && !name.contains(").")
            || name == "socket.create_connection"
        {
            self.add(Cap::Socket, line, shown.to_string());
        }
        if caps::input_capture(plain) {
            self.add(Cap::InputCapture, line, shown.to_string());
        }
        if caps::keyboard_hook(plain) {
            self.add(Cap::KeyboardHook, line, shown.to_string());
        }
        // `QScreen.grabWindow(0)`, `QPixmap.grabWindow(QApplication.desktop().winId())`: the
        // whole desktop, not the plugin's own widget (`canvas.grab()`).
        if caps::tail(name) == "grabWindow" {
            let desktop = match args.first() {
                None | Some(Value::Int(0)) => true,
                Some(Value::Ref { name, .. }) => name.contains("desktop"),
                _ => false,
            };
            if desktop {
                self.add(Cap::ScreenGrab, line, shown.to_string());
            }
        }
        if let Some(what) = caps::credential_call(name) {
            self.add(Cap::Credential, line, format!("{shown} ({what})"));
        }
        // Other programs' secret stores read whole (wallets, DPAPI, every browser cookie); a
        // secret asked for by service name is the plugin's own login (a keyring password).
        if let Some((validator_api_catalogue::SourceKind::SecretStore, entry)) = api.source {
            let by_name = entry.args.iter().any(|a| {
                matches!(
                    a.role,
                    validator_api_catalogue::Role::Key | validator_api_catalogue::Role::Host
                )
            });
            if !by_name {
                self.add(
                    Cap::Credential,
                    line,
                    format!("{shown} ({})", caps::entry_text(entry)),
                );
            }
        }
        let tail = caps::tail(name);
        if tail == "value" || tail == "setValue" {
            if let Some(key) = args.first().and_then(Value::loose_str) {
                if tail == "value" && caps::settings_password_key(key) {
                    self.add(
                        Cap::Credential,
                        line,
                        format!("{shown}({key:?}) (a saved QGIS password)"),
                    );
                }
                if tail == "setValue" && name.contains("Settings") {
                    let key = match self.settings_group.as_deref() {
                        Some(group) if !group.is_empty() => format!("{group}/{key}"),
                        _ => key.to_owned(),
                    };
                    self.note_settings_write(&key, line, &shown.to_string());
                }
            }
        }
        // A constant written over what the user copied (a clipboard hijacker's address), not a
        // copy of the plugin's data.
        let constant = args
            .first()
            .and_then(Value::as_str)
            .is_some_and(|s| !s.text.trim().is_empty());
        if api.sink == Some(validator_api_catalogue::SinkKind::Clipboard) && constant {
            self.add(Cap::ClipboardWrite, line, shown.to_string());
        }
        if api.sink == Some(validator_api_catalogue::SinkKind::Unpickle) {
            self.add(Cap::Unpickle, line, shown.to_string());
        }
        if api.runner == Some(validator_api_catalogue::RunnerKind::Hook)
            && caps::tail(name).starts_with("setRe")
        {
            self.facts.flow.request_hook = true;
        }
        if matches!(api.source, Some((SourceKind::Clipboard, _))) {
            self.add(Cap::ClipboardRead, line, shown.to_string());
        }
        // Enumerating the plugin's own settings group reads no password.
        if tail == "allKeys" && self.settings_group_may_hold_secrets() {
            self.all_keys.get_or_insert(line);
        }
        if contains_ignore_ascii_case(name, "pyarmor") || name.contains("pytransform") {
            self.add(Cap::PyArmor, line, shown.to_string());
        }
        // Writes.
        match name {
            "builtins.open" | "io.open" | "codecs.open" | "io.FileIO" => {
                let mode = args
                    .get(1)
                    .or_else(|| {
                        keywords
                            .iter()
                            .find(|(k, _)| *k == Some("mode"))
                            .map(|(_, v)| v)
                    })
                    .and_then(Value::as_str)
                    .map(|m| m.text.clone());
                if mode.as_deref().is_some_and(is_write_mode) {
                    let path = args.first().map(|a| path_text(a).0).unwrap_or_default();
                    if mode.as_deref().is_some_and(|m| m.contains('b')) {
                        self.note_binary_write(args.first(), call.arguments.args.first(), line);
                    }
                    self.note_write(&path, line, &shown.to_string());
                }
            }
            "shutil.copy"
            | "shutil.copy2"
            | "shutil.copyfile"
            | "shutil.copytree"
            | "shutil.move"
            | "os.rename"
            | "os.replace"
            | "os.symlink"
            | "os.link"
            | "distutils.dir_util.copy_tree" => {
                let path = args.get(1).map(|a| path_text(a).0).unwrap_or_default();
                self.note_write(&path, line, &shown.to_string());
            }
            "os.chmod" | "os.fchmod" | "os.lchmod" => {
                let source = call
                    .arguments
                    .args
                    .get(1)
                    .map(|a| self.text(a.range()))
                    .unwrap_or("");
                let exec_bits = matches!(args.get(1), Some(Value::Int(m)) if m & 0o111 != 0)
                    || ["S_IX", "S_IEXEC", "S_IRWXU", "S_IRWXG", "S_IRWXO"]
                        .iter()
                        .any(|s| source.contains(s));
                if exec_bits {
                    self.add(
                        Cap::MakeExecutable,
                        line,
                        format!("{shown}({})", clip(source)),
                    );
                }
            }
            "shutil.unpack_archive" => {
                let target = args.get(1).map(|a| path_text(a).0).unwrap_or_default();
                self.note_extract(&target, line, &shown.to_string());
            }
            _ => {
                if matches!(tail, "extractall" | "extract")
                    && (name.contains("ZipFile")
                        || name.contains("zipfile")
                        || name.contains("tarfile")
                        || name.contains("TarFile"))
                {
                    let target = args
                        .first()
                        .or_else(|| {
                            keywords
                                .iter()
                                .find(|(k, _)| *k == Some("path"))
                                .map(|(_, v)| v)
                        })
                        .map(|a| path_text(a).0)
                        .unwrap_or_default();
                    self.note_extract(&target, line, &shown.to_string());
                }
                if name.starts_with("winreg.")
                    || name.starts_with("_winreg.")
                    || name.starts_with("win32api.Reg")
                {
                    if matches!(
                        tail,
                        "SetValueEx" | "SetValue" | "CreateKey" | "CreateKeyEx" | "RegSetValueEx"
                    ) {
                        self.add(Cap::RegistryWrite, line, shown.to_string());
                        // A value written under a key opened on an auto-start place.
                        if args
                            .first()
                            .is_some_and(|k| k.taint().has(Taint::AUTOSTART))
                        {
                            self.add(
                                Cap::PersistWrite,
                                line,
                                format!("{shown} under an auto-start key"),
                            );
                        }
                    }
                    for arg in args {
                        if let Some(key) = arg.loose_str() {
                            if let Some(target) = caps::persistence_target(&key.to_lowercase()) {
                                self.add(
                                    Cap::PersistTarget,
                                    line,
                                    format!("{shown}({:?}) ({target})", clip(key)),
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn note_write(&mut self, path: &str, line: u32, shown: &str) {
        let what = if path.is_empty() {
            shown.to_owned()
        } else {
            format!("{shown}({})", clip(path))
        };
        self.add(Cap::Write, line, what.clone());
        if path.is_empty() || path.contains('*') {
            self.add(Cap::WriteUnknownPath, line, what.clone());
        }
        if let Some(target) = caps::persistence_target(&path.to_lowercase()) {
            self.add(Cap::PersistWrite, line, format!("{what}: {target}"));
        }
        if !path.is_empty() {
            let system = Catalogue::builtin().path(path).iter().find(|e| {
                e.kind
                    == validator_api_catalogue::Kind::Sink(
                        validator_api_catalogue::SinkKind::SystemFile,
                    )
            });
            if let Some(entry) = system {
                self.add(
                    Cap::SecurityTamper,
                    line,
                    format!("{what}: {}", caps::entry_text(entry)),
                );
            }
        }
        if self.other_plugin_path(path) {
            self.add(Cap::PluginsDirWrite, line, what.clone());
        }
        if self.own_path(path) && path.to_ascii_lowercase().ends_with(".py") {
            self.add(Cap::OwnDirWrite, line, what);
        }
    }

    fn note_extract(&mut self, target: &str, line: u32, shown: &str) {
        let what = if target.is_empty() {
            shown.to_owned()
        } else {
            format!("{shown} into {}", clip(target))
        };
        self.add(Cap::Extract, line, what.clone());
        let normalised = target.replace('\\', "/");
        let plugins_folder = normalised.trim_end_matches('/') == PLUGINS_DIR
            || normalised.trim_end_matches('/').ends_with("python/plugins");
        if plugins_folder || self.own_path(target) {
            // Over the plugins folder itself (replacing a plugin by its archive's top folder)
            // or over its own folder: an update that bypasses the repository.
            self.add(Cap::OwnDirWrite, line, what);
        } else if self.other_plugin_path(target) {
            self.add(Cap::PluginsDirWrite, line, what);
        }
    }

    /// A path in the plugins folder (the plugin's own files, or another plugin's code): never
    /// someone's credential store.
    fn plugin_path(&self, path: &str) -> bool {
        path.starts_with(PLUGINS_DIR) || self.own_path(path)
    }

    /// A path inside this plugin's own folder.
    fn own_path(&self, path: &str) -> bool {
        let path = path.replace('\\', "/");
        path == self.own_dir || path.starts_with(&format!("{}/", self.own_dir))
    }

    /// A path inside another plugin's folder (a folder of the plugins folder other than ours,
    /// or one the resolver could not name).
    fn other_plugin_path(&self, path: &str) -> bool {
        let lower = path.replace('\\', "/");
        let rest = if let Some(rest) = lower.strip_prefix(&format!("{PLUGINS_DIR}/")) {
            rest
        } else if let Some(at) = lower.to_ascii_lowercase().find("python/plugins/") {
            &lower[at + "python/plugins/".len()..]
        } else {
            return false;
        };
        let folder = rest.split('/').next().unwrap_or("");
        let own = self.own_dir.rsplit('/').next().unwrap_or("");
        !folder.is_empty() && folder != own
    }

    fn note_string(&mut self, value: &Value, line: u32) {
        let Value::Str(folded) = value else { return };
        if folded.text.len() > self.limits.max_classified_string_bytes
            || !caps::may_be_interesting(&folded.text)
        {
            return;
        }
        let lower = folded.text.to_lowercase();
        // Only what looks like a path names a store here (`"cookies"` alone is a dict key).
        let credential = if folded.text.contains(['/', '\\']) && !self.plugin_path(&folded.text) {
            caps::credential_path(&folded.text, false)
        } else {
            None
        };
        if let Some(what) = credential {
            self.add(
                Cap::Credential,
                line,
                format!("{:?} ({what})", clip(&folded.text)),
            );
        }
        if let Some(what) = caps::persistence_target(&lower) {
            self.add(
                Cap::PersistTarget,
                line,
                format!("{:?} ({what})", clip(&folded.text)),
            );
        }
        if lower.contains("password") || lower.contains("passwd") {
            self.password_string = true;
        }
        if let Some(host) = caps::url_host(&folded.text) {
            if !self
                .facts
                .hosts
                .iter()
                .any(|(h, l)| *h == host && *l == line)
            {
                self.facts.hosts.push((host, line));
            }
        }
    }
}

/// The prefix of the value `operator.attrgetter(NAME)` folds to.
const ATTRGETTER: &str = "operator.attrgetter:";

/// The prefix of the value `operator.methodcaller(NAME)` folds to.
const METHODCALLER: &str = "operator.methodcaller:";

/// How evidence names a call: its plain name, and the source it was hidden as. Formatted only
/// when evidence is recorded, which most calls never are.
#[derive(Clone, Copy)]
struct Shown<'a> {
    plain: &'a str,
    hidden_as: Option<&'a str>,
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.plain)?;
        if let Some(source) = self.hidden_as {
            let source: String = source.chars().take(80).collect();
            write!(f, " (hidden as `{source}`)")?;
        }
        Ok(())
    }
}

fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A value stored where it outlives the current function (an instance attribute): the
/// function's parameters mean nothing elsewhere.
fn outliving(value: Value) -> Value {
    match value {
        Value::Unknown(taint) => Value::Unknown(taint.without_params()),
        Value::Ref {
            name,
            hidden,
            taint,
        } => Value::Ref {
            name,
            hidden,
            taint: taint.without_params(),
        },
        Value::List(items) => Value::List(items.into_iter().map(outliving).collect()),
        other => other,
    }
}

fn hide(value: Value) -> Value {
    match value {
        Value::Ref { name, taint, .. } => Value::Ref {
            name,
            hidden: true,
            taint,
        },
        other => other,
    }
}

fn is_identifier_like(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn is_write_mode(mode: &str) -> bool {
    mode.contains(['w', 'a', 'x', '+'])
}

fn clip(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// Separates a variable's name from its function's index in a file key (see
/// [`Analyser::file_key`]); no path contains it.
pub const VARIABLE_KEY: &str = "\u{0}@";

/// The file key of local `variable` of unit `unit`.
fn local_key(variable: &str, unit: usize) -> String {
    format!("{variable}{VARIABLE_KEY}{unit}")
}

/// The variable a file key names when it is a local of unit `unit`.
fn local_of(key: &str, unit: usize) -> Option<&str> {
    let (variable, owner) = key.split_once(VARIABLE_KEY)?;
    (owner.parse::<usize>().ok() == Some(unit)).then_some(variable)
}

/// Files written in binary and programs started kept per function (evidence, not a budget).
const MAX_FILE_KEYS: usize = 16;

/// The methods [`Analyser::unknown_path_method`] reads on a receiver the resolver could not
/// fold; a call of any other method of it is only followed for taint.
const UNFOLDED_PATH_METHODS: &[&str] = &["write_bytes", "write_text", "chmod"];

/// The path inside conversions that keep it (`str(p)`, `os.fspath(p)`, `Path(p)`,
/// `os.path.abspath(p)`, `p.resolve()`): what names the file is `p`.
fn path_operand(expr: &Expr) -> &Expr {
    let mut expr = expr;
    for _ in 0..8 {
        let Expr::Call(call) = expr else { break };
        let args = &call.arguments.args;
        let inner = match (
            call.func.as_ref(),
            args.len(),
            call.arguments.keywords.is_empty(),
        ) {
            (Expr::Name(f), 1, true)
                if matches!(f.id.as_str(), "str" | "Path" | "PurePath" | "fspath") =>
            {
                &args[0]
            }
            (Expr::Attribute(f), 1, true)
                if matches!(
                    f.attr.as_str(),
                    "fspath" | "abspath" | "realpath" | "normpath" | "Path" | "PurePath"
                ) =>
            {
                &args[0]
            }
            (Expr::Attribute(f), 0, true)
                if matches!(f.attr.as_str(), "resolve" | "absolute" | "as_posix") =>
            {
                f.value.as_ref()
            }
            _ => break,
        };
        expr = inner;
    }
    // `f.name` of a file object `f` (a temporary file) names the same file as `f`.
    if let Expr::Attribute(attr) = expr {
        if attr.attr.as_str() == "name" && matches!(attr.value.as_ref(), Expr::Name(_)) {
            return attr.value.as_ref();
        }
    }
    expr
}

/// Whether a path names a document or data file by its extension (what a plugin opens with
/// the user's application after downloading it), not a program or a library.
fn is_document(path: &str) -> bool {
    const DOCUMENTS: &[&str] = &[
        "pdf", "html", "htm", "csv", "txt", "json", "xml", "png", "jpg", "jpeg", "gif", "svg",
        "tif", "tiff", "qgs", "qgz", "gpkg", "shp", "geojson", "kml", "kmz", "xlsx", "xls", "docx",
        "odt", "ods", "md", "zip",
    ];
    path.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .is_some_and(|ext| DOCUMENTS.contains(&ext.as_str()))
}

/// A file key as shown to approvers: the path, or the variable that holds it.
pub fn shown_file(key: &str) -> String {
    match key.split_once(VARIABLE_KEY) {
        Some((variable, _)) => format!("the file in `{variable}`"),
        None => key.to_owned(),
    }
}

/// The text of a value used as a path (`*` for unknown parts).
fn path_text(value: &Value) -> (String, bool, bool) {
    match value {
        Value::Ref { name, .. }
            if name.ends_with("home_plugin_path") || name.ends_with("plugin_paths") =>
        {
            (PLUGINS_DIR.to_owned(), false, false)
        }
        Value::Ref { name, .. }
            if [
                "sys.prefix",
                "sys.exec_prefix",
                "sys.base_prefix",
                "sys.path",
            ]
            .iter()
            .any(|p| name.starts_with(p)) =>
        {
            ("<site-packages>".to_owned(), false, false)
        }
        other => other.text_or_star(),
    }
}

/// The directory of a path, knowing the placeholders: the plugin's folder is in the plugins
/// folder, which is in the profile's `python` folder.
fn dirname(path: &str) -> String {
    if path == PLUGINS_DIR {
        return format!("{PROFILE_DIR}/python");
    }
    let trimmed = path.trim_end_matches(['/', '\\']);
    match trimmed.rfind(['/', '\\']) {
        Some(i) => trimmed[..i].to_owned(),
        None => String::new(),
    }
}

fn join_path(base: &str, part: &str) -> String {
    if part == ".." {
        return dirname(base);
    }
    if part.starts_with('/') || base.is_empty() {
        return part.to_owned();
    }
    if base.ends_with(['/', '\\']) {
        format!("{base}{part}")
    } else {
        format!("{base}/{part}")
    }
}

/// `os.environ["HOME"]` and friends as paths.
fn env_path(key: &str) -> Value {
    match key {
        "HOME" | "USERPROFILE" => Value::str("~", false),
        "APPDATA" => Value::str("~/AppData/Roaming", false),
        "LOCALAPPDATA" => Value::str("~/AppData/Local", false),
        _ => Value::UNKNOWN,
    }
}

fn percent_format(format: &str, args: &[Value], max: usize) -> Value {
    let mut out = String::new();
    let mut partial = false;
    let mut next = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'r' | 'd' | 'i') => {
                let (t, _, p) = next
                    .next()
                    .map_or(("*".to_owned(), false, true), Value::text_or_star);
                out.push_str(&t);
                partial |= p;
            }
            Some('c') => match next.next() {
                Some(Value::Int(i)) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => return Value::UNKNOWN,
                },
                Some(Value::Str(s)) => out.push_str(&s.text),
                _ => return Value::UNKNOWN,
            },
            _ => return Value::UNKNOWN,
        }
        if out.len() > max {
            return Value::UNKNOWN;
        }
    }
    Value::Str(Folded {
        text: out,
        hidden: !partial,
        partial,
        taint: Taint::NONE,
    })
}

fn brace_format(format: &str, args: &[Value], max: usize) -> Value {
    let mut out = String::new();
    let mut partial = false;
    let mut auto = 0usize;
    let mut rest = format;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Value::UNKNOWN;
        }
        let Some(close) = tail.find('}') else {
            return Value::UNKNOWN;
        };
        let field = &tail[1..close];
        let field = field.split([':', '!']).next().unwrap_or("");
        let index = if field.is_empty() {
            auto += 1;
            Some(auto - 1)
        } else {
            field.parse::<usize>().ok()
        };
        let (t, _, p) = index
            .and_then(|i| args.get(i))
            .map_or(("*".to_owned(), false, true), Value::text_or_star);
        out.push_str(&t);
        partial |= p;
        rest = &tail[close + 1..];
        if out.len() > max {
            return Value::UNKNOWN;
        }
    }
    out.push_str(rest);
    Value::Str(Folded {
        text: out,
        hidden: !partial,
        partial,
        taint: Taint::NONE,
    })
}
