//! Capabilities: what a piece of code can do, each with the evidence (line and resolved call or
//! string) an approver can check. A capability on its own is never a finding; the threat rules
//! combine them.

use crate::value::Value;
use validator_api_catalogue::{
    Catalogue, Entry, Kind, RunnerKind, SettingKind, SinkKind, SourceKind,
};

mod carriers;
mod persistence;
pub use carriers::*;
pub use persistence::*;

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cap {
    /// exec/eval/compile/marshal/FunctionType/runpy...
    CodeExec,
    /// Code execution of data decoded at run time, or of a call reached through a hidden name.
    DecodedExec,
    /// Code execution of data read from the network.
    FetchedExec,
    /// Code execution of data read from the network, run only when its SHA-2/SHA-3/BLAKE2
    /// digest equals a constant of the plugin (`if sha256(code).hexdigest() == "...": exec(code)`).
    PinnedFetchedExec,
    /// Code execution of data read from the network in the handler of a failed import that
    /// imports the same module again after it (`try: import pip` / `except ImportError:
    /// exec(get_pip)` / `import pip`): a missing dependency bootstrapped.
    BootstrapFetchedExec,
    /// A dangerous call (code or process execution, dangerous module) reached through a name
    /// built or looked up dynamically.
    HiddenCall,
    ProcessExec,
    /// Process execution of something other than a GIS tool (GDAL, GRASS, SAGA, ...).
    ProcessExecOther,
    Network,
    /// A download written to a file.
    Download,
    /// A file opened for writing, copied or moved.
    Write,
    /// A Windows registry value written.
    RegistryWrite,
    /// An archive extracted.
    Extract,
    /// An archive extracted or a file written over the plugin's own folder.
    OwnDirWrite,
    /// A file written, copied or extracted into the plugins folder (other plugins).
    PluginsDirWrite,
    /// Credential stores: the QGIS auth database, saved connection passwords, SSH keys, cloud
    /// credentials, browser logins, keyrings.
    Credential,
    /// The whole environment passed to a network call.
    EnvToNetwork,
    /// A path or command that makes code start automatically, named in a string.
    PersistTarget,
    /// A write, process or registry call whose target starts code automatically.
    PersistWrite,
    /// A file written whose path the resolver could not fold.
    WriteUnknownPath,
    PackageInstall,
    /// Another plugin, named in full, enabled or disabled through `PythonPlugins/<name>`.
    OtherPluginEnabled,
    /// A package installed from somewhere other than PyPI by a name the plugin spells (another
    /// index, a URL, an archive outside the plugin), or by a name read from the network or
    /// decoded.
    PackageInstallUnvetted,
    MakeExecutable,
    InputCapture,
    /// A global keyboard hook or key-state poll: a plugin gets its keys from Qt's events.
    KeyboardHook,
    /// The whole desktop grabbed through Qt (`QScreen.grabWindow(0)`).
    ScreenGrab,
    NativeLoad,
    /// `os.dup2`, `pty.spawn`, an interactive shell: attaching a shell to a stream.
    ShellAttach,
    Socket,
    /// A long encoded literal decoded at run time into code or compressed data.
    EncodedBlob,
    PyArmor,
    InvisibleUnicode,
    /// Code loaded in a way the import graph cannot follow: an import with a computed name,
    /// exec/compile, runpy, module loaders.
    DynamicLoad,
    /// A QGIS security switch or a folder QGIS loads code from written in the settings, or a
    /// system file written (hosts, resolver, loader, accounts).
    SecurityTamper,
    /// Plugin repositories or another plugin's enabled flag written in the settings.
    PluginStateTamper,
    /// The process-wide TLS default (Python's default HTTPS context, Qt's default SSL
    /// configuration) made to accept any certificate.
    TlsVerifyOff,
    /// An attribute of a module or class the plugin did not define replaced, when the
    /// catalogue knows it as a source, sink or runner (`requests.Session.request = ...`).
    Monkeypatch,
    /// The clipboard read.
    ClipboardRead,
    /// A constant string written to the clipboard.
    ClipboardWrite,
    /// A pickle (or one of its relatives) loaded.
    Unpickle,
}

impl Cap {
    /// What the capability means, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Cap::CodeExec => "executes code",
            Cap::DecodedExec => "executes decoded or hidden code",
            Cap::FetchedExec => "executes code read from the network",
            Cap::PinnedFetchedExec => {
                "executes code read from the network, pinned by a digest it verifies first"
            }
            Cap::BootstrapFetchedExec => {
                "executes code read from the network to provide a module whose import failed"
            }
            Cap::HiddenCall => "calls a dangerous function through a hidden name",
            Cap::ProcessExec | Cap::ProcessExecOther => "starts a process",
            Cap::Network => "sends data over the network",
            Cap::Download => "downloads a file",
            Cap::Write => "writes a file",
            Cap::RegistryWrite => "writes the Windows registry",
            Cap::Extract => "extracts an archive",
            Cap::OwnDirWrite => "writes over its own folder",
            Cap::PluginsDirWrite => "writes into the plugins folder",
            Cap::Credential => "reads credentials",
            Cap::EnvToNetwork => "sends the whole environment",
            Cap::PersistTarget => "names an auto-start location",
            Cap::PersistWrite => "writes an auto-start location",
            Cap::WriteUnknownPath => "writes a file",
            Cap::PackageInstall => "installs packages at run time",
            Cap::OtherPluginEnabled => "enables or disables another plugin",
            Cap::PackageInstallUnvetted => "installs packages no one reviewed at run time",
            Cap::MakeExecutable => "makes a file executable",
            Cap::InputCapture => "captures keyboard, clipboard or screen",
            Cap::KeyboardHook => "hooks the keyboard of the whole system",
            Cap::ScreenGrab => "grabs the whole screen",
            Cap::NativeLoad => "loads native code",
            Cap::ShellAttach => "attaches a shell to a stream",
            Cap::Socket => "opens a raw socket",
            Cap::EncodedBlob => "decodes a long encoded payload",
            Cap::PyArmor => "is protected by PyArmor",
            Cap::InvisibleUnicode => "contains invisible or bidirectional Unicode",
            Cap::DynamicLoad => "loads code dynamically",
            Cap::SecurityTamper => "changes a security setting or a system file",
            Cap::PluginStateTamper => "changes plugin repositories or other plugins' state",
            Cap::TlsVerifyOff => "switches off or weakens certificate checks for every connection",
            Cap::Monkeypatch => "replaces a function of a library it does not own",
            Cap::ClipboardRead => "reads the clipboard",
            Cap::ClipboardWrite => "writes the clipboard",
            Cap::Unpickle => "loads a pickle",
        }
    }
}

/// Where a capability was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub line: u32,
    /// The resolved call or the string, as shown to approvers.
    pub what: String,
}

/// A qualified name without call markers: `qgis.core.QgsSettings().value` -> `...QgsSettings.value`.
pub fn plain(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains("()") {
        std::borrow::Cow::Owned(name.replace("()", ""))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// Every fragment a string must contain for [`credential_path`], [`persistence_target`], a
/// password or a URL to match (a path has a separator): one pass over the string rules out most of them at once.
pub fn may_be_interesting(text: &str) -> bool {
    static FRAGMENTS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let automaton = FRAGMENTS.get_or_init(|| {
        let mut patterns: Vec<&str> = persistence::PERSISTENCE_TARGETS
            .iter()
            .map(|(p, _)| *p)
            .collect();
        // Paths (credential stores are looked up in the catalogue), URLs, passwords.
        patterns.extend([".pth", "password", "passwd", "://", "/", "\\"]);
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(patterns)
            .ok()
    });
    match automaton {
        Some(automaton) => automaton.is_match(text),
        // Not expected (the patterns are fixed); classify everything rather than nothing.
        None => true,
    }
}

/// The last component of a qualified name.
pub fn tail(name: &str) -> &str {
    let name = name.strip_suffix("()").unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name)
}

fn one_of(name: &str, names: &[&str]) -> bool {
    names.contains(&name)
}

/// What the API catalogue (`validator-api-catalogue`) says about one resolved call: the first
/// kind other than `none` of each table. One lookup per call; every predicate below reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Api {
    pub sink: Option<SinkKind>,
    pub source: Option<(SourceKind, &'static Entry)>,
    pub runner: Option<RunnerKind>,
    /// A transform that stores its input in its receiver (`into=self`).
    pub into_receiver: bool,
    /// A row says what type the call returns (`returns=`): its methods resolve.
    pub returns_object: bool,
    /// The position of the file a call runs as Python (`runpy.run_path`, the `import` sinks with a path; [`code_file_position`]).
    pub code_file_arg: Option<u16>,
}

/// Proxies whose every method is a remote call that sends its arguments (the sinks
/// catalogue's `xmlrpc.client.ServerProxy` rows): `proxy.catalog.register(name, text)` is a
/// network send whatever the method is called.
const REMOTE_PROXIES: &[&str] = &["xmlrpc.client.ServerProxy", "xmlrpc.client.Server"];

/// A method called on an instance of a [`REMOTE_PROXIES`] class (`ServerProxy(url).x.y`), not
/// the class itself or one of its own members.
fn remote_proxy_method(name: &str) -> bool {
    let name = validator_api_catalogue::normalise(name);
    REMOTE_PROXIES.iter().any(|proxy| {
        name.strip_prefix(proxy)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|method| !method.is_empty() && !method.starts_with('_'))
    })
}

impl Api {
    /// The catalogue's rows for a qualified name (`requests.Session().post`: call markers and
    /// Qt bindings normalised, return types followed).
    pub fn of(name: &str) -> Api {
        let mut api = Api::default();
        for entry in Catalogue::builtin().call(name).iter() {
            api.returns_object |= entry.returns.is_some();
            if api.code_file_arg.is_none() {
                api.code_file_arg = code_file_position(entry);
            }
            match entry.kind {
                Kind::Sink(k) if k != SinkKind::None && api.sink.is_none() => api.sink = Some(k),
                Kind::Source(k) if k != SourceKind::None && api.source.is_none() => {
                    api.source = Some((k, entry))
                }
                Kind::Runner(k) if k != RunnerKind::None && api.runner.is_none() => {
                    api.runner = Some(k)
                }
                Kind::Transform(_) if entry.into_receiver => api.into_receiver = true,
                _ => {}
            }
        }
        if api.sink.is_none()
            && api.source.is_none()
            && api.runner.is_none()
            && remote_proxy_method(name)
        {
            api.sink = Some(SinkKind::Network);
        }
        api
    }

    /// Sends data to a host (`network` sinks: HTTP clients, sockets, mail, FTP, Qt and QGIS
    /// network managers).
    pub fn is_network(&self) -> bool {
        self.sink == Some(SinkKind::Network)
    }

    /// Carries data out of the machine: the network, a DNS query, the browser or desktop URL
    /// opener (a URL with data in its query).
    pub fn carries_data_out(&self) -> bool {
        matches!(
            self.sink,
            Some(SinkKind::Network | SinkKind::Dns | SinkKind::UrlOpen)
        )
    }

    /// Executes code handed to it as data: `code` sinks (exec, eval, compile, marshal, code
    /// objects, interpreters) and the runners that run Python now (`QgsPythonRunner`, `runpy`,
    /// `code.interact`).
    pub fn runs_code(&self) -> bool {
        self.sink == Some(SinkKind::Code)
            || matches!(
                self.runner,
                Some(RunnerKind::Python | RunnerKind::Interpreter)
            )
    }
}

/// A catalogue row for evidence beside the call or key it matched: what it holds or does, and
/// where the row comes from (`the password of a connection URI; QGIS 3.22.16 python/core`).
pub fn entry_text(entry: &Entry) -> String {
    let what = if entry.note.is_empty() {
        entry.kind.meaning()
    } else {
        &entry.note
    };
    format!("{what}; {}", entry.provenance)
}

/// A credential the code asks for by name (a row with a `key` or `host` argument: a host's
/// login in `~/.netrc`, a service's password in the keyring, the auth configuration it names,
/// the credentials QGIS adds to its own request), or a value of a `QgsAuthMethodConfig` (as
/// secret as the way it was loaded): the login the plugin was given, not a stolen one.
pub fn asked_by_name(entry: &Entry) -> bool {
    entry.args.iter().any(|a| {
        matches!(
            a.role,
            validator_api_catalogue::Role::Key | validator_api_catalogue::Role::Host
        )
    }) || entry.pattern.starts_with("qgis.core.QgsAuthMethodConfig.")
}

/// The position of the file argument of a call that runs a file as Python (the catalogue's
/// `import` and `code` sinks and runners with a `path` argument: `runpy.run_path`,
/// `zipimport.zipimporter`, `importlib.machinery.SourceFileLoader`).
fn code_file_position(entry: &Entry) -> Option<u16> {
    let runs = matches!(
        entry.kind,
        Kind::Sink(SinkKind::Import | SinkKind::Code) | Kind::Runner(RunnerKind::Python)
    );
    if !runs {
        return None;
    }
    entry
        .args
        .iter()
        .filter(|a| a.role == validator_api_catalogue::Role::Path)
        .find_map(|a| a.position)
}

/// A project entry that holds code QGIS runs (the settings catalogue's `project:` rows of
/// kind `code`: `Macros/pythonCode`).
pub fn project_code_entry(scope: &str, key: &str) -> bool {
    Catalogue::builtin()
        .project_entry(scope, key)
        .iter()
        .any(|e| e.kind == Kind::Setting(SettingKind::Code))
}

/// A method the sources catalogue lists as returning a layer's or connection's data source
/// (`source`, `dataSourceUri`, `uri`, ...: kind `connection`, asked for without a key), for
/// a receiver whose class is unknown.
pub fn data_source_method(call: &validator_python::ast::ExprCall) -> bool {
    let validator_python::ast::Expr::Attribute(attr) = call.func.as_ref() else {
        return false;
    };
    Catalogue::builtin()
        .method(attr.attr.as_str())
        .iter()
        .any(|e| e.kind == Kind::Source(SourceKind::Connection) && !asked_by_name(e))
}

/// Files Python imports as code (source, bytecode, archives of modules): loading them from
/// the plugin is ordinary; loading anything else (a style, an image) as code is not.
pub fn is_code_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".py", ".pyw", ".pyc", ".zip", ".whl", ".egg", ".pyz"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || !lower.rsplit('/').next().unwrap_or("").contains('.')
}

/// Whether a folded path names a script, which is written as text and run as a program or as
/// Python (`.py`, `.sh`, `.bat`, `.ps1`, ...): writing one in text mode writes a runnable file,
/// as a binary write does a program.
pub fn is_script_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        ".py", ".pyw", ".sh", ".bash", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".command",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// The positions of the arguments a credential is asked for by (`key` and `host` roles:
/// the keyring's service, the netrc host, the auth configuration's id).
pub fn name_positions(entry: &Entry) -> impl Iterator<Item = usize> + '_ {
    entry
        .args
        .iter()
        .filter(|a| {
            matches!(
                a.role,
                validator_api_catalogue::Role::Key | validator_api_catalogue::Role::Host
            )
        })
        .filter_map(|a| a.position.map(usize::from))
}

/// The host a network call is given as a constant (the catalogue's `host` argument:
/// `smtplib.SMTP("mail.example.org")`, `ftplib.FTP(host)`), when it reads as a host name.
pub fn host_arg(name: &str, args: &[crate::value::Value]) -> Option<String> {
    Catalogue::builtin().call(name).iter().find_map(|entry| {
        if entry.kind != Kind::Sink(SinkKind::Network) {
            return None;
        }
        let position = entry
            .args
            .iter()
            .find(|a| a.role == validator_api_catalogue::Role::Host)?
            .position?;
        let host = args.get(usize::from(position))?.as_str()?;
        let text = host.text.to_ascii_lowercase();
        let plain = !text.is_empty()
            && text.contains('.')
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
        plain.then_some(text)
    })
}

/// The positions of a call's `payload` arguments (what a file-write call stores).
pub fn payload_positions(name: &str) -> Vec<usize> {
    Catalogue::builtin()
        .call(name)
        .iter()
        .flat_map(|entry| entry.args.iter())
        .filter(|a| a.role == validator_api_catalogue::Role::Payload)
        .filter_map(|a| a.position.map(usize::from))
        .collect()
}

/// Code execution calls (see [`Api::runs_code`]), for a name looked up on its own.
pub fn is_code_exec(name: &str) -> bool {
    Api::of(name).runs_code()
}

pub fn is_native_load(name: &str) -> bool {
    one_of(
        name,
        &[
            "ctypes.CDLL",
            "ctypes.WinDLL",
            "ctypes.OleDLL",
            "ctypes.PyDLL",
            "ctypes.cdll.LoadLibrary",
            "ctypes.windll.LoadLibrary",
            "ctypes.windll.kernel32.LoadLibraryW",
            "ctypes.windll.kernel32.LoadLibraryA",
            "ctypes.cdll.LoadLibrary",
            "ctypes.util.find_library",
            "_ctypes.dlopen",
            "imp.load_dynamic",
            "importlib.machinery.ExtensionFileLoader",
            "cffi.FFI",
        ],
    ) || name.starts_with("ctypes.windll.kernel32.VirtualAlloc")
        || name.starts_with("ctypes.windll.kernel32.CreateThread")
}

pub fn is_process_exec(name: &str) -> bool {
    if let Some(rest) = name.strip_prefix("os.") {
        return one_of(
            rest,
            &[
                "system",
                "popen",
                "popen2",
                "popen3",
                "popen4",
                "startfile",
                "posix_spawn",
                "posix_spawnp",
            ],
        ) || rest.starts_with("exec")
            || rest.starts_with("spawn");
    }
    if let Some(rest) = name.strip_prefix("subprocess.") {
        return one_of(
            rest,
            &[
                "Popen",
                "call",
                "check_call",
                "check_output",
                "run",
                "getoutput",
                "getstatusoutput",
            ],
        );
    }
    one_of(
        name,
        &[
            "pty.spawn",
            "commands.getoutput",
            "commands.getstatusoutput",
            "asyncio.create_subprocess_exec",
            "asyncio.create_subprocess_shell",
            "win32api.ShellExecute",
            "ctypes.windll.shell32.ShellExecuteW",
            "ctypes.windll.shell32.ShellExecuteA",
            "platform.popen",
        ],
    ) || (name.contains("QProcess") && one_of(tail(name), &["start", "startDetached", "execute"]))
}

/// Calls that load modules by a name given at run time (dynamic when the name is not a
/// constant the resolver folded).
pub fn is_import_call(name: &str) -> bool {
    one_of(
        name,
        &[
            "builtins.__import__",
            "importlib.import_module",
            "importlib.__import__",
        ],
    )
}

/// The name `ctypes.windll` gives a Windows library loaded by file name (`wininet.dll`,
/// `C:\Windows\System32\WS2_32.DLL`, `winhttp`): its stem, lowercased; `None` for a
/// name that is not a plain library name.
pub fn windows_library(file: &str) -> Option<String> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let lower = base.to_ascii_lowercase();
    let stem = lower.strip_suffix(".dll").unwrap_or(&lower);
    let plain = !stem.is_empty()
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !stem.starts_with(|c: char| c.is_ascii_digit());
    plain.then(|| stem.to_owned())
}

/// Calls that put a folder or archive on Python's import path, with the position of the
/// path (Python 3.11 `sys.path`, `site.addsitedir`, `zipimport.zipimporter`): what is then
/// imported from it runs, and a zip of modules imports like a folder.
pub fn import_path_arg(name: &str) -> Option<usize> {
    match name {
        "sys.path.insert" => Some(1),
        "sys.path.append" | "site.addsitedir" | "zipimport.zipimporter" => Some(0),
        _ => None,
    }
}

/// Calls that load code from files or specs the import graph cannot follow.
pub fn is_loader_call(name: &str) -> bool {
    one_of(
        name,
        &[
            "importlib.util.spec_from_file_location",
            "importlib.util.spec_from_loader",
            "importlib.util.module_from_spec",
            "importlib.machinery.SourceFileLoader",
            "importlib.machinery.SourcelessFileLoader",
            "importlib.machinery.ExtensionFileLoader",
            "importlib.reload",
            "imp.load_source",
            "imp.load_module",
            "imp.load_compiled",
            "imp.load_package",
            "zipimport.zipimporter",
            "pkgutil.get_loader",
            "runpy.run_path",
            "runpy.run_module",
        ],
    )
}

/// Names whose call reached through a hidden name is a payload being executed.
pub fn is_dangerous(name: &str) -> bool {
    is_code_exec(name)
        || is_process_exec(name)
        || is_native_load(name)
        || one_of(
            name,
            &[
                "builtins.__import__",
                "importlib.import_module",
                "builtins.getattr",
                "builtins.open",
                "os.dup2",
                "socket.socket",
            ],
        )
}

/// Network calls that save the response to a file, by [`plain`] name.
pub fn is_download_to_file(plain: &str) -> bool {
    plain.ends_with("urlretrieve")
        || plain.ends_with("QgsFileDownloader")
        || plain == "wget.download"
}

/// What a credential store a path names holds, from the sources catalogue's `path:` rows
/// (credentials, the QGIS auth database and settings file, other programs' secret stores and,
/// with `connections`, files of saved connections such as `.pg_service.conf`, which database
/// plugins read to connect): the row's note. Only a rooted path names someone's store (the
/// home folder, a profile, an absolute path, a variable): `xyz/cookies` or `Login Data` alone
/// is relative to QGIS's working folder. The caller leaves the plugin's own files out.
pub fn credential_path(text: &str, connections: bool) -> Option<&'static str> {
    let rooted =
        text.starts_with(['~', '/', '\\', '<', '%', '$']) || text.as_bytes().get(1) == Some(&b':');
    if !rooted {
        return None;
    }
    Catalogue::builtin().path(text).iter().find_map(|entry| {
        let store = match entry.kind {
            Kind::Source(
                SourceKind::Credential | SourceKind::AuthConfig | SourceKind::SecretStore,
            ) => true,
            Kind::Source(SourceKind::Connection) => connections,
            _ => false,
        };
        store.then_some(&*entry.note)
    })
}

/// The service whose credential an environment variable of exactly that name holds (the
/// catalogue's rows without a glob: `AWS_SECRET_ACCESS_KEY` is AWS's, `GH_TOKEN` and
/// `GITHUB_TOKEN` are both GitHub's), by the row's note.
pub fn env_credential_service(name: &str) -> Option<&'static str> {
    Catalogue::builtin()
        .env(name)
        .iter()
        .find(|entry| {
            !entry.pattern.contains('*')
                && matches!(
                    entry.kind,
                    Kind::Source(SourceKind::Credential | SourceKind::AuthConfig)
                )
        })
        .map(|entry| &*entry.note)
}

/// Whether constant names name the credential variables of two services or more: what a
/// harvester iterates over. Alternatives for one service (`GITHUB_TOKEN`, `GH_TOKEN`), or
/// one provider's key beside generic names (`OPENAI_API_KEY`, `MISTRAL_API_KEY`), do not.
pub fn names_several_services<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut first: Option<&'static str> = None;
    for name in names {
        if name.len() > 64 {
            continue;
        }
        if let Some(service) = env_credential_service(name) {
            match first {
                None => first = Some(service),
                Some(seen) if seen != service => return true,
                Some(_) => {}
            }
        }
    }
    false
}

/// A call of QGIS's auth manager that reads the authentication database or exports every
/// configuration with its secrets, by its last name (also when the receiver is unknown). The
/// catalogue files these under `auth-config` with the rows that list configurations without
/// secrets, so they are named here; every other credential source comes from the catalogue
/// ([`Api::source`]).
pub fn credential_call(name: &str) -> Option<&'static str> {
    match tail(name) {
        "qgisAuthDatabaseFilePath" | "authenticationDatabasePath" | "qgisAuthDatabaseUri" => {
            Some("the QGIS authentication database")
        }
        // Listing configuration ids (to fill a combo box) reads no secret; exporting them
        // does.
        "exportAuthenticationConfigsToXml" if name.contains("auth") || name.contains("Auth") => {
            Some("every QGIS authentication configuration")
        }
        _ => None,
    }
}

/// A `QgsSettings` key that holds QGIS's own saved passwords or secrets (the settings
/// catalogue's `connection-secret` and `secret` keys: saved connections of every provider, the
/// console's GitHub token), as opposed to a plugin's own key or the proxy's (which the plugin
/// legitimately hands to its proxy).
pub fn settings_password_key(key: &str) -> bool {
    Catalogue::builtin().setting(key).iter().any(|entry| {
        matches!(
            entry.kind,
            Kind::Setting(SettingKind::ConnectionSecret | SettingKind::Secret)
        )
    })
}

/// A `QgsSettings` key that holds the proxy's saved password (the settings catalogue's
/// `proxy-secret` keys): a plugin hands it to its proxy, so it counts only where it cannot be a
/// login (a URL opened in the browser, a DNS query).
pub fn settings_proxy_secret(key: &str) -> Option<&'static Entry> {
    Catalogue::builtin()
        .setting(key)
        .iter()
        .find(|entry| entry.kind == Kind::Setting(SettingKind::ProxySecret))
}

/// GIS tools that plugins legitimately run as processes.
pub fn is_gis_tool(command: &str) -> bool {
    let lower = command.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    const TOOLS: &[&str] = &[
        "gdal",
        "ogr",
        "saga",
        "grass",
        "otb",
        "pdal",
        "qgis_process",
        "whitebox",
        "taudem",
        "lastools",
        "las2",
        "r.",
        "v.",
        "g.",
        "mpiexec",
        "spatialite",
        "psql",
        "pg_",
        "shp2pgsql",
        "raster2pgsql",
        "ogr2ogr",
        "nearblack",
        "rio",
        "python",
        "qgis",
    ];
    TOOLS.iter().any(|t| base.starts_with(t))
}

/// Input capture: keyboard hooks, screen grabs, clipboard polling libraries, by [`plain`] name.
pub fn input_capture(plain: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "pynput.",
        "pyHook.",
        "pyWinhook.",
        "PIL.ImageGrab.grab",
        "ImageGrab.grab",
        "pyautogui.screenshot",
        "mss.mss",
        "pyscreenshot.grab",
        "win32clipboard.GetClipboardData",
        "pyperclip.paste",
    ];
    PREFIXES.iter().any(|p| plain.starts_with(p)) || keyboard_hook(plain)
}

/// A global keyboard hook or key-state poll (pynput's keyboard listener, the `keyboard`
/// package's hooks, Windows hooks): nothing a QGIS plugin needs, with or without output.
pub fn keyboard_hook(plain: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "pynput.keyboard.",
        "keyboard.on_press",
        "keyboard.on_release",
        "keyboard.hook",
        "keyboard.record",
        "keyboard.read_key",
        "keyboard.read_event",
        "pyHook.HookManager",
        "pyWinhook.HookManager",
    ];
    PREFIXES.iter().any(|p| plain.starts_with(p))
        || matches!(
            tail(plain),
            "GetAsyncKeyState" | "SetWindowsHookExA" | "SetWindowsHookExW" | "GetKeyboardState"
        )
}

/// Invisible and bidirectional characters that hide code from a reader.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}'
    ) || ('\u{F0000}'..='\u{10FFFD}').contains(&c)
}

/// Whether a host (as [`url_host`] gives it) is the user's own machine: `localhost` (or a name
/// under `.localhost`, RFC 6761) or an IPv4 loopback address (`127.x.y.z`, four numbers).
/// Data sent there does not leave the machine.
pub fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

/// The host of a URL in a string (`https://discord.com/api/...` -> `discord.com`).
pub fn url_host(text: &str) -> Option<String> {
    let start = text.find("://")?;
    let scheme = &text[..start];
    if !scheme
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .is_some_and(|s| {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "http" | "https" | "ws" | "wss" | "ftp"
            )
        })
    {
        return None;
    }
    let rest = &text[start + 3..];
    let end = rest
        .find(['/', '?', '#', ' ', '"', '\''])
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host == "*" {
        None
    } else {
        Some(host)
    }
}

/// Hosts of the official plugin repository (a self-update from there is not held).
pub fn is_plugin_repository(host: &str) -> bool {
    host == "plugins.qgis.org" || host.ends_with(".plugins.qgis.org")
}
