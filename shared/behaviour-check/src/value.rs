//! The abstract values the resolver folds expressions into: constant strings and bytes (with
//! whether they were built to hide what they spell), qualified names of modules and callables,
//! and unknown values that carry where their data came from (taint).

/// Where an unknown value's data came from. Bit flags, merged when values combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taint(u8);

impl Taint {
    pub const NONE: Taint = Taint(0);
    /// Decoded at run time (base64, zlib, marshal, hex, rot13, ...).
    pub const DECODED: Taint = Taint(1);
    /// Read from the network.
    pub const FETCHED: Taint = Taint(2);
    /// The whole process environment.
    pub const ENVIRON: Taint = Taint(4);
    /// Read from a credential store.
    pub const CREDENTIAL: Taint = Taint(8);

    pub fn union(self, other: Taint) -> Taint {
        Taint(self.0 | other.0)
    }
    pub fn has(self, other: Taint) -> bool {
        self.0 & other.0 != 0
    }
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// A string the resolver could fold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    pub text: String,
    /// Built by concatenation, formatting, decoding, `chr`, reversal or escapes: a name spelled
    /// this way is being hidden.
    pub hidden: bool,
    /// Some parts were unknown (shown as `*`): good enough to classify a path or a URL, never
    /// used as a name.
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Unknown(Taint),
    Str(Folded),
    Bytes {
        data: Vec<u8>,
        hidden: bool,
    },
    Int(i64),
    List(Vec<Value>),
    /// A module, callable or attribute chain by its qualified name (`os.system`,
    /// `builtins.exec`, `qgis.core.QgsSettings().value`). `hidden`: reached through a dynamic
    /// lookup (getattr, `__import__`, `sys.modules`, `globals()`) or a built name.
    Ref {
        name: String,
        hidden: bool,
    },
    /// `globals()`, `vars()`, `locals()`: subscripting it looks a name up.
    Namespace,
    /// A bound method of a constant (`"".join`, `"...".format`, `b"..".decode`).
    Method {
        receiver: Box<Value>,
        name: String,
    },
}

impl Value {
    pub const UNKNOWN: Value = Value::Unknown(Taint::NONE);

    pub fn str(text: impl Into<String>, hidden: bool) -> Value {
        Value::Str(Folded {
            text: text.into(),
            hidden,
            partial: false,
        })
    }

    pub fn reference(name: impl Into<String>, hidden: bool) -> Value {
        Value::Ref {
            name: name.into(),
            hidden,
        }
    }

    /// The constant string, when fully known.
    pub fn as_str(&self) -> Option<&Folded> {
        match self {
            Value::Str(f) if !f.partial => Some(f),
            _ => None,
        }
    }

    /// The string for classification (paths, URLs), unknown parts as `*`.
    pub fn loose_str(&self) -> Option<&str> {
        match self {
            Value::Str(f) => Some(&f.text),
            _ => None,
        }
    }

    pub fn taint(&self) -> Taint {
        match self {
            Value::Unknown(t) => *t,
            Value::List(items) => items.iter().fold(Taint::NONE, |t, v| t.union(v.taint())),
            Value::Method { receiver, .. } => receiver.taint(),
            Value::Str(f) if f.hidden => Taint::NONE,
            _ => Taint::NONE,
        }
    }

    pub fn is_hidden(&self) -> bool {
        match self {
            Value::Str(f) => f.hidden,
            Value::Bytes { hidden, .. } | Value::Ref { hidden, .. } => *hidden,
            _ => false,
        }
    }

    /// The text of a string, or `*` for anything else (to build partial strings).
    pub fn text_or_star(&self) -> (String, bool, bool) {
        match self {
            Value::Str(f) => (f.text.clone(), f.hidden, f.partial),
            Value::Int(i) => (i.to_string(), false, false),
            _ => ("*".to_owned(), false, true),
        }
    }
}
