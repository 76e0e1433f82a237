//! The process-wide TLS defaults switched to "accept any certificate" (BHV114): Python's
//! default HTTPS context replaced (`ssl._create_default_https_context =
//! ssl._create_unverified_context`, what `urllib` and every library built on it use), or Qt's
//! default SSL configuration set to one that does not verify the peer
//! (`QSslConfiguration.setDefaultConfiguration(config)` after
//! `config.setPeerVerifyMode(QSslSocket.VerifyNone)`, what every `QNetworkRequest` of QGIS
//! and its plugins starts from), or GDAL's `GDAL_HTTP_UNSAFESSL` set on (`gdal.SetConfigOption`
//! or the environment: every request of GDAL's network drivers). Also what every connection
//! trusts, changed by the plugin: a certificate authority stored in QGIS's authentication
//! database or trust policies changed there, a CA added to Qt's defaults, or the CA bundle
//! variables of Python's and curl's clients (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, ...)
//! pointed at another bundle than certifi's. A configuration the plugin gives only to its own
//! request (`request.setSslConfiguration(config)`) is its own business.

use super::*;

/// The attribute of `ssl` that every HTTPS connection `urllib`, `http.client` and the
/// libraries built on them open takes its context from.
const PYTHON_DEFAULT_CONTEXT: &str = "ssl._create_default_https_context";

/// The only value that keeps Python's default: the verifying context factory itself.
const PYTHON_VERIFYING_FACTORY: &str = "ssl.create_default_context";

/// GDAL's configuration option (an environment variable too) that makes every request of its
/// network drivers (`/vsicurl/`, WMS, WFS, COG) in the QGIS process accept any certificate.
const GDAL_UNSAFE_SSL: &str = "GDAL_HTTP_UNSAFESSL";

/// The variables Python's `ssl`, requests and curl (GDAL's network drivers too) take the
/// certificate authorities they trust from.
const CA_BUNDLE_VARIABLES: &[&str] = &[
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    "GDAL_CURL_CA_BUNDLE",
];

/// `QgsAuthManager` methods that make QGIS trust a certificate authority or change how much it
/// trusts certificates (stored in `qgis-auth.db`: for every connection, from then on).
const AUTH_TRUST_METHODS: &[&str] = &[
    "storeCertAuthority",
    "storeCertAuthorities",
    "storeCertTrustPolicy",
    "setDefaultCertTrustPolicy",
];

/// Qt calls that add certificate authorities to a configuration.
const QT_CA_METHODS: &[&str] = &["addCaCertificate", "addCaCertificates", "setCaCertificates"];

/// How a configuration was weakened (bits of [`Analyser::weakened_tls`]): extra certificate
/// authorities, peer verification off.
const EXTRA_CAS: u8 = 1;
const PEER_UNVERIFIED: u8 = 2;

/// Each weakening as evidence, in the order it is reported.
const WEAKENINGS: [(u8, &str); 2] = [
    (
        EXTRA_CAS,
        "certificate authorities added: every request of QGIS and its plugins trusts them",
    ),
    (
        PEER_UNVERIFIED,
        "peer verification off: every request of QGIS and its plugins accepts any certificate",
    ),
];

/// Peer verification modes that accept any certificate (`QSslSocket.PeerVerifyMode`).
const UNVERIFIED_MODES: &[&str] = &["VerifyNone", "QueryPeer"];

/// The values of those modes (`setPeerVerifyMode(0)`).
const UNVERIFIED_MODE_NUMBERS: &[&str] = &["0", "1"];

/// Whether a GDAL boolean option's value turns it on (GDAL's `CPLTestBool`: anything but the
/// spellings of "off").
fn gdal_true(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_uppercase().as_str(),
        "" | "NO" | "OFF" | "FALSE" | "0"
    )
}

impl<'m> Analyser<'m> {
    /// `ssl._create_default_https_context = value`: anything but the verifying factory makes
    /// every HTTPS connection of the QGIS process skip certificate checks.
    pub(super) fn note_python_tls_default(&mut self, target: &str, value: &Value, line: u32) {
        if target != PYTHON_DEFAULT_CONTEXT {
            return;
        }
        let verifying =
            matches!(value, Value::Ref { name, .. } if name == PYTHON_VERIFYING_FACTORY);
        if !verifying {
            self.add(
                Cap::TlsVerifyOff,
                line,
                format!(
                    "{target} replaced: every HTTPS connection Python opens in QGIS (other \
                     plugins' included) accepts any certificate"
                ),
            );
        }
    }

    /// `GDAL_HTTP_UNSAFESSL` set on (a GDAL option or an environment variable), `key` and
    /// `value` as written.
    pub(super) fn note_gdal_tls_option(
        &mut self,
        key: &Value,
        value: &Value,
        line: u32,
        how: &str,
    ) {
        let Some(key) = key.as_str() else {
            return;
        };
        // A CA bundle variable set to another bundle than certifi's (what requests ships and
        // uses anyway): every client of the process trusts what that bundle holds.
        let bundle = !key.partial
            && CA_BUNDLE_VARIABLES
                .iter()
                .any(|v| key.text.eq_ignore_ascii_case(v));
        if bundle {
            let certifi =
                matches!(value, Value::Ref { name, .. } if name.starts_with("certifi.where"));
            if !certifi {
                let (text, _, _) = value.text_or_star();
                self.add(
                    Cap::TlsVerifyOff,
                    line,
                    format!(
                        "{how}({:?}, {:?}): every HTTPS client of QGIS's Python (other plugins' \
                         included) trusts the certificate authorities it names",
                        key.text,
                        clip(&text)
                    ),
                );
            }
            return;
        }
        let Some(value) = value.as_str() else {
            return;
        };
        if key.partial || value.partial || !key.text.eq_ignore_ascii_case(GDAL_UNSAFE_SSL) {
            return;
        }
        if gdal_true(&value.text) {
            self.add(
                Cap::TlsVerifyOff,
                line,
                format!(
                    "{how}({GDAL_UNSAFE_SSL:?}, {:?}): every request GDAL's network drivers make \
                     in QGIS (layers of other plugins and of the user included) accepts any \
                     certificate",
                    value.text
                ),
            );
        }
    }

    /// A call that may change a TLS default: `setattr(ssl, "_create_default_https_context",
    /// value)`, or Qt's SSL configuration API (a configuration told not to verify its peer is
    /// remembered by variable; made Qt's default, it is the default of every request).
    pub(super) fn note_tls_call(
        &mut self,
        call: &'m ast::ExprCall,
        name: &str,
        args: &[Value],
        line: u32,
    ) {
        let tail = caps::tail(name);
        let sets_option = (tail == "SetConfigOption" && name.contains("gdal"))
            || matches!(name, "os.putenv" | "os.environ.setdefault");
        if sets_option {
            if let [key, value, ..] = args {
                self.note_gdal_tls_option(key, value, line, &caps::plain(name));
            }
            return;
        }
        if tail == "setattr" {
            // `setattr(module, "name", value)` is `module.name = value` (a TLS default, a
            // library's function replaced).
            if let [module @ Value::Ref { .. }, attribute, value, ..] = args {
                if let Some(attribute) = attribute.as_str().filter(|a| !a.partial) {
                    let saved =
                        std::mem::replace(&mut self.replacement, call.arguments.args.get(2));
                    self.note_monkeypatch(module, &attribute.text, line, value);
                    self.replacement = saved;
                }
            }
            return;
        }
        if AUTH_TRUST_METHODS.contains(&tail) && name.contains("uthManager") {
            self.add(
                Cap::TlsVerifyOff,
                line,
                format!(
                    "{}: changes which certificates QGIS trusts, in its authentication \
                     database, for every connection",
                    caps::plain(name)
                ),
            );
            return;
        }
        let qt_default = matches!(
            tail,
            "addDefaultCaCertificate" | "addDefaultCaCertificates" | "setDefaultCaCertificates"
        );
        if qt_default && name.contains("QSslSocket") {
            self.add(
                Cap::TlsVerifyOff,
                line,
                format!(
                    "{}: a certificate authority every Qt connection of QGIS trusts",
                    caps::plain(name)
                ),
            );
            return;
        }
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return;
        };
        if QT_CA_METHODS.contains(&attr.attr.as_str()) {
            self.note_weakened_tls(attr, EXTRA_CAS);
            return;
        }
        match attr.attr.as_str() {
            "setPeerVerifyMode" => {
                let unverified = call.arguments.args.first().is_some_and(|mode| {
                    let text = self.text(mode.range());
                    UNVERIFIED_MODES.iter().any(|m| text.ends_with(m))
                        || UNVERIFIED_MODE_NUMBERS.contains(&text.trim())
                });
                if unverified {
                    self.note_weakened_tls(attr, PEER_UNVERIFIED);
                }
            }
            "setDefaultConfiguration"
                if name.ends_with("QSslConfiguration.setDefaultConfiguration") =>
            {
                let Some(Expr::Name(config)) = call.arguments.args.first() else {
                    return;
                };
                let key = local_key(config.id.as_str(), self.current);
                let weakened = self.weakened_tls.get(&key).copied().unwrap_or_default();
                // In a fixed order: the evidence does not depend on the order of the calls.
                for (bit, how) in WEAKENINGS {
                    if weakened & bit != 0 {
                        self.add(
                            Cap::TlsVerifyOff,
                            line,
                            format!("{name}({}) with {how}", config.id),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// `config.<method>(...)` weakened the configuration held by the variable `config` (made
    /// Qt's default later, it is every request's).
    fn note_weakened_tls(&mut self, attr: &'m ast::ExprAttribute, how: u8) {
        if let Expr::Name(config) = attr.value.as_ref() {
            let key = local_key(config.id.as_str(), self.current);
            *self.weakened_tls.entry(key).or_default() |= how;
        }
    }
}
