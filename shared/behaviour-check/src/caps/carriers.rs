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
