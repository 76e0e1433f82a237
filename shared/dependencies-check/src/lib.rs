//! The `dependencies` check: the third-party packages a plugin bundles, declares and installs
//! at run time, compared with the known advisories of the OSV database (the PyPA advisory
//! database, GitHub's advisories, the OpenSSF malicious-packages feed).
//!
//! Every advisory is traceable to its record (its id, aliases and URL), upgrade advice names a
//! version, and nothing is claimed as checked that was not: a dependency the advisory data
//! could not answer for reads "not checked" (rule DEP005), never clean.

pub mod advisories;
pub mod install;
pub mod inventory;
pub mod kept_index;
pub mod osv;
pub mod record_store;
pub mod requirement;
pub mod rules;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use validator_domain::{
    as_usize, AdvisoryCheck, Check, CheckContext, CheckDetails, CheckError, CheckOutput,
    DependenciesReport, Dependency, DependencyOrigin, Finding, NamedLimit, NamedLimits, RuleInfo,
};

pub use advisories::{
    advisories_at, AdvisoryError, AdvisoryIndex, AdvisoryLimits, AdvisorySource, Lookup,
    NoAdvisories, OsvApi, PackageQuery,
};
pub use record_store::{AdvisoryFolder, LazyIndex};
pub use rules::{REVIEW_RULES, RULES};

use rules::{DEP001, DEP002, DEP003, DEP004, DEP005};

pub const CHECK_ID: &str = "dependencies";

/// Named, configurable limits of the check (`PLUGIN_VALIDATOR_<NAME>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DependenciesLimits {
    /// Largest requirements, packaging or Python file read for dependencies.
    pub max_file_bytes: u64,
    /// Dependencies looked up per plugin (the rest are listed "not checked").
    pub max_dependencies: usize,
    /// Characters of an advisory's summary in messages and reports.
    pub max_summary_chars: usize,
}

impl Default for DependenciesLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 2 * 1024 * 1024,
            max_dependencies: 500,
            max_summary_chars: 200,
        }
    }
}

/// A limit's value that is not a whole number.
pub use validator_domain::LimitError;

impl DependenciesLimits {
    /// Each limit's name (its environment variable: `PLUGIN_VALIDATOR_<NAME>`).
    pub const LIMITS: NamedLimits<Self> = NamedLimits {
        scope: "dependencies",
        prefix: "PLUGIN_VALIDATOR_",
        limits: &[
            NamedLimit {
                name: "max_dependency_file_bytes",
                set: |l, v| l.max_file_bytes = v,
            },
            NamedLimit {
                name: "max_dependencies",
                set: |l, v| l.max_dependencies = as_usize(v),
            },
            NamedLimit {
                name: "max_advisory_summary_chars",
                set: |l, v| l.max_summary_chars = as_usize(v),
            },
        ],
    };

    pub fn env_var(name: &str) -> String {
        Self::LIMITS.env_var(name)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitError> {
        Self::LIMITS.read(Self::default(), lookup)
    }

    pub fn from_env() -> Result<Self, LimitError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// Where the advisories come from, as deployments configure it:
/// `PLUGIN_VALIDATOR_ADVISORIES` (a folder of OSV records or an OSV export zip) first; else the
/// OSV API at `PLUGIN_VALIDATOR_OSV_API` (default `https://api.osv.dev`; `off` for none), with
/// answers cached for `PLUGIN_VALIDATOR_ADVISORY_CACHE_HOURS` (default 24) in `cache`.
/// `PLUGIN_VALIDATOR_OSV_TIMEOUT_SECONDS` bounds each request (default 20).
pub fn advisory_source_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
    cache: Option<Box<dyn validator_bundled::ReleaseCache>>,
) -> Arc<dyn AdvisorySource> {
    let mut limits = AdvisoryLimits::default();
    if let Some(hours) =
        lookup("PLUGIN_VALIDATOR_ADVISORY_CACHE_HOURS").and_then(|h| h.trim().parse::<u64>().ok())
    {
        limits.cache_ttl = Duration::from_secs(hours.saturating_mul(3600));
    }
    if let Some(seconds) =
        lookup("PLUGIN_VALIDATOR_OSV_TIMEOUT_SECONDS").and_then(|s| s.trim().parse::<u64>().ok())
    {
        limits.timeout = Duration::from_secs(seconds.max(1));
    }
    if let Some(path) = lookup("PLUGIN_VALIDATOR_ADVISORIES").filter(|p| !p.trim().is_empty()) {
        // A folder's name index is kept with the other cached answers.
        let index_cache = lookup("PLUGIN_VALIDATOR_ADVISORY_CACHE")
            .filter(|c| !c.trim().is_empty())
            .map(|c| std::path::PathBuf::from(c.trim()))
            .unwrap_or_else(cache_folder_from_env);
        return match advisories::advisories_at(
            std::path::Path::new(path.trim()),
            limits,
            Some(index_cache),
        ) {
            Ok(source) => source,
            Err(e) => Arc::new(NoAdvisories {
                reason: e.to_string(),
            }),
        };
    }
    let api = lookup("PLUGIN_VALIDATOR_OSV_API").unwrap_or_else(|| OsvApi::DEFAULT_URL.to_owned());
    let api = api.trim();
    if api.is_empty() || api.eq_ignore_ascii_case("off") {
        return Arc::new(NoAdvisories {
            reason: "no advisory data configured (PLUGIN_VALIDATOR_OSV_API=off)".to_owned(),
        });
    }
    let osv = OsvApi::new(api, limits);
    Arc::new(match cache {
        Some(cache) => osv.with_boxed_cache(cache),
        None => osv,
    })
}

/// The local cache folder of OSV answers: `PLUGIN_VALIDATOR_ADVISORY_CACHE`, else the user's
/// cache folder.
pub fn cache_folder_from_env() -> std::path::PathBuf {
    std::env::var_os("PLUGIN_VALIDATOR_ADVISORY_CACHE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(std::path::PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cache"))
                })
                .map(|c| c.join("plugin-validator").join("advisories"))
        })
        .unwrap_or_else(|| std::env::temp_dir().join("plugin-validator-advisories"))
}

/// The check, with the advisory source it compares dependencies with.
pub struct DependenciesCheck {
    advisories: Arc<dyn AdvisorySource>,
}

impl DependenciesCheck {
    pub fn new(advisories: Arc<dyn AdvisorySource>) -> Self {
        Self { advisories }
    }

    /// As configured by the environment, with OSV answers cached in a local folder.
    pub fn from_env() -> Self {
        let cache = validator_bundled::FolderCache::new(cache_folder_from_env());
        Self::new(advisory_source_from_lookup(
            |name| std::env::var(name).ok(),
            Some(Box::new(cache)),
        ))
    }

    /// As configured by the environment, with OSV answers cached in `cache` (the deployment's
    /// bucket on AWS).
    pub fn with_cache(cache: impl validator_bundled::ReleaseCache + 'static) -> Self {
        Self::new(advisory_source_from_lookup(
            |name| std::env::var(name).ok(),
            Some(Box::new(cache)),
        ))
    }

    /// With the records of a folder or an OSV export zip (`--advisories DIR`), read when a
    /// scan first needs them.
    pub fn with_advisories(path: &std::path::Path) -> Result<Self, AdvisoryError> {
        Ok(Self::new(advisories::advisories_at(
            path,
            AdvisoryLimits::default(),
            Some(cache_folder_from_env()),
        )?))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where a dependency is, for messages (`ext_libs/requests/`, `x.py:12`).
fn place(d: &Dependency) -> String {
    match d.line {
        Some(line) => format!("{}:{line}", d.path),
        None => d.path.clone(),
    }
}

/// Looks up every dependency and fills in its advisories, vulnerabilities and upgrade.
pub fn evaluate(
    dependencies: &mut [Dependency],
    source: &dyn AdvisorySource,
    limits: &DependenciesLimits,
) {
    let mut queries: BTreeMap<PackageQuery, usize> = BTreeMap::new();
    for d in dependencies.iter().take(limits.max_dependencies) {
        let query = PackageQuery {
            name: osv::normalise(&d.name),
            version: d.version.clone(),
        };
        let next = queries.len();
        queries.entry(query).or_insert(next);
    }
    let mut ordered: Vec<(PackageQuery, usize)> = queries.into_iter().collect();
    ordered.sort_by_key(|(_, i)| *i);
    let list: Vec<PackageQuery> = ordered.iter().map(|(q, _)| q.clone()).collect();
    let answers: Vec<Lookup> = if list.is_empty() {
        Vec::new()
    } else {
        source.lookup(&list)
    };
    for (n, d) in dependencies.iter_mut().enumerate() {
        if n >= limits.max_dependencies {
            d.advisories = AdvisoryCheck::NotChecked(format!(
                "more than max_dependencies ({})",
                limits.max_dependencies
            ));
            continue;
        }
        let name = osv::normalise(&d.name);
        let index = list
            .iter()
            .position(|q| q.name == name && q.version == d.version);
        let answer = match index.and_then(|i| answers.get(i)) {
            Some(answer) => answer,
            None => {
                d.advisories = AdvisoryCheck::NotChecked("no answer".to_owned());
                continue;
            }
        };
        let records = match answer {
            Ok(records) => records,
            Err(reason) => {
                d.advisories = AdvisoryCheck::NotChecked(reason.clone());
                continue;
            }
        };
        let applicable: Vec<(&osv::OsvRecord, osv::Applies)> = match &d.version {
            Some(version) => {
                d.advisories = AdvisoryCheck::Checked;
                records
                    .iter()
                    .filter_map(|r| r.applies(&name, version).map(|a| (r.as_ref(), a)))
                    .collect()
            }
            None => {
                d.advisories = AdvisoryCheck::NameOnly;
                records
                    .iter()
                    .filter(|r| {
                        !r.is_withdrawn() && r.is_malicious() && r.affects_every_version(&name)
                    })
                    .map(|r| (r.as_ref(), osv::Applies { fixed: None }))
                    .collect()
            }
        };
        d.vulnerabilities = osv::merge(&applicable, limits.max_summary_chars);
        d.upgrade_to = osv::upgrade_target(&d.vulnerabilities);
    }
}

/// The findings about the evaluated dependencies: one per dependency and rule.
pub fn findings(dependencies: &[Dependency]) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in dependencies {
        let at = |rule: &RuleInfo, message: String| {
            let mut f = Finding::new(CHECK_ID, rule, d.path.clone(), message);
            f.line = d.line;
            f
        };
        let label = d.label();
        let origin = d.origin.as_str();
        let ids = |only_malicious: bool| {
            d.vulnerabilities
                .iter()
                .filter(|v| !only_malicious || v.malicious)
                .map(|v| v.label())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if d.malicious() {
            let summary = d
                .vulnerabilities
                .iter()
                .find(|v| v.malicious)
                .map(|v| v.summary.clone())
                .unwrap_or_default();
            out.push(at(
                &DEP001,
                format!(
                    "`{}` ({origin} in {}) is a known-malicious package: {}: {summary}",
                    d.name,
                    place(d),
                    ids(true)
                ),
            ));
        } else if !d.vulnerabilities.is_empty() {
            let critical: Vec<&str> = d
                .vulnerabilities
                .iter()
                .filter(|v| v.is_critical())
                .map(|v| v.id.as_str())
                .collect();
            let fix = match &d.upgrade_to {
                Some(v) => format!("fixed in {v}"),
                None => "no fixed version for every one of them".to_owned(),
            };
            let rule = if critical.is_empty() {
                &DEP002
            } else {
                &DEP003
            };
            let critical_note = if critical.is_empty() {
                String::new()
            } else {
                format!(" ({} critical: {})", critical.len(), critical.join(", "))
            };
            out.push(at(
                rule,
                format!(
                    "{label} ({origin}) in {}: {}{critical_note}, {fix}: {}",
                    place(d),
                    plural(d.vulnerabilities.len(), "advisory", "advisories"),
                    ids(false)
                ),
            ));
        }
        if d.version.is_none() && d.origin != DependencyOrigin::Bundled {
            out.push(at(
                &DEP004,
                format!(
                    "`{label}` ({origin} in {}) has no pinned version: which known \
                     vulnerabilities apply cannot be told (checked for malicious packages only)",
                    place(d)
                ),
            ));
        }
        if let AdvisoryCheck::NotChecked(reason) = &d.advisories {
            out.push(at(
                &DEP005,
                format!(
                    "{label} ({origin} in {}) was not checked against advisories: {reason}",
                    place(d)
                ),
            ));
        }
    }
    out
}

impl Check for DependenciesCheck {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "Dependencies"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn rule_holds_for_review(&self, rule: &str) -> bool {
        REVIEW_RULES.contains(&rule)
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        self.run_with_details(ctx).map(|output| output.findings)
    }

    fn run_with_details(&self, ctx: &CheckContext<'_>) -> Result<CheckOutput, CheckError> {
        let limits =
            DependenciesLimits::from_env().map_err(|e| CheckError::Failed(e.to_string()))?;
        let span = tracing::info_span!("dependencies");
        let _entered = span.enter();
        let mut dependencies = inventory::inventory(ctx.archive, &limits);
        evaluate(&mut dependencies, self.advisories.as_ref(), &limits);
        let mut findings = findings(&dependencies);
        findings.retain(|f| (ctx.rule_enabled)(&f.rule));
        let report = DependenciesReport {
            advisory_source: if dependencies.is_empty() {
                "not needed (no dependencies)".to_owned()
            } else {
                self.advisories.describe()
            },
            dependencies,
            plugin_dependencies: inventory::plugin_dependencies(ctx.package),
        };
        tracing::info!(
            dependencies = report.dependencies.len(),
            vulnerable = report.vulnerable().len(),
            not_checked = report.not_checked().count(),
            source = %report.advisory_source,
            "dependencies"
        );
        Ok(CheckOutput {
            findings,
            details: CheckDetails {
                dependencies: Some(Box::new(report)),
                ..CheckDetails::default()
            },
        })
    }
}
