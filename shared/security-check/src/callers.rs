//! Evidence from a function's callers (issue 30): a finding whose value comes only from
//! parameters of its function (`def read(sourcefile, basename): yaml.load(open(join(dirname(
//! sourcefile), basename + '.yml')))`) is judged by what every call of that function in the
//! plugin passes (`AlgorithmMetadata.read(__file__, 'Segmentation')`), or the default a call
//! keeps (`self.save_and_open_text_error(text)` keeps `filename="i18n_error_log.txt"`).
//!
//! Fail-closed: the parameters count as outside input (the finding blocks) when the function
//! may be called from elsewhere than the calls seen: no call in the plugin, a reference that is
//! not a call (`button.clicked.connect(self.run)`, `partial(f, ...)`, `getattr(o, 'f')`), a
//! method of a class a computed `getattr(self, name)` may reach (in the class or a subclass), a
//! decorator other than `staticmethod`/`classmethod`, a method of a class with a base (a
//! framework may call an override), a nested function, a dunder, a call with `*args` or
//! `**kwargs`, more than [`MAX_CALL_SITES`] calls. Calls are matched by the function's name
//! and their arguments' fit with its signature; a call of another function of the same name
//! that fits is counted too (more values can only fail closed). Each call's arguments are
//! traced in the caller's scope, one level: the caller's own parameters are outside.

use std::collections::{BTreeMap, HashMap};

use validator_domain::WithoutEvidence;
use validator_python::ast::visitor::{self, Visitor};
use validator_python::ast::{Expr, ExprCall, Stmt, StmtFunctionDef};

use crate::evidence::{decide, Origin, OwnValueFunctions, Scope};
use crate::rules::Rule;
use crate::tree::Node;

/// The most calls of one function looked at; past it, its parameters count as outside.
pub const MAX_CALL_SITES: usize = 256;

/// How the function is called, which decides what the first positional argument binds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A module-level function.
    Function,
    /// A method: `obj.f(a)` binds `self` to `obj`; `Class.f(obj, a)` passes it.
    Method,
    StaticMethod,
    ClassMethod,
}

/// One parameter the finding's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Asked {
    name: String,
    /// Position among the positional parameters (`None`: keyword-only).
    position: Option<usize>,
    /// The origin of its default value, if it has one.
    default: Option<Origin>,
}

/// A finding waiting for the callers of its function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallersQuestion {
    rule: Rule,
    /// The origin of the value's parts that do not come from the parameters.
    base: Origin,
    function: String,
    class: Option<String>,
    kind: Kind,
    /// Positional parameters: name and whether it has a default.
    positional: Vec<(String, bool)>,
    keyword_only: Vec<(String, bool)>,
    vararg: bool,
    kwarg: bool,
    asked: Vec<Asked>,
}

impl CallersQuestion {
    /// The question for a finding of `rule` whose value has `origin` in the function of
    /// `scope`; `None` when the function may be called from elsewhere (the finding blocks).
    pub(crate) fn ask(
        rule: Rule,
        origin: Origin,
        scope: &Scope<'_>,
        parents: &[Node<'_>],
    ) -> Option<Self> {
        let function = scope.function()?;
        let name = function.name.as_str();
        if name.starts_with("__") && name.ends_with("__") {
            return None;
        }
        let at = parents.iter().rposition(
            |node| matches!(node, Node::Stmt(Stmt::FunctionDef(f)) if std::ptr::eq(f, function)),
        )?;
        let decorators: Vec<&str> = function
            .decorator_list
            .iter()
            .map(|d| match &d.expression {
                Expr::Name(n) => n.id.as_str(),
                _ => "",
            })
            .collect();
        let (kind, class) = match at.checked_sub(1).map(|i| &parents[i]) {
            Some(Node::Module) if decorators.is_empty() => (Kind::Function, None),
            Some(Node::Stmt(Stmt::ClassDef(class))) => {
                let plain_bases = class.arguments.as_deref().is_none_or(|a| {
                    a.keywords.is_empty()
                        && a.args
                            .iter()
                            .all(|b| matches!(b, Expr::Name(n) if n.id.as_str() == "object"))
                });
                if !plain_bases {
                    return None;
                }
                let kind = match decorators.as_slice() {
                    [] => Kind::Method,
                    ["staticmethod"] => Kind::StaticMethod,
                    ["classmethod"] => Kind::ClassMethod,
                    _ => return None,
                };
                (kind, Some(class.name.to_string()))
            }
            _ => return None,
        };
        let p = &function.parameters;
        let positional: Vec<(String, bool)> = p
            .posonlyargs
            .iter()
            .chain(&p.args)
            .map(|a| (a.parameter.name.to_string(), a.default.is_some()))
            .collect();
        let keyword_only: Vec<(String, bool)> = p
            .kwonlyargs
            .iter()
            .map(|a| (a.parameter.name.to_string(), a.default.is_some()))
            .collect();
        let implicit = usize::from(matches!(kind, Kind::Method | Kind::ClassMethod));
        let defaults = scope.module_level();
        let mut asked = Vec::new();
        for (index, parameter) in p
            .posonlyargs
            .iter()
            .chain(&p.args)
            .chain(&p.kwonlyargs)
            .enumerate()
        {
            if index >= u32::BITS as usize || origin.parameters & (1 << index) == 0 {
                continue;
            }
            let position = (index < positional.len()).then_some(index);
            if position.is_some_and(|i| i < implicit) {
                // `self` or `cls`: the object, not a value a caller writes.
                return None;
            }
            asked.push(Asked {
                name: parameter.parameter.name.to_string(),
                position,
                default: parameter.default.as_deref().map(|d| defaults.trace(d)),
            });
        }
        Some(Self {
            rule,
            base: origin.without_parameters(),
            function: name.to_owned(),
            class,
            kind,
            positional,
            keyword_only,
            vararg: p.vararg.is_some(),
            kwarg: p.kwarg.is_some(),
            asked,
        })
    }

    /// The name of the function whose callers are asked.
    pub(crate) fn function(&self) -> &str {
        &self.function
    }

    /// How many positional parameters a call fills implicitly (`self` of `obj.f()`).
    /// Each way the call may bind: `self.f(a)` fills `self`, `Class.f(obj, a)` does not, and
    /// `Other.f(obj, a)` on an unknown receiver (a subclass, an instance) may do either.
    fn implicit(&self, call: &ExprCall) -> &'static [usize] {
        match self.kind {
            Kind::Function | Kind::StaticMethod => &[0],
            Kind::ClassMethod => &[1],
            Kind::Method => match call.func.as_ref() {
                Expr::Attribute(a) => match a.value.as_ref() {
                    Expr::Name(n) if Some(n.id.as_str()) == self.class.as_deref() => &[0],
                    Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls") => &[1],
                    Expr::Call(c)
                        if matches!(c.func.as_ref(),
                        Expr::Name(n) if n.id.as_str() == "super") =>
                    {
                        &[1]
                    }
                    _ => &[0, 1],
                },
                _ => &[0],
            },
        }
    }

    /// The values a call passes for the asked parameters, `Err(())` when it cannot be this
    /// function (its arguments do not fit), `Ok(None)` when they cannot be known (`*args`).
    #[allow(clippy::type_complexity)]
    fn bind<'a>(&self, call: &'a ExprCall, implicit: usize) -> Result<Option<Vec<Bound<'a>>>, ()> {
        let args = &call.arguments.args;
        let keywords = &call.arguments.keywords;
        if args.iter().any(|a| matches!(a, Expr::Starred(_)))
            || keywords.iter().any(|k| k.arg.is_none())
        {
            return Ok(None);
        }
        let filled = implicit + args.len();
        if filled > self.positional.len() && !self.vararg {
            return Err(());
        }
        let keyword = |name: &str| {
            keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        for k in keywords.iter().filter_map(|k| k.arg.as_ref()) {
            let at = self.positional.iter().position(|(n, _)| n == k.as_str());
            let known = at.is_some_and(|i| i >= filled && i >= implicit)
                || self.keyword_only.iter().any(|(n, _)| n == k.as_str());
            if !(known || self.kwarg && at.is_none()) {
                return Err(());
            }
        }
        let required_missing = self
            .positional
            .iter()
            .enumerate()
            .skip(filled)
            .chain(self.keyword_only.iter().enumerate())
            .any(|(_, (name, has_default))| !has_default && keyword(name).is_none());
        if required_missing {
            return Err(());
        }
        let mut bound = Vec::new();
        for asked in &self.asked {
            let passed = match asked.position {
                Some(i) if i < filled => args.get(i - implicit),
                _ => keyword(&asked.name),
            };
            bound.push(match (passed, asked.default) {
                (Some(value), _) => Bound::Value(value),
                (None, Some(default)) => Bound::Default(default),
                (None, None) => return Err(()),
            });
        }
        Ok(Some(bound))
    }
}

/// What a call passes for one asked parameter.
enum Bound<'a> {
    Value(&'a Expr),
    Default(Origin),
}

/// What the calls seen so far say about each question.
#[derive(Debug, Default, Clone)]
struct Answer {
    origin: Origin,
    calls: usize,
    /// Referenced other than by a call: it may be called from anywhere.
    escapes: bool,
}

/// The answers to a scan's callers questions, module by module.
pub(crate) struct CallSites<'q> {
    questions: &'q [&'q CallersQuestion],
    /// Function name -> the questions about it.
    by_name: BTreeMap<&'q str, Vec<usize>>,
    answers: Vec<Answer>,
}

impl<'q> CallSites<'q> {
    pub(crate) fn new(questions: &'q [&'q CallersQuestion]) -> Self {
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, q) in questions.iter().enumerate() {
            by_name.entry(q.function.as_str()).or_default().push(i);
        }
        Self {
            questions,
            by_name,
            answers: vec![Answer::default(); questions.len()],
        }
    }

    /// Looks at every call and reference of an asked function in one module of the plugin.
    pub(crate) fn add_module(&mut self, body: &[Stmt], own_functions: &OwnValueFunctions) {
        let mut finder = CallFinder {
            names: &self.by_name,
            functions: Vec::new(),
            calls: Vec::new(),
            escaped: Vec::new(),
            classes: Vec::new(),
            dynamic_lookups: Vec::new(),
            aliases: HashMap::new(),
        };
        for stmt in body {
            finder.visit_stmt(stmt);
        }
        let CallFinder {
            calls,
            escaped,
            dynamic_lookups,
            aliases,
            ..
        } = finder;
        for (i, question) in self.questions.iter().enumerate() {
            if question
                .class
                .as_ref()
                .is_some_and(|class| dynamic_lookups.contains(class))
            {
                self.answers[i].escapes = true;
            }
        }
        for name in escaped {
            for &i in self.by_name.get(name).into_iter().flatten() {
                self.answers[i].escapes = true;
            }
        }
        for (function, call, name) in calls {
            let scope = Scope::of_caller(function, body, own_functions, &aliases);
            for &i in self.by_name.get(name).into_iter().flatten() {
                let answer = &mut self.answers[i];
                if answer.escapes || answer.calls > MAX_CALL_SITES {
                    continue;
                }
                let question = self.questions[i];
                let mut fits = false;
                for &implicit in question.implicit(call) {
                    let origin = match question.bind(call, implicit) {
                        Err(()) => continue,
                        Ok(None) => Origin::outside(),
                        Ok(Some(bound)) => bound.iter().fold(Origin::default(), |o, b| {
                            o.with(match b {
                                Bound::Value(value) => scope.trace(value),
                                Bound::Default(default) => *default,
                            })
                        }),
                    };
                    fits = true;
                    answer.origin = answer.origin.with(origin);
                }
                answer.calls += usize::from(fits);
            }
        }
    }

    /// For each question, what its finding lacks to be a risk (`None`: it is one).
    pub(crate) fn finish(self) -> Vec<Option<WithoutEvidence>> {
        self.questions
            .iter()
            .zip(self.answers)
            .map(|(q, answer)| {
                if answer.escapes || answer.calls == 0 || answer.calls > MAX_CALL_SITES {
                    return None;
                }
                let why = decide(q.rule, q.base.with(answer.origin))?;
                Some(WithoutEvidence {
                    reason: format!(
                        "{} (traced to every call of `{}` in the plugin)",
                        why.reason, q.function
                    ),
                    review: why.review,
                })
            })
            .collect()
    }
}

/// The calls of asked functions in a module, with the function each is in, and the asked
/// names used other than as a call.
struct CallFinder<'a, 'q> {
    names: &'q BTreeMap<&'q str, Vec<usize>>,
    functions: Vec<&'a StmtFunctionDef>,
    calls: Vec<(Option<&'a StmtFunctionDef>, &'a ExprCall, &'q str)>,
    escaped: Vec<&'q str>,
    /// The enclosing classes: name and the names of its bases.
    classes: Vec<(String, Vec<String>)>,
    /// Classes whose methods a computed attribute name may reach
    /// (`getattr(self, f'_set_{kind}')`): the class `self` is in, its bases, or a class named.
    dynamic_lookups: Vec<String>,
    /// The module's import aliases (`local name -> module.name`), as the security walk keeps.
    aliases: HashMap<String, String>,
}

impl<'q> CallFinder<'_, 'q> {
    fn asked(&self, name: &str) -> Option<&'q str> {
        self.names.get_key_value(name).map(|(k, _)| *k)
    }

    /// `getattr(self, name)` with a computed name may call any method of `self`'s class and of
    /// its bases; `getattr(Class, name)` any of `Class`.
    fn dynamic_lookup(&mut self, call: &ExprCall) {
        let [receiver, name, ..] = &call.arguments.args[..] else {
            return;
        };
        if matches!(name, Expr::StringLiteral(_)) {
            return;
        }
        match receiver {
            Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls") => {
                if let Some((class, bases)) = self.classes.last() {
                    self.dynamic_lookups.push(class.clone());
                    self.dynamic_lookups.extend(bases.iter().cloned());
                }
            }
            Expr::Name(n) => self.dynamic_lookups.push(n.id.to_string()),
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for CallFinder<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.functions.push(f);
                visitor::walk_stmt(self, stmt);
                self.functions.pop();
            }
            Stmt::ClassDef(c) => {
                let bases = c
                    .arguments
                    .iter()
                    .flat_map(|a| a.args.iter())
                    .filter_map(|b| match b {
                        Expr::Name(n) => Some(n.id.to_string()),
                        Expr::Attribute(a) => Some(a.attr.to_string()),
                        _ => None,
                    })
                    .collect();
                self.classes.push((c.name.to_string(), bases));
                visitor::walk_stmt(self, stmt);
                self.classes.pop();
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    if let Some(asname) = &alias.asname {
                        self.aliases
                            .insert(asname.to_string(), alias.name.to_string());
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                if let Some(module) = &import.module {
                    for alias in &import.names {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        self.aliases.insert(
                            local.to_string(),
                            format!("{}.{}", module.as_str(), alias.name.as_str()),
                        );
                    }
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) => {
                let callee = match call.func.as_ref() {
                    Expr::Name(n) => Some(n.id.as_str()),
                    Expr::Attribute(a) => {
                        // The receiver is an ordinary use; the name itself is the call.
                        self.visit_expr(&a.value);
                        Some(a.attr.as_str())
                    }
                    other => {
                        self.visit_expr(other);
                        None
                    }
                };
                if callee == Some("getattr") {
                    self.dynamic_lookup(call);
                }
                if let Some(asked) = callee.and_then(|c| self.asked(c)) {
                    self.calls
                        .push((self.functions.last().copied(), call, asked));
                }
                for arg in &call.arguments.args {
                    self.visit_expr(arg);
                }
                for keyword in &call.arguments.keywords {
                    self.visit_expr(&keyword.value);
                }
                return;
            }
            Expr::Name(n) => {
                if let Some(asked) = self.asked(n.id.as_str()) {
                    self.escaped.push(asked);
                }
            }
            Expr::Attribute(a) => {
                if let Some(asked) = self.asked(a.attr.as_str()) {
                    self.escaped.push(asked);
                }
            }
            Expr::StringLiteral(s) => {
                // `getattr(self, 'run_command')`.
                if let Some(asked) = self.asked(s.value.to_str()) {
                    self.escaped.push(asked);
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
