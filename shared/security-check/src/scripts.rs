//! Command-line scripts outside the plugin's loaded code (issue 30): a module with an
//! `if __name__ == "__main__":` block that parses a command line (`argparse`, `click`, ...) and
//! that nothing the plugin's `__init__.py` reaches imports statically (a documentation
//! generator, a data preparation tool). QGIS imports modules, it does not run scripts; when the
//! plugin loads code dynamically every file counts as loaded (BHV901), which would make such a
//! script's findings block. Under the policy they are reported with the reason instead. The
//! behaviour check's findings are not touched: malice in a script a dynamic import reaches is
//! still judged as everywhere.

use std::collections::{BTreeMap, BTreeSet};

use validator_python::ast::{Expr, Stmt};
use validator_python::imports::{statically_imported, FileImports};
use validator_python::PythonModule;

/// Modules that parse a command line: importing one of them is what makes a `__main__` module
/// a command-line tool rather than a module with a self-test.
const COMMAND_LINE_PARSERS: &[&str] = &[
    "argparse", "optparse", "getopt", "click", "typer", "docopt", "fire",
];

/// Why a finding in such a script does not block.
pub(crate) const REASON: &str = "in a command-line script (a `__main__` block parsing its \
     arguments) that nothing in the plugin imports: QGIS imports modules, it does not run \
     scripts, even when the plugin loads code dynamically";

/// What the plugin's files say about scripts and imports, gathered file by file.
#[derive(Debug, Default)]
pub(crate) struct ScriptScan {
    imports: BTreeMap<String, FileImports>,
    candidates: BTreeSet<String>,
    /// A Python file could not be parsed: its imports are unknown, so no script is known to be
    /// outside the loaded code (fail-closed).
    unknown_imports: bool,
}

impl ScriptScan {
    pub(crate) fn add(&mut self, path: &str, module: Option<&PythonModule>) {
        let Some((module, syntax)) = module.and_then(|m| m.syntax().map(|s| (m, s))) else {
            self.unknown_imports = true;
            return;
        };
        let imports = validator_python::imports::static_imports(module);
        let parses_command_line = imports.iter().any(|i| {
            let top = i.module.split('.').next().unwrap_or_default();
            i.level == 0 && COMMAND_LINE_PARSERS.contains(&top)
        });
        if parses_command_line && has_main_block(&syntax.body) {
            self.candidates.insert(path.to_owned());
        }
        self.imports.insert(
            path.to_owned(),
            FileImports {
                imports,
                dynamic: Vec::new(),
            },
        );
    }

    /// Adds what another part of the files said (the files are read in parallel; merged in
    /// any order, the result is the same).
    pub(crate) fn merge(&mut self, other: ScriptScan) {
        self.imports.extend(other.imports);
        self.candidates.extend(other.candidates);
        self.unknown_imports |= other.unknown_imports;
    }

    /// The command-line scripts that the plugin's `__init__.py` does not reach through static
    /// imports (`top` is the plugin's folder, `demo/`). Empty when that cannot be known.
    pub(crate) fn outside_loaded_code(self, top: Option<&str>) -> BTreeSet<String> {
        let Some(top) = top else {
            return BTreeSet::new();
        };
        if self.unknown_imports || self.candidates.is_empty() {
            return BTreeSet::new();
        }
        let reached = statically_imported(&format!("{top}/"), &self.imports);
        if reached.is_empty() {
            return BTreeSet::new();
        }
        self.candidates
            .into_iter()
            .filter(|path| !reached.contains(path))
            .collect()
    }
}

/// An `if __name__ == "__main__":` block at the module's top level.
fn has_main_block(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| {
        let Stmt::If(guard) = stmt else {
            return false;
        };
        let Expr::Compare(compare) = guard.test.as_ref() else {
            return false;
        };
        let operands = || std::iter::once(compare.left.as_ref()).chain(compare.comparators.iter());
        operands().any(|e| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__"))
            && operands()
                .any(|e| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__"))
    })
}
