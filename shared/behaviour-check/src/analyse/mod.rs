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

mod bootstrap;
mod call_refs;
mod called_name;
mod calls;
mod classify;
mod code_run;
mod expressions;
mod files;
mod helpers;
mod instances;
mod pin;
mod replacement;
mod settings;
mod signals;
mod sources;
mod statements;
mod tls;
use called_name::CalledName;
use helpers::*;
pub use helpers::{shown_file, VARIABLE_KEY};
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
    /// Files handed to the OS's default handler (`os.startfile(path)` with no verb) whose type
    /// is not known to be a program, by the call's line: an installer package (the OS shows
    /// its installer, which the user confirms) or a name the resolver could not fold.
    pub opened: Vec<(u32, OpenedType)>,
    /// The line where the file creates a logging handler that sends records over the
    /// network (the sinks catalogue's `logging.handlers` rows): other modules' logging
    /// calls are sinks then (`flow::logged_flow`).
    pub network_log_handler: Option<u32>,
    /// Lines of binary writes whose folded target names a program (no extension, `.exe`):
    /// opening such a file with the OS's default handler runs it.
    pub program_writes: Vec<u32>,
    /// Every write over the plugin's own folder (BHV102's evidence), by line, with the
    /// subfolder of the plugin an archive is extracted into (`data` for
    /// `<plugins-dir>/<plugin>/data`); `None` for code written or the plugin's top folder.
    pub own_writes: Vec<(u32, Option<String>)>,
    /// The unvetted sources of its pip installs (BHV101): a package's URL, `None` for other
    /// sources (another index, an archive outside the plugin, a name read at run time).
    pub unvetted_installs: Vec<Option<String>>,
    /// Code a call runs given as a readable literal (`exec("import os\nos.system(...)")`), by
    /// the call's line: read as a file of its own, its findings reported at the call
    /// (`max_exec_literal_bytes`, `max_exec_literals`).
    pub exec_literals: Vec<ExecLiteral>,
    /// Calls of another module's function of the plugin with data from the network or decoded
    /// data as a positional argument: `(line, function, bits of network arguments, bits of
    /// decoded ones)`, matched across modules with the functions that run a parameter.
    pub code_handoffs: Vec<(u32, String, u8, u8)>,
    /// Calls of another module's function of the plugin with a credential, a typed password
    /// or the whole environment as a positional argument: `(line, function, the taint of each
    /// argument)`, matched across modules with the functions that send a parameter.
    pub secret_handoffs: Vec<(u32, String, Vec<Taint>)>,
}

/// Readable code a call runs, with the names of the running file it uses.
#[derive(Debug)]
pub struct ExecLiteral {
    /// The line of the call that runs it.
    pub line: u32,
    pub code: String,
    /// What the names the code uses are bound to where it runs (`exec(code)` runs in the
    /// caller's globals and locals: `import subprocess as sp` then `exec("sp.call(...)")`);
    /// empty when the code runs in a namespace of its own (project macros, `exec(code, {})`).
    pub bindings: Vec<(String, Value)>,
}

/// What a file opened with the OS's default handler is, as far as its folded name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedType {
    /// `.msi`, `.pkg`, `.deb`, ...: the OS opens its installer, which asks the user.
    InstallerPackage,
    /// The name (or its extension) was not folded.
    Unknown,
}

impl OpenedType {
    pub fn describe(self) -> &'static str {
        match self {
            Self::InstallerPackage => {
                "an installer package, which the OS opens in its installer for the user to confirm"
            }
            Self::Unknown => "a file whose name the validator could not fold",
        }
    }
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
    analyse_with_forms(module, path, limits, &HashSet::default())
}

/// [`analyse`], knowing the password fields of the plugin's Designer forms by object name
/// (`ui::password_widgets`).
pub fn analyse_with_forms(
    module: &PythonModule,
    path: &str,
    limits: &BehaviourLimits,
    form_passwords: &HashSet<String>,
) -> FileFacts {
    analyse_in(module, path, limits, form_passwords, Vec::new())
}

/// [`analyse_with_forms`] of code run by another file's `exec`, its names first bound as they
/// are where it runs ([`ExecLiteral::bindings`]).
pub fn analyse_in(
    module: &PythonModule,
    path: &str,
    limits: &BehaviourLimits,
    form_passwords: &HashSet<String>,
    bindings: Vec<(String, Value)>,
) -> FileFacts {
    let Some(syntax) = module.syntax() else {
        return FileFacts::default();
    };
    let top = path.split('/').next().unwrap_or("").to_owned();
    let mut analyser = Analyser {
        top_dot: format!("{top}."),
        top: top.clone(),
        function_index: HashMap::default(),
        tainted_files: HashSet::default(),
        settings_group: None,
        password_widgets: HashSet::default(),
        password_fields: HashSet::default(),
        form_passwords,
        last_data_read: None,
        own_file: format!("{PLUGINS_DIR}/{path}"),
        own_dir: format!("{PLUGINS_DIR}/{top}"),
        module,
        limits,
        globals: bindings.into_iter().collect(),
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
        def_names: def_names(&syntax.body),
        pinned: Vec::new(),
        bootstraps: Vec::new(),
        signal_slots: Vec::new(),
        signal_emits: Vec::new(),
        object_hosts: HashMap::default(),
        backing: HashMap::default(),
        inlining: 0,
        credential_returns: HashMap::default(),
        settings_nodes: HashMap::default(),
        unrolling: 0,
        returned_by_function: HashMap::default(),
        returned_strings: HashMap::default(),
        trace_hook: std::cell::OnceCell::new(),
        env_credential_reads: HashMap::default(),
        replacement: None,
        network_log_handler: false,
        defined_functions: HashMap::default(),
        weakened_tls: HashMap::default(),
        init_classes: HashMap::default(),
        method_bases: HashMap::default(),
        class_bases: Vec::new(),
        init_class_now: None,
        attr_params: Vec::new(),
        constructor_calls: Vec::new(),
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
    analyser.link_signals();
    analyser.link_constructor_attributes();
    analyser.keep_function_refs();
    analyser.facts.flow.password_string = analyser.password_string;
    let mut functions: Vec<(usize, &str)> = analyser
        .function_index
        .iter()
        .map(|(name, index)| (*index, *name))
        .collect();
    functions.sort_unstable();
    let mut functions: Vec<String> = functions.into_iter().map(|(_, n)| n.to_owned()).collect();
    analyser.name_constructor_attributes(&mut functions);
    analyser.facts.flow.functions = functions;
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
    /// `top` and a dot: the prefix of the plugin's own modules' names.
    top_dot: String,
    /// Each function of the file by name, numbered in the order they are defined (the flow
    /// engine's "result of function `f`").
    function_index: HashMap<&'m str, usize>,
    /// File keys of files that hold a credential (a credential store copied, auth
    /// configurations exported).
    tainted_files: HashSet<String>,
    /// The settings group the current function entered (`beginGroup`).
    settings_group: Option<String>,
    /// Widgets of the plugin's dialogs set to hide what is typed (`setEchoMode(Password)`), by
    /// their source text (`self.dlg.secret`).
    password_widgets: HashSet<String>,
    /// Wizard fields registered on such widgets (`registerField("secret*", widget)`).
    password_fields: HashSet<String>,
    /// The password fields of the plugin's Designer forms, by object name.
    form_passwords: &'m HashSet<String>,
    /// The last data file of the plugin read, with its line (evidence for a payload).
    last_data_read: Option<(String, u32)>,
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
    /// Per unit, the identifiers it mentions that name a function defined somewhere in the
    /// file ([`def_names`]); those defined by the end become `Unit::refs`.
    mentions: Vec<HashSet<&'m str>>,
    /// Every name a `def` of the file gives, at any depth: what `mentions` keeps (most
    /// identifiers are not functions of the file, and keeping each was a set insert).
    def_names: HashSet<&'m str>,
    /// Data pinned by a digest compared with a constant (`pin::note_hash_pin`): the unit, the
    /// source text of the data hashed, and the lines where the comparison guards it.
    pinned: Vec<(usize, &'m str, u32, u32)>,
    /// Handlers of a failed import that import the module again (`bootstrap`): the unit and
    /// the lines from the handler's start up to that import.
    bootstraps: Vec<(usize, u32, u32)>,
    /// Calls to those functions with variables as arguments.
    local_calls: Vec<LocalCall<'m>>,
    /// Variables assigned what those functions return.
    local_results: Vec<LocalResult<'m>>,
    /// The file keys each unit returns (`return path`), by unit.
    returned: Vec<(usize, String)>,
    /// Qt signals connected to functions of the file: `(signal, slot, slot is a method)`.
    signal_slots: Vec<(&'m str, &'m str, bool)>,
    /// Qt signals emitted: `(signal, unit, taint of each argument, line)`; each reaches the
    /// slots connected to the signal of that name as a call.
    signal_emits: Vec<(&'m str, usize, Vec<Taint>, u32)>,
    /// The host a connection object of the file was built for, by its type
    /// (`smtplib.SMTP("mail.example.org")`: its `sendmail` goes there).
    object_hosts: HashMap<String, String>,
    /// Objects built on a variable (`archive = ZipFile(buffer)`): the object's local key to
    /// the variable, which holds what is written into the object.
    backing: HashMap<String, &'m str>,
    /// How deep such calls are folded inside each other now (`max_inline_depth`).
    inlining: u32,
    /// Functions of the file that return or yield the path of a credential store, by number:
    /// their name and what the store is.
    credential_returns: HashMap<usize, (String, String)>,
    /// Variables holding a node or entry of QGIS's settings tree, by local key: its key
    /// (`core = QgsSettingsTree.node("core")` holds `core`).
    settings_nodes: HashMap<String, String>,
    /// How many loops over constants are being read element by element now.
    unrolling: u32,
    /// What each function of the file returns or yields so far, by number (the union of its
    /// units' `returns`, kept here so that a call looks it up once).
    returned_by_function: HashMap<usize, Taint>,
    /// The one folded string a function returns at every `return` (`None` once two differ or
    /// something else is returned), for its callers.
    returned_strings: HashMap<usize, Option<Folded>>,
    /// Whether the file installs a trace hook ([`Analyser::installs_trace_hook`]), read from
    /// its source on first need.
    trace_hook: std::cell::OnceCell<bool>,
    /// Credential environment variables read by a constant name, by where the read starts:
    /// the name and its service ([`Analyser::env_read`]).
    env_credential_reads: HashMap<validator_python::text_size::TextSize, (String, &'static str)>,
    /// The expression being assigned, while an assignment's targets are bound: what a library
    /// function is replaced by ([`Analyser::note_monkeypatch`], [`replacement`]).
    replacement: Option<&'m Expr>,
    /// A logging handler that sends records over the network was made in this file: what is
    /// logged afterwards is sent ([`Analyser::classify_call`]).
    network_log_handler: bool,
    /// The file's functions by name (`None` when two share the name): to read a replacement's
    /// body ([`replacement`]) and to fold calls of one-line helpers with constant arguments.
    defined_functions: HashMap<&'m str, Option<&'m StmtFunctionDef>>,
    /// SSL configurations (local keys) told not to verify their peer or given extra
    /// certificate authorities, as bits ([`tls`]).
    weakened_tls: HashMap<String, u8>,
    /// Each `__init__` of a class of the file (by its address) and its class's name.
    init_classes: HashMap<usize, &'m str>,
    /// The library classes the class of each method derives from, by the method's address.
    method_bases: HashMap<usize, Vec<String>>,
    /// Those of the method being read (`self.wfile` of a `socketserver` handler).
    class_bases: Vec<String>,
    /// The class whose `__init__` is being read.
    init_class_now: Option<&'m str>,
    /// Attributes `__init__` sets from a parameter ([`instances`]).
    attr_params: Vec<instances::AttrParam<'m>>,
    /// Calls of the file's classes: the class and what each argument carries.
    constructor_calls: Vec<instances::ConstructorCall>,
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

/// The names every `def` of a module gives, nested ones included: a walk of the statements
/// with a stack of its own (a deeply nested file must not overflow the thread's), and no
/// expression holds a `def`.
fn def_names(body: &[Stmt]) -> HashSet<&str> {
    let mut names = HashSet::default();
    let mut bodies: Vec<&[Stmt]> = vec![body];
    while let Some(body) = bodies.pop() {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(function) => {
                    names.insert(function.name.as_str());
                    bodies.push(&function.body);
                }
                Stmt::ClassDef(class) => bodies.push(&class.body),
                Stmt::If(branch) => {
                    bodies.push(&branch.body);
                    bodies.extend(branch.elif_else_clauses.iter().map(|c| c.body.as_slice()));
                }
                Stmt::For(each) => bodies.extend([each.body.as_slice(), &each.orelse]),
                Stmt::While(each) => bodies.extend([each.body.as_slice(), &each.orelse]),
                Stmt::With(with) => bodies.push(&with.body),
                Stmt::Try(attempt) => {
                    bodies.extend([attempt.body.as_slice(), &attempt.orelse, &attempt.finalbody]);
                    for handler in &attempt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        bodies.push(&handler.body);
                    }
                }
                Stmt::Match(choice) => {
                    bodies.extend(choice.cases.iter().map(|c| c.body.as_slice()));
                }
                _ => {}
            }
        }
    }
    names
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
    pub(super) fn mention(&mut self, name: &'m str) {
        if !self.def_names.contains(name) {
            return;
        }
        if let Some(mentions) = self.mentions.get_mut(self.current) {
            mentions.insert(name);
        }
    }

    pub(super) fn keep_function_refs(&mut self) {
        let mentions = std::mem::take(&mut self.mentions);
        for (unit, mentioned) in self.facts.units.iter_mut().zip(mentions) {
            unit.refs = mentioned
                .into_iter()
                .filter(|name| self.function_names.contains(name))
                .map(str::to_owned)
                .collect();
        }
    }

    pub(super) fn line(&self, range: TextRange) -> u32 {
        self.module.line_of(range.start())
    }

    pub(super) fn text(&self, range: TextRange) -> &'m str {
        let source: &'m str = self.module.source();
        let start = usize::from(range.start());
        let end = usize::from(range.end()).min(source.len());
        source.get(start..end).unwrap_or("")
    }

    pub(super) fn add(&mut self, cap: Cap, line: u32, what: impl Into<String>) {
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

    /// What a name is bound to in the current scope: a local, else a global.
    pub(super) fn bound(&self, name: &str) -> Option<&Value> {
        self.locals
            .as_ref()
            .and_then(|l| l.get(name))
            .or_else(|| self.globals.get(name))
    }

    /// Whether a qualified name is one of the plugin's own modules' (`.x`, `plugin.x`).
    pub(super) fn own_module_name(&self, name: &str) -> bool {
        name.starts_with('.') || name.starts_with(self.top_dot.as_str())
    }

    pub(super) fn lookup(&self, name: &str) -> Value {
        if let Some(v) = self.bound(name) {
            return v.clone();
        }
        match name {
            "__file__" => Value::str(self.own_file.clone(), false),
            "__builtins__" | "builtins" => Value::reference("builtins", false),
            _ if BUILTINS.contains(&name) => Value::reference(format!("builtins.{name}"), false),
            _ => {
                // Room for the attributes read from it (`name.attr.method`): each would
                // otherwise grow the name by a reallocation.
                let mut qualified = String::with_capacity(name.len() + 32);
                qualified.push_str(name);
                Value::reference(qualified, false)
            }
        }
    }
}
