//! BHV101 Installs packages at run time (review), graded by where the packages come from
//! (`pip.rs`). Held for review: a package from another index than PyPI, a URL or
//! version-control link, an archive outside the plugin, or a name read from the network or
//! decoded at run time. Reported only (evidence-aware policy): packages from PyPI by the names
//! the plugin spells, the ordinary dependency installer, whose names the dependencies check
//! checks against malicious packages and advisories.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV101: RuleInfo = review(
    "BHV101",
    "Installs packages at run time",
    "The plugin runs pip at run time, which installs code that was not reviewed with the \
     plugin. Installing named packages from PyPI (a dependency installer that asks the user, \
     with the names documented in `plugin_dependencies` of metadata.txt) is only reported; a \
     package from another index, a URL, a version-control link, an archive outside the plugin \
     or a name read from the network is held for review. Install from PyPI by name and pin the \
     version, or bundle pure-Python dependencies in the plugin.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    if let Some(e) = scope.file.get(Cap::PackageInstallUnvetted) {
        return Some(Hit::new(
            &BHV101,
            e.line,
            format!(
                "installs packages from outside PyPI or chosen at run time ({})",
                at(scope.path, e)
            ),
        ));
    }
    let e = scope.file.get(Cap::PackageInstall)?;
    Some(
        Hit::new(
            &BHV101,
            e.line,
            format!("installs packages at run time ({})", at(scope.path, e)),
        )
        .reported_because(
            "packages from PyPI by the names the plugin spells; the dependencies check checks \
             those names",
        ),
    )
}

/// Code hosts whose project URLs start with the account that owns the project
/// (`github.com/<owner>/<repo>`).
const CODE_HOSTS: &[&str] = &["github.com", "gitlab.com", "codeberg.org"];

/// The code host and owning account of a project URL, lowercased.
fn code_owner(url: &str) -> Option<(String, String)> {
    let host = crate::caps::url_host(url)?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    if !CODE_HOSTS.contains(&host.as_str()) {
        return None;
    }
    let owner = url_path(url).first()?.to_ascii_lowercase();
    (!owner.is_empty()).then_some((host, owner))
}

/// The path segments of a URL, without its query or fragment.
fn url_path(url: &str) -> Vec<&str> {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after.split_once('/').map_or("", |(_, path)| path);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/').collect()
}

/// Whether a URL is a file of a tagged release (`<owner>/<repo>/releases/download/<tag>/<file>`
/// on GitHub, Codeberg and other Gitea forges; `<owner>/<repo>/-/releases/<tag>/downloads/<file>`
/// on GitLab): a published version, not a branch's moving head or a raw file.
fn release_asset(url: &str) -> bool {
    let path = url_path(url);
    let file = |at: usize| {
        path.get(at..)
            .is_some_and(|rest| rest.iter().any(|s| !s.is_empty()))
    };
    match path.as_slice() {
        [_, _, "releases", "download", tag, ..] => !tag.is_empty() && file(5),
        [_, _, "-", "releases", tag, "downloads", ..] => !tag.is_empty() && file(6),
        _ => false,
    }
}

/// BHV101 reported instead of held when every package a file installs from outside PyPI is a
/// file of a tagged release published by the account that owns the plugin's declared
/// repository (metadata.txt's `repository`, `homepage` or `tracker` on the same code host): the
/// author's own package, published like a PyPI release. Another account, a branch or a raw
/// file, another index or a name read at run time stay held.
pub fn grade_by_declared_repository(
    findings: &mut [validator_domain::Finding],
    summaries: &[super::ModuleSummary],
    metadata: Option<&validator_domain::PluginMetadata>,
) {
    let declared: Vec<(String, String)> = super::self_update::DECLARED_FIELDS
        .iter()
        .filter_map(|field| metadata?.get(field))
        .filter_map(code_owner)
        .collect();
    if declared.is_empty() {
        return;
    }
    for finding in findings
        .iter_mut()
        .filter(|f| f.rule == BHV101.id && f.without_evidence.is_none())
    {
        let Some(summary) = summaries.iter().find(|s| s.path == finding.path) else {
            continue;
        };
        let own = |source: &Option<String>| {
            source.as_deref().is_some_and(|url| {
                release_asset(url) && code_owner(url).is_some_and(|o| declared.contains(&o))
            })
        };
        if !summary.unvetted_installs.is_empty() && summary.unvetted_installs.iter().all(own) {
            finding.without_evidence = Some(validator_domain::WithoutEvidence::report(
                "every package it installs from outside PyPI is a file of a tagged release of \
                 the account that owns the plugin's declared repository (metadata.txt)",
            ));
        }
    }
}
