//! The scope stack and the bindings in it: pyflakes' `addBinding` and the handlers of names
//! loaded, stored and deleted.

use std::rc::Rc;

use validator_python::ast::Expr;

use super::{AnnotationState, Checker, Message, Node};
use crate::pyflakes::bindings::{
    Binding, BindingId, Kind, Loc, Path, Scope, ScopeId, ScopeKind, UseSite,
};
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope::new(kind));
        self.stack.push(self.scopes.len() - 1);
    }

    pub(super) fn pop_scope(&mut self) {
        if let Some(id) = self.stack.pop() {
            self.dead.push(id);
        }
    }

    pub(super) fn scope_id(&self) -> ScopeId {
        *self.stack.last().unwrap_or(&0)
    }

    pub(super) fn scope(&self) -> &Scope<'a> {
        &self.scopes[self.scope_id()]
    }

    pub(super) fn scope_mut(&mut self) -> &mut Scope<'a> {
        let id = self.scope_id();
        &mut self.scopes[id]
    }

    pub(super) fn path(&self) -> Path {
        Rc::new(self.frames.iter().map(|f| f.step).collect())
    }

    /// `getParent`: the nearest ancestor that is not a container or name node.
    pub(super) fn parent_stmt(&self) -> Node {
        self.frames
            .iter()
            .rev()
            .map(|f| f.node)
            .find(|n| *n != Node::Container)
            .unwrap_or(Node::Module)
    }

    pub(super) fn direct_parent(&self) -> Node {
        self.frames.last().map_or(Node::Module, |f| f.node)
    }

    pub(super) fn different_forks(a: &Path, b: &Path) -> bool {
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
    pub(super) fn lookup(&self, name: &str) -> Option<BindingId> {
        self.stack
            .iter()
            .rev()
            .find_map(|&sid| self.scopes[sid].get(name))
    }

    /// pyflakes' `_is_typing(node, member)` for `member` given, else `_is_typing_helper` for
    /// any member: whether the node is `typing.<member>` (or from `typing_extensions`).
    pub(super) fn is_typing(&self, expr: &Expr, member: Option<&str>) -> bool {
        self.typing_member(expr)
            .is_some_and(|name| member.is_none_or(|m| m == name))
    }

    /// The `typing` member a name or attribute refers to, if any.
    pub(super) fn typing_member<'s>(&'s self, expr: &'s Expr) -> Option<&'s str> {
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

    pub(super) fn add_binding(&mut self, mut value: Binding<'a>, node_loc: Option<Loc>) {
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

    pub(super) fn new_binding(&self, name: &'a str, kind: Kind, loc: Loc) -> Binding<'a> {
        let mut b = Binding::new(name, kind);
        b.loc = Some(loc);
        b.path = Some(self.path());
        b
    }

    pub(super) fn in_postponed_annotation(&self) -> bool {
        self.annotation == AnnotationState::String
            || (self.annotation == AnnotationState::Bare
                && self.scopes[self.stack[0]].annotations_future)
    }

    pub(super) fn handle_node_load(&mut self, name: &str, site: UseSite, parent: Node) {
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

    pub(super) fn handle_node_store(&mut self, name: &'a str, loc: Loc, _is_all_target: bool) {
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

    pub(super) fn handle_node_delete(&mut self, name: &str, loc: Loc) {
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
}
