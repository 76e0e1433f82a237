//! Calls: what a call evaluates to, calls between the functions of the file, and method calls on folded values.

use super::*;

impl<'m> Analyser<'m> {
    pub(super) fn call(&mut self, call: &'m ast::ExprCall) -> Value {
        if let Some(value) = self.signal_call(call) {
            return value;
        }
        if let Some(what) = self.typed_password(call) {
            for arg in call.arguments.args.iter() {
                self.eval(arg);
            }
            let line = self.line(call.range());
            self.facts
                .flow
                .note_source(self.current, Taint::TYPED_PASSWORD, line, what);
            return Value::Unknown(Taint::TYPED_PASSWORD);
        }
        let func = self.eval(&call.func);
        let path_method = matches!(call.func.as_ref(), Expr::Attribute(attr)
            if UNFOLDED_PATH_METHODS.contains(&attr.attr.as_str()));
        let local = self.local_function(call);
        if let (Value::Unknown(taint), false, None) = (&func, path_method, local) {
            // A call of something unknown (most calls: methods of parameters and `self`) only
            // passes on its arguments' taint: no argument list, no line.
            let mut taint = *taint;
            for arg in call.arguments.args.iter() {
                taint = taint.union(self.eval(arg).taint());
            }
            for keyword in call.arguments.keywords.iter() {
                taint = taint.union(self.eval(&keyword.value).taint());
            }
            self.note_container_update(call, taint, false);
            if taint.has(Taint::LAYER_LIST) && caps::data_source_method(call) {
                // `layer.source()` of every layer of the project.
                return Value::Unknown(taint.union(Taint::CONNECTION));
            }
            if let Some(header) = self.credential_header(call) {
                let line = self.line(call.range());
                self.facts
                    .flow
                    .note_source(self.current, Taint::REQUEST_HEADER, line, header);
                return Value::Unknown(taint.union(Taint::REQUEST_HEADER));
            }
            return Value::Unknown(taint);
        }
        let args: Vec<Value> = call.arguments.args.iter().map(|a| self.eval(a)).collect();
        let mut keywords: Vec<(Option<&'m str>, Value)> = Vec::new();
        for keyword in call.arguments.keywords.iter() {
            let value = self.eval(&keyword.value);
            keywords.push((keyword.arg.as_ref().map(|a| a.as_str()), value));
        }
        let line = self.line(call.range());
        let mut result_taint = Taint::NONE;
        if let Some((callee, method)) = local {
            self.note_local_call(call, callee, method, &args);
            if let Some(&index) = self.function_index.get(callee) {
                result_taint = Taint::result(index).union(self.returned_origins(index));
                let mut args: Vec<Taint> = args.iter().map(Value::taint).collect();
                // `f(*values)`: what the starred value holds fills its position and every
                // later parameter.
                if let Some(star) = call
                    .arguments
                    .args
                    .iter()
                    .position(|a| matches!(a, Expr::Starred(_)))
                {
                    let spread = args.get(star).copied().unwrap_or(Taint::NONE);
                    args.resize(Taint::MAX_PARAMS.max(args.len()), Taint::NONE);
                    for taint in &mut args[star..] {
                        *taint = taint.union(spread);
                    }
                }
                self.facts.flow.note_call(flow::LocalCall {
                    caller: self.current,
                    callee: index,
                    name: callee.to_owned(),
                    offset: usize::from(method),
                    args,
                    line,
                });
            }
        }
        let value = self.call_value(call, func, &args, &keywords, line);
        if let Some((callee, method)) = local {
            if let Some(folded) = self.inline_constant_call(callee, method, &args, &keywords) {
                return folded;
            }
            // The string the function always returns, once its body was read.
            let returned = self
                .function_index
                .get(callee)
                .and_then(|index| self.returned_strings.get(index))
                .and_then(Option::as_ref);
            if let (Some(folded), Value::Unknown(_)) = (returned, &value) {
                return Value::Str(folded.clone()).tainted(result_taint);
            }
        }
        value.tainted(result_taint)
    }

    /// Where the data a function of the file returns comes from, as far as its body was read
    /// before this call (helpers defined above their callers, as most are): the network, a
    /// decoder, a data file of the plugin. `src = _fetch(); exec(src)` runs code from the
    /// network like `exec(urlopen(u).read())`. Credentials are the flow engine's (`Taint::result`).
    fn returned_origins(&self, index: usize) -> Taint {
        let origins = Taint::FETCHED
            .union(Taint::DECODED)
            .union(Taint::PLUGIN_DATA);
        self.returned_by_function
            .get(&index)
            .copied()
            .unwrap_or(Taint::NONE)
            .intersection(origins)
    }

    /// Whether a function's body is one `return EXPR` (docstrings aside) with plain parameters:
    /// the helpers that decode or build names (`def _r(s): return codecs.decode(s, "rot13")`).
    fn is_one_liner(function: &StmtFunctionDef) -> bool {
        let mut body = function.body.iter().filter(
            |s| !matches!(s, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_))),
        );
        let single_return = matches!(
            (body.next(), body.next()),
            (Some(Stmt::Return(r)), None) if r.value.is_some()
        );
        single_return
            && function.parameters.vararg.is_none()
            && function.parameters.kwarg.is_none()
            && function.parameters.kwonlyargs.is_empty()
    }

    /// What a call of one of the file's one-line functions with constant arguments (or none)
    /// returns,
    /// folded with its parameters bound to the arguments (`_r("bf")` is `"os"`): `None`
    /// unless the result is a constant, or past `max_inline_depth`.
    fn inline_constant_call(
        &mut self,
        callee: &'m str,
        method: bool,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
    ) -> Option<Value> {
        let constant = |v: &Value| match v {
            Value::Str(f) => !f.partial && f.taint == Taint::NONE,
            Value::Bytes { .. } | Value::Int(_) => true,
            _ => false,
        };
        // No arguments is constant arguments too (`def folder(): return Path(...) / "x"`).
        if !keywords.is_empty()
            || self.inlining >= self.limits.max_inline_depth
            || !args.iter().all(constant)
        {
            return None;
        }
        // Two functions of one name (methods of two classes): which one a call means is not
        // known, so neither is folded.
        let function = (*self.defined_functions.get(callee)?)?;
        if !Self::is_one_liner(function) {
            return None;
        }
        let Some(Stmt::Return(ret)) = function.body.last() else {
            return None;
        };
        let expr = ret.value.as_deref()?;
        let params = &function.parameters;
        let names: Vec<&str> = params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .map(|p| p.parameter.name.as_str())
            .collect();
        let names = if method { names.get(1..)? } else { &names[..] };
        if names.len() != args.len() {
            return None;
        }
        let locals: HashMap<String, Value> = names
            .iter()
            .zip(args)
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let saved = self.locals.replace(locals);
        self.inlining += 1;
        let value = self.eval(expr);
        self.inlining -= 1;
        self.locals = saved;
        constant(&value).then_some(value)
    }

    pub(super) fn call_value(
        &mut self,
        call: &'m ast::ExprCall,
        func: Value,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
    ) -> Value {
        let receiver = match call.func.as_ref() {
            Expr::Attribute(attr) => Some(attr.value.as_ref()),
            _ => None,
        };
        match func {
            Value::Ref {
                name,
                hidden,
                taint,
            } => {
                let mut value = self.call_ref(call, &name, hidden, args, keywords, line);
                let api = self.called_name(&name).api;
                let mut into_receiver = api.into_receiver;
                let mut data = args
                    .iter()
                    .chain(keywords.iter().map(|(_, v)| v))
                    .fold(Taint::NONE, |t, v| t.union(v.taint()));
                // A credential store written into an archive (`zf.write(logins)`,
                // `make_archive(base, "zip", ssh_dir)`): the archive, the buffer it is built
                // on and the archive's path hold the credentials.
                if api.sink == Some(validator_api_catalogue::SinkKind::FileWrite) {
                    if let Some(what) = self.credential_payload(call, &name, args) {
                        self.note_credential_source(line, what);
                        data = data.union(Taint::CREDENTIAL);
                        into_receiver = true;
                        value = value.tainted(Taint::CREDENTIAL);
                    } else if data.has(Taint::CREDENTIAL) {
                        // A path or data built from a credential store (a file of each
                        // browser profile a loop finds) written into the receiver.
                        into_receiver = true;
                    }
                }
                self.note_container_update(call, data, into_receiver);
                // What an object built from data returns carries the data; what a function
                // of another module of the plugin returns is followed across modules.
                // A function of the module, or a method of an object built from one of its
                // classes (`LoginDialog(parent).credentials()`: matched by the method's name,
                // as methods of one name share a summary).
                let imported = self.own_module_name(&name);
                let own_function = !name.contains("()")
                    || name
                        .rsplit_once("().")
                        .is_some_and(|(_, method)| !method.contains(['(', '.']));
                if imported && own_function {
                    let called = caps::tail(&name).to_owned();
                    // Code handed to another module's function (`apply_patch(reply.text)`):
                    // whether that function runs it is known once every module is read.
                    let bits = |kind: Taint| {
                        args.iter()
                            .take(Taint::MAX_PARAMS)
                            .enumerate()
                            .filter(|(_, v)| v.taint().has(kind))
                            .fold(0u8, |b, (i, _)| b | (1 << i))
                    };
                    let (fetched, decoded) = (bits(Taint::FETCHED), bits(Taint::DECODED));
                    if (fetched | decoded) != 0 && self.facts.code_handoffs.len() < MAX_FILE_KEYS {
                        self.facts
                            .code_handoffs
                            .push((line, called.clone(), fetched, decoded));
                    }
                    // A secret handed to another module's function (`open_session(user,
                    // secret)`): whether that function sends it is known once every module is
                    // read.
                    let secret = Taint::CREDENTIAL
                        .union(Taint::TYPED_PASSWORD)
                        .union(Taint::ENVIRON);
                    if args.iter().any(|a| a.taint().has(secret))
                        && self.facts.secret_handoffs.len() < MAX_FILE_KEYS
                    {
                        let taints = args
                            .iter()
                            .take(Taint::MAX_PARAMS)
                            .map(|a| a.taint().intersection(secret))
                            .collect();
                        self.facts
                            .secret_handoffs
                            .push((line, called.clone(), taints));
                    }
                    let unit = self.facts.flow.unit(self.current);
                    if !unit.imported_calls.contains(&called) {
                        unit.imported_calls.push(called);
                    }
                    value.tainted(taint.union(Taint::IMPORTED))
                } else {
                    value.tainted(taint)
                }
            }
            Value::Method {
                receiver: value,
                name,
            } => {
                if matches!(*value, Value::Dict(_)) {
                    // `options.update(secret)`: a folded dict filled with data.
                    let data = args
                        .iter()
                        .chain(keywords.iter().map(|(_, v)| v))
                        .fold(Taint::NONE, |t, v| t.union(v.taint()));
                    self.note_container_update(call, data, false);
                }
                self.call_method(*value, receiver, &name, args, line)
            }
            Value::Unknown(taint) => {
                if let (Some(receiver), Expr::Attribute(attr)) = (receiver, call.func.as_ref()) {
                    self.unknown_path_method(receiver, attr.attr.as_str(), args, line);
                }
                let taint = args
                    .iter()
                    .chain(keywords.iter().map(|(_, v)| v))
                    .fold(taint, |t, v| t.union(v.taint()));
                self.note_container_update(call, taint, false);
                Value::Unknown(taint)
            }
            _ => Value::UNKNOWN,
        }
    }

    /// `pathlib.Path` methods that write or make executable ([`UNFOLDED_PATH_METHODS`]), on a
    /// path the resolver could not fold (`Path(tempfile.mktemp())`): only pathlib paths have
    /// them.
    pub(super) fn unknown_path_method(
        &mut self,
        receiver: &'m Expr,
        method: &str,
        args: &[Value],
        line: u32,
    ) {
        match method {
            "write_bytes" | "write_text" => {
                if method == "write_bytes" {
                    self.note_binary_write(None, Some(receiver), line);
                }
                self.note_write("", line, &format!("Path.{method}"));
            }
            "chmod" => {
                if let [Value::Int(mode)] = args {
                    if mode & 0o111 != 0 {
                        self.add(Cap::MakeExecutable, line, format!("Path.chmod({mode:#o})"));
                    }
                }
            }
            _ => {}
        }
    }

    /// `f = tempfile.NamedTemporaryFile(...)` (or `with ... as f`) in a binary mode, the
    /// default: a file written in binary, named by `f` (and `f.name`).
    pub(super) fn note_temporary_file(&mut self, value: &Value, expr: &'m Expr, target: &'m Expr) {
        let (Value::Ref { name, .. }, Expr::Call(call)) = (value, expr) else {
            return;
        };
        if name != "tempfile.NamedTemporaryFile()" {
            return;
        }
        let mode = call
            .arguments
            .find_keyword("mode")
            .map(|k| &k.value)
            .or_else(|| call.arguments.args.first());
        let binary = match mode {
            None => true,
            Some(Expr::StringLiteral(mode)) => mode.value.to_str().contains('b'),
            Some(_) => false,
        };
        if binary {
            let line = self.line(call.range());
            self.note_binary_write(None, Some(target), line);
        }
    }

    /// The function of this file a call names: `function(...)`, or `self.method(...)` /
    /// `cls.method(...)` (then `true`: its first parameter is the instance).
    pub(super) fn local_function(&self, call: &'m ast::ExprCall) -> Option<(&'m str, bool)> {
        let (name, method) = match call.func.as_ref() {
            Expr::Name(name) => (name.id.as_str(), false),
            Expr::Attribute(attr) => match attr.value.as_ref() {
                Expr::Name(base) if matches!(base.id.as_str(), "self" | "cls") => {
                    (attr.attr.as_str(), true)
                }
                // A method of an instance of a class of this file (`dialog = LoginDialog()`,
                // `dialog.credentials()`).
                Expr::Name(base)
                    if self.function_names.contains(attr.attr.as_str())
                        && self.instance_of_own_class(base.id.as_str()) =>
                {
                    (attr.attr.as_str(), true)
                }
                _ => return None,
            },
            _ => return None,
        };
        self.function_names.contains(name).then_some((name, method))
    }

    /// Whether a variable holds an instance of a class this file defines.
    fn instance_of_own_class(&self, variable: &str) -> bool {
        let Some(Value::Ref { name, .. }) = self.bound(variable) else {
            return false;
        };
        name.strip_suffix("()")
            .map(|class| class.rsplit('.').next().unwrap_or(class))
            .is_some_and(|class| self.class_names.contains(class))
    }

    /// `variable = function(...)` for a function of this file: the variable holds what the
    /// function returns (see `link_parameters`).
    pub(super) fn note_local_result(&mut self, variable: &'m str, value: &'m Expr) {
        let Expr::Call(call) = path_operand(value) else {
            return;
        };
        if let Some((callee, _)) = self.local_function(call) {
            self.local_results.push(LocalResult {
                caller: self.current,
                variable,
                callee,
            });
        }
    }

    /// A call to a function of this file (`install(tool)`, `self.install(tool)`): the keys of
    /// the files its arguments name, to follow a path from the caller into the function that
    /// writes or starts it (see `link_parameters`).
    pub(super) fn note_local_call(
        &mut self,
        call: &'m ast::ExprCall,
        callee: &'m str,
        method: bool,
        args: &[Value],
    ) {
        let keys: Vec<Option<String>> = args
            .iter()
            .zip(call.arguments.args.iter())
            .map(|(value, expr)| self.file_key(Some(value), Some(expr)))
            .collect();
        if keys.iter().any(Option::is_some) {
            self.local_calls.push(LocalCall {
                caller: self.current,
                callee,
                method,
                keys,
            });
        }
    }

    pub(super) fn call_method(
        &mut self,
        receiver: Value,
        receiver_expr: Option<&'m Expr>,
        name: &str,
        args: &[Value],
        line: u32,
    ) -> Value {
        let max = self.limits.max_folded_bytes;
        let value = match (receiver, name) {
            (Value::Str(sep), "join") if !sep.partial => match args.first() {
                Some(Value::List(items)) => {
                    let mut text = String::new();
                    let mut partial = false;
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            text.push_str(&sep.text);
                        }
                        let (t, _, p) = item.text_or_star();
                        text.push_str(&t);
                        partial |= p;
                        if text.len() > max {
                            return Value::UNKNOWN;
                        }
                    }
                    let taint = items.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
                    // Lines of code joined by newlines read as they are written (a header of
                    // `from __future__ import ...` lines exec'd by a compatibility helper); any
                    // other join of pieces builds a text that no literal spells.
                    let lines = sep.text.contains('\n')
                        && items
                            .iter()
                            .all(|i| matches!(i, Value::Str(s) if !s.hidden && !s.partial));
                    Value::Str(Folded {
                        text,
                        hidden: !lines,
                        partial,
                        taint: Taint::NONE,
                    })
                    .tainted(taint)
                }
                Some(Value::Str(s)) if !s.partial => {
                    let joined: Vec<String> = s.text.chars().map(String::from).collect();
                    Value::str(joined.join(&sep.text), true)
                }
                Some(other) => Value::Unknown(other.taint()),
                None => Value::UNKNOWN,
            },
            (Value::Str(format), "format") if !format.partial => {
                let taint = args.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
                brace_format(&format.text, args, max).tainted(taint)
            }
            // Reading a credential store or a data file of the plugin through a path object.
            (Value::Str(s), "read_text" | "read_bytes" | "open")
                if name != "open"
                    || !args
                        .first()
                        .and_then(Value::as_str)
                        .is_some_and(|m| is_write_mode(&m.text)) =>
            {
                if self.plugin_data_file(&s.text) {
                    self.note_data_read(&s.text, line, &format!("Path.{name}"));
                    return Value::Unknown(Taint::PLUGIN_DATA);
                }
                match self.credential_file(&Value::Str(s.clone()), receiver_expr) {
                    Some(what) => {
                        self.note_credential_source(line, format!("Path.{name} of {what}"));
                        Value::Unknown(Taint::CREDENTIAL)
                    }
                    None => Value::UNKNOWN,
                }
            }
            // A constant list written as one string (`"A,B,C".split(",")`). Not a folded
            // path: `<plugins-dir>` and `~` stand for text the split would cut elsewhere
            // (`plugin_dir.split("python")[0]` is the profile's folder).
            (Value::Str(s), "split")
                if !s.partial
                    && args.len() <= 1
                    && !s.text.contains('<')
                    && !s.text.starts_with('~') =>
            {
                let parts: Vec<&str> = match args.first() {
                    None => s.text.split_whitespace().collect(),
                    Some(Value::Str(sep)) if !sep.partial && !sep.text.is_empty() => {
                        s.text.split(sep.text.as_str()).collect()
                    }
                    Some(_) => return Value::UNKNOWN,
                };
                Value::List(
                    parts
                        .into_iter()
                        .map(|part| Value::str(part.to_owned(), s.hidden))
                        .collect(),
                )
            }
            (Value::Str(s), "replace") if args.len() == 2 => match (
                args.first().and_then(Value::as_str),
                args.get(1).and_then(Value::as_str),
            ) {
                (Some(from), Some(to)) if !from.text.is_empty() => {
                    let text = s.text.replace(&from.text, &to.text);
                    if text.len() > max {
                        return Value::UNKNOWN;
                    }
                    Value::Str(Folded {
                        text,
                        hidden: true,
                        partial: s.partial,
                        taint: s.taint,
                    })
                }
                _ => Value::UNKNOWN,
            },
            (Value::Str(s), "lower") => Value::Str(Folded {
                text: s.text.to_lowercase(),
                ..s
            }),
            (Value::Str(s), "upper") => Value::Str(Folded {
                text: s.text.to_uppercase(),
                ..s
            }),
            (Value::Str(s), "strip" | "lstrip" | "rstrip") if args.is_empty() => {
                Value::Str(Folded {
                    text: s.text.trim().to_owned(),
                    ..s
                })
            }
            (Value::Str(s), "encode") if !s.partial => Value::Bytes {
                data: s.text.into_bytes(),
                hidden: s.hidden,
            },
            (Value::Str(s), "resolve" | "absolute" | "expanduser" | "as_posix") => Value::Str(s),
            (Value::Str(s), "joinpath") => {
                let mut text = s.text;
                for arg in args {
                    text = join_path(&text, &arg.text_or_star().0);
                }
                Value::Str(Folded {
                    text,
                    hidden: false,
                    partial: s.partial,
                    taint: s.taint,
                })
            }
            (
                Value::Str(s),
                "write_text" | "write_bytes" | "open" | "touch" | "chmod" | "rename" | "replace"
                | "symlink_to",
            ) => {
                let mode_write = name != "open"
                    || args
                        .first()
                        .and_then(Value::as_str)
                        .is_some_and(|m| is_write_mode(&m.text));
                if name == "chmod" {
                    if let Some(Value::Int(mode)) = args.first() {
                        if mode & 0o111 != 0 {
                            self.add(Cap::MakeExecutable, line, format!("Path.chmod({mode:#o})"));
                        }
                    }
                } else if mode_write {
                    let binary = name == "write_bytes"
                        || name == "open"
                            && args
                                .first()
                                .and_then(Value::as_str)
                                .is_some_and(|m| m.text.contains('b'));
                    if binary {
                        let path = Value::Str(s.clone());
                        self.note_binary_write(Some(&path), receiver_expr, line);
                    }
                    self.note_write(&s.text, line, &format!("Path.{name}"));
                }
                Value::UNKNOWN
            }
            (Value::Bytes { data, hidden }, "decode") => {
                let codec = args
                    .first()
                    .and_then(Value::as_str)
                    .map(|f| f.text.to_ascii_lowercase());
                match codec.as_deref() {
                    Some("hex") => decode::hex(&String::from_utf8_lossy(&data)).map_or(
                        Value::Unknown(Taint::DECODED),
                        |d| Value::Bytes {
                            data: d,
                            hidden: true,
                        },
                    ),
                    _ => Value::str(String::from_utf8_lossy(&data).into_owned(), hidden),
                }
            }
            (Value::Bytes { data, hidden }, "hex") => Value::str(decode::to_hex(&data), hidden),
            (dict @ Value::Dict(_), "get") => {
                match args.first().and_then(Value::as_str).map(|k| k.text.clone()) {
                    Some(key) => match dict.dict_entry(&key) {
                        Some(value) => value.clone(),
                        None => args.get(1).cloned().unwrap_or(Value::Unknown(dict.taint())),
                    },
                    None => Value::Unknown(dict.taint()),
                }
            }
            (_, "SpecialFolders" | "CreateShortCut" | "CreateShortcut") => self
                .shell_object_call(name, args, line)
                .unwrap_or(Value::UNKNOWN),
            // What these build holds their arguments (`b"\n".join(parts)`, a partial
            // separator's `join`), whatever the receiver.
            (receiver, "join" | "format" | "replace") => Value::Unknown(
                args.iter()
                    .fold(receiver.taint(), |t, v| t.union(v.taint())),
            ),
            (receiver, _) => Value::Unknown(receiver.taint()),
        };
        if matches!(value, Value::Str(_)) {
            self.note_string(&value, line);
        }
        value
    }

    /// Windows' shell object (`WScript.Shell` through COM), by method name: a special folder
    /// by its name, and a shortcut created where `CreateShortCut` says (a `.lnk` in the
    /// Startup folder runs at every logon). `None` for any other method.
    pub(super) fn shell_object_call(
        &mut self,
        method: &str,
        args: &[Value],
        line: u32,
    ) -> Option<Value> {
        match method {
            "SpecialFolders" => {
                let folder = args.first().and_then(Value::as_str)?;
                Some(match folder.text.to_ascii_lowercase().as_str() {
                    "startup" => Value::str(
                        "~/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup",
                        false,
                    ),
                    "allusersstartup" => Value::str(
                        "C:/ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp",
                        false,
                    ),
                    "appdata" => Value::str("~/AppData/Roaming", false),
                    _ => Value::UNKNOWN,
                })
            }
            "CreateShortCut" | "CreateShortcut" => {
                if let Some(path) = args.first().and_then(Value::loose_str) {
                    self.note_write_as(path, line, "WScript.Shell.CreateShortCut", true);
                }
                Some(Value::UNKNOWN)
            }
            _ => None,
        }
    }
}
