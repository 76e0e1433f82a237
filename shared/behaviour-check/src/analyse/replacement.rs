//! What a library function is replaced by (BHV111): replacements that see no caller's data,
//! or see it only to hand it on unchanged to the function they replaced, tap nothing.

use super::*;

/// Statements a forwarding replacement or its helper may hold besides its `return`.
const MAX_DEFAULT_STATEMENTS: usize = 8;

impl<'m> Analyser<'m> {
    /// Whether `replacement`, assigned over the library function `target`, taps nothing:
    /// - a replacement that ignores its arguments and returns nothing
    ///   (`webbrowser.open = lambda *a, **k: None`, the browser silenced while the plugin
    ///   renders a page itself) sees no caller's data;
    /// - a function of the file that only hands its parameters on, unchanged, to the function
    ///   it replaced (saved before: `_get = requests.get`), filling in at most positive numbers
    ///   as defaults of its keyword arguments (`kwargs.setdefault("timeout", 30)`, directly or
    ///   through a helper of the file that does only that), keeps nothing and sends nothing
    ///   elsewhere: a default timeout for every request. A string, a dict or a false value as a
    ///   default (a proxy, `verify=0`) changes where or how the data goes, and any other
    ///   statement may keep it: those are taps.
    pub(super) fn taps_nothing(&self, replacement: &Expr, target: &str) -> bool {
        match replacement {
            Expr::Lambda(lambda) => matches!(lambda.body.as_ref(), Expr::NoneLiteral(_)),
            Expr::Name(name) => self
                .defined_functions
                .get(name.id.as_str())
                .copied()
                .flatten()
                .is_some_and(|function| self.forwards_only(function, target)),
            _ => false,
        }
    }

    /// Whether the value being assigned is a function: a lambda, or a function of the file.
    pub(super) fn replaced_by_function(&self) -> bool {
        match self.replacement {
            Some(Expr::Lambda(_)) => true,
            Some(Expr::Name(n)) => self.function_names.contains(n.id.as_str()),
            _ => false,
        }
    }

    /// `function`'s body: defaults filled into its `**` parameter, then `return original(...)`
    /// with its parameters as the arguments.
    fn forwards_only(&self, function: &StmtFunctionDef, target: &str) -> bool {
        if !function.decorator_list.is_empty() {
            return false;
        }
        let params = &function.parameters;
        let named: HashSet<&str> = params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
            .map(|p| p.parameter.name.as_str())
            .collect();
        let vararg = params.vararg.as_ref().map(|p| p.name.as_str());
        let kwarg = params.kwarg.as_ref().map(|p| p.name.as_str());
        let body = without_docstring(&function.body);
        let Some((Stmt::Return(ret), defaults)) = body.split_last() else {
            return false;
        };
        if defaults.len() > MAX_DEFAULT_STATEMENTS
            || !defaults
                .iter()
                .all(|s| kwarg.is_some_and(|kw| self.fills_defaults(s, kw)))
        {
            return false;
        }
        let Some(Expr::Call(call)) = ret.value.as_deref() else {
            return false;
        };
        let original = matches!(
            call.func.as_ref(),
            Expr::Name(name) if matches!(
                self.globals.get(name.id.as_str()),
                Some(Value::Ref { name, hidden: false, .. }) if name == target
            )
        );
        let parameter = |e: &Expr| matches!(e, Expr::Name(n) if named.contains(n.id.as_str()));
        let positional = call.arguments.args.iter().all(|arg| match arg {
            Expr::Starred(starred) => {
                matches!(starred.value.as_ref(), Expr::Name(n) if Some(n.id.as_str()) == vararg)
            }
            other => parameter(other),
        });
        let keywords = call.arguments.keywords.iter().all(|k| match &k.arg {
            Some(_) => parameter(&k.value) || self.positive_number(&k.value),
            None => kwarg.is_some_and(|kw| match &k.value {
                Expr::Name(n) => n.id.as_str() == kw,
                Expr::Call(helper) => self.defaults_helper_call(helper, kw),
                _ => false,
            }),
        });
        original && positional && keywords
    }

    /// `helper(kwargs)`, a function of the file whose body only fills defaults into its one
    /// parameter and returns it.
    fn defaults_helper_call(&self, call: &ast::ExprCall, kwarg: &str) -> bool {
        let passes_kwargs = matches!(
            (call.arguments.args.as_ref(), call.arguments.keywords.is_empty()),
            ([Expr::Name(n)], true) if n.id.as_str() == kwarg
        );
        let Expr::Name(callee) = call.func.as_ref() else {
            return false;
        };
        let Some(Some(helper)) = self.defined_functions.get(callee.id.as_str()).copied() else {
            return false;
        };
        if !helper.decorator_list.is_empty() {
            return false;
        }
        let params = &helper.parameters;
        let [only] = params.args.as_slice() else {
            return false;
        };
        let single = params.posonlyargs.is_empty()
            && params.kwonlyargs.is_empty()
            && params.vararg.is_none()
            && params.kwarg.is_none();
        let dict = only.parameter.name.as_str();
        let body = without_docstring(&helper.body);
        let returns_it = matches!(
            body.split_last(),
            Some((Stmt::Return(ret), defaults))
                if matches!(ret.value.as_deref(), Some(Expr::Name(n)) if n.id.as_str() == dict)
                    && defaults.len() <= MAX_DEFAULT_STATEMENTS
                    && defaults.iter().all(|s| self.fills_defaults(s, dict))
        );
        passes_kwargs && single && returns_it
    }

    /// A statement that only puts positive numbers into the dict `dict`, possibly under a test
    /// of what it holds: `dict.setdefault("k", 30)`, `dict["k"] = DEFAULT`,
    /// `if dict.get("k") is None: dict["k"] = 30`.
    fn fills_defaults(&self, stmt: &Stmt, dict: &str) -> bool {
        let is_dict = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == dict);
        match stmt {
            Stmt::Expr(expr) => match expr.value.as_ref() {
                Expr::Call(call) => match (call.func.as_ref(), call.arguments.args.as_ref()) {
                    (Expr::Attribute(method), [Expr::StringLiteral(_), value])
                        if method.attr.as_str() == "setdefault"
                            && is_dict(&method.value)
                            && call.arguments.keywords.is_empty() =>
                    {
                        self.positive_number(value)
                    }
                    _ => false,
                },
                _ => false,
            },
            Stmt::Assign(assign) => {
                let into_dict = matches!(
                    assign.targets.as_slice(),
                    [Expr::Subscript(sub)]
                        if is_dict(&sub.value) && matches!(sub.slice.as_ref(), Expr::StringLiteral(_))
                );
                into_dict && self.positive_number(&assign.value)
            }
            Stmt::If(branch) => {
                inert_test(&branch.test, dict)
                    && branch.elif_else_clauses.is_empty()
                    && branch.body.iter().all(|s| self.fills_defaults(s, dict))
            }
            _ => false,
        }
    }

    /// A number above zero, written out or a name of the module bound to one: a timeout or a
    /// retry count, never a switch turned off.
    fn positive_number(&self, expr: &Expr) -> bool {
        match expr {
            Expr::NumberLiteral(number) => match &number.value {
                ast::Number::Int(int) => int.as_u64().is_some_and(|n| n > 0),
                ast::Number::Float(f) => f.is_finite() && *f > 0.0,
                ast::Number::Complex { .. } => false,
            },
            Expr::Name(name) => {
                matches!(self.globals.get(name.id.as_str()), Some(Value::Int(n)) if *n > 0)
            }
            _ => false,
        }
    }
}

/// The body without its docstring.
fn without_docstring(body: &[Stmt]) -> &[Stmt] {
    match body.split_first() {
        Some((Stmt::Expr(first), rest))
            if matches!(first.value.as_ref(), Expr::StringLiteral(_)) =>
        {
            rest
        }
        _ => body,
    }
}

/// A test that only compares names and constants and reads `dict.get("k")`: it calls nothing
/// else.
fn inert_test(expr: &Expr, dict: &str) -> bool {
    match expr {
        Expr::Compare(compare) => {
            inert_test(&compare.left, dict)
                && compare.comparators.iter().all(|c| inert_test(c, dict))
        }
        Expr::BoolOp(op) => op.values.iter().all(|v| inert_test(v, dict)),
        Expr::UnaryOp(op) => inert_test(&op.operand, dict),
        Expr::Name(_)
        | Expr::StringLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::BooleanLiteral(_) => true,
        Expr::Call(call) => {
            let get = matches!(
                call.func.as_ref(),
                Expr::Attribute(method)
                    if method.attr.as_str() == "get"
                        && matches!(method.value.as_ref(), Expr::Name(n) if n.id.as_str() == dict)
            );
            get && call.arguments.keywords.is_empty()
                && call.arguments.args.iter().all(|a| {
                    matches!(
                        a,
                        Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::NoneLiteral(_)
                    )
                })
        }
        _ => false,
    }
}
