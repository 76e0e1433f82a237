//! Every rule of the security check: Bandit 1.9.4's test ids with Bandit's names and severities,
//! plus SEC000 for files that cannot be analysed. Remediation texts are our own.
//!
//! The default level and mandatory flag here only matter for rules the website's policy does not
//! list; the shipped policy (generated from the website's data) rates the others.

use validator_domain::{Level, RuleInfo, Severity};

const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    remediation: &'static str,
) -> RuleInfo {
    let (level, mandatory) = match severity {
        Severity::High => (Level::Critical, true),
        Severity::Medium => (Level::Warning, false),
        Severity::Low => (Level::Info, false),
    };
    RuleInfo {
        id,
        title,
        severity,
        level,
        mandatory,
        remediation,
    }
}

use Severity::{High, Low, Medium};

/// A Python file that could not be analysed (syntax error, Python 2, undecodable, too large or
/// too deeply nested): reported so that reviewers see it, mandatory so that it cannot be skipped,
/// but a warning, so that it does not block by itself.
pub const SEC000: RuleInfo = RuleInfo {
    id: "SEC000",
    title: "python_file_not_analysed",
    severity: Medium,
    level: Level::Warning,
    mandatory: true,
    remediation: "The security analysis could not read this Python file, so none of its code was \
        checked. QGIS 3 runs Python 3: port Python 2 code (print statements, `except E, e:`), fix \
        syntax errors, save the file as UTF-8 (or declare its encoding on the first line, \
        `# -*- coding: latin-1 -*-`), and split generated or minified files that are huge or \
        nested very deeply. Example: `print \"done\"` becomes `print(\"done\")`.",
};

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

pub const RULES: &[RuleInfo] = &[
    SEC000,
    rule("B101", "assert_used", Low, "`assert` statements are removed when Python runs with optimisation (`-O`), so a check written as an assert silently disappears. Raise an exception for real checks. Example: `if not layer.isValid(): raise ValueError(\"invalid layer\")` instead of `assert layer.isValid()`."),
    rule("B102", "exec_used", Medium, "`exec` runs any Python text it is given; if any part comes from a file, the network or the user, it runs their code. Call the code directly or dispatch through a dictionary of functions. Example: `handlers[name]()` instead of `exec(name + \"()\")`."),
    rule("B103", "set_bad_file_permissions", High, "Making a file writable or executable by other users lets them change or run it. Give the owner the rights it needs and no more. Example: `os.chmod(path, 0o600)` instead of `os.chmod(path, 0o777)`."),
    rule("B104", "hardcoded_bind_all_interfaces", Medium, "Listening on 0.0.0.0 exposes the service to every network the machine is on. Bind to localhost unless remote access is intended. Example: `server.bind((\"127.0.0.1\", port))`."),
    rule("B105", "hardcoded_password_string", Low, PASSWORD_FIX),
    rule("B106", "hardcoded_password_funcarg", Low, PASSWORD_FIX),
    rule("B107", "hardcoded_password_default", Low, PASSWORD_FIX),
    rule("B108", "hardcoded_tmp_directory", Medium, "Fixed paths under /tmp can be pre-created or replaced by other users (symlink attacks), and do not exist on Windows. Use the `tempfile` module. Example: `with tempfile.TemporaryDirectory() as folder:` instead of `\"/tmp/myplugin\"`."),
    rule("B110", "try_except_pass", Low, "`except: pass` hides every error, including the ones that matter, and makes failures impossible to diagnose. Catch the specific exception and log it. Example: `except FileNotFoundError: QgsMessageLog.logMessage(...)`."),
    rule("B112", "try_except_continue", Low, "`except: continue` silently skips errors in a loop. Catch the specific exception and log what was skipped. Example: `except ValueError as error: log(error); continue`."),
    rule("B113", "request_without_timeout", Medium, "A request without a timeout can hang QGIS forever when a server does not answer. Always pass a timeout. Example: `requests.get(url, timeout=30)`."),
    rule("B201", "flask_debug_true", High, "Flask's debug mode exposes an interactive debugger that runs arbitrary code. Never enable it outside development. Example: `app.run(debug=False)`."),
    rule("B202", "tarfile_unsafe_members", High, "Extracting a tar archive without checking its members lets entries like `../../.bashrc` or links write outside the target folder. Use the data filter or validate members. Example: `tar.extractall(path, filter=\"data\")`."),
    rule("B301", "pickle", Medium, DESERIALIZE_FIX),
    rule("B302", "marshal", Medium, "`marshal` data can crash or exploit the interpreter and is not meant for untrusted input. Use a data-only format. Example: `json.loads(text)` instead of `marshal.loads(blob)`."),
    rule("B303", "md5", Medium, HASH_FIX),
    rule("B304", "ciphers", High, CIPHER_FIX),
    rule("B305", "cipher_modes", Medium, CIPHER_FIX),
    rule("B306", "mktemp_q", Medium, "`tempfile.mktemp` returns a name that another process can create first (race condition). Create the file atomically. Example: `fd, path = tempfile.mkstemp()` or `tempfile.NamedTemporaryFile()`."),
    rule("B307", "eval", Medium, "`eval` runs any expression it is given, so untrusted text becomes code. Parse literals with `ast.literal_eval` or use explicit parsing. Example: `ast.literal_eval(text)` instead of `eval(text)`."),
    rule("B308", "mark_safe", Medium, XSS_FIX),
    rule("B310", "urllib_urlopen", Medium, "`urlopen` also opens `file:` and custom schemes, so an attacker-supplied URL can read local files. Check the scheme first, or use QGIS's network access manager. Example: `if urlparse(url).scheme not in (\"http\", \"https\"): raise ValueError(url)`."),
    rule("B311", "random", Low, "The `random` module is predictable and must not produce tokens, passwords or keys. Use the `secrets` module for those. Example: `secrets.token_urlsafe(32)` instead of `random.choice(...)`."),
    rule("B312", "telnetlib", High, CLEARTEXT_FIX),
    rule("B313", "xml_bad_cElementTree", Medium, XML_FIX),
    rule("B314", "xml_bad_ElementTree", Medium, XML_FIX),
    rule("B315", "xml_bad_expatreader", Medium, XML_FIX),
    rule("B316", "xml_bad_expatbuilder", Medium, XML_FIX),
    rule("B317", "xml_bad_sax", Medium, XML_FIX),
    rule("B318", "xml_bad_minidom", Medium, XML_FIX),
    rule("B319", "xml_bad_pulldom", Medium, XML_FIX),
    rule("B321", "ftplib", High, CLEARTEXT_FIX),
    rule("B323", "unverified_context", Medium, "An unverified SSL context accepts any certificate, so anyone on the network can impersonate the server. Use the default, verifying context. Example: `ssl.create_default_context()`."),
    rule("B324", "hashlib", High, HASH_FIX),
    rule("B401", "import_telnetlib", High, CLEARTEXT_FIX),
    rule("B402", "import_ftplib", High, CLEARTEXT_FIX),
    rule("B403", "import_pickle", Low, DESERIALIZE_FIX),
    rule("B404", "import_subprocess", Low, "The subprocess module runs other programs; every call deserves a review of where its arguments come from. Use lists of arguments and no shell. Example: `subprocess.run([\"ogr2ogr\", out, src], check=True)`."),
    rule("B405", "import_xml_etree", Low, XML_IMPORT_FIX),
    rule("B406", "import_xml_sax", Low, XML_IMPORT_FIX),
    rule("B407", "import_xml_expat", Low, XML_IMPORT_FIX),
    rule("B408", "import_xml_minidom", Low, XML_IMPORT_FIX),
    rule("B409", "import_xml_pulldom", Low, XML_IMPORT_FIX),
    rule("B411", "import_xmlrpclib", High, "xmlrpc parses XML from the network with parsers open to XML attacks. Call `defusedxml.xmlrpc.monkey_patch()` before using it, or use a JSON API. Example: `import defusedxml.xmlrpc; defusedxml.xmlrpc.monkey_patch()`."),
    rule("B412", "import_httpoxy", High, "CGI handlers take the `Proxy` request header as the HTTP_PROXY setting (httpoxy), letting clients redirect outgoing requests. Do not serve requests through CGI. Example: serve through a WSGI server instead of `wsgiref.handlers.CGIHandler`."),
    rule("B413", "import_pycrypto", High, "PyCrypto is unmaintained and has known vulnerabilities. Use the `cryptography` package (or PyCryptodome). Example: `from cryptography.fernet import Fernet`."),
    rule("B415", "import_pyghmi", High, "IPMI sends credentials and commands with weak or no encryption. Use an encrypted management protocol. Example: Redfish over HTTPS instead of `pyghmi`."),
    rule("B501", "request_with_no_cert_validation", High, "`verify=False` accepts any certificate, so anyone on the network can read and change the traffic. Keep certificate validation on, pointing to a CA bundle if needed. Example: `requests.get(url, timeout=30)` or `verify=\"/path/to/ca.pem\"`."),
    rule("B502", "ssl_with_bad_version", High, SSL_FIX),
    rule("B503", "ssl_with_bad_defaults", Medium, SSL_FIX),
    rule("B504", "ssl_with_no_version", Low, SSL_FIX),
    rule("B505", "weak_cryptographic_key", High, "Short keys can be broken. Use at least 2048-bit RSA/DSA keys or curves of 224 bits or more. Example: `rsa.generate_private_key(public_exponent=65537, key_size=3072)`."),
    rule("B506", "yaml_load", Medium, "`yaml.load` with an unsafe loader can build arbitrary Python objects from the document. Use the safe loader. Example: `yaml.safe_load(text)`."),
    rule("B507", "ssh_no_host_key_verification", High, "Accepting unknown host keys lets anyone impersonate the server. Load known hosts and reject unknown keys. Example: `client.load_system_host_keys(); client.set_missing_host_key_policy(paramiko.RejectPolicy())`."),
    rule("B508", "snmp_insecure_version", Medium, "SNMP v1 and v2c send the community string in clear text. Use SNMPv3. Example: `UsmUserData(user, authKey, privKey, authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)`."),
    rule("B509", "snmp_weak_cryptography", Medium, "SNMPv3 without both authentication and privacy keys sends data unprotected. Give both keys and strong protocols. Example: `UsmUserData(user, authKey, privKey, ...)`."),
    rule("B601", "paramiko_calls", Medium, SHELL_FIX),
    rule("B602", "subprocess_popen_with_shell_equals_true", High, SHELL_FIX),
    rule("B603", "subprocess_without_shell_equals_true", Low, "Running another program is fine when its arguments cannot be influenced by an attacker. Check where each argument comes from and use absolute program paths. Example: `subprocess.run([sys.executable, script], check=True)`."),
    rule("B604", "any_other_function_with_shell_equals_true", Medium, SHELL_FIX),
    rule("B605", "start_process_with_a_shell", High, SHELL_FIX),
    rule("B606", "start_process_with_no_shell", Low, "Starting a process is fine when its arguments cannot be influenced by an attacker. Check where each argument comes from. Example: `os.execv(\"/usr/bin/gdalinfo\", [\"gdalinfo\", path])` with a checked `path`."),
    rule("B607", "start_process_with_partial_path", Low, "A program given without its full path is looked up in PATH, which another program can shadow. Resolve it explicitly. Example: `subprocess.run([shutil.which(\"gdalinfo\"), path])` after checking the result."),
    rule("B608", "hardcoded_sql_expressions", Medium, SQL_FIX),
    rule("B609", "linux_commands_wildcard_injection", High, "Shell wildcards expand to file names, and a file named like an option (`--checkpoint-action=...`) changes what the command does. Pass explicit file lists without a shell. Example: `subprocess.run([\"tar\", \"-cf\", out, \"--\", *files])`."),
    rule("B610", "django_extra_used", Medium, SQL_FIX),
    rule("B611", "django_rawsql_used", Medium, SQL_FIX),
    rule("B612", "logging_config_insecure_listen", Medium, "`logging.config.listen` accepts configurations from the network, and a configuration can run code. Pass a `verify` function that authenticates them, or do not listen. Example: `logging.config.listen(port, verify=check_signature)`."),
    rule("B613", "trojansource", High, "Bidirectional control characters make code display differently from how it runs (Trojan Source). Remove them, or write them as escapes in strings. Example: `\"\\u202e\"` instead of the raw character."),
    rule("B614", "pytorch_load", Medium, "`torch.load` unpickles the file and can run code from it. Load weights only. Example: `torch.load(path, weights_only=True)`."),
    rule("B615", "huggingface_unsafe_download", Medium, "Downloading a model or dataset without pinning a revision runs whatever the repository holds tomorrow. Pin an immutable commit. Example: `from_pretrained(name, revision=\"5d0f2e8a7f1b...\")`."),
    rule("B701", "jinja2_autoescape_false", High, XSS_FIX),
    rule("B702", "use_of_mako_templates", Medium, XSS_FIX),
    rule("B703", "django_mark_safe", Medium, XSS_FIX),
    rule("B704", "markupsafe_markup_xss", Medium, XSS_FIX),
];

/// The rule with this id.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|rule| rule.id == id)
}
