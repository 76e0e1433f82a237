//! The threat rules: combinations of capabilities and flows that malicious plugins show, each
//! with its default action (block, hold for review, report) and guidance for a legitimate
//! author. One file per rule holds its definition, its predicate and its text; [`ALL`] collects
//! them, and every other list ([`RULES`], [`REVIEW_RULES`], [`SCOPE_RULES`]) is derived from it.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use validator_domain::{Level, RuleInfo, Severity, WithoutEvidence};

use crate::analyse::FileFacts;
use crate::caps::{Cap, Evidence};

mod autostart;
mod autostart_named;
mod bytecode_only;
mod clipboard_rewrite;
mod credentials_near_network;
mod credentials_to_network;
mod download_and_run;
mod download_and_run_unlinked;
mod environment_sent;
mod hidden_payload;
mod input_capture;
mod loaded_scope;
mod modules;
mod monkeypatch;
mod native_code;
mod obfuscation;
mod other_plugins_write;
mod package_install;
mod password_phishing;
mod pickle_objects;
mod pickle_payload;
mod plugin_state;
mod reverse_shell;
mod security_tamper;
mod self_update;
mod tls_verify_off;

pub use autostart::BHV004;
pub use autostart_named::BHV109;
pub use bytecode_only::BHV009;
pub use clipboard_rewrite::BHV112;
pub use credentials_near_network::BHV107;
pub use credentials_to_network::BHV001;
pub use download_and_run::BHV002;
pub use download_and_run_unlinked::BHV108;
pub use environment_sent::BHV106;
pub use hidden_payload::BHV003;
pub use input_capture::BHV105;
pub use loaded_scope::{BHV900, BHV901};
pub use modules::{across_modules, ModuleSummary};
pub use monkeypatch::BHV111;
pub use native_code::BHV103;
pub use obfuscation::BHV104;
pub use other_plugins_write::BHV006;
pub use package_install::{grade_by_declared_repository, BHV101};
pub use password_phishing::BHV010;
pub use pickle_objects::BHV113;
pub use pickle_payload::BHV008;
pub use plugin_state::{grade_by_declared_dependencies, BHV110};
pub use reverse_shell::BHV005;
pub use security_tamper::BHV007;
pub use self_update::{grade_by_data_folders, grade_by_declared_hosts, BHV102};
pub use tls_verify_off::BHV114;

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

/// One rule of the check: its definition and, for the rules found in a Python file's facts,
/// its predicate.
pub struct Rule {
    pub info: RuleInfo,
    /// The predicate on one Python file; `None` for the rules found elsewhere (shipped pickles
    /// and bytecode in `payload.rs`, native code in `native.rs`, the loaded scope in `lib.rs`,
    /// flows across modules in `modules.rs`).
    on_file: Option<fn(&FileScope<'_>) -> Option<Hit>>,
    /// The co-occurrence half of a chain rule: it fires on a file only when this rule (the
    /// chain, listed before it) did not.
    unless: Option<&'static str>,
    /// Describes the plugin's loaded scope, not a threat.
    scope: bool,
}

impl Rule {
    const fn on_file(info: RuleInfo, predicate: fn(&FileScope<'_>) -> Option<Hit>) -> Self {
        Self {
            info,
            on_file: Some(predicate),
            unless: None,
            scope: false,
        }
    }

    const fn unless(
        info: RuleInfo,
        chain: &RuleInfo,
        predicate: fn(&FileScope<'_>) -> Option<Hit>,
    ) -> Self {
        Self {
            info,
            on_file: Some(predicate),
            unless: Some(chain.id),
            scope: false,
        }
    }

    const fn elsewhere(info: RuleInfo) -> Self {
        Self {
            info,
            on_file: None,
            unless: None,
            scope: false,
        }
    }

    const fn scope(info: RuleInfo) -> Self {
        Self {
            info,
            on_file: None,
            unless: None,
            scope: true,
        }
    }
}

/// Every rule of the check, in the order reports list them.
pub const ALL: &[Rule] = &[
    Rule::on_file(BHV001, credentials_to_network::evaluate),
    Rule::on_file(BHV002, download_and_run::evaluate),
    Rule::on_file(BHV003, hidden_payload::evaluate),
    Rule::on_file(BHV004, autostart::evaluate),
    Rule::on_file(BHV005, reverse_shell::evaluate),
    Rule::on_file(BHV006, other_plugins_write::evaluate),
    Rule::on_file(BHV007, security_tamper::evaluate),
    Rule::elsewhere(BHV008),
    Rule::elsewhere(BHV009),
    Rule::on_file(BHV010, password_phishing::evaluate),
    Rule::on_file(BHV101, package_install::evaluate),
    Rule::on_file(BHV102, self_update::evaluate),
    Rule::elsewhere(BHV103),
    Rule::on_file(BHV104, obfuscation::evaluate),
    Rule::on_file(BHV105, input_capture::evaluate),
    Rule::on_file(BHV106, environment_sent::evaluate),
    Rule::unless(BHV107, &BHV001, credentials_near_network::evaluate),
    Rule::unless(BHV108, &BHV002, download_and_run_unlinked::evaluate),
    Rule::unless(BHV109, &BHV004, autostart_named::evaluate),
    Rule::on_file(BHV110, plugin_state::evaluate),
    Rule::on_file(BHV111, monkeypatch::evaluate),
    Rule::on_file(BHV112, clipboard_rewrite::evaluate),
    Rule::elsewhere(BHV113),
    Rule::on_file(BHV114, tls_verify_off::evaluate),
    Rule::scope(BHV900),
    Rule::scope(BHV901),
];

const fn infos<const N: usize>() -> [RuleInfo; N] {
    let mut out = [BHV001; N];
    let mut i = 0;
    while i < N {
        out[i] = ALL[i].info;
        i += 1;
    }
    out
}

/// A derived list of rule ids.
#[derive(Clone, Copy)]
enum Selection {
    /// Held for review by default.
    Review,
    /// Describe the loaded scope.
    Scope,
}

const fn wanted(rule: &Rule, selection: Selection) -> bool {
    match selection {
        Selection::Review => matches!(rule.info.level, Level::Warning),
        Selection::Scope => rule.scope,
    }
}

/// The ids of the rules of [`ALL`] that `selection` selects (`N` of them).
const fn ids<const N: usize>(selection: Selection) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < ALL.len() {
        if wanted(&ALL[i], selection) {
            out[n] = ALL[i].info.id;
            n += 1;
        }
        i += 1;
    }
    out
}

const fn count(selection: Selection) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < ALL.len() {
        if wanted(&ALL[i], selection) {
            n += 1;
        }
        i += 1;
    }
    n
}

pub const RULES: &[RuleInfo] = &infos::<{ ALL.len() }>();

/// The rule ids that describe the plugin's loaded scope, not a threat.
pub const SCOPE_RULES: &[&str] = &ids::<{ count(Selection::Scope) }>(Selection::Scope);

/// The rules held for review (not blocked) by default.
pub const REVIEW_RULES: &[&str] = &ids::<{ count(Selection::Review) }>(Selection::Review);

/// A rule that fired on one file: its line and the chain of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static RuleInfo,
    pub line: u32,
    pub message: String,
    /// Why the finding lacks what makes its rule a risk: under the evidence-aware policy it
    /// is only reported.
    pub without_evidence: Option<WithoutEvidence>,
}

impl Hit {
    pub(crate) fn new(rule: &'static RuleInfo, line: u32, message: String) -> Self {
        Self {
            rule,
            line,
            message,
            without_evidence: None,
        }
    }

    /// Reported only under the evidence-aware policy, for `reason`.
    pub(crate) fn reported_because(mut self, reason: impl Into<String>) -> Self {
        self.without_evidence = Some(WithoutEvidence::report(reason));
        self
    }
}

/// The capabilities of a set of units, each with its first evidence.
pub(crate) struct Caps(HashMap<Cap, Evidence>);

impl Caps {
    pub(crate) fn get(&self, cap: Cap) -> Option<&Evidence> {
        self.0.get(&cap)
    }
    pub(crate) fn any(&self, options: &[Cap]) -> Option<(Cap, &Evidence)> {
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

/// What a rule's predicate sees of one Python file: its facts, the capabilities of the whole
/// file, and what several rules share, computed once and only when asked for.
pub(crate) struct FileScope<'f> {
    pub path: &'f str,
    pub facts: &'f FileFacts,
    pub file: Caps,
    max_closure_units: usize,
    closures: OnceCell<Vec<BTreeSet<usize>>>,
    download_and_run: OnceCell<download_and_run::Found>,
}

impl FileScope<'_> {
    /// Each function with the functions of the same file it calls or refers to
    /// (transitively), and the module's top level with the functions it refers to.
    pub fn closures(&self) -> &[BTreeSet<usize>] {
        self.closures
            .get_or_init(|| closures(self.facts, self.max_closure_units))
    }

    /// The download-and-run search (BHV002 and BHV108 share it).
    fn download_and_run(&self) -> &download_and_run::Found {
        self.download_and_run
            .get_or_init(|| download_and_run::search(self))
    }

    /// The hosts the file names, after `preposition`.
    pub fn hosts_text(&self, preposition: &str) -> String {
        hosts_text(self.facts, preposition)
    }
}

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

/// A rule whose whole evidence is one capability of the file (the write, the replacement):
/// its first occurrence.
pub(super) fn on_capability(
    scope: &FileScope<'_>,
    rule: &'static RuleInfo,
    cap: Cap,
) -> Option<Hit> {
    let evidence = scope.file.get(cap)?;
    Some(Hit::new(
        rule,
        evidence.line,
        format!("{} ({})", cap.describe(), at(scope.path, evidence)),
    ))
}

pub(crate) fn hosts_text(facts: &FileFacts, preposition: &str) -> String {
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
    if facts.units.is_empty() {
        return Vec::new();
    }
    let scope = FileScope {
        path,
        facts,
        file: caps_of(facts, 0..facts.units.len()),
        max_closure_units,
        closures: OnceCell::new(),
        download_and_run: OnceCell::new(),
    };
    let mut hits: Vec<Hit> = Vec::new();
    for rule in ALL {
        let Some(predicate) = rule.on_file else {
            continue;
        };
        if let Some(chain) = rule.unless {
            if hits.iter().any(|h| h.rule.id == chain) {
                continue;
            }
        }
        hits.extend(predicate(&scope));
    }
    hits
}
