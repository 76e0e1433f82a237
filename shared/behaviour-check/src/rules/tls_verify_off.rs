//! BHV114 Switches off or weakens certificate checks for every connection (review). The
//! evidence is the write itself: Python's default HTTPS context or Qt's default SSL
//! configuration replaced by one that accepts any certificate, or GDAL's `GDAL_HTTP_UNSAFESSL`
//! set on; or what every connection trusts changed (a certificate authority stored in QGIS's
//! authentication database or added to Qt's defaults, a CA bundle variable pointed at another
//! bundle than certifi's). From then on every
//! HTTPS request of QGIS and of every plugin (logins, tokens, downloads of code) can be read and
//! altered by anyone on the path. Real plugins do it to work around a server's broken
//! certificate, so it is held for a reviewer, not blocked.

use validator_domain::RuleInfo;

use super::{on_capability, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV114: RuleInfo = review(
    "BHV114",
    "Switches off or weakens certificate checks for every connection",
    "The plugin replaces Python's default HTTPS context or Qt's default SSL configuration with \
     one that accepts any certificate, sets GDAL's GDAL_HTTP_UNSAFESSL on, or changes which \
     certificate authorities every connection trusts (QGIS's certificate store, Qt's default \
     CAs, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and the like), so every HTTPS connection QGIS and \
     its other plugins make can be intercepted. Keep the defaults: pass a context or an SSL configuration to \
     the plugin's own request only (`urlopen(url, context=...)`, \
     `request.setSslConfiguration(...)`), or add the server's certificate authority to QGIS's \
     authentication manager (Settings > Options > Authentication > Certificate Manager).",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    on_capability(scope, &BHV114, Cap::TlsVerifyOff)
}
