//! What a resolved call can do: the capabilities it adds, with evidence.

use super::*;

impl<'m> Analyser<'m> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn classify_call(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        called: &CalledName,
        hidden: bool,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
        arg_taint: Taint,
    ) -> Option<(String, Taint)> {
        let (plain, api) = (&*called.plain, &called.api);
        // What a program that prints stored credentials prints (the call's result): evidence.
        let mut printed = None;
        let shown = Shown {
            plain,
            hidden_as: hidden.then(|| self.text(call.func.range())),
        };
        if called.import_call {
            let constant_target = args
                .first()
                .and_then(Value::as_str)
                .filter(|s| !s.partial)
                .map(|s| s.text.clone());
            match constant_target {
                Some(module) => self.facts.constant_imports.push(module),
                None => self.add(
                    Cap::DynamicLoad,
                    line,
                    format!("{shown} of a computed name"),
                ),
            }
        }
        if api.runs_code() || called.loader_call {
            self.add(Cap::DynamicLoad, line, shown.to_string());
        }
        self.classify_code_run(call, plain, &shown, args, keywords, line, arg_taint, api);
        if hidden && called.dangerous {
            self.add(Cap::HiddenCall, line, shown.to_string());
        }
        if called.native_load {
            self.add(Cap::NativeLoad, line, shown.to_string());
            if arg_taint.has(Taint::FETCHED) || arg_taint.has(Taint::DECODED) {
                self.add(Cap::DecodedExec, line, format!("{shown} of decoded data"));
            }
            // A library loaded from a file the code wrote runs that file's code.
            for key in self.file_keys(args.first(), call.arguments.args.first()) {
                self.note_started(key, line, &shown.to_string());
            }
        }
        if let Some(position) = called.import_path {
            // A folder or archive the code wrote (a download, or an archive extracted from
            // one) put on the import path: its modules run when imported. Only the started
            // file is noted: the plugin's own folders on the path are how bundled libraries
            // load, and they were not written by it.
            let (arg, expr) = (args.get(position), call.arguments.args.get(position));
            for key in self.stored_file_keys(arg, expr) {
                self.note_started(key, line, &shown.to_string());
            }
        }
        if api.sink == Some(validator_api_catalogue::SinkKind::ProjectWrite) {
            // Code written into the project's macros runs when the project is opened.
            let scope = args.first().and_then(Value::as_str);
            let key = args.get(1).and_then(Value::as_str);
            let value_taint = args.get(2).map_or(Taint::NONE, Value::taint);
            if let (Some(scope), Some(key)) = (scope, key) {
                if caps::project_code_entry(&scope.text, &key.text) {
                    let entry = format!("{shown}({:?}, {:?})", scope.text, key.text);
                    if value_taint.has(Taint::FETCHED) {
                        self.add(
                            Cap::FetchedExec,
                            line,
                            format!("{entry}: code read from the network stored as the project's macros"),
                        );
                    }
                    if value_taint.has(Taint::DECODED) || value_taint.has(Taint::PLUGIN_DATA) {
                        self.add(
                            Cap::DecodedExec,
                            line,
                            format!("{entry}: decoded code stored as the project's macros"),
                        );
                    }
                    // Readable macros run when the project opens: read like code run by exec.
                    if let Some(Value::Str(code)) = args.get(2) {
                        self.note_exec_literal(line, code, false);
                    }
                }
            }
        }
        if let Some(position) = api.code_file_arg.map(usize::from) {
            let (arg, expr) = (args.get(position), call.arguments.args.get(position));
            // A file the code wrote (or downloaded), then run as Python: its code runs.
            for key in self.file_keys(arg, expr) {
                self.note_started(key, line, &shown.to_string());
            }
            // A data file of the plugin (a style, an image) run as code: a hidden payload.
            if let Some(path) = arg.and_then(Value::loose_str) {
                if self.plugin_data_file(path) && !caps::is_code_file(path) {
                    let shown_path = path
                        .strip_prefix(&format!("{PLUGINS_DIR}/"))
                        .unwrap_or(path);
                    self.add(
                        Cap::DecodedExec,
                        line,
                        format!("{shown}({shown_path}): a data file of the plugin run as code"),
                    );
                }
            }
        }
        if called.process_exec {
            self.add(Cap::ProcessExec, line, shown.to_string());
            if let Some(what) = remote_command(args) {
                self.add(
                    Cap::FetchedExec,
                    line,
                    format!("{shown}: {what} read from the network"),
                );
            }
            let mut words: Vec<String> = Vec::new();
            for arg in args {
                match arg {
                    Value::Str(s) => words.extend(s.text.split_whitespace().map(str::to_owned)),
                    Value::List(items) => {
                        for item in items {
                            if let Value::Str(s) = item {
                                words.push(s.text.clone());
                            } else if let Value::Ref { name, .. } = item {
                                words.push(name.clone());
                            }
                        }
                    }
                    Value::Ref { name, .. } => words.push(name.clone()),
                    _ => words.push("*".to_owned()),
                }
            }
            let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
            let has = |w: &str| {
                lower
                    .iter()
                    .any(|x| x == w || x.ends_with(&format!("/{w}")))
            };
            let command = lower.join(" ");
            if (has("pip") || has("pip3") || command.contains("-m pip") || has("pip.exe"))
                && has("install")
            {
                self.add(
                    Cap::PackageInstall,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
                self.note_install_source(args, line, &shown);
            }
            // The program: the command's first word, or the file in a variable
            // (`subprocess.call(target)`, `Popen([target, ...])`).
            let first_value = match args.first() {
                Some(Value::List(items)) => items.first(),
                other => other,
            };
            let first_expr = match call.arguments.args.first() {
                Some(Expr::List(list)) => list.elts.first(),
                Some(Expr::Tuple(tuple)) => tuple.elts.first(),
                other => other,
            };
            let program = match first_value {
                Some(Value::Str(s)) => s
                    .text
                    .split_whitespace()
                    .next()
                    .filter(|w| !w.contains('*'))
                    .map(str::to_owned),
                // A program by its name (`os.system(GDAL_TRANSLATE)`), not a call's result
                // (`tempfile.mktemp()`), which the variable names better.
                Some(Value::Ref { name, .. }) if !name.contains("()") => Some(name.clone()),
                _ => None,
            };
            // A file handed to the OS's default handler (`os.startfile(path)`, no verb such as
            // `runas`) is opened by the application its type selects: an installer package
            // opens the OS's installer, which asks the user. Recorded so that a download opened
            // that way is held (BHV108), not blocked, unless its name says it is a program.
            if name.ends_with("startfile") {
                let verb = args.get(1).map(|v| match v {
                    Value::Str(s) => s.text.to_ascii_lowercase(),
                    _ => "*".to_owned(),
                });
                let keyword_verb = call
                    .arguments
                    .keywords
                    .iter()
                    .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "operation"));
                let default_open = !keyword_verb
                    && verb
                        .as_deref()
                        .is_none_or(|v| matches!(v, "open" | "edit" | "print" | "explore"));
                if default_open {
                    let kind = match first_value {
                        Some(value) => opened_type(&path_text(value).0),
                        None => Some(OpenedType::Unknown),
                    };
                    if let Some(kind) = kind {
                        self.facts.opened.push((line, kind));
                    }
                }
            }
            // A document opened with its application is not a program, whatever holds it.
            if !program.as_deref().is_some_and(is_document) {
                let variable = self.variable_key(first_expr);
                for program in program.into_iter().chain(variable) {
                    self.note_started(program, line, &shown.to_string());
                }
            }
            // Shell one-liners that download and run in one go (`curl ... | sh`, PowerShell's
            // DownloadString | iex) and PowerShell's encoded commands.
            let fetches = [
                "curl ",
                "wget ",
                "invoke-webrequest",
                "iwr ",
                "downloadstring",
                "downloadfile",
                "certutil -urlcache",
                "bitsadmin",
            ]
            .iter()
            .any(|s| command.contains(s));
            let runs = [
                "| sh",
                "|sh",
                "| bash",
                "|bash",
                "| python",
                "|python",
                "iex",
                "invoke-expression",
                "chmod +x",
                "start-process",
                "&& ./",
                "; ./",
            ]
            .iter()
            .any(|s| command.contains(s));
            if fetches && runs {
                self.add(
                    Cap::FetchedExec,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            if command.contains("powershell")
                && [" -enc", " -e ", " -encodedcommand", " -ec "]
                    .iter()
                    .any(|s| command.contains(s))
            {
                self.add(
                    Cap::DecodedExec,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let reverse_shell = [
                "/dev/tcp/",
                "nc -e",
                "ncat -e",
                "nc.exe -e",
                "socat exec",
                "socat tcp",
            ]
            .iter()
            .any(|s| command.contains(s));
            if reverse_shell {
                self.add(Cap::Socket, line, format!("{shown}: {}", clip(&command)));
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let program = lower.first().map(String::as_str).unwrap_or("*");
            let program = if program == "sys.executable" {
                "python"
            } else {
                program
            };
            // A command-line network client (curl, wget, nc, ssh, nslookup, ...: the sinks
            // catalogue's `path:` rows): its arguments leave the machine.
            let client = Catalogue::builtin().path(program).iter().any(|e| {
                matches!(
                    e.kind,
                    validator_api_catalogue::Kind::Sink(
                        validator_api_catalogue::SinkKind::Network
                            | validator_api_catalogue::SinkKind::Dns
                    )
                )
            });
            // A credential store named on the command line as a file the program sends
            // (`curl -F f=@~/.ssh/id_rsa`, `scp ~/.aws/credentials host:`, PowerShell's
            // `Invoke-WebRequest -InFile`): its path is the payload, as a read of it would be.
            let mut taint = arg_taint;
            let uploaded = caps::uploaded_files(program, &words)
                .into_iter()
                .find_map(|file| self.credential_file(&Value::str(file, false), None));
            // A repository pushed (`git -C repo push`, `git push` with `cwd=repo`) sends its
            // working tree: a credential store copied into that folder is sent.
            let uploaded = uploaded.or_else(|| {
                let tree = caps::pushed_work_tree(program, &words)?;
                self.folder_with_credentials(call, keywords, tree)
            });
            if let Some(what) = &uploaded {
                self.note_credential_source(line, format!("{shown}: {what}"));
                taint = taint.union(Taint::CREDENTIAL);
            }
            if client || uploaded.is_some() {
                self.facts.flow.note_sink(flow::Sink {
                    unit: self.current,
                    taint,
                    line,
                    what: format!("{shown}: {}", clip(&command)),
                    host: None,
                    opener: false,
                    user_server: false,
                });
            }
            // A program that prints stored credentials: its output is the secret.
            if let Some(what) = caps::credential_command(&words) {
                printed = Some((
                    format!("{shown}: {} ({what})", clip(&command)),
                    Taint::CREDENTIAL,
                ));
            } else if caps::environment_command(&words) {
                // A program that prints the environment: its output is `os.environ`.
                printed = Some((
                    format!("{shown}: {} (the whole environment)", clip(&command)),
                    Taint::ENVIRON,
                ));
            }
            // A command that only links or copies files runs none of them (`cmd /c mklink`).
            let files_only = !name.ends_with("startfile") && caps::manages_files_only(&words);
            if (!caps::is_gis_tool(program) || name.ends_with("startfile")) && !files_only {
                self.add(
                    Cap::ProcessExecOther,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            if let Some(target) = caps::persistence_target(&command) {
                self.add(
                    Cap::PersistWrite,
                    line,
                    format!("{shown}: {} ({target})", clip(&command)),
                );
            } else if let Some(runner) = caps::startup_variable_set(program, &words) {
                self.add(
                    Cap::PersistWrite,
                    line,
                    format!("{shown}: {} ({runner})", clip(&command)),
                );
            }
            if has("chmod") && command.contains("+x") {
                self.add(
                    Cap::MakeExecutable,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            // An interactive shell (`sh -i`, `bash -i`) or a pseudo-terminal: a shell made to
            // be driven from elsewhere. A shell started to run one command (`powershell
            // -Command ...`, `/bin/sh -c ...`) is a process like any other: beside a socket in
            // the same code it is co-occurrence, not a reverse shell.
            // `has` also matches a path ending in the name (`/bin/bash`).
            let shell = ["sh", "bash", "zsh", "dash", "ksh"].iter().any(|s| has(s));
            // A shell started with nothing to run and its input piped: it reads its commands
            // from whoever writes the pipe (`create_subprocess_exec("cmd.exe", stdin=PIPE)`).
            // Options are allowed (`cmd.exe /Q`), a command to run is not (`/c`, `-c`,
            // `-Command`, `-File`, a script operand).
            let runs_something = lower.iter().skip(1).any(|w| {
                !(w.starts_with('-') || w.starts_with('/'))
                    || matches!(
                        w.as_str(),
                        "-c" | "/c"
                            | "/k"
                            | "-command"
                            | "-file"
                            | "-encodedcommand"
                            | "-enc"
                            | "-e"
                    )
            });
            let windows_shell = ["cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh"]
                .iter()
                .any(|s| has(s));
            let bare_shell = !lower.is_empty()
                && !runs_something
                && (shell || windows_shell)
                && keywords.iter().any(|(k, v)| {
                    *k == Some("stdin")
                        && matches!(v, Value::Ref { name, .. } if name.ends_with("PIPE"))
                });
            if shell && has("-i") || bare_shell || name == "pty.spawn" {
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown}: {}", clip(&command)),
                );
            }
            let fileno = keywords.iter().any(|(k, v)| {
                matches!(k, Some("stdin" | "stdout" | "stderr"))
                    && matches!(v, Value::Ref { name, .. } if name.ends_with("fileno()"))
            });
            if fileno {
                self.add(
                    Cap::ShellAttach,
                    line,
                    format!("{shown} with a socket as stdin/stdout"),
                );
            }
        }
        if matches!(
            name,
            "pip.main"
                | "pip._internal.main"
                | "pip._internal.cli.main.main"
                | "pip._internal.main.main"
        ) {
            self.add(Cap::PackageInstall, line, shown.to_string());
            self.note_install_source(args, line, &shown);
        }
        if api.carries_data_out() {
            let user_server = caps::connects_user_server(&Catalogue::builtin().canonical(plain));
            self.facts.flow.note_sink(flow::Sink {
                unit: self.current,
                taint: sent_taint(plain, args, keywords, arg_taint),
                line,
                what: shown.to_string(),
                host: self
                    .arguments_host(args, keywords)
                    .or_else(|| caps::host_arg(&shown.to_string(), args))
                    .or_else(|| {
                        user_server
                            .then(|| args.first().and_then(Value::loose_str))
                            .flatten()
                            .and_then(caps::layer_source_host)
                    })
                    .or_else(|| {
                        let (object, _) = name.rsplit_once('.')?;
                        self.object_hosts.get(object).cloned()
                    }),
                opener: !api.is_network(),
                user_server,
            });
        }
        // Bytes written to a file of a GDAL network file system (`VSIFWriteL(data, 1, n,
        // handle)` on a `/vsis3/` handle): an upload.
        if plain == "osgeo.gdal.VSIFWriteL"
            && args
                .iter()
                .any(|a| matches!(a, Value::Ref { name, .. } if name == caps::NETWORK_VSI_HANDLE))
        {
            let what = format!("{shown} (a GDAL network file system opened for writing)");
            let data = args.first().map_or(Taint::NONE, Value::taint);
            self.note_upload(data, line, what);
        }
        // Bytes written to a file opened on another machine's share (an SMB upload).
        if let Some(method) = plain.strip_prefix(caps::NETWORK_SHARE_HANDLE) {
            if matches!(method, ".write" | ".writelines") {
                let what = format!("{shown} (a file on another machine's share)");
                self.note_upload(arg_taint, line, what);
            }
        }
        // A logging handler that sends its records (`logging.handlers.HTTPHandler`, ...: the
        // sinks catalogue): what the file logs afterwards through `logging` leaves the machine
        // with them (which logger the handler was given is not followed).
        if api.is_network() && plain.starts_with("logging.handlers.") {
            self.network_log_handler = true;
            self.facts.network_log_handler.get_or_insert(line);
        }
        if self.network_log_handler && called.logging_call {
            self.note_upload(
                arg_taint,
                line,
                format!("{shown} (logged through a handler that sends records over the network)"),
            );
        } else if called.logging_call {
            // Which logger another module's handler was given is not followed: any logging
            // call is a sink once some module of the plugin attaches one (`logged_flow`).
            self.facts.flow.note_log_sink(flow::Sink {
                unit: self.current,
                taint: arg_taint,
                line,
                what: format!("{shown} (logged)"),
                host: None,
                opener: false,
                user_server: false,
            });
        }
        // A processing algorithm that requests a URL (`processing.run("native:filedownloader",
        // {"URL": url, ...})`): its parameters leave the machine.
        if let Some(algorithm) = caps::network_algorithm(plain, args) {
            self.note_upload(arg_taint, line, format!("{shown}({algorithm:?})"));
        }
        // A database connection reaches the server the user configures: not the network use
        // beside which reading credentials is held (BHV107).
        if api.is_network() && !caps::connects_user_server(plain) {
            self.add(Cap::Network, line, shown.to_string());
            let env = args.iter().chain(keywords.iter().map(|(_, v)| v)).any(|v| {
                v.taint().has(Taint::ENVIRON)
                    || matches!(v, Value::Ref { name, .. } if name == "os.environ")
            });
            if env {
                self.add(
                    Cap::EnvToNetwork,
                    line,
                    format!("{shown} with the environment"),
                );
            }
            if called.download_to_file {
                self.add(Cap::Download, line, shown.to_string());
                // The file it saves to (`urlretrieve(url, filename)`,
                // `QgsFileDownloader(url, outputFileName)`, `wget.download(url, out)`).
                let target = call
                    .arguments
                    .args
                    .get(1)
                    .map(|e| (args.get(1), e))
                    .or_else(|| {
                        call.arguments
                            .keywords
                            .iter()
                            .zip(keywords)
                            .find(|(_, (k, _))| {
                                matches!(k, Some("filename" | "outputFileName" | "out"))
                            })
                            .map(|(k, (_, v))| (Some(v), &k.value))
                    });
                if let Some((value, expr)) = target {
                    self.note_binary_write(value, Some(expr), line);
                }
            }
        }
        // Only onto the standard streams (0, 1, 2) does dup2 attach something to a process's
        // input and output; event-loop tests swap socket descriptors among themselves.
        if name == "os.dup2" && matches!(args.get(1), Some(Value::Int(0..=2))) {
            self.add(Cap::ShellAttach, line, shown.to_string());
        }
        // A stream connection: a socket, or asyncio's pair of streams over one.
        if name.starts_with("socket.socket") && !name.contains(").")
            || matches!(
                name,
                "socket.create_connection"
                    | "socket.create_server"
                    | "asyncio.open_connection"
                    | "asyncio.streams.open_connection"
                    | "asyncio.start_server"
            )
        {
            self.add(Cap::Socket, line, shown.to_string());
        }
        if called.input_capture {
            self.add(Cap::InputCapture, line, shown.to_string());
        }
        if called.keyboard_hook {
            self.add(Cap::KeyboardHook, line, shown.to_string());
        }
        // `QScreen.grabWindow(0)`, `QPixmap.grabWindow(QApplication.desktop().winId())`: the
        // whole desktop, not the plugin's own widget (`canvas.grab()`).
        if &*called.tail == "grabWindow" {
            let desktop = match args.first() {
                None | Some(Value::Int(0)) => true,
                Some(Value::Ref { name, .. }) => name.contains("desktop"),
                _ => false,
            };
            if desktop {
                self.add(Cap::ScreenGrab, line, shown.to_string());
            }
        }
        if let Some(what) = called.credential {
            self.add(Cap::Credential, line, format!("{shown} ({what})"));
        }
        // Other programs' secret stores read whole (wallets, DPAPI, every browser cookie); a
        // secret asked for by service name is the plugin's own login (a keyring password).
        if let Some((validator_api_catalogue::SourceKind::SecretStore, entry)) = api.source {
            let by_name = entry.args.iter().any(|a| {
                matches!(
                    a.role,
                    validator_api_catalogue::Role::Key | validator_api_catalogue::Role::Host
                )
            });
            if !by_name {
                self.add(
                    Cap::Credential,
                    line,
                    format!("{shown} ({})", caps::entry_text(entry)),
                );
            }
        }
        self.note_tls_call(call, name, args, line);
        self.note_auth_and_plugin_tamper(name, args, line, &shown);
        let tail = &*called.tail;
        // A node or entry of QGIS's settings tree set (`entry.setValue(v)`,
        // `node.childSetting("x").setVariantValue(v)`): a write of its key.
        if matches!(tail, "setValue" | "setVariantValue") {
            if let Expr::Attribute(attr) = call.func.as_ref() {
                if let Some(key) = self.settings_tree_key(&attr.value) {
                    self.note_settings_write(
                        &key,
                        args.first(),
                        call.arguments.args.first(),
                        line,
                        &shown.to_string(),
                    );
                }
            }
        }
        if tail == "value" || tail == "setValue" {
            if let Some(key) = args.first().and_then(Value::loose_str) {
                if tail == "value" && caps::settings_password_key(key) {
                    self.add(
                        Cap::Credential,
                        line,
                        format!("{shown}({key:?}) (a saved QGIS password)"),
                    );
                }
                if tail == "setValue" && name.contains("Settings") {
                    let key = match self.settings_group.as_deref() {
                        Some(group) if !group.is_empty() => format!("{group}/{key}"),
                        _ => key.to_owned(),
                    };
                    self.note_settings_write(
                        &key,
                        args.get(1),
                        call.arguments.args.get(1),
                        line,
                        &shown.to_string(),
                    );
                }
            }
        }
        // A constant written over what the user copied (a clipboard hijacker's address), not a
        // copy of the plugin's data.
        let constant = args
            .first()
            .and_then(Value::as_str)
            .is_some_and(|s| !s.text.trim().is_empty());
        if api.sink == Some(validator_api_catalogue::SinkKind::Clipboard) && constant {
            self.add(Cap::ClipboardWrite, line, shown.to_string());
        }
        if api.sink == Some(validator_api_catalogue::SinkKind::Unpickle) {
            self.add(Cap::Unpickle, line, shown.to_string());
        }
        if api.runner == Some(validator_api_catalogue::RunnerKind::Hook)
            && called.tail.starts_with("setRe")
        {
            self.facts.flow.request_hook = true;
        }
        if matches!(api.source, Some((SourceKind::Clipboard, _))) {
            self.add(Cap::ClipboardRead, line, shown.to_string());
        }
        // Enumerating the plugin's own settings group reads no password.
        if tail == "allKeys" && self.settings_group_may_hold_secrets() {
            self.all_keys.get_or_insert(line);
        }
        if contains_ignore_ascii_case(name, "pyarmor") || name.contains("pytransform") {
            self.add(Cap::PyArmor, line, shown.to_string());
        }
        // A settings file opened through Qt (`QSettings(path, QSettings.IniFormat)`): its
        // `setValue`s write that file, so it counts as written where it is opened.
        if settings_file_constructor(name) && args.len() >= 2 {
            if let Some(path) = args
                .first()
                .map(|a| path_text(a).0)
                .filter(|p| !p.is_empty())
            {
                self.note_write_as(&path, line, &format!("{shown} (a settings file)"), true);
            }
        }
        // Writes.
        match name {
            "builtins.open" | "io.open" | "codecs.open" | "io.FileIO" => {
                let mode = args
                    .get(1)
                    .or_else(|| {
                        keywords
                            .iter()
                            .find(|(k, _)| *k == Some("mode"))
                            .map(|(_, v)| v)
                    })
                    .and_then(Value::as_str)
                    .map(|m| m.text.clone());
                if mode.as_deref().is_some_and(is_write_mode) {
                    let path = args.first().map(|a| path_text(a).0).unwrap_or_default();
                    if mode.as_deref().is_some_and(|m| m.contains('b'))
                        || caps::is_script_file(&path)
                    {
                        self.note_binary_write(args.first(), call.arguments.args.first(), line);
                    }
                    self.note_write_as(&path, line, &shown.to_string(), true);
                }
            }
            "shutil.copy"
            | "shutil.copy2"
            | "shutil.copyfile"
            | "shutil.copytree"
            | "shutil.move"
            | "os.rename"
            | "os.replace"
            | "os.symlink"
            | "os.link"
            | "distutils.dir_util.copy_tree" => {
                let path = args.get(1).map(|a| path_text(a).0).unwrap_or_default();
                self.note_write(&path, line, &shown.to_string());
            }
            "os.chmod" | "os.fchmod" | "os.lchmod" => {
                let source = call
                    .arguments
                    .args
                    .get(1)
                    .map(|a| self.text(a.range()))
                    .unwrap_or("");
                let exec_bits = matches!(args.get(1), Some(Value::Int(m)) if m & 0o111 != 0)
                    || ["S_IX", "S_IEXEC", "S_IRWXU", "S_IRWXG", "S_IRWXO"]
                        .iter()
                        .any(|s| source.contains(s));
                if exec_bits {
                    self.add(
                        Cap::MakeExecutable,
                        line,
                        format!("{shown}({})", clip(source)),
                    );
                }
            }
            "shutil.unpack_archive" => {
                let target = args.get(1).map(|a| path_text(a).0).unwrap_or_default();
                self.note_extract(&target, line, &shown.to_string());
                let archive = self.stored_file_keys(args.first(), call.arguments.args.first());
                let target = (args.get(1), call.arguments.args.get(1));
                self.note_extracted_download(&archive, target, line);
            }
            _ => {
                if matches!(tail, "extractall" | "extract")
                    && (name.contains("ZipFile")
                        || name.contains("zipfile")
                        || name.contains("tarfile")
                        || name.contains("TarFile"))
                {
                    // The folder extracted into: the first argument, or `path=`.
                    let (value, expr) = match args.first() {
                        Some(value) => (Some(value), call.arguments.args.first()),
                        None => keywords
                            .iter()
                            .zip(call.arguments.keywords.iter())
                            .find(|((k, _), _)| *k == Some("path"))
                            .map_or((None, None), |((_, v), k)| (Some(v), Some(&k.value))),
                    };
                    let target = value.map(|v| path_text(v).0).unwrap_or_default();
                    self.note_extract(&target, line, &shown.to_string());
                    let archive = self.archive_keys(call);
                    self.note_extracted_download(&archive, (value, expr), line);
                }
                if name.starts_with("winreg.")
                    || name.starts_with("_winreg.")
                    || name.starts_with("win32api.Reg")
                {
                    if matches!(
                        tail,
                        "SetValueEx" | "SetValue" | "CreateKey" | "CreateKeyEx" | "RegSetValueEx"
                    ) {
                        self.add(Cap::RegistryWrite, line, shown.to_string());
                        // A value written under a key opened on an auto-start place.
                        if args
                            .first()
                            .is_some_and(|k| k.taint().has(Taint::AUTOSTART))
                        {
                            self.add(
                                Cap::PersistWrite,
                                line,
                                format!("{shown} under an auto-start key"),
                            );
                        }
                    }
                    for arg in args {
                        if let Some(key) = arg.loose_str() {
                            if let Some(target) = caps::persistence_target(&key.to_lowercase()) {
                                self.add(
                                    Cap::PersistTarget,
                                    line,
                                    format!("{shown}({:?}) ({target})", clip(key)),
                                );
                            }
                        }
                    }
                }
            }
        }
        printed
    }

    /// A call that sends `data` to a host the code does not name (a GDAL network file, a
    /// processing download): a network sink of the flow engine and a network capability.
    fn note_upload(&mut self, data: Taint, line: u32, what: String) {
        self.facts.flow.note_sink(flow::Sink {
            unit: self.current,
            taint: data,
            line,
            what: what.clone(),
            host: None,
            opener: false,
            user_server: false,
        });
        self.add(Cap::Network, line, what);
    }

    /// Where a pip install takes its packages from: anything but PyPI by spelled names is held
    /// for review (BHV101).
    fn note_install_source(&mut self, args: &[Value], line: u32, shown: &Shown<'_>) {
        if let Some(crate::pip::Install::Unvetted { why, sources }) =
            crate::pip::judge(args, |path| self.own_path(path))
        {
            self.facts.unvetted_installs.extend(sources);
            self.add(
                Cap::PackageInstallUnvetted,
                line,
                format!("{shown}: installs {}", clip(&why)),
            );
        }
    }
}

/// Shells, and the flag after which each takes the command it runs.
const SHELL_COMMAND_FLAGS: &[(&str, &[&str])] = &[
    ("sh", &["-c"]),
    ("bash", &["-c"]),
    ("zsh", &["-c"]),
    ("dash", &["-c"]),
    ("ksh", &["-c"]),
    ("cmd", &["/c", "/k"]),
    ("cmd.exe", &["/c", "/k"]),
    ("powershell", &["-c", "-command"]),
    ("powershell.exe", &["-c", "-command"]),
    ("pwsh", &["-c", "-command"]),
    ("pwsh.exe", &["-c", "-command"]),
];

/// What of a process started is a command read from the network, if anything: the program
/// itself (`os.system(received)`, `Popen(received, shell=True)`) or the command a shell is
/// given (`["/bin/sh", "-c", received]`, `QProcess.start("cmd", ["/c", received])`). Data
/// from the network as an ordinary argument of a named program (a URL for `ogr2ogr`) is not.
fn remote_command(args: &[Value]) -> Option<&'static str> {
    let mut words: Vec<&Value> = Vec::new();
    for arg in args {
        match arg {
            Value::List(items) => words.extend(items.iter()),
            other => words.push(other),
        }
    }
    // Built from a received string: its first word is what was received (`"*"` where the
    // folded text starts), not a named program given received arguments (`"ogr2ogr *"`).
    let fetched = |v: &Value| {
        v.taint().has(Taint::FETCHED)
            && match v {
                Value::Str(folded) => folded.text.trim_start().starts_with('*'),
                _ => true,
            }
    };
    let program = words.first()?;
    if fetched(program) {
        return Some("a command");
    }
    let name = program.as_str()?.text.to_ascii_lowercase();
    let name = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_owned();
    let flags = SHELL_COMMAND_FLAGS
        .iter()
        .find(|(shell, _)| *shell == name)
        .map(|(_, flags)| *flags)?;
    let at = words.iter().position(|w| {
        w.as_str()
            .is_some_and(|s| flags.contains(&s.text.to_ascii_lowercase().as_str()))
    })?;
    let command_tainted = words.get(at + 1).is_some_and(|w| fetched(w));
    command_tainted.then_some("the command a shell runs")
}

/// Qt's settings class, whose constructor opens a file when given a path and a format.
fn settings_file_constructor(name: &str) -> bool {
    matches!(
        name,
        "qgis.PyQt.QtCore.QSettings" | "PyQt5.QtCore.QSettings" | "PyQt6.QtCore.QSettings"
    )
}

/// What a call that carries data out sends: every argument but the host a network call
/// connects to (`socket.connect((host, port))`, `SMTP(host)`: the sinks catalogue's `host`
/// arguments), which names where data goes, not data (a saved connection's host is not its
/// password); a DNS query's name is its data.
fn sent_taint(
    plain: &str,
    args: &[Value],
    keywords: &[(Option<&str>, Value)],
    arg_taint: Taint,
) -> Taint {
    let hits = Catalogue::builtin().call(plain);
    // A DNS query sends the name it resolves: there the host is the data.
    let Some((entry, validator_api_catalogue::SinkKind::Network)) = hits.sink() else {
        return arg_taint;
    };
    let host = validator_api_catalogue::Role::Host;
    if !entry.args.iter().any(|a| a.role == host) {
        return arg_taint;
    }
    let positional = args
        .iter()
        .enumerate()
        .filter(|(i, _)| entry.role_of_position(*i) != Some(host))
        .map(|(_, v)| v.taint());
    let named = keywords
        .iter()
        .filter(|(k, _)| k.is_none_or(|k| entry.role_of_keyword(k) != Some(host)))
        .map(|(_, v)| v.taint());
    positional.chain(named).fold(Taint::NONE, Taint::union)
}
