//! Which Python files the plugin loads: the import graph from the plugin's `__init__.py` (what
//! QGIS imports to call `classFactory`) through static imports, relative and absolute, plus the
//! imports the resolver sees through hidden constant names (`__import__('demo.' + 'x')`).
//! Developer scripts (Plugin Builder's `plugin_upload.py`), tests and documentation builders
//! that nothing imports are not loaded; their code findings do not block under
//! `block_scope = "loaded"`. Any dynamic loading in loaded code (an import with a computed
//! name, `exec`/`compile`, `runpy`, loaders, `sys.path` changes) makes every file count as
//! loaded: fail-closed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::ast::visitor::{walk_stmt, Visitor};
use crate::ast::{self, Stmt};
use crate::PythonModule;

/// One import a file makes: the module path as written, with its relative level, and the
/// names imported from it (which may be submodules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRef {
    pub level: u32,
    pub module: String,
    pub names: Vec<String>,
}

/// What the scope needs of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileImports {
    pub imports: Vec<ImportRef>,
    /// Evidence of dynamic loading (`line: call`).
    pub dynamic: Vec<String>,
}

/// The static imports of a module, wherever they are (functions, `try`, `if`).
pub fn static_imports(module: &PythonModule) -> Vec<ImportRef> {
    struct Collect(Vec<ImportRef>);
    impl<'a> Visitor<'a> for Collect {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(ast::StmtImport { names, .. }) => {
                    for alias in names {
                        self.0.push(ImportRef {
                            level: 0,
                            module: alias.name.id.to_string(),
                            names: Vec::new(),
                        });
                    }
                }
                Stmt::ImportFrom(ast::StmtImportFrom {
                    module,
                    names,
                    level,
                    ..
                }) => self.0.push(ImportRef {
                    level: *level,
                    module: module
                        .as_ref()
                        .map(|m| m.id.to_string())
                        .unwrap_or_default(),
                    names: names.iter().map(|a| a.name.id.to_string()).collect(),
                }),
                _ => {}
            }
            walk_stmt(self, stmt);
        }
        // Imports are statements, and no expression holds a statement: the walk stays out of
        // expressions (most of the tree).
        fn visit_expr(&mut self, _: &'a ast::Expr) {}
    }
    let mut collect = Collect(Vec::new());
    if let Some(syntax) = module.syntax() {
        for stmt in &syntax.body {
            collect.visit_stmt(stmt);
        }
    }
    collect.0
}

/// The loaded files of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadedScope {
    /// Every file counts as loaded, and why.
    Everything { reason: String },
    /// These files, from this entry point.
    Files {
        entry: String,
        loaded: BTreeSet<String>,
    },
}

impl LoadedScope {
    pub fn is_loaded(&self, path: &str) -> bool {
        match self {
            Self::Everything { .. } => true,
            Self::Files { loaded, .. } => loaded.contains(path),
        }
    }
}

/// The module name of a file relative to the plugins folder (`demo/sub/x.py` -> `demo.sub.x`,
/// `demo/sub/__init__.py` -> `demo.sub`), `None` for files that are not importable modules.
fn module_name(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    let name = stem.replace('/', ".");
    (!name.is_empty()).then_some(name)
}

/// The plugin's Python files and the files each one's imports run.
pub struct ImportGraph<'f> {
    files: &'f BTreeMap<String, FileImports>,
    /// Module name -> file, for absolute imports from the plugins folder.
    by_module: BTreeMap<String, &'f str>,
    /// Every dotted suffix of every module name -> its files.
    by_last: BTreeMap<String, Vec<&'f str>>,
}

impl<'f> ImportGraph<'f> {
    /// The graph of `files` (every Python file of the zip, paths as in the zip, with its
    /// imports).
    pub fn new(files: &'f BTreeMap<String, FileImports>) -> Self {
        let by_module: BTreeMap<String, &str> = files
            .keys()
            .filter_map(|path| module_name(path).map(|m| (m, path.as_str())))
            .collect();
        // A top-level import (`import utils`) may reach a folder put on sys.path: any module of
        // the plugin with that last name counts (an over-approximation is safe: more code
        // loaded).
        let mut by_last: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (module, path) in &by_module {
            // Every dotted suffix (`demo.ext_libs.six` -> `ext_libs.six`, `six`).
            by_last.entry(module.clone()).or_default().push(path);
            for (i, _) in module.match_indices('.') {
                by_last
                    .entry(module[i + 1..].to_owned())
                    .or_default()
                    .push(path);
            }
        }
        Self {
            files,
            by_module,
            by_last,
        }
    }

    pub fn imports(&self, path: &str) -> Option<&'f FileImports> {
        self.files.get(path)
    }

    /// The absolute module an import of `path` names (`from ..x import y` in package `a.b`:
    /// `a.x`), empty for `from . import y` at the top.
    pub fn absolute_module(path: &str, import: &ImportRef) -> String {
        if import.level == 0 {
            return import.module.clone();
        }
        let package = {
            let module = module_name(path).unwrap_or_default();
            if path.ends_with("/__init__.py") {
                module
            } else {
                module
                    .rsplit_once('.')
                    .map(|(p, _)| p.to_owned())
                    .unwrap_or_default()
            }
        };
        // Up level - 1 packages, then `x`.
        let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
        for _ in 1..import.level {
            parts.pop();
        }
        let mut base = parts.join(".");
        if !import.module.is_empty() {
            if !base.is_empty() {
                base.push('.');
            }
            base.push_str(&import.module);
        }
        base
    }

    /// The plugin's files that importing `name` runs: `a/__init__.py`, `a/b/__init__.py` and
    /// `a/b/c` for `a.b.c`, and every module with that dotted suffix.
    fn module_files(&self, name: &str, out: &mut Vec<&'f str>) {
        let parts: Vec<&str> = name.split('.').collect();
        for n in 1..=parts.len() {
            if let Some(path) = self.by_module.get(&parts[..n].join(".")) {
                out.push(path);
            }
        }
        if let Some(paths) = self.by_last.get(name) {
            out.extend(paths.iter().copied());
        }
    }

    /// The plugin's files that the imports of `path` run, in import order, each once.
    pub fn imported_files(&self, path: &str) -> Vec<&'f str> {
        let mut out = Vec::new();
        let Some(file) = self.files.get(path) else {
            return out;
        };
        for import in &file.imports {
            let base = Self::absolute_module(path, import);
            if !base.is_empty() {
                self.module_files(&base, &mut out);
            }
            for name in &import.names {
                if name == "*" {
                    continue;
                }
                let sub = if base.is_empty() {
                    name.clone()
                } else {
                    format!("{base}.{name}")
                };
                if self.by_module.contains_key(&sub) {
                    self.module_files(&sub, &mut out);
                }
            }
        }
        let mut seen = BTreeSet::new();
        out.retain(|p| seen.insert(*p));
        out
    }
}

/// The files the plugin's `__init__.py` reaches through its static imports, dynamic loading
/// ignored (empty without an `__init__.py`): what surely runs, as opposed to [`loaded_scope`],
/// which fails closed on dynamic loading.
pub fn statically_imported(top: &str, files: &BTreeMap<String, FileImports>) -> BTreeSet<String> {
    let entry = format!("{top}__init__.py");
    let mut loaded: BTreeSet<String> = BTreeSet::new();
    if !files.contains_key(&entry) {
        return loaded;
    }
    let graph = ImportGraph::new(files);
    let mut queue: VecDeque<String> = VecDeque::from([entry]);
    while let Some(path) = queue.pop_front() {
        if !loaded.insert(path.clone()) {
            continue;
        }
        for next in graph.imported_files(&path) {
            if !loaded.contains(next) {
                queue.push_back(next.to_owned());
            }
        }
    }
    loaded
}

/// Computes the loaded files. `files` maps every Python file of the zip (paths as in the zip)
/// to its imports; `top` is the plugin's folder (`demo/`).
pub fn loaded_scope(top: &str, files: &BTreeMap<String, FileImports>) -> LoadedScope {
    let entry = format!("{top}__init__.py");
    if !files.contains_key(&entry) {
        return LoadedScope::Everything {
            reason: format!("the plugin has no `{entry}` to start from"),
        };
    }
    let graph = ImportGraph::new(files);
    let mut loaded: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::from([entry.clone()]);
    while let Some(path) = queue.pop_front() {
        if !loaded.insert(path.clone()) {
            continue;
        }
        let Some(file) = files.get(&path) else {
            continue;
        };
        if let Some(first) = file.dynamic.first() {
            return LoadedScope::Everything {
                reason: format!("`{path}` loads code dynamically ({first})"),
            };
        }
        for next in graph.imported_files(&path) {
            if !loaded.contains(next) {
                queue.push_back(next.to_owned());
            }
        }
    }
    LoadedScope::Files { entry, loaded }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(imports: &[(u32, &str, &[&str])]) -> FileImports {
        FileImports {
            imports: imports
                .iter()
                .map(|(level, module, names)| ImportRef {
                    level: *level,
                    module: (*module).to_owned(),
                    names: names.iter().map(|n| (*n).to_owned()).collect(),
                })
                .collect(),
            dynamic: Vec::new(),
        }
    }

    fn plugin(files: &[(&str, FileImports)]) -> BTreeMap<String, FileImports> {
        files
            .iter()
            .map(|(p, f)| ((*p).to_owned(), f.clone()))
            .collect()
    }

    #[test]
    fn plugin_builder_layout_loads_the_plugin_not_its_developer_scripts() {
        let files = plugin(&[
            ("demo/__init__.py", file(&[(1, "demo", &["Demo"])])),
            (
                "demo/demo.py",
                file(&[
                    (1, "resources", &["*"]),
                    (1, "demo_dialog", &["DemoDialog"]),
                ]),
            ),
            ("demo/demo_dialog.py", file(&[(0, "os", &[])])),
            ("demo/resources.py", file(&[])),
            ("demo/plugin_upload.py", file(&[(0, "xmlrpc.client", &[])])),
            ("demo/test/test_init.py", file(&[(0, "demo", &[])])),
            ("demo/help/source/conf.py", file(&[])),
        ]);
        let scope = loaded_scope("demo/", &files);
        for loaded in [
            "demo/__init__.py",
            "demo/demo.py",
            "demo/demo_dialog.py",
            "demo/resources.py",
        ] {
            assert!(scope.is_loaded(loaded), "{loaded}: {scope:?}");
        }
        for not in [
            "demo/plugin_upload.py",
            "demo/test/test_init.py",
            "demo/help/source/conf.py",
        ] {
            assert!(!scope.is_loaded(not), "{not}");
        }
    }

    #[test]
    fn absolute_nested_and_from_package_imports_are_followed() {
        let files = plugin(&[
            ("demo/__init__.py", file(&[(0, "demo.core.engine", &[])])),
            ("demo/core/__init__.py", file(&[])),
            ("demo/core/engine.py", file(&[(2, "", &["tools"])])),
            ("demo/tools.py", file(&[(0, "vendored", &[])])),
            ("demo/ext_libs/vendored.py", file(&[])),
            ("demo/unused.py", file(&[])),
        ]);
        let scope = loaded_scope("demo/", &files);
        for loaded in [
            "demo/core/__init__.py",
            "demo/core/engine.py",
            "demo/tools.py",
            "demo/ext_libs/vendored.py",
        ] {
            assert!(scope.is_loaded(loaded), "{loaded}");
        }
        assert!(!scope.is_loaded("demo/unused.py"));
    }

    #[test]
    fn dynamic_loading_in_loaded_code_loads_everything() {
        let mut main = file(&[]);
        main.dynamic
            .push("3: importlib.import_module(name)".to_owned());
        let files = plugin(&[
            ("demo/__init__.py", main),
            ("demo/plugin_upload.py", file(&[])),
        ]);
        assert!(matches!(
            loaded_scope("demo/", &files),
            LoadedScope::Everything { .. }
        ));
        // Without an entry point nothing can be ruled out.
        let files = plugin(&[("demo/x.py", file(&[]))]);
        assert!(loaded_scope("demo/", &files).is_loaded("demo/x.py"));
    }
}
