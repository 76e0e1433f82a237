//! Carriers the resolver recognises by a value rather than a call's name: files opened for
//! writing on GDAL's network file systems or on another machine's share, processing
//! algorithms that request a URL, and `logging` calls (sent when the file made a network
//! handler).

use super::*;

/// The value a GDAL network file opened for writing folds to (`gdal.VSIFOpenL("/vsis3/...",
/// "wb")`), so that the writes to it are uploads.
pub const NETWORK_VSI_HANDLE: &str = "osgeo.gdal.VSIFOpenL(<network file>)";

/// The value a file opened for writing on another machine's share folds to
/// (`open(r"\\host\share\x.txt", "w")`), so that the writes to it are uploads.
pub const NETWORK_SHARE_HANDLE: &str = "builtins.open(<network share>)";

/// A path on another machine's share: a UNC path (`\\host\share\...`, `//host/share/...`)
/// whose host is named, not a local device path (`\\?\C:\...`, `\\.\pipe\...`) or
/// `localhost`. A host the code builds at run time (folded as `*`) is not counted.
pub fn is_network_share_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("\\\\")
        .or_else(|| lower.strip_prefix("//"));
    let Some(rest) = rest else {
        return false;
    };
    let host = rest.split(['\\', '/']).next().unwrap_or("");
    let share = rest.split(['\\', '/']).nth(1).unwrap_or("");
    !host.is_empty()
        && !share.is_empty()
        && !matches!(
            host,
            "?" | "." | "localhost" | "127.0.0.1" | "wsl$" | "wsl.localhost"
        )
        && !host.contains('*')
}

/// A path of one of GDAL's network file systems that can be written (cloud object stores,
/// WebHDFS, HTTP with PUT): `/vsis3/`, `/vsigs/`, `/vsiaz/`, ... (lowercased).
pub fn is_network_vsi_path(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/vsis3/",
        "/vsigs/",
        "/vsiaz/",
        "/vsiadls/",
        "/vsioss/",
        "/vsiswift/",
        "/vsiwebhdfs/",
        "/vsicurl/",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
}

/// A processing algorithm that requests a URL given in its parameters, run through
/// processing's entry points: its id (`native:filedownloader`), or `None`.
pub fn network_algorithm<'v>(plain: &str, args: &'v [Value]) -> Option<&'v str> {
    const RUNNERS: &[&str] = &[
        "processing.run",
        "processing.runAndLoadResults",
        "processing.tools.general.run",
        "processing.tools.general.runAndLoadResults",
        "processing.createAlgorithmDialog",
        "processing.execAlgorithmDialog",
    ];
    const ALGORITHMS: &[&str] = &["native:filedownloader", "qgis:filedownloader"];
    if !RUNNERS.contains(&plain) {
        return None;
    }
    let id = args.first().and_then(Value::as_str)?;
    ALGORITHMS
        .iter()
        .any(|a| id.text.eq_ignore_ascii_case(a))
        .then_some(id.text.as_str())
}

/// Levels a `logging` call records at (`logging.warning`, `logger.error`, `logger.log`).
const LOGGING_METHODS: [&str; 9] = [
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

/// A call that logs a record through Python's `logging`: the module's functions, or a logger's
/// methods (`logging.getLogger(...)` and `logging.Logger` objects).
pub fn is_logging_call(name: &str) -> bool {
    let Some((object, method)) = name.rsplit_once('.') else {
        return false;
    };
    LOGGING_METHODS.contains(&method)
        && (object == "logging"
            || object.starts_with("logging.getLogger")
            || object.starts_with("logging.Logger")
            || object.starts_with("logging.LoggerAdapter"))
}

/// The files a command-line network client sends, by what its options mean (curl(1), wget(1),
/// scp(1), rsync(1), nc(1), PowerShell's `Invoke-WebRequest`/`Invoke-RestMethod`): curl's
/// form and data values read from a file (`-F f=@path`, `--data-binary @path`) and its upload
/// (`-T path`), wget's `--post-file`/`--body-file`, the sources of scp and rsync (every operand
/// but the destination, option values left out: `-i key` logs in with the key, it does not
/// send it), what nc reads from a redirection (`< path`), PowerShell's `-InFile`. A file
/// named on the command line any other way (`ssh -i key`, `curl --netrc-file f`) is used, not
/// sent.
/// The working tree a `git push` sends (git(1)): `Some(Some(folder))` for `git -C folder
/// push`, `Some(None)` for the process's working folder, `None` for anything but a push.
pub fn pushed_work_tree<'w>(program: &str, words: &'w [String]) -> Option<Option<&'w str>> {
    if super::persistence::program_name(program) != "git" {
        return None;
    }
    let split: Vec<&'w str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    let mut folder = None;
    let mut rest = split.iter().skip(1).copied();
    // Global options come before the subcommand; `-C` may repeat (each relative to the last,
    // the last one kept here).
    while let Some(word) = rest.next() {
        match word {
            "-C" | "--work-tree" => {
                folder = rest
                    .next()
                    .map(|w| w.trim_matches(|c| matches!(c, '\'' | '"')));
            }
            w if w.starts_with("--work-tree=") => folder = w.get("--work-tree=".len()..),
            "-c" | "--git-dir" | "--namespace" => {
                rest.next();
            }
            "push" => return Some(folder),
            w if w.starts_with('-') => {}
            // Another subcommand (`commit`, `add`): not a push.
            _ => return None,
        }
    }
    None
}

pub fn uploaded_files<'w>(program: &str, words: &'w [String]) -> Vec<&'w str> {
    let base = super::persistence::program_name(program);
    let base = base.as_str();
    let unquote = |w: &'w str| w.trim_matches(|c| matches!(c, '\'' | '"'));
    let mut files = Vec::new();
    // A list's items are words as written; a shell string or a script (`-Command "..."`) is
    // split here.
    let split: Vec<&'w str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    let mut rest = split.iter().skip(1).copied().peekable();
    match base {
        "curl" => {
            while let Some(word) = rest.next() {
                let (option, inline) = match word.split_once('=') {
                    Some((o, v)) if o.starts_with("--") => (o, Some(v)),
                    _ => (word, None),
                };
                let next = rest.peek().copied();
                let value = || inline.or(next);
                match option {
                    "-F" | "--form" | "--form-string" => {
                        if let Some(file) = value().and_then(|v| v.split_once(['@', '<'])) {
                            files.push(unquote(file.1.split(';').next().unwrap_or(file.1)));
                        }
                    }
                    "-d" | "--data" | "--data-binary" | "--data-urlencode" | "--json" => {
                        if let Some(file) = value().and_then(|v| v.split_once('@')) {
                            files.push(unquote(file.1));
                        }
                    }
                    "-T" | "--upload-file" => files.extend(value().map(unquote)),
                    _ => {}
                }
            }
        }
        "wget" => {
            while let Some(word) = rest.next() {
                match word.split_once('=') {
                    Some(("--post-file" | "--body-file", file)) => files.push(unquote(file)),
                    None if matches!(word, "--post-file" | "--body-file") => {
                        files.extend(rest.peek().copied().map(unquote));
                    }
                    _ => {}
                }
            }
        }
        "scp" | "rsync" | "pscp" => {
            // Options of scp and rsync that take a value (the next word).
            const VALUED: &[&str] = &[
                "-i",
                "-F",
                "-o",
                "-P",
                "-S",
                "-c",
                "-l",
                "-J",
                "-D",
                "-e",
                "--rsh",
                "--exclude",
                "--include",
                "--exclude-from",
                "--include-from",
                "--files-from",
                "-pw",
            ];
            let mut operands = Vec::new();
            while let Some(word) = rest.next() {
                if VALUED.contains(&word) {
                    rest.next();
                } else if !word.starts_with('-') {
                    operands.push(unquote(word));
                }
            }
            operands.pop();
            files.extend(operands);
        }
        "nc" | "ncat" | "netcat" => {
            while let Some(word) = rest.next() {
                if word == "<" {
                    files.extend(rest.peek().copied().map(unquote));
                } else if let Some(file) = word.strip_prefix('<').filter(|f| !f.is_empty()) {
                    files.push(unquote(file));
                }
            }
        }
        "powershell" | "pwsh" => {
            while let Some(word) = rest.next() {
                if word.eq_ignore_ascii_case("-InFile") {
                    files.extend(rest.peek().copied().map(unquote));
                }
            }
        }
        _ => {}
    }
    files
}

/// Calls that give QGIS a layer's source (the sinks catalogue's layer rows): QGIS requests its
/// URL itself (tiles, WMS, WFS, features), so what the source holds leaves the machine.
const LAYER_SOURCES: &[&str] = &[
    "qgis.core.QgsRasterLayer",
    "qgis.core.QgsVectorLayer",
    "qgis.core.QgsVectorTileLayer",
    "qgis.core.QgsPointCloudLayer",
    "qgis.core.QgsMeshLayer",
    "qgis.core.QgsMapLayer.setDataSource",
    "qgis.core.QgsRasterLayer.setDataSource",
    "qgis.core.QgsVectorLayer.setDataSource",
    "qgis.gui.QgisInterface.addRasterLayer",
    "qgis.gui.QgisInterface.addVectorLayer",
];

/// Database drivers' connections (the sinks catalogue's database rows): they send the login
/// to the server the plugin connects to.
const DATABASE_CONNECTIONS: &[&str] = &[
    "psycopg2.connect",
    "psycopg.connect",
    "psycopg.Connection.connect",
    "pymysql.connect",
    "mysql.connector.connect",
    "pyodbc.connect",
    "cx_Oracle.connect",
    "oracledb.connect",
    "pymssql.connect",
    "sqlalchemy.create_engine",
];

/// Whether a resolved (canonical) call reaches a server the user usually chooses: a layer's
/// source QGIS requests ([`LAYER_SOURCES`]) or a database connection
/// ([`DATABASE_CONNECTIONS`]). What it carries counts only towards a host the code spells.
pub fn connects_user_server(plain: &str) -> bool {
    LAYER_SOURCES.contains(&plain) || DATABASE_CONNECTIONS.contains(&plain)
}

/// The host of the URL a layer's source names, percent-encoded or not (an XYZ source is
/// `type=xyz&url=https%3A%2F%2Ftiles.example%2F...`, a WMS one `url=https://...`).
pub fn layer_source_host(source: &str) -> Option<String> {
    let decoded = percent_decoded(source);
    let start = decoded.find("://")?;
    // Back to the start of the scheme.
    let scheme_start = decoded[..start]
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let host = url_host(&decoded[scheme_start..])?;
    (!host.contains('*')).then_some(host)
}

/// `%XX` sequences decoded (twice-encoded sources decode once more); anything else kept.
fn percent_decoded(text: &str) -> String {
    let mut current = text.to_owned();
    for _ in 0..2 {
        if !current.contains('%') {
            break;
        }
        current = percent_encoding::percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
    }
    current
}
