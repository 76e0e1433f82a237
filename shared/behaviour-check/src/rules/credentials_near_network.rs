//! BHV107 Credentials read in code that uses the network (review): the co-occurrence half of
//! BHV001. The file (or a module linked to it by an import) reads a credential store and makes
//! network calls, but no flow from the one to the other was found: a plugin exporting its own
//! project layers' authentication configurations into the project folder, or reading the
//! auth database to check that it exists, looks the same. An approver decides; only a flow
//! (BHV001) blocks. Also held: the data sources of every layer of the project or every saved
//! connection flowing to the network (passwords included for database and web layers; a
//! plugin publishing its project to the user's server sends them too).

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::{Cap, Evidence};

pub const BHV107: RuleInfo = review(
    "BHV107",
    "Reads credentials in code that uses the network",
    "The plugin reads a credential store (the QGIS authentication database, passwords saved by \
     QGIS, SSH keys, cloud or browser credentials) in a file that also makes network calls; no \
     flow from the credentials to the network was found, so the version is held for a human \
     review rather than blocked. A plugin that needs a login lets the user pick an \
     authentication configuration and passes its id to QgsNetworkAccessManager \
     (QgsAuthManager.updateNetworkRequest); one that exports its own layers' configurations \
     keeps them in the user's project and says so in its description. Also held: the data \
     sources of every layer of the project or every saved connection sent over the network \
     (they hold the passwords of database and web layers); send `publicSource()` instead, or \
     let the user choose what is published and where.",
);

/// The finding when both capabilities are present without a flow between them.
pub(super) fn hit(
    source_path: &str,
    credential: &Evidence,
    sink_path: &str,
    network: &Evidence,
    hosts: &str,
) -> Hit {
    Hit {
        without_evidence: None,
        rule: &BHV107,
        line: network.line,
        message: format!(
            "reads credentials ({}) and uses the network{hosts} ({}); no flow between them was found",
            at(source_path, credential),
            at(sink_path, network)
        ),
    }
}

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    if let (Some(credential), Some(network)) = (
        scope.file.get(Cap::Credential),
        scope.file.get(Cap::Network),
    ) {
        return Some(hit(
            scope.path,
            credential,
            scope.path,
            network,
            &scope.hosts_text("to"),
        ));
    }
    // Every layer's (or saved connection's) data source flowing to the network.
    let flow = crate::flow::connection_flow(&scope.facts.flow, scope.path)?;
    Some(Hit {
        rule: &BHV107,
        line: flow.line,
        message: format!(
            "{}{}",
            flow.message,
            scope.hosts_text("; hosts in the file:")
        ),
        without_evidence: None,
    })
}
