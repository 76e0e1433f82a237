//! Bindings and scopes, as pyflakes models them.

use std::borrow::Cow;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use validator_python::text_size::TextSize;

/// A position as pyflakes reports it: 1-based line, 0-based UTF-8 byte column.
pub type Loc = (usize, usize);

pub type ScopeId = usize;
pub type BindingId = usize;

/// One step of the path from the module down to a node: the node's identity and, when its
/// parent is an `if`/`try`/`match`, which alternative of the parent it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub id: usize,
    pub fork: Option<u32>,
}

pub type Path = Rc<Vec<Step>>;

/// Where a binding was used: a source offset, made a position only when reported (few uses
/// are), or a position fixed already (inside a string annotation, or a made-up use).
#[derive(Debug, Clone, Copy)]
pub enum UseSite {
    Offset(TextSize),
    Fixed(Loc),
}

/// A bound name: borrowed from the syntax tree or a constant, owned only for star imports
/// (pyflakes' `module.*`), so that binding a name does not allocate.
pub type Name<'a> = Cow<'a, str>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Builtin,
    /// Tuple unpacking, loop targets, `with ... as`: checked less strictly.
    Plain,
    Argument,
    Assignment,
    NamedExprAssignment,
    Annotation,
    FunctionDefinition,
    ClassDefinition,
    Importation {
        full_name: String,
    },
    SubmoduleImportation {
        full_name: String,
    },
    ImportationFrom {
        module: String,
        real_name: String,
        full_name: String,
    },
    StarImportation {
        full_name: String,
    },
    FutureImportation,
    Export {
        names: Vec<String>,
    },
}

impl Kind {
    pub fn is_importation(&self) -> bool {
        matches!(
            self,
            Kind::Importation { .. }
                | Kind::SubmoduleImportation { .. }
                | Kind::ImportationFrom { .. }
                | Kind::StarImportation { .. }
                | Kind::FutureImportation
        )
    }

    pub fn is_definition(&self) -> bool {
        self.is_importation()
            || matches!(
                self,
                Kind::Builtin | Kind::FunctionDefinition | Kind::ClassDefinition
            )
    }

    pub fn is_assignment(&self) -> bool {
        matches!(self, Kind::Assignment | Kind::NamedExprAssignment)
    }

    pub fn full_name(&self) -> Option<&str> {
        match self {
            Kind::Importation { full_name }
            | Kind::SubmoduleImportation { full_name }
            | Kind::ImportationFrom { full_name, .. }
            | Kind::StarImportation { full_name } => Some(full_name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding<'a> {
    pub name: Name<'a>,
    pub kind: Kind,
    /// Where the binding's source node is (None for builtins).
    pub loc: Option<Loc>,
    pub path: Option<Path>,
    /// The source's statement is a `for` loop (F402).
    pub in_for: bool,
    /// A function decorated with `typing.overload`.
    pub overload: bool,
    pub used: Option<(ScopeId, UseSite)>,
    /// Where an unused import was redefined in a nested scope (reported with F401).
    pub redefined: Vec<Loc>,
    /// For `from __future__` the name as written (`FutureImportation.imported_name`).
    pub imported_name: String,
}

impl<'a> Binding<'a> {
    pub fn new(name: impl Into<Name<'a>>, kind: Kind) -> Self {
        Self {
            name: name.into(),
            kind,
            loc: None,
            path: None,
            in_for: false,
            overload: false,
            used: None,
            redefined: Vec::new(),
            imported_name: String::new(),
        }
    }

    fn has_alias(&self) -> bool {
        match self.kind.full_name() {
            Some(full) => full.rsplit('.').next() != Some(&*self.name),
            None => false,
        }
    }

    /// The alias's full name, when it differs (pyflakes marks both used).
    pub fn alias_full_name(&self) -> Option<&str> {
        if matches!(
            self.kind,
            Kind::Importation { .. } | Kind::ImportationFrom { .. }
        ) && self.has_alias()
        {
            self.kind.full_name()
        } else {
            None
        }
    }

    /// `imported_name` as pyflakes prints it in F401.
    pub fn imported_name(&self) -> String {
        let alias = if self.has_alias() {
            format!(" as {}", self.name)
        } else {
            String::new()
        };
        match &self.kind {
            Kind::Importation { full_name } | Kind::ImportationFrom { full_name, .. } => {
                format!("{full_name}{alias}")
            }
            Kind::SubmoduleImportation { full_name } => full_name.clone(),
            Kind::StarImportation { full_name } => {
                if full_name.ends_with('.') {
                    format!("from {full_name} import *")
                } else {
                    format!("{full_name}.*")
                }
            }
            Kind::FutureImportation => self.imported_name.clone(),
            _ => self.name.to_string(),
        }
    }

    /// pyflakes' `redefines`: whether binding `self` redefines `other` (F811).
    pub fn redefines(&self, other: &Binding<'_>) -> bool {
        match &self.kind {
            Kind::Annotation => false,
            Kind::SubmoduleImportation { full_name } => {
                if other.kind.is_importation() {
                    other.kind.full_name() == Some(full_name.as_str())
                } else {
                    other.kind.is_definition() && self.name == other.name
                }
            }
            k if k.is_importation() => {
                if let Kind::SubmoduleImportation { full_name } = &other.kind {
                    return self.kind.full_name() == Some(full_name.as_str());
                }
                other.kind.is_definition() && self.name == other.name
            }
            Kind::FunctionDefinition | Kind::ClassDefinition | Kind::Builtin => {
                (other.kind.is_definition() || other.kind.is_assignment())
                    && self.name == other.name
            }
            _ => other.kind.is_definition() && self.name == other.name,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Comprehension,
    Generator,
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    /// Every name ever bound here and its binding, `None` once deleted (the name keeps its
    /// place in `order`).
    names: FxHashMap<Name<'a>, Option<BindingId>>,
    /// First-insertion order of names, for deterministic reports (names removed since are
    /// skipped by whoever iterates: look them up with `get`).
    pub order: Vec<Name<'a>>,
    pub import_starred: bool,
    pub uses_locals: bool,
    pub indirect_assignments: Vec<(String, Loc, &'static str)>,
    pub futures_allowed: bool,
    pub annotations_future: bool,
}

impl<'a> Scope<'a> {
    pub fn new(kind: ScopeKind) -> Self {
        // The module scope starts with the builtins (about 180): no regrowing on the way.
        let capacity = if kind == ScopeKind::Module { 256 } else { 0 };
        Self {
            kind,
            names: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            order: Vec::with_capacity(capacity),
            import_starred: false,
            uses_locals: false,
            indirect_assignments: Vec::new(),
            futures_allowed: true,
            annotations_future: false,
        }
    }

    pub fn get(&self, name: &str) -> Option<BindingId> {
        self.names.get(name).copied().flatten()
    }

    pub fn set(&mut self, name: &Name<'a>, id: BindingId) {
        if let Some(slot) = self.names.get_mut(&**name) {
            *slot = Some(id);
            return;
        }
        self.names.insert(name.clone(), Some(id));
        self.order.push(name.clone());
    }

    pub fn remove(&mut self, name: &str) -> Option<BindingId> {
        self.names.get_mut(name).and_then(Option::take)
    }

    /// The bindings of the names currently bound, in no particular order.
    pub fn binding_ids(&self) -> impl Iterator<Item = BindingId> + '_ {
        self.names.values().filter_map(|id| *id)
    }

    pub fn pop_indirect(&mut self, name: &str) {
        self.indirect_assignments.retain(|(n, _, _)| n != name);
    }

    pub fn is_function_like(&self) -> bool {
        matches!(self.kind, ScopeKind::Class | ScopeKind::Function)
    }
}
