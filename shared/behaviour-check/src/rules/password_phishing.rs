//! BHV010 Sends a password typed into its dialog to a host it names (block): credential
//! phishing. A password the user types into the plugin's own dialog (a field in password mode
//! or named for a password, `QInputDialog.getText` in password mode, `getpass`) flows to a
//! network call whose host the code spells. A login to the server the user configured (a URL
//! from the settings, the dialog or an authentication configuration) has no constant host and
//! does not fire; storing or checking the password locally does not either.

use validator_domain::RuleInfo;

use super::{block, FileScope, Hit};
use crate::flow;

pub const BHV010: RuleInfo = block(
    "BHV010",
    "Sends a typed password to a host it names",
    "The plugin asks the user for a password in its own dialog and sends it to a host written \
     in its code, which is how credential phishing imitates a QGIS login. Let the user choose \
     the server (a URL in the plugin's settings or the dialog) or an authentication \
     configuration (QgsAuthConfigSelect, QgsAuthManager.updateNetworkRequest), and send the \
     password only there.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let flow = flow::typed_password_flow(&scope.facts.flow, scope.path)?;
    Some(Hit::new(&BHV010, flow.line, flow.message))
}
