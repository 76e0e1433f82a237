//! The abstract values the resolver folds expressions into: constant strings and bytes (with
//! whether they were built to hide what they spell), qualified names of modules and callables,
//! and unknown values that carry where their data came from (taint).

/// Where an unknown value's data came from. Bit flags, merged when values combine.
///
/// The low 16 bits hold kinds of data; the rest are symbols the flow engine resolves after the
/// whole file is read (see `flow.rs`): "parameter `i` of the current function" and "what local
/// function `f` returns" (functions numbered in the order the file defines them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taint(u64);

impl Taint {
    pub const NONE: Taint = Taint(0);
    /// Decoded at run time (base64, zlib, marshal, hex, rot13, ...).
    pub const DECODED: Taint = Taint(1);
    /// Read from the network.
    pub const FETCHED: Taint = Taint(2);
    /// The whole process environment.
    pub const ENVIRON: Taint = Taint(4);
    /// Read from a credential store (a secret in clear, or the store's bytes).
    pub const CREDENTIAL: Taint = Taint(8);
    /// A credential the code asked for by name (the auth configuration the user chose, a
    /// host's netrc login, a service's keyring password): the login the plugin was given,
    /// never counted as stolen on its own.
    pub const AUTH_CONFIG: Taint = Taint(16);
    /// Keys or values of a whole settings group that may hold QGIS's saved passwords
    /// (`allKeys()` at the root): a credential when the file looks for passwords in them.
    pub const SETTINGS_ENUM: Taint = Taint(32);
    /// What a function of another module of the plugin returns (followed across modules).
    pub const IMPORTED: Taint = Taint(64);
    /// A handle on a place that starts code automatically (a registry Run key opened).
    pub const AUTOSTART: Taint = Taint(128);
    /// Bytes of a data file shipped in the plugin (not a `.py`): code hidden in a resource.
    pub const PLUGIN_DATA: Taint = Taint(256);
    /// A request's credential headers read back (`rawHeader(b"Authorization")`): a credential
    /// when the file registers a function QGIS runs on every request (a preprocessor).
    pub const REQUEST_HEADER: Taint = Taint(512);
    /// The ids of every authentication configuration (`configIds()`,
    /// `availableAuthMethodConfigs()`, `certIdentityIds()`), or each name of a constant list of
    /// several (a loop over keyring services): a credential asked for by such an id or name is
    /// harvested.
    pub const AUTH_LIST: Taint = Taint(1024);
    /// A password the user typed into the plugin's own dialog (a password field, an input
    /// dialog in password mode): a credential phishing source (BHV010).
    pub const TYPED_PASSWORD: Taint = Taint(2048);
    /// Every layer of the open project (`mapLayers()`) or every saved connection of a provider
    /// (`connections()`): what sending every data source iterates over.
    pub const LAYER_LIST: Taint = Taint(4096);
    /// The data source of a layer or saved connection reached through [`Taint::LAYER_LIST`]
    /// (`layer.source()`, `conn.uri()`): passwords included for database and web layers.
    pub const CONNECTION: Taint = Taint(8192);
    /// The proxy's saved password (`proxy/proxyPassword`): handed to a network library as the
    /// proxy's login it is ordinary; in a URL opened in the browser or a DNS query it is sent.
    pub const PROXY_SECRET: Taint = Taint(16384);
    /// Each name of a constant list naming the credential environment variables of two
    /// services or more (`("AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN")`): a variable read by such
    /// a name is harvested, not the one login the plugin was given.
    pub const SECRET_NAMES: Taint = Taint(32768);

    const KINDS: u64 = 0xffff;
    const PARAM_SHIFT: u32 = 16;
    /// Parameters of a function followed by the flow engine (the first eight).
    pub const MAX_PARAMS: usize = 8;
    const RESULT_SHIFT: u32 = 24;
    /// Local functions whose results the flow engine follows (the first 40 of a file).
    pub const MAX_RESULTS: usize = 40;

    pub fn union(self, other: Taint) -> Taint {
        Taint(self.0 | other.0)
    }
    /// The kinds both hold.
    pub fn intersection(self, other: Taint) -> Taint {
        Taint(self.0 & other.0)
    }
    pub fn has(self, other: Taint) -> bool {
        self.0 & other.0 != 0
    }
    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// Parameter `index` of the function being read.
    pub fn param(index: usize) -> Taint {
        if index < Self::MAX_PARAMS {
            Taint(1 << (Self::PARAM_SHIFT + index as u32))
        } else {
            Taint::NONE
        }
    }

    /// What local function number `index` returns.
    pub fn result(index: usize) -> Taint {
        if index < Self::MAX_RESULTS {
            Taint(1 << (Self::RESULT_SHIFT + index as u32))
        } else {
            Taint::NONE
        }
    }

    /// The parameters it names.
    pub fn params(self) -> impl Iterator<Item = usize> {
        (0..Self::MAX_PARAMS).filter(move |&i| self.has(Taint::param(i)))
    }

    /// The local functions whose results it names.
    pub fn results(self) -> impl Iterator<Item = usize> {
        (0..Self::MAX_RESULTS).filter(move |&i| self.has(Taint::result(i)))
    }

    /// Without the parameters of the function being read: what outlives the function
    /// (instance attributes, module globals).
    pub fn without_params(self) -> Taint {
        let params = ((1u64 << Self::MAX_PARAMS) - 1) << Self::PARAM_SHIFT;
        Taint(self.0 & !params)
    }

    /// The kinds of data only (no symbols).
    pub fn kinds(self) -> Taint {
        Taint(self.0 & Self::KINDS)
    }

    /// Whether it names anything the flow engine resolves later.
    pub fn has_symbols(self) -> bool {
        self.0 & !Self::KINDS != 0 || self.has(Taint::IMPORTED)
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
    /// What the unknown parts carry (a secret in a URL, a parameter in a command).
    pub taint: Taint,
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
    /// A dict literal with constant string keys (`{"mod": "os", "run": "system"}`), folded
    /// entry by entry up to `max_folded_dict_items`: `NAMES["run"]` is what it holds.
    Dict(Vec<(String, Value)>),
    /// A module, callable or attribute chain by its qualified name (`os.system`,
    /// `builtins.exec`, `qgis.core.QgsSettings().value`). `hidden`: reached through a dynamic
    /// lookup (getattr, `__import__`, `sys.modules`, `globals()`) or a built name.
    Ref {
        name: String,
        hidden: bool,
        /// The data an object was built from (`QByteArray(secret)`): its methods' results
        /// carry it.
        taint: Taint,
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
            taint: Taint::NONE,
        })
    }

    pub fn reference(name: impl Into<String>, hidden: bool) -> Value {
        Value::Ref {
            name: name.into(),
            hidden,
            taint: Taint::NONE,
        }
    }

    /// The value with `taint` added: an object keeps its name (its methods still resolve),
    /// anything else built from tainted data becomes unknown data with that taint.
    pub fn tainted(self, taint: Taint) -> Value {
        if taint.is_none() {
            return self;
        }
        match self {
            Value::Ref {
                name,
                hidden,
                taint: own,
            } => Value::Ref {
                name,
                hidden,
                taint: own.union(taint),
            },
            Value::Str(mut folded) => {
                folded.taint = folded.taint.union(taint);
                Value::Str(folded)
            }
            other => Value::Unknown(other.taint().union(taint)),
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
            Value::Dict(entries) => entries
                .iter()
                .fold(Taint::NONE, |t, (_, v)| t.union(v.taint())),
            Value::Method { receiver, .. } => receiver.taint(),
            Value::Ref { taint, .. } => *taint,
            Value::Str(f) => f.taint,
            _ => Taint::NONE,
        }
    }

    /// The value a folded dict holds under a constant key (the last one written).
    pub fn dict_entry(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
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
