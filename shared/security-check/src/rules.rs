//! Every rule of the security check, in one table: Bandit 1.9.4's test ids with Bandit's test
//! names and severities, plus SEC000 for files that cannot be analysed. Detection code emits a
//! [`Rule`]; its id, title, default level, remediation and `# nosec` name all come from here, and
//! the catalogue (`Check::rules`, docs/rules.md, the policy defaults) is [`RULES`]. Remediation
//! texts are our own.
//!
//! The default level and mandatory flag here only matter for rules the website's policy does not
//! list; the shipped policy (generated from the website's data) rates the others.

use validator_domain::{Level, RuleInfo, Severity};

/// One line of the table: the rule, and the name Bandit's `# nosec` comments may give it.
struct Entry {
    info: RuleInfo,
    /// Bandit's plugin or blacklist name; `None` for our own rules, unknown to `# nosec`.
    nosec_name: Option<&'static str>,
}

/// A Bandit test whose `# nosec` name is its test name; the default level follows Bandit's
/// severity.
const fn bandit(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    remediation: &'static str,
) -> Entry {
    bandit_plugin(id, title, title, severity, remediation)
}

/// A Bandit test registered under another plugin name than its test name (`# nosec` uses the
/// plugin name: `hashlib_insecure_functions` for the test `hashlib`).
const fn bandit_plugin(
    id: &'static str,
    title: &'static str,
    plugin: &'static str,
    severity: Severity,
    remediation: &'static str,
) -> Entry {
    let (level, mandatory) = match severity {
        Severity::High => (Level::Critical, true),
        Severity::Medium => (Level::Warning, false),
        Severity::Low => (Level::Info, false),
    };
    Entry {
        nosec_name: Some(plugin),
        ..own(id, title, severity, level, mandatory, remediation)
    }
}

/// A rule of ours, not Bandit's.
const fn own(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    level: Level,
    mandatory: bool,
    remediation: &'static str,
) -> Entry {
    Entry {
        info: RuleInfo {
            id,
            title,
            severity,
            level,
            mandatory,
            remediation,
        },
        nosec_name: None,
    }
}

/// Declares [`Rule`] (one variant per line, named by its id) and the table in the same order.
macro_rules! catalogue {
    ($($(#[$doc:meta])* $rule:ident = $make:ident($($arg:expr),+ $(,)?);)+) => {
        /// A rule of the security check, named by its id (Bandit's test id).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $($(#[$doc])* $rule,)+
        }

        impl Rule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$rule,)+];
        }

        /// The table, in `Rule` order (a rule's discriminant is its index).
        const ENTRIES: &[Entry] = &[$($make(stringify!($rule), $($arg),+),)+];
    };
}

use Severity::{High, Low, Medium};

const XML_FIX: &str = "Parsing untrusted XML with the standard library's parsers exposes the \
    plugin to entity-expansion (billion laughs) and external-entity attacks. Use the `defusedxml` \
    equivalents, or call `defusedxml.defuse_stdlib()` first, and only parse XML you trust. \
    Example: `from defusedxml.ElementTree import parse` instead of \
    `from xml.etree.ElementTree import parse`.";

const XML_IMPORT_FIX: &str = "This module's XML parsers are open to entity-expansion and \
    external-entity attacks when they read untrusted data. Import the `defusedxml` equivalent \
    instead, or make sure the XML comes from a trusted source. Example: \
    `import defusedxml.minidom as minidom`.";

const DESERIALIZE_FIX: &str = "Deserializing data with pickle-like modules can run arbitrary \
    code chosen by whoever wrote the data. Only load data your plugin wrote itself to a location \
    users cannot tamper with, or use a data-only format. Example: `json.loads(text)` instead of \
    `pickle.loads(blob)`.";

const SHELL_FIX: &str = "A command run through the shell lets any shell metacharacter in its \
    arguments run other commands. Pass the program and its arguments as a list without \
    `shell=True`, and never build commands from user input. Example: \
    `subprocess.run([\"gdalinfo\", path], check=True)` instead of \
    `os.system(\"gdalinfo \" + path)`.";

const CLEARTEXT_FIX: &str = "This protocol sends credentials and data unencrypted. Use an \
    encrypted alternative. Example: `paramiko`/SFTP or `ftplib.FTP_TLS` instead of \
    `ftplib.FTP`, SSH instead of telnet.";

const HASH_FIX: &str = "MD2, MD4, MD5 and SHA1 are broken for security purposes (signatures, \
    passwords, integrity against attackers). Use SHA-256 or better, or mark non-security uses \
    explicitly. Example: `hashlib.sha256(data)`, or `hashlib.md5(data, usedforsecurity=False)` \
    for a cache key.";

const CIPHER_FIX: &str = "This cipher or mode is broken or deprecated. Use an authenticated \
    modern cipher. Example: `AESGCM(key).encrypt(nonce, data, None)` from \
    `cryptography.hazmat.primitives.ciphers.aead`.";

const SQL_FIX: &str = "Building SQL text from values lets crafted values change the query (SQL \
    injection). Pass values as query parameters. Example: \
    `cursor.execute(\"SELECT * FROM t WHERE id = ?\", (fid,))` instead of formatting `fid` into \
    the string.";

const PASSWORD_FIX: &str = "A password, token or secret written in the code is readable by \
    everyone who installs the plugin. Read it at run time from the QGIS authentication database \
    (`QgsApplication.authManager()`), settings or the environment. Example: \
    `token = os.environ[\"MY_SERVICE_TOKEN\"]`.";

const XSS_FIX: &str = "Rendering untrusted data as HTML without escaping allows cross-site \
    scripting. Escape values (`markupsafe.escape`, templates with autoescape) and only mark \
    constant strings as safe. Example: `Markup(\"<b>{}</b>\").format(name)`.";

const SSL_FIX: &str = "SSLv2, SSLv3, TLS 1.0 and 1.1 are broken. Let the library negotiate a \
    modern protocol. Example: `ssl.create_default_context()` and \
    `ctx.minimum_version = ssl.TLSVersion.TLSv1_2`.";

catalogue! {
    /// A Python file that could not be analysed (syntax error, Python 2, undecodable, too large
    /// or too deeply nested): reported so that reviewers see it, mandatory so that it cannot be
    /// skipped, but a warning, so that it does not block by itself.
    SEC000 = own(
        "python_file_not_analysed",
        Medium,
        Level::Warning,
        true,
        "The security analysis could not read this Python file, so none of its code was \
        checked. QGIS 3 runs Python 3: port Python 2 code (print statements, `except E, e:`), fix \
        syntax errors, save the file as UTF-8 (or declare its encoding on the first line, \
        `# -*- coding: latin-1 -*-`), and split generated or minified files that are huge or \
        nested very deeply. Example: `print \"done\"` becomes `print(\"done\")`.",
    );
    B101 = bandit("assert_used", Low, "`assert` statements are removed when Python runs with optimisation (`-O`), so a check written as an assert silently disappears. Raise an exception for real checks. Example: `if not layer.isValid(): raise ValueError(\"invalid layer\")` instead of `assert layer.isValid()`.");
    B102 = bandit("exec_used", Medium, "`exec` runs any Python text it is given; if any part comes from a file, the network or the user, it runs their code. Call the code directly or dispatch through a dictionary of functions. Example: `handlers[name]()` instead of `exec(name + \"()\")`.");
    B103 = bandit("set_bad_file_permissions", High, "Making a file writable or executable by other users lets them change or run it. Give the owner the rights it needs and no more. Example: `os.chmod(path, 0o600)` instead of `os.chmod(path, 0o777)`.");
    B104 = bandit("hardcoded_bind_all_interfaces", Medium, "Listening on 0.0.0.0 exposes the service to every network the machine is on. Bind to localhost unless remote access is intended. Example: `server.bind((\"127.0.0.1\", port))`.");
    B105 = bandit("hardcoded_password_string", Low, PASSWORD_FIX);
    B106 = bandit("hardcoded_password_funcarg", Low, PASSWORD_FIX);
    B107 = bandit("hardcoded_password_default", Low, PASSWORD_FIX);
    B108 = bandit("hardcoded_tmp_directory", Medium, "Fixed paths under /tmp can be pre-created or replaced by other users (symlink attacks), and do not exist on Windows. Use the `tempfile` module. Example: `with tempfile.TemporaryDirectory() as folder:` instead of `\"/tmp/myplugin\"`.");
    B110 = bandit("try_except_pass", Low, "`except: pass` hides every error, including the ones that matter, and makes failures impossible to diagnose. Catch the specific exception and log it. Example: `except FileNotFoundError: QgsMessageLog.logMessage(...)`.");
    B112 = bandit("try_except_continue", Low, "`except: continue` silently skips errors in a loop. Catch the specific exception and log what was skipped. Example: `except ValueError as error: log(error); continue`.");
    B113 = bandit("request_without_timeout", Medium, "A request without a timeout can hang QGIS forever when a server does not answer. Always pass a timeout. Example: `requests.get(url, timeout=30)`.");
    B201 = bandit("flask_debug_true", High, "Flask's debug mode exposes an interactive debugger that runs arbitrary code. Never enable it outside development. Example: `app.run(debug=False)`.");
    B202 = bandit("tarfile_unsafe_members", High, "Extracting a tar archive without checking its members lets entries like `../../.bashrc` or links write outside the target folder. Use the data filter or validate members. Example: `tar.extractall(path, filter=\"data\")`.");
    B301 = bandit("pickle", Medium, DESERIALIZE_FIX);
    B302 = bandit("marshal", Medium, "`marshal` data can crash or exploit the interpreter and is not meant for untrusted input. Use a data-only format. Example: `json.loads(text)` instead of `marshal.loads(blob)`.");
    B303 = bandit("md5", Medium, HASH_FIX);
    B304 = bandit("ciphers", High, CIPHER_FIX);
    B305 = bandit("cipher_modes", Medium, CIPHER_FIX);
    B306 = bandit("mktemp_q", Medium, "`tempfile.mktemp` returns a name that another process can create first (race condition). Create the file atomically. Example: `fd, path = tempfile.mkstemp()` or `tempfile.NamedTemporaryFile()`.");
    B307 = bandit("eval", Medium, "`eval` runs any expression it is given, so untrusted text becomes code. Parse literals with `ast.literal_eval` or use explicit parsing. Example: `ast.literal_eval(text)` instead of `eval(text)`.");
    B308 = bandit("mark_safe", Medium, XSS_FIX);
    B310 = bandit("urllib_urlopen", Medium, "`urlopen` also opens `file:` and custom schemes, so an attacker-supplied URL can read local files. Check the scheme first, or use QGIS's network access manager. Example: `if urlparse(url).scheme not in (\"http\", \"https\"): raise ValueError(url)`.");
    B311 = bandit("random", Low, "The `random` module is predictable and must not produce tokens, passwords or keys. Use the `secrets` module for those. Example: `secrets.token_urlsafe(32)` instead of `random.choice(...)`.");
    B312 = bandit("telnetlib", High, CLEARTEXT_FIX);
    B313 = bandit("xml_bad_cElementTree", Medium, XML_FIX);
    B314 = bandit("xml_bad_ElementTree", Medium, XML_FIX);
    B315 = bandit("xml_bad_expatreader", Medium, XML_FIX);
    B316 = bandit("xml_bad_expatbuilder", Medium, XML_FIX);
    B317 = bandit("xml_bad_sax", Medium, XML_FIX);
    B318 = bandit("xml_bad_minidom", Medium, XML_FIX);
    B319 = bandit("xml_bad_pulldom", Medium, XML_FIX);
    B321 = bandit("ftplib", High, CLEARTEXT_FIX);
    B323 = bandit("unverified_context", Medium, "An unverified SSL context accepts any certificate, so anyone on the network can impersonate the server. Use the default, verifying context. Example: `ssl.create_default_context()`.");
    B324 = bandit_plugin("hashlib", "hashlib_insecure_functions", High, HASH_FIX);
    B401 = bandit("import_telnetlib", High, CLEARTEXT_FIX);
    B402 = bandit("import_ftplib", High, CLEARTEXT_FIX);
    B403 = bandit("import_pickle", Low, DESERIALIZE_FIX);
    B404 = bandit("import_subprocess", Low, "The subprocess module runs other programs; every call deserves a review of where its arguments come from. Use lists of arguments and no shell. Example: `subprocess.run([\"ogr2ogr\", out, src], check=True)`.");
    B405 = bandit("import_xml_etree", Low, XML_IMPORT_FIX);
    B406 = bandit("import_xml_sax", Low, XML_IMPORT_FIX);
    B407 = bandit("import_xml_expat", Low, XML_IMPORT_FIX);
    B408 = bandit("import_xml_minidom", Low, XML_IMPORT_FIX);
    B409 = bandit("import_xml_pulldom", Low, XML_IMPORT_FIX);
    B411 = bandit("import_xmlrpclib", High, "xmlrpc parses XML from the network with parsers open to XML attacks. Call `defusedxml.xmlrpc.monkey_patch()` before using it, or use a JSON API. Example: `import defusedxml.xmlrpc; defusedxml.xmlrpc.monkey_patch()`.");
    B412 = bandit("import_httpoxy", High, "CGI handlers take the `Proxy` request header as the HTTP_PROXY setting (httpoxy), letting clients redirect outgoing requests. Do not serve requests through CGI. Example: serve through a WSGI server instead of `wsgiref.handlers.CGIHandler`.");
    B413 = bandit("import_pycrypto", High, "PyCrypto is unmaintained and has known vulnerabilities. Use the `cryptography` package (or PyCryptodome). Example: `from cryptography.fernet import Fernet`.");
    B415 = bandit("import_pyghmi", High, "IPMI sends credentials and commands with weak or no encryption. Use an encrypted management protocol. Example: Redfish over HTTPS instead of `pyghmi`.");
    B501 = bandit("request_with_no_cert_validation", High, "`verify=False` accepts any certificate, so anyone on the network can read and change the traffic. Keep certificate validation on, pointing to a CA bundle if needed. Example: `requests.get(url, timeout=30)` or `verify=\"/path/to/ca.pem\"`.");
    B502 = bandit("ssl_with_bad_version", High, SSL_FIX);
    B503 = bandit("ssl_with_bad_defaults", Medium, SSL_FIX);
    B504 = bandit("ssl_with_no_version", Low, SSL_FIX);
    B505 = bandit("weak_cryptographic_key", High, "Short keys can be broken. Use at least 2048-bit RSA/DSA keys or curves of 224 bits or more. Example: `rsa.generate_private_key(public_exponent=65537, key_size=3072)`.");
    B506 = bandit("yaml_load", Medium, "`yaml.load` with an unsafe loader can build arbitrary Python objects from the document. Use the safe loader. Example: `yaml.safe_load(text)`.");
    B507 = bandit("ssh_no_host_key_verification", High, "Accepting unknown host keys lets anyone impersonate the server. Load known hosts and reject unknown keys. Example: `client.load_system_host_keys(); client.set_missing_host_key_policy(paramiko.RejectPolicy())`.");
    B508 = bandit("snmp_insecure_version", Medium, "SNMP v1 and v2c send the community string in clear text. Use SNMPv3. Example: `UsmUserData(user, authKey, privKey, authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)`.");
    B509 = bandit("snmp_weak_cryptography", Medium, "SNMPv3 without both authentication and privacy keys sends data unprotected. Give both keys and strong protocols. Example: `UsmUserData(user, authKey, privKey, ...)`.");
    B601 = bandit("paramiko_calls", Medium, SHELL_FIX);
    B602 = bandit("subprocess_popen_with_shell_equals_true", High, SHELL_FIX);
    B603 = bandit("subprocess_without_shell_equals_true", Low, "Running another program is fine when its arguments cannot be influenced by an attacker. Check where each argument comes from and use absolute program paths. Example: `subprocess.run([sys.executable, script], check=True)`.");
    B604 = bandit("any_other_function_with_shell_equals_true", Medium, SHELL_FIX);
    B605 = bandit("start_process_with_a_shell", High, SHELL_FIX);
    B606 = bandit("start_process_with_no_shell", Low, "Starting a process is fine when its arguments cannot be influenced by an attacker. Check where each argument comes from. Example: `os.execv(\"/usr/bin/gdalinfo\", [\"gdalinfo\", path])` with a checked `path`.");
    B607 = bandit("start_process_with_partial_path", Low, "A program given without its full path is looked up in PATH, which another program can shadow. Resolve it explicitly. Example: `subprocess.run([shutil.which(\"gdalinfo\"), path])` after checking the result.");
    B608 = bandit("hardcoded_sql_expressions", Medium, SQL_FIX);
    B609 = bandit("linux_commands_wildcard_injection", High, "Shell wildcards expand to file names, and a file named like an option (`--checkpoint-action=...`) changes what the command does. Pass explicit file lists without a shell. Example: `subprocess.run([\"tar\", \"-cf\", out, \"--\", *files])`.");
    B610 = bandit("django_extra_used", Medium, SQL_FIX);
    B611 = bandit("django_rawsql_used", Medium, SQL_FIX);
    B612 = bandit("logging_config_insecure_listen", Medium, "`logging.config.listen` accepts configurations from the network, and a configuration can run code. Pass a `verify` function that authenticates them, or do not listen. Example: `logging.config.listen(port, verify=check_signature)`.");
    B613 = bandit("trojansource", High, "Bidirectional control characters make code display differently from how it runs (Trojan Source). Remove them, or write them as escapes in strings. Example: `\"\\u202e\"` instead of the raw character.");
    B614 = bandit("pytorch_load", Medium, "`torch.load` unpickles the file and can run code from it. Load weights only. Example: `torch.load(path, weights_only=True)`.");
    B615 = bandit("huggingface_unsafe_download", Medium, "Downloading a model or dataset without pinning a revision runs whatever the repository holds tomorrow. Pin an immutable commit. Example: `from_pretrained(name, revision=\"5d0f2e8a7f1b...\")`.");
    B701 = bandit("jinja2_autoescape_false", High, XSS_FIX);
    B702 = bandit("use_of_mako_templates", Medium, XSS_FIX);
    B703 = bandit("django_mark_safe", Medium, XSS_FIX);
    B704 = bandit("markupsafe_markup_xss", Medium, XSS_FIX);
}

/// The catalogue `Check::rules` returns, in `Rule` order.
pub static RULES: [RuleInfo; Rule::ALL.len()] = {
    let mut infos = [ENTRIES[0].info; Rule::ALL.len()];
    let mut at = 0;
    while at < infos.len() {
        infos[at] = ENTRIES[at].info;
        at += 1;
    }
    infos
};

impl Rule {
    /// Its catalogue entry.
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The name a `# nosec` comment may give it besides its id; `None` for rules Bandit does
    /// not know (SEC000), which `# nosec` cannot name at all.
    pub fn nosec_name(self) -> Option<&'static str> {
        ENTRIES[self as usize].nosec_name
    }

    /// The Bandit rule a `# nosec` word names, by id (`B602`) or by name
    /// (`subprocess_popen_with_shell_equals_true`, `pickle`); ids first, as Bandit looks them up.
    pub fn named_in_nosec(word: &str) -> Option<Rule> {
        let bandit = || {
            Rule::ALL
                .iter()
                .copied()
                .filter(|r| r.nosec_name().is_some())
        };
        bandit()
            .find(|rule| rule.id() == word)
            .or_else(|| bandit().find(|rule| rule.nosec_name() == Some(word)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn ids_and_nosec_names_are_unique_and_rules_index_their_entries() {
        let ids: BTreeSet<_> = RULES.iter().map(|rule| rule.id).collect();
        assert_eq!(ids.len(), RULES.len(), "an id is used twice");
        let names: Vec<_> = Rule::ALL.iter().filter_map(|r| r.nosec_name()).collect();
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a # nosec name is used twice");
        for (at, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule.info(), &RULES[at]);
            assert_eq!(
                format!("{rule:?}"),
                rule.id(),
                "a variant is named by its id"
            );
        }
    }

    #[test]
    fn nosec_words_name_bandit_rules_by_id_or_by_bandit_name() {
        assert_eq!(Rule::named_in_nosec(Rule::B602.id()), Some(Rule::B602));
        assert_eq!(
            Rule::named_in_nosec("subprocess_popen_with_shell_equals_true"),
            Some(Rule::B602)
        );
        assert_eq!(Rule::named_in_nosec("pickle"), Some(Rule::B301));
        // Bandit registers the `hashlib` test as the plugin `hashlib_insecure_functions`.
        assert_eq!(
            Rule::named_in_nosec("hashlib_insecure_functions"),
            Some(Rule::B324)
        );
        assert_eq!(Rule::named_in_nosec("hashlib"), None);
        // Our own rule is no Bandit test: `# nosec` cannot name it.
        assert_eq!(Rule::named_in_nosec(Rule::SEC000.id()), None);
        assert_eq!(Rule::named_in_nosec("python_file_not_analysed"), None);
    }
}
