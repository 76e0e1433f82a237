//! BHV111 Replaces a function of a library it does not own (review). An assignment to an
//! attribute of a module or class the plugin imported (not one it defined), when the API
//! catalogue knows that attribute as a source, sink or runner: every caller of the library
//! (QGIS, other plugins) now runs the plugin's replacement, which sees their requests,
//! headers and data (`requests.Session.request = wrapper`). Replacements that tap nothing
//! (`lambda ...: None`; a forwarder that hands its arguments on unchanged to the function it
//! replaced, filling in numeric defaults such as a timeout) are told apart in
//! `analyse/replacement.rs`.

use validator_domain::RuleInfo;

use super::{on_capability, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV111: RuleInfo = review(
    "BHV111",
    "Replaces a function of a library it does not own",
    "The plugin replaces a function of a library it imports (an HTTP client, a socket, a QGIS \
     network or auth API), so that every other user of that library in QGIS runs the plugin's \
     code. Wrap the library in the plugin's own function or subclass it instead; never patch \
     what other plugins and QGIS use. A replacement that only hands every argument on \
     unchanged to the saved original, adding a default timeout, is not counted.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    on_capability(scope, &BHV111, Cap::Monkeypatch)
}
