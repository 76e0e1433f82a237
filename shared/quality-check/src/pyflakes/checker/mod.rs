//! The walk itself: pyflakes' `Checker`, handler by handler. This module holds the walk's state,
//! its entry point and how it reports; each phase adds its handlers in a module of its own:
//!
//! * [`scopes`]: the scope stack, bindings, and the loads, stores and deletes of names.
//! * [`statements`]: the statement handlers (imports, `global`, `try`, loops).
//! * [`functions`]: function and lambda definitions, and their bodies deferred to the end.
//! * [`annotations`]: annotations, string annotations included.
//! * [`expressions`] and [`calls`]: the expression handlers, `%` and `.format` strings.
//! * [`dead_scopes`]: what is reported when a scope ends (unused names, `__all__`).

use validator_python::ast::{self as ast, Expr, ModModule};
use validator_python::text_size::{Ranged, TextSize};
use validator_python::{with_stack, PythonModule};

use super::bindings::{Binding, Kind, Loc, Scope, ScopeId, ScopeKind, Step, UseSite};
use super::builtins::BUILTINS;
use crate::rules::Rule;
use crate::violation::Violation;

mod annotations;
mod calls;
mod dead_scopes;
mod expressions;
mod functions;
mod scopes;
mod statements;

/// What a node on the walk's ancestor stack is, as far as the handlers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Module,
    If,
    While,
    For,
    AsyncFor,
    FunctionDef,
    AsyncFunctionDef,
    ClassDef,
    Try,
    Match,
    AnnAssign {
        has_value: bool,
    },
    Assign {
        literal_unpacking: bool,
    },
    AugAssign,
    NamedExpr,
    Comprehension,
    Call,
    BinOpRShift,
    IfExp,
    /// Nodes pyflakes' `getParent` skips (they have `elts` or `ctx`).
    Container,
    ExceptHandler,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    step: Step,
    node: Node,
    in_orelse: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnnotationState {
    None,
    String,
    Bare,
}

enum Job<'a> {
    Function(FunctionLike<'a>),
    Annotation(&'a Expr),
    StringAnnotation { text: String, loc: Loc },
}

#[derive(Clone, Copy)]
enum FunctionLike<'a> {
    Def(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

struct Deferred<'a> {
    job: Job<'a>,
    scopes: Vec<ScopeId>,
    frames: Vec<Frame>,
    annotation: AnnotationState,
}

struct Message {
    loc: Loc,
    rule: Rule,
    text: String,
    /// The name of an F821, which a later `global` statement can withdraw.
    undefined: Option<String>,
}

pub struct Checker<'a> {
    module: &'a PythonModule,
    is_init: bool,
    scopes: Vec<Scope<'a>>,
    stack: Vec<ScopeId>,
    dead: Vec<ScopeId>,
    bindings: Vec<Binding<'a>>,
    /// Some import of `typing` or `typing_extensions` was bound: until then no name can
    /// refer to a typing helper, and the lookups are skipped.
    typing_imported: bool,
    frames: Vec<Frame>,
    deferred: std::collections::VecDeque<Deferred<'a>>,
    messages: Vec<Message>,
    except_handlers: Vec<Vec<String>>,
    annotation: AnnotationState,
    in_fstring: bool,
    /// While handling a string annotation: the position every node inside it reports.
    forced_loc: Option<Loc>,
    node_depth: usize,
    /// The value of the assignment statement being handled, for `__all__` (and whether it is
    /// an augmented assignment).
    current_all_statement: Option<(Option<&'a Expr>, bool)>,
}

fn node_id<T>(node: &T) -> usize {
    node as *const T as usize
}

fn is_container(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Tuple(_)
            | Expr::List(_)
            | Expr::Set(_)
            | Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Subscript(_)
            | Expr::Starred(_)
    )
}

fn has_elts(expr: &Expr) -> bool {
    matches!(expr, Expr::Tuple(_) | Expr::List(_) | Expr::Set(_))
}

fn is_constant(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        // An f-string without placeholders is a constant in CPython's tree.
        Expr::FString(f) => !f.value.elements().any(|e| e.is_interpolation()),
        Expr::Tuple(t) => with_stack(|| t.elts.iter().all(is_constant)),
        _ => false,
    }
}

fn is_singleton(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) | Expr::EllipsisLiteral(_)
    )
}

fn is_name_or_attr(expr: &Expr, name: &str) -> bool {
    match expr {
        Expr::Name(n) => n.id.as_str() == name,
        Expr::Attribute(a) => a.attr.as_str() == name,
        _ => false,
    }
}

fn is_notimplemented(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == "NotImplemented")
}

impl<'a> Checker<'a> {
    pub fn run(module: &'a PythonModule, syntax: &'a ModModule, is_init: bool) -> Vec<Violation> {
        let mut c = Checker {
            module,
            is_init,
            scopes: Vec::new(),
            stack: Vec::new(),
            dead: Vec::new(),
            bindings: Vec::with_capacity(256),
            typing_imported: false,
            frames: Vec::new(),
            deferred: Default::default(),
            messages: Vec::new(),
            except_handlers: vec![Vec::new()],
            annotation: AnnotationState::None,
            in_fstring: false,
            forced_loc: None,
            node_depth: 0,
            current_all_statement: None,
        };
        c.frames.push(Frame {
            step: Step {
                id: node_id(syntax),
                fork: None,
            },
            node: Node::Module,
            in_orelse: false,
        });
        c.push_scope(ScopeKind::Module);
        for name in BUILTINS {
            c.add_binding(Binding::new(*name, Kind::Builtin), None);
        }
        c.body(&syntax.body, None, false);
        c.run_deferred();
        c.pop_scope();
        c.check_dead_scopes();
        c.messages
            .into_iter()
            .map(|m| Violation::new(m.rule, m.loc.0, m.loc.1, m.text))
            .collect()
    }

    // ----- positions and reports -------------------------------------------------------

    fn loc_at(&self, offset: TextSize) -> Loc {
        if let Some(loc) = self.forced_loc {
            return loc;
        }
        self.position(offset)
    }

    fn position(&self, offset: TextSize) -> Loc {
        let (line, column) = self.module.line_and_byte_column(offset);
        (line as usize, column as usize)
    }

    fn site(&self, offset: TextSize) -> UseSite {
        match self.forced_loc {
            Some(loc) => UseSite::Fixed(loc),
            None => UseSite::Offset(offset),
        }
    }

    fn resolve(&self, site: UseSite) -> Loc {
        match site {
            UseSite::Offset(offset) => self.position(offset),
            UseSite::Fixed(loc) => loc,
        }
    }

    fn loc<T: Ranged>(&self, node: &T) -> Loc {
        self.loc_at(node.start())
    }

    /// F634: an `if`/`elif`/conditional expression testing a non-empty tuple (always true).
    fn if_tuple<T: Ranged>(&mut self, test: &Expr, node: &T) {
        if matches!(test, Expr::Tuple(t) if !t.elts.is_empty()) {
            let loc = self.loc(node);
            self.report(
                loc,
                Rule::F634,
                "'if tuple literal' is always true, perhaps remove accidental comma?".into(),
            );
        }
    }

    fn def_loc(&self, range_start: TextSize, decorators: &[ast::Decorator]) -> Loc {
        match self.forced_loc {
            Some(loc) => loc,
            None => crate::positions::def_location(self.module, range_start, decorators),
        }
    }

    fn report(&mut self, loc: Loc, rule: Rule, text: String) {
        self.messages.push(Message {
            loc,
            rule,
            text,
            undefined: None,
        });
    }
}

/// A constant as a dictionary key compares in Python: `1`, `1.0` and `True` are the same key;
/// tuples of constants compare element-wise.
fn constant_key(e: &Expr) -> Option<String> {
    use validator_python::ast::Number;
    match e {
        Expr::StringLiteral(s) => Some(format!("'{}'", s.value.to_str())),
        Expr::BytesLiteral(b) => Some(format!("b{:?}", b.value.bytes().collect::<Vec<u8>>())),
        Expr::NumberLiteral(n) => Some(match &n.value {
            Number::Int(i) => match i.as_i64() {
                Some(v) => format!("n{}", v as f64),
                None => format!("i{i}"),
            },
            Number::Float(f) => format!("n{f}"),
            Number::Complex { real, imag } => format!("c{real}+{imag}j"),
        }),
        Expr::BooleanLiteral(b) => Some(format!("n{}", f64::from(u8::from(b.value)))),
        Expr::NoneLiteral(_) => Some("None".into()),
        Expr::EllipsisLiteral(_) => Some("...".into()),
        Expr::Tuple(t) => {
            let parts: Option<Vec<String>> =
                with_stack(|| t.elts.iter().map(constant_key).collect());
            parts.map(|p| format!("({})", p.join(",")))
        }
        _ => None,
    }
}

fn node_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        _ => None,
    }
}
