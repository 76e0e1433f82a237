//! Django: B610 `django_extra_used`, B611 `django_rawsql_used`, B703 `django_mark_safe` (with
//! Bandit's tracking of how the marked variable was assigned).

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, ExprCall, Operator, Stmt, StmtFunctionDef};
use validator_python::text_size::Ranged;

use crate::context::{CallContext, Issue};
use crate::literal::is_constant;
use crate::rules::Rule;
use crate::tree::{Lines, Node};

fn is_str(expr: &Expr) -> bool {
    matches!(expr, Expr::StringLiteral(_))
}

fn sql_issue(rule: Rule, text: &str) -> Issue {
    Issue::new(rule, Severity::Medium, Confidence::Medium, text)
}

pub(crate) fn django_extra_used(context: &CallContext<'_, '_>) -> Option<Issue> {
    if context.name() != "extra" {
        return None;
    }
    let mut kwargs: Vec<(Option<&str>, &Expr)> = context
        .keywords()
        .iter()
        .map(|k| (k.arg.as_ref().map(|a| a.as_str()), &k.value))
        .collect();
    let positional = [
        "select",
        "where",
        "params",
        "tables",
        "order_by",
        "select_params",
    ];
    for (name, arg) in positional.iter().zip(context.args()) {
        kwargs.retain(|(k, _)| *k != Some(name));
        kwargs.push((Some(name), arg));
    }
    let get = |name: &str| {
        kwargs
            .iter()
            .rev()
            .find(|(k, _)| *k == Some(name))
            .map(|(_, v)| *v)
    };
    let mut insecure = false;
    for key in ["where", "tables"] {
        if let Some(value) = get(key) {
            match value {
                Expr::List(list) => {
                    if list.elts.iter().any(|e| !is_str(e)) {
                        insecure = true;
                    }
                }
                _ => {
                    insecure = true;
                    break;
                }
            }
        }
    }
    if !insecure {
        if let Some(select) = get("select") {
            insecure = match select {
                Expr::Dict(dict) => dict
                    .items
                    .iter()
                    .any(|item| !item.key.as_ref().is_some_and(is_str) || !is_str(&item.value)),
                _ => true,
            };
        }
    }
    insecure.then(|| sql_issue(Rule::B610, "Use of extra potential SQL attack vector."))
}

pub(crate) fn django_rawsql_used(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !(context.imported_like("django.db.models") && context.name() == "RawSQL") {
        return None;
    }
    let sql = match context.args().first() {
        Some(first) => first,
        // Bandit reads `kwargs['sql']`: without it the test fails.
        None => {
            &context
                .keywords()
                .iter()
                .rev()
                .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some("sql"))?
                .value
        }
    };
    (!is_str(sql)).then(|| sql_issue(Rule::B611, "Use of RawSQL potential SQL attack vector."))
}

/// The scope Bandit evaluates a marked variable in: the enclosing (non-async) function, or the
/// module.
enum Scope<'a> {
    Module(&'a [Stmt]),
    Function(&'a StmtFunctionDef),
}

impl<'a> Scope<'a> {
    fn body(&self) -> &'a [Stmt] {
        match self {
            Scope::Module(body) => body,
            Scope::Function(f) => &f.body,
        }
    }

    fn is_param(&self, name: &str) -> bool {
        match self {
            Scope::Function(f) => f
                .parameters
                .args
                .iter()
                .any(|p| p.parameter.name.as_str() == name),
            Scope::Module(_) => false,
        }
    }
}

/// A value `DeepAssignation.is_assigned` found for the variable.
enum Assigned<'a> {
    Expr(&'a Expr),
    /// A `with ... as name`: never considered safe.
    With,
    /// Bandit's test fails (a tuple target holding something else than names).
    Fails,
}

struct Analyser<'a> {
    name: &'a str,
}

impl<'a> Analyser<'a> {
    fn assigned_in(&self, body: &'a [Stmt], out: &mut Vec<Assigned<'a>>) {
        for stmt in body {
            self.assigned(stmt, out);
        }
    }

    /// `is_assigned`, flattened into `out`.
    fn assigned(&self, stmt: &'a Stmt, out: &mut Vec<Assigned<'a>>) {
        validator_python::with_stack(|| match stmt {
            Stmt::FunctionDef(f) if !f.is_async => self.assigned_in(&f.body, out),
            Stmt::With(with) if !with.is_async => {
                let mut last = Vec::new();
                for item in &with.items {
                    last.clear();
                    let var = match item.optional_vars.as_deref() {
                        Some(Expr::Name(n)) => Some(n.id.as_str()),
                        _ => None,
                    };
                    if var == Some(self.name) {
                        last.push(Assigned::With);
                    } else {
                        self.assigned_in(&with.body, &mut last);
                    }
                }
                out.append(&mut last);
            }
            Stmt::Try(t) => {
                self.assigned_in(&t.body, out);
                for handler in &t.handlers {
                    let validator_python::ast::ExceptHandler::ExceptHandler(h) = handler;
                    self.assigned_in(&h.body, out);
                }
                self.assigned_in(&t.orelse, out);
                self.assigned_in(&t.finalbody, out);
            }
            Stmt::If(i) => {
                self.assigned_in(&i.body, out);
                for clause in &i.elif_else_clauses {
                    self.assigned_in(&clause.body, out);
                }
            }
            Stmt::For(f) if !f.is_async => {
                self.assigned_in(&f.body, out);
                self.assigned_in(&f.orelse, out);
            }
            Stmt::While(w) => {
                self.assigned_in(&w.body, out);
                self.assigned_in(&w.orelse, out);
            }
            Stmt::AugAssign(a) => {
                if matches!(a.target.as_ref(), Expr::Name(n) if n.id.as_str() == self.name) {
                    out.push(Assigned::Expr(&a.value));
                }
            }
            Stmt::Assign(a) => match (a.targets.first(), a.value.as_ref()) {
                (Some(Expr::Name(n)), value) if n.id.as_str() == self.name => {
                    out.push(Assigned::Expr(value))
                }
                (Some(Expr::Tuple(target)), Expr::Tuple(value)) => {
                    for (pos, element) in target.elts.iter().enumerate() {
                        let Expr::Name(n) = element else {
                            out.push(Assigned::Fails);
                            return;
                        };
                        if n.id.as_str() == self.name {
                            match value.elts.get(pos) {
                                Some(v) => out.push(Assigned::Expr(v)),
                                None => out.push(Assigned::Fails),
                            }
                            return;
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        })
    }
}

/// Why evaluation stopped: Bandit's test failed (no result at all).
struct Failed;

struct Evaluator<'c, 'a> {
    scope: Scope<'a>,
    lines: &'c Lines<'a>,
}

impl<'a> Evaluator<'_, 'a> {
    fn stmt_line(&self, stmt: &Stmt) -> u32 {
        self.lines.line(self.lines.definition_start(stmt))
    }

    /// `evaluate_var`.
    fn var(&self, name: &'a str, until: u32) -> Result<bool, Failed> {
        validator_python::with_stack(|| {
            if self.scope.is_param(name) {
                return Ok(false);
            }
            let analyser = Analyser { name };
            let mut secure = false;
            for stmt in self.scope.body() {
                if self.stmt_line(stmt) >= until {
                    break;
                }
                let mut found = Vec::new();
                analyser.assigned(stmt, &mut found);
                if found.iter().any(|f| matches!(f, Assigned::Fails)) {
                    return Err(Failed);
                }
                match found.as_slice() {
                    [] => {}
                    [Assigned::Expr(value)] if !is_list_result(stmt) => match value {
                        Expr::StringLiteral(_) => secure = true,
                        Expr::Name(n) => {
                            secure = self.var(n.id.as_str(), self.lines.line(n.start()))?
                        }
                        Expr::Call(call) => {
                            secure = self.call(&FormatCall::of(call, self.lines))?
                        }
                        _ => {
                            secure = false;
                            break;
                        }
                    },
                    [Assigned::With] if !is_list_result(stmt) => {
                        secure = false;
                        break;
                    }
                    items => {
                        let mut all = true;
                        for item in items {
                            let ok = match item {
                                Assigned::Expr(Expr::StringLiteral(_)) => true,
                                Assigned::Expr(Expr::Name(n)) => {
                                    self.var(n.id.as_str(), self.stmt_line(stmt))?
                                }
                                _ => false,
                            };
                            if !ok {
                                all = false;
                                break;
                            }
                        }
                        secure = all;
                        if !all {
                            break;
                        }
                    }
                }
            }
            Ok(secure)
        })
    }

    /// `evaluate_call`: a `"...".format(...)` whose arguments are all safe.
    fn call(&self, call: &FormatCall<'a>) -> Result<bool, Failed> {
        if !call.evaluate {
            return Ok(false);
        }
        let mut args: Vec<&'a Expr> = call.args.clone();
        let mut secure = 0;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i];
            let ok = match arg {
                Expr::StringLiteral(_) => true,
                Expr::Name(n) => self.var(n.id.as_str(), call.line)?,
                Expr::Call(inner) => self.call(&FormatCall::of(inner, self.lines))?,
                Expr::Starred(s) => match s.value.as_ref() {
                    Expr::List(l) => {
                        args.extend(l.elts.iter());
                        true
                    }
                    Expr::Tuple(t) => {
                        args.extend(t.elts.iter());
                        true
                    }
                    _ => false,
                },
                _ => false,
            };
            if !ok {
                break;
            }
            secure += 1;
            i += 1;
        }
        Ok(secure == args.len())
    }
}

/// Statements whose `is_assigned` gives a list in Bandit (compound statements), as opposed to a
/// single value (assignments).
fn is_list_result(stmt: &Stmt) -> bool {
    !matches!(stmt, Stmt::Assign(_) | Stmt::AugAssign(_) | Stmt::With(_))
}

/// A call as `evaluate_call` sees it.
struct FormatCall<'a> {
    evaluate: bool,
    args: Vec<&'a Expr>,
    line: u32,
}

impl<'a> FormatCall<'a> {
    fn of(call: &'a ExprCall, lines: &Lines<'_>) -> Self {
        let evaluate = matches!(call.func.as_ref(), Expr::Attribute(a)
            if is_constant(&a.value) && a.attr.as_str() == "format")
            && call.arguments.keywords.is_empty();
        Self {
            evaluate,
            args: call.arguments.args.iter().collect(),
            line: lines.line(call.start()),
        }
    }
}

fn scope<'a>(context: &CallContext<'_, 'a>) -> Option<Scope<'a>> {
    for node in context.parents.iter().rev() {
        match node {
            Node::Stmt(Stmt::FunctionDef(f)) if !f.is_async => return Some(Scope::Function(f)),
            Node::Module => {
                return context
                    .lines
                    .module
                    .syntax()
                    .map(|m| Scope::Module(&m.body[..]))
            }
            _ => {}
        }
    }
    None
}

pub(crate) fn django_mark_safe(context: &CallContext<'_, '_>) -> Option<Issue> {
    const AFFECTED: [&str; 5] = [
        "mark_safe",
        "SafeText",
        "SafeUnicode",
        "SafeString",
        "SafeBytes",
    ];
    if !(context.imported_like("django.utils.safestring") && AFFECTED.contains(&context.name())) {
        return None;
    }
    let xss = context.args().first()?;
    if is_str(xss) {
        return None;
    }
    let evaluator = Evaluator {
        scope: scope(context)?,
        lines: context.lines,
    };
    let secure = match xss {
        Expr::Name(name) => {
            if evaluator.scope.is_param(name.id.as_str()) {
                false
            } else {
                evaluator.var(name.id.as_str(), context.line()).ok()?
            }
        }
        Expr::Call(call) => evaluator.call(&FormatCall::of(call, context.lines)).ok()?,
        Expr::BinOp(binop) if binop.op == Operator::Mod && is_str(&binop.left) => {
            let args = match binop.right.as_ref() {
                Expr::Tuple(t) => t.elts.iter().collect(),
                other => vec![other],
            };
            evaluator
                .call(&FormatCall {
                    evaluate: true,
                    args,
                    line: context.lines.line(binop.start()),
                })
                .ok()?
        }
        _ => false,
    };
    (!secure).then(|| {
        Issue::new(
            Rule::B703,
            Severity::Medium,
            Confidence::High,
            "Potential XSS on mark_safe function.",
        )
    })
}
