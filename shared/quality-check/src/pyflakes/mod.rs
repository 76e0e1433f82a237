//! pyflakes 4.1.0's checks as flake8 numbers them: one walk over the syntax tree per file that
//! builds scopes and bindings (imports, assignments, arguments, definitions, `__all__`,
//! globals, comprehensions, class scopes, annotations, `del`, conditional definitions), with
//! function bodies deferred to the end of the module as pyflakes does.

mod bindings;
mod builtins;
mod checker;
mod formats;

use validator_python::ast::ModModule;
use validator_python::PythonModule;

use crate::violation::Violation;

/// Runs pyflakes on a module that parsed without error. `is_init` is true for `__init__.py`
/// files (pyflakes skips F822 there).
pub fn check(module: &PythonModule, syntax: &ModModule, is_init: bool) -> Vec<Violation> {
    checker::Checker::run(module, syntax, is_init)
}
