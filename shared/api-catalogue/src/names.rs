//! Spellings of one API that the tables write once: Qt through `qgis.PyQt` (what plugins
//! import, and what QGIS maps to PyQt5 or PyQt6), PyQGIS's private modules, call markers.
//! Normalising leaves a name the tables use untouched and allocates only when it changes one.

use std::borrow::Cow;

/// Module prefixes written as `qgis.PyQt.` in the tables.
const QT_PREFIXES: &[&str] = &["PyQt5.", "PyQt6.", "PyQt4.", "PySide2.", "PySide6.", "sip."];

/// PyQGIS's private extension modules, written as the public ones.
const QGIS_PRIVATE: &[(&str, &str)] = &[
    ("qgis._core.", "qgis.core."),
    ("qgis._gui.", "qgis.gui."),
    ("qgis._analysis.", "qgis.analysis."),
    ("qgis._3d.", "qgis._3d."),
];

/// The name as the tables spell it: `PyQt5.QtNetwork.QTcpSocket().write` ->
/// `qgis.PyQt.QtNetwork.QTcpSocket.write`.
pub fn normalise(name: &str) -> Cow<'_, str> {
    let mut name: Cow<'_, str> = if name.contains("()") {
        Cow::Owned(name.replace("()", ""))
    } else {
        Cow::Borrowed(name)
    };
    if let Some(rest) = QT_PREFIXES.iter().find_map(|p| name.strip_prefix(p)) {
        name = Cow::Owned(format!("qgis.PyQt.{rest}"));
    } else if let Some((from, to)) = QGIS_PRIVATE.iter().find(|(from, _)| name.starts_with(from)) {
        name = Cow::Owned(format!("{to}{}", &name[from.len()..]));
    }
    name
}

/// The last component: `ftplib.FTP.storbinary` -> `storbinary`.
pub fn last(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The last two components: `qgis.core.QgsAuthManager.masterPasswordIsSet` ->
/// `QgsAuthManager.masterPasswordIsSet` (for a receiver known by its class name only).
pub fn last_two(name: &str) -> Option<&str> {
    let mut dots = name.rmatch_indices('.');
    dots.next()?;
    match dots.next() {
        Some((at, _)) => Some(&name[at + 1..]),
        None => Some(name),
    }
}

/// A path as the path globs see it: lower case, `/` separators, the home folder as `~`
/// (`<home>`, `$HOME`, `%USERPROFILE%`), Windows' profile folders under it.
pub fn normalise_path(path: &str) -> String {
    let mut text = String::with_capacity(path.len());
    for c in path.trim().chars() {
        let c = if c == '\\' { '/' } else { c };
        if c == '/' && text.ends_with('/') {
            continue;
        }
        if c.is_ascii() {
            text.push(c.to_ascii_lowercase());
        } else {
            text.extend(c.to_lowercase());
        }
    }
    if text.contains(['<', '$', '%']) {
        for (from, to) in [
            ("<home>", "~"),
            ("${home}", "~"),
            ("$home", "~"),
            ("%userprofile%", "~"),
            ("%appdata%", "~/appdata/roaming"),
            ("%localappdata%", "~/appdata/local"),
        ] {
            if text.contains(from) {
                text = text.replace(from, to);
            }
        }
    }
    text
}

/// A settings key as the key globs see it: lower case, `/` separators, no leading or trailing
/// `/` (QSettings ignores them).
pub fn normalise_key(key: &str) -> String {
    let mut text = key.trim().replace('\\', "/").to_lowercase();
    while text.contains("//") {
        text = text.replace("//", "/");
    }
    text.trim_matches('/').to_owned()
}

/// An environment variable name as the env globs see it (upper case).
pub fn normalise_env(name: &str) -> String {
    name.trim().to_uppercase()
}
