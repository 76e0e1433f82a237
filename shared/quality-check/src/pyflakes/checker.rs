//! The walk itself: pyflakes' `Checker`, handler by handler.

use std::rc::Rc;

use validator_python::ast::{
    self as ast, CmpOp, ExceptHandler, Expr, ExprContext, ModModule, Operator, Parameters, Pattern,
    Stmt,
};
use validator_python::parser::parse_expression;
use validator_python::text_size::{Ranged, TextSize};
use validator_python::{with_stack, PythonModule};

use super::bindings::{
    Binding, BindingId, Kind, Loc, Name, Path, Scope, ScopeId, ScopeKind, Step, UseSite,
};
use super::formats::{dot_format, percent_format, CallArgs, PercentArgs};
use super::{BUILTINS, FUTURE_FEATURES};
use crate::rules::Rule;
use crate::violation::Violation;

/// What a node on the walk's ancestor stack is, as far as the handlers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Module,
    If,
    While,
    For,
    AsyncFor,
    FunctionDef,
    AsyncFunctionDef,
    ClassDef,
    Try,
    Match,
    AnnAssign {
        has_value: bool,
    },
    Assign {
        literal_unpacking: bool,
    },
    AugAssign,
    NamedExpr,
    Comprehension,
    Call,
    BinOpRShift,
    IfExp,
    /// Nodes pyflakes' `getParent` skips (they have `elts` or `ctx`).
    Container,
    ExceptHandler,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    step: Step,
    node: Node,
    in_orelse: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnnotationState {
    None,
    String,
    Bare,
}

enum Job<'a> {
    Function(FunctionLike<'a>),
    Annotation(&'a Expr),
    StringAnnotation { text: String, loc: Loc },
}

#[derive(Clone, Copy)]
enum FunctionLike<'a> {
    Def(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

struct Deferred<'a> {
    job: Job<'a>,
    scopes: Vec<ScopeId>,
    frames: Vec<Frame>,
    annotation: AnnotationState,
}

struct Message {
    loc: Loc,
    rule: Rule,
    text: String,
    /// The name of an F821, which a later `global` statement can withdraw.
    undefined: Option<String>,
}

pub struct Checker<'a> {
    module: &'a PythonModule,
    is_init: bool,
    scopes: Vec<Scope<'a>>,
    stack: Vec<ScopeId>,
    dead: Vec<ScopeId>,
    bindings: Vec<Binding<'a>>,
    /// Some import of `typing` or `typing_extensions` was bound: until then no name can
    /// refer to a typing helper, and the lookups are skipped.
    typing_imported: bool,
    frames: Vec<Frame>,
    deferred: std::collections::VecDeque<Deferred<'a>>,
    messages: Vec<Message>,
    except_handlers: Vec<Vec<String>>,
    annotation: AnnotationState,
    in_fstring: bool,
    /// While handling a string annotation: the position every node inside it reports.
    forced_loc: Option<Loc>,
    node_depth: usize,
    /// The value of the assignment statement being handled, for `__all__` (and whether it is
    /// an augmented assignment).
    current_all_statement: Option<(Option<&'a Expr>, bool)>,
}

fn node_id<T>(node: &T) -> usize {
    node as *const T as usize
}

fn is_container(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Tuple(_)
            | Expr::List(_)
            | Expr::Set(_)
            | Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Subscript(_)
            | Expr::Starred(_)
    )
}

fn has_elts(expr: &Expr) -> bool {
    matches!(expr, Expr::Tuple(_) | Expr::List(_) | Expr::Set(_))
}

fn is_constant(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        // An f-string without placeholders is a constant in CPython's tree.
        Expr::FString(f) => !f.value.elements().any(|e| e.is_interpolation()),
        Expr::Tuple(t) => with_stack(|| t.elts.iter().all(is_constant)),
        _ => false,
    }
}

fn is_singleton(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) | Expr::EllipsisLiteral(_)
    )
}

fn is_name_or_attr(expr: &Expr, name: &str) -> bool {
    match expr {
        Expr::Name(n) => n.id.as_str() == name,
        Expr::Attribute(a) => a.attr.as_str() == name,
        _ => false,
    }
}

fn is_notimplemented(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == "NotImplemented")
}

impl<'a> Checker<'a> {
    pub fn run(module: &'a PythonModule, syntax: &'a ModModule, is_init: bool) -> Vec<Violation> {
        let mut c = Checker {
            module,
            is_init,
            scopes: Vec::new(),
            stack: Vec::new(),
            dead: Vec::new(),
            bindings: Vec::with_capacity(256),
            typing_imported: false,
            frames: Vec::new(),
            deferred: Default::default(),
            messages: Vec::new(),
            except_handlers: vec![Vec::new()],
            annotation: AnnotationState::None,
            in_fstring: false,
            forced_loc: None,
            node_depth: 0,
            current_all_statement: None,
        };
        c.frames.push(Frame {
            step: Step {
                id: node_id(syntax),
                fork: None,
            },
            node: Node::Module,
            in_orelse: false,
        });
        c.push_scope(ScopeKind::Module);
        for name in BUILTINS {
            c.add_binding(Binding::new(*name, Kind::Builtin), None);
        }
        c.body(&syntax.body, None, false);
        c.run_deferred();
        c.pop_scope();
        c.check_dead_scopes();
        c.messages
            .into_iter()
            .map(|m| Violation::new(m.rule, m.loc.0, m.loc.1, m.text))
            .collect()
    }

    // ----- positions and reports -------------------------------------------------------

    fn loc_at(&self, offset: TextSize) -> Loc {
        if let Some(loc) = self.forced_loc {
            return loc;
        }
        self.position(offset)
    }

    fn position(&self, offset: TextSize) -> Loc {
        let (line, column) = self.module.line_and_byte_column(offset);
        (line as usize, column as usize)
    }

    fn site(&self, offset: TextSize) -> UseSite {
        match self.forced_loc {
            Some(loc) => UseSite::Fixed(loc),
            None => UseSite::Offset(offset),
        }
    }

    fn resolve(&self, site: UseSite) -> Loc {
        match site {
            UseSite::Offset(offset) => self.position(offset),
            UseSite::Fixed(loc) => loc,
        }
    }

    fn loc<T: Ranged>(&self, node: &T) -> Loc {
        self.loc_at(node.start())
    }

    /// F634: an `if`/`elif`/conditional expression testing a non-empty tuple (always true).
    fn if_tuple<T: Ranged>(&mut self, test: &Expr, node: &T) {
        if matches!(test, Expr::Tuple(t) if !t.elts.is_empty()) {
            let loc = self.loc(node);
            self.report(
                loc,
                Rule::F634,
                "'if tuple literal' is always true, perhaps remove accidental comma?".into(),
            );
        }
    }

    fn def_loc(&self, range_start: TextSize, decorators: &[ast::Decorator]) -> Loc {
        match self.forced_loc {
            Some(loc) => loc,
            None => crate::positions::def_location(self.module, range_start, decorators),
        }
    }

    fn report(&mut self, loc: Loc, rule: Rule, text: String) {
        self.messages.push(Message {
            loc,
            rule,
            text,
            undefined: None,
        });
    }

    // ----- scopes and bindings -----------------------------------------------------------

    fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope::new(kind));
        self.stack.push(self.scopes.len() - 1);
    }

    fn pop_scope(&mut self) {
        if let Some(id) = self.stack.pop() {
            self.dead.push(id);
        }
    }

    fn scope_id(&self) -> ScopeId {
        *self.stack.last().unwrap_or(&0)
    }

    fn scope(&self) -> &Scope<'a> {
        &self.scopes[self.scope_id()]
    }

    fn scope_mut(&mut self) -> &mut Scope<'a> {
        let id = self.scope_id();
        &mut self.scopes[id]
    }

    fn path(&self) -> Path {
        Rc::new(self.frames.iter().map(|f| f.step).collect())
    }

    /// `getParent`: the nearest ancestor that is not a container or name node.
    fn parent_stmt(&self) -> Node {
        self.frames
            .iter()
            .rev()
            .map(|f| f.node)
            .find(|n| *n != Node::Container)
            .unwrap_or(Node::Module)
    }

    fn direct_parent(&self) -> Node {
        self.frames.last().map_or(Node::Module, |f| f.node)
    }

    fn different_forks(a: &Path, b: &Path) -> bool {
        let common = a
            .iter()
            .zip(b.iter())
            .take_while(|(x, y)| x.id == y.id)
            .count();
        // The common ancestor is the module itself: never different forks.
        if common <= 1 {
            return false;
        }
        let fork_a = a.get(common).and_then(|s| s.fork);
        let fork_b = b.get(common).and_then(|s| s.fork);
        fork_a != fork_b
    }

    /// The innermost binding of `name` on the scope stack.
    fn lookup(&self, name: &str) -> Option<BindingId> {
        self.stack
            .iter()
            .rev()
            .find_map(|&sid| self.scopes[sid].get(name))
    }

    /// pyflakes' `_is_typing(node, member)` for `member` given, else `_is_typing_helper` for
    /// any member: whether the node is `typing.<member>` (or from `typing_extensions`).
    fn is_typing(&self, expr: &Expr, member: Option<&str>) -> bool {
        self.typing_member(expr)
            .is_some_and(|name| member.is_none_or(|m| m == name))
    }

    /// The `typing` member a name or attribute refers to, if any.
    fn typing_member<'s>(&'s self, expr: &'s Expr) -> Option<&'s str> {
        if !self.typing_imported {
            return None;
        }
        match expr {
            Expr::Name(n) => match &self.bindings[self.lookup(n.id.as_str())?].kind {
                Kind::ImportationFrom {
                    module, real_name, ..
                } if module == "typing" || module == "typing_extensions" => Some(real_name),
                _ => None,
            },
            Expr::Attribute(a) => {
                let Expr::Name(base) = a.value.as_ref() else {
                    return None;
                };
                let binding = &self.bindings[self.lookup(base.id.as_str())?];
                (binding.kind.is_importation()
                    && matches!(
                        binding.kind.full_name(),
                        Some("typing" | "typing_extensions")
                    ))
                .then(|| a.attr.as_str())
            }
            _ => None,
        }
    }

    fn add_binding(&mut self, mut value: Binding<'a>, node_loc: Option<Loc>) {
        let current = self.scope_id();
        let found = self
            .stack
            .iter()
            .rev()
            .find_map(|&s| self.scopes[s].get(&value.name).map(|id| (s, id)));
        if let Some((found_scope, existing_id)) = found {
            let existing = &self.bindings[existing_id];
            let forks = match (&value.path, &existing.path) {
                (Some(a), Some(b)) => Self::different_forks(a, b),
                _ => false,
            };
            if !matches!(existing.kind, Kind::Builtin) && !forks {
                let loc = node_loc.unwrap_or((0, 0));
                let line = existing.loc.map_or(0, |l| l.0);
                if existing.kind.is_importation() && value.in_for {
                    let text = format!(
                        "import '{}' from line {line} shadowed by loop variable",
                        value.name
                    );
                    self.report(loc, Rule::F402, text);
                } else if found_scope == current {
                    if existing.used.is_none()
                        && value.redefines(existing)
                        && (value.name != "_" || existing.kind.is_importation())
                        && !existing.overload
                    {
                        let text =
                            format!("redefinition of unused '{}' from line {line}", value.name);
                        self.report(loc, Rule::F811, text);
                    }
                    if self.scopes[current].is_function_like() {
                        self.scopes[current].pop_indirect(&value.name);
                    }
                } else if existing.kind.is_importation() && value.redefines(existing) {
                    self.bindings[existing_id].redefined.push(loc);
                }
            }
        }
        // The innermost scope holding the name is the current one when it holds it.
        let in_current = found.filter(|&(s, _)| s == current).map(|(_, id)| id);
        if let Some(id) = in_current {
            value.used = self.bindings[id].used;
        }
        if in_current.is_none() || value.kind != Kind::Annotation {
            let is_typing_import = match &value.kind {
                Kind::ImportationFrom { module, .. } => {
                    module == "typing" || module == "typing_extensions"
                }
                kind => matches!(kind.full_name(), Some("typing" | "typing_extensions")),
            };
            self.typing_imported |= is_typing_import;
            let is_named_expr = value.kind == Kind::NamedExprAssignment;
            let name = value.name.clone();
            self.bindings.push(value);
            let id = self.bindings.len() - 1;
            if is_named_expr {
                let target = self
                    .stack
                    .iter()
                    .rev()
                    .copied()
                    .find(|&s| {
                        !matches!(
                            self.scopes[s].kind,
                            ScopeKind::Comprehension | ScopeKind::Generator
                        )
                    })
                    .unwrap_or(0);
                match self.scopes[target].get(&name) {
                    Some(old) if self.bindings[old].kind == Kind::Annotation => {
                        self.scopes[target].set(&name, id)
                    }
                    Some(_) => {}
                    None => self.scopes[target].set(&name, id),
                }
            } else {
                self.scopes[current].set(&name, id);
            }
        }
    }

    fn new_binding(&self, name: &'a str, kind: Kind, loc: Loc) -> Binding<'a> {
        let mut b = Binding::new(name, kind);
        b.loc = Some(loc);
        b.path = Some(self.path());
        b
    }

    fn in_postponed_annotation(&self) -> bool {
        self.annotation == AnnotationState::String
            || (self.annotation == AnnotationState::Bare
                && self.scopes[self.stack[0]].annotations_future)
    }

    fn handle_node_load(&mut self, name: &str, site: UseSite, parent: Node) {
        let mut can_access_class_vars: Option<bool> = None;
        let mut import_starred = false;
        let here = self.scope_id();
        let postponed = self.in_postponed_annotation();
        for i in (0..self.stack.len()).rev() {
            let sid = self.stack[i];
            let kind = self.scopes[sid].kind;
            if kind == ScopeKind::Class {
                if name == "__class__" {
                    return;
                } else if can_access_class_vars == Some(false) {
                    continue;
                }
            }
            let binding = self.scopes[sid].get(name);
            if let Some(b) = binding {
                if self.bindings[b].kind == Kind::Annotation && !postponed {
                    self.bindings[b].used = Some((here, site));
                    continue;
                }
                if name == "print"
                    && self.bindings[b].kind == Kind::Builtin
                    && parent == Node::BinOpRShift
                {
                    let loc = self.resolve(site);
                    self.report(
                        loc,
                        Rule::F633,
                        "use of >> is invalid with print function".into(),
                    );
                }
                self.bindings[b].used = Some((here, site));
                if let Some(full) = self.bindings[b].alias_full_name().map(str::to_owned) {
                    if let Some(other) = self.scopes[sid].get(&full) {
                        self.bindings[other].used = Some((here, site));
                    }
                }
                return;
            }
            import_starred = import_starred || self.scopes[sid].import_starred;
            if can_access_class_vars != Some(false) {
                can_access_class_vars = Some(matches!(
                    kind,
                    ScopeKind::Comprehension | ScopeKind::Generator
                ));
            }
        }
        if import_starred {
            let mut from = Vec::new();
            for i in (0..self.stack.len()).rev() {
                let sid = self.stack[i];
                let ids: Vec<BindingId> = self.scopes[sid].binding_ids().collect();
                for b in ids {
                    if let Kind::StarImportation { full_name } = &self.bindings[b].kind {
                        from.push(full_name.clone());
                        self.bindings[b].used = Some((here, site));
                    }
                }
            }
            from.sort();
            let loc = self.resolve(site);
            self.report(
                loc,
                Rule::F405,
                format!(
                    "'{}' may be undefined, or defined from star imports: {}",
                    name,
                    from.join(", ")
                ),
            );
            return;
        }
        if name == "__path__" && self.is_init {
            return;
        }
        if matches!(name, "__module__" | "__qualname__") && self.scope().kind == ScopeKind::Class {
            return;
        }
        if !self
            .except_handlers
            .last()
            .is_some_and(|h| h.iter().any(|n| n == "NameError"))
        {
            let loc = self.resolve(site);
            self.messages.push(Message {
                loc,
                rule: Rule::F821,
                text: format!("undefined name '{name}'"),
                undefined: Some(name.to_owned()),
            });
        }
    }

    fn handle_node_store(&mut self, name: &'a str, loc: Loc, _is_all_target: bool) {
        let current = self.scope_id();
        if self.scope().kind == ScopeKind::Function && self.scope().get(name).is_none() {
            for i in 0..self.stack.len().saturating_sub(1) {
                let sid = self.stack[i];
                if !matches!(
                    self.scopes[sid].kind,
                    ScopeKind::Function | ScopeKind::Module
                ) {
                    continue;
                }
                let Some(b) = self.scopes[sid].get(name) else {
                    continue;
                };
                if let Some((used_scope, used_site)) = self.bindings[b].used {
                    if used_scope == current {
                        let used_loc = self.resolve(used_site);
                        let line = self.bindings[b].loc.map_or(0, |l| l.0);
                        self.report(
                            used_loc,
                            Rule::F823,
                            format!(
                                "local variable '{name}' defined in enclosing scope on line {line} referenced before assignment"
                            ),
                        );
                        break;
                    }
                }
            }
        }
        let parent_stmt = self.parent_stmt();
        let direct = self.direct_parent();
        let kind = match parent_stmt {
            Node::AnnAssign { has_value: false } => Kind::Annotation,
            Node::For | Node::AsyncFor | Node::Comprehension => Kind::Plain,
            _ if direct == Node::Container
                && !matches!(
                    parent_stmt,
                    Node::Assign {
                        literal_unpacking: true
                    }
                ) =>
            {
                Kind::Plain
            }
            Node::NamedExpr => Kind::NamedExprAssignment,
            _ => Kind::Assignment,
        };
        let mut binding = self.new_binding(name, kind, loc);
        binding.in_for = matches!(parent_stmt, Node::For | Node::AsyncFor);
        self.add_binding(binding, Some(loc));
    }

    fn handle_node_delete(&mut self, name: &str, loc: Loc) {
        let conditional = self
            .frames
            .iter()
            .any(|f| matches!(f.node, Node::If | Node::While | Node::IfExp));
        if conditional {
            return;
        }
        if self.scope().is_function_like() {
            self.scope_mut().pop_indirect(name);
        }
        if self.scope_mut().remove(name).is_none() {
            self.messages.push(Message {
                loc,
                rule: Rule::F821,
                text: format!("undefined name '{name}'"),
                undefined: Some(name.to_owned()),
            });
        }
    }

    // ----- the walk --------------------------------------------------------------------

    fn enter<R>(
        &mut self,
        id: usize,
        node: Node,
        fork: Option<u32>,
        in_orelse: bool,
        f: impl FnOnce(&mut Self) -> R,
    ) -> R {
        self.frames.push(Frame {
            step: Step { id, fork },
            node,
            in_orelse,
        });
        self.node_depth += 1;
        let result = with_stack(|| f(self));
        self.node_depth -= 1;
        self.frames.pop();
        result
    }

    fn body(&mut self, stmts: &'a [Stmt], fork: Option<u32>, in_orelse: bool) {
        for stmt in stmts {
            self.stmt(stmt, fork, in_orelse);
        }
    }

    fn is_docstring(stmt: &Stmt) -> bool {
        matches!(stmt, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_)))
    }

    fn stmt(&mut self, stmt: &'a Stmt, fork: Option<u32>, in_orelse: bool) {
        // `from __future__` imports are only allowed before any other statement.
        if self.scope().kind == ScopeKind::Module
            && self.scope().futures_allowed
            && self.frames.len() == 1
            && !matches!(stmt, Stmt::ImportFrom(_))
            && !Self::is_docstring(stmt)
        {
            self.scope_mut().futures_allowed = false;
        }
        let id = node_id(stmt);
        let node = match stmt {
            Stmt::If(_) => Node::If,
            Stmt::While(_) => Node::While,
            Stmt::For(f) if f.is_async => Node::AsyncFor,
            Stmt::For(_) => Node::For,
            Stmt::FunctionDef(f) if f.is_async => Node::AsyncFunctionDef,
            Stmt::FunctionDef(_) => Node::FunctionDef,
            Stmt::ClassDef(_) => Node::ClassDef,
            Stmt::Try(t) if !t.is_star => Node::Try,
            Stmt::Match(_) => Node::Match,
            Stmt::AnnAssign(a) => Node::AnnAssign {
                has_value: a.value.is_some(),
            },
            Stmt::Assign(a) => Node::Assign {
                literal_unpacking: a.targets.iter().all(has_elts) && has_elts(&a.value),
            },
            Stmt::AugAssign(_) => Node::AugAssign,
            _ => Node::Other,
        };
        self.enter(id, node, fork, in_orelse, |c| c.stmt_inner(stmt));
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.expr(&d.expression);
                }
                self.function_like(FunctionLike::Def(f));
                let loc = self.def_loc(f.range.start(), &f.decorator_list);
                let mut b = self.new_binding(f.name.as_str(), Kind::FunctionDefinition, loc);
                b.overload = f
                    .decorator_list
                    .iter()
                    .any(|d| self.is_typing(&d.expression, Some("overload")));
                self.add_binding(b, Some(loc));
            }
            Stmt::ClassDef(cdef) => {
                for d in &cdef.decorator_list {
                    self.expr(&d.expression);
                }
                if let Some(args) = &cdef.arguments {
                    for a in args.args.iter() {
                        self.expr(a);
                    }
                    for k in args.keywords.iter() {
                        self.expr(&k.value);
                    }
                }
                self.push_scope(ScopeKind::Class);
                self.body(&cdef.body, None, false);
                self.pop_scope();
                let loc = self.def_loc(cdef.range.start(), &cdef.decorator_list);
                let b = self.new_binding(cdef.name.as_str(), Kind::ClassDefinition, loc);
                self.add_binding(b, Some(loc));
            }
            Stmt::Return(r) => {
                if matches!(self.scope().kind, ScopeKind::Class | ScopeKind::Module) {
                    let loc = self.loc(r);
                    self.report(loc, Rule::F706, "'return' outside function".into());
                    return;
                }
                if let Some(v) = &r.value {
                    self.expr(v);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(t);
                }
            }
            Stmt::TypeAlias(_) | Stmt::IpyEscapeCommand(_) | Stmt::Pass(_) => {}
            Stmt::Assign(a) => {
                self.expr(&a.value);
                let saved = self.current_all_statement.replace((Some(&a.value), false));
                for t in &a.targets {
                    self.target(t, true);
                }
                self.current_all_statement = saved;
            }
            Stmt::AugAssign(a) => {
                if let Expr::Name(n) = a.target.as_ref() {
                    let site = self.site(n.start());
                    self.handle_node_load(n.id.as_str(), site, Node::AugAssign);
                }
                self.expr(&a.value);
                let saved = self.current_all_statement.replace((Some(&a.value), true));
                self.target(&a.target, true);
                self.current_all_statement = saved;
            }
            Stmt::AnnAssign(a) => {
                self.handle_annotation(&a.annotation);
                if let Some(v) = &a.value {
                    if self.is_typing(&a.annotation, Some("TypeAlias")) {
                        let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
                        self.expr(v);
                        self.annotation = saved;
                    } else {
                        self.expr(v);
                    }
                }
                let saved = self
                    .current_all_statement
                    .replace((a.value.as_deref(), false));
                self.target(&a.target, true);
                self.current_all_statement = saved;
            }
            Stmt::For(f) => {
                self.expr(&f.iter);
                self.target(&f.target, false);
                self.body(&f.body, None, false);
                self.body(&f.orelse, None, true);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.body(&w.body, None, false);
                self.body(&w.orelse, None, true);
            }
            Stmt::If(i) => {
                self.if_tuple(&i.test, i);
                self.expr(&i.test);
                self.body(&i.body, Some(0), false);
                for (n, clause) in i.elif_else_clauses.iter().enumerate() {
                    if let Some(test) = &clause.test {
                        self.if_tuple(test, clause);
                        self.expr(test);
                    }
                    self.body(&clause.body, Some(n as u32 + 1), true);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.target(v, false);
                    }
                }
                self.body(&w.body, None, false);
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for (n, case) in m.cases.iter().enumerate() {
                    let id = node_id(case);
                    self.enter(id, Node::Other, Some(n as u32), false, |c| {
                        c.pattern(&case.pattern);
                        if let Some(g) = &case.guard {
                            c.expr(g);
                        }
                        c.body(&case.body, None, false);
                    });
                }
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.expr(e);
                }
                if let Some(e) = &r.cause {
                    self.expr(e);
                }
                let bad = match r.exc.as_deref() {
                    Some(Expr::Call(call)) => is_notimplemented(&call.func),
                    Some(e) => is_notimplemented(e),
                    None => false,
                };
                if bad {
                    let loc = self.loc(r);
                    self.report(
                        loc,
                        Rule::F901,
                        "'raise NotImplemented' should be 'raise NotImplementedError'".into(),
                    );
                }
            }
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::Assert(a) => {
                if matches!(a.test.as_ref(), Expr::Tuple(t) if !t.elts.is_empty()) {
                    let loc = self.loc(a);
                    self.report(
                        loc,
                        Rule::F631,
                        "assertion is always true, perhaps remove parentheses?".into(),
                    );
                }
                self.expr(&a.test);
                if let Some(m) = &a.msg {
                    self.expr(m);
                }
            }
            Stmt::Import(imp) => {
                let loc = self.loc(imp);
                for alias in &imp.names {
                    let full = alias.name.as_str();
                    let b = if full.contains('.') && alias.asname.is_none() {
                        let root = full.split('.').next().unwrap_or(full);
                        self.new_binding(
                            root,
                            Kind::SubmoduleImportation {
                                full_name: full.to_owned(),
                            },
                            loc,
                        )
                    } else {
                        let name = alias.asname.as_ref().map_or(full, |a| a.as_str());
                        self.new_binding(
                            name,
                            Kind::Importation {
                                full_name: full.to_owned(),
                            },
                            loc,
                        )
                    };
                    self.add_binding(b, Some(loc));
                }
            }
            Stmt::ImportFrom(imp) => self.import_from(imp),
            Stmt::Global(g) => {
                self.global("global", g.names.iter().map(|n| n.as_str()), self.loc(g))
            }
            Stmt::Nonlocal(g) => {
                self.global("nonlocal", g.names.iter().map(|n| n.as_str()), self.loc(g))
            }
            Stmt::Expr(e) => self.expr(&e.value),
            Stmt::Break(b) => self.loop_control(self.loc(b), Rule::F701, "'break' outside loop"),
            Stmt::Continue(b) => {
                self.loop_control(self.loc(b), Rule::F702, "'continue' not properly in loop")
            }
        }
    }

    fn loop_control(&mut self, loc: Loc, rule: Rule, text: &str) {
        // Walk up: fine inside a loop's body (not its else), stop at a function or class.
        let mut child_in_orelse = false;
        for frame in self.frames.iter().rev() {
            match frame.node {
                Node::While | Node::For | Node::AsyncFor if !child_in_orelse => return,
                Node::FunctionDef | Node::ClassDef => break,
                _ => {}
            }
            child_in_orelse = frame.in_orelse;
        }
        self.report(loc, rule, text.to_owned());
    }

    fn global(&mut self, keyword: &'static str, names: impl Iterator<Item = &'a str>, loc: Loc) {
        let global_scope = self.stack[0];
        if self.scope_id() == global_scope {
            return;
        }
        for name in names {
            let mut value = self.new_binding(name, Kind::Assignment, loc);
            value.used = Some((global_scope, UseSite::Fixed(loc)));
            self.messages
                .retain(|m| m.undefined.as_deref() != Some(name));
            self.bindings.push(value);
            let id = self.bindings.len() - 1;
            let key = Name::Borrowed(name);
            if self.scopes[global_scope].get(&key).is_none() {
                self.scopes[global_scope].set(&key, id);
            }
            for i in 1..self.stack.len() {
                let sid = self.stack[i];
                self.scopes[sid].set(&key, id);
            }
            self.scope_mut().pop_indirect(name);
            self.scope_mut()
                .indirect_assignments
                .push((name.to_owned(), loc, keyword));
        }
    }

    fn import_from(&mut self, imp: &'a ast::StmtImportFrom) {
        let loc = self.loc(imp);
        let module_name = imp.module.as_ref().map_or("", |m| m.as_str());
        let is_future = module_name == "__future__";
        if is_future {
            let allowed = self.scope().kind == ScopeKind::Module && self.scope().futures_allowed;
            if !allowed {
                self.report(
                    loc,
                    Rule::F404,
                    "from __future__ imports must occur at the beginning of the file".into(),
                );
            }
        } else if self.scope().kind == ScopeKind::Module {
            self.scope_mut().futures_allowed = false;
        }
        let module = format!("{}{}", ".".repeat(imp.level as usize), module_name);
        for alias in &imp.names {
            let real = alias.name.as_str();
            let name = alias.asname.as_ref().map_or(real, |a| a.as_str());
            let b = if is_future {
                let mut b = self.new_binding(name, Kind::FutureImportation, loc);
                b.used = Some((self.scope_id(), UseSite::Fixed(loc)));
                b.imported_name = format!("__future__.{real}");
                if !FUTURE_FEATURES.contains(&real) {
                    self.report(
                        loc,
                        Rule::F407,
                        format!("future feature {real} is not defined"),
                    );
                }
                if real == "annotations" {
                    self.scope_mut().annotations_future = true;
                }
                b
            } else if real == "*" {
                if self.scope().kind != ScopeKind::Module {
                    self.report(
                        loc,
                        Rule::F406,
                        format!("'from {module} import *' only allowed at module level"),
                    );
                    continue;
                }
                self.scope_mut().import_starred = true;
                self.report(
                    loc,
                    Rule::F403,
                    format!("'from {module} import *' used; unable to detect undefined names"),
                );
                let mut b = self.new_binding(
                    "*",
                    Kind::StarImportation {
                        full_name: module.clone(),
                    },
                    loc,
                );
                b.name = Name::Owned(format!("{module}.*"));
                b
            } else {
                let full_name = if module.ends_with('.') {
                    format!("{module}{real}")
                } else {
                    format!("{module}.{real}")
                };
                self.new_binding(
                    name,
                    Kind::ImportationFrom {
                        module: module.clone(),
                        real_name: real.to_owned(),
                        full_name,
                    },
                    loc,
                )
            };
            self.add_binding(b, Some(loc));
        }
    }

    fn try_stmt(&mut self, t: &'a ast::StmtTry) {
        let alternatives = !t.is_star;
        let mut names = Vec::new();
        for (i, handler) in t.handlers.iter().enumerate() {
            let ExceptHandler::ExceptHandler(h) = handler;
            match h.type_.as_deref() {
                Some(Expr::Tuple(tuple)) => {
                    for e in &tuple.elts {
                        if let Some(n) = node_name(e) {
                            names.push(n);
                        }
                    }
                }
                Some(e) => {
                    if let Some(n) = node_name(e) {
                        names.push(n);
                    }
                }
                None => {
                    if i + 1 < t.handlers.len() {
                        let loc = self.loc(h);
                        self.report(loc, Rule::F707, "default 'except:' must be last".into());
                    }
                }
            }
        }
        self.except_handlers.push(names);
        let main = alternatives.then_some(0);
        self.body(&t.body, main, false);
        self.except_handlers.pop();
        for (i, handler) in t.handlers.iter().enumerate() {
            let ExceptHandler::ExceptHandler(h) = handler;
            let fork = alternatives.then_some(i as u32 + 1);
            self.enter(node_id(h), Node::ExceptHandler, fork, false, |c| {
                c.except_handler(h)
            });
        }
        self.body(&t.orelse, main, true);
        self.body(&t.finalbody, None, false);
    }

    fn except_handler(&mut self, h: &'a ast::ExceptHandlerExceptHandler) {
        let Some(name) = &h.name else {
            if let Some(t) = &h.type_ {
                self.expr(t);
            }
            self.body(&h.body, None, false);
            return;
        };
        let name = name.as_str();
        let loc = self.loc(h);
        if self.scope().get(name).is_some() {
            self.handle_node_store(name, loc, false);
        }
        let prev = self.scope_mut().remove(name);
        self.handle_node_store(name, loc, false);
        if let Some(t) = &h.type_ {
            self.expr(t);
        }
        self.body(&h.body, None, false);
        if let Some(b) = self.scope_mut().remove(name) {
            if self.bindings[b].used.is_none() {
                self.report(
                    loc,
                    Rule::F841,
                    format!("local variable '{name}' is assigned to but never used"),
                );
            }
        }
        if let Some(prev) = prev {
            self.scope_mut().set(&Name::Borrowed(name), prev);
        }
    }

    fn function_like(&mut self, f: FunctionLike<'a>) {
        let (params, loc, returns): (Option<&'a Parameters>, Loc, Option<&'a Expr>) = match f {
            FunctionLike::Def(d) => (
                Some(&d.parameters),
                self.def_loc(d.range.start(), &d.decorator_list),
                d.returns.as_deref(),
            ),
            FunctionLike::Lambda(l) => (l.parameters.as_deref(), self.loc(l), None),
        };
        let mut args: Vec<&str> = Vec::new();
        let mut annotations: Vec<&'a Expr> = Vec::new();
        let mut defaults: Vec<&'a Expr> = Vec::new();
        if let Some(p) = params {
            for a in p.posonlyargs.iter().chain(p.args.iter()) {
                args.push(a.parameter.name.as_str());
                annotations.extend(a.parameter.annotation.as_deref());
                defaults.extend(a.default.as_deref());
            }
            for a in p.kwonlyargs.iter() {
                args.push(a.parameter.name.as_str());
                annotations.extend(a.parameter.annotation.as_deref());
            }
            // CPython lists positional defaults before keyword-only ones.
            for a in p.kwonlyargs.iter() {
                defaults.extend(a.default.as_deref());
            }
            for w in [&p.vararg, &p.kwarg].into_iter().flatten() {
                args.push(w.name.as_str());
                annotations.extend(w.annotation.as_deref());
            }
        }
        annotations.extend(returns);
        for (idx, arg) in args.iter().enumerate() {
            if args[..idx].contains(arg) {
                self.report(
                    loc,
                    Rule::F831,
                    format!("duplicate argument '{arg}' in function definition"),
                );
            }
        }
        for a in annotations {
            self.handle_annotation(a);
        }
        for d in defaults {
            self.expr(d);
        }
        self.defer(Job::Function(f));
    }

    fn defer(&mut self, job: Job<'a>) {
        self.deferred.push_back(Deferred {
            job,
            scopes: self.stack.clone(),
            frames: self.frames.clone(),
            annotation: self.annotation,
        });
    }

    fn run_deferred(&mut self) {
        let saved = (self.stack.clone(), self.frames.clone());
        while let Some(d) = self.deferred.pop_front() {
            self.stack = d.scopes;
            self.frames = d.frames;
            let saved_annotation = self.annotation;
            match d.job {
                Job::Function(f) => {
                    self.annotation = AnnotationState::None;
                    self.run_function(f);
                }
                Job::Annotation(e) => {
                    self.annotation = AnnotationState::Bare;
                    self.expr(e);
                }
                Job::StringAnnotation { text, loc } => {
                    self.annotation = d.annotation;
                    self.string_annotation(&text, loc);
                }
            }
            self.annotation = saved_annotation;
        }
        self.stack = saved.0;
        self.frames = saved.1;
    }

    fn run_function(&mut self, f: FunctionLike<'a>) {
        let (id, node) = match f {
            FunctionLike::Def(d) => (
                node_id(d),
                if d.is_async {
                    Node::AsyncFunctionDef
                } else {
                    Node::FunctionDef
                },
            ),
            FunctionLike::Lambda(l) => (node_id(l), Node::Other),
        };
        // The deferred frames end at the function's parent; the function node itself is
        // part of the path of everything inside it.
        let in_frames = self.frames.last().is_some_and(|fr| fr.step.id == id);
        let run = |c: &mut Self| {
            c.push_scope(ScopeKind::Function);
            let params = match f {
                FunctionLike::Def(d) => Some(d.parameters.as_ref()),
                FunctionLike::Lambda(l) => l.parameters.as_deref(),
            };
            if let Some(p) = params {
                let all = p
                    .posonlyargs
                    .iter()
                    .chain(p.args.iter())
                    .map(|a| &a.parameter)
                    .chain(p.vararg.as_deref())
                    .chain(p.kwonlyargs.iter().map(|a| &a.parameter))
                    .chain(p.kwarg.as_deref());
                for param in all {
                    let loc = c.loc(param);
                    let b = c.new_binding(param.name.as_str(), Kind::Argument, loc);
                    c.add_binding(b, Some(loc));
                }
            }
            match f {
                FunctionLike::Def(d) => c.body(&d.body, None, false),
                FunctionLike::Lambda(l) => c.expr(&l.body),
            }
            c.pop_scope();
        };
        if in_frames {
            run(self);
        } else {
            self.enter(id, node, None, false, run);
        }
    }

    fn handle_annotation(&mut self, e: &'a Expr) {
        let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
        if self.scopes[self.stack[0]].annotations_future {
            self.defer(Job::Annotation(e));
        } else {
            self.expr(e);
        }
        self.annotation = saved;
    }

    fn string_annotation(&mut self, text: &str, loc: Loc) {
        let parsed = parse_expression(text);
        let Ok(parsed) = parsed else {
            self.report(
                loc,
                Rule::F722,
                format!("syntax error in forward annotation '{text}'"),
            );
            return;
        };
        let saved_loc = self.forced_loc.replace(loc);
        let saved_state = std::mem::replace(&mut self.annotation, AnnotationState::String);
        let expr = parsed.expr().clone();
        self.annotation_expr(&expr);
        self.annotation = saved_state;
        self.forced_loc = saved_loc;
    }

    /// A parsed string annotation: names are loaded, nested strings parsed in turn. (Such
    /// annotations hold names, attributes, subscripts and literals; nothing in them binds.)
    fn annotation_expr(&mut self, e: &Expr) {
        with_stack(|| match e {
            Expr::Name(n) => {
                let site = self.site(n.start());
                self.handle_node_load(n.id.as_str(), site, Node::Other);
            }
            Expr::StringLiteral(s) if self.annotation != AnnotationState::None => {
                let loc = self.loc(s);
                let text = s.value.to_str().to_owned();
                self.string_annotation(&text, loc);
            }
            Expr::Subscript(s) => {
                if is_name_or_attr(&s.value, "Literal") {
                    self.annotation_expr(&s.value);
                    let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
                    self.annotation_expr(&s.slice);
                    self.annotation = saved;
                } else if is_name_or_attr(&s.value, "Annotated") {
                    self.annotation_expr(&s.value);
                    match s.slice.as_ref() {
                        Expr::Tuple(t) if t.elts.len() >= 2 => {
                            self.annotation_expr(&t.elts[0]);
                            let saved =
                                std::mem::replace(&mut self.annotation, AnnotationState::None);
                            for x in &t.elts[1..] {
                                self.annotation_expr(x);
                            }
                            self.annotation = saved;
                        }
                        other => self.annotation_expr(other),
                    }
                } else {
                    self.annotation_expr(&s.value);
                    self.annotation_expr(&s.slice);
                }
            }
            Expr::Attribute(a) => self.annotation_expr(&a.value),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| self.annotation_expr(x)),
            Expr::List(t) => t.elts.iter().for_each(|x| self.annotation_expr(x)),
            Expr::BinOp(b) => {
                self.annotation_expr(&b.left);
                self.annotation_expr(&b.right);
            }
            Expr::Call(call) => {
                self.annotation_expr(&call.func);
                call.arguments
                    .args
                    .iter()
                    .for_each(|x| self.annotation_expr(x));
                for k in call.arguments.keywords.iter() {
                    self.annotation_expr(&k.value);
                }
            }
            Expr::UnaryOp(u) => self.annotation_expr(&u.operand),
            Expr::Starred(s) => self.annotation_expr(&s.value),
            _ => {}
        })
    }

    /// An assignment target (`Store` context) or a deletion target.
    fn target(&mut self, e: &'a Expr, from_assign: bool) {
        self.expr_with(e, from_assign);
    }

    fn expr(&mut self, e: &'a Expr) {
        self.expr_with(e, false);
    }

    fn expr_with(&mut self, e: &'a Expr, all_target: bool) {
        let id = node_id(e);
        let node = match e {
            Expr::Named(_) => Node::NamedExpr,
            Expr::Call(_) => Node::Call,
            Expr::BinOp(b) if b.op == Operator::RShift => Node::BinOpRShift,
            Expr::If(_) => Node::IfExp,
            _ if is_container(e) => Node::Container,
            _ => Node::Other,
        };
        if let Expr::Name(n) = e {
            // Names are leaves: handled here with the parent still on top of the stack.
            match n.ctx {
                ExprContext::Store => {
                    let loc = self.loc(n);
                    let is_all = all_target
                        && n.id.as_str() == "__all__"
                        && self.scope().kind == ScopeKind::Module
                        && matches!(
                            self.direct_parent(),
                            Node::Assign { .. }
                                | Node::AugAssign
                                | Node::AnnAssign { has_value: true }
                        );
                    if is_all {
                        self.store_all(loc);
                    } else {
                        self.handle_node_store(n.id.as_str(), loc, false);
                    }
                }
                ExprContext::Del => self.handle_node_delete(n.id.as_str(), self.loc(n)),
                _ => {
                    let parent = self.parent_stmt();
                    let site = self.site(n.start());
                    self.handle_node_load(n.id.as_str(), site, parent);
                    if n.id.as_str() == "locals"
                        && self.scope().kind == ScopeKind::Function
                        && self.direct_parent() == Node::Call
                    {
                        self.scope_mut().uses_locals = true;
                    }
                }
            }
            return;
        }
        self.enter(id, node, None, false, |c| c.expr_inner(e));
    }

    /// `__all__ = [...]` / `+=` / annotated, at module level: an export binding.
    fn store_all(&mut self, loc: Loc) {
        let Some(stmt) = self.current_all_statement else {
            return self.handle_node_store("__all__", loc, false);
        };
        let (value, is_aug) = stmt;
        let mut names: Vec<String> = Vec::new();
        if is_aug {
            if let Some(b) = self.scope().get("__all__") {
                if let Kind::Export { names: old } = &self.bindings[b].kind {
                    names = old.clone();
                }
            }
        }
        let add = |names: &mut Vec<String>, elts: &[Expr]| {
            for e in elts {
                if let Expr::StringLiteral(s) = e {
                    names.push(s.value.to_str().to_owned());
                }
            }
        };
        let elts_of = |e: &'a Expr| -> Option<&'a [Expr]> {
            match e {
                Expr::List(l) => Some(&l.elts),
                Expr::Tuple(t) => Some(&t.elts),
                _ => None,
            }
        };
        if let Some(value) = value {
            if let Some(elts) = elts_of(value) {
                add(&mut names, elts);
            } else if let Expr::BinOp(_) = value {
                let mut current = value;
                while let Expr::BinOp(b) = current {
                    let Some(right) = elts_of(&b.right) else {
                        break;
                    };
                    add(&mut names, right);
                    match b.left.as_ref() {
                        left @ Expr::BinOp(_) => current = left,
                        left => {
                            if let Some(l) = elts_of(left) {
                                add(&mut names, l);
                            }
                            break;
                        }
                    }
                }
            }
        }
        let mut b = self.new_binding("__all__", Kind::Export { names }, loc);
        b.in_for = false;
        self.add_binding(b, Some(loc));
    }
}

/// A constant as a dictionary key compares in Python: `1`, `1.0` and `True` are the same key;
/// tuples of constants compare element-wise.
fn constant_key(e: &Expr) -> Option<String> {
    use validator_python::ast::Number;
    match e {
        Expr::StringLiteral(s) => Some(format!("'{}'", s.value.to_str())),
        Expr::BytesLiteral(b) => Some(format!("b{:?}", b.value.bytes().collect::<Vec<u8>>())),
        Expr::NumberLiteral(n) => Some(match &n.value {
            Number::Int(i) => match i.as_i64() {
                Some(v) => format!("n{}", v as f64),
                None => format!("i{i}"),
            },
            Number::Float(f) => format!("n{f}"),
            Number::Complex { real, imag } => format!("c{real}+{imag}j"),
        }),
        Expr::BooleanLiteral(b) => Some(format!("n{}", f64::from(u8::from(b.value)))),
        Expr::NoneLiteral(_) => Some("None".into()),
        Expr::EllipsisLiteral(_) => Some("...".into()),
        Expr::Tuple(t) => {
            let parts: Option<Vec<String>> =
                with_stack(|| t.elts.iter().map(constant_key).collect());
            parts.map(|p| format!("({})", p.join(",")))
        }
        _ => None,
    }
}

fn node_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        _ => None,
    }
}

impl<'a> Checker<'a> {
    fn expr_inner(&mut self, e: &'a Expr) {
        match e {
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(v)),
            Expr::Named(n) => {
                self.expr(&n.value);
                self.target(&n.target, false);
            }
            Expr::BinOp(b) => {
                if b.op == Operator::Mod {
                    if let Expr::StringLiteral(template) = b.left.as_ref() {
                        let args = match b.right.as_ref() {
                            Expr::Tuple(t) if !t.elts.iter().any(|e| e.is_starred_expr()) => {
                                PercentArgs::Sequence(t.elts.len())
                            }
                            Expr::List(l) if !l.elts.iter().any(|e| e.is_starred_expr()) => {
                                PercentArgs::Sequence(l.elts.len())
                            }
                            Expr::Dict(d) => {
                                let keys: Option<Vec<String>> = d
                                    .items
                                    .iter()
                                    .map(|i| match &i.key {
                                        Some(Expr::StringLiteral(k)) => {
                                            Some(k.value.to_str().to_owned())
                                        }
                                        _ => None,
                                    })
                                    .collect();
                                keys.map_or(PercentArgs::Other, PercentArgs::Mapping)
                            }
                            _ => PercentArgs::Other,
                        };
                        let loc = self.loc(b);
                        for (rule, text) in percent_format(template.value.to_str(), &args) {
                            self.report(loc, rule, text);
                        }
                    }
                }
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::UnaryOp(u) => self.expr(&u.operand),
            Expr::Lambda(l) => self.function_like(FunctionLike::Lambda(l)),
            Expr::If(i) => {
                self.if_tuple(&i.test, i);
                self.expr(&i.test);
                self.expr(&i.body);
                self.expr(&i.orelse);
            }
            Expr::Dict(d) => {
                self.dict_keys(d);
                for item in &d.items {
                    if let Some(k) = &item.key {
                        self.expr(k);
                    }
                    self.expr(&item.value);
                }
            }
            Expr::Set(s) => s.elts.iter().for_each(|v| self.expr(v)),
            Expr::ListComp(c) => self.comprehension(&c.generators, &[&c.elt], false),
            Expr::SetComp(c) => self.comprehension(&c.generators, &[&c.elt], false),
            Expr::DictComp(c) => {
                let mut elts: Vec<&'a Expr> = Vec::new();
                if let Some(k) = &c.key {
                    elts.push(k);
                }
                elts.push(&c.value);
                self.comprehension(&c.generators, &elts, false)
            }
            Expr::Generator(c) => self.comprehension(&c.generators, &[&c.elt], true),
            Expr::Await(a) => self.yield_like(e, Some(&a.value)),
            Expr::Yield(y) => self.yield_like(e, y.value.as_deref()),
            Expr::YieldFrom(y) => self.yield_like(e, Some(&y.value)),
            Expr::Compare(c) => {
                let mut left: &Expr = &c.left;
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    if matches!(op, CmpOp::Is | CmpOp::IsNot)
                        && ((is_constant(left) && !is_singleton(left))
                            || (is_constant(right) && !is_singleton(right)))
                    {
                        let loc = self.loc(c);
                        self.report(
                            loc,
                            Rule::F632,
                            "use ==/!= to compare constant literals (str, bytes, int, float, tuple)"
                                .into(),
                        );
                    }
                    left = right;
                }
                self.expr(&c.left);
                c.comparators.iter().for_each(|v| self.expr(v));
            }
            Expr::Call(call) => self.call(call),
            Expr::FString(f) => {
                let has_placeholder = f.value.elements().any(|el| el.is_interpolation());
                if !self.in_fstring && !has_placeholder {
                    let loc = self.loc(f);
                    self.report(loc, Rule::F541, "f-string is missing placeholders".into());
                }
                let saved = std::mem::replace(&mut self.in_fstring, true);
                for el in f.value.elements() {
                    if let ast::InterpolatedStringElement::Interpolation(i) = el {
                        self.interpolation(i);
                    }
                }
                self.in_fstring = saved;
            }
            Expr::TString(_) => {}
            Expr::StringLiteral(s) => {
                if self.annotation != AnnotationState::None {
                    let loc = self.loc(s);
                    let text = s.value.to_str().to_owned();
                    self.defer(Job::StringAnnotation { text, loc });
                }
            }
            Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
            Expr::Attribute(a) => self.expr(&a.value),
            Expr::Subscript(s) => self.subscript(s),
            Expr::Starred(s) => self.expr(&s.value),
            Expr::Name(_) => {}
            Expr::List(l) => {
                self.starred_assignment(&l.elts, l.ctx, e);
                l.elts.iter().for_each(|v| self.expr(v));
            }
            Expr::Tuple(t) => {
                self.starred_assignment(&t.elts, t.ctx, e);
                t.elts.iter().for_each(|v| self.expr(v));
            }
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(part);
                }
            }
        }
    }

    fn with_annotation(&mut self, state: AnnotationState, e: &'a Expr) {
        let saved = std::mem::replace(&mut self.annotation, state);
        self.expr(e);
        self.annotation = saved;
    }

    /// Calls of `typing` helpers whose string arguments are annotations (`cast("T", x)`,
    /// `TypeVar("T", bound="B")`, ...); other calls are plain.
    fn call(&mut self, call: &'a ast::ExprCall) {
        use AnnotationState::{Bare, None as Plain};
        if let Expr::Attribute(attr) = call.func.as_ref() {
            if let (Expr::StringLiteral(template), "format") =
                (attr.value.as_ref(), attr.attr.as_str())
            {
                let args = CallArgs {
                    positional: call.arguments.args.len(),
                    named: call
                        .arguments
                        .keywords
                        .iter()
                        .filter_map(|k| k.arg.as_ref().map(|a| a.to_string()))
                        .collect(),
                    splat: call.arguments.args.iter().any(|a| a.is_starred_expr())
                        || call.arguments.keywords.iter().any(|k| k.arg.is_none()),
                };
                let loc = self.loc(call);
                for (rule, text) in dot_format(template.value.to_str(), &args) {
                    self.report(loc, rule, text);
                }
            }
        }
        let args = &call.arguments.args;
        let keywords = &call.arguments.keywords;
        // One lookup of the callee for the whole chain below.
        const HELPERS: [&str; 8] = [
            "cast",
            "assert_type",
            "TypeVar",
            "ParamSpec",
            "TypeVarTuple",
            "NewType",
            "TypedDict",
            "NamedTuple",
        ];
        let helper = self
            .typing_member(&call.func)
            .and_then(|m| HELPERS.into_iter().find(|h| *h == m));
        let typing = |name: &str| helper == Some(name);
        let kw = |c: &mut Self, annotated: &dyn Fn(Option<&str>) -> bool| {
            for k in keywords.iter() {
                let state = if annotated(k.arg.as_ref().map(|a| a.as_str())) {
                    Bare
                } else {
                    Plain
                };
                c.with_annotation(state, &k.value);
            }
        };
        let split = |c: &mut Self, first_annotated: bool, at: usize| {
            for (i, a) in args.iter().enumerate() {
                let annotated = (i < at) == first_annotated;
                c.with_annotation(if annotated { Bare } else { Plain }, a);
            }
        };
        if typing("cast") {
            self.with_annotation(Plain, &call.func);
            split(self, true, 1);
            kw(self, &|a| a == Some("typ"));
        } else if typing("assert_type") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|_| false);
        } else if typing("TypeVar") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|a| matches!(a, Some("bound" | "default")));
        } else if typing("ParamSpec") || typing("TypeVarTuple") {
            self.with_annotation(Plain, &call.func);
            args.iter().for_each(|a| self.with_annotation(Plain, a));
            kw(self, &|a| matches!(a, Some("bound" | "default")));
        } else if typing("NewType") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|a| a == Some("tp"));
        } else if typing("TypedDict") {
            self.with_annotation(Plain, &call.func);
            if let Some(first) = args.first() {
                self.with_annotation(Plain, first);
            }
            if let Some(Expr::Dict(d)) = args.get(1) {
                for item in &d.items {
                    if let Some(k) = &item.key {
                        self.with_annotation(Plain, k);
                    }
                    self.with_annotation(Bare, &item.value);
                }
                args.iter()
                    .skip(2)
                    .for_each(|a| self.with_annotation(Plain, a));
            } else {
                args.iter()
                    .skip(1)
                    .for_each(|a| self.with_annotation(Plain, a));
            }
            kw(self, &|_| true);
        } else if typing("NamedTuple") {
            self.with_annotation(Plain, &call.func);
            if let Some(first) = args.first() {
                self.with_annotation(Plain, first);
            }
            let fields = match args.get(1) {
                Some(Expr::Tuple(t)) => Some(&t.elts),
                Some(Expr::List(l)) => Some(&l.elts),
                _ => None,
            };
            if let Some(fields) = fields {
                for elt in fields {
                    let pair = match elt {
                        Expr::Tuple(t) => Some(&t.elts),
                        Expr::List(l) => Some(&l.elts),
                        _ => None,
                    };
                    match pair {
                        Some(pair) => {
                            for (i, x) in pair.iter().enumerate() {
                                self.with_annotation(if i == 0 { Plain } else { Bare }, x);
                            }
                        }
                        None => self.with_annotation(Plain, elt),
                    }
                }
                args.iter()
                    .skip(2)
                    .for_each(|a| self.with_annotation(Plain, a));
            } else {
                args.iter()
                    .skip(1)
                    .for_each(|a| self.with_annotation(Plain, a));
            }
            kw(self, &|_| true);
        } else {
            self.expr(&call.func);
            args.iter().for_each(|v| self.expr(v));
            for k in keywords.iter() {
                self.expr(&k.value);
            }
        }
    }

    fn interpolation(&mut self, i: &'a ast::InterpolatedElement) {
        self.expr(&i.expression);
        if let Some(spec) = &i.format_spec {
            for el in spec.elements.iter() {
                if let ast::InterpolatedStringElement::Interpolation(inner) = el {
                    self.interpolation(inner);
                }
            }
        }
    }

    fn starred_assignment(&mut self, elts: &[Expr], ctx: ExprContext, node: &Expr) {
        if ctx != ExprContext::Store {
            return;
        }
        let mut has_starred = false;
        let mut star_loc: i64 = -1;
        for (i, n) in elts.iter().enumerate() {
            if matches!(n, Expr::Starred(_)) {
                if has_starred {
                    let loc = self.loc(node);
                    self.report(
                        loc,
                        Rule::F622,
                        "two starred expressions in assignment".into(),
                    );
                    break;
                }
                has_starred = true;
                star_loc = i as i64;
            }
        }
        if star_loc >= 1 << 8 || elts.len() as i64 - star_loc > 1 << 24 {
            let loc = self.loc(node);
            self.report(
                loc,
                Rule::F621,
                "too many expressions in star-unpacking assignment".into(),
            );
        }
    }

    fn yield_like(&mut self, e: &'a Expr, value: Option<&'a Expr>) {
        if matches!(self.scope().kind, ScopeKind::Class | ScopeKind::Module) {
            let loc = self.loc(e);
            self.report(loc, Rule::F704, "'yield' outside function".into());
            return;
        }
        if let Some(v) = value {
            self.expr(v);
        }
    }

    fn subscript(&mut self, s: &'a ast::ExprSubscript) {
        if is_name_or_attr(&s.value, "Literal") {
            self.expr(&s.value);
            let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
            self.expr(&s.slice);
            self.annotation = saved;
        } else if is_name_or_attr(&s.value, "Annotated") {
            self.expr(&s.value);
            match s.slice.as_ref() {
                Expr::Tuple(t) if t.elts.len() >= 2 => {
                    self.expr(&t.elts[0]);
                    let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
                    for x in &t.elts[1..] {
                        self.expr(x);
                    }
                    self.annotation = saved;
                }
                _ => self.expr(&s.slice),
            }
        } else if self.is_typing(&s.value, None) {
            let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
            self.expr(&s.value);
            self.expr(&s.slice);
            self.annotation = saved;
        } else {
            self.expr(&s.value);
            self.expr(&s.slice);
        }
    }

    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
        is_generator: bool,
    ) {
        let Some(first) = generators.first() else {
            return;
        };
        self.enter(node_id(first), Node::Comprehension, None, false, |c| {
            c.expr(&first.iter)
        });
        self.push_scope(if is_generator {
            ScopeKind::Generator
        } else {
            ScopeKind::Comprehension
        });
        for (i, g) in generators.iter().enumerate() {
            self.enter(node_id(g), Node::Comprehension, None, false, |c| {
                if i > 0 {
                    c.expr(&g.iter);
                }
                c.target(&g.target, false);
                g.ifs.iter().for_each(|x| c.expr(x));
            });
        }
        for e in elts {
            self.expr(e);
        }
        self.pop_scope();
    }

    fn dict_keys(&mut self, d: &'a ast::ExprDict) {
        use std::collections::HashMap;
        // Keys as pyflakes compares them: constants by value, names by name.
        let key_of = |e: &Expr| -> Option<(bool, String)> {
            match e {
                Expr::Name(n) => Some((true, n.id.to_string())),
                _ => constant_key(e).map(|k| (false, k)),
            }
        };
        let keys: Vec<Option<(bool, String)>> = d
            .items
            .iter()
            .map(|i| i.key.as_ref().and_then(key_of))
            .collect();
        let mut counts: HashMap<&(bool, String), Vec<usize>> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(k) = k {
                counts.entry(k).or_default().push(i);
            }
        }
        let mut reports = Vec::new();
        for (key, indices) in counts {
            if indices.len() < 2 {
                continue;
            }
            let values: Vec<Option<(bool, String)>> =
                indices.iter().map(|&i| key_of(&d.items[i].value)).collect();
            let mut value_counts: HashMap<String, usize> = HashMap::new();
            for v in &values {
                let v = v.as_ref().map_or_else(
                    || format!("unhandled{}", value_counts.len()),
                    |(_, s)| s.clone(),
                );
                *value_counts.entry(v).or_default() += 1;
            }
            if value_counts.values().any(|&c| c == 1) {
                for &i in &indices {
                    if let Some(k) = &d.items[i].key {
                        reports.push((self.loc(k), key.clone()));
                    }
                }
            }
        }
        reports.sort();
        for (loc, (is_var, key)) in reports {
            if is_var {
                self.report(
                    loc,
                    Rule::F602,
                    format!("dictionary key variable {key} repeated with different values"),
                );
            } else {
                self.report(
                    loc,
                    Rule::F601,
                    format!("dictionary key {key} repeated with different values"),
                );
            }
        }
    }

    fn pattern(&mut self, p: &'a Pattern) {
        with_stack(|| match p {
            Pattern::MatchValue(v) => self.expr(&v.value),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(s) => s.patterns.iter().for_each(|x| self.pattern(x)),
            Pattern::MatchMapping(m) => {
                if let Some(rest) = &m.rest {
                    let loc = self.loc(m);
                    self.handle_node_store(rest.as_str(), loc, false);
                }
                m.keys.iter().for_each(|k| self.expr(k));
                m.patterns.iter().for_each(|x| self.pattern(x));
            }
            Pattern::MatchClass(c) => {
                self.expr(&c.cls);
                c.arguments.patterns.iter().for_each(|x| self.pattern(x));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.pattern(&k.pattern));
            }
            Pattern::MatchStar(s) => {
                if let Some(name) = &s.name {
                    let loc = self.loc(s);
                    self.handle_node_store(name.as_str(), loc, false);
                }
            }
            Pattern::MatchAs(a) => {
                if let Some(name) = &a.name {
                    let loc = self.loc(a);
                    self.handle_node_store(name.as_str(), loc, false);
                }
                if let Some(inner) = &a.pattern {
                    self.pattern(inner);
                }
            }
            Pattern::MatchOr(o) => o.patterns.iter().for_each(|x| self.pattern(x)),
        })
    }

    fn check_dead_scopes(&mut self) {
        let dead = std::mem::take(&mut self.dead);
        for sid in dead {
            let kind = self.scopes[sid].kind;
            if matches!(kind, ScopeKind::Class | ScopeKind::Function) {
                let indirect = std::mem::take(&mut self.scopes[sid].indirect_assignments);
                for (name, loc, keyword) in indirect {
                    self.report(
                        loc,
                        Rule::F824,
                        format!("`{keyword} {name}` is unused: name is never assigned in scope"),
                    );
                }
            }
            if kind == ScopeKind::Class {
                continue;
            }
            // Each scope is checked once, at the end: its order list is not needed after.
            let order = std::mem::take(&mut self.scopes[sid].order);
            if kind == ScopeKind::Function && !self.scopes[sid].uses_locals {
                for name in &order {
                    let Some(b) = self.scopes[sid].get(name) else {
                        continue;
                    };
                    let binding = &self.bindings[b];
                    if binding.used.is_none()
                        && name != "_"
                        && !matches!(
                            &**name,
                            "__tracebackhide__"
                                | "__traceback_info__"
                                | "__traceback_supplement__"
                                | "__debuggerskip__"
                        )
                        && binding.kind.is_assignment()
                    {
                        let loc = binding.loc.unwrap_or((0, 0));
                        self.report(
                            loc,
                            Rule::F841,
                            format!("local variable '{name}' is assigned to but never used"),
                        );
                    }
                }
            }
            if kind == ScopeKind::Function {
                for name in &order {
                    let Some(b) = self.scopes[sid].get(name) else {
                        continue;
                    };
                    let binding = &self.bindings[b];
                    if binding.used.is_none() && binding.kind == Kind::Annotation {
                        let loc = binding.loc.unwrap_or((0, 0));
                        self.report(
                            loc,
                            Rule::F842,
                            format!("local variable '{name}' is annotated but never used"),
                        );
                    }
                }
            }
            let all = self.scopes[sid]
                .get("__all__")
                .filter(|&b| matches!(self.bindings[b].kind, Kind::Export { .. }));
            let (all_names, undefined): (std::collections::HashSet<String>, Vec<String>) = match all
            {
                Some(b) => {
                    let Kind::Export { names } = &self.bindings[b].kind else {
                        unreachable!()
                    };
                    let undefined = names
                        .iter()
                        .filter(|n| self.scopes[sid].get(n).is_none())
                        .cloned()
                        .collect();
                    (names.iter().cloned().collect(), undefined)
                }
                None => Default::default(),
            };
            if !undefined.is_empty() {
                let all_loc = all.and_then(|b| self.bindings[b].loc).unwrap_or((0, 0));
                let starred = self.scopes[sid].import_starred;
                if !starred && !self.is_init {
                    for name in &undefined {
                        self.report(
                            all_loc,
                            Rule::F822,
                            format!("undefined name '{name}' in __all__"),
                        );
                    }
                }
                if starred {
                    let mut from = Vec::new();
                    for name in &order {
                        let Some(b) = self.scopes[sid].get(name) else {
                            continue;
                        };
                        if let Kind::StarImportation { full_name } = &self.bindings[b].kind {
                            from.push(full_name.clone());
                            self.bindings[b].used = Some((sid, UseSite::Fixed(all_loc)));
                        }
                    }
                    from.sort();
                    for name in &undefined {
                        self.report(
                            all_loc,
                            Rule::F405,
                            format!(
                                "'{}' may be undefined, or defined from star imports: {}",
                                name,
                                from.join(", ")
                            ),
                        );
                    }
                }
            }
            for name in &order {
                let Some(b) = self.scopes[sid].get(name) else {
                    continue;
                };
                let binding = &self.bindings[b];
                if binding.kind.is_importation()
                    && binding.used.is_none()
                    && !all_names.contains(&*binding.name)
                {
                    let loc = binding.loc.unwrap_or((0, 0));
                    let unused = format!("'{}' imported but unused", binding.imported_name());
                    let redefined: Vec<(Loc, String)> = binding
                        .redefined
                        .iter()
                        .map(|r| {
                            let text = format!(
                                "redefinition of unused '{}' from line {}",
                                binding.name, loc.0
                            );
                            (*r, text)
                        })
                        .collect();
                    self.report(loc, Rule::F401, unused);
                    for (r, text) in redefined {
                        self.report(r, Rule::F811, text);
                    }
                }
            }
        }
    }
}
