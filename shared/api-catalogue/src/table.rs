//! The table file format and its parser. One entry a line, tab-separated:
//!
//! ```text
//! # comment
//! @from<TAB>Python 3.11.7 ftplib (inspect)                 provenance of the rows below
//! @covers<TAB>ftplib.FTP<TAB>class<TAB>stdlib              a claim the coverage test checks
//! @bases<TAB>ftplib.FTP_TLS<TAB>ftplib.FTP                 inherited entries, for lookups
//! ftplib.FTP.storbinary<TAB>network<TAB>payload=1:fp<TAB>-<TAB>sends a file
//! ```
//!
//! Columns: the name or pattern, the kind (the table's vocabulary), the arguments that carry
//! data (`-`, or space-separated `ROLE=WHERE` with WHERE `N` for the Nth positional argument,
//! `N+` for it and every later one, `:kw` for a keyword, `N:kw` for both, `self` for the
//! receiver), properties (`-`, or space-separated `carries=yes|derived|no`,
//! `returns=QUALIFIED.NAME`, `platform=windows|macos|linux`, `until=VERSION` for a name that
//! version removed, `into=self` for a call that stores its input in its receiver, `words=a,b`
//! for a program's `path:` row: words its command line must hold), and a note (what a source holds,
//! why a sink matters). Names are qualified Python names; in every table but `settings` a
//! `path:` prefix makes the name a path glob and `env:` an environment variable glob; in
//! `settings` every name is a settings key glob, or with `project:` a project entry glob
//! (`project:Macros/pythonCode`: scope, then key).

use crate::kinds::{Carries, Kind, Role, Table};

/// A table row or directive that cannot be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TableError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// How an entry's name is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// A qualified Python name (a call or an attribute): exact lookup.
    Name,
    /// A path glob (`path:` prefix).
    Path,
    /// An environment variable glob (`env:` prefix).
    Env,
    /// A settings key glob (the entries of `settings.tsv`).
    Key,
    /// A project entry glob, `SCOPE/KEY` (`project:` prefix in `settings.tsv`): what
    /// `QgsProject.writeEntry(scope, key, value)` writes into the project file.
    ProjectEntry,
}

/// Where an argument is found in a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSpec {
    pub role: Role,
    /// The positional index, when the argument may be passed by position.
    pub position: Option<u16>,
    /// This position and every later one (`*args`).
    pub rest: bool,
    /// The keyword, when the argument may be passed by name.
    pub keyword: Option<Box<str>>,
    /// The object the method is called on (`str.encode`'s string).
    pub receiver: bool,
}

impl ArgSpec {
    /// Whether the `index`th positional argument has this role.
    pub fn takes_position(&self, index: usize) -> bool {
        match self.position {
            Some(p) if self.rest => index >= usize::from(p),
            Some(p) => index == usize::from(p),
            None => false,
        }
    }

    /// Whether the keyword argument `name` has this role.
    pub fn takes_keyword(&self, name: &str) -> bool {
        self.keyword.as_deref() == Some(name)
    }
}

/// One row of a table.
#[derive(Debug, Clone)]
pub struct Entry {
    pub table: Table,
    pub form: Form,
    /// The name or glob as written (without its `path:`/`env:` prefix).
    pub pattern: Box<str>,
    pub kind: Kind,
    pub args: Vec<ArgSpec>,
    /// Transforms: whether the result carries the input.
    pub carries: Option<Carries>,
    /// The qualified type of the result, when it is an object of a catalogued class.
    pub returns: Option<Box<str>>,
    /// The one platform where the name exists, when it is not every platform.
    pub platform: Option<Box<str>>,
    /// The call stores its input in its receiver instead of returning it (`into=self`:
    /// `bytearray.extend`, `QNetworkRequest.setRawHeader`).
    pub into_receiver: bool,
    /// The library version that removed the name (`until=3.0`: Python 2 only), for names old
    /// code still calls.
    pub until: Option<Box<str>>,
    /// Words a command line must hold for a program's `path:` row to apply, lowercased
    /// (`words=wlan,key=clear`: `netsh wlan show profile name=x key=clear` prints a Wi-Fi
    /// password, `netsh winhttp show proxy` does not).
    pub words: Vec<Box<str>>,
    pub note: Box<str>,
    /// Where the entry was read from (library and version, or QGIS source file).
    pub provenance: std::sync::Arc<str>,
    /// The table file and line, for reviewers.
    pub file: &'static str,
    pub line: u32,
}

impl Entry {
    /// The arguments with a role.
    pub fn args_with(&self, role: Role) -> impl Iterator<Item = &ArgSpec> {
        self.args.iter().filter(move |a| a.role == role)
    }

    /// The role of the `index`th positional argument, if it carries data.
    pub fn role_of_position(&self, index: usize) -> Option<Role> {
        self.args
            .iter()
            .find(|a| a.takes_position(index))
            .map(|a| a.role)
    }

    /// The role of the keyword argument `name`, if it carries data.
    pub fn role_of_keyword(&self, name: &str) -> Option<Role> {
        self.args
            .iter()
            .find(|a| a.takes_keyword(name))
            .map(|a| a.role)
    }

    /// The role of the receiver, if the data flows from it.
    pub fn role_of_receiver(&self) -> Option<Role> {
        self.args.iter().find(|a| a.receiver).map(|a| a.role)
    }
}

/// What a `@covers` claim says the table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimKind {
    /// Every public method of a class.
    Class,
    /// Every public function and class of a module.
    Module,
    /// Every settings key under a group.
    Group,
}

/// Where the real surface of a claim is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Surface {
    /// Python's standard library, introspected with the test's `python3`.
    Stdlib,
    /// A PyPI package, introspected in the `catalogue` venv (`infra/python-tools.sh`).
    Pypi,
    /// PyQGIS, from `tables/surface/pyqgis.tsv` (extracted from QGIS's `.sip.in` files).
    Pyqgis,
    /// QGIS's settings keys, from `tables/surface/qgis-settings.tsv` (extracted from its source).
    QgisSettings,
}

impl Surface {
    fn parse(text: &str) -> Option<Surface> {
        Some(match text {
            "stdlib" => Surface::Stdlib,
            "pypi" => Surface::Pypi,
            "pyqgis" => Surface::Pyqgis,
            "qgis-settings" => Surface::QgisSettings,
            _ => return None,
        })
    }
}

/// A `@covers` line.
#[derive(Debug, Clone)]
pub struct Claim {
    pub table: Table,
    pub name: Box<str>,
    pub kind: ClaimKind,
    pub surface: Surface,
    pub file: &'static str,
    pub line: u32,
}

/// A parsed table file.
#[derive(Debug, Default)]
pub struct ParsedTable {
    pub entries: Vec<Entry>,
    pub claims: Vec<Claim>,
    /// `(class, its bases)` from `@bases` lines.
    pub bases: Vec<(Box<str>, Vec<Box<str>>)>,
}

/// Parses one table file. `file` names it in errors and entries.
pub fn parse(table: Table, file: &'static str, text: &str) -> Result<ParsedTable, TableError> {
    let mut out = ParsedTable::default();
    let mut provenance: Option<std::sync::Arc<str>> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let error = |message: String| TableError {
            file: file.to_owned(),
            line,
            message,
        };
        let row = raw.trim_end_matches('\r');
        if row.trim().is_empty() || row.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = row.split('\t').collect();
        if let Some(directive) = columns[0].strip_prefix('@') {
            match (directive, &columns[1..]) {
                ("from", [text]) if !text.trim().is_empty() => {
                    provenance = Some(std::sync::Arc::from(text.trim()));
                }
                ("covers", [name, kind, surface]) => {
                    let kind = match *kind {
                        "class" => ClaimKind::Class,
                        "module" => ClaimKind::Module,
                        "group" => ClaimKind::Group,
                        other => {
                            return Err(error(format!(
                                "unknown claim `{other}` (expected class, module or group)"
                            )))
                        }
                    };
                    let surface = Surface::parse(surface).ok_or_else(|| {
                        error(format!(
                            "unknown surface `{surface}` (expected stdlib, pypi, pyqgis or qgis-settings)"
                        ))
                    })?;
                    out.claims.push(Claim {
                        table,
                        name: (*name).into(),
                        kind,
                        surface,
                        file,
                        line,
                    });
                }
                ("bases", [class, bases @ ..]) if !bases.is_empty() => {
                    out.bases.push((
                        (*class).into(),
                        bases.iter().map(|b| Box::<str>::from(*b)).collect(),
                    ));
                }
                _ => {
                    return Err(error(format!(
                        "bad directive `{row}` (expected @from<TAB>TEXT, \
                         @covers<TAB>NAME<TAB>class|module|group<TAB>SURFACE or \
                         @bases<TAB>CLASS<TAB>BASE...)"
                    )))
                }
            }
            continue;
        }
        if columns.len() < 2 || columns.len() > 5 {
            return Err(error(format!(
                "expected 2 to 5 tab-separated columns (name, kind, args, props, note), found {}",
                columns.len()
            )));
        }
        let provenance = provenance
            .clone()
            .ok_or_else(|| error("an entry before any @from line (its provenance)".into()))?;
        let (form, pattern) = form_of(table, columns[0]).map_err(error)?;
        let kind = table.parse_kind(columns[1]).ok_or_else(|| {
            error(format!(
                "unknown {} kind `{}` (expected one of: {})",
                table.file().trim_end_matches(".tsv"),
                columns[1],
                table.kind_names().join(", ")
            ))
        })?;
        let args = parse_args(columns.get(2).copied().unwrap_or("-")).map_err(error)?;
        let mut entry = Entry {
            table,
            form,
            pattern: pattern.into(),
            kind,
            args,
            carries: None,
            returns: None,
            platform: None,
            until: None,
            into_receiver: false,
            words: Vec::new(),
            note: columns
                .get(4)
                .map(|n| n.trim())
                .filter(|n| *n != "-")
                .unwrap_or("")
                .into(),
            provenance,
            file,
            line,
        };
        parse_props(&mut entry, columns.get(3).copied().unwrap_or("-")).map_err(error)?;
        if table == Table::Transforms && entry.carries.is_none() && !kind.is_none() {
            return Err(error(
                "a transform needs carries=yes|derived|no in its props column".into(),
            ));
        }
        out.entries.push(entry);
    }
    Ok(out)
}

fn form_of(table: Table, name: &str) -> Result<(Form, &str), String> {
    let name = name.trim();
    if table == Table::Settings {
        if let Some(glob) = name.strip_prefix("project:") {
            if glob.is_empty() || glob.contains(char::is_whitespace) {
                return Err(format!("bad project entry glob `{glob}`"));
            }
            return Ok((Form::ProjectEntry, glob));
        }
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad settings key glob `{name}`"));
        }
        return Ok((Form::Key, name));
    }
    if let Some(glob) = name.strip_prefix("path:") {
        if glob.is_empty() {
            return Err("empty path glob".into());
        }
        return Ok((Form::Path, glob));
    }
    if let Some(glob) = name.strip_prefix("env:") {
        if glob.is_empty() || glob.contains(char::is_whitespace) {
            return Err(format!("bad environment variable glob `{glob}`"));
        }
        return Ok((Form::Env, glob));
    }
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if !valid {
        return Err(format!(
            "bad qualified name `{name}` (dotted Python identifiers, or a path:/env: glob)"
        ));
    }
    Ok((Form::Name, name))
}

fn parse_args(text: &str) -> Result<Vec<ArgSpec>, String> {
    let text = text.trim();
    if text == "-" || text.is_empty() {
        return Ok(Vec::new());
    }
    text.split_whitespace().map(parse_arg).collect()
}

fn parse_arg(token: &str) -> Result<ArgSpec, String> {
    let bad = |why: &str| format!("bad argument `{token}`: {why} (ROLE=N, N+, :kw, N:kw or self)");
    let (role, place) = token.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let role = Role::parse(role).ok_or_else(|| {
        bad(&format!(
            "unknown role, expected one of {}",
            Role::ALL
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let mut spec = ArgSpec {
        role,
        position: None,
        rest: false,
        keyword: None,
        receiver: false,
    };
    if place == "self" {
        spec.receiver = true;
        return Ok(spec);
    }
    let (position, keyword) = match place.split_once(':') {
        Some((p, k)) => (p, Some(k)),
        None => (place, None),
    };
    if let Some(keyword) = keyword {
        let valid = !keyword.is_empty()
            && keyword
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(bad("bad keyword"));
        }
        spec.keyword = Some(keyword.into());
    }
    if !position.is_empty() {
        let (digits, rest) = match position.strip_suffix('+') {
            Some(d) => (d, true),
            None => (position, false),
        };
        spec.position = Some(digits.parse().map_err(|_| bad("bad position"))?);
        spec.rest = rest;
    }
    if spec.position.is_none() && spec.keyword.is_none() {
        return Err(bad("no position or keyword"));
    }
    Ok(spec)
}

fn parse_props(entry: &mut Entry, text: &str) -> Result<(), String> {
    let text = text.trim();
    if text == "-" || text.is_empty() {
        return Ok(());
    }
    for token in text.split_whitespace() {
        let (key, value) = token
            .split_once('=')
            .ok_or_else(|| format!("bad property `{token}` (KEY=VALUE)"))?;
        match key {
            "carries" => {
                entry.carries = Some(Carries::parse(value).ok_or_else(|| {
                    format!("bad property `{token}`: carries is yes, derived or no")
                })?);
            }
            "returns" => entry.returns = Some(value.into()),
            "until" => entry.until = Some(value.into()),
            "into" if value == "self" => entry.into_receiver = true,
            "words" => {
                entry.words = value
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(|w| w.to_ascii_lowercase().into())
                    .collect();
            }
            "platform" => match value {
                "windows" | "macos" | "linux" => entry.platform = Some(value.into()),
                _ => {
                    return Err(format!(
                        "bad property `{token}`: platform is windows, macos or linux"
                    ))
                }
            },
            _ => {
                return Err(format!(
                "unknown property `{key}` (carries, returns, platform, until, words or into=self)"
            ))
            }
        }
    }
    Ok(())
}
