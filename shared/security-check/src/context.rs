//! What a test sees about the node it checks, as Bandit's `Context` gives it: qualified names
//! resolved through the imports seen so far (`import subprocess as sp` makes `sp.call` be
//! `subprocess.call`), call arguments and keywords as Bandit's literal values, and the module's
//! imports. The contexts of `Call`, `Str` and `FunctionDef` tests live here, apart from the walk
//! that builds them, so that the tests (plugins) do not depend on the walker that runs them.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, ExprCall, Keyword, StmtFunctionDef};
use validator_python::text_size::Ranged;

use crate::literal::Lit;
use crate::rules::Rule;
use crate::tree::{Joined, Lines, Node};

/// One result of a test, before Bandit's tester fills in the node's position and applies
/// `# nosec`.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub(crate) rule: Rule,
    pub(crate) severity: Severity,
    pub(crate) confidence: Confidence,
    pub(crate) text: String,
    /// A line the test chose (Bandit's `lineno=`), else the node's.
    pub(crate) lineno: Option<u32>,
    pub(crate) col: Option<u32>,
    /// What the result lacks to be a risk (see `evidence.rs`); Bandit's result is unchanged.
    pub(crate) without_evidence: Option<validator_domain::WithoutEvidence>,
    /// The value comes from its function's parameters: the function's callers decide.
    pub(crate) callers_question: Option<Box<crate::callers::CallersQuestion>>,
}

impl Issue {
    pub(crate) fn new(
        rule: Rule,
        severity: Severity,
        confidence: Confidence,
        text: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            confidence,
            text: text.into(),
            lineno: None,
            col: None,
            without_evidence: None,
            callers_question: None,
        }
    }

    pub(crate) fn at_line(mut self, line: Option<u32>) -> Self {
        self.lineno = line;
        self
    }
}

/// The imports seen so far in traversal order (Bandit tracks them for the whole module, not per
/// scope).
#[derive(Default)]
pub(crate) struct Imports {
    modules: HashSet<String>,
    ordered: Vec<String>,
    pub(crate) aliases: HashMap<String, String>,
    /// `imported_like` answers so far: (text, imports looked at, found). Imports only grow, so
    /// a later question looks at the new ones only (it is asked for every call, by many rules).
    like_answers: RefCell<Vec<(&'static str, usize, bool)>>,
}

impl Imports {
    pub(crate) fn add(&mut self, module: String) {
        if self.modules.insert(module.clone()) {
            self.ordered.push(module);
        }
    }

    /// `is_module_imported_like`: the text appears in any imported name.
    pub(crate) fn imported_like(&self, module: &'static str) -> bool {
        let mut answers = self.like_answers.borrow_mut();
        let at = match answers.iter().position(|(text, _, _)| *text == module) {
            Some(at) => at,
            None => {
                answers.push((module, 0, false));
                answers.len() - 1
            }
        };
        let (_, looked_at, found) = &mut answers[at];
        if !*found {
            *found = self.ordered[*looked_at..]
                .iter()
                .any(|m| m.contains(module));
            *looked_at = self.ordered.len();
        }
        *found
    }

    /// `is_module_imported_exact`.
    pub(crate) fn imported_exact(&self, module: &str) -> bool {
        self.modules.contains(module)
    }
}

/// `_get_attr_qual_name`: the dotted name of a name or attribute chain, each prefix resolved
/// through the import aliases; `""` for anything else.
pub(crate) fn attr_qual_name(expr: &Expr, aliases: &HashMap<String, String>) -> String {
    validator_python::with_stack(|| match expr {
        Expr::Name(name) => aliases
            .get(name.id.as_str())
            .cloned()
            .unwrap_or_else(|| name.id.to_string()),
        Expr::Attribute(attribute) => {
            let name = format!(
                "{}.{}",
                attr_qual_name(&attribute.value, aliases),
                attribute.attr.as_str()
            );
            aliases.get(&name).cloned().unwrap_or(name)
        }
        _ => String::new(),
    })
}

/// `get_call_name`.
pub(crate) fn call_name(call: &ExprCall, aliases: &HashMap<String, String>) -> String {
    match call.func.as_ref() {
        Expr::Name(name) => aliases
            .get(name.id.as_str())
            .cloned()
            .unwrap_or_else(|| name.id.to_string()),
        attribute @ Expr::Attribute(_) => attr_qual_name(attribute, aliases),
        _ => String::new(),
    }
}

/// `get_called_name`: the last name of the called expression (`x.y.execute` -> `execute`).
pub(crate) fn called_name(call: &ExprCall) -> &str {
    match call.func.as_ref() {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => "",
    }
}

/// The context of a `Call` test.
pub(crate) struct CallContext<'c, 'a> {
    pub(crate) call: &'a ExprCall,
    /// `call_function_name_qual`.
    pub(crate) qualname: String,
    pub(crate) imports: &'c Imports,
    pub(crate) lines: &'c Lines<'a>,
    /// The call's ancestors, the parent last.
    pub(crate) parents: &'c [Node<'a>],
}

impl<'c, 'a> CallContext<'c, 'a> {
    /// `call_function_name`: the last part of the qualified name.
    pub(crate) fn name(&self) -> &str {
        self.qualname.rsplit('.').next().unwrap_or("")
    }

    pub(crate) fn args(&self) -> &'a [Expr] {
        &self.call.arguments.args
    }

    pub(crate) fn keywords(&self) -> &'a [Keyword] {
        &self.call.arguments.keywords
    }

    /// `call_args`.
    pub(crate) fn call_args(&self) -> Vec<Lit<'a>> {
        self.args().iter().map(Lit::of_argument).collect()
    }

    /// `name in call_keywords`.
    pub(crate) fn has_keyword(&self, name: &str) -> bool {
        self.keywords()
            .iter()
            .any(|k| k.arg.as_ref().map(|a| a.as_str()) == Some(name))
    }

    /// `call_keywords.get(name)`, `Some(Unknown)` when present but not a literal.
    pub(crate) fn keyword_value(&self, name: &str) -> Option<Lit<'a>> {
        self.keywords()
            .iter()
            .rev()
            .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some(name))
            .map(|k| Lit::of_argument(&k.value))
    }

    /// `get_call_arg_value`: `None` when absent or not a literal.
    pub(crate) fn call_arg_value(&self, name: &str) -> Option<Lit<'a>> {
        self.keyword_value(name).filter(|v| !v.is_none())
    }

    /// `check_call_arg_value`: `None` when the keyword is absent (or not a literal).
    pub(crate) fn check_call_arg_value(&self, name: &str, values: &[&str]) -> Option<bool> {
        let value = self.call_arg_value(name)?;
        Some(values.iter().any(|v| value.eq_str(v)))
    }

    /// `get_lineno_for_call_arg`.
    pub(crate) fn lineno_for_call_arg(&self, name: &str) -> Option<u32> {
        self.keywords()
            .iter()
            .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some(name))
            .map(|k| self.lines.line(k.value.start()))
    }

    /// `get_call_arg_at_position`: `None` when out of range or not a literal.
    pub(crate) fn arg_at(&self, position: usize) -> Option<Lit<'a>> {
        self.args()
            .get(position)
            .map(Lit::of_argument)
            .filter(Lit::truthy_or_value)
    }

    pub(crate) fn imported_like(&self, module: &'static str) -> bool {
        self.imports.imported_like(module)
    }

    pub(crate) fn imported_exact(&self, module: &str) -> bool {
        self.imports.imported_exact(module)
    }

    /// The call's line.
    pub(crate) fn line(&self) -> u32 {
        self.lines.line(self.call.start())
    }
}

impl Lit<'_> {
    /// `getattr(arg, "attr", None) or literal`: Bandit only loses values that are `None`.
    fn truthy_or_value(&self) -> bool {
        !self.is_none()
    }
}

/// The node a `Str` test looks at.
#[derive(Clone, Copy)]
pub(crate) enum StrNode<'a> {
    Literal(&'a Expr),
    /// A constant part of a `JoinedStr`; `first` when it is its first constant part.
    JoinedConst {
        joined: Joined<'a>,
        first: bool,
    },
}

/// The context of a `Str` test.
pub(crate) struct StrContext<'c, 'a> {
    pub(crate) value: &'c str,
    pub(crate) node: StrNode<'a>,
    /// The string's ancestors, the parent last.
    pub(crate) parents: &'c [Node<'a>],
}

impl<'a> StrContext<'_, 'a> {
    pub(crate) fn parent(&self) -> Option<&Node<'a>> {
        self.parents.last()
    }

    /// The ancestor `n` levels up (1 = parent).
    pub(crate) fn ancestor(&self, n: usize) -> Option<&Node<'a>> {
        self.parents
            .len()
            .checked_sub(n)
            .and_then(|i| self.parents.get(i))
    }
}

/// The context of a `FunctionDef` test.
pub(crate) struct FunctionContext<'a> {
    pub(crate) function: &'a StmtFunctionDef,
}
