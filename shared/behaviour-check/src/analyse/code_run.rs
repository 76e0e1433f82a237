//! Calls that run code (`exec`, `eval`, `compile`, unpickling): what they run, from where.

use super::*;

impl<'m> Analyser<'m> {
    /// Code a call runs (or QGIS will run: the project's macros) given as a readable string:
    /// kept to be read as a file of its own (`lib.rs`), within `max_exec_literal_bytes` and
    /// `max_exec_literals`. Hidden or partly unknown strings are BHV003's, not read.
    /// `in_caller`: the code runs in the caller's namespace (`exec(code)`), so it sees the
    /// names bound here.
    pub(super) fn note_exec_literal(&mut self, line: u32, code: &Folded, in_caller: bool) {
        let readable = !code.partial && !code.hidden;
        if readable
            && code.text.len() as u64 <= self.limits.max_exec_literal_bytes
            && self.facts.exec_literals.len() < self.limits.max_exec_literals
        {
            let bindings = if in_caller {
                self.bindings_used(&code.text)
            } else {
                Vec::new()
            };
            self.facts.exec_literals.push(ExecLiteral {
                line,
                code: code.text.clone(),
                bindings,
            });
        }
    }

    /// The names of the current scope (locals, then globals) that `code` mentions, with what
    /// they are bound to, at most `max_exec_bindings`.
    fn bindings_used(&self, code: &str) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = Vec::new();
        let bytes = code.as_bytes();
        let mut at = 0;
        while at < bytes.len() && out.len() < self.limits.max_exec_bindings {
            let starts = bytes[at].is_ascii_alphabetic() || bytes[at] == b'_';
            // An identifier after a dot is an attribute, not a name of the scope.
            if !starts
                || (at > 0
                    && (bytes[at - 1].is_ascii_alphanumeric()
                        || bytes[at - 1] == b'_'
                        || bytes[at - 1] == b'.'))
            {
                at += 1;
                continue;
            }
            let end = bytes[at..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(bytes.len(), |n| at + n);
            let name = &code[at..end];
            at = end;
            if out.iter().any(|(n, _)| n == name) {
                continue;
            }
            if let Some(value) = self.bound(name) {
                out.push((name.to_owned(), value.clone()));
            }
        }
        out
    }

    /// A YAML load that builds any Python object, so runs code the document names
    /// (`yaml.unsafe_load`, `yaml.load(..., Loader=yaml.UnsafeLoader)` or `yaml.Loader`).
    fn unsafe_yaml_load(&self, call: &'m ast::ExprCall, plain: &str) -> bool {
        match plain {
            "yaml.unsafe_load" | "yaml.unsafe_load_all" => true,
            "yaml.load" | "yaml.load_all" => {
                let loader = call
                    .arguments
                    .find_keyword("Loader")
                    .map(|k| &k.value)
                    .or_else(|| call.arguments.args.get(1));
                loader.is_some_and(|l| {
                    let text = self.text(l.range());
                    let name = text.rsplit('.').next().unwrap_or(text);
                    matches!(
                        name,
                        "UnsafeLoader" | "Loader" | "CLoader" | "CUnsafeLoader"
                    )
                })
            }
            _ => false,
        }
    }

    /// The capabilities a call running code adds: the data it runs decoded, fetched (pinned,
    /// bootstrap), read from a data file of the plugin; data whose origin is a parameter or a
    /// local function's result is recorded for `code_flow.rs`, which links it once the file is
    /// read.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn classify_code_run(
        &mut self,
        call: &'m ast::ExprCall,
        plain: &str,
        shown: &Shown<'_>,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
        line: u32,
        arg_taint: Taint,
        api: &caps::Api,
    ) {
        // Unpickling runs code chosen by whoever wrote the bytes: data from the network makes it
        // download-and-run. Not linked through functions: what a file handle or a memo
        // attribute carries is its path's or its builder's taint, not the bytes unpickled.
        if (matches!(
            plain,
            "pickle.loads"
                | "pickle.load"
                | "cPickle.loads"
                | "dill.loads"
                | "cloudpickle.loads"
                | "joblib.load"
                | "marshal.loads"
        ) || self.unsafe_yaml_load(call, plain)
            || matches!(plain, "jsonpickle.decode" | "jsonpickle.loads"))
            && arg_taint.has(Taint::FETCHED)
        {
            self.add(
                Cap::FetchedExec,
                line,
                format!("{shown} of data read from the network"),
            );
        }
        if api.runs_code() {
            self.add(Cap::CodeExec, line, shown.to_string());
            // What runs: the catalogue's code arguments, by position or by keyword
            // (`timeit.timeit("pass", setup=code)`), the first argument when it names none.
            let code = code_argument(plain, args, keywords);
            let code_taint = code.map_or(Taint::NONE, Value::taint);
            // A string built from constants is hidden code, unless what it folds to is only an
            // attribute of the instance (`eval("self." + name)` over a loop of widget names):
            // evaluating it runs nothing. A module's name built this way (`"o" + "s.system"`)
            // stays hidden code.
            let built = code.is_some_and(|c| c.is_hidden() && !folds_to_instance_attribute(c));
            if code_taint.has(Taint::DECODED) || built {
                self.add(Cap::DecodedExec, line, format!("{shown} of decoded data"));
            }
            // Readable code in a string runs as any code would: it is read as a file of its
            // own (`lib.rs`), so that what it does is judged like the plugin's other code.
            if let (Some(Value::Str(text)), false) = (code, built) {
                let in_caller = runs_in_caller_namespace(call);
                self.note_exec_literal(line, text, in_caller);
            }
            let pinned = (code_taint.has(Taint::FETCHED) || code_taint.has_symbols())
                && call
                    .arguments
                    .args
                    .first()
                    .is_some_and(|a| self.pinned_at(self.text(a.range()), line));
            if code_taint.has(Taint::FETCHED) {
                if pinned {
                    self.add(
                        Cap::PinnedFetchedExec,
                        line,
                        format!("{shown} of data read from the network, run only when its digest equals a constant of the plugin"),
                    );
                } else if self.bootstraps_at(line) {
                    self.add(
                        Cap::BootstrapFetchedExec,
                        line,
                        format!("{shown} of data read from the network, in the handler of a failed import that imports the module again after it"),
                    );
                } else {
                    self.add(
                        Cap::FetchedExec,
                        line,
                        format!("{shown} of data read from the network"),
                    );
                }
            }
            // What a parameter or a local function's result carries is known once the file is
            // read (`code_flow.rs`); a pinned or bootstrap run is held, as above.
            if !code_taint.has(Taint::FETCHED.union(Taint::DECODED))
                && code_taint.has_symbols()
                && !pinned
                && !self.bootstraps_at(line)
            {
                self.note_code_sink(code_taint, line, shown.to_string());
            }
            if code_taint.has(Taint::PLUGIN_DATA) {
                let from = match &self.last_data_read {
                    Some((file, read)) => format!(" ({file}, read at line {read})"),
                    None => String::new(),
                };
                self.add(
                    Cap::DecodedExec,
                    line,
                    format!("{shown} of bytes read from a data file of the plugin{from}"),
                );
            }
        }
    }

    /// A call running data whose taint names parameters or local functions' results.
    fn note_code_sink(&mut self, taint: Taint, line: u32, what: String) {
        self.facts.flow.note_code_sink(flow::CodeSink {
            unit: self.current,
            taint,
            line,
            what,
        });
    }
}

/// Whether a folded string is only an attribute chain of the instance (`self.rbUrban`,
/// `cls.default`): no call, no statement, no module.
fn folds_to_instance_attribute(value: &Value) -> bool {
    let Value::Str(folded) = value else {
        return false;
    };
    let mut parts = folded.text.split('.');
    !folded.partial
        && matches!(parts.next(), Some("self" | "cls"))
        && folded.text.contains('.')
        && parts.all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// Whether a call that runs code runs it in the caller's namespace: no globals given
/// (`exec(code)`), or the caller's own (`exec(code, globals())`, `locals()`, `vars()`).
fn runs_in_caller_namespace(call: &ast::ExprCall) -> bool {
    let namespace = call
        .arguments
        .args
        .get(1)
        .or_else(|| call.arguments.find_keyword("globals").map(|k| &k.value));
    match namespace {
        None => true,
        Some(Expr::Call(inner)) => {
            inner.arguments.args.is_empty()
                && matches!(&*inner.func, Expr::Name(n) if matches!(n.id.as_str(), "globals" | "locals" | "vars"))
        }
        Some(_) => false,
    }
}

/// The argument of a call that runs code which holds the code: of the catalogue's `code`
/// arguments present (by position or keyword), the one holding data from the network or
/// decoded data if any, else the first; the first positional argument when the catalogue
/// names none.
fn code_argument<'v>(
    plain: &str,
    args: &'v [Value],
    keywords: &'v [(Option<&str>, Value)],
) -> Option<&'v Value> {
    let hits = Catalogue::builtin().call(plain);
    let Some((entry, _)) = hits.sink() else {
        return args.first();
    };
    let mut present = entry
        .args_with(validator_api_catalogue::Role::Code)
        .filter_map(|spec| {
            spec.position
                .and_then(|p| args.get(usize::from(p)))
                .or_else(|| {
                    let keyword = spec.keyword.as_deref()?;
                    keywords
                        .iter()
                        .find(|(k, _)| *k == Some(keyword))
                        .map(|(_, v)| v)
                })
        })
        .peekable();
    let first = present.peek().copied();
    let telling = present.find(|v| {
        let taint = v.taint();
        taint.has(Taint::FETCHED) || taint.has(Taint::DECODED)
    });
    telling.or(first).or_else(|| args.first())
}
