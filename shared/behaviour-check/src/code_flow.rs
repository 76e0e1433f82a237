//! Code read from the network (BHV002), or decoded at run time (BHV003), reaching a call that
//! runs it through the file's own functions, linked once the whole file is read (the resolver
//! reads each function once, in the file's order): a helper returning a response's text defined below its caller (`exec(fetch())`), a
//! helper that runs its parameter (`run(reply.text)`, through any number of helpers), and a
//! class keeping what its constructor gets (`Loader(reply.text)`, then `exec(self.source)` in
//! another method: the constructor flow's pseudo functions, `analyse/instances.rs`). The same
//! symbols as the credential flow (`flow.rs`): parameters and local functions' results.

use crate::flow::{
    function_of, imported_calls_of, returned_kinds, spread_to_callers, Flow, FlowFacts,
};
use crate::value::Taint;

/// The first chain in the file from data read from the network to a call that runs it as code,
/// found only through the file's functions (the chains within one function are found as the
/// function is read: `Cap::FetchedExec`). The message says where it is run.
pub fn fetched_code(facts: &FlowFacts, path: &str) -> Option<Flow> {
    code_reaching(facts, path, Taint::FETCHED, "data read from the network")
}

/// The same for decoded data (base64, hex, zlib, ...: `Cap::DecodedExec` within a function).
pub fn decoded_code(facts: &FlowFacts, path: &str) -> Option<Flow> {
    code_reaching(facts, path, Taint::DECODED, "decoded data")
}

/// The first chain from data of `kind` (described as `data`) to a call that runs it, through
/// a function's result or parameters.
fn code_reaching(facts: &FlowFacts, path: &str, kind: Taint, data: &str) -> Option<Flow> {
    if facts.code_sinks.is_empty() {
        return None;
    }
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    let name = |f: usize| facts.functions.get(f).map_or("?", String::as_str);
    // The functions returning data of the kind, directly or as another's result.
    let returns_kind = returned_kinds(facts, n, |taint| taint.intersection(kind));
    let returned_by = |taint: Taint| {
        taint
            .results()
            .find(|g| *g < n && returns_kind[*g].is_some())
    };
    for sink in &facts.code_sinks {
        if let Some(g) = returned_by(sink.taint) {
            return Some(Flow {
                line: sink.line,
                message: format!(
                    "{path}:{}: {} of what `{}` returns, {data}",
                    sink.line,
                    sink.what,
                    name(g)
                ),
            });
        }
    }
    let (runs, at) = params_run(facts, n);
    for call in &facts.calls {
        if call.callee >= n {
            continue;
        }
        for (j, arg) in call.args.iter().enumerate() {
            let p = j + call.offset;
            if p >= Taint::MAX_PARAMS || runs[call.callee] & (1 << p) == 0 {
                continue;
            }
            if !arg.has(kind) && returned_by(*arg).is_none() {
                continue;
            }
            let (line, what) = at[call.callee].clone().unwrap_or_default();
            return Some(Flow {
                line: call.line,
                message: format!(
                    "{path}:{}: {data} passed to `{}`, which runs it: {path}:{line}: {what}",
                    call.line, call.name
                ),
            });
        }
    }
    None
}

/// Per function, the parameters that reach a call running code (bit p: parameter p), and
/// where, also through the calls that pass a parameter on to such a parameter.
#[allow(clippy::type_complexity)]
fn params_run(facts: &FlowFacts, n: usize) -> (Vec<u8>, Vec<Option<(u32, String)>>) {
    let mut runs = vec![0u8; n];
    let mut at: Vec<Option<(u32, String)>> = vec![None; n];
    for sink in &facts.code_sinks {
        let Some(f) = function_of(facts, sink.unit, n) else {
            continue;
        };
        for p in sink.taint.params() {
            runs[f] |= 1 << p;
            at[f].get_or_insert((sink.line, sink.what.clone()));
        }
    }
    spread_to_callers(facts, n, &mut runs, &mut at);
    (runs, at)
}

/// The file's functions that run one of their parameters as code, for other modules that
/// call them (`rules/modules.rs`): `(function, parameters as bits, "path:line: call")`.
pub fn functions_running_params(facts: &FlowFacts, path: &str) -> Vec<(String, u8, String)> {
    if facts.code_sinks.is_empty() {
        return Vec::new();
    }
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    let (runs, at) = params_run(facts, n);
    runs.iter()
        .enumerate()
        .filter(|(_, bits)| **bits != 0)
        .filter_map(|(f, bits)| {
            let name = facts.functions.get(f)?;
            let (line, what) = at[f].clone().unwrap_or_default();
            Some((name.clone(), *bits, format!("{path}:{line}: {what}")))
        })
        .collect()
}

/// The file's functions that return data read from the network, decoded data or bytes of a
/// data file of the plugin (for code run by another module): `(function, kinds)`.
pub fn functions_returning_code(facts: &FlowFacts) -> Vec<(String, Taint)> {
    let kinds = Taint::FETCHED
        .union(Taint::DECODED)
        .union(Taint::PLUGIN_DATA);
    let n = facts.functions.len().min(Taint::MAX_RESULTS);
    returned_kinds(facts, n, |taint| taint.intersection(kinds))
        .into_iter()
        .enumerate()
        .filter_map(|(f, kind)| Some((facts.functions.get(f)?.clone(), kind?)))
        .collect()
}

/// Calls that run what a function of another module returns: `(line, call, functions of
/// other modules its function calls)`.
pub fn imported_code_sinks(facts: &FlowFacts) -> Vec<(u32, String, Vec<String>)> {
    facts
        .code_sinks
        .iter()
        .filter(|s| s.taint.has(Taint::IMPORTED))
        .map(|s| (s.line, s.what.clone(), imported_calls_of(facts, s.unit)))
        .collect()
}
