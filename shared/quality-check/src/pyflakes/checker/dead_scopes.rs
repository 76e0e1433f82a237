//! What pyflakes reports when a scope ends: unused imports, variables and annotations, unused
//! `global`s, undefined `__all__` names and redefinitions.

use super::Checker;
use crate::pyflakes::bindings::{Kind, Loc, ScopeKind, UseSite};
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn check_dead_scopes(&mut self) {
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
