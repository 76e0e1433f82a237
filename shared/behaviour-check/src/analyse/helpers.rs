//! Helpers of the resolver: how evidence shows a call, path and format folding, file keys.

use super::*;

/// The prefix of the value `operator.attrgetter(NAME)` folds to.
pub(super) const ATTRGETTER: &str = "operator.attrgetter:";

/// The prefix of the value `operator.methodcaller(NAME)` folds to.
pub(super) const METHODCALLER: &str = "operator.methodcaller:";

/// How evidence names a call: its plain name, and the source it was hidden as. Formatted only
/// when evidence is recorded, which most calls never are.
#[derive(Clone, Copy)]
pub(super) struct Shown<'a> {
    pub(super) plain: &'a str,
    pub(super) hidden_as: Option<&'a str>,
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.plain)?;
        if let Some(source) = self.hidden_as {
            let source: String = source.chars().take(80).collect();
            write!(f, " (hidden as `{source}`)")?;
        }
        Ok(())
    }
}

pub(super) fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A value stored where it outlives the current function (an instance attribute): the
/// function's parameters mean nothing elsewhere.
pub(super) fn outliving(value: Value) -> Value {
    match value {
        Value::Unknown(taint) => Value::Unknown(taint.without_params()),
        Value::Ref {
            name,
            hidden,
            taint,
        } => Value::Ref {
            name,
            hidden,
            taint: taint.without_params(),
        },
        Value::List(items) => Value::List(items.into_iter().map(outliving).collect()),
        Value::Dict(entries) => Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (k, outliving(v)))
                .collect(),
        ),
        other => other,
    }
}

pub(super) fn hide(value: Value) -> Value {
    match value {
        Value::Ref { name, taint, .. } => Value::Ref {
            name,
            hidden: true,
            taint,
        },
        other => other,
    }
}

pub(super) fn is_identifier_like(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

pub(super) fn is_write_mode(mode: &str) -> bool {
    mode.contains(['w', 'a', 'x', '+'])
}

pub(super) fn clip(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// Separates a variable's name from its function's index in a file key (see
/// [`Analyser::file_key`]); no path contains it.
pub const VARIABLE_KEY: &str = "\u{0}@";

/// The file key of local `variable` of unit `unit`.
pub(super) fn local_key(variable: &str, unit: usize) -> String {
    format!("{variable}{VARIABLE_KEY}{unit}")
}

/// The variable a file key names when it is a local of unit `unit`.
pub(super) fn local_of(key: &str, unit: usize) -> Option<&str> {
    let (variable, owner) = key.split_once(VARIABLE_KEY)?;
    (owner.parse::<usize>().ok() == Some(unit)).then_some(variable)
}

/// Files written in binary and programs started kept per function (evidence, not a budget).
pub(super) const MAX_FILE_KEYS: usize = 16;

/// The methods [`Analyser::unknown_path_method`] reads on a receiver the resolver could not
/// fold; a call of any other method of it is only followed for taint.
pub(super) const UNFOLDED_PATH_METHODS: &[&str] = &["write_bytes", "write_text", "chmod"];

/// The path inside conversions that keep it (`str(p)`, `os.fspath(p)`, `Path(p)`,
/// `os.path.abspath(p)`, `p.resolve()`): what names the file is `p`.
/// The folder operand of a path built inside it: `os.path.join(folder, ...)`, `folder /
/// "name"`, `Path(folder).joinpath(...)`.
pub(super) fn joined_folder(expr: &Expr) -> Option<&Expr> {
    match path_operand(expr) {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(f) if f.attr.as_str() == "join" && call.arguments.args.len() >= 2 => {
                call.arguments.args.first()
            }
            Expr::Attribute(f) if f.attr.as_str() == "joinpath" => Some(path_operand(&f.value)),
            _ => None,
        },
        Expr::BinOp(op) if op.op == Operator::Div => Some(path_operand(&op.left)),
        _ => None,
    }
}

pub(super) fn path_operand(expr: &Expr) -> &Expr {
    let mut expr = expr;
    for _ in 0..8 {
        let Expr::Call(call) = expr else { break };
        let args = &call.arguments.args;
        let inner = match (
            call.func.as_ref(),
            args.len(),
            call.arguments.keywords.is_empty(),
        ) {
            (Expr::Name(f), 1, true)
                if matches!(f.id.as_str(), "str" | "Path" | "PurePath" | "fspath") =>
            {
                &args[0]
            }
            (Expr::Attribute(f), 1, true)
                if matches!(
                    f.attr.as_str(),
                    "fspath" | "abspath" | "realpath" | "normpath" | "Path" | "PurePath"
                ) =>
            {
                &args[0]
            }
            (Expr::Attribute(f), 0, true)
                if matches!(f.attr.as_str(), "resolve" | "absolute" | "as_posix") =>
            {
                f.value.as_ref()
            }
            _ => break,
        };
        expr = inner;
    }
    // `f.name` of a file object `f` (a temporary file) names the same file as `f`.
    if let Expr::Attribute(attr) = expr {
        if attr.attr.as_str() == "name" && matches!(attr.value.as_ref(), Expr::Name(_)) {
            return attr.value.as_ref();
        }
    }
    expr
}

/// Whether a path names a document or data file by its extension (what a plugin opens with
/// the user's application after downloading it), not a program or a library.
pub(super) fn is_document(path: &str) -> bool {
    const DOCUMENTS: &[&str] = &[
        "pdf", "html", "htm", "csv", "txt", "json", "xml", "png", "jpg", "jpeg", "gif", "svg",
        "tif", "tiff", "qgs", "qgz", "gpkg", "shp", "geojson", "kml", "kmz", "xlsx", "xls", "docx",
        "odt", "ods", "md", "zip",
    ];
    path.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .is_some_and(|ext| DOCUMENTS.contains(&ext.as_str()))
}

/// Extensions of installer packages: the OS's default handler opens them in its installer,
/// which shows what it installs and asks the user before anything runs.
const INSTALLER_PACKAGES: &[&str] = &[
    "msi",
    "msix",
    "msixbundle",
    "appx",
    "appxbundle",
    "pkg",
    "mpkg",
    "deb",
    "rpm",
    "dmg",
    "flatpakref",
    "snap",
];

/// What the OS's default handler does with a file named `path` (folded, `*` for unknown parts)
/// when it is not a document: `None` when the name says it is a program or a script (any other
/// extension, or none: the default handler runs it), else what it is.
pub(super) fn opened_type(path: &str) -> Option<super::OpenedType> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or("");
    // `<tmp>/setup*.exe` (a temporary file's suffix) still says what it is.
    let extension = match name.rsplit_once('.') {
        Some((_, extension)) if !extension.is_empty() && !extension.contains('*') => {
            extension.to_ascii_lowercase()
        }
        _ if name.is_empty() || name.contains('*') => return Some(super::OpenedType::Unknown),
        _ => return None,
    };
    INSTALLER_PACKAGES
        .contains(&extension.as_str())
        .then_some(super::OpenedType::InstallerPackage)
}

/// A file key as shown to approvers: the path, or the variable that holds it.
pub fn shown_file(key: &str) -> String {
    match key.split_once(VARIABLE_KEY) {
        Some((variable, _)) => format!("the file in `{variable}`"),
        None => key.to_owned(),
    }
}

/// The text of a value used as a path (`*` for unknown parts).
pub(super) fn path_text(value: &Value) -> (String, bool, bool) {
    match value {
        Value::Ref { name, .. }
            if name.ends_with("home_plugin_path") || name.ends_with("plugin_paths") =>
        {
            (PLUGINS_DIR.to_owned(), false, false)
        }
        Value::Ref { name, .. }
            if [
                "sys.prefix",
                "sys.exec_prefix",
                "sys.base_prefix",
                "sys.path",
            ]
            .iter()
            .any(|p| name.starts_with(p)) =>
        {
            ("<site-packages>".to_owned(), false, false)
        }
        other => other.text_or_star(),
    }
}

/// The directory of a path, knowing the placeholders: the plugin's folder is in the plugins
/// folder, which is in the profile's `python` folder.
pub(super) fn dirname(path: &str) -> String {
    if path == PLUGINS_DIR {
        return format!("{PROFILE_DIR}/python");
    }
    let trimmed = path.trim_end_matches(['/', '\\']);
    match trimmed.rfind(['/', '\\']) {
        Some(i) => trimmed[..i].to_owned(),
        None => String::new(),
    }
}

pub(super) fn join_path(base: &str, part: &str) -> String {
    if part == ".." {
        return dirname(base);
    }
    if part.starts_with('/') || base.is_empty() {
        return part.to_owned();
    }
    if base.ends_with(['/', '\\']) {
        format!("{base}{part}")
    } else {
        format!("{base}/{part}")
    }
}

/// `os.environ["HOME"]` and friends as paths.
pub(super) fn env_path(key: &str) -> Value {
    match key {
        "HOME" | "USERPROFILE" => Value::str("~", false),
        "APPDATA" => Value::str("~/AppData/Roaming", false),
        "LOCALAPPDATA" => Value::str("~/AppData/Local", false),
        // The XDG base directories' documented defaults.
        "XDG_CONFIG_HOME" => Value::str("~/.config", false),
        "XDG_DATA_HOME" => Value::str("~/.local/share", false),
        "XDG_CACHE_HOME" => Value::str("~/.cache", false),
        _ => Value::UNKNOWN,
    }
}

pub(super) fn percent_format(format: &str, args: &[Value], max: usize) -> Value {
    let mut out = String::new();
    let mut partial = false;
    let mut next = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'r' | 'd' | 'i') => {
                let (t, _, p) = next
                    .next()
                    .map_or(("*".to_owned(), false, true), Value::text_or_star);
                out.push_str(&t);
                partial |= p;
            }
            Some('c') => match next.next() {
                Some(Value::Int(i)) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => return Value::UNKNOWN,
                },
                Some(Value::Str(s)) => out.push_str(&s.text),
                _ => return Value::UNKNOWN,
            },
            _ => return Value::UNKNOWN,
        }
        if out.len() > max {
            return Value::UNKNOWN;
        }
    }
    Value::Str(Folded {
        text: out,
        hidden: !partial,
        partial,
        taint: Taint::NONE,
    })
}

pub(super) fn brace_format(format: &str, args: &[Value], max: usize) -> Value {
    let mut out = String::new();
    let mut partial = false;
    let mut auto = 0usize;
    let mut rest = format;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Value::UNKNOWN;
        }
        let Some(close) = tail.find('}') else {
            return Value::UNKNOWN;
        };
        let field = &tail[1..close];
        let field = field.split([':', '!']).next().unwrap_or("");
        let index = if field.is_empty() {
            auto += 1;
            Some(auto - 1)
        } else {
            field.parse::<usize>().ok()
        };
        let (t, _, p) = index
            .and_then(|i| args.get(i))
            .map_or(("*".to_owned(), false, true), Value::text_or_star);
        out.push_str(&t);
        partial |= p;
        rest = &tail[close + 1..];
        if out.len() > max {
            return Value::UNKNOWN;
        }
    }
    out.push_str(rest);
    Value::Str(Folded {
        text: out,
        hidden: !partial,
        partial,
        taint: Taint::NONE,
    })
}

/// The host of the URL a network call is given (its first argument or `url=`), when the code
/// spells the host itself: a constant, or a string built around a constant host
/// (`f"https://api.example.invalid/{path}"`). A URL from settings, a dialog or a parameter has
/// none.
pub(super) fn constant_host(args: &[Value], keywords: &[(Option<&str>, Value)]) -> Option<String> {
    let url = keywords
        .iter()
        .find(|(k, _)| *k == Some("url"))
        .map(|(_, v)| v)
        .or(args.first())?;
    let Value::Str(folded) = url else {
        return None;
    };
    let host = caps::url_host(&folded.text)?;
    (!host.contains('*')).then_some(host)
}
