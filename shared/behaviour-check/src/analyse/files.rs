//! Files: the keys that match a file written to the file started, links through parameters, writes, extraction targets, and strings classified as paths or hosts.

use super::*;

/// QGIS's own settings file (`<profile>/QGIS/QGIS3.ini`), by its name.
fn is_qgis_settings_file(path: &str) -> bool {
    let lower = path.replace('\\', "/").to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    matches!(file, "qgis3.ini" | "qgis4.ini" | "qgis2.ini")
}

/// What a path names below the plugins folder (`<plugins-dir>/x/y`, `.../python/plugins/x/y`:
/// `x/y`), with `/` separators; `None` for a path elsewhere.
fn in_plugins_folder(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    if let Some(rest) = path.strip_prefix(&format!("{PLUGINS_DIR}/")) {
        return Some(rest.to_owned());
    }
    let at = path.to_ascii_lowercase().find("python/plugins/")?;
    path.get(at + "python/plugins/".len()..).map(str::to_owned)
}

/// Extensions of files Python imports from a folder on `sys.path` (the plugins folder is one).
const IMPORTABLE_EXTENSIONS: &[&str] = &["py", "pyc", "pyo", "pyw", "pyd", "so", "pth", "egg"];

impl<'m> Analyser<'m> {
    /// `archive = ZipFile(buffer)`, `with tarfile.open(fileobj=buf) as tar`: the object is
    /// built on a variable of the function (its first argument or `fileobj=`).
    pub(super) fn note_backing(&mut self, value: &'m Expr, target: &'m Expr) {
        let (Expr::Call(call), Expr::Name(object)) = (value, target) else {
            return;
        };
        let on = call
            .arguments
            .find_keyword("fileobj")
            .map(|k| &k.value)
            .or_else(|| call.arguments.args.first());
        if let Some(Expr::Name(buffer)) = on {
            if buffer.id != object.id {
                let key = local_key(object.id.as_str(), self.current);
                self.backing.insert(key, buffer.id.as_str());
            }
        }
    }

    /// `script = f.name`, `exe = str(path)`: the variable names a file the function wrote in
    /// binary mode, so starting it through the new name matches.
    pub(super) fn note_file_alias(&mut self, value: &'m Expr, target: &'m Expr) {
        let Some(source) = self.variable_key(Some(value)) else {
            return;
        };
        let written = self.facts.units[self.current]
            .binary_writes
            .iter()
            .find(|(key, _)| *key == source)
            .map(|(_, line)| *line);
        if let (Some(line), Some(alias)) = (written, self.variable_key(Some(target))) {
            self.facts.units[self.current].note_binary_write(alias, line);
        }
    }

    /// What names a file written or started, to match the two: the path when the resolver
    /// folded it whole, else the local variable holding it (`target` in `open(target, "wb")`
    /// and `ctypes.CDLL(target)`), which only matches within the same function (or through a
    /// call, see `link_parameters`), or the instance attribute (`self.target`), which matches
    /// across the methods of the file.
    pub(super) fn file_key(&self, value: Option<&Value>, expr: Option<&'m Expr>) -> Option<String> {
        self.file_keys(value, expr).into_iter().next()
    }

    /// Every key of a file written or started: its folded path and the variable or attribute
    /// that holds it, so that a write named one way matches a start named the other
    /// (`p.write_bytes(...)` on a folded path, `Popen([p.as_posix()])`). None for a document.
    pub(super) fn file_keys(&self, value: Option<&Value>, expr: Option<&'m Expr>) -> Vec<String> {
        self.keys_of_file(value, expr, false)
    }

    /// The keys of a file that holds secrets (a credential store's copy, an export of the auth
    /// configurations): whatever its extension (`configs.xml` is not a document here).
    pub(super) fn stored_file_keys(
        &self,
        value: Option<&Value>,
        expr: Option<&'m Expr>,
    ) -> Vec<String> {
        self.keys_of_file(value, expr, true)
    }

    fn keys_of_file(
        &self,
        value: Option<&Value>,
        expr: Option<&'m Expr>,
        documents_too: bool,
    ) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some((path, _, partial)) = value.map(path_text) {
            // `os.path.join(tmp, "report.pdf")`: a document opened with its application.
            if !documents_too && is_document(&path) {
                return keys;
            }
            if !path.is_empty() && !partial && !path.contains('*') {
                keys.push(path);
            }
        }
        keys.extend(self.variable_key(expr));
        keys
    }

    /// A credential store copied into the folder a process works in (`tree`: the folder named
    /// on its command line, or `None` for its `cwd=`), as evidence.
    pub(super) fn folder_with_credentials(
        &self,
        call: &'m ast::ExprCall,
        keywords: &[(Option<&'m str>, Value)],
        tree: Option<&str>,
    ) -> Option<String> {
        if self.tainted_files.is_empty() {
            return None;
        }
        let mut folders: Vec<String> = Vec::new();
        match tree {
            Some(folder) => {
                folders.push(folder.to_owned());
                // The list element holding the folder, by the variable that names it.
                if let Some(Expr::List(ast::ExprList { elts, .. })) = call.arguments.args.first() {
                    let element = elts.iter().find(|e| {
                        matches!(e, Expr::Name(_) | Expr::Attribute(_))
                            && self.text(e.range()) == folder
                    });
                    folders.extend(self.variable_key(element));
                }
            }
            None => {
                let value = keywords
                    .iter()
                    .find(|(k, _)| *k == Some("cwd"))
                    .map(|(_, v)| v);
                if let Some((path, _, false)) = value.map(path_text) {
                    folders.push(path);
                }
                let expr = call.arguments.find_keyword("cwd").map(|k| &k.value);
                folders.extend(self.variable_key(expr));
            }
        }
        folders.retain(|f| !f.is_empty() && f != "*");
        self.tainted_files.iter().find_map(|key| {
            let inside = folders.iter().any(|folder| {
                key == folder
                    || key
                        .strip_prefix(folder.as_str())
                        .is_some_and(|rest| rest.starts_with(['/', '\\']))
            });
            inside.then(|| {
                format!(
                    "{} (a credential store copied into the folder pushed)",
                    shown_file(key)
                )
            })
        })
    }

    /// The host a call's arguments name: a URL the code spells (the `url` keyword or the first
    /// argument), or an object built for one (`post(QNetworkRequest(QUrl(URL)), data)`).
    pub(super) fn arguments_host(
        &self,
        args: &[Value],
        keywords: &[(Option<&str>, Value)],
    ) -> Option<String> {
        constant_host(args, keywords).or_else(|| {
            args.iter().find_map(|a| match a {
                Value::Ref { name, .. } => self.object_hosts.get(name).cloned(),
                _ => None,
            })
        })
    }

    /// The variable (`target`) or instance attribute (`self.target`) an expression names a
    /// file by.
    pub(super) fn variable_key(&self, expr: Option<&'m Expr>) -> Option<String> {
        match expr.map(path_operand) {
            Some(Expr::Name(name)) => Some(local_key(name.id.as_str(), self.current)),
            // `self.tool`: the same attribute in every method of the file.
            Some(Expr::Attribute(attr)) => match attr.value.as_ref() {
                Expr::Name(base) if matches!(base.id.as_str(), "self" | "cls") => {
                    Some(format!("self.{}{VARIABLE_KEY}", attr.attr))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Follows file paths one call deeper between the functions of the file (one round; the
    /// caller repeats up to `max_link_depth`), so that a download written in one function and
    /// started in another matches; whether anything was added:
    /// - a function that writes or starts the file named by one of its parameters
    ///   (`def install(path): subprocess.Popen([path])`) does so, in each caller, for the
    ///   file its argument names (`install(tool)`);
    /// - a function that writes a file and returns it (`return tmp`) wrote, in each caller,
    ///   the variable assigned its result (`exe = fetch(url)`).
    pub(super) fn link_parameters(
        &mut self,
        calls: &[LocalCall<'m>],
        results: &[LocalResult<'m>],
    ) -> bool {
        let units = &self.facts.units;
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
        for (index, unit) in units.iter().enumerate().skip(1) {
            if !unit.started.is_empty() || !unit.binary_writes.is_empty() {
                by_name.entry(unit.name.as_str()).or_default().push(index);
            }
        }
        let mut started = Vec::new();
        let mut written = Vec::new();
        for call in calls {
            for &callee in by_name.get(call.callee).map_or(&[][..], Vec::as_slice) {
                let unit = &units[callee];
                let skip = usize::from(
                    call.method
                        && unit
                            .params
                            .first()
                            .is_some_and(|p| p == "self" || p == "cls"),
                );
                // The caller's key for the argument passed as the parameter a key names.
                let key_of = |key: &str| -> Option<String> {
                    let variable = local_of(key, callee)?;
                    let position = unit.params.iter().position(|p| p == variable)?;
                    call.keys
                        .get(position.checked_sub(skip)?)
                        .cloned()
                        .flatten()
                };
                for (key, line, shown) in &unit.started {
                    if let Some(key) = key_of(key) {
                        let shown = format!("{shown} in `{}`", unit.name);
                        started.push((call.caller, key, *line, shown));
                    }
                }
                for (key, line) in &unit.binary_writes {
                    if let Some(key) = key_of(key) {
                        written.push((call.caller, key, *line));
                    }
                }
            }
        }
        for result in results {
            for &callee in by_name.get(result.callee).map_or(&[][..], Vec::as_slice) {
                for (key, line) in &units[callee].binary_writes {
                    let returned = self
                        .returned
                        .iter()
                        .any(|(unit, returned)| *unit == callee && returned == key);
                    if returned {
                        written.push((
                            result.caller,
                            local_key(result.variable, result.caller),
                            *line,
                        ));
                    }
                }
            }
        }
        let mut added = false;
        for (caller, key, line, shown) in started {
            let unit = &mut self.facts.units[caller];
            if !unit.started.iter().any(|(k, l, _)| *k == key && *l == line) {
                added |= unit.note_started(key, line, shown);
            }
        }
        for (caller, key, line) in written {
            let unit = &mut self.facts.units[caller];
            if !unit
                .binary_writes
                .iter()
                .any(|(k, l)| *k == key && *l == line)
            {
                added |= unit.note_binary_write(key, line);
            }
        }
        added
    }

    pub(super) fn note_binary_write(
        &mut self,
        value: Option<&Value>,
        expr: Option<&'m Expr>,
        line: u32,
    ) {
        for key in self.file_keys(value, expr) {
            self.facts.units[self.current].note_binary_write(key, line);
        }
        let Some((path, _, partial)) = value.map(path_text) else {
            return;
        };
        // What the import path runs (`sys.path`, `site.addsitedir`, `zipimport`): a zip
        // written whole (otherwise read as a document, which no start matches), and the folder
        // of a module written into it.
        let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let mut keys = Vec::new();
        if extension.as_deref() == Some("zip") {
            keys = self.stored_file_keys(value, expr);
        }
        let importable = extension.is_some_and(|e| IMPORTABLE_EXTENSIONS.contains(&e.as_str()));
        if importable && !partial && !path.contains('*') {
            if let Some((folder, _)) = path.rsplit_once('/').filter(|(f, _)| !f.is_empty()) {
                keys.push(folder.to_owned());
            }
        }
        let unit = &mut self.facts.units[self.current];
        for key in keys {
            if !unit.binary_writes.iter().any(|(k, _)| *k == key) {
                unit.note_binary_write(key, line);
            }
        }
        // Named as a program where it is written (`<tmp>/setup`, `*.exe`): opening it later
        // through a variable the resolver cannot fold runs it all the same.
        if path != "*" && !is_document(&path) && opened_type(&path).is_none() {
            self.facts.program_writes.push(line);
        }
    }

    /// The keys of the archive an `extractall` is called on: the variable the archive object
    /// is built on (`with ZipFile(path) as z: z.extractall(d)`, `ZipFile(path).extractall(d)`).
    pub(super) fn archive_keys(&self, call: &'m ast::ExprCall) -> Vec<String> {
        let Expr::Attribute(method) = call.func.as_ref() else {
            return Vec::new();
        };
        match method.value.as_ref() {
            Expr::Name(object) => {
                let key = local_key(object.id.as_str(), self.current);
                match self.backing.get(&key) {
                    Some(archive) => vec![local_key(archive, self.current)],
                    None => Vec::new(),
                }
            }
            Expr::Call(open) => self
                .variable_key(open.arguments.args.first())
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// An archive this function wrote in binary (a download) extracted into a folder: the
    /// folder holds what the download held, so putting it on the import path (or starting a
    /// file named by it) runs the download.
    pub(super) fn note_extracted_download(
        &mut self,
        archive: &[String],
        (value, expr): (Option<&Value>, Option<&'m Expr>),
        line: u32,
    ) {
        let downloaded = self.facts.units[self.current]
            .binary_writes
            .iter()
            .any(|(key, _)| archive.contains(key));
        if downloaded {
            for key in self.stored_file_keys(value, expr) {
                self.facts.units[self.current].note_binary_write(key, line);
            }
        }
    }

    pub(super) fn note_started(&mut self, program: String, line: u32, shown: &str) {
        self.facts.units[self.current].note_started(program, line, shown.to_owned());
    }

    /// A file written by `open` into the plugins folder itself, not into a plugin's folder,
    /// under a name Python cannot import (`<plugins-dir>/logs.txt`, from a plugin that went one
    /// folder too far up): no plugin's code. A module there (`<plugins-dir>/requests.py`) shadows
    /// what every plugin imports, and is still a write into other plugins.
    pub(super) fn data_file_in_plugins_folder(&self, path: &str) -> bool {
        let Some(file) = in_plugins_folder(path).filter(|r| !r.contains('/') && !r.contains('*'))
        else {
            return false;
        };
        let Some((stem, extension)) = file.rsplit_once('.') else {
            return false;
        };
        !stem.is_empty()
            && !IMPORTABLE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    }

    pub(super) fn note_write(&mut self, path: &str, line: u32, shown: &str) {
        self.note_write_as(path, line, shown, false);
    }

    /// `creates_file`: the call writes a file at `path` (`open(path, "w")`), never a folder.
    pub(super) fn note_write_as(&mut self, path: &str, line: u32, shown: &str, creates_file: bool) {
        let what = if path.is_empty() {
            shown.to_owned()
        } else {
            format!("{shown}({})", clip(path))
        };
        self.add(Cap::Write, line, what.clone());
        if path.is_empty() || path.contains('*') {
            self.add(Cap::WriteUnknownPath, line, what.clone());
        }
        if let Some(target) = caps::persistence_target(&path.to_lowercase()) {
            self.add(Cap::PersistWrite, line, format!("{what}: {target}"));
        } else if let Some(entry) = caps::persistence_path(path) {
            // The catalogue's persistence places (QGIS's processing scripts and expression
            // folders, ...); the plugins folder is BHV006's.
            self.add(
                Cap::PersistWrite,
                line,
                format!("{what}: {}", caps::entry_text(entry)),
            );
        }
        if !path.is_empty() {
            let system = Catalogue::builtin().path(path).iter().find(|e| {
                e.kind
                    == validator_api_catalogue::Kind::Sink(
                        validator_api_catalogue::SinkKind::SystemFile,
                    )
            });
            if let Some(entry) = system {
                self.add(
                    Cap::SecurityTamper,
                    line,
                    format!("{what}: {}", caps::entry_text(entry)),
                );
            }
        }
        if is_qgis_settings_file(path) {
            // QGIS's settings file holds the plugin repositories, the enabled plugins and the
            // security switches: rewriting it bypasses every key QGIS's own API would show.
            self.add(
                Cap::PluginStateTamper,
                line,
                format!("{what}: QGIS's settings file, where plugin repositories, enabled plugins and security settings are kept"),
            );
        }
        if self.other_plugin_path(path) && !(creates_file && self.data_file_in_plugins_folder(path))
        {
            self.add(Cap::PluginsDirWrite, line, what.clone());
        }
        if self.own_path(path) && path.to_ascii_lowercase().ends_with(".py") {
            self.add(Cap::OwnDirWrite, line, what);
            self.facts.own_writes.push((line, None));
        }
    }

    pub(super) fn note_extract(&mut self, target: &str, line: u32, shown: &str) {
        let what = if target.is_empty() {
            shown.to_owned()
        } else {
            format!("{shown} into {}", clip(target))
        };
        self.add(Cap::Extract, line, what.clone());
        let normalised = target.replace('\\', "/");
        let plugins_folder = normalised.trim_end_matches('/') == PLUGINS_DIR
            || normalised.trim_end_matches('/').ends_with("python/plugins");
        if plugins_folder || self.own_path(target) {
            // Over the plugins folder itself (replacing a plugin by its archive's top folder)
            // or over its own folder: an update that bypasses the repository.
            self.add(Cap::OwnDirWrite, line, what);
            // Into a named subfolder of its own (`<plugin>/data`): data, unless the zip ships
            // code there or the plugin imports from it (checked once the plugin is read).
            let subfolder = normalised
                .strip_prefix(&format!("{}/", self.own_dir))
                .map(|rest| rest.trim_end_matches('/'))
                .filter(|rest| !rest.is_empty() && !rest.contains('*'))
                .map(str::to_owned);
            self.facts.own_writes.push((line, subfolder));
        } else if self.other_plugin_path(target) {
            self.add(Cap::PluginsDirWrite, line, what);
        }
    }

    /// A path in the plugins folder (the plugin's own files, or another plugin's code): never
    /// someone's credential store.
    pub(super) fn plugin_path(&self, path: &str) -> bool {
        path.starts_with(PLUGINS_DIR) || self.own_path(path)
    }

    /// A path inside this plugin's own folder.
    pub(super) fn own_path(&self, path: &str) -> bool {
        let path = path.replace('\\', "/");
        path == self.own_dir || path.starts_with(&format!("{}/", self.own_dir))
    }

    /// A path inside another plugin's folder (a folder of the plugins folder other than ours,
    /// or one the resolver could not name).
    pub(super) fn other_plugin_path(&self, path: &str) -> bool {
        let Some(rest) = in_plugins_folder(path) else {
            return false;
        };
        let folder = rest.split('/').next().unwrap_or("");
        let own = self.own_dir.rsplit('/').next().unwrap_or("");
        !folder.is_empty() && folder != own
    }

    pub(super) fn note_string(&mut self, value: &Value, line: u32) {
        if let Some(folded) = self.classified(value) {
            self.note_folded(folded, line);
        }
    }

    /// [`Self::note_string`] for the string an expression at `range` builds: its line is looked
    /// up only when the string may say something (most do not).
    pub(super) fn note_string_at(&mut self, value: &Value, range: TextRange) {
        if let Some(folded) = self.classified(value) {
            let line = self.line(range);
            self.note_folded(folded, line);
        }
    }

    /// The string `value` holds when it is short enough to classify and has a fragment of
    /// something the classifiers recognise.
    fn classified<'v>(&self, value: &'v Value) -> Option<&'v Folded> {
        let Value::Str(folded) = value else {
            return None;
        };
        (folded.text.len() <= self.limits.max_classified_string_bytes
            && caps::may_be_interesting(&folded.text))
        .then_some(folded)
    }

    fn note_folded(&mut self, folded: &Folded, line: u32) {
        let lower = folded.text.to_lowercase();
        // Only what looks like a path names a store here (`"cookies"` alone is a dict key).
        let credential = if folded.text.contains(['/', '\\']) && !self.plugin_path(&folded.text) {
            caps::credential_path(&folded.text, false)
        } else {
            None
        };
        if let Some(what) = credential {
            self.add(
                Cap::Credential,
                line,
                format!("{:?} ({what})", clip(&folded.text)),
            );
        }
        if let Some(what) = caps::persistence_target(&lower) {
            self.add(
                Cap::PersistTarget,
                line,
                format!("{:?} ({what})", clip(&folded.text)),
            );
        }
        if lower.contains("password") || lower.contains("passwd") {
            self.password_string = true;
        }
        if let Some(host) = caps::url_host(&folded.text) {
            if !self
                .facts
                .hosts
                .iter()
                .any(|(h, l)| *h == host && *l == line)
            {
                self.facts.hosts.push((host, line));
            }
        }
    }
}
