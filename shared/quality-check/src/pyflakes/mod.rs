//! pyflakes 4.1.0's checks.

use validator_python::ast::ModModule;
use validator_python::PythonModule;

use crate::Violation;

pub fn check(_module: &PythonModule, _syntax: &ModModule) -> Vec<Violation> {
    Vec::new()
}
