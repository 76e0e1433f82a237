//! BHV102 Updates itself from outside the plugin repository (review): the file downloads and
//! writes over the plugin's own folder, and the hosts it names are not all the official plugin
//! repository. Graded after the whole plugin is read ([`grade_by_declared_hosts`]): downloads
//! only from the plugin's declared home (metadata.txt) or PyPI are reported, not held.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::{self, Cap};

pub const BHV102: RuleInfo = review(
    "BHV102",
    "Updates itself from outside the plugin repository",
    "The plugin downloads an archive or code and writes it over its own folder. Updates go \
     through plugins.qgis.org so that every version is validated; remove the self-updater or \
     point it at the official repository. Downloading helper files from the plugin's own \
     declared home (the homepage or repository of metadata.txt, not shared hosting) or PyPI is \
     only reported; from any other host it is held for a review.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let (own, net) = (
        scope.file.get(Cap::OwnDirWrite)?,
        scope.file.get(Cap::Network)?,
    );
    let hosts = &scope.facts.hosts;
    let official = !hosts.is_empty() && hosts.iter().all(|(h, _)| caps::is_plugin_repository(h));
    if official {
        return None;
    }
    let hit = Hit::new(
        &BHV102,
        own.line,
        format!(
            "downloads{} ({}) and writes over its own folder ({})",
            scope.hosts_text("from"),
            at(scope.path, net),
            at(scope.path, own)
        ),
    );
    // Every write is an archive extracted into a named subfolder: data, if the zip ships no
    // code there and nothing imports from it ([`grade_by_data_folders`] checks, and drops the
    // mark otherwise).
    let writes = &scope.facts.own_writes;
    let data_folders = !writes.is_empty() && writes.iter().all(|(_, sub)| sub.is_some());
    Some(if data_folders {
        hit.reported_because(DATA_FOLDER)
    } else {
        hit
    })
}

const DATA_FOLDER: &str = "extracts downloads only into subfolders of its own folder that hold no \
     code in the zip and that no module of the plugin imports from (data, not an update of its \
     code)";

/// Keeps BHV102's report-only mark for data folders only when every subfolder the file
/// extracts into holds no Python or native code in the zip and no module of the plugin imports
/// a module through it; otherwise the update is held (or graded by its hosts).
pub fn grade_by_data_folders(
    findings: &mut [validator_domain::Finding],
    summaries: &[super::ModuleSummary],
    names: &[&str],
    imported: &dyn Fn(&str) -> bool,
) {
    for finding in findings.iter_mut().filter(|f| f.rule == BHV102.id) {
        let marked = finding
            .without_evidence
            .as_ref()
            .is_some_and(|w| w.reason == DATA_FOLDER);
        if !marked {
            continue;
        }
        let Some(summary) = summaries.iter().find(|s| s.path == finding.path) else {
            finding.without_evidence = None;
            continue;
        };
        let top = finding.path.split('/').next().unwrap_or("");
        let data = summary.data_folders.iter().all(|sub| {
            let prefix = format!("{top}/{sub}/");
            let code = names.iter().any(|n| {
                n.starts_with(&prefix)
                    && [".py", ".pyc", ".pyd", ".so", ".pth"]
                        .iter()
                        .any(|e| n.to_ascii_lowercase().ends_with(e))
            });
            !code && !imported(&format!("{top}/{sub}"))
        });
        if !data {
            finding.without_evidence = None;
        } else if let Some(w) = finding.without_evidence.as_mut() {
            w.reason = format!("{DATA_FOLDER}: {}", summary.data_folders.join(", "));
        }
    }
}

/// Hosts anyone can publish on: naming one in `homepage` or `repository` says nothing about
/// who serves a download from it.
const SHARED_SITES: &[&str] = &[
    "github.com",
    "github.io",
    "githubusercontent.com",
    "gitlab.com",
    "gitlab.io",
    "bitbucket.org",
    "codeberg.org",
    "sourceforge.net",
    "amazonaws.com",
    "cloudfront.net",
    "googleapis.com",
    "google.com",
    "windows.net",
    "dropbox.com",
    "herokuapp.com",
    "netlify.app",
    "pages.dev",
    "readthedocs.io",
];

/// The metadata fields that name the plugin's home (BHV102's hosts, BHV101's code-host account).
pub(super) const DECLARED_FIELDS: &[&str] = &["homepage", "repository", "tracker"];

/// The registrable part of a host (`downloads.tuflow.com` → `tuflow.com`,
/// `www.lutraconsulting.co.uk` → `lutraconsulting.co.uk`), without a public-suffix list: a
/// short second-level label (`co.uk`, `com.au`) or `example` (RFC 2606) counts as part of the
/// suffix.
fn site(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let mut suffix = 1;
    if labels.len() >= 3 {
        let second = labels[labels.len() - 2];
        if second.len() <= 3 || second == "example" {
            suffix = 2;
        }
    }
    let keep = (suffix + 1).min(labels.len());
    labels[labels.len() - keep..].join(".")
}

/// BHV102 graded by where the file downloads from: when every host it names is the plugin's
/// own declared home (`homepage`, `repository`, `tracker` of metadata.txt, on a site that is
/// not shared hosting) or PyPI, the update comes from the plugin's authors and is reported
/// only; anything else stays held. Running what was downloaded is BHV002 (block) or BHV108.
pub fn grade_by_declared_hosts(
    findings: &mut [validator_domain::Finding],
    summaries: &[super::ModuleSummary],
    metadata: Option<&validator_domain::PluginMetadata>,
) {
    let declared: Vec<String> = DECLARED_FIELDS
        .iter()
        .filter_map(|field| metadata?.get(field))
        .filter_map(caps::url_host)
        .map(|host| site(&host))
        .filter(|site| !SHARED_SITES.contains(&site.as_str()))
        .collect();
    // A typed password sent to the plugin's declared home (a service's own plugin logging in
    // to the service its homepage names): held for a reviewer to confirm, not blocked.
    for finding in findings
        .iter_mut()
        .filter(|f| f.rule == super::BHV010.id && f.without_evidence.is_none())
    {
        let host = sent_to_host(&finding.message);
        if host.is_some_and(|h| declared.contains(&site(h))) {
            finding.without_evidence = Some(validator_domain::WithoutEvidence::review(
                "the host is the plugin's declared home (metadata.txt's homepage, repository or \
                 tracker): a reviewer confirms that the plugin logs in to its own service",
            ));
        }
    }
    for finding in findings.iter_mut().filter(|f| f.rule == BHV102.id) {
        let Some(summary) = summaries.iter().find(|s| s.path == finding.path) else {
            continue;
        };
        let own = |host: &String| {
            crate::pip::PYPI_HOSTS.contains(&host.as_str()) || declared.contains(&site(host))
        };
        if !summary.host_names.is_empty() && summary.host_names.iter().all(own) {
            finding.without_evidence = Some(validator_domain::WithoutEvidence::report(
                "every host the file downloads from is the plugin's declared home (metadata.txt) \
                 or PyPI",
            ));
        }
    }
}

/// The host a flow's message says the data goes to (`... (to www.example.org)`).
fn sent_to_host(message: &str) -> Option<&str> {
    let start = message.rfind("(to ")? + "(to ".len();
    let end = message[start..].find(')')? + start;
    let host = &message[start..end];
    (!host.is_empty() && !host.contains(' ')).then_some(host)
}
