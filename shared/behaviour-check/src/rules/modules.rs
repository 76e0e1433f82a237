//! BHV001 and BHV107 across the plugin's modules: a network sink in one module gets what a
//! function of a module it imports returns, and that function returns credentials (BHV001); or
//! one module reads credentials and another linked to it by an import makes network calls, with
//! no flow found (BHV107).

use validator_domain::Finding;

use super::{
    caps_of, credentials_near_network, hosts_text, Hit, BHV001, BHV002, BHV003, BHV010, BHV106,
};
use crate::analyse::FileFacts;
use crate::caps::{Cap, Evidence};
use crate::flow;
use crate::value::Taint;

/// What BHV001 and BHV107 need to follow data between the plugin's own modules.
#[derive(Debug, Clone)]
pub struct ModuleSummary {
    pub(super) path: String,
    /// The module's name as other modules import it (the file stem, or the package folder
    /// for `__init__.py`).
    name: String,
    imports: rustc_hash::FxHashSet<String>,
    credential: Option<Evidence>,
    network: Option<Evidence>,
    hosts: String,
    /// The hosts the file names (BHV102 compares them with the plugin's declared ones).
    pub(super) host_names: Vec<String>,
    /// Its functions that return credentials, with where the credentials are read.
    secret_functions: Vec<(String, String)>,
    /// Its network sinks that get what a function of another module returns.
    imported_sinks: Vec<flow::ImportedSink>,
    /// Its functions that return the whole environment, with where it is read.
    environment_functions: Vec<(String, String)>,
    /// Its functions that return a password typed into the plugin's dialog.
    typed_password_functions: Vec<(String, String)>,
    /// It loads a pickle somewhere (shipped pickles of objects matter then: BHV113).
    pub unpickles: bool,
    /// Subfolders of the plugin's own folder it extracts downloads into (BHV102's grading).
    pub(super) data_folders: Vec<String>,
    /// The unvetted sources of its pip installs (BHV101's grading by the declared repository).
    pub(super) unvetted_installs: Vec<Option<String>>,
    /// Where it creates a logging handler that sends records over the network.
    network_log_handler: Option<u32>,
    /// A credential flowing into one of its logging calls: the call's line and the flow.
    logged_credential: Option<flow::Flow>,
    /// Its functions that run a parameter as code: `(function, parameters as bits, where)`.
    code_runners: Vec<(String, u8, String)>,
    /// Its calls of other modules' functions with network or decoded data.
    code_handoffs: Vec<(u32, String, u8, u8)>,
    /// Its functions that return network data, decoded data or a data file's bytes.
    code_sources: Vec<(String, Taint)>,
    /// Its calls that run what another module's function returns.
    imported_code_sinks: Vec<(u32, String, Vec<String>)>,
    /// Its functions that send a parameter over the network.
    sending_functions: Vec<flow::SendingFunction>,
    /// Its calls of other modules' functions with a secret.
    secret_handoffs: Vec<(u32, String, Vec<Taint>)>,
}

impl ModuleSummary {
    pub fn of(path: &str, facts: &FileFacts) -> Self {
        let file = caps_of(facts, 0..facts.units.len());
        let mut parts = path.rsplit('/');
        let file_name = parts.next().unwrap_or(path);
        let stem = file_name.strip_suffix(".py").unwrap_or(file_name);
        let name = if stem == "__init__" {
            parts.next().unwrap_or(stem)
        } else {
            stem
        };
        Self {
            path: path.to_owned(),
            name: name.to_owned(),
            imports: facts.imports.clone(),
            credential: file.get(Cap::Credential).cloned(),
            network: file.get(Cap::Network).cloned(),
            hosts: hosts_text(facts, "to"),
            host_names: facts.hosts.iter().map(|(h, _)| h.clone()).collect(),
            secret_functions: flow::functions_returning_secrets(&facts.flow, path),
            imported_sinks: flow::imported_sinks(&facts.flow),
            environment_functions: flow::functions_returning(&facts.flow, path, Taint::ENVIRON),
            typed_password_functions: flow::functions_returning(
                &facts.flow,
                path,
                Taint::TYPED_PASSWORD,
            ),
            unpickles: file.get(Cap::Unpickle).is_some(),
            data_folders: facts
                .own_writes
                .iter()
                .filter_map(|(_, sub)| sub.clone())
                .collect(),
            unvetted_installs: facts.unvetted_installs.clone(),
            network_log_handler: facts.network_log_handler,
            logged_credential: facts
                .network_log_handler
                .is_none()
                .then(|| flow::logged_flow(&facts.flow, path))
                .flatten(),
            code_runners: crate::code_flow::functions_running_params(&facts.flow, path),
            code_handoffs: facts.code_handoffs.clone(),
            code_sources: crate::code_flow::functions_returning_code(&facts.flow),
            imported_code_sinks: crate::code_flow::imported_code_sinks(&facts.flow),
            sending_functions: flow::functions_sending_params(&facts.flow, path),
            secret_handoffs: facts.secret_handoffs.clone(),
        }
    }

    /// Whether the file imports a module by the name `name` (its last component).
    pub fn imports_name(&self, name: &str) -> bool {
        self.imports.contains(name)
    }

    fn linked(&self, other: &ModuleSummary) -> bool {
        self.path != other.path
            && (self.imports.contains(&other.name) || other.imports.contains(&self.name))
    }
}

/// BHV001 and BHV107 across modules, reported on the sending module: a network sink gets
/// what a function of a module it imports returns, and that function returns credentials
/// (BHV001); or one module reads credentials and another linked to it by an import (either
/// way) makes network calls, with no flow found (BHV107).
pub fn across_modules(modules: &[ModuleSummary]) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A module that gives the plugin's logging a handler sending records over the network
    // (`logging.getLogger("x").addHandler(HTTPHandler(...))`): what the other modules log
    // leaves with it, credentials included. Which logger each uses is not followed.
    if let Some((handler, handler_line)) = modules
        .iter()
        .find_map(|m| m.network_log_handler.map(|line| (m, line)))
    {
        for logger in modules {
            let Some(flow) = &logger.logged_credential else {
                continue;
            };
            let message = format!(
                "{}; the plugin's logging sends its records over the network (a handler created at {}:{handler_line})",
                flow.message, handler.path
            );
            findings.push(finding_at(&BHV001, &logger.path, flow.line, message));
        }
    }
    // What a function of a linked module returns (network data, decoded data, a data file's
    // bytes) run as code here (`exec(compile(self.icon.user_comment, ...))`).
    for runner in modules {
        let hit = runner
            .imported_code_sinks
            .iter()
            .find_map(|(line, what, called)| {
                modules
                    .iter()
                    .filter(|m| m.linked(runner))
                    .find_map(|m| {
                        m.code_sources
                            .iter()
                            .find(|(f, _)| called.contains(f))
                            .map(|(f, kind)| (m, f, *kind))
                    })
                    .map(|(m, f, kind)| (*line, what, m, f, kind))
            });
        let Some((line, what, source, function, kind)) = hit else {
            continue;
        };
        let (rule, data) = if kind.has(Taint::FETCHED) {
            (&BHV002, "data read from the network")
        } else if kind.has(Taint::DECODED) {
            (&BHV003, "decoded data")
        } else {
            (&BHV003, "bytes of a data file of the plugin")
        };
        let message = format!(
            "executes {data}: {data} returned by `{function}` ({}) flows to {}:{line}: {what}",
            source.path, runner.path
        );
        findings.push(finding_at(rule, &runner.path, line, message));
    }
    // Data from the network (BHV002) or decoded (BHV003) handed to a function of a module it
    // imports that runs that parameter as code (`apply_patch(reply.text)`, `apply_patch`
    // calling `exec`).
    for caller in modules {
        let hit = caller
            .code_handoffs
            .iter()
            .find_map(|(line, called, fetched, decoded)| {
                modules
                    .iter()
                    .filter(|m| m.linked(caller))
                    .find_map(|m| {
                        m.code_runners
                            .iter()
                            .find(|(f, bits, _)| f == called && bits & (fetched | decoded) != 0)
                    })
                    .map(|(f, bits, at)| (*line, f, at, bits & fetched != 0))
            });
        let Some((line, function, at, from_network)) = hit else {
            continue;
        };
        let (rule, data) = if from_network {
            (&BHV002, "data read from the network")
        } else {
            (&BHV003, "decoded data")
        };
        let message = format!(
            "executes {data}: {}:{line}: {data} passed to `{function}`, which runs it: {at}",
            caller.path
        );
        findings.push(finding_at(rule, &caller.path, line, message));
    }
    // A credential (BHV001), a typed password (BHV010, to a host the code spells) or the whole
    // environment (BHV106) handed to a function of a linked module that sends that parameter.
    // Modules whose function was found sending what another hands it: the flow is reported
    // at the caller, not held as co-occurrence at the sender.
    let mut senders_found: Vec<&str> = Vec::new();
    for caller in modules {
        let hit = caller.secret_handoffs.iter().find_map(|(line, called, taints)| {
            modules.iter().filter(|m| m.linked(caller)).find_map(|m| {
                let f = m.sending_functions.iter().find(|f| &f.name == called)?;
                let sender = m.path.as_str();
                taints.iter().enumerate().find_map(|(p, taint)| {
                    let bit = 1u8 << p;
                    let rule = if taint.has(Taint::CREDENTIAL) && f.sends & bit != 0 {
                        (&BHV001, "sends credentials over the network", "a credential")
                    } else if taint.has(Taint::TYPED_PASSWORD) && f.to_spelled_host & bit != 0 {
                        (
                            &BHV010,
                            "sends a password typed into the plugin's dialog to a host the plugin names",
                            "a typed password",
                        )
                    } else if taint.has(Taint::ENVIRON) && f.sends & bit != 0 {
                        (
                            &BHV106,
                            "sends the whole process environment over the network",
                            "the whole environment",
                        )
                    } else {
                        return None;
                    };
                    Some((*line, f, sender, rule))
                })
            })
        });
        let Some((line, function, sender, (rule, what, data))) = hit else {
            continue;
        };
        senders_found.push(sender);
        let message = format!(
            "{what}: {}:{line}: {data} passed to `{}`, which sends it: {}",
            caller.path, function.name, function.at
        );
        findings.push(finding_at(rule, &caller.path, line, message));
    }
    // The whole environment (BHV106) or a password typed into the plugin's dialog (BHV010, to
    // a host the code spells) returned by a function of a linked module to a network sink.
    for sender in modules {
        for sink in &sender.imported_sinks {
            let linked = || modules.iter().filter(|m| m.linked(sender));
            let environment = linked()
                .find_map(|m| {
                    m.environment_functions
                        .iter()
                        .find(|(f, _)| sink.called.contains(f))
                })
                .filter(|_| sink.counted);
            let typed = linked()
                .find_map(|m| {
                    m.typed_password_functions
                        .iter()
                        .find(|(f, _)| sink.called.contains(f))
                })
                .filter(|_| sink.spelled_host);
            let (rule, what, (function, source)) = match (environment, typed) {
                (_, Some(t)) => (
                    &BHV010,
                    "sends a password typed into the plugin's dialog to a host the plugin names",
                    t,
                ),
                (Some(e), None) => (
                    &BHV106,
                    "sends the whole process environment over the network",
                    e,
                ),
                (None, None) => continue,
            };
            let message = format!(
                "{what}: {source} returned by `{function}()` flows to {}:{}: {}{}",
                sender.path, sink.line, sink.what, sender.hosts
            );
            findings.push(finding_at(rule, &sender.path, sink.line, message));
            break;
        }
    }
    for sender in modules {
        if sender.credential.is_some() {
            continue; // reported by the module itself
        }
        let flow = sender
            .imported_sinks
            .iter()
            .filter(|s| s.counted)
            .find_map(|sink| {
                modules
                    .iter()
                    .filter(|m| m.linked(sender))
                    .find_map(|m| {
                        m.secret_functions
                            .iter()
                            .find(|(function, _)| sink.called.contains(function))
                    })
                    .map(|(function, source)| (sink.line, &sink.what, function, source))
            });
        let hit = if let Some((line, sink, function, source)) = flow {
            Hit {
                without_evidence: None,
                rule: &BHV001,
                line,
                message: format!(
                    "sends credentials over the network: {source} returned by `{function}()` flows to {}:{line}: {sink}",
                    sender.path
                ),
            }
        } else {
            if senders_found.contains(&sender.path.as_str()) {
                continue;
            }
            let Some(net) = &sender.network else { continue };
            let Some((source, cred)) = modules
                .iter()
                .filter(|m| m.linked(sender))
                .find_map(|m| m.credential.as_ref().map(|c| (m, c)))
            else {
                continue;
            };
            credentials_near_network::hit(&source.path, cred, &sender.path, net, &sender.hosts)
        };
        let mut finding = Finding::new("behaviour", hit.rule, sender.path.clone(), hit.message);
        finding.line = Some(hit.line);
        finding.without_evidence = hit.without_evidence;
        findings.push(finding);
    }
    findings
}

/// A finding of this check on `path` at `line`.
fn finding_at(
    rule: &validator_domain::RuleInfo,
    path: &str,
    line: u32,
    message: String,
) -> Finding {
    let mut finding = Finding::new("behaviour", rule, path.to_owned(), message);
    finding.line = Some(line);
    finding
}
