//! What pyflakes reports when a scope ends: unused imports, variables and annotations, unused
//! `global`s, undefined `__all__` names and redefinitions.

use std::collections::HashSet;

use super::Checker;
use crate::pyflakes::bindings::{Kind, Loc, Name, ScopeId, ScopeKind, UseSite};
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn check_dead_scopes(&mut self) {
        let dead = std::mem::take(&mut self.dead);
        for sid in dead {
            let kind = self.scopes[sid].kind;
            if matches!(kind, ScopeKind::Class | ScopeKind::Function) {
                self.unused_indirect_assignments(sid);
            }
            if kind == ScopeKind::Class {
                continue;
            }
            // Each scope is checked once, at the end: its order list is not needed after.
            let order = std::mem::take(&mut self.scopes[sid].order);
            if kind == ScopeKind::Function && !self.scopes[sid].uses_locals {
                self.unused_variables(sid, &order);
            }
            if kind == ScopeKind::Function {
                self.unused_annotations(sid, &order);
            }
            let all_names = self.undefined_exports(sid, &order);
            self.unused_imports(sid, &order, &all_names);
        }
    }

    /// F824: a `global` or `nonlocal` declaration whose name the scope never assigns.
    fn unused_indirect_assignments(&mut self, sid: ScopeId) {
        let indirect = std::mem::take(&mut self.scopes[sid].indirect_assignments);
        for (name, loc, keyword) in indirect {
            self.report(
                loc,
                Rule::F824,
                format!("`{keyword} {name}` is unused: name is never assigned in scope"),
            );
        }
    }

    /// F841: a function's local variable assigned and never read.
    fn unused_variables(&mut self, sid: ScopeId, order: &[Name<'a>]) {
        for name in order {
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

    /// F842: a function's local variable annotated and never read.
    fn unused_annotations(&mut self, sid: ScopeId, order: &[Name<'a>]) {
        for name in order {
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

    /// F822 (or F405 under a star import) for each name of `__all__` the scope does not define;
    /// the names `__all__` lists, which count as used imports.
    fn undefined_exports(&mut self, sid: ScopeId, order: &[Name<'a>]) -> HashSet<String> {
        let all = self.scopes[sid]
            .get("__all__")
            .filter(|&b| matches!(self.bindings[b].kind, Kind::Export { .. }));
        let (all_names, undefined): (HashSet<String>, Vec<String>) = match all {
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
        if undefined.is_empty() {
            return all_names;
        }
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
            for name in order {
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
        all_names
    }

    /// F401 for each import never used nor listed in `__all__`, then F811 for each later
    /// definition that replaced it unused.
    fn unused_imports(&mut self, sid: ScopeId, order: &[Name<'a>], all_names: &HashSet<String>) {
        for name in order {
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
