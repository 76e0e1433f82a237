//! Packages the plugin's code installs at run time: the literal arguments of `pip install`
//! commands (`subprocess.check_call([sys.executable, "-m", "pip", "install", "pkg==1.0"])`,
//! `os.system("pip install pkg")`, `pip.main(["install", "pkg"])`), and names bound to such
//! literals in the module (`pip install *PACKAGES`). A name computed at run time is not known
//! here; the behaviour check reports the install itself.

use std::collections::HashMap;
use validator_archive::PluginArchive;
use validator_domain::{AdvisoryCheck, Dependency, DependencyOrigin};

use validator_python::ast::visitor::{walk_expr, walk_stmt, Visitor};
use validator_python::ast::{Expr, FStringPart, InterpolatedStringElement, Operator, Stmt};
use validator_python::text_size::Ranged;
use validator_python::{is_python_path, with_stack, PythonLimits, PythonModule};

use crate::requirement;
use crate::DependenciesLimits;

/// A word of a command that is not known before run time.
const UNKNOWN: &str = "*";

/// pip options followed by a value (which is not a package).
const OPTIONS_WITH_VALUE: [&str; 26] = [
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-t",
    "--target",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--prefix",
    "--root",
    "--src",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--upgrade-strategy",
    "--log",
    "--cache-dir",
    "--proxy",
    "--timeout",
    "--cert",
    "-e",
];

/// Names bound to literal strings or lists of them anywhere in a module (`PACKAGES =
/// ["x==1.0"]`, `cmd = "pip install x"`): a name bound to anything else, or to two different
/// values, is unknown.
type Constants = HashMap<String, Option<Vec<String>>>;

struct ConstantFinder {
    constants: Constants,
}

impl<'m> Visitor<'m> for ConstantFinder {
    fn visit_stmt(&mut self, stmt: &'m Stmt) {
        if let Stmt::Assign(assign) = stmt {
            if let [Expr::Name(target)] = assign.targets.as_slice() {
                let mut value = Vec::new();
                words(&assign.value, &HashMap::new(), &mut value);
                let known = !value.iter().any(|w| w == UNKNOWN);
                let entry = self
                    .constants
                    .entry(target.id.to_string())
                    .or_insert_with(|| known.then(|| value.clone()));
                if !known || entry.as_ref() != Some(&value) {
                    *entry = None;
                }
            }
        }
        with_stack(|| walk_stmt(self, stmt));
    }
}

/// The words of an argument: a string's whitespace-separated words, a list's items, the
/// literal parts of a concatenation or an f-string, a name bound to such a literal; anything
/// else is one unknown word.
fn words(expr: &Expr, constants: &Constants, out: &mut Vec<String>) {
    match expr {
        Expr::Name(name) => match constants.get(name.id.as_str()) {
            Some(Some(value)) => out.extend(value.iter().cloned()),
            _ => out.push(UNKNOWN.to_owned()),
        },
        Expr::Starred(starred) => words(&starred.value, constants, out),
        Expr::StringLiteral(s) => {
            out.extend(s.value.to_str().split_whitespace().map(str::to_owned))
        }
        Expr::List(list) => list.elts.iter().for_each(|e| words(e, constants, out)),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| words(e, constants, out)),
        Expr::BinOp(op) if op.op == Operator::Add => {
            words(&op.left, constants, out);
            words(&op.right, constants, out);
        }
        Expr::FString(fstring) => {
            let mut text = String::new();
            for part in fstring.value.iter() {
                match part {
                    FStringPart::Literal(literal) => text.push_str(&literal.value),
                    FStringPart::FString(f) => {
                        for element in f.elements.iter() {
                            match element {
                                InterpolatedStringElement::Literal(l) => text.push_str(&l.value),
                                InterpolatedStringElement::Interpolation(_) => {
                                    text.push(' ');
                                    text.push_str(UNKNOWN);
                                    text.push(' ');
                                }
                            }
                        }
                    }
                }
            }
            out.extend(text.split_whitespace().map(str::to_owned));
        }
        _ => out.push(UNKNOWN.to_owned()),
    }
}

/// The dotted name of a callee (`pip.main`, `subprocess.check_call`).
fn callee(expr: &Expr) -> String {
    match expr {
        Expr::Name(name) => name.id.to_string(),
        Expr::Attribute(attr) => format!("{}.{}", callee(&attr.value), attr.attr.id),
        _ => String::new(),
    }
}

/// The requirements a command's words install, if the words are a `pip install` command.
pub fn installed_requirements(words: &[String]) -> Option<Vec<String>> {
    let is_pip = |w: &str| {
        let last = w
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(w)
            .to_ascii_lowercase();
        matches!(last.as_str(), "pip" | "pip3" | "pip.exe" | "pip3.exe")
            || (last.starts_with("pip3.") && !last.contains(".py"))
    };
    let pip = words.iter().position(|w| is_pip(w))?;
    let install = words[pip..].iter().position(|w| w == "install")? + pip;
    let mut out = Vec::new();
    let mut skip_next = false;
    for word in &words[install + 1..] {
        if skip_next {
            skip_next = false;
            continue;
        }
        if word.starts_with('-') {
            skip_next = OPTIONS_WITH_VALUE.contains(&word.as_str());
            continue;
        }
        // Shell separators end the command.
        if matches!(word.as_str(), "&&" | ";" | "|" | "||") {
            break;
        }
        let word = word.trim_matches(|c| c == '"' || c == '\'');
        if word == UNKNOWN || word.contains(UNKNOWN) {
            continue;
        }
        out.push(word.to_owned());
    }
    Some(out)
}

struct Installs<'m> {
    module: &'m PythonModule,
    constants: Constants,
    found: Vec<(u32, String, String)>,
}

impl<'m> Visitor<'m> for Installs<'m> {
    fn visit_expr(&mut self, expr: &'m Expr) {
        if let Expr::Call(call) = expr {
            let mut w = Vec::new();
            let name = callee(&call.func);
            // `pip.main([...])`, `pip._internal.main([...])`: the callee is pip itself.
            if name.starts_with("pip.") || name == "pipmain" {
                w.push("pip".to_owned());
            }
            for arg in call.arguments.args.iter() {
                words(arg, &self.constants, &mut w);
            }
            if let Some(requirements) = installed_requirements(&w) {
                let line = self.module.line_of(call.range().start());
                let command = w.join(" ");
                for r in requirements {
                    self.found.push((line, r, command.clone()));
                }
            }
        }
        with_stack(|| walk_expr(self, expr));
    }
}

/// Whether a file's text may hold a command [`installed_requirements`] reads: it spells
/// `install` and `pip` as a word of its own (`pip`, `pip3`, `pip.exe`, `pip.main`, `"pip"`),
/// or `pipmain`. `pipe`, `pipeline` and `pip_version` are not pip: most files that mention them
/// are not parsed for nothing.
pub fn may_install(text: &[u8]) -> bool {
    let mentions = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    let pip_word = text
        .windows(4)
        .any(|w| w.starts_with(b"pip") && !(w[3].is_ascii_alphabetic() || w[3] == b'_'))
        || text.ends_with(b"pip");
    mentions(b"install") && (pip_word || mentions(b"pipmain"))
}

/// Adds the packages every Python file installs with `pip install` literal arguments.
pub fn installs(archive: &PluginArchive, limits: &DependenciesLimits, out: &mut Vec<Dependency>) {
    let python = PythonLimits::default();
    for entry in archive.files().filter(|e| is_python_path(&e.name)) {
        if entry.size > limits.max_file_bytes {
            continue;
        }
        let Ok(bytes) = archive.read(entry) else {
            continue;
        };
        // Only files that may hold a pip command are parsed (see `may_install`).
        if !may_install(&bytes) {
            continue;
        }
        let Ok(module) = PythonModule::parse(&bytes, &python) else {
            continue;
        };
        let Some(syntax) = module.syntax() else {
            continue;
        };
        let mut finder = ConstantFinder {
            constants: HashMap::new(),
        };
        for stmt in &syntax.body {
            with_stack(|| finder.visit_stmt(stmt));
        }
        let mut visitor = Installs {
            module: &module,
            constants: finder.constants,
            found: Vec::new(),
        };
        for stmt in &syntax.body {
            with_stack(|| visitor.visit_stmt(stmt));
        }
        for (line, text, command) in visitor.found {
            let Some(req) = requirement::parse(&text) else {
                continue;
            };
            out.push(Dependency {
                name: req.name,
                version: req.pinned.clone(),
                specifier: if req.pinned.is_some() {
                    String::new()
                } else {
                    req.specifier
                },
                origin: DependencyOrigin::Installed,
                path: entry.name.clone(),
                line: Some(line),
                evidence: command.chars().take(200).collect(),
                advisories: AdvisoryCheck::NotChecked("not looked up".to_owned()),
                vulnerabilities: Vec::new(),
                upgrade_to: None,
                verification: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn only_files_that_may_hold_a_pip_command_are_parsed() {
        for text in [
            "subprocess.call(['pip', 'install', 'x'])",
            "os.system('pip3 install x')",
            "pip.main(['install', 'x'])",
            "pipmain(['install', 'x'])",
            "run('/usr/bin/pip.exe install x')",
            "# install with\n# pip",
        ] {
            assert!(may_install(text.as_bytes()), "{text}");
        }
        for text in [
            "subprocess.Popen(cmd, stdout=subprocess.PIPE); pipe.install()",
            "pipeline.install(x)",
            "pip_version = 1  # how to install",
            "pip install",
        ] {
            let parsed = may_install(text.as_bytes());
            assert_eq!(parsed, text == "pip install", "{text}");
        }
    }

    #[test]
    fn pip_install_commands() {
        assert_eq!(
            installed_requirements(&w("* -m pip install --user -t /x requests==2.7.0 six")),
            Some(vec!["requests==2.7.0".to_owned(), "six".to_owned()])
        );
        assert_eq!(
            installed_requirements(&w("/usr/bin/pip3 install -U evil && echo ok")),
            Some(vec!["evil".to_owned()])
        );
        assert_eq!(installed_requirements(&w("pip uninstall x")), None);
        assert_eq!(installed_requirements(&w("pip install *")), Some(vec![]));
        assert_eq!(installed_requirements(&w("pipeline install x")), None);
    }
}
