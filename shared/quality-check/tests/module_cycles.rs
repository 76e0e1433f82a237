//! No module of the crate uses, directly or through others, a module that uses it back: the
//! engine reads as layers (rules and violations, tokens, the check families, the dispatcher in
//! `lib.rs`). A module uses another when its code (not its tests or comments) names a path into
//! it: `crate::a::b::Item`, `super::Item`, `super::{a, b}`, or a child module's name.
//! Declaring a child (`mod a;`) is not a use, and methods that one module adds to a type of
//! another (`impl Checker` in a phase module of the pyflakes walk) are not paths either.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Module = Vec<String>;

/// Every source file of `src` as (module path, code without tests and comments).
fn modules(src: &Path, prefix: &Module, out: &mut BTreeMap<Module, String>) {
    for entry in fs::read_dir(src).expect("a readable src folder") {
        let path = entry.expect("a readable entry").path();
        let name = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            let mut inner = prefix.clone();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.clone();
            if name != "mod" && name != "lib" {
                module.push(name);
            }
            let text = fs::read_to_string(&path).expect("a readable source file");
            out.insert(module, code_only(&text));
        }
    }
}

/// The text before `#[cfg(test)]`, without `//` comments.
fn code_only(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths written in `code`, as their segments (`super::{a, b}` gives `super::a` and
/// `super::b`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let is_path = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_path(bytes[i]) || (i > 0 && is_path(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_path(bytes[i]) {
            i += 1;
        }
        let run = &code[start..i];
        if !run.contains("::") {
            continue;
        }
        let segments: Vec<String> = run
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if run.ends_with("::") && code[i..].starts_with('{') {
            let group_end = code[i..].find('}').map_or(code.len(), |end| i + end);
            for item in code[i + 1..group_end].split(',') {
                let first = item.trim().split("::").next().unwrap_or("").trim();
                if !first.is_empty() {
                    let mut path = segments.clone();
                    path.push(first.to_owned());
                    found.push(path);
                }
            }
            i = group_end;
        } else {
            found.push(segments);
        }
    }
    found
}

/// The module a path names, from `module`: its longest prefix that is a module.
fn target(module: &Module, path: &[String], all: &BTreeMap<Module, String>) -> Option<Module> {
    let (mut base, rest): (Module, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (module.clone(), &path[1..]),
        "super" => {
            let mut base = module.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            (base, rest)
        }
        child => {
            let mut inner = module.clone();
            inner.push(child.to_owned());
            if !all.contains_key(&inner) {
                return None;
            }
            (module.clone(), path)
        }
    };
    let mut resolved = base.clone();
    for segment in rest {
        base.push(segment.clone());
        if all.contains_key(&base) {
            resolved = base.clone();
        } else {
            break;
        }
    }
    Some(resolved)
}

fn uses(all: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    all.iter()
        .map(|(module, code)| {
            let targets = paths(code)
                .iter()
                .filter_map(|path| target(module, path, all))
                .filter(|t| t != module)
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// A cycle of modules, if there is one (depth-first search for a back edge).
fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|m| m == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_uses_a_module_that_uses_it_back() {
    let mut all = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &Vec::new(),
        &mut all,
    );
    let graph = uses(&all);
    // The scan sees the crate's known layering (the test is not vacuous).
    let uses_of = |from: &[&str], to: &[&str]| {
        let from: Module = from.iter().map(|s| s.to_string()).collect();
        let to: Module = to.iter().map(|s| s.to_string()).collect();
        graph.get(&from).is_some_and(|t| t.contains(&to))
    };
    assert!(uses_of(&["pycodestyle", "processor"], &["violation"]));
    assert!(uses_of(
        &["pycodestyle", "whitespace"],
        &["pycodestyle", "logical_line"]
    ));
    assert!(uses_of(
        &["pyflakes", "checker", "scopes"],
        &["pyflakes", "checker"]
    ));
    if let Some(cycle) = find_cycle(&graph) {
        let names: Vec<String> = cycle
            .iter()
            .map(|m| {
                if m.is_empty() {
                    "crate".to_owned()
                } else {
                    m.join("::")
                }
            })
            .collect();
        panic!("module cycle: {}", names.join(" -> "));
    }
}
