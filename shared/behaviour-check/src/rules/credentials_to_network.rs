//! BHV001 Credentials sent over the network (block): a credential store read (the QGIS
//! authentication database, saved passwords, SSH keys, cloud or browser credentials) flows to a
//! network sink in the same file. The flow engine (`flow.rs`) finds the path; the flow across the
//! plugin's modules is in `modules.rs`.

use validator_domain::RuleInfo;

use super::{block, FileScope, Hit};
use crate::flow;

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

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let flow = flow::credential_flow(&scope.facts.flow, scope.path)?;
    // The hosts the file names, for the approver to see where the data goes.
    let hosts = scope.hosts_text("; hosts in the file:");
    Some(Hit::new(
        &BHV001,
        flow.line,
        format!("{}{hosts}", flow.message),
    ))
}
