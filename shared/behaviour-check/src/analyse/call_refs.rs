//! Calls of resolved names (`os.system`, `builtins.exec`, ...): the value each returns and the taint it carries.

use super::*;

impl<'m> Analyser<'m> {
    #[allow(clippy::too_many_lines)]
    pub(super) fn call_ref(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        hidden: bool,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
    ) -> Value {
        let arg_taint = args
            .iter()
            .chain(keywords.iter().map(|(_, v)| v))
            .fold(Taint::NONE, |t, v| t.union(v.taint()));
        let first_str = args.first().and_then(Value::as_str);
        // `operator.methodcaller("system", cmd)(os)` calls `os.system`: a hidden call.
        if let Some(method) = name.strip_prefix(METHODCALLER) {
            if let Some(Value::Ref { name: base, .. }) = args.first() {
                let target = format!("{base}.{method}");
                return self.call_ref(call, &target, true, &args[1..], keywords, line);
            }
            return Value::UNKNOWN;
        }
        // `operator.attrgetter("system")(os)` is `os.system`, looked up dynamically.
        if let Some(attribute) = name.strip_prefix(ATTRGETTER) {
            if let Some(Value::Ref { name: base, .. }) = args.first() {
                return Value::reference(format!("{base}.{attribute}"), true);
            }
            return Value::UNKNOWN;
        }
        self.note_constructor_call(name, args, keywords);
        let called = self.called_name(name);
        let (shown, api): (&str, caps::Api) = (&called.plain, called.api);
        let printed =
            self.classify_call(call, name, &called, hidden, args, keywords, line, arg_taint);
        // The output of a program that prints stored credentials (`netsh wlan show profile
        // key=clear`), through the process object or the call's result.
        if let Some((what, taint)) = printed {
            if taint == Taint::CREDENTIAL {
                self.add(Cap::Credential, line, what.clone());
                self.note_credential_source(line, what);
            }
            return Value::reference(format!("{name}()"), hidden).tainted(taint);
        }
        if let Some(value) = self.source_value(call, name, &called, args, line) {
            return value;
        }
        if let Some(value) = self.shell_object_call(&called.tail, args, line) {
            return value;
        }
        let max = self.limits.max_folded_bytes;
        let result = match name {
            // A code object carries its source's data: the file name and the mode run nothing
            // (`compile(code, label, "exec")` with a label from a response is not fetched code).
            "builtins.compile" => Value::Unknown(
                args.first()
                    .or_else(|| {
                        keywords
                            .iter()
                            .find(|(k, _)| *k == Some("source"))
                            .map(|(_, v)| v)
                    })
                    .map_or(Taint::NONE, Value::taint),
            ),
            "builtins.getattr" => match (args.first(), args.get(1).and_then(Value::as_str)) {
                (Some(base), Some(attr)) => {
                    let value = self.attribute(base.clone(), &attr.text);
                    // `getattr(builtins, "exec")` with the name written out is how code for
                    // Python 2 and 3 names `exec` (a keyword in 2; six's `exec_`): not hidden.
                    // A built name, or any other function, is.
                    let compat_exec = !attr.hidden
                        && matches!(&value, Value::Ref { name, .. } if name == "builtins.exec" || name == "builtins.eval");
                    if compat_exec {
                        match value {
                            Value::Ref { name, .. } => Value::reference(name, false),
                            other => other,
                        }
                    } else {
                        hide(value)
                    }
                }
                _ => Value::UNKNOWN,
            },
            "builtins.__import__" => match &first_str {
                Some(module) => {
                    let top = module.text.split('.').next().unwrap_or(&module.text);
                    Value::reference(top, true)
                }
                None => Value::UNKNOWN,
            },
            "importlib.import_module" | "importlib.__import__" => match &first_str {
                Some(module) => Value::reference(module.text.clone(), true),
                None => Value::UNKNOWN,
            },
            "builtins.globals" | "builtins.locals" => Value::Namespace,
            // The paths a pattern matches: the pattern, its wildcards unknown parts
            // (`glob("~/.mozilla/firefox/*/")`: each a Firefox profile).
            "glob.glob" | "glob.iglob" => match args.first() {
                Some(Value::Str(pattern)) => Value::List(vec![Value::Str(Folded {
                    partial: true,
                    ..pattern.clone()
                })]),
                _ => Value::Unknown(arg_taint),
            },
            // A connection's two streams: the writer's `write` sends (sinks catalogue).
            "asyncio.open_connection" | "asyncio.open_unix_connection" => Value::List(vec![
                Value::reference("asyncio.StreamReader()", hidden).tainted(Taint::FETCHED),
                Value::reference("asyncio.StreamWriter()", hidden).tainted(arg_taint),
            ]),
            // `reduce(getattr, ["path", "system"], os)`: attributes looked up one by one.
            "functools.reduce" => match (args.first(), args.get(1), args.get(2)) {
                (Some(Value::Ref { name: f, .. }), Some(Value::List(names)), Some(base))
                    if f == "builtins.getattr" =>
                {
                    let mut value = base.clone();
                    for attribute in names {
                        match attribute.as_str() {
                            Some(a) if is_identifier_like(&a.text) => {
                                value = self.attribute(value, &a.text.clone());
                            }
                            _ => return Value::UNKNOWN,
                        }
                    }
                    hide(value)
                }
                _ => Value::Unknown(arg_taint),
            },
            // Wrappers that return the function they wrap.
            "builtins.staticmethod" | "builtins.classmethod" | "functools.wraps" => {
                args.first().cloned().unwrap_or(Value::UNKNOWN)
            }
            "operator.methodcaller" => match &first_str {
                Some(method) if is_identifier_like(&method.text) => {
                    Value::reference(format!("{METHODCALLER}{}", method.text), true)
                }
                _ => Value::UNKNOWN,
            },
            "operator.attrgetter" => match &first_str {
                Some(attribute)
                    if attribute.text.split('.').all(is_identifier_like)
                        && !attribute.text.is_empty() =>
                {
                    Value::reference(format!("{ATTRGETTER}{}", attribute.text), true)
                }
                _ => Value::UNKNOWN,
            },
            // `vars(builtins).get(NAME)`, `builtins.__dict__.get(NAME)`, `sys.modules.get(NAME)`:
            // the same lookup as a subscript, with a default.
            other
                if (other.ends_with(".__dict__.get") || other == "sys.modules.get")
                    && first_str.is_some() =>
            {
                let owner = &other[..other.len() - ".get".len()];
                match (owner, first_str.as_ref()) {
                    ("sys.modules", Some(key)) => Value::reference(key.text.clone(), true),
                    (owner, Some(key)) => Value::reference(
                        format!("{}.{}", owner.trim_end_matches(".__dict__"), key.text),
                        true,
                    ),
                    _ => Value::UNKNOWN,
                }
            }
            "builtins.vars" => match args.first() {
                None => Value::Namespace,
                Some(Value::Ref { name, .. }) => Value::reference(format!("{name}.__dict__"), true),
                Some(_) => Value::UNKNOWN,
            },
            "builtins.chr" => match args.first() {
                Some(Value::Int(i)) => u32::try_from(*i)
                    .ok()
                    .and_then(char::from_u32)
                    .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
                _ => Value::UNKNOWN,
            },
            "builtins.ord" => match &first_str {
                Some(s) if s.text.chars().count() == 1 => s
                    .text
                    .chars()
                    .next()
                    .map_or(Value::UNKNOWN, |c| Value::Int(i64::from(u32::from(c)))),
                _ => Value::UNKNOWN,
            },
            "builtins.str" | "builtins.repr" if args.len() == 1 => match &args[0] {
                Value::Str(s) => Value::Str(s.clone()),
                Value::Ref { name, .. } if name == "os.environ" => Value::Unknown(Taint::ENVIRON),
                other => Value::Unknown(other.taint()),
            },
            "builtins.str" if args.len() == 2 => match &args[0] {
                Value::Bytes { data, hidden } => {
                    Value::str(String::from_utf8_lossy(data).into_owned(), *hidden)
                }
                other => Value::Unknown(other.taint()),
            },
            "builtins.bytes" | "builtins.bytearray" => match args.first() {
                Some(Value::List(items)) => {
                    let data: Option<Vec<u8>> = items
                        .iter()
                        .map(|v| match v {
                            Value::Int(i) => u8::try_from(*i).ok(),
                            _ => None,
                        })
                        .collect();
                    data.map_or(Value::UNKNOWN, |data| Value::Bytes { data, hidden: true })
                }
                Some(Value::Str(s)) if !s.partial => Value::Bytes {
                    data: s.text.clone().into_bytes(),
                    hidden: s.hidden,
                },
                Some(other) => Value::Unknown(other.taint()),
                None => Value::UNKNOWN,
            },
            "builtins.bytes.fromhex"
            | "bytes.fromhex"
            | "builtins.bytearray.fromhex"
            | "bytearray.fromhex"
            | "binascii.unhexlify"
            | "binascii.a2b_hex"
            | "base64.b16decode" => self.decode_call(shown, args, line, decode::hex),
            "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.decodebytes"
            | "base64.decodestring"
            | "binascii.a2b_base64" => self.decode_call(shown, args, line, decode::base64),
            "base64.urlsafe_b64decode" => self.decode_call(shown, args, line, |t| {
                decode::base64(&t.replace('-', "+").replace('_', "/"))
            }),
            "base64.b32decode" => self.decode_call(shown, args, line, decode::base32),
            "codecs.decode" | "codecs.encode" => {
                let codec = args
                    .get(1)
                    .and_then(Value::as_str)
                    .map(|c| c.text.to_ascii_lowercase().replace(['-', '_'], ""));
                match codec.as_deref() {
                    Some("rot13") => match &first_str {
                        Some(s) => Value::str(decode::rot13(&s.text), true),
                        None => Value::Unknown(Taint::DECODED.union(arg_taint)),
                    },
                    Some("hex") => self.decode_call(shown, args, line, decode::hex),
                    Some("base64") => self.decode_call(shown, args, line, decode::base64),
                    _ => Value::Unknown(Taint::DECODED.union(arg_taint)),
                }
            }
            "base64.b85decode" | "base64.a85decode" | "zlib.decompress" | "lzma.decompress"
            | "bz2.decompress" | "gzip.decompress" | "marshal.loads" | "pickle.loads" => {
                Value::Unknown(Taint::DECODED.union(arg_taint))
            }
            "builtins.map" => match (args.first(), args.get(1)) {
                (Some(Value::Ref { name, .. }), Some(Value::List(items)))
                    if name == "builtins.chr" =>
                {
                    Value::List(
                        items
                            .iter()
                            .map(|v| match v {
                                Value::Int(i) => u32::try_from(*i)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
                                _ => Value::UNKNOWN,
                            })
                            .collect(),
                    )
                }
                // Each variable of a list read in turn (`map(os.environ.get, NAMES)`).
                (Some(Value::Ref { name, .. }), Some(names))
                    if matches!(
                        name.as_str(),
                        "os.getenv" | "os.getenvb" | "os.environ.get" | "os.environ.__getitem__"
                    ) =>
                {
                    let each = self.loop_element(names);
                    self.env_read(&each, call.range())
                }
                _ => Value::Unknown(arg_taint),
            },
            "builtins.reversed" => match args.first() {
                Some(Value::List(items)) => Value::List(items.iter().rev().cloned().collect()),
                Some(Value::Str(s)) if !s.partial => Value::List(
                    s.text
                        .chars()
                        .rev()
                        .map(|c| Value::str(c.to_string(), true))
                        .collect(),
                ),
                _ => Value::Unknown(arg_taint),
            },
            "builtins.list" | "builtins.tuple" => match args.first() {
                Some(Value::List(items)) => Value::List(items.clone()),
                Some(Value::Str(s)) if !s.partial => Value::List(
                    s.text
                        .chars()
                        .map(|c| Value::str(c.to_string(), true))
                        .collect(),
                ),
                _ => Value::Unknown(arg_taint),
            },
            "builtins.int" => match (args.first(), args.get(1)) {
                (Some(Value::Int(i)), None) => Value::Int(*i),
                (Some(Value::Str(s)), base) if !s.partial => {
                    let radix = match base {
                        Some(Value::Int(b)) => u32::try_from(*b).unwrap_or(10),
                        _ => 10,
                    };
                    if !(2..=36).contains(&radix) {
                        return Value::UNKNOWN;
                    }
                    i64::from_str_radix(s.text.trim(), radix).map_or(Value::UNKNOWN, Value::Int)
                }
                _ => Value::UNKNOWN,
            },
            "builtins.dict" if matches!(args.first(), Some(Value::Ref { name, .. }) if name == "os.environ") => {
                Value::Unknown(Taint::ENVIRON)
            }
            "os.environ.copy" | "os.environ.items" | "os.environ.keys" | "os.environ.values" => {
                Value::Unknown(Taint::ENVIRON)
            }
            "os.getenv"
            | "os.environ.get"
            | "os.getenvb"
            | "os.environ.pop"
            | "os.environ.setdefault" => match args.first() {
                Some(key) => match self.env_read(key, call.range()) {
                    // A variable the resolver does not know with a path as its default
                    // (`os.environ.get("PIPCONF", home / ".pip")`): the default, its usual value.
                    Value::Unknown(taint) => match args.get(1) {
                        Some(default @ Value::Str(path))
                            if path.text.starts_with(['~', '<', '/'])
                                || path.text.contains(['/', '\\']) =>
                        {
                            default.clone().tainted(taint)
                        }
                        _ => Value::Unknown(taint),
                    },
                    known => known,
                },
                None => Value::UNKNOWN,
            },
            // A file on another machine's share opened for writing (`\\\\host\\share\\x`): what is
            // written to it is sent over the network (below, `write`).
            "builtins.open" | "io.open" | "codecs.open"
                if first_str
                    .as_ref()
                    .is_some_and(|p| caps::is_network_share_path(&p.text))
                    && args
                        .get(1)
                        .and_then(Value::as_str)
                        .is_some_and(|m| m.text.contains(['w', 'a', '+', 'x'])) =>
            {
                Value::reference(caps::NETWORK_SHARE_HANDLE, false)
            }
            // A file of a GDAL network file system opened for writing (`/vsis3/bucket/key`):
            // what is written to the handle is uploaded (below, `VSIFWriteL`).
            "osgeo.gdal.VSIFOpenL" | "osgeo.gdal.VSIFOpenExL" => {
                let path = args
                    .first()
                    .and_then(Value::loose_str)
                    .map(str::to_ascii_lowercase);
                let mode = args.get(1).and_then(Value::as_str).map(|m| m.text.clone());
                let upload = path.as_deref().is_some_and(caps::is_network_vsi_path)
                    && mode.is_some_and(|m| m.contains(['w', 'a', '+']));
                if upload {
                    Value::reference(caps::NETWORK_VSI_HANDLE, false)
                } else {
                    Value::reference(format!("{name}()"), hidden)
                }
            }
            // A plugin's folder by its name (`qgis.utils.pluginDirectory("other")`).
            "qgis.utils.pluginDirectory" => match &first_str {
                Some(plugin) if !plugin.partial && !plugin.text.contains(['/', '\\']) => {
                    Value::str(format!("{PLUGINS_DIR}/{}", plugin.text), false)
                }
                _ => Value::UNKNOWN,
            },
            // A URL quoted into another (`"url=" + quote(url, safe="")`): its text stays
            // readable, its unknown parts unknown.
            "urllib.parse.quote" | "urllib.parse.quote_plus" => match args.first() {
                Some(Value::Str(s)) if s.text.len() <= max => Value::Str(Folded {
                    text: percent_encoded(&s.text),
                    hidden: s.hidden,
                    partial: s.partial,
                    taint: s.taint.union(arg_taint),
                }),
                _ => Value::Unknown(arg_taint),
            },
            "os.path.join" | "posixpath.join" | "ntpath.join" => {
                let mut text = String::new();
                let mut partial = false;
                // `join(home, *parts)` with the parts folded: each part in turn.
                let parts: Vec<&Value> = args
                    .iter()
                    .zip(call.arguments.args.iter())
                    .flat_map(|(value, expr)| match (expr, value) {
                        (Expr::Starred(_), Value::List(items)) => items.iter().collect(),
                        _ => vec![value],
                    })
                    .collect();
                for (i, arg) in parts.into_iter().enumerate() {
                    let (t, _, p) = path_text(arg);
                    partial |= p;
                    text = if i == 0 { t } else { join_path(&text, &t) };
                    if text.len() > max {
                        return Value::Unknown(arg_taint);
                    }
                }
                // A path built from data keeps it (a file of each store a loop reads).
                Value::Str(Folded {
                    text,
                    hidden: false,
                    partial,
                    taint: arg_taint,
                })
            }
            "os.path.dirname" | "posixpath.dirname" => match args.first() {
                Some(Value::Str(s)) => Value::Str(Folded {
                    text: dirname(&s.text),
                    ..s.clone()
                }),
                _ => Value::Unknown(arg_taint),
            },
            "os.path.abspath"
            | "os.path.realpath"
            | "os.path.normpath"
            | "os.path.expandvars"
            | "pathlib.Path"
            | "pathlib.PurePath"
            | "pathlib.PosixPath"
            | "pathlib.WindowsPath"
            | "Path"
            | "os.fspath"
            | "builtins.str.strip" => match args.first() {
                Some(Value::Str(s)) => {
                    let mut value = Value::Str(s.clone());
                    for extra in &args[1..] {
                        let (t, _, p) = path_text(extra);
                        if let Value::Str(f) = &mut value {
                            f.text = join_path(&f.text, &t);
                            f.partial |= p;
                        }
                    }
                    value
                }
                Some(other) if matches!(path_text(other).0.as_str(), PLUGINS_DIR | PROFILE_DIR) => {
                    Value::str(path_text(other).0, false)
                }
                _ => Value::Unknown(arg_taint),
            },
            "os.path.expanduser" => match args.first() {
                Some(Value::Str(s)) => Value::Str(s.clone()),
                _ => Value::UNKNOWN,
            },
            "pathlib.Path.home" | "Path.home" => Value::str("~", false),
            "pathlib.Path.cwd" | "os.getcwd" => Value::str("<cwd>", false),
            "tempfile.gettempdir" | "tempfile.mkdtemp" => Value::str("<tmp>", false),
            // `(fd, path)`: a new file in the temporary folder named `<prefix>*<suffix>`, so
            // that its type is known by the suffix (`.exe`, `.msi`).
            // `mkstemp` returns `(fd, path)`, `mktemp` the path.
            "tempfile.mktemp" | "tempfile.mkstemp" => {
                let part = |keyword: &str, position: usize| {
                    keywords
                        .iter()
                        .find(|(k, _)| *k == Some(keyword))
                        .map(|(_, v)| v)
                        .or(args.get(position))
                        .and_then(Value::as_str)
                        .map_or_else(String::new, |s| s.text.clone())
                };
                let mut path = Value::str(
                    format!("<tmp>/{}*{}", part("prefix", 1), part("suffix", 0)),
                    false,
                );
                if let Value::Str(folded) = &mut path {
                    folded.partial = true;
                }
                if name == "tempfile.mkstemp" {
                    Value::List(vec![Value::UNKNOWN, path])
                } else {
                    path
                }
            }
            // A Windows library loaded by a constant name (`ctypes.WinDLL("wininet.dll")`,
            // `windll.LoadLibrary("ws2_32")`) is named as `ctypes.windll` names it, so that its
            // functions are the catalogue's rows (`ctypes.windll.wininet.HttpSendRequestW`).
            "ctypes.WinDLL"
            | "ctypes.OleDLL"
            | "ctypes.windll.LoadLibrary"
            | "ctypes.oledll.LoadLibrary" => {
                match args
                    .first()
                    .and_then(Value::as_str)
                    .filter(|s| !s.partial)
                    .and_then(|s| caps::windows_library(&s.text))
                {
                    Some(library) => Value::reference(format!("ctypes.windll.{library}"), hidden),
                    None => Value::reference(format!("{name}()"), hidden).tainted(arg_taint),
                }
            }
            "site.getsitepackages" => Value::List(vec![Value::str("<site-packages>", false)]),
            "site.getusersitepackages"
            | "sysconfig.get_path"
            | "distutils.sysconfig.get_python_lib" => Value::str("<site-packages>", false),
            _ => {
                let tail = &*called.tail;
                if tail == "qgisSettingsDirPath" {
                    Value::str(PROFILE_DIR, false)
                } else if matches!(tail, "pluginPath" | "home_plugin_path") {
                    Value::str(PLUGINS_DIR, false)
                } else if api.is_network() && !caps::connects_user_server(name) {
                    // (A database connection's rows are the user's data, not code or commands
                    // from the network: not marked fetched.)
                    // A connection or request object keeps its name so that its sending
                    // methods are sinks (`smtplib.SMTP(host).sendmail(...)`);
                    // `create_connection` returns a socket.
                    let object = tail.starts_with(|c: char| c.is_ascii_uppercase());
                    if name == "socket.create_connection" {
                        Value::reference("socket.socket()", hidden)
                            .tainted(Taint::FETCHED.union(arg_taint))
                    } else if object {
                        if let Some(host) = caps::host_arg(shown, args) {
                            self.object_hosts.insert(format!("{name}()"), host);
                        }
                        Value::reference(format!("{name}()"), hidden)
                            .tainted(Taint::FETCHED.union(arg_taint))
                    } else {
                        Value::Unknown(Taint::FETCHED.union(arg_taint))
                    }
                } else if args
                    .iter()
                    .any(|a| matches!(a, Value::Ref { name, .. } if name == "os.environ"))
                {
                    Value::Unknown(Taint::ENVIRON)
                } else if !arg_taint.is_none()
                    && !tail.starts_with(|c: char| c.is_ascii_uppercase())
                    && !api.returns_object
                {
                    // Data flows through functions; a class built from it (`ZipFile(data)`),
                    // or an object the catalogue says a call returns (`providerMetadata(p)`),
                    // keeps its name so that its methods resolve.
                    Value::Unknown(arg_taint)
                } else {
                    // An object built for a URL the code spells (`QNetworkRequest(QUrl(URL))`)
                    // keeps its host for the call that sends it.
                    if tail.starts_with(|c: char| c.is_ascii_uppercase()) {
                        if let Some(host) = self.arguments_host(args, keywords) {
                            self.object_hosts.insert(format!("{name}()"), host);
                        }
                    }
                    Value::reference(format!("{name}()"), hidden).tainted(arg_taint)
                }
            }
        };
        if matches!(result, Value::Str(_)) {
            self.note_string(&result, line);
        }
        result
    }

    /// A decoding call: folded when its input is a constant within the limits; a long
    /// constant input that decodes to code or compressed data is an encoded payload.
    pub(super) fn decode_call(
        &mut self,
        shown: &str,
        args: &[Value],
        line: u32,
        decoder: impl Fn(&str) -> Option<Vec<u8>>,
    ) -> Value {
        let input = match args.first() {
            Some(Value::Str(s)) if !s.partial => s.text.clone(),
            Some(Value::Bytes { data, .. }) => String::from_utf8_lossy(data).into_owned(),
            Some(other) => return Value::Unknown(Taint::DECODED.union(other.taint())),
            None => return Value::UNKNOWN,
        };
        let Some(data) = decoder(&input) else {
            return Value::Unknown(Taint::DECODED);
        };
        if input.len() >= self.limits.min_blob_chars && decode::looks_like_payload(&data) {
            self.add(
                Cap::EncodedBlob,
                line,
                format!("{shown} of a {}-character literal", input.len()),
            );
        }
        if data.len() > self.limits.max_folded_bytes {
            return Value::Unknown(Taint::DECODED);
        }
        Value::Bytes { data, hidden: true }
    }
}

/// Text percent-encoded as `urllib.parse.quote(text, safe="")` encodes it, but for `*`, the
/// resolver's unknown part, kept as it is.
fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~' | b'*') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
