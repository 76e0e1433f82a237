//! The flow engine: follows credentials from where the code reads them to where it sends them.
//!
//! The resolver (`analyse/`) gives every value a [`Taint`]: kinds of data (a credential, a
//! settings group enumerated, a request's headers) and symbols it cannot
//! resolve while it reads one function: "parameter `i` of this function", "what local function
//! `f` returns", "what a function of another module returns". It records, per file, every
//! network sink with the taint of the data reaching it, every call to a local function with
//! the taint of each argument, and what each function returns ([`FlowFacts`]). After the whole
//! file is read, [`credential_flow`] resolves the symbols: a function returns credentials when
//! what it returns is a credential or the result of a function that does; a parameter reaches
//! the network when a sink in the function gets it or the function passes it on to a parameter
//! that does. A flow is a complete chain (source, steps, sink); the same capabilities without a
//! flow between them are only co-occurrence (held for review, not blocked: see `rules`).

use crate::value::Taint;

/// What one function (or the module's top level) contributes to flows.
#[derive(Debug, Default, Clone)]
pub struct UnitFlow {
    /// The function's number in the file (by name; units of the same name share it).
    pub function: Option<usize>,
    /// The union of what it returns.
    pub returns: Taint,
    /// Functions of the plugin's other modules it calls (their last name).
    pub imported_calls: Vec<String>,
}

/// Data reaching a network sink.
#[derive(Debug, Clone)]
pub struct Sink {
    pub unit: usize,
    pub taint: Taint,
    pub line: u32,
    /// The sink as resolved (`requests.post`).
    pub what: String,
    /// The host it sends to, when the code spells it (not configured by the user).
    pub host: Option<String>,
    /// A URL opener or a DNS query: it carries data out but never logs in, so a login the
    /// plugin may hand to a network library (the proxy's password) is sent when it gets one.
    pub opener: bool,
    /// A layer's source (`QgsRasterLayer(uri, ...)`: QGIS requests it) or a database
    /// connection (`psycopg2.connect(...)`): it carries data out only to a host the code spells
    /// (a layer or a database on the user's own server is the user's).
    pub user_server: bool,
}

impl Sink {
    /// Whether what reaches it may be a secret some rule follows: only such sinks are kept.
    fn may_carry_secret(&self) -> bool {
        self.taint.has(
            Taint::CREDENTIAL
                .union(Taint::SETTINGS_ENUM)
                .union(Taint::REQUEST_HEADER)
                .union(Taint::TYPED_PASSWORD)
                .union(Taint::CONNECTION)
                .union(Taint::PROXY_SECRET)
                .union(Taint::ENVIRON),
        ) || self.taint.has_symbols()
    }
}

/// Data reaching a call that runs it as code (`exec`, `eval`, `compile`, a runner) whose taint
/// names symbols resolved after the file is read (a parameter, a local function's result): see
/// [`crate::code_flow`].
#[derive(Debug, Clone)]
pub struct CodeSink {
    pub unit: usize,
    pub taint: Taint,
    pub line: u32,
    /// The call as resolved (`builtins.exec`).
    pub what: String,
}

/// A call to a function of the same file, with the taint of each positional argument.
#[derive(Debug, Clone)]
pub struct LocalCall {
    pub caller: usize,
    pub callee: usize,
    pub name: String,
    /// 1 when called as a method (`self.f(a)`: `a` is the function's second parameter).
    pub offset: usize,
    pub args: Vec<Taint>,
    pub line: u32,
}

/// Where a kind of secret was read.
#[derive(Debug, Clone)]
pub struct Source {
    pub unit: usize,
    pub kind: Taint,
    pub line: u32,
    pub what: String,
}

/// Everything the flow engine needs from one file.
#[derive(Debug, Default)]
pub struct FlowFacts {
    /// Per unit, in the order of `FileFacts::units`.
    pub units: Vec<UnitFlow>,
    pub sinks: Vec<Sink>,
    /// Calls of `logging` before any handler of this file sends records: sinks once another
    /// module of the plugin gives its logging a handler that sends them (`logged_flow`).
    pub log_sinks: Vec<Sink>,
    /// Calls running code whose data is known only once the file is read.
    pub code_sinks: Vec<CodeSink>,
    pub calls: Vec<LocalCall>,
    pub sources: Vec<Source>,
    /// The file spells "password" somewhere (a settings enumeration filtered for passwords).
    pub password_string: bool,
    /// The file registers a function QGIS runs on every network request or reply
    /// (`setRequestPreprocessor`): the headers it reads are every request's.
    pub request_hook: bool,
    /// Function names by number.
    pub functions: Vec<String>,
}

/// Sinks, calls and sources kept per file (evidence, not a budget for the analysis).
pub const MAX_FLOW_RECORDS: usize = 512;

impl FlowFacts {
    pub fn unit(&mut self, index: usize) -> &mut UnitFlow {
        if self.units.len() <= index {
            self.units.resize(index + 1, UnitFlow::default());
        }
        &mut self.units[index]
    }

    pub fn note_source(&mut self, unit: usize, kind: Taint, line: u32, what: impl Into<String>) {
        if self.sources.len() < MAX_FLOW_RECORDS {
            self.sources.push(Source {
                unit,
                kind,
                line,
                what: what.into(),
            });
        }
    }

    pub fn note_sink(&mut self, sink: Sink) {
        if sink.may_carry_secret() && self.sinks.len() < MAX_FLOW_RECORDS {
            self.sinks.push(sink);
        }
    }

    /// A `logging` call whose records may leave the machine through a handler another module
    /// attaches (kept as `note_sink` keeps sinks: only data that may be secret).
    pub fn note_log_sink(&mut self, sink: Sink) {
        if sink.may_carry_secret() && self.log_sinks.len() < MAX_FLOW_RECORDS {
            self.log_sinks.push(sink);
        }
    }

    pub fn note_code_sink(&mut self, sink: CodeSink) {
        if sink.taint.has_symbols() && self.code_sinks.len() < MAX_FLOW_RECORDS {
            self.code_sinks.push(sink);
        }
    }

    pub fn note_call(&mut self, call: LocalCall) {
        if call.args.iter().any(|t| !t.is_none()) && self.calls.len() < MAX_FLOW_RECORDS {
            self.calls.push(call);
        }
    }
}

/// A credential reaching the network, as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The line of the sink (or of the call that hands the credential to it).
    pub line: u32,
    /// `source` -> steps -> `sink`, for approvers.
    pub message: String,
}

/// What counts as a credential in this file.
struct Secrets {
    password_string: bool,
    request_hook: bool,
    /// Follow one kind of data instead of stored credentials to any sink (BHV001): passwords
    /// typed into the plugin's dialogs to hosts the code spells (`TYPED_PASSWORD`, BHV010), the
    /// data sources of every layer or saved connection (`CONNECTION`, BHV107), the whole
    /// process environment (`ENVIRON`, BHV106).
    only: Option<Taint>,
}

impl Secrets {
    fn of(facts: &FlowFacts) -> Secrets {
        Secrets {
            password_string: facts.password_string,
            request_hook: facts.request_hook,
            only: None,
        }
    }

    /// Following only `kind`.
    fn only(facts: &FlowFacts, kind: Taint) -> Secrets {
        Secrets {
            only: Some(kind),
            ..Secrets::of(facts)
        }
    }

    /// Whether data reaching `sink` counts: a typed password only goes astray to a host the
    /// code spells; one the user configured (settings, the dialog, an auth configuration's
    /// URL) is where the user meant to log in, and the user's own machine (`localhost`, a
    /// development server) is not a host anyone else reads.
    fn counts(&self, sink: &Sink) -> bool {
        let spelled = || {
            sink.host
                .as_deref()
                .is_some_and(|host| !crate::caps::is_loopback_host(host))
        };
        // A layer's source or a database login with what the user typed is how a protected
        // map service or database is used (a vendor's WMS with the user's account): not
        // counted as phishing.
        if sink.user_server && self.only == Some(Taint::TYPED_PASSWORD) {
            return false;
        }
        (self.only != Some(Taint::TYPED_PASSWORD) && !sink.user_server) || spelled()
    }

    /// The kinds of secret a value carries, as far as this file makes them secrets.
    fn kinds(&self, taint: Taint) -> Taint {
        if let Some(kind) = self.only {
            return taint.intersection(kind);
        }
        let mut secret = Taint::NONE;
        if taint.has(Taint::CREDENTIAL) {
            secret = secret.union(Taint::CREDENTIAL);
        }
        if self.password_string && taint.has(Taint::SETTINGS_ENUM) {
            secret = secret.union(Taint::SETTINGS_ENUM);
        }
        if self.request_hook && taint.has(Taint::REQUEST_HEADER) {
            secret = secret.union(Taint::REQUEST_HEADER);
        }
        secret
    }
}

/// The functions returning credentials, and per function the parameters reaching a sink.
struct Resolved {
    returns_secret: Vec<Option<Taint>>,
    param_sinks: Vec<u8>,
    /// Per function, a sink one of its parameters reaches (for evidence).
    param_sink_at: Vec<Option<(u32, String)>>,
}

fn resolve(facts: &FlowFacts, sinks: &[Sink], secrets: &Secrets) -> Resolved {
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    let returns_secret = returned_kinds(facts, n, |taint| secrets.kinds(taint));
    let mut param_sinks = vec![0u8; n];
    let mut param_sink_at: Vec<Option<(u32, String)>> = vec![None; n];
    for sink in sinks.iter().filter(|s| secrets.counts(s)) {
        let Some(f) = function_of(facts, sink.unit, n) else {
            continue;
        };
        for p in sink.taint.params() {
            param_sinks[f] |= 1 << p;
            param_sink_at[f].get_or_insert((sink.line, sink_text(sink)));
        }
    }
    spread_to_callers(facts, n, &mut param_sinks, &mut param_sink_at);
    Resolved {
        returns_secret,
        param_sinks,
        param_sink_at,
    }
}

/// Per function (below `n`), the kinds of data it returns that `kinds` picks from what it
/// returns, or else those of the first function whose result it returns. Each round follows one
/// more function returning another's result; a chain is at most as long as the file has
/// functions.
pub(crate) fn returned_kinds(
    facts: &FlowFacts,
    n: usize,
    kinds: impl Fn(Taint) -> Taint,
) -> Vec<Option<Taint>> {
    let mut returned: Vec<Option<Taint>> = vec![None; n];
    for _ in 0..=n {
        let mut changed = false;
        for unit in &facts.units {
            let Some(f) = unit.function.filter(|f| *f < n) else {
                continue;
            };
            if returned[f].is_some() {
                continue;
            }
            let direct = kinds(unit.returns);
            let through = unit
                .returns
                .results()
                .filter(|g| *g < n)
                .find_map(|g| returned[g]);
            if let Some(kind) = (!direct.is_none()).then_some(direct).or(through) {
                returned[f] = Some(kind);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    returned
}

/// The number of the function a unit is, when the engine follows it (below `n`).
pub(crate) fn function_of(facts: &FlowFacts, unit: usize, n: usize) -> Option<usize> {
    facts
        .units
        .get(unit)
        .and_then(|u| u.function)
        .filter(|f| *f < n)
}

/// Per function, the parameters that reach a sink (bit p: parameter p) and where: a caller's
/// parameter passed as such a parameter reaches it too, through any number of calls.
pub(crate) fn spread_to_callers(
    facts: &FlowFacts,
    n: usize,
    reaches: &mut [u8],
    at: &mut [Option<(u32, String)>],
) {
    for _ in 0..=n {
        let mut changed = false;
        for call in &facts.calls {
            let Some(caller) = function_of(facts, call.caller, n) else {
                continue;
            };
            if call.callee >= n {
                continue;
            }
            for (j, arg) in call.args.iter().enumerate() {
                let p = j + call.offset;
                if p >= Taint::MAX_PARAMS || reaches[call.callee] & (1 << p) == 0 {
                    continue;
                }
                for q in arg.params() {
                    if reaches[caller] & (1 << q) == 0 {
                        reaches[caller] |= 1 << q;
                        if at[caller].is_none() {
                            at[caller] = at[call.callee].clone();
                        }
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
}

fn source_text(facts: &FlowFacts, path: &str, unit: usize, kind: Taint) -> String {
    let pick = |same_unit: bool| {
        facts
            .sources
            .iter()
            .find(|s| s.kind.has(kind) && (!same_unit || s.unit == unit))
    };
    match pick(true).or_else(|| pick(false)) {
        Some(s) => format!("{path}:{}: {}", s.line, s.what),
        None if kind.has(Taint::ENVIRON) => "the whole process environment".to_owned(),
        None => "a credential".to_owned(),
    }
}

/// A sink as evidence: the call, and the host when the code spells it.
fn sink_text(sink: &Sink) -> String {
    match &sink.host {
        Some(host) => format!("{} (to {host})", sink.what),
        None => sink.what.clone(),
    }
}

/// The flow of a credential into one of the file's `logging` calls (its `log_sinks`), for
/// a plugin whose logging another module sends over the network.
pub fn logged_flow(facts: &FlowFacts, path: &str) -> Option<Flow> {
    first_flow(
        facts,
        &facts.log_sinks,
        path,
        &Secrets::of(facts),
        "sends credentials over the network",
    )
}

/// The first credential that reaches a network sink in this file, if any.
pub fn credential_flow(facts: &FlowFacts, path: &str) -> Option<Flow> {
    first_flow(
        facts,
        &facts.sinks,
        path,
        &Secrets::of(facts),
        "sends credentials over the network",
    )
}

/// The first data source of every layer of the project or every saved connection that
/// reaches a network sink (passwords included for database and web layers): held for review,
/// since a plugin may publish its project's layers to a server the user runs.
pub fn connection_flow(facts: &FlowFacts, path: &str) -> Option<Flow> {
    first_flow(
        facts,
        &facts.sinks,
        path,
        &Secrets::only(facts, Taint::CONNECTION),
        "sends the data sources of every layer or saved connection (passwords included for database and web layers) over the network",
    )
}

/// The whole process environment (`dict(os.environ)`, `os.environ.items()`) reaching a
/// network sink through the file's functions (BHV106, review: tokens and passwords among the
/// variables, but so are a plugin's own settings).
pub fn environment_flow(facts: &FlowFacts, path: &str) -> Option<Flow> {
    first_flow(
        facts,
        &facts.sinks,
        path,
        &Secrets::only(facts, Taint::ENVIRON),
        "sends the whole process environment over the network",
    )
}

/// The first password typed into the plugin's own dialog that reaches a network sink whose
/// host the code spells (credential phishing, BHV010).
pub fn typed_password_flow(facts: &FlowFacts, path: &str) -> Option<Flow> {
    first_flow(
        facts,
        &facts.sinks,
        path,
        &Secrets::only(facts, Taint::TYPED_PASSWORD),
        "sends a password typed into the plugin's dialog to a host the plugin names",
    )
}

/// The first flow into one of `sinks` (the file's network sinks, or its logging calls).
fn first_flow(
    facts: &FlowFacts,
    sinks: &[Sink],
    path: &str,
    secrets: &Secrets,
    what: &str,
) -> Option<Flow> {
    if sinks.is_empty() {
        return None;
    }
    let resolved = resolve(facts, sinks, secrets);
    let n = resolved.returns_secret.len();
    // What a value names: the kind of secret it carries, and the function it came back from.
    let secret_of = |taint: Taint| -> Option<(Taint, Option<usize>)> {
        let direct = secrets.kinds(taint);
        if !direct.is_none() {
            return Some((direct, None));
        }
        taint
            .results()
            .filter(|g| *g < n)
            .find_map(|g| resolved.returns_secret[g].map(|k| (k, Some(g))))
    };
    let steps = |via: Option<usize>| match via {
        Some(g) => format!(
            " returned by `{}()`",
            facts.functions.get(g).map_or("?", String::as_str)
        ),
        None => String::new(),
    };
    for sink in sinks.iter().filter(|s| secrets.counts(s)) {
        let taint = if sink.opener && secrets.only.is_none() && sink.taint.has(Taint::PROXY_SECRET)
        {
            sink.taint.union(Taint::CREDENTIAL)
        } else {
            sink.taint
        };
        if let Some((kind, via)) = secret_of(taint) {
            return Some(Flow {
                line: sink.line,
                message: format!(
                    "{what}: {}{} flows to {path}:{}: {}",
                    source_text(facts, path, sink.unit, kind),
                    steps(via),
                    sink.line,
                    sink_text(sink)
                ),
            });
        }
    }
    for call in &facts.calls {
        if call.callee >= n {
            continue;
        }
        for (j, arg) in call.args.iter().enumerate() {
            let p = j + call.offset;
            if p >= Taint::MAX_PARAMS || resolved.param_sinks[call.callee] & (1 << p) == 0 {
                continue;
            }
            if let Some((kind, via)) = secret_of(*arg) {
                let (sink_line, sink_what) = resolved.param_sink_at[call.callee]
                    .clone()
                    .unwrap_or((call.line, "the network".to_owned()));
                return Some(Flow {
                    line: call.line,
                    message: format!(
                        "{what}: {}{} is passed to `{}()` ({path}:{}), which sends it ({path}:{sink_line}: {sink_what})",
                        source_text(facts, path, call.caller, kind),
                        steps(via),
                        call.name,
                        call.line,
                    ),
                });
            }
        }
    }
    None
}

/// The names of this file's functions that return credentials (for flows across modules).
pub fn functions_returning_secrets(facts: &FlowFacts, path: &str) -> Vec<(String, String)> {
    functions_returning_with(facts, path, &Secrets::of(facts))
}

/// The names of this file's functions that return data of one `kind` (the whole environment,
/// a password typed into the plugin's dialog), for flows across modules.
pub fn functions_returning(facts: &FlowFacts, path: &str, kind: Taint) -> Vec<(String, String)> {
    functions_returning_with(facts, path, &Secrets::only(facts, kind))
}

fn functions_returning_with(
    facts: &FlowFacts,
    path: &str,
    secrets: &Secrets,
) -> Vec<(String, String)> {
    // Only what the functions return: the sinks their parameters reach are not needed.
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    returned_kinds(facts, n, |taint| secrets.kinds(taint))
        .iter()
        .enumerate()
        .filter_map(|(f, kind)| {
            let kind = (*kind)?;
            let name = facts.functions.get(f)?.clone();
            let unit = facts.units.iter().position(|u| u.function == Some(f))?;
            Some((name, source_text(facts, path, unit, kind)))
        })
        .collect()
}

/// The other modules' functions a unit calls (`UnitFlow::imported_calls`).
pub(crate) fn imported_calls_of(facts: &FlowFacts, unit: usize) -> Vec<String> {
    facts
        .units
        .get(unit)
        .map(|u| u.imported_calls.clone())
        .unwrap_or_default()
}

/// A sink that gets what another module's function returns.
#[derive(Debug, Clone)]
pub struct ImportedSink {
    pub line: u32,
    pub what: String,
    /// The other modules' functions its function calls.
    pub called: Vec<String>,
    /// It sends to a host the code spells, not the user's own machine (a typed password
    /// counts only there: BHV010).
    pub spelled_host: bool,
    /// A credential counts there (a layer's source only towards a host the code spells).
    pub counted: bool,
}

/// Sinks that get what another module's function returns, directly or as an argument of a
/// function of this file that sends that parameter (`self.submit(*dialog.credentials())`).
pub fn imported_sinks(facts: &FlowFacts) -> Vec<ImportedSink> {
    let typed = Secrets::only(facts, Taint::TYPED_PASSWORD);
    let secrets = Secrets::of(facts);
    let called_in = |unit: usize| imported_calls_of(facts, unit);
    // Functions of this file returning what another module's function returned
    // (`def tag(): return ".".join(tokens())`, the sink getting `tag()`).
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    let relays = returned_kinds(facts, n, |taint| taint.intersection(Taint::IMPORTED));
    // The other modules' functions called by the functions whose results a value carries,
    // and by the functions whose results those return, in turn.
    let chain_calls = |taint: Taint| {
        let mut seen: Vec<usize> = Vec::new();
        let mut todo: Vec<usize> = taint
            .results()
            .filter(|g| *g < n && relays[*g].is_some())
            .collect();
        let mut called: Vec<String> = Vec::new();
        while let Some(g) = todo.pop() {
            if seen.contains(&g) {
                continue;
            }
            seen.push(g);
            for unit in facts.units.iter().filter(|u| u.function == Some(g)) {
                for name in &unit.imported_calls {
                    if !called.contains(name) {
                        called.push(name.clone());
                    }
                }
                todo.extend(
                    unit.returns
                        .results()
                        .filter(|h| *h < n && relays[*h].is_some()),
                );
            }
        }
        called
    };
    let mut out: Vec<ImportedSink> = Vec::new();
    for s in &facts.sinks {
        let called = if s.taint.has(Taint::IMPORTED) {
            called_in(s.unit)
        } else {
            let called = chain_calls(s.taint);
            if called.is_empty() {
                continue;
            }
            called
        };
        out.push(ImportedSink {
            line: s.line,
            what: s.what.clone(),
            called,
            spelled_host: typed.counts(s),
            counted: secrets.counts(s),
        });
    }
    let imported_args = facts
        .calls
        .iter()
        .any(|c| c.args.iter().any(|a| a.has(Taint::IMPORTED)));
    if !imported_args {
        return out;
    }
    let every = resolve(facts, &facts.sinks, &secrets);
    let to_spelled_host = resolve(facts, &facts.sinks, &typed);
    let n = every.param_sinks.len();
    for call in facts.calls.iter().filter(|c| c.callee < n) {
        for (j, arg) in call.args.iter().enumerate() {
            let p = j + call.offset;
            if p >= Taint::MAX_PARAMS
                || !arg.has(Taint::IMPORTED)
                || every.param_sinks[call.callee] & (1 << p) == 0
            {
                continue;
            }
            let (sink_line, sink_what) = every.param_sink_at[call.callee]
                .clone()
                .unwrap_or((call.line, "the network".to_owned()));
            out.push(ImportedSink {
                line: call.line,
                what: format!(
                    "`{}()`, which sends it (line {sink_line}: {sink_what})",
                    call.name
                ),
                called: called_in(call.caller),
                spelled_host: to_spelled_host.param_sinks[call.callee] & (1 << p) != 0,
                counted: true,
            });
            break;
        }
    }
    out
}

/// A function of the file that sends one of its parameters over the network, for other
/// modules that hand it a secret (`upload(secret)` in another module).
#[derive(Debug, Clone)]
pub struct SendingFunction {
    pub name: String,
    /// The parameters (as bits) that reach a network sink.
    pub sends: u8,
    /// Those that reach one whose host the code spells (a typed password counts there).
    pub to_spelled_host: u8,
    /// Where, as evidence (`path:line: call`).
    pub at: String,
}

/// The file's functions that send a parameter over the network.
pub fn functions_sending_params(facts: &FlowFacts, path: &str) -> Vec<SendingFunction> {
    if facts.sinks.is_empty() {
        return Vec::new();
    }
    let every = resolve(facts, &facts.sinks, &Secrets::of(facts));
    let spelled = resolve(
        facts,
        &facts.sinks,
        &Secrets::only(facts, Taint::TYPED_PASSWORD),
    );
    every
        .param_sinks
        .iter()
        .enumerate()
        .filter(|(_, bits)| **bits != 0)
        .filter_map(|(f, bits)| {
            let (line, what) = every.param_sink_at[f].clone().unwrap_or_default();
            Some(SendingFunction {
                name: facts.functions.get(f)?.clone(),
                sends: *bits,
                to_spelled_host: spelled.param_sinks.get(f).copied().unwrap_or(0),
                at: format!("{path}:{line}: {what}"),
            })
        })
        .collect()
}
