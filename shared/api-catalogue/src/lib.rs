//! The API catalogues the behaviour check reasons with, as data: which calls, attributes,
//! paths, environment variables and settings keys are **sources** (return or hold credentials,
//! personal data, system information, remote data), **sinks** (send data, start processes, run
//! or load code, write files, settings, the clipboard), **transforms** (encode, compress,
//! encrypt, hash or build strings: which argument the data flows from and whether the result
//! carries it), **runners** (every place QGIS, Qt or Python runs code handed to it) and which
//! QGIS **settings** keys hold saved credentials or switch security on and off.
//!
//! Each table is a TSV file under `tables/` (the format: [`table`]), compiled in and parsed
//! once ([`Catalogue::builtin`]). Every entry carries its provenance (the library and version
//! or the QGIS source file it was read from) and its file and line. The tables were built from
//! the APIs themselves (`infra/catalogue/` prints the surfaces; a human classifies), and the
//! coverage tests (`tests/coverage.rs`) fail when a class or module a table claims
//! (`@covers`) has a public member the table does not classify, or the table lists one that
//! does not exist.
//!
//! # Lookups
//!
//! All lookups are hash maps or literal-prefiltered glob automata built once; none compiles a
//! regex or allocates for a name the tables already spell.
//!
//! - [`Catalogue::call`]: by qualified name (`"ftplib.FTP.storbinary"`; call markers and Qt
//!   binding prefixes are normalised: `PyQt5.QtNetwork.QTcpSocket().write` is
//!   `qgis.PyQt.QtNetwork.QTcpSocket.write`), including members a class inherits from a
//!   catalogued base (`@bases`: `ftplib.FTP_TLS.storbinary`). Attributes are looked up the same
//!   way (`os.environ`).
//! - [`Catalogue::method`]: by method name when the receiver's type is unknown
//!   (`"storbinary"` -> every entry of that name, each with its class: [`Entry::class`]).
//! - [`Catalogue::member`]: by class name and method (`("QgsAuthManager", "masterPasswordIsSet")`)
//!   when only the class's short name is known (star imports).
//! - [`Catalogue::path`]: path globs, case-insensitive, `\` as `/`, with the resolver's
//!   placeholders: `~` (also `<home>`, `$HOME`, `%USERPROFILE%`), `<profile>` (the QGIS
//!   profile folder), `<plugins-dir>`, `<site-packages>`, `<tmp>`.
//! - [`Catalogue::env`]: environment variable globs.
//! - [`Catalogue::project_entry`]: project entries (`("Macros", "/pythonCode")`).
//! - [`Catalogue::setting`]: settings key globs (case-insensitive, leading `/` ignored);
//!   [`Catalogue::settings_group`]: every key glob some key under a group could match (what
//!   `beginGroup(g)` + `childGroups()`/`allKeys()` enumerates).
//!
//! A lookup returns [`Hits`]: the entries of every table that match (one name can be a sink and
//! a source: `requests.get` sends its URL and returns remote data), with `sink()`, `source()`,
//! ... to pick one table's. Entries of kind `none` are returned too (the API is known and does
//! nothing of interest); [`Kind::is_none`] tells them apart.
//!
//! # Arguments
//!
//! [`Entry::args`] says which arguments carry the data: [`Role::Payload`] (what is sent or
//! written), [`Role::Url`], [`Role::Host`], [`Role::Command`], [`Role::Code`], [`Role::Path`],
//! [`Role::Key`], [`Role::Value`], [`Role::Input`] (a transform's input), each by position,
//! keyword, both, or the receiver (`str.encode`). [`Entry::role_of_position`] and
//! [`Entry::role_of_keyword`] answer for one argument of a call.

pub mod glob;
mod kinds;
mod names;
pub mod table;

use std::borrow::Cow;

use rustc_hash::FxHashMap;

pub use kinds::{
    Carries, Kind, Role, RunnerKind, SettingKind, SinkKind, SourceKind, Table, TransformKind,
};
pub use names::{normalise, normalise_env, normalise_key, normalise_path};
pub use table::{ArgSpec, Claim, ClaimKind, Entry, Form, Surface, TableError};

use glob::GlobSet;

/// The builtin table files, compiled in.
pub const BUILTIN_TABLES: &[(Table, &str, &str)] = &[
    (
        Table::Sources,
        "sources.tsv",
        include_str!("../tables/sources.tsv"),
    ),
    (
        Table::Sinks,
        "sinks.tsv",
        include_str!("../tables/sinks.tsv"),
    ),
    (
        Table::Transforms,
        "transforms.tsv",
        include_str!("../tables/transforms.tsv"),
    ),
    (
        Table::Runners,
        "runners.tsv",
        include_str!("../tables/runners.tsv"),
    ),
    (
        Table::Settings,
        "settings.tsv",
        include_str!("../tables/settings.tsv"),
    ),
];

/// The surface lists extracted from QGIS's sources (PyQGIS classes' members, settings keys),
/// which the coverage tests compare the PyQGIS and settings claims with.
pub const PYQGIS_SURFACE: &str = include_str!("../tables/surface/pyqgis.tsv");
pub const QGIS_SETTINGS_SURFACE: &str = include_str!("../tables/surface/qgis-settings.tsv");

/// Every table, indexed for lookups.
#[derive(Debug, Default)]
pub struct Catalogue {
    entries: Vec<Entry>,
    claims: Vec<Claim>,
    bases: FxHashMap<Box<str>, Vec<Box<str>>>,
    /// Qualified name (own and inherited) -> entries.
    names: FxHashMap<Box<str>, Vec<u32>>,
    /// Last component -> entries (own names only).
    by_last: FxHashMap<Box<str>, Vec<u32>>,
    /// `Class.member` -> entries (own and inherited).
    by_last_two: FxHashMap<Box<str>, Vec<u32>>,
    paths: GlobSet,
    /// Programs' rows that apply to some command lines only (`words=`): kept apart from the
    /// paths, so that a file named like the program is not that program's output.
    commands: GlobSet,
    envs: GlobSet,
    keys: GlobSet,
    project_entries: GlobSet,
    /// Name -> the type of its value or result (`returns=`), to follow chains of calls.
    returns: FxHashMap<Box<str>, Box<str>>,
}

/// What makes a row unique: its table, form, pattern and the words a program's row needs.
type RowKey = (Table, Form, Box<str>, Vec<Box<str>>);

/// How many `returns=` links a lookup follows (`a.b().c().d()`).
const MAX_CHAIN: usize = 4;

/// The entries a lookup found, across tables, in table order.
#[derive(Debug, Clone)]
pub struct Hits<'a> {
    entries: &'a [Entry],
    ids: Cow<'a, [u32]>,
}

impl<'a> Hits<'a> {
    fn new(catalogue: &'a Catalogue, ids: Cow<'a, [u32]>) -> Hits<'a> {
        Hits {
            entries: &catalogue.entries,
            ids,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Every entry found.
    pub fn iter(&self) -> impl Iterator<Item = &'a Entry> + '_ {
        let entries = self.entries;
        self.ids.iter().map(move |&i| &entries[i as usize])
    }

    /// The first entry of one table.
    pub fn in_table(&self, table: Table) -> Option<&'a Entry> {
        self.iter().find(|e| e.table == table)
    }

    /// The first entry whose kind `pick` accepts, with the kind it picked.
    fn first<K>(&self, pick: impl Fn(Kind) -> Option<K>) -> Option<(&'a Entry, K)> {
        self.iter().find_map(|e| pick(e.kind).map(|k| (e, k)))
    }

    /// The source entry and its kind.
    pub fn source(&self) -> Option<(&'a Entry, SourceKind)> {
        self.first(|k| match k {
            Kind::Source(k) => Some(k),
            _ => None,
        })
    }

    /// The sink entry and its kind.
    pub fn sink(&self) -> Option<(&'a Entry, SinkKind)> {
        self.first(|k| match k {
            Kind::Sink(k) => Some(k),
            _ => None,
        })
    }

    /// The transform entry and its kind.
    pub fn transform(&self) -> Option<(&'a Entry, TransformKind)> {
        self.first(|k| match k {
            Kind::Transform(k) => Some(k),
            _ => None,
        })
    }

    /// The runner entry and its kind.
    pub fn runner(&self) -> Option<(&'a Entry, RunnerKind)> {
        self.first(|k| match k {
            Kind::Runner(k) => Some(k),
            _ => None,
        })
    }

    /// The settings entry and its kind.
    pub fn setting(&self) -> Option<(&'a Entry, SettingKind)> {
        self.first(|k| match k {
            Kind::Setting(k) => Some(k),
            _ => None,
        })
    }
}

impl Entry {
    /// The class (or module) part of a qualified name: `ftplib.FTP.storbinary` -> `ftplib.FTP`.
    pub fn class(&self) -> &str {
        match self.pattern.rfind('.') {
            Some(at) if self.form == Form::Name => &self.pattern[..at],
            _ => "",
        }
    }

    /// The entry for evidence text: `ftplib.FTP.storbinary (sends data over the network;
    /// Python 3.11.7 ftplib)`.
    pub fn describe(&self) -> String {
        let what = if self.note.is_empty() {
            self.kind.meaning()
        } else {
            &self.note
        };
        format!("{} ({what}; {})", self.pattern, self.provenance)
    }
}

impl Catalogue {
    /// The builtin tables (the same as [`Catalogue::builtin`]).
    pub fn global() -> &'static Catalogue {
        Catalogue::builtin()
    }

    /// The builtin tables, parsed once. The tables are part of the build and their tests parse
    /// them, so a broken table fails `cargo test -p validator-api-catalogue`, never a scan.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            let files: Vec<(Table, &'static str, &'static str)> = BUILTIN_TABLES.to_vec();
            match Catalogue::parse(&files) {
                Ok(catalogue) => catalogue,
                // The tables are compiled in: a parse error is a build defect the crate's
                // tests report with its file and line.
                Err(e) => panic!("the builtin API catalogue does not parse: {e}"),
            }
        })
    }

    /// Parses and indexes table files: `(table, file name, text)`.
    pub fn parse(files: &[(Table, &'static str, &str)]) -> Result<Catalogue, TableError> {
        let mut catalogue = Catalogue::default();
        // A program's rows differ by the words they need (`security find-generic-password`,
        // `security dump-keychain`).
        let mut seen: FxHashMap<RowKey, (&'static str, u32)> = FxHashMap::default();
        for &(table, file, text) in files {
            let parsed = table::parse(table, file, text)?;
            seen.reserve(parsed.entries.len());
            catalogue.entries.reserve(parsed.entries.len());
            for entry in parsed.entries {
                let key = (
                    table,
                    entry.form,
                    entry.pattern.clone(),
                    entry.words.clone(),
                );
                if let Some((first_file, first_line)) = seen.get(&key) {
                    return Err(TableError {
                        file: file.to_owned(),
                        line: entry.line,
                        message: format!(
                            "`{}` is listed twice (first at {first_file}:{first_line})",
                            entry.pattern
                        ),
                    });
                }
                seen.insert(key, (file, entry.line));
                catalogue.entries.push(entry);
            }
            catalogue.claims.extend(parsed.claims);
            for (class, bases) in parsed.bases {
                let known = catalogue.bases.entry(class).or_default();
                for base in bases {
                    if !known.contains(&base) {
                        known.push(base);
                    }
                }
            }
        }
        catalogue.index();
        Ok(catalogue)
    }

    fn index(&mut self) {
        // Sized once: growing the maps entry by entry was a sixth of the parse.
        let rows = self.entries.len();
        self.names.reserve(rows);
        self.by_last.reserve(rows);
        self.by_last_two.reserve(rows);
        for (i, entry) in self.entries.iter().enumerate() {
            let id = i as u32;
            match entry.form {
                Form::Name => {
                    if let Some(returns) = &entry.returns {
                        self.returns
                            .entry(entry.pattern.clone())
                            .or_insert_with(|| returns.clone());
                    }
                    push(&mut self.names, &entry.pattern, id);
                    push(&mut self.by_last, names::last(&entry.pattern), id);
                    if let Some(two) = names::last_two(&entry.pattern) {
                        push(&mut self.by_last_two, two, id);
                    }
                }
                Form::Path if !entry.words.is_empty() => {
                    self.commands.push(&normalise_path(&entry.pattern), id);
                }
                Form::Path => self.paths.push(&normalise_path(&entry.pattern), id),
                Form::Env => self.envs.push(&normalise_env(&entry.pattern), id),
                Form::Key => self.keys.push(&normalise_key(&entry.pattern), id),
                Form::ProjectEntry => self
                    .project_entries
                    .push(&normalise_key(&entry.pattern), id),
            }
        }
        self.paths.build();
        self.commands.build();
        self.envs.build();
        self.keys.build();
        self.project_entries.build();
        self.inherit();
    }

    /// Adds `Class.member` names for members a class inherits from its catalogued bases, per
    /// table: an entry the class lists itself wins over its base's.
    fn inherit(&mut self) {
        let classes: Vec<Box<str>> = self.bases.keys().cloned().collect();
        for class in classes {
            let mut ancestors = Vec::new();
            self.ancestors(&class, &mut ancestors);
            let mut added: Vec<(String, u32)> = Vec::new();
            for ancestor in &ancestors {
                let prefix = format!("{ancestor}.");
                for (i, entry) in self.entries.iter().enumerate() {
                    let Some(member) = entry.pattern.strip_prefix(prefix.as_str()) else {
                        continue;
                    };
                    if entry.form != Form::Name || member.contains('.') {
                        continue;
                    }
                    let name = format!("{class}.{member}");
                    let own = self.names.get(name.as_str()).is_some_and(|ids| {
                        ids.iter()
                            .any(|&j| self.entries[j as usize].table == entry.table)
                    });
                    let already = added
                        .iter()
                        .any(|(n, j)| *n == name && self.entries[*j as usize].table == entry.table);
                    if !own && !already {
                        added.push((name, i as u32));
                    }
                }
            }
            for (name, id) in added {
                if let Some(two) = names::last_two(&name) {
                    push(&mut self.by_last_two, two, id);
                }
                // An inherited attribute has its type too (`Handler.wfile.write`).
                if let Some(returns) = &self.entries[id as usize].returns {
                    self.returns
                        .entry(name.as_str().into())
                        .or_insert_with(|| returns.clone());
                }
                push(&mut self.names, &name, id);
            }
        }
    }

    /// Every catalogued base of a class, nearest first, each once.
    fn ancestors(&self, class: &str, out: &mut Vec<Box<str>>) {
        for base in self.bases.get(class).into_iter().flatten() {
            if !out.contains(base) && **base != *class {
                out.push(base.clone());
                self.ancestors(base, out);
            }
        }
    }

    /// Every entry, in table order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries of one table.
    pub fn entries_in(&self, table: Table) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.table == table)
    }

    /// The `@covers` claims of every table.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// A class's catalogued bases (`@bases`).
    pub fn bases_of(&self, class: &str) -> &[Box<str>] {
        self.bases.get(class).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The members one table classifies for a class or module, own and inherited:
    /// `(member, entry)`.
    pub fn members(&self, table: Table, class: &str) -> Vec<(&str, &Entry)> {
        let prefix = format!("{class}.");
        let mut out: Vec<(&str, &Entry)> = self
            .names
            .iter()
            .filter_map(|(name, ids)| {
                let member = name.strip_prefix(prefix.as_str())?;
                if member.contains('.') {
                    return None;
                }
                let entry = ids
                    .iter()
                    .map(|&i| &self.entries[i as usize])
                    .find(|e| e.table == table)?;
                Some((member, entry))
            })
            .collect();
        out.sort_by_key(|(member, _)| *member);
        out
    }

    /// The entries of a qualified name (a call or an attribute).
    ///
    /// A name the tables do not spell is normalised (call markers dropped, Qt bindings as
    /// `qgis.PyQt`), then followed through the types of values and results (`returns=`):
    /// `qgis.core.QgsApplication.authManager().configIds` is
    /// `qgis.core.QgsAuthManager.configIds`, `qgis.PyQt.QtWidgets.QApplication.clipboard().setText`
    /// is `qgis.PyQt.QtGui.QClipboard.setText`, `qgis.utils.iface.openURL` is
    /// `qgis.gui.QgisInterface.openURL` (at most four links).
    pub fn call(&self, name: &str) -> Hits<'_> {
        if let Some(ids) = self.names.get(name) {
            return Hits::new(self, Cow::Borrowed(ids));
        }
        let ids = self.resolve(&normalise(name), MAX_CHAIN).unwrap_or(&[]);
        Hits::new(self, Cow::Borrowed(ids))
    }

    /// The qualified name a (normalised) name stands for once the types of its prefixes are
    /// followed: `qgis.core.QgsApplication.authManager().configIds` ->
    /// `qgis.core.QgsAuthManager.configIds`; the name itself when no prefix has a known type.
    pub fn canonical(&self, name: &str) -> String {
        let mut current = normalise(name).into_owned();
        for _ in 0..MAX_CHAIN {
            if self.names.contains_key(current.as_str()) {
                break;
            }
            match self.retype(&current) {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }

    /// The type of a name's value or result (`returns=`), after following its prefixes.
    pub fn type_of(&self, name: &str) -> Option<&str> {
        let name = self.canonical(name);
        self.returns.get(name.as_str()).map(|t| &**t)
    }

    fn resolve(&self, name: &str, links: usize) -> Option<&[u32]> {
        if let Some(ids) = self.names.get(name) {
            return Some(ids);
        }
        if links == 0 || self.returns.is_empty() {
            return None;
        }
        self.resolve(&self.retype(name)?, links - 1)
    }

    /// The name with its longest typed prefix replaced by the prefix's type:
    /// `qgis.core.QgsApplication.authManager.configIds` -> `qgis.core.QgsAuthManager.configIds`.
    fn retype(&self, name: &str) -> Option<String> {
        let mut end = name.len();
        while let Some(dot) = name[..end].rfind('.') {
            if let Some(typ) = self.returns.get(&name[..dot]) {
                // A class that returns itself (a constructor) adds nothing.
                if **typ != name[..dot] {
                    return Some(format!("{typ}{}", &name[dot..]));
                }
            }
            end = dot;
        }
        None
    }

    /// Every entry whose last component is `method` (the receiver's type unknown).
    pub fn method(&self, method: &str) -> Hits<'_> {
        let ids = self.by_last.get(method).map(Vec::as_slice).unwrap_or(&[]);
        Hits::new(self, Cow::Borrowed(ids))
    }

    /// The entries of `Class.member` for a class known by its short name.
    pub fn member(&self, class: &str, member: &str) -> Hits<'_> {
        let key = format!("{class}.{member}");
        let ids = self
            .by_last_two
            .get(key.as_str())
            .cloned()
            .unwrap_or_default();
        Hits::new(self, Cow::Owned(ids))
    }

    /// The entries whose path glob matches a path (folded by the resolver or written out).
    pub fn path(&self, path: &str) -> Hits<'_> {
        let ids = self.paths.matches(normalise_path(path).as_bytes());
        Hits::new(self, Cow::Owned(ids))
    }

    /// The program rows (`path:` with `words=`) of a command line's words: the rows whose
    /// glob matches its first word and whose every word begins one of its words.
    pub fn command(&self, words: &[&str]) -> Hits<'_> {
        let Some(program) = words.first() else {
            return Hits::new(self, Cow::Owned(Vec::new()));
        };
        let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
        let ids = self
            .commands
            .matches(normalise_path(program).as_bytes())
            .into_iter()
            .filter(|&id| {
                self.entries[id as usize]
                    .words
                    .iter()
                    .all(|w| lower.iter().any(|x| x.starts_with(&**w)))
            })
            .collect();
        Hits::new(self, Cow::Owned(ids))
    }

    /// The entries whose environment variable glob matches a variable name.
    pub fn env(&self, name: &str) -> Hits<'_> {
        let ids = self.envs.matches(normalise_env(name).as_bytes());
        Hits::new(self, Cow::Owned(ids))
    }

    /// The settings entries whose key glob matches a key.
    pub fn setting(&self, key: &str) -> Hits<'_> {
        let ids = self.keys.matches(normalise_key(key).as_bytes());
        Hits::new(self, Cow::Owned(ids))
    }

    /// The settings entries of a project entry (`QgsProject.writeEntry(scope, key, ...)`):
    /// `project_entry("Macros", "/pythonCode")`.
    pub fn project_entry(&self, scope: &str, key: &str) -> Hits<'_> {
        let joined = normalise_key(&format!("{scope}/{key}"));
        let ids = self.project_entries.matches(joined.as_bytes());
        Hits::new(self, Cow::Owned(ids))
    }

    /// The settings entries some key under `group` could match: what enumerating the group
    /// (`beginGroup(group)` then `childGroups()`/`childKeys()`/`allKeys()`) may read. The empty
    /// group (the root) matches every entry.
    pub fn settings_group(&self, group: &str) -> Hits<'_> {
        let mut prefix = normalise_key(group);
        if !prefix.is_empty() {
            prefix.push('/');
        }
        let ids = self.keys.prefix_matches(prefix.as_bytes());
        Hits::new(self, Cow::Owned(ids))
    }
}

fn push(map: &mut FxHashMap<Box<str>, Vec<u32>>, key: &str, id: u32) {
    match map.get_mut(key) {
        Some(ids) => {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        None => {
            map.insert(key.into(), vec![id]);
        }
    }
}
