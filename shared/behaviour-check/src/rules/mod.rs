//! The threat rules: combinations of capabilities that malicious plugins show, each with its
//! default action (block or hold for review) and guidance for a legitimate author.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use validator_domain::{Level, RuleInfo, Severity};

use crate::analyse::FileFacts;
use crate::caps::{self, Cap, Evidence};
use crate::flow;

mod autostart_named;
mod bytecode_only;
mod clipboard_rewrite;
mod credentials_near_network;
mod download_and_run_unlinked;
mod monkeypatch;
mod pickle_objects;
mod pickle_payload;
mod plugin_state;
mod security_tamper;

pub use autostart_named::BHV109;
pub use bytecode_only::BHV009;
pub use clipboard_rewrite::BHV112;
pub use credentials_near_network::BHV107;
pub use download_and_run_unlinked::BHV108;
pub use monkeypatch::BHV111;
pub use pickle_objects::BHV113;
pub use pickle_payload::BHV008;
pub use plugin_state::BHV110;
pub use security_tamper::BHV007;

pub(crate) const fn block(
    id: &'static str,
    title: &'static str,
    remediation: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation,
    }
}

pub(crate) const fn review(
    id: &'static str,
    title: &'static str,
    remediation: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity: Severity::Medium,
        level: Level::Warning,
        mandatory: true,
        remediation,
    }
}

pub const BHV001: RuleInfo = block(
    "BHV001",
    "Credentials sent over the network",
    "The plugin reads a credential store (the QGIS authentication database, passwords saved by \
     QGIS, SSH keys, cloud or browser credentials) and sends what it read over the network (the \
     finding traces the data from the read to the send). A plugin \
     that needs a login lets the user pick an authentication configuration and passes its id to \
     QgsNetworkAccessManager/QgsNetworkRequest (QgsAuthManager.updateNetworkRequest), never \
     reading or exporting the stored secrets itself.",
);
pub const BHV002: RuleInfo = block(
    "BHV002",
    "Downloads and runs code or a program",
    "The plugin downloads something and executes it (exec/eval of a response, or a downloaded \
     file made executable and started). Ship the code in the plugin so that it is reviewed; \
     download data only, and never execute it.",
);
pub const BHV003: RuleInfo = block(
    "BHV003",
    "Executes a decoded or hidden payload",
    "The plugin decodes data at run time (base64, hex, rot13, zlib, marshal, chr sequences) or \
     builds a function name to hide it, and executes the result. Write the code in plain Python \
     and call functions by their names; an approver must be able to read what runs.",
);
pub const BHV004: RuleInfo = block(
    "BHV004",
    "Installs itself to start automatically",
    "The plugin writes an auto-start location outside its own folder (QGIS startup.py, a .pth or \
     sitecustomize file, crontab, systemd or desktop autostart, a Windows Run key, shell rc \
     files). A plugin runs when QGIS loads it; use initGui and the plugin's own settings, and \
     never modify the user's start-up files.",
);
pub const BHV005: RuleInfo = block(
    "BHV005",
    "Reverse shell",
    "The plugin opens a socket and attaches a shell or the process's standard streams to it \
     (os.dup2, pty.spawn, a shell with the socket as stdin). No plugin needs this; remove it.",
);
pub const BHV006: RuleInfo = block(
    "BHV006",
    "Writes into other plugins",
    "The plugin writes, copies or extracts files into the QGIS plugins folder outside its own \
     folder. A plugin only writes into its own folder or the user's data folders it asked for; \
     installing other plugins is done by the Plugin Manager.",
);
pub const BHV101: RuleInfo = review(
    "BHV101",
    "Installs packages at run time",
    "The plugin runs pip at run time, which installs unreviewed code. Prefer bundling pure-Python \
     dependencies in the plugin, or document the dependency (plugin_dependencies in \
     metadata.txt, QGIS's bundled packages) and ask the user before installing anything.",
);
pub const BHV102: RuleInfo = review(
    "BHV102",
    "Updates itself from outside the plugin repository",
    "The plugin downloads an archive or code and writes it over its own folder. Updates go \
     through plugins.qgis.org so that every version is validated; remove the self-updater or \
     point it at the official repository.",
);
pub const BHV103: RuleInfo = review(
    "BHV103",
    "Ships native code",
    "The plugin contains native executables or libraries (ELF, PE, Mach-O), which cannot be \
     reviewed like Python. If they are needed, document where they come from (project, version, \
     build) and prefer the libraries QGIS already ships.",
);
pub const BHV104: RuleInfo = review(
    "BHV104",
    "Obfuscated code",
    "The plugin's code is obfuscated (PyArmor, long encoded payloads decoded at run time, \
     invisible or bidirectional Unicode characters). Plugins in the repository are open source: \
     ship readable code.",
);
pub const BHV105: RuleInfo = review(
    "BHV105",
    "Captures keyboard, clipboard or screen",
    "The plugin hooks the keyboard of the whole system, or captures the screen or clipboard with \
     system libraries and stores or sends the result (a desktop grabbed through Qt and sent). \
     Use Qt's events inside QGIS's own windows (map tools, shortcuts) and the map canvas's own \
     rendering instead.",
);
pub const BHV106: RuleInfo = review(
    "BHV106",
    "Sends the whole environment",
    "The plugin sends the process environment (which holds tokens and passwords) over the \
     network. Send only the values your service needs, named explicitly.",
);

pub const BHV900: RuleInfo = RuleInfo {
    id: "BHV900",
    title: "Not loaded by the plugin",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Nothing imports this file from the plugin's `__init__.py` (a developer script, \
                  a test, a documentation builder), so QGIS never runs it: under the policy's \
                  `block_scope = \"loaded\"` its code findings are reported but do not block. \
                  Secrets in it still block: they are published with the zip. Better still, \
                  leave such files out of the zip.",
};
pub const BHV901: RuleInfo = RuleInfo {
    id: "BHV901",
    title: "Loads code dynamically: every file counts as loaded",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "The plugin loads code in a way its import graph cannot follow (an import with \
                  a computed name, exec or compile, runpy, a module loader), so every Python \
                  file in the zip may run and every code finding blocks. Import your modules by \
                  name (`from . import tools`) to let the validator see what runs.",
};

pub const RULES: &[RuleInfo] = &[
    BHV001, BHV002, BHV003, BHV004, BHV005, BHV006, BHV007, BHV008, BHV009, BHV101, BHV102, BHV103,
    BHV104, BHV105, BHV106, BHV107, BHV108, BHV109, BHV110, BHV111, BHV112, BHV113, BHV900, BHV901,
];

/// The rule ids that describe the plugin's loaded scope, not a threat.
pub const SCOPE_RULES: &[&str] = &[BHV900.id, BHV901.id];

/// The rules held for review (not blocked) by default.
pub const REVIEW_RULES: &[&str] = &[
    BHV101.id, BHV102.id, BHV103.id, BHV104.id, BHV105.id, BHV106.id, BHV107.id, BHV108.id,
    BHV109.id, BHV110.id, BHV111.id, BHV112.id, BHV113.id,
];

/// A rule that fired on one file: its line and the chain of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static RuleInfo,
    pub line: u32,
    pub message: String,
}

/// The capabilities of a set of units, each with its first evidence.
pub(crate) struct Caps(HashMap<Cap, Evidence>);

impl Caps {
    pub(crate) fn get(&self, cap: Cap) -> Option<&Evidence> {
        self.0.get(&cap)
    }
    fn any(&self, options: &[Cap]) -> Option<(Cap, &Evidence)> {
        options.iter().find_map(|c| self.0.get(c).map(|e| (*c, e)))
    }
}

pub(crate) fn caps_of(facts: &FileFacts, units: impl Iterator<Item = usize>) -> Caps {
    let mut map: HashMap<Cap, Evidence> = HashMap::default();
    for i in units {
        if let Some(unit) = facts.units.get(i) {
            for (cap, evidence) in &unit.caps {
                map.entry(*cap)
                    .and_modify(|e| {
                        if evidence.line < e.line {
                            *e = evidence.clone();
                        }
                    })
                    .or_insert_with(|| evidence.clone());
            }
        }
    }
    Caps(map)
}

/// Each function with the functions of the same file it calls or refers to (transitively),
/// and the module's top level with the functions it refers to.
fn closures(facts: &FileFacts, max_units: usize) -> Vec<BTreeSet<usize>> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, unit) in facts.units.iter().enumerate().skip(1) {
        by_name.entry(unit.name.as_str()).or_default().push(i);
    }
    (0..facts.units.len())
        .map(|start| {
            let mut seen = BTreeSet::from([start]);
            let mut queue = vec![start];
            while let Some(i) = queue.pop() {
                if seen.len() >= max_units {
                    break;
                }
                for name in &facts.units[i].refs {
                    for &j in by_name.get(name.as_str()).map_or(&[][..], Vec::as_slice) {
                        if seen.insert(j) {
                            queue.push(j);
                        }
                    }
                }
            }
            seen
        })
        .collect()
}

pub(crate) fn at(path: &str, e: &Evidence) -> String {
    format!("{path}:{}: {}", e.line, e.what)
}

fn hosts_text(facts: &FileFacts, preposition: &str) -> String {
    let mut hosts: Vec<&str> = facts.hosts.iter().map(|(h, _)| h.as_str()).collect();
    hosts.dedup();
    hosts.truncate(3);
    if hosts.is_empty() {
        String::new()
    } else {
        format!(" {preposition} {}", hosts.join(", "))
    }
}

/// The rules that fire on one Python file.
pub fn evaluate(path: &str, facts: &FileFacts, max_closure_units: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    if facts.units.is_empty() {
        return hits;
    }
    let file = caps_of(facts, 0..facts.units.len());
    let hit = |rule: &'static RuleInfo, line: u32, message: String| Hit {
        rule,
        line,
        message,
    };

    // Functions with the functions they call: computed once per file, and only for the rules
    // whose capabilities the file has.
    let closure_sets = std::cell::OnceCell::new();
    let all_closures = || closure_sets.get_or_init(|| closures(facts, max_closure_units));

    let credential = file.get(Cap::Credential).cloned();
    if let Some(flow) = flow::credential_flow(&facts.flow, path) {
        // The hosts the file names, for the approver to see where the data goes.
        let hosts = hosts_text(facts, "; hosts in the file:");
        hits.push(hit(&BHV001, flow.line, format!("{}{hosts}", flow.message)));
    } else if let (Some(cred), Some(net)) = (credential.as_ref(), file.get(Cap::Network)) {
        hits.push(credentials_near_network::hit(
            path,
            cred,
            path,
            net,
            &hosts_text(facts, "to"),
        ));
    }

    let mut download_exec = file.get(Cap::FetchedExec).map(|e| {
        (
            e.line,
            format!("executes code read from the network ({})", at(path, e)),
        )
    });
    // A download and a way to run something in one function (with its callees), the file
    // run not traced to the file downloaded: held for review (BHV108).
    let mut download_near_run = None;
    // The per-function closures cost a walk per function: only files that download and can
    // run something need them.
    let run_caps = [
        Cap::MakeExecutable,
        Cap::ProcessExecOther,
        Cap::NativeLoad,
        Cap::CodeExec,
    ];
    let may_download_and_run = file.get(Cap::Network).is_some()
        && (file.any(&run_caps).is_some() || facts.units.iter().any(|u| !u.started.is_empty()));
    if download_exec.is_none() && may_download_and_run {
        for closure in all_closures() {
            let scope = caps_of(facts, closure.iter().copied());
            let Some(net) = scope.get(Cap::Network) else {
                continue;
            };
            // The chain: a file written in binary in a function that downloads, and that
            // very file started or loaded.
            let started = closure.iter().flat_map(|&i| facts.units[i].started.iter());
            let written: Vec<&(String, u32)> = closure
                .iter()
                .flat_map(|&i| facts.units[i].binary_writes.iter())
                .collect();
            let mut run = None;
            for (program, line, call) in started {
                if let Some((_, wline)) = written.iter().find(|(p, _)| p == program) {
                    run = Some((*line, *wline, program.clone(), call.clone()));
                    break;
                }
            }
            if let Some((line, wline, program, call)) = run {
                download_exec = Some((
                    line,
                    format!(
                        "downloads ({}), writes {} ({path}:{wline}) and runs it ({path}:{line}: {call})",
                        at(path, net),
                        crate::analyse::shown_file(&program)
                    ),
                ));
                break;
            }
            if download_near_run.is_some() {
                continue;
            }
            if let (Some(dl), Some((cap, ex))) = (scope.get(Cap::Download), scope.any(&run_caps)) {
                download_near_run = Some(download_and_run_unlinked::hit(
                    path,
                    dl,
                    cap.describe(),
                    ex,
                    None,
                ));
            } else if let (Some(chmod), Some(ex)) =
                (scope.get(Cap::MakeExecutable), scope.get(Cap::ProcessExec))
            {
                download_near_run = Some(download_and_run_unlinked::hit(
                    path,
                    net,
                    Cap::ProcessExec.describe(),
                    ex,
                    Some(chmod),
                ));
            }
        }
    }
    if let Some((line, message)) = download_exec {
        hits.push(hit(&BHV002, line, message));
    } else if let Some(near) = download_near_run {
        hits.push(near);
    }

    // A long encoded literal and an exec elsewhere in the file are co-occurrence: BHV104 holds
    // the obfuscation for review; only the decoded data executed blocks.
    let payload = file
        .get(Cap::DecodedExec)
        .map(|e| (e.line, format!("executes decoded data ({})", at(path, e))))
        .or_else(|| {
            file.get(Cap::HiddenCall).map(|e| {
                (
                    e.line,
                    format!(
                        "calls a dangerous function through a hidden name ({})",
                        at(path, e)
                    ),
                )
            })
        });
    if let Some((line, message)) = payload {
        hits.push(hit(&BHV003, line, message));
    }

    let persistence = file.get(Cap::PersistWrite).map(|e| {
        (
            e.line,
            format!(
                "writes an auto-start location outside its folder ({})",
                at(path, e)
            ),
        )
    });
    if let Some((line, message)) = persistence {
        hits.push(hit(&BHV004, line, message));
    } else if let (Some(target), Some((cap, write))) = (
        file.get(Cap::PersistTarget),
        file.any(&[Cap::RegistryWrite, Cap::WriteUnknownPath]),
    ) {
        hits.push(autostart_named::hit(path, target, cap.describe(), write));
    }

    // The socket and the shell in one function (with the functions it calls): a test suite
    // that opens sockets in one test and duplicates descriptors in another is not a shell.
    let reverse_shell = if file.get(Cap::Socket).is_some() && file.get(Cap::ShellAttach).is_some() {
        all_closures().iter().find_map(|closure| {
            let scope = caps_of(facts, closure.iter().copied());
            match (scope.get(Cap::Socket), scope.get(Cap::ShellAttach)) {
                (Some(sock), Some(shell)) => Some((sock.clone(), shell.clone())),
                _ => None,
            }
        })
    } else {
        None
    };
    if let Some((sock, shell)) = reverse_shell {
        hits.push(hit(
            &BHV005,
            shell.line,
            format!(
                "opens a socket ({}) and attaches a shell to it ({})",
                at(path, &sock),
                at(path, &shell)
            ),
        ));
    }

    if let Some(e) = file.get(Cap::PluginsDirWrite) {
        hits.push(hit(
            &BHV006,
            e.line,
            format!(
                "writes into the plugins folder outside its own ({})",
                at(path, e)
            ),
        ));
    }

    if let Some(e) = file.get(Cap::PackageInstall) {
        hits.push(hit(
            &BHV101,
            e.line,
            format!("installs packages at run time ({})", at(path, e)),
        ));
    }

    if let (Some(own), Some(net)) = (file.get(Cap::OwnDirWrite), file.get(Cap::Network)) {
        let official = !facts.hosts.is_empty()
            && facts
                .hosts
                .iter()
                .all(|(h, _)| caps::is_plugin_repository(h));
        if !official {
            hits.push(hit(
                &BHV102,
                own.line,
                format!(
                    "downloads{} ({}) and writes over its own folder ({})",
                    hosts_text(facts, "from"),
                    at(path, net),
                    at(path, own)
                ),
            ));
        }
    }

    let obfuscation = [Cap::PyArmor, Cap::InvisibleUnicode, Cap::EncodedBlob];
    if let Some((cap, e)) = file.any(&obfuscation) {
        hits.push(hit(
            &BHV104,
            e.line,
            format!("{} ({})", cap.describe(), at(path, e)),
        ));
    }

    let capture = if let Some(hook) = file.get(Cap::KeyboardHook) {
        Some((
            hook.line,
            format!("{} ({})", Cap::KeyboardHook.describe(), at(path, hook)),
        ))
    } else if let (Some(capture), Some((cap, out))) = (
        file.get(Cap::InputCapture),
        file.any(&[Cap::Network, Cap::Write]),
    ) {
        Some((
            capture.line,
            format!(
                "captures input ({}) and {} ({})",
                at(path, capture),
                cap.describe(),
                at(path, out)
            ),
        ))
    } else if let (Some(grab), Some(net)) = (file.get(Cap::ScreenGrab), file.get(Cap::Network)) {
        Some((
            grab.line,
            format!(
                "{} ({}) and {} ({})",
                Cap::ScreenGrab.describe(),
                at(path, grab),
                Cap::Network.describe(),
                at(path, net)
            ),
        ))
    } else {
        None
    };
    if let Some((line, message)) = capture {
        hits.push(hit(&BHV105, line, message));
    }

    hits.extend(security_tamper::evaluate(path, &file));
    hits.extend(plugin_state::evaluate(path, &file));
    hits.extend(monkeypatch::evaluate(path, &file));
    if file.get(Cap::ClipboardRead).is_some() && file.get(Cap::ClipboardWrite).is_some() {
        hits.extend(clipboard_rewrite::evaluate(path, facts, all_closures()));
    }

    if let Some(e) = file.get(Cap::EnvToNetwork) {
        hits.push(hit(
            &BHV106,
            e.line,
            format!(
                "sends the whole process environment over the network{} ({})",
                hosts_text(facts, "to"),
                at(path, e)
            ),
        ));
    }
    hits
}

/// What BHV001 and BHV107 need to follow data between the plugin's own modules.
#[derive(Debug, Clone)]
pub struct ModuleSummary {
    path: String,
    /// The module's name as other modules import it (the file stem, or the package folder
    /// for `__init__.py`).
    name: String,
    imports: rustc_hash::FxHashSet<String>,
    credential: Option<Evidence>,
    network: Option<Evidence>,
    hosts: String,
    /// Its functions that return credentials, with where the credentials are read.
    secret_functions: Vec<(String, String)>,
    /// Its network sinks that get what a function of another module returns.
    imported_sinks: Vec<(u32, String, Vec<String>)>,
    /// It loads a pickle somewhere (shipped pickles of objects matter then: BHV113).
    pub unpickles: bool,
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
            secret_functions: flow::functions_returning_secrets(&facts.flow, path),
            imported_sinks: flow::imported_sinks(&facts.flow),
            unpickles: file.get(Cap::Unpickle).is_some(),
        }
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
pub fn across_modules(modules: &[ModuleSummary]) -> Vec<validator_domain::Finding> {
    let mut findings = Vec::new();
    for sender in modules {
        let Some(net) = &sender.network else { continue };
        if sender.credential.is_some() {
            continue; // reported by the module itself
        }
        let flow = sender
            .imported_sinks
            .iter()
            .find_map(|(line, sink, called)| {
                modules
                    .iter()
                    .filter(|m| m.linked(sender))
                    .find_map(|m| {
                        m.secret_functions
                            .iter()
                            .find(|(function, _)| called.contains(function))
                    })
                    .map(|(function, source)| (*line, sink, function, source))
            });
        let hit = if let Some((line, sink, function, source)) = flow {
            Hit {
                rule: &BHV001,
                line,
                message: format!(
                    "sends credentials over the network: {source} returned by `{function}()` flows to {}:{line}: {sink}",
                    sender.path
                ),
            }
        } else {
            let Some((source, cred)) = modules
                .iter()
                .filter(|m| m.linked(sender))
                .find_map(|m| m.credential.as_ref().map(|c| (m, c)))
            else {
                continue;
            };
            credentials_near_network::hit(&source.path, cred, &sender.path, net, &sender.hosts)
        };
        let mut finding =
            validator_domain::Finding::new("behaviour", hit.rule, sender.path.clone(), hit.message);
        finding.line = Some(hit.line);
        findings.push(finding);
    }
    findings
}
