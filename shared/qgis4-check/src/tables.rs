//! The Qt enum tables of QGIS's migration script, generated into `data/qt-enums.tsv` by
//! `infra/qgis4/reference.py tsv` (never edited by hand; docs/qgis4.md says how to regenerate).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The generated tables, embedded in the binary.
const QT_ENUMS_TSV: &str = include_str!("../data/qt-enums.tsv");

/// What the script does with `CLASS.MEMBER` written unscoped. Borrowed from the embedded file:
/// parsing allocates no string per member (the tables hold about 22,500), so a scan pays
/// little for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumFix {
    /// Rewrites it to `CLASS.ENUM.MEMBER`.
    Member { enum_name: &'static str },
    /// Rewrites it to this (an alias the script found); `None`: it wants to but cannot (the
    /// scoped name does not exist in PyQt6), and says so.
    Other(Option<&'static str>),
    /// The member belongs to several enums of the class: the script picks one when PyQt6 tells
    /// which (`replacement`), else it only warns, listing the candidates (enum names,
    /// space-separated).
    Ambiguous {
        replacement: Option<&'static str>,
        candidates: &'static str,
    },
}

impl EnumFix {
    /// What the script writes for `class.member`, if anything.
    pub fn replacement(&self, class: &str, member: &str) -> Option<String> {
        match self {
            EnumFix::Member { enum_name } => Some(format!("{class}.{enum_name}.{member}")),
            EnumFix::Other(replacement) | EnumFix::Ambiguous { replacement, .. } => {
                replacement.map(str::to_owned)
            }
        }
    }

    /// The scoped names an ambiguous member may mean (empty for the others).
    pub fn candidates(&self, class: &str, member: &str) -> Vec<String> {
        match self {
            EnumFix::Ambiguous { candidates, .. } => candidates
                .split(' ')
                .filter(|c| !c.is_empty())
                .map(|c| format!("{class}.{c}.{member}"))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The script's tables: unscoped members, renamed members, QVariant type names. Indexed by
/// class when loaded (about 1,600 rows); a class's members are read the first time a plugin
/// names the class, so a scan pays only for the classes its plugin uses.
#[derive(Debug, Default)]
pub struct QtTables {
    classes: HashMap<&'static str, ClassRows>,
    /// QVariant type name -> QMetaType type (`Int` -> `QMetaType.Type.Int`).
    qmetatype: HashMap<&'static str, &'static str>,
    /// The provenance lines of the data file (its `# From:` line).
    pub provenance: &'static str,
    /// Rows that were not understood (none in the shipped file: a test checks it).
    pub malformed: usize,
}

/// The rows of one class, and its members once read.
#[derive(Debug, Default)]
struct ClassRows {
    rows: Vec<Row>,
    members: OnceLock<Members>,
}

#[derive(Debug, Default)]
struct Members {
    enums: HashMap<&'static str, EnumFix>,
    /// member -> replacement of a renamed or removed member (`Qt.MidButton`).
    renamed: HashMap<&'static str, &'static str>,
}

#[derive(Debug, Clone, Copy)]
enum Row {
    Members {
        enum_name: &'static str,
        members: &'static str,
    },
    Fix {
        member: &'static str,
        fix: EnumFix,
    },
    Renamed {
        member: &'static str,
        replacement: &'static str,
    },
}

impl QtTables {
    /// The embedded tables, indexed once per process.
    pub fn get() -> &'static QtTables {
        static TABLES: OnceLock<QtTables> = OnceLock::new();
        TABLES.get_or_init(|| Self::parse(QT_ENUMS_TSV))
    }

    /// Indexes the data file's rows (see its header) by class; malformed rows are skipped and
    /// counted (a test checks there are none).
    pub fn parse(text: &'static str) -> Self {
        let mut tables = Self::default();
        for line in text.lines() {
            if let Some(from) = line.strip_prefix("# From: ") {
                tables.provenance = from;
            }
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let cols: Vec<&'static str> = line.split('\t').collect();
            let non_empty = |s: &'static str| (!s.is_empty()).then_some(s);
            let (class, row) = match cols.as_slice() {
                ["E", class, enum_name, members] => (*class, Row::Members { enum_name, members }),
                ["X", class, member, replacement] => (
                    *class,
                    Row::Fix {
                        member,
                        fix: EnumFix::Other(non_empty(replacement)),
                    },
                ),
                ["A", class, member, replacement, candidates] => (
                    *class,
                    Row::Fix {
                        member,
                        fix: EnumFix::Ambiguous {
                            replacement: non_empty(replacement),
                            candidates,
                        },
                    },
                ),
                ["R", class, member, replacement] => (
                    *class,
                    Row::Renamed {
                        member,
                        replacement,
                    },
                ),
                ["M", "QVariant", name, replacement] => {
                    tables.qmetatype.insert(name, replacement);
                    continue;
                }
                _ => {
                    tables.malformed += 1;
                    tracing::warn!(line, "malformed row in qt-enums.tsv");
                    continue;
                }
            };
            tables.classes.entry(class).or_default().rows.push(row);
        }
        tables
    }

    fn members(&self, class: &str) -> Option<&Members> {
        let rows = self.classes.get(class)?;
        Some(rows.members.get_or_init(|| {
            let mut members = Members::default();
            for row in &rows.rows {
                match *row {
                    Row::Members {
                        enum_name,
                        members: names,
                    } => {
                        for member in names.split(' ').filter(|m| !m.is_empty()) {
                            members.enums.insert(member, EnumFix::Member { enum_name });
                        }
                    }
                    Row::Fix { member, fix } => {
                        members.enums.insert(member, fix);
                    }
                    Row::Renamed {
                        member,
                        replacement,
                    } => {
                        members.renamed.insert(member, replacement);
                    }
                }
            }
            members
        }))
    }

    pub fn enum_fix(&self, class: &str, member: &str) -> Option<&EnumFix> {
        self.members(class)?.enums.get(member)
    }

    pub fn renamed(&self, class: &str, member: &str) -> Option<&'static str> {
        self.members(class)?.renamed.get(member).copied()
    }

    /// What `QVariant.NAME` becomes: the renamed QMetaType type, else `QMetaType.Type.NAME`.
    pub fn qmetatype(&self, name: &str) -> String {
        self.qmetatype
            .get(name)
            .map(|s| (*s).to_owned())
            .unwrap_or_else(|| format!("QMetaType.Type.{name}"))
    }

    /// How many unscoped members the tables know (reads every class: for tests and the docs).
    pub fn enum_count(&self) -> usize {
        self.classes
            .keys()
            .filter_map(|class| self.members(class))
            .map(|m| m.enums.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_tables_parse_whole() {
        let tables = QtTables::get();
        assert_eq!(tables.malformed, 0);
        assert!(tables.enum_count() > 20_000, "{}", tables.enum_count());
        assert!(tables.provenance.contains("pyqt5_to_pyqt6.py (sha256:"));
        let fix = tables.enum_fix("Qt", "AlignLeft").expect("Qt.AlignLeft");
        assert_eq!(
            fix.replacement("Qt", "AlignLeft").as_deref(),
            Some("Qt.AlignmentFlag.AlignLeft")
        );
        assert_eq!(
            tables.renamed("Qt", "MidButton"),
            Some("Qt.MouseButton.MiddleButton")
        );
        assert_eq!(tables.qmetatype("String"), "QMetaType.Type.QString");
        assert_eq!(tables.qmetatype("Int"), "QMetaType.Type.Int");
    }

    #[test]
    fn rows_of_every_kind() {
        let tables = QtTables::parse(
            "# From: test\nE\tQt\tCheckState\tChecked Unchecked\nX\tQQuickView\tHidden\t\n\
             A\tQColorSpace\tSRgb\t\tNamedColorSpace Primaries\nbogus\n",
        );
        assert_eq!(tables.provenance, "test");
        assert_eq!(tables.malformed, 1);
        let fix = |class, member| {
            let fix = tables.enum_fix(class, member).expect("listed");
            (
                fix.replacement(class, member),
                fix.candidates(class, member),
            )
        };
        assert_eq!(
            fix("Qt", "Unchecked"),
            (Some("Qt.CheckState.Unchecked".to_owned()), vec![])
        );
        assert_eq!(fix("QQuickView", "Hidden"), (None, vec![]));
        assert_eq!(
            fix("QColorSpace", "SRgb"),
            (
                None,
                vec![
                    "QColorSpace.NamedColorSpace.SRgb".to_owned(),
                    "QColorSpace.Primaries.SRgb".to_owned()
                ]
            )
        );
        assert_eq!(tables.enum_fix("Qt", "Nothing"), None);
    }
}
