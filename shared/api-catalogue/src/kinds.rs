//! The closed vocabularies of the tables: one kind enum per table, the argument roles and what a
//! transform's result carries. Each value is spelled in the tables exactly as [`name`] returns
//! it (kebab case); an unknown spelling is a parse error naming the file and line.
//!
//! [`name`]: SinkKind::name

/// Declares a closed vocabulary: the enum, its table spelling, a one-line meaning for evidence
/// text, and the list of every value (for parse errors and documentation).
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal : $meaning:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The spelling used in the tables.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// What the value means, in words for evidence text.
            pub fn meaning(self) -> &'static str {
                match self {
                    $($name::$variant => $meaning,)+
                }
            }

            /// Parses the table spelling.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

vocabulary! {
    /// What a source returns or holds (`sources.tsv`).
    SourceKind {
        /// A password, token, private key or other secret in clear.
        Credential = "credential": "a credential (password, token or key)",
        /// A QGIS authentication configuration or the auth database, which hold credentials.
        AuthConfig = "auth-config": "QGIS authentication configurations",
        /// A connection string or layer source, which may embed a user name and password.
        Connection = "connection": "a connection string that may hold a password",
        /// Another program's secret store (keyring, wallet, keychain, browser logins).
        SecretStore = "secret-store": "another program's secret store",
        /// What identifies the user (name, e-mail, home folder, contacts).
        Personal = "personal": "personal data",
        /// What identifies the machine (host name, MAC address, OS, network interfaces).
        SystemInfo = "system-info": "system information",
        /// The clipboard's content.
        Clipboard = "clipboard": "the clipboard",
        /// Keystrokes or pointer events captured outside Qt's event loop.
        Keystrokes = "keystrokes": "keystrokes",
        /// Pixels of the screen or of other windows.
        Screen = "screen": "the screen",
        /// Environment variables.
        Environment = "environment": "the environment",
        /// A password or text typed by the user into the plugin's dialog.
        UserInput = "user-input": "text the user typed",
        /// Data read from the network (a response body, a received message).
        Remote = "remote": "data read from the network",
        /// Bytes or text read from a file.
        File = "file": "data read from a file",
        /// A settings read whose key (role `key`) decides what it holds: `settings.tsv`.
        Setting = "setting": "a setting",
        /// Listed to cover the API; returns nothing of the above.
        None = "none": "nothing sensitive",
    }
}

vocabulary! {
    /// What a sink does with the data that reaches it (`sinks.tsv`).
    SinkKind {
        /// Sends data to a host, or connects to one (the host or URL carries data too).
        Network = "network": "sends data over the network",
        /// A name lookup: the name itself reaches the resolver and the DNS servers.
        Dns = "dns": "sends a DNS query",
        /// Opens a URL in the user's browser or with the desktop's URL handler.
        UrlOpen = "url-open": "opens a URL with the browser or the desktop",
        /// Starts a process.
        Process = "process": "starts a process",
        /// Executes or compiles Python code.
        Code = "code": "executes code",
        /// Loads a serialised object whose loading runs code (pickle and its relatives).
        Unpickle = "unpickle": "loads a pickle, which can run code",
        /// Loads a module or file of code by path, name or loader.
        Import = "import": "loads code",
        /// Loads native code (a shared library, a foreign function).
        Native = "native": "loads native code",
        /// Writes, copies, moves or links a file.
        FileWrite = "file-write": "writes a file",
        /// Changes a file's permissions (makes it executable).
        Permissions = "permissions": "changes a file's permissions",
        /// Writes a QGIS or Qt setting (the key decides what it changes: settings.tsv).
        SettingsWrite = "settings-write": "writes a setting",
        /// Writes a project entry (macros, variables).
        ProjectWrite = "project-write": "writes a project entry",
        /// Replaces the clipboard's content.
        Clipboard = "clipboard": "writes the clipboard",
        /// Writes the Windows registry.
        Registry = "registry": "writes the Windows registry",
        /// Changes the environment of this process and of the processes it starts.
        Environment = "environment": "changes the environment",
        /// Sends keystrokes or pointer events to other programs.
        InputInjection = "input-injection": "sends keystrokes or clicks",
        /// A path whose writing starts code automatically (form `path:`).
        Persistence = "persistence": "a place that starts code automatically",
        /// A system file whose change affects every program (hosts, resolver, certificates).
        SystemFile = "system-file": "a system file",
        /// Listed to cover the API; neither sends, runs nor writes.
        None = "none": "nothing that leaves the process",
    }
}

vocabulary! {
    /// What a transform does to the data flowing through it (`transforms.tsv`).
    TransformKind {
        Encode = "encode": "encodes",
        Decode = "decode": "decodes",
        Compress = "compress": "compresses",
        Decompress = "decompress": "decompresses",
        Encrypt = "encrypt": "encrypts",
        Decrypt = "decrypt": "decrypts",
        Hash = "hash": "hashes",
        /// Builds a string or bytes from parts (formatting, joining, concatenation).
        Build = "build": "builds a string",
        /// Converts between text, bytes and numbers.
        Convert = "convert": "converts",
        Serialise = "serialise": "serialises",
        Deserialise = "deserialise": "deserialises",
        /// Listed to cover the API; the result does not depend on the data.
        None = "none": "does not transform data",
    }
}

vocabulary! {
    /// How QGIS, Qt or Python runs the code handed to a runner (`runners.tsv`).
    RunnerKind {
        /// Runs a string of Python now (`QgsPythonRunner.run`).
        Python = "python": "runs Python now",
        /// Project macros, run when a project is opened, saved or closed.
        Macro = "macro": "runs as a project macro",
        /// An expression function, run whenever an expression calls it.
        ExpressionFunction = "expression-function": "runs as an expression function",
        /// Form init code of a layer, run when a feature form opens.
        FormInit = "form-init": "runs when a feature form opens",
        /// A layer action or map tip of type Python, run when the user triggers it.
        Action = "action": "runs as a layer action",
        /// A processing script found in the scripts folder, loaded at start-up.
        ProcessingScript = "processing-script": "runs as a processing script",
        /// A script QGIS or Python runs at start-up.
        Startup = "startup": "runs at start-up",
        /// A plugin folder QGIS loads at start-up.
        Plugin = "plugin": "loads as a plugin",
        /// An interactive interpreter or console.
        Interpreter = "interpreter": "runs in an interpreter",
        /// A callback QGIS calls later (a hook or handler the plugin registers).
        Hook = "hook": "runs as a callback",
        /// Listed to cover the API; runs nothing.
        None = "none": "runs nothing",
    }
}

vocabulary! {
    /// What a QGIS or Qt settings key holds or switches (`settings.tsv`).
    SettingKind {
        /// A saved connection's password or secret.
        ConnectionSecret = "connection-secret": "a saved connection's password",
        /// A saved connection's user name.
        ConnectionUser = "connection-user": "a saved connection's user name",
        /// A saved connection's other parameters (host, database, URL, auth config id).
        Connection = "connection": "a saved connection",
        /// The proxy's password or user.
        ProxySecret = "proxy-secret": "the proxy's credentials",
        /// Where network traffic goes (proxy host, excluded URLs).
        Proxy = "proxy": "the proxy settings",
        /// Switches a security check off or on (macros, SSL errors, Python in projects).
        Security = "security": "a security setting",
        /// The plugin repositories QGIS installs plugins from.
        PluginRepository = "plugin-repository": "a plugin repository",
        /// Whether a plugin is enabled or trusted.
        PluginEnabled = "plugin-enabled": "a plugin's enabled flag",
        /// Authentication settings (master password handling, auth database).
        Auth = "auth": "an authentication setting",
        /// Where QGIS looks for Python code, scripts or plugins.
        CodePath = "code-path": "a folder QGIS loads code from",
        /// Python code QGIS runs (a project's macros, a form's init code).
        Code = "code": "Python code QGIS runs",
        /// A token or password QGIS keeps for itself (not a connection's).
        Secret = "secret": "a secret QGIS keeps",
        /// Listed for completeness; nothing sensitive.
        None = "none": "an ordinary setting",
    }
}

vocabulary! {
    /// What an argument of a call carries.
    Role {
        /// The data sent, written or copied.
        Payload = "payload": "the data",
        /// The URL the data goes to.
        Url = "url": "the URL",
        /// The host name or address (a DNS name, a `(host, port)` pair).
        Host = "host": "the host",
        /// The program or command line started.
        Command = "command": "the command",
        /// The code executed or loaded.
        Code = "code": "the code",
        /// A file path written, loaded or started.
        Path = "path": "the path",
        /// A settings key, project entry or environment variable name.
        Key = "key": "the key",
        /// The value written under a key.
        Value = "value": "the value",
        /// The data a transform reads.
        Input = "input": "the input",
    }
}

vocabulary! {
    /// Whether a transform's result carries its input (`carries=` in the props column).
    Carries {
        /// The input can be recovered from the result (encodings, compression, encryption,
        /// formatting): a secret stays a secret through it.
        Yes = "yes": "the result carries the input",
        /// The result is derived from the input but does not reveal it (a hash, a length).
        Derived = "derived": "the result is derived from the input",
        /// The result does not depend on the input's content.
        No = "no": "the result does not carry the input",
    }
}

/// The five tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Sources,
    Sinks,
    Transforms,
    Runners,
    Settings,
}

impl Table {
    pub const ALL: &'static [Table] = &[
        Table::Sources,
        Table::Sinks,
        Table::Transforms,
        Table::Runners,
        Table::Settings,
    ];

    /// The table's file name under `tables/`.
    pub fn file(self) -> &'static str {
        match self {
            Table::Sources => "sources.tsv",
            Table::Sinks => "sinks.tsv",
            Table::Transforms => "transforms.tsv",
            Table::Runners => "runners.tsv",
            Table::Settings => "settings.tsv",
        }
    }

    /// The table a file name belongs to.
    pub fn of_file(name: &str) -> Option<Table> {
        let base = name.rsplit('/').next().unwrap_or(name);
        Table::ALL.iter().copied().find(|t| t.file() == base)
    }

    /// Parses a kind spelled in this table.
    pub fn parse_kind(self, text: &str) -> Option<Kind> {
        match self {
            Table::Sources => SourceKind::parse(text).map(Kind::Source),
            Table::Sinks => SinkKind::parse(text).map(Kind::Sink),
            Table::Transforms => TransformKind::parse(text).map(Kind::Transform),
            Table::Runners => RunnerKind::parse(text).map(Kind::Runner),
            Table::Settings => SettingKind::parse(text).map(Kind::Setting),
        }
    }

    /// Every kind this table accepts, spelled as in the table (for error messages).
    pub fn kind_names(self) -> Vec<&'static str> {
        match self {
            Table::Sources => SourceKind::ALL.iter().map(|k| k.name()).collect(),
            Table::Sinks => SinkKind::ALL.iter().map(|k| k.name()).collect(),
            Table::Transforms => TransformKind::ALL.iter().map(|k| k.name()).collect(),
            Table::Runners => RunnerKind::ALL.iter().map(|k| k.name()).collect(),
            Table::Settings => SettingKind::ALL.iter().map(|k| k.name()).collect(),
        }
    }
}

/// An entry's kind, from its table's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Source(SourceKind),
    Sink(SinkKind),
    Transform(TransformKind),
    Runner(RunnerKind),
    Setting(SettingKind),
}

impl SourceKind {
    /// Holds a secret: a credential, an auth configuration, a connection string with its
    /// password, another program's secret store, a typed password field's text.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            SourceKind::Credential
                | SourceKind::AuthConfig
                | SourceKind::Connection
                | SourceKind::SecretStore
        )
    }
}

impl SettingKind {
    /// A saved credential: a source when read.
    pub fn holds_credential(self) -> bool {
        matches!(
            self,
            SettingKind::ConnectionSecret
                | SettingKind::ConnectionUser
                | SettingKind::ProxySecret
                | SettingKind::Secret
        )
    }

    /// Writing it changes how QGIS protects the user or what code it loads: security
    /// switches, plugin repositories, the proxy, where code is loaded from, code itself.
    pub fn is_tampering_target(self) -> bool {
        matches!(
            self,
            SettingKind::Security
                | SettingKind::PluginRepository
                | SettingKind::Proxy
                | SettingKind::ProxySecret
                | SettingKind::Auth
                | SettingKind::CodePath
                | SettingKind::Code
        )
    }
}

impl Kind {
    /// The kind's spelling and meaning, from its table's vocabulary.
    fn word(self) -> (&'static str, &'static str) {
        match self {
            Kind::Source(k) => (k.name(), k.meaning()),
            Kind::Sink(k) => (k.name(), k.meaning()),
            Kind::Transform(k) => (k.name(), k.meaning()),
            Kind::Runner(k) => (k.name(), k.meaning()),
            Kind::Setting(k) => (k.name(), k.meaning()),
        }
    }

    pub fn name(self) -> &'static str {
        self.word().0
    }

    pub fn meaning(self) -> &'static str {
        self.word().1
    }

    /// `none`: listed only so that the table covers its API.
    pub fn is_none(self) -> bool {
        self.name() == "none"
    }
}
