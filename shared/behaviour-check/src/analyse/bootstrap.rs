//! A missing dependency bootstrapped from the network: `try: import pip` / `except ImportError:`
//! code fetched and run, then `import pip` again. The code runs only when the module is missing,
//! and it is there to provide that module (pip's `get-pip.py` idiom); what runs is still
//! whatever the server sends, so it is held for review (BHV108), not passed, and not blocked
//! like code run for its own sake.

use super::*;
use validator_python::ast::{ExceptHandler, StmtTry};

/// The exception names whose handler runs when an import fails (a bare `except` too).
const IMPORT_FAILURES: &[&str] = &["ImportError", "ModuleNotFoundError", "Exception"];

impl<'m> Analyser<'m> {
    /// Records, for a `try` whose body only imports modules, each handler of a failed import
    /// that imports one of those modules again: the lines from the handler's start to that
    /// import, where code run is a bootstrap of the module.
    pub(super) fn note_import_bootstrap(&mut self, attempt: &'m StmtTry) {
        let mut tried: Vec<&'m str> = Vec::new();
        for stmt in attempt.body.iter() {
            let Some(modules) = absolute_imports(stmt) else {
                return;
            };
            tried.extend(modules);
        }
        if tried.is_empty() {
            return;
        }
        for ExceptHandler::ExceptHandler(handler) in &attempt.handlers {
            if !handler.type_.as_deref().is_none_or(catches_import_failure) {
                continue;
            }
            let Some(first) = handler.body.first() else {
                continue;
            };
            let again = handler.body.iter().skip(1).find_map(|stmt| {
                absolute_imports(stmt)?
                    .iter()
                    .any(|m| tried.contains(m))
                    .then(|| self.line(stmt.range()))
            });
            if let Some(again) = again {
                self.bootstraps
                    .push((self.current, self.line(first.range()), again));
            }
        }
    }

    /// Whether code run at `line` of the current unit bootstraps a missing module.
    pub(super) fn bootstraps_at(&self, line: u32) -> bool {
        self.bootstraps
            .iter()
            .any(|(unit, from, to)| *unit == self.current && (*from..*to).contains(&line))
    }
}

/// The modules an `import` or an absolute `from ... import` statement names; `None` for any
/// other statement (a relative import included).
fn absolute_imports(stmt: &Stmt) -> Option<Vec<&str>> {
    match stmt {
        Stmt::Import(import) => Some(import.names.iter().map(|a| a.name.as_str()).collect()),
        Stmt::ImportFrom(import) if import.level == 0 => {
            Some(import.module.iter().map(|m| m.as_str()).collect())
        }
        _ => None,
    }
}

/// `ImportError`, `(ImportError, OSError)`, `builtins.ModuleNotFoundError`, `Exception`.
fn catches_import_failure(kind: &Expr) -> bool {
    match kind {
        Expr::Name(name) => IMPORT_FAILURES.contains(&name.id.as_str()),
        Expr::Attribute(attr) => IMPORT_FAILURES.contains(&attr.attr.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().any(catches_import_failure),
        _ => false,
    }
}
