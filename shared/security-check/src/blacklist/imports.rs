//! Blacklisted imports (`bandit/blacklists/imports.py`): B401-B415. They also apply to calls
//! that import (`__import__("telnetlib")`, `importlib.import_module("pickle")`).

use validator_python::ast::{StmtImport, StmtImportFrom};

use super::Entry;
use crate::context::Issue;
use crate::rules::Rule;

const XML_MSG: &str = "Using {name} to parse untrusted XML data is known to be vulnerable to XML \
    attacks. Replace {name} with the equivalent defusedxml package, or make sure \
    defusedxml.defuse_stdlib() is called.";

pub(crate) const IMPORTS: &[Entry] = &[
    Entry {
        rule: Rule::B401,
        qualnames: &["telnetlib"],
        message: "A telnet-related module is being imported.  Telnet is considered insecure. Use \
            SSH or some other encrypted protocol.",
    },
    Entry {
        rule: Rule::B402,
        qualnames: &["ftplib"],
        message: "A FTP-related module is being imported.  FTP is considered insecure. Use \
            SSH/SFTP/SCP or some other encrypted protocol.",
    },
    Entry {
        rule: Rule::B403,
        qualnames: &["pickle", "cPickle", "dill", "shelve"],
        message: "Consider possible security implications associated with {name} module.",
    },
    Entry {
        rule: Rule::B404,
        qualnames: &["subprocess"],
        message: "Consider possible security implications associated with the subprocess module.",
    },
    Entry {
        rule: Rule::B405,
        qualnames: &["xml.etree.cElementTree", "xml.etree.ElementTree"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B406,
        qualnames: &["xml.sax"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B407,
        qualnames: &["xml.dom.expatbuilder"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B408,
        qualnames: &["xml.dom.minidom"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B409,
        qualnames: &["xml.dom.pulldom"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B411,
        qualnames: &["xmlrpc"],
        message: "Using {name} to parse untrusted XML data is known to be vulnerable to XML \
            attacks. Use defusedxml.xmlrpc.monkey_patch() function to monkey-patch xmlrpclib and \
            mitigate XML vulnerabilities.",
    },
    Entry {
        rule: Rule::B412,
        qualnames: &[
            "wsgiref.handlers.CGIHandler",
            "twisted.web.twcgi.CGIScript",
            "twisted.web.twcgi.CGIDirectory",
        ],
        message: "Consider possible security implications associated with {name} module.",
    },
    Entry {
        rule: Rule::B413,
        qualnames: &[
            "Crypto.Cipher",
            "Crypto.Hash",
            "Crypto.IO",
            "Crypto.Protocol",
            "Crypto.PublicKey",
            "Crypto.Random",
            "Crypto.Signature",
            "Crypto.Util",
        ],
        message: "The pyCrypto library and its module {name} are no longer actively maintained \
            and have been deprecated. Consider using pyca/cryptography library.",
    },
    Entry {
        rule: Rule::B415,
        qualnames: &["pyghmi"],
        message: "An IPMI-related module is being imported. IPMI is considered insecure. Use an \
            encrypted protocol.",
    },
];

/// The first entry (in blacklist order) matching any imported name by prefix.
fn first_match<'n>(prefix: &str, names: impl Iterator<Item = &'n str> + Clone) -> Option<Issue> {
    for entry in IMPORTS {
        for name in names.clone() {
            let full = format!("{prefix}{name}");
            if entry.qualnames.iter().any(|qn| full.starts_with(qn)) {
                return Some(entry.report(name));
            }
        }
    }
    None
}

pub(crate) fn check_import(import: &StmtImport) -> Option<Issue> {
    first_match("", import.names.iter().map(|a| a.name.as_str()))
}

pub(crate) fn check_import_from(import: &StmtImportFrom) -> Option<Issue> {
    let prefix = import
        .module
        .as_ref()
        .map(|m| format!("{}.", m.as_str()))
        .unwrap_or_default();
    first_match(&prefix, import.names.iter().map(|a| a.name.as_str()))
}
