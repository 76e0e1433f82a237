//! Blacklisted calls (`bandit/blacklists/calls.py`): B301-B323, matched on the call's qualified
//! name, plus the import blacklist for calls that import a module.

use validator_python::ast::Expr;

use super::{imports::IMPORTS, Entry};
use crate::context::{CallContext, Issue};
use crate::literal::Lit;
use crate::rules::Rule;

const XML_MSG: &str = "Using {name} to parse untrusted XML data is known to be vulnerable to XML \
    attacks. Replace {name} with its defusedxml equivalent function or make sure \
    defusedxml.defuse_stdlib() is called";

pub(crate) const CALLS: &[Entry] = &[
    Entry {
        rule: Rule::B301,
        qualnames: &[
            "pickle.loads",
            "pickle.load",
            "pickle.Unpickler",
            "dill.loads",
            "dill.load",
            "dill.Unpickler",
            "shelve.open",
            "shelve.DbfilenameShelf",
            "jsonpickle.decode",
            "jsonpickle.unpickler.decode",
            "jsonpickle.unpickler.Unpickler",
            "pandas.read_pickle",
        ],
        message: "Pickle and modules that wrap it can be unsafe when used to deserialize \
            untrusted data, possible security issue.",
    },
    Entry {
        rule: Rule::B302,
        qualnames: &["marshal.load", "marshal.loads"],
        message: "Deserialization with the marshal module is possibly dangerous.",
    },
    Entry {
        rule: Rule::B303,
        qualnames: &[
            "Crypto.Hash.MD2.new",
            "Crypto.Hash.MD4.new",
            "Crypto.Hash.MD5.new",
            "Crypto.Hash.SHA.new",
            "Cryptodome.Hash.MD2.new",
            "Cryptodome.Hash.MD4.new",
            "Cryptodome.Hash.MD5.new",
            "Cryptodome.Hash.SHA.new",
            "cryptography.hazmat.primitives.hashes.MD5",
            "cryptography.hazmat.primitives.hashes.SHA1",
        ],
        message: "Use of insecure MD2, MD4, MD5, or SHA1 hash function.",
    },
    Entry {
        rule: Rule::B304,
        qualnames: &[
            "Crypto.Cipher.ARC2.new",
            "Crypto.Cipher.ARC4.new",
            "Crypto.Cipher.Blowfish.new",
            "Crypto.Cipher.DES.new",
            "Crypto.Cipher.XOR.new",
            "Cryptodome.Cipher.ARC2.new",
            "Cryptodome.Cipher.ARC4.new",
            "Cryptodome.Cipher.Blowfish.new",
            "Cryptodome.Cipher.DES.new",
            "Cryptodome.Cipher.XOR.new",
            "cryptography.hazmat.primitives.ciphers.algorithms.ARC4",
            "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
            "cryptography.hazmat.primitives.ciphers.algorithms.CAST5",
            "cryptography.hazmat.primitives.ciphers.algorithms.IDEA",
            "cryptography.hazmat.primitives.ciphers.algorithms.SEED",
            "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES",
        ],
        message: "Use of insecure cipher {name}. Replace with a known secure cipher such as AES.",
    },
    Entry {
        rule: Rule::B305,
        qualnames: &["cryptography.hazmat.primitives.ciphers.modes.ECB"],
        message: "Use of insecure cipher mode {name}.",
    },
    Entry {
        rule: Rule::B306,
        qualnames: &["tempfile.mktemp"],
        message: "Use of insecure and deprecated function (mktemp).",
    },
    Entry {
        rule: Rule::B307,
        qualnames: &["eval"],
        message: "Use of possibly insecure function - consider using safer ast.literal_eval.",
    },
    Entry {
        rule: Rule::B308,
        qualnames: &["django.utils.safestring.mark_safe"],
        message: "Use of mark_safe() may expose cross-site scripting vulnerabilities and should \
            be reviewed.",
    },
    Entry {
        rule: Rule::B310,
        qualnames: &[
            "urllib.request.urlopen",
            "urllib.request.urlretrieve",
            "urllib.request.URLopener",
            "urllib.request.FancyURLopener",
            "six.moves.urllib.request.urlopen",
            "six.moves.urllib.request.urlretrieve",
            "six.moves.urllib.request.URLopener",
            "six.moves.urllib.request.FancyURLopener",
        ],
        message: "Audit url open for permitted schemes. Allowing use of file:/ or custom schemes \
            is often unexpected.",
    },
    Entry {
        rule: Rule::B311,
        qualnames: &[
            "random.Random",
            "random.random",
            "random.randrange",
            "random.randint",
            "random.choice",
            "random.choices",
            "random.uniform",
            "random.triangular",
            "random.randbytes",
            "random.sample",
            "random.randrange",
            "random.getrandbits",
        ],
        message: "Standard pseudo-random generators are not suitable for security/cryptographic \
            purposes.",
    },
    Entry {
        rule: Rule::B312,
        qualnames: &["telnetlib.Telnet"],
        message: "Telnet-related functions are being called. Telnet is considered insecure. Use \
            SSH or some other encrypted protocol.",
    },
    Entry {
        rule: Rule::B313,
        qualnames: &[
            "xml.etree.cElementTree.parse",
            "xml.etree.cElementTree.iterparse",
            "xml.etree.cElementTree.fromstring",
            "xml.etree.cElementTree.XMLParser",
        ],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B314,
        qualnames: &[
            "xml.etree.ElementTree.parse",
            "xml.etree.ElementTree.iterparse",
            "xml.etree.ElementTree.fromstring",
            "xml.etree.ElementTree.XMLParser",
        ],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B315,
        qualnames: &["xml.sax.expatreader.create_parser"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B316,
        qualnames: &[
            "xml.dom.expatbuilder.parse",
            "xml.dom.expatbuilder.parseString",
        ],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B317,
        qualnames: &[
            "xml.sax.parse",
            "xml.sax.parseString",
            "xml.sax.make_parser",
        ],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B318,
        qualnames: &["xml.dom.minidom.parse", "xml.dom.minidom.parseString"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B319,
        qualnames: &["xml.dom.pulldom.parse", "xml.dom.pulldom.parseString"],
        message: XML_MSG,
    },
    Entry {
        rule: Rule::B321,
        qualnames: &["ftplib.FTP"],
        message: "FTP-related functions are being called. FTP is considered insecure. Use \
            SSH/SFTP/SCP or some other encrypted protocol.",
    },
    Entry {
        rule: Rule::B323,
        qualnames: &["ssl._create_unverified_context"],
        message: "By default, Python will create a secure, verified ssl context for use in such \
            classes as HTTPSConnection. However, it still allows using an insecure context via \
            the _create_unverified_context that  reverts to the previous behavior that does not \
            validate certificates or perform hostname checks.",
    },
];

/// The name a call is matched on: `__import__`'s and `importlib.import_module`'s module
/// argument, else the qualified name. `None` where Bandit's test fails or has no name.
fn matched_name<'a>(context: &CallContext<'_, 'a>) -> Option<String> {
    if let Expr::Name(func) = context.call.func.as_ref() {
        if func.id.as_str() == "__import__" {
            return Some(match context.args().first() {
                Some(Expr::StringLiteral(s)) => s.value.to_str().to_owned(),
                Some(_) => "UNKNOWN".to_owned(),
                None => String::new(),
            });
        }
    }
    let name = &context.qualname;
    if name == "importlib.import_module" || name == "importlib.__import__" {
        let value = if !context.args().is_empty() {
            context.call_args().into_iter().next()
        } else {
            // Bandit reads `call_keywords["name"]`; without it the test fails.
            context.keyword_value("name")
        }?;
        return value.as_str().map(str::to_owned).or(match value {
            Lit::Unknown => None,
            _ => Some(String::new()),
        });
    }
    Some(name.clone())
}

pub(crate) fn blacklisted_call(context: &CallContext<'_, '_>) -> Option<Issue> {
    let name = matched_name(context)?;
    CALLS
        .iter()
        .chain(IMPORTS)
        .find(|entry| entry.qualnames.iter().any(|qn| *qn == name))
        .map(|entry| entry.report(&name))
}
