//! What a pip command installs, and from where (BHV101's evidence). A plugin that installs the
//! packages it names from PyPI is an ordinary dependency installer (the dependencies check
//! checks those names against malicious packages and advisories); a package from another
//! index, a URL, a version-control link, an archive outside the plugin, or a name read from the
//! network or decoded at run time is code no one has reviewed, chosen by someone other than the
//! plugin's author.

use crate::caps;
use crate::value::{Taint, Value};

/// Hosts of the Python Package Index (what `pip install NAME` downloads from by default).
pub const PYPI_HOSTS: &[&str] = &["pypi.org", "pypi.python.org", "files.pythonhosted.org"];

/// pip options that take a value (`-t DIR`, `--index-url URL`), so that the value is not read
/// as a package.
const VALUE_OPTIONS: &[&str] = &[
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-c",
    "--constraint",
    "-r",
    "--requirement",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--log",
    "--cache-dir",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cert",
    "--client-cert",
    "--progress-bar",
    "--upgrade-strategy",
    "--global-option",
    "--install-option",
    "-C",
    "--config-settings",
    "--no-binary",
    "--only-binary",
    "--python",
    "--report",
    "-e",
    "--editable",
];

/// Options whose value says where packages come from.
const SOURCE_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "-e",
    "--editable",
];

/// Options naming a requirements file (its names are the packages).
const REQUIREMENT_OPTIONS: &[&str] = &["-r", "--requirement", "-c", "--constraint"];

/// One word of the command.
enum Word {
    Text(String),
    /// Not folded (a variable, a partly built string), with what its data carries.
    Unknown(Taint),
}

/// What a pip install command installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// Packages from PyPI, by the names the plugin spells (`names`; empty when they are not
    /// constants, but nothing says they come from elsewhere).
    FromPypi { names: Vec<String> },
    /// Something no one reviewed or chosen at run time: why (the first), and every unvetted
    /// source of the command: the URL of a package installed from a URL, `None` for the others
    /// (another index, an archive outside the plugin, a name read at run time).
    Unvetted {
        why: String,
        sources: Vec<Option<String>>,
    },
}

impl Install {
    fn unvetted(why: String) -> Self {
        Self::Unvetted {
            why,
            sources: vec![None],
        }
    }
}

fn words(value: &Value, out: &mut Vec<Word>) {
    match value {
        // A command built around unknown parts (`"pip install " + name`): the known words,
        // and each word with an unknown part (`*`) as unknown, carrying the parts' taint.
        Value::Str(s) => out.extend(s.text.split_whitespace().map(|w| {
            if s.partial && w.contains('*') {
                Word::Unknown(s.taint)
            } else {
                Word::Text(w.to_owned())
            }
        })),
        Value::List(items) => items.iter().for_each(|item| words(item, out)),
        Value::Ref { taint, .. } | Value::Unknown(taint) => out.push(Word::Unknown(*taint)),
        _ => out.push(Word::Unknown(Taint::NONE)),
    }
}

/// Where an unfolded value's data comes from, when that makes it unvetted.
fn risky_taint(taint: Taint) -> Option<&'static str> {
    if taint.has(Taint::FETCHED) {
        Some("read from the network")
    } else if taint.has(Taint::DECODED) {
        Some("decoded at run time")
    } else {
        None
    }
}

fn is_pypi_url(text: &str) -> bool {
    caps::url_host(text).is_some_and(|host| PYPI_HOSTS.contains(&host.as_str()))
}

fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("://")
        || ["git+", "hg+", "svn+", "bzr+"]
            .iter()
            .any(|p| lower.starts_with(p))
        || lower.contains("@ http")
}

fn is_path(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.contains('/')
        || text.contains('\\')
        || [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2"]
            .iter()
            .any(|s| lower.ends_with(s))
}

/// The command after its `install` word, judged; `None` when it is not an install.
/// `own_path`: whether a folded path is inside the plugin's own folder (wheels and
/// requirements shipped in the plugin are reviewed with it).
pub fn judge(args: &[Value], own_path: impl Fn(&str) -> bool) -> Option<Install> {
    let mut all = Vec::new();
    args.iter().for_each(|a| words(a, &mut all));
    let start = all
        .iter()
        .position(|w| matches!(w, Word::Text(t) if t.eq_ignore_ascii_case("install")))?;
    let mut names = Vec::new();
    // Packages from URLs: all of them are judged together (one from a declared home does not
    // vouch for another beside it).
    let mut urls: Vec<String> = Vec::new();
    let mut rest = all.into_iter().skip(start + 1);
    while let Some(word) = rest.next() {
        let text = match word {
            Word::Unknown(taint) => {
                if let Some(why) = risky_taint(taint) {
                    return Some(Install::unvetted(format!("a package name {why}")));
                }
                continue;
            }
            Word::Text(text) => text,
        };
        if let Some(option) = text.strip_prefix('-').map(|_| text.as_str()) {
            let (name, inline) = match option.split_once('=') {
                Some((name, value)) => (name, Some(Word::Text(value.to_owned()))),
                None => (option, None),
            };
            if !VALUE_OPTIONS.contains(&name) {
                continue;
            }
            let value = match inline {
                Some(value) => Some(value),
                None => rest.next(),
            };
            let source = SOURCE_OPTIONS.contains(&name);
            let requirement = REQUIREMENT_OPTIONS.contains(&name);
            if !source && !requirement {
                continue;
            }
            match value {
                Some(Word::Text(value)) => {
                    let pypi = is_pypi_url(&value) || PYPI_HOSTS.contains(&value.as_str());
                    let own = !is_url(&value) && own_path(&value);
                    let ok = pypi || own || (requirement && !is_url(&value));
                    if !ok {
                        return Some(Install::unvetted(format!("`{name} {value}`")));
                    }
                }
                Some(Word::Unknown(taint)) => {
                    if let Some(why) = risky_taint(taint) {
                        return Some(Install::unvetted(format!("`{name}` {why}")));
                    }
                    if source {
                        return Some(Install::unvetted(format!(
                            "`{name}` with a value the validator could not resolve"
                        )));
                    }
                }
                None => {}
            }
            continue;
        }
        if is_url(&text) {
            if !is_pypi_url(&text) {
                urls.push(text);
            }
        } else if is_path(&text) {
            if !own_path(&text) {
                return Some(Install::unvetted(format!(
                    "`{text}` (an archive or folder outside the plugin)"
                )));
            }
        } else {
            names.push(text);
        }
    }
    if let Some(first) = urls.first() {
        return Some(Install::Unvetted {
            why: format!("`{first}`"),
            sources: urls.into_iter().map(Some).collect(),
        });
    }
    Some(Install::FromPypi { names })
}
