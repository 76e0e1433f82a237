//! Where secrets come from and what the plugin tampers with, for the resolver: the calls that
//! return credentials (the API catalogue's sources, QGIS's auth manager, credential paths,
//! files filled with credentials, settings keys, request headers), data files of the plugin
//! read, containers filled, and the replacement of libraries' functions (settings keys,
//! groups and writes: `settings.rs`). Each method is part of [`Analyser`]; the flow engine (`flow.rs`) reads
//! what they record.

use super::*;

impl<'m> Analyser<'m> {
    /// `items.append(secret)`, `found.update(...)`, `self.rows.extend(...)`: the container
    /// now holds what was added.
    /// `into_receiver`: the catalogue says the call stores its input in its receiver
    /// (`EmailMessage.set_content`, `QNetworkRequest.setRawHeader`, `QUrlQuery.addQueryItem`).
    pub(super) fn note_container_update(
        &mut self,
        call: &'m ast::ExprCall,
        taint: Taint,
        into_receiver: bool,
    ) {
        if taint.is_none() {
            return;
        }
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return;
        };
        let fills = into_receiver
            || matches!(
                attr.attr.as_str(),
                "append"
                    | "extend"
                    | "add"
                    | "update"
                    | "insert"
                    | "setdefault"
                    | "appendleft"
                    | "add_attachment"
                    | "attach"
            );
        if !fills {
            return;
        }
        match attr.value.as_ref() {
            Expr::Name(name) => {
                let current = self.lookup(name.id.as_str());
                self.bind(name.id.as_str(), current.tainted(taint));
                // The buffer or file the object was built on (`ZipFile(buffer)`) holds what
                // is written into it.
                let key = local_key(name.id.as_str(), self.current);
                if let Some(backing) = self.backing.get(&key).copied() {
                    let current = self.lookup(backing);
                    self.bind(backing, current.tainted(taint));
                }
            }
            Expr::Attribute(inner) => {
                if let Expr::Name(base) = inner.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls") {
                        let key = inner.attr.as_str().to_owned();
                        let current = self.attrs.remove(&key).unwrap_or(Value::UNKNOWN);
                        self.attrs.insert(key, outliving(current.tainted(taint)));
                    }
                }
            }
            _ => {}
        }
    }

    /// A file-write call whose data argument (the catalogue's `payload` role: the file added
    /// to an archive, the folder archived) names a credential store: what it names.
    pub(super) fn credential_payload(
        &self,
        call: &'m ast::ExprCall,
        name: &str,
        args: &[Value],
    ) -> Option<String> {
        caps::payload_positions(&caps::plain(name))
            .into_iter()
            .find_map(|p| {
                let what = self.credential_file(args.get(p)?, call.arguments.args.get(p))?;
                Some(format!("{}({what})", caps::plain(name)))
            })
    }

    /// `request.rawHeader(b"Authorization")`, `headers.get("Cookie")`: a request's credentials
    /// read back (what a request preprocessor or a replaced HTTP function copies), as evidence.
    pub(super) fn credential_header(&self, call: &'m ast::ExprCall) -> Option<String> {
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return None;
        };
        if !matches!(
            attr.attr.as_str(),
            "rawHeader" | "header" | "getheader" | "get" | "get_all"
        ) {
            return None;
        }
        let key = match call.arguments.args.first()? {
            Expr::StringLiteral(s) => s.value.to_str().to_ascii_lowercase(),
            Expr::BytesLiteral(b) => {
                String::from_utf8_lossy(&b.value.bytes().collect::<Vec<u8>>()).to_ascii_lowercase()
            }
            _ => return None,
        };
        matches!(
            key.as_str(),
            "authorization" | "proxy-authorization" | "cookie" | "x-api-key" | "x-auth-token"
        )
        .then(|| format!("{}(\"{key}\") (a request's credentials)", attr.attr))
    }

    /// What a credential store a path names holds (a credential path, or a file the plugin
    /// filled with credentials), for a path value and the expression that gave it.
    pub(super) fn credential_file(&self, value: &Value, expr: Option<&'m Expr>) -> Option<String> {
        if let Some(text) = value.loose_str() {
            if text.len() <= self.limits.max_classified_string_bytes && !self.plugin_path(text) {
                if let Some(what) = caps::credential_path(text, true) {
                    return Some(what.to_owned());
                }
            }
        }
        // A path a function of the file returns or yields, which names a credential store
        // (`for p in _browser_files(): open(p)`).
        let returned = value
            .taint()
            .results()
            .find_map(|index| self.credential_returns.get(&index).cloned());
        if let Some((function, what)) = returned {
            return Some(format!("{what} (a path `{function}()` returns)"));
        }
        if self.tainted_files.is_empty() {
            return None;
        }
        self.stored_file_keys(Some(value), expr)
            .into_iter()
            .find(|key| self.tainted_files.contains(key))
            .map(|key| format!("{} (filled with credentials)", shown_file(&key)))
    }

    /// A value the current function returns or yields: its taint joins what the unit returns
    /// (the flow engine's) and what the function returns (its callers'); when it is a path of
    /// a credential store (or a list of them), calls of the function return that store's path.
    pub(super) fn note_returned(&mut self, value: &Value) {
        let unit = self.facts.flow.unit(self.current);
        unit.returns = unit.returns.union(value.taint());
        let Some(index) = unit.function else {
            return;
        };
        let returned = self
            .returned_by_function
            .entry(index)
            .or_insert(Taint::NONE);
        *returned = returned.union(value.taint());
        // A path the function always returns (one folded string at every `return`): its
        // callers get it (`path = package_file(p)`, then `open(path, "a")`).
        if let Value::Str(folded) = value {
            if folded.text.len() <= self.limits.max_classified_string_bytes {
                self.returned_strings
                    .entry(index)
                    .and_modify(|known| {
                        if known.as_ref().is_some_and(|k| k.text != folded.text) {
                            *known = None;
                        }
                    })
                    .or_insert_with(|| Some(folded.clone()));
            }
        } else {
            self.returned_strings.insert(index, None);
        }
        if self.credential_returns.contains_key(&index) {
            return;
        }
        let paths: Vec<&Value> = match value {
            Value::List(items) => items.iter().collect(),
            other => vec![other],
        };
        let what = paths.into_iter().find_map(|path| {
            let text = path.loose_str()?;
            (text.len() <= self.limits.max_classified_string_bytes && !self.plugin_path(text))
                .then(|| caps::credential_path(text, true))
                .flatten()
        });
        if let Some(what) = what {
            let function = self.facts.units[self.current].name.clone();
            self.credential_returns
                .insert(index, (function, what.to_owned()));
        }
    }

    /// A data file shipped in the plugin (in its folder, not Python source): bytes read from it
    /// and executed are a payload hidden in a resource.
    pub(super) fn plugin_data_file(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        self.own_path(path)
            && path.len() > self.own_dir.len() + 1
            && !path.contains('*')
            && !lower.ends_with(".py")
            && !lower.ends_with(".pyw")
    }

    pub(super) fn note_data_read(&mut self, path: &str, line: u32, shown: &str) {
        let shown_path = path
            .strip_prefix(&format!("{PLUGINS_DIR}/"))
            .unwrap_or(path);
        self.facts.flow.note_source(
            self.current,
            Taint::PLUGIN_DATA,
            line,
            format!("{shown}({shown_path})"),
        );
        self.last_data_read = Some((shown_path.to_owned(), line));
    }

    pub(super) fn api(&mut self, name: &str) -> caps::Api {
        // `Api::of` depends on the name only, so its answers are kept across files.
        thread_local! {
            static APIS: std::cell::RefCell<HashMap<String, caps::Api>> =
                std::cell::RefCell::new(HashMap::default());
        }
        let max = self.limits.max_cached_apis;
        APIS.with(|apis| {
            let mut apis = apis.borrow_mut();
            if let Some(api) = apis.get(name) {
                return *api;
            }
            let api = caps::Api::of(name);
            if apis.len() < max {
                apis.insert(name.to_owned(), api);
            }
            api
        })
    }

    /// Whether the file installs a hook Python calls for every frame it runs (a tracer, a
    /// profiler, an audit hook): its source names one of [`TRACE_HOOKS`].
    pub(super) fn installs_trace_hook(&self) -> bool {
        *self.trace_hook.get_or_init(|| {
            let source = self.module.source();
            TRACE_HOOKS.iter().any(|hook| source.contains(hook))
        })
    }

    /// A read of an environment variable (`os.environ[key]`, `os.getenv(key)`) at `at`: the
    /// home folders as paths. A credential variable asked for by its name is the login the
    /// plugin was given (the service's token for that service's API): its service is noted
    /// for the container it is collected into ([`Analyser::harvest_env_credentials`]). Asked
    /// for by each name of a constant list naming several services' variables, it is harvested.
    pub(super) fn env_read(&mut self, key: &Value, at: TextRange) -> Value {
        match key {
            Value::Str(k) if !k.partial => {
                let path = env_path(&k.text);
                if !matches!(path, Value::Unknown(_))
                    || k.text.len() > self.limits.max_classified_string_bytes
                {
                    return path;
                }
                if let Some(service) = caps::env_credential_service(&k.text) {
                    self.env_credential_reads
                        .insert(at.start(), (k.text.clone(), service));
                }
                Value::UNKNOWN
            }
            v if v.taint().has(Taint::SECRET_NAMES) => {
                let what = "the environment variables of several services' credentials (each \
                            name of a constant list)"
                    .to_owned();
                let line = self.line(at);
                self.add(Cap::Credential, line, what.clone());
                self.note_credential_source(line, what);
                Value::Unknown(Taint::CREDENTIAL)
            }
            _ => Value::UNKNOWN,
        }
    }

    /// Values of a container literal (`{"aws": os.environ["AWS_SECRET_ACCESS_KEY"], "gh":
    /// os.getenv("GITHUB_TOKEN")}`): credential variables of two services or more collected
    /// into one value are harvested, and become credentials in it. One service's variables,
    /// or alternatives (`os.getenv("GH_TOKEN") or os.getenv("GITHUB_TOKEN")`), are not.
    pub(super) fn harvest_env_credentials(&mut self, exprs: &[&'m Expr], values: &mut [Value]) {
        if exprs.len() < 2 || self.env_credential_reads.is_empty() {
            return;
        }
        let reads: Vec<(usize, &(String, &'static str))> = exprs
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                self.env_credential_reads
                    .get(&e.range().start())
                    .map(|r| (i, r))
            })
            .collect();
        let Some((_, (_, first))) = reads.first() else {
            return;
        };
        if reads.iter().all(|(_, (_, service))| service == first) {
            return;
        }
        let names: Vec<&str> = reads.iter().map(|(_, (name, _))| name.as_str()).collect();
        let what = format!(
            "the environment variables {} (several services' credentials)",
            names.join(", ")
        );
        let indexes: Vec<usize> = reads.iter().map(|(i, _)| *i).collect();
        let line = self.line(exprs[indexes[0]].range());
        self.add(Cap::Credential, line, what.clone());
        self.note_credential_source(line, what);
        for i in indexes {
            if let Some(v) = values.get_mut(i) {
                *v = Value::Unknown(v.taint().union(Taint::CREDENTIAL));
            }
        }
    }

    /// The variables a native call fills through pointers (`CredEnumerateW(None, 0,
    /// byref(count), byref(creds))`): they hold what the call returns.
    pub(super) fn taint_out_arguments(&mut self, call: &'m ast::ExprCall, taint: Taint) {
        for arg in &call.arguments.args {
            let Expr::Call(inner) = arg else {
                continue;
            };
            let by_pointer = match inner.func.as_ref() {
                Expr::Attribute(attr) => matches!(attr.attr.as_str(), "byref" | "pointer"),
                Expr::Name(name) => matches!(name.id.as_str(), "byref" | "pointer"),
                _ => false,
            };
            if let (true, Some(Expr::Name(target))) = (by_pointer, inner.arguments.args.first()) {
                self.bind(target.id.as_str(), Value::Unknown(taint));
            }
        }
    }

    pub(super) fn note_credential_source(&mut self, line: u32, what: String) {
        self.facts
            .flow
            .note_source(self.current, Taint::CREDENTIAL, line, what);
    }

    /// What a call that reads a secret returns (tainted for the flow engine), or `None` for
    /// every other call. Also notes the files it fills with secrets and the settings group
    /// it enters.
    pub(super) fn source_value(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        called: &CalledName,
        args: &[Value],
        line: u32,
    ) -> Option<Value> {
        let (shown, api) = (&*called.plain, &called.api);
        let tail = &*called.tail;
        if let Some(what) = called.credential {
            self.note_credential_source(line, format!("{shown} ({what})"));
            if tail == "exportAuthenticationConfigsToXml" {
                // Writes every configuration, secrets included, to the file it names.
                for key in self.stored_file_keys(args.first(), call.arguments.args.first()) {
                    self.tainted_files.insert(key);
                }
                // The variable naming the file now names secrets: handed to a helper that
                // reads and sends the file (`_upload(target)`), it is followed as one.
                if let (Some(Expr::Name(target)), Some(path)) =
                    (call.arguments.args.first(), args.first())
                {
                    self.bind(target.id.as_str(), path.clone().tainted(Taint::CREDENTIAL));
                }
                return Some(Value::UNKNOWN);
            }
            return Some(Value::Unknown(Taint::CREDENTIAL));
        }
        let registry = name.starts_with("winreg.") || name.starts_with("_winreg.");
        if registry && matches!(tail, "OpenKey" | "OpenKeyEx" | "CreateKey" | "CreateKeyEx") {
            let autostart = args.iter().any(|a| {
                a.loose_str()
                    .is_some_and(|k| caps::persistence_target(&k.to_lowercase()).is_some())
            });
            if autostart {
                return Some(
                    Value::reference(format!("{name}()"), false).tainted(Taint::AUTOSTART),
                );
            }
        }
        if let Some((kind, entry)) = api.source {
            let pattern: &str = &entry.pattern;
            // A store opened as an object (`netrc.netrc()`): what its methods return decides.
            let object = entry.returns.is_some();
            // A credential the code asks for by name (a host's login in ~/.netrc, a service's
            // password in the keyring, the auth configuration it names, the credentials added
            // to its own request) is the login the plugin was given, as the user's chosen auth
            // configuration is: it counts only when the file also enumerates every one
            // (harvesting, see flow.rs). The values of a configuration are as secret as the
            // way it was loaded.
            let chosen = caps::asked_by_name(entry);
            match kind {
                // What a reply, a socket or a fetcher hands back is data from the network
                // (the sending calls themselves, `requests.get`, are followed as sinks).
                SourceKind::Remote if !api.is_network() => {
                    return Some(if object {
                        Value::reference(format!("{name}()"), false).tainted(Taint::FETCHED)
                    } else {
                        Value::Unknown(Taint::FETCHED)
                    });
                }
                // Every layer of the project, every saved connection: what sending every data
                // source iterates over (`layer.source()` of one is ordinary).
                SourceKind::Connection if matches!(tail, "mapLayers" | "connections") => {
                    self.facts.flow.note_source(
                        self.current,
                        Taint::CONNECTION,
                        line,
                        format!("{shown} ({})", caps::entry_text(entry)),
                    );
                    return Some(Value::Unknown(Taint::LAYER_LIST));
                }
                // The ids of every configuration (no secret): what harvesting iterates over.
                SourceKind::AuthConfig
                    if matches!(
                        tail,
                        "configIds" | "availableAuthMethodConfigs" | "certIdentityIds"
                    ) =>
                {
                    return Some(Value::Unknown(Taint::AUTH_LIST));
                }
                SourceKind::Credential | SourceKind::SecretStore if object => {
                    return Some(Value::reference(format!("{name}()"), false));
                }
                // Decrypts into its second argument: below.
                _ if pattern.ends_with("loadAuthenticationConfig") => {}
                // Asked for by every id of the list (`certIdentityBundleToPem(cid) for cid
                // in certIdentityIds()`) or by each name of a constant list (other programs'
                // keyring services): harvesting, like decrypting every configuration.
                SourceKind::Credential | SourceKind::SecretStore
                    if chosen
                        && caps::name_positions(entry).any(|p| {
                            args.get(p).is_some_and(|a| a.taint().has(Taint::AUTH_LIST))
                        }) =>
                {
                    let what = format!("{shown} ({}, for every id)", caps::entry_text(entry));
                    self.add(Cap::Credential, line, what.clone());
                    self.note_credential_source(line, what);
                    return Some(Value::Unknown(Taint::CREDENTIAL));
                }
                SourceKind::Credential | SourceKind::SecretStore if chosen => {
                    self.facts.flow.note_source(
                        self.current,
                        Taint::AUTH_CONFIG,
                        line,
                        format!("{shown} ({})", caps::entry_text(entry)),
                    );
                    return Some(Value::Unknown(Taint::AUTH_CONFIG));
                }
                SourceKind::Credential | SourceKind::SecretStore => {
                    self.note_credential_source(
                        line,
                        format!("{shown} ({})", caps::entry_text(entry)),
                    );
                    self.taint_out_arguments(call, Taint::CREDENTIAL);
                    return Some(Value::Unknown(Taint::CREDENTIAL));
                }
                _ => {}
            }
        }
        // The method's name first: two searches of every call's name were a tenth of this.
        let auth_manager = || name.contains("uthManager") || name.contains("authManager");
        if tail == "loadAuthenticationConfig" && auth_manager() {
            // Fills the configuration passed second with its secrets, decrypted. Listing the
            // configurations fills a combo box, and decrypting the one the user chose logs in
            // to their server: plugins do both. Decrypting a configuration whose id came from
            // the list of every one is harvesting: its values are credentials.
            let harvested = args
                .first()
                .is_some_and(|id| id.taint().has(Taint::AUTH_LIST));
            let (kind, what) = if harvested {
                self.add(
                    Cap::Credential,
                    line,
                    format!("{shown} (every QGIS authentication configuration, decrypted)"),
                );
                (
                    Taint::CREDENTIAL,
                    "every QGIS authentication configuration, decrypted",
                )
            } else {
                (
                    Taint::AUTH_CONFIG,
                    "the authentication configuration it names, decrypted",
                )
            };
            if let Some(Expr::Name(config)) = call.arguments.args.get(1) {
                let current = self.lookup(config.id.as_str());
                self.bind(config.id.as_str(), current.tainted(kind));
            }
            self.facts
                .flow
                .note_source(self.current, kind, line, format!("{shown} ({what})"));
            return Some(Value::UNKNOWN);
        }
        match tail {
            "value" => {
                let key = args.first().and_then(Value::loose_str)?;
                if caps::settings_password_key(key) {
                    self.note_credential_source(
                        line,
                        format!("{shown}({key:?}) (a saved QGIS password)"),
                    );
                    return Some(Value::Unknown(Taint::CREDENTIAL));
                }
                if let Some(entry) = caps::settings_proxy_secret(key) {
                    // The proxy's login: ordinary in a proxy setting, sent when it leaves in a
                    // URL opened in the browser or a DNS query (flow.rs).
                    self.facts.flow.note_source(
                        self.current,
                        Taint::PROXY_SECRET.union(Taint::CREDENTIAL),
                        line,
                        format!("{shown}({key:?}) ({})", caps::entry_text(entry)),
                    );
                    return Some(Value::Unknown(Taint::PROXY_SECRET));
                }
                return None;
            }
            "beginGroup" => {
                self.settings_group = args.first().and_then(Value::as_str).map(|g| g.text.clone());
                return None;
            }
            "endGroup" => {
                self.settings_group = None;
                return None;
            }
            "allKeys" | "childKeys" | "childGroups" if name.contains("Settings") => {
                if !self.settings_group_may_hold_secrets() {
                    return None;
                }
                let scope = match self.settings_group.as_deref() {
                    Some(group) if !group.is_empty() => format!("every key under `{group}`"),
                    _ => "every QGIS setting".to_owned(),
                };
                self.facts.flow.note_source(
                    self.current,
                    Taint::SETTINGS_ENUM,
                    line,
                    format!("{shown} ({scope}, QGIS's saved passwords among them)"),
                );
                return Some(Value::Unknown(Taint::SETTINGS_ENUM));
            }
            _ => {}
        }
        // Path arithmetic names a store without reading it (the path stays foldable).
        let path_arithmetic = [
            "os.path.",
            "posixpath.",
            "ntpath.",
            "pathlib.",
            "builtins.str",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            || matches!(name, "Path" | "os.fspath");
        if path_arithmetic {
            return None;
        }
        let first = args.first()?;
        let reads = matches!(
            name,
            "builtins.open" | "io.open" | "codecs.open" | "io.FileIO" | "pkgutil.get_data"
        ) && !args
            .get(1)
            .and_then(Value::as_str)
            .is_some_and(|mode| is_write_mode(&mode.text));
        if reads {
            let file = if name == "pkgutil.get_data" {
                args.get(1)
                    .and_then(Value::loose_str)
                    .map(|f| format!("{}/{f}", self.own_dir))
            } else {
                first.loose_str().map(str::to_owned)
            };
            if let Some(file) = file.filter(|f| self.plugin_data_file(f)) {
                self.note_data_read(&file, line, shown);
                return Some(Value::Unknown(Taint::PLUGIN_DATA));
            }
        }
        let copy = matches!(
            name,
            "shutil.copy"
                | "shutil.copy2"
                | "shutil.copyfile"
                | "shutil.move"
                | "os.rename"
                | "os.replace"
        );
        let what = self
            .credential_file(first, call.arguments.args.first())
            .or_else(|| {
                (copy && first.taint().has(Taint::CREDENTIAL))
                    .then(|| "a credential store".to_owned())
            })?;
        if copy {
            // The copy holds what the store holds, and the folder it is copied into (a
            // variable joined with a name: `os.path.join(repo, "id_rsa")`, `repo / "k"`) holds
            // it too, for what sends a whole folder (`git push` from it).
            let target = call.arguments.args.get(1);
            for key in self.stored_file_keys(args.get(1), target) {
                self.tainted_files.insert(key);
            }
            if let Some(key) = self.variable_key(target.and_then(joined_folder)) {
                self.tainted_files.insert(key);
            }
            return None;
        }
        let writes = args
            .get(1)
            .and_then(Value::as_str)
            .is_some_and(|mode| name.ends_with("open") && is_write_mode(&mode.text));
        if writes {
            return None;
        }
        self.note_credential_source(line, format!("{shown} of {what}"));
        // A parser that reads the store (`config.read("~/.aws/credentials")`) holds it.
        if name.starts_with("configparser.") && matches!(tail, "read" | "read_file") {
            self.note_container_update(call, Taint::CREDENTIAL, true);
        }
        Some(Value::Unknown(Taint::CREDENTIAL))
    }

    /// `module.Class.function = replacement` on a module or class the plugin did not define
    /// (it imported it), when the catalogue knows the attribute as a source, sink or runner:
    /// every caller of that library now runs the plugin's code (`requests.Session.request`,
    /// `QgsNetworkAccessManager.createRequest`, `socket.socket.send`).
    /// Also `setattr(module, "name", replacement)` (`attribute` the constant name).
    pub(super) fn note_monkeypatch(
        &mut self,
        base: &Value,
        attribute: &str,
        line: u32,
        value: &Value,
    ) {
        let Value::Ref { name, .. } = base else {
            return;
        };
        let target = format!("{name}.{attribute}");
        self.note_python_tls_default(&target, value, line);
        // A method of another plugin's live object replaced (`qgis.utils.plugins["x"].check =
        // lambda ...: []`, or a function of this file): its behaviour changed. Setting its data
        // attributes (a path, a limit) is how a companion plugin drives another's dialog.
        let other_plugin = name.starts_with("qgis.utils.plugins")
            && !name.starts_with(&format!("qgis.utils.plugins[{:?}]", self.top));
        if other_plugin && self.replaced_by_function() {
            self.add(
                Cap::PluginStateTamper,
                line,
                format!("{target} replaced: another plugin's object changed"),
            );
            return;
        }
        let own = self.own_module_name(name)
            || name.contains("()")
            || self
                .class_names
                .contains(name.split('.').next().unwrap_or(""));
        if own {
            return;
        }
        // Putting back the function saved before (`webbrowser.open = original`).
        if matches!(value, Value::Ref { name, .. } if *name == target) {
            return;
        }
        let api = caps::Api::of(&target);
        // What sends data out or holds credentials: replacing it sees every caller's requests
        // and secrets (hooks made to be replaced, `sys.excepthook`, and compatibility shims of
        // other APIs do not count).
        let known = api.carries_data_out()
            || api.source.is_some_and(|(kind, _)| {
                matches!(
                    kind,
                    SourceKind::Credential | SourceKind::SecretStore | SourceKind::AuthConfig
                )
            });
        // Read the replacement's body only for what the catalogue knows.
        if known
            && !self
                .replacement
                .is_some_and(|r| self.taps_nothing(r, &target))
        {
            self.add(Cap::Monkeypatch, line, format!("{target} replaced"));
        }
    }

    /// A password the user types into the plugin's own dialog, as evidence: the text of a
    /// widget set to hide what is typed or named for a password (`self.dlg.password.text()`),
    /// `QInputDialog.getText` in password mode, `getpass.getpass()`. Also notes widgets set to
    /// password mode (`setEchoMode(QLineEdit.Password)`).
    pub(super) fn typed_password(&mut self, call: &'m ast::ExprCall) -> Option<String> {
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "getpass")
                .then(|| "getpass() (a password typed at the terminal)".to_owned());
        };
        let receiver = self.text(attr.value.range());
        let password_mode = |analyser: &Self, expr: &Expr| {
            let text = analyser.text(expr.range());
            // `QLineEdit.EchoMode` by name or by number: NoEcho 1, Password 2,
            // PasswordEchoOnEdit 3.
            text.ends_with("Password")
                || text.ends_with("PasswordEchoOnEdit")
                || text.ends_with("NoEcho")
                || matches!(text.trim(), "1" | "2" | "3")
        };
        match attr.attr.as_str() {
            "setEchoMode" => {
                if call
                    .arguments
                    .args
                    .first()
                    .is_some_and(|a| password_mode(self, a))
                {
                    self.password_widgets.insert(receiver.to_owned());
                }
                None
            }
            // A wizard's field registered on a password widget (`registerField("secret*",
            // secret)`), then read by its name (`self.field("secret")`).
            "registerField" => {
                let (Some(Expr::StringLiteral(name)), Some(widget)) =
                    (call.arguments.args.first(), call.arguments.args.get(1))
                else {
                    return None;
                };
                let widget = self.text(widget.range());
                let field = name.value.to_str().trim_end_matches('*');
                let lower = format!("{widget} {field}").to_ascii_lowercase();
                let named = PASSWORD_WORDS.iter().any(|w| lower.contains(w));
                if named || self.password_widgets.contains(widget) {
                    self.password_fields.insert(field.to_owned());
                }
                None
            }
            "field" if call.arguments.args.len() == 1 => match call.arguments.args.first() {
                Some(Expr::StringLiteral(name))
                    if self.password_fields.contains(name.value.to_str()) =>
                {
                    Some(format!(
                        "`{receiver}.field({:?})` (a password typed into the plugin's wizard)",
                        name.value.to_str()
                    ))
                }
                _ => None,
            },
            "text" | "toPlainText" | "displayText" if call.arguments.args.is_empty() => {
                let lower = receiver.to_ascii_lowercase();
                let named = PASSWORD_WORDS.iter().any(|w| lower.contains(w));
                let field = receiver.rsplit('.').next().unwrap_or(receiver);
                let designed = self.form_passwords.contains(field);
                (named || designed || self.password_widgets.contains(receiver)).then(|| {
                    format!("`{receiver}.text()` (a password typed into the plugin's dialog)")
                })
            }
            "getText" => {
                // `getText(parent, title, label, echo, ...)`.
                let echo = call
                    .arguments
                    .args
                    .get(3)
                    .is_some_and(|a| password_mode(self, a))
                    || call.arguments.keywords.iter().any(|k| {
                        k.arg.as_ref().is_some_and(|a| a.as_str() == "echo")
                            && password_mode(self, &k.value)
                    });
                echo.then(|| {
                    format!("`{receiver}.getText(...)` in password mode (a password typed into a dialog)")
                })
            }
            // QGIS's own credential dialog, asked by the plugin (`QgsCredentials.instance()
            // .get(realm, user, password)`): the user types a password believing QGIS asks.
            "get" | "request" if receiver.contains("QgsCredential") => Some(format!(
                "`{receiver}.{}(...)` (a password typed into QGIS's credential dialog)",
                attr.attr
            )),
            "getpass" => Some(format!(
                "`{receiver}.getpass()` (a password typed at the terminal)"
            )),
            _ => None,
        }
    }
}

/// Calls that install a hook Python runs for every frame, event or audited action of the
/// process (`sys.settrace`, `threading.settrace`, `sys.setprofile`, `threading.setprofile`,
/// `sys.addaudithook`, `sys.monitoring.register_callback`), by the name the source spells.
const TRACE_HOOKS: &[&str] = &[
    "settrace(",
    "setprofile(",
    "addaudithook(",
    "register_callback(",
];

/// Words that name a password field (`self.dlg.passwd`, a wizard field `"pwd*"`).
const PASSWORD_WORDS: [&str; 4] = ["password", "passwd", "pwd", "passphrase"];
