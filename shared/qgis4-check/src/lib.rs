//! The `qgis4` check: will the plugin load in QGIS 4, built on Qt6?
//!
//! plugins.qgis.org offers a plugin to QGIS 4 users when its `metadata.txt` says
//! `qgisMaximumVersion` 4.0 or later (since May 2026; the `supportsQt6` flag is deprecated and
//! no longer decides it), and it works there only when its code has none of the places that
//! fail on PyQt6: direct PyQt5 imports, `exec_`,
//! unscoped enums, `QRegExp`, ... The reference is QGIS's own migration script
//! (`scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py`): every place it changes or warns about is a
//! finding, with the script's replacement, found the way the script finds it (same names, same
//! argument counts, the same enum tables, generated from it into `data/qt-enums.tsv`); the
//! agreement is measured by `tests/reference.rs` and `infra/qgis4/reference.py`. The check's
//! details carry the verdict line ("QGIS 4 ready: yes / no (N places) / declared but not
//! ready"). QGIS's own API that its Qt6 bindings lack or that QGIS 3 deprecated is found from
//! QGIS's SIP definitions (`data/qgis-api.tsv`, [`qgis_api`]). Quality, never blocking by
//! default.

pub mod places;
pub mod qgis_api;
pub mod rules;
pub mod tables;

use std::collections::HashSet;

use validator_archive::Entry;
use validator_domain::{
    Check, CheckContext, CheckDetails, CheckError, CheckOutput, Finding, Qgis4Readiness, RuleInfo,
};
use validator_python::PythonSources;

pub use places::{places, Place};
pub use qgis_api::{api_places, ApiPlace, QgisApi};
pub use rules::{counts_against_readiness, reference_kind, RULES};
pub use tables::QtTables;

pub const CHECK_ID: &str = "qgis4";

/// The qgis4 check.
#[derive(Debug, Default, Clone, Copy)]
pub struct Qgis4Check;

impl Check for Qgis4Check {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "QGIS 4 readiness"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    /// It reads each Python file from the scan's shared parse.
    fn reads_python_files(&self) -> bool {
        true
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        self.run_with_details(ctx).map(|output| output.findings)
    }

    fn run_with_details(&self, ctx: &CheckContext<'_>) -> Result<CheckOutput, CheckError> {
        let archive = ctx.archive;
        let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
        let tables = QtTables::get();
        let python: Vec<&Entry> = PythonSources::python_files(archive).collect();
        let mut files: Vec<FileFindings> = sources.map_entries(archive, &python, |entry| {
            file_findings(ctx, &sources, entry, tables)
        });
        // QGIS API matched by its name alone is the plugin's own when any of its files defines
        // or assigns that name.
        let own: HashSet<String> = files
            .iter_mut()
            .flat_map(|f| std::mem::take(&mut f.own_names))
            .collect();
        let mut found: Vec<(Finding, bool)> = Vec::new();
        for file in files {
            found.extend(file.findings);
            found.extend(
                file.api
                    .into_iter()
                    .filter(|(_, member, by_name)| !(*by_name && own.contains(member)))
                    .map(|(finding, _, _)| (finding, false)),
            );
        }
        let places = found
            .iter()
            .filter(|(f, guarded)| !guarded && counts_against_readiness(&f.rule))
            .count();
        let places = u32::try_from(places).unwrap_or(u32::MAX);
        let declared = declares_qgis4(ctx);
        let readiness = Qgis4Readiness::of(places, declared, supports_qt6_flag(ctx));
        let mut findings: Vec<Finding> = found.into_iter().map(|(f, _)| f).collect();
        findings.extend(metadata_findings(ctx, &readiness));
        findings.retain(|f| (ctx.rule_enabled)(&f.rule));
        tracing::info!(places, declared, state = ?readiness.state, "qgis4 readiness");
        Ok(CheckOutput {
            findings,
            details: CheckDetails {
                qgis4: Some(readiness),
                ..CheckDetails::default()
            },
        })
    }
}

/// What one Python file gives: the migration script's places (each with whether it is in
/// version-guarded code), the uses of listed QGIS API (with the member name and whether it
/// matched by name alone), and the names the file defines or assigns.
#[derive(Default)]
struct FileFindings {
    findings: Vec<(Finding, bool)>,
    api: Vec<(Finding, String, bool)>,
    own_names: HashSet<String>,
}

/// The findings of one Python file. A file Python cannot parse is left out, as the script
/// leaves it (the syntax error is the code quality check's finding); so are QGIS's own
/// generated `auto_additions` files, which the script skips.
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    tables: &QtTables,
) -> FileFindings {
    if entry.name.contains("auto_additions") {
        sources.release(entry);
        return FileFindings::default();
    }
    let Ok(module) = sources.get(ctx.archive, entry) else {
        return FileFindings::default();
    };
    let Some(syntax) = module.syntax().filter(|_| module.is_valid()) else {
        return FileFindings::default();
    };
    let (api, own_names) = api_places(syntax, QgisApi::get());
    let api = api
        .into_iter()
        .filter(|p| (ctx.rule_enabled)(p.place.rule.id))
        .map(|p| {
            let (line, column) = module.line_and_byte_column(p.place.offset);
            let finding = Finding::new(CHECK_ID, p.place.rule, entry.name.clone(), p.place.message)
                .at(line, column);
            (finding, p.member, p.by_name)
        })
        .collect();
    let findings = places(syntax, tables)
        .into_iter()
        .filter(|place| (ctx.rule_enabled)(place.rule.id))
        .map(|place| {
            let (line, column) = module.line_and_byte_column(place.offset);
            let message = if place.guarded && counts_against_readiness(place.rule.id) {
                format!(
                    "{} (in code guarded by a Qt version test or a try/except: not counted \
                     against QGIS 4 readiness)",
                    place.message
                )
            } else {
                place.message
            };
            let finding =
                Finding::new(CHECK_ID, place.rule, entry.name.clone(), message).at(line, column);
            (finding, place.guarded)
        })
        .collect();
    FileFindings {
        findings,
        api,
        own_names,
    }
}

/// The `[general]` value of a `metadata.txt` key, whatever its case (QGIS reads metadata with
/// `configparser`, whose keys are case-insensitive).
fn metadata_value<'m>(ctx: &'m CheckContext<'_>, key: &str) -> Option<&'m str> {
    let metadata = ctx.package.metadata.as_ref().ok()?;
    metadata
        .fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim())
}

/// The deprecated `supportsQt6` flag is true (QGIS's plugin manager accepts `True`, `yes` and
/// `1`).
fn supports_qt6_flag(ctx: &CheckContext<'_>) -> bool {
    metadata_value(ctx, "supportsQt6")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1"))
}

/// A version's major and minor numbers (`4.99` -> (4, 99), `4` -> (4, 0)).
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = match parts.next() {
        Some(minor) => minor.trim().parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

/// The plugin's `qgisMaximumVersion` as QGIS reads it: the value when set, else the minimum
/// version's major with `.99` (`qgisMinimumVersion=3.22` -> 3.99).
fn maximum_version(ctx: &CheckContext<'_>) -> Option<(u32, u32)> {
    match metadata_value(ctx, "qgisMaximumVersion").filter(|v| !v.is_empty()) {
        Some(max) => major_minor(max),
        None => metadata_value(ctx, "qgisMinimumVersion")
            .and_then(major_minor)
            .map(|(major, _)| (major, 99)),
    }
}

/// QGIS 4 is declared: plugins.qgis.org lists a plugin as compatible with QGIS 4 when its
/// `qgisMaximumVersion` is 4.0 or later.
fn declares_qgis4(ctx: &CheckContext<'_>) -> bool {
    maximum_version(ctx).is_some_and(|version| version >= (4, 0))
}

/// `qgisMaximumVersion` as written, or the default QGIS gives it.
fn maximum_version_text(ctx: &CheckContext<'_>) -> String {
    match metadata_value(ctx, "qgisMaximumVersion").filter(|v| !v.is_empty()) {
        Some(max) => format!("qgisMaximumVersion={max}"),
        None => match maximum_version(ctx) {
            Some((major, minor)) => {
                format!("no qgisMaximumVersion (QGIS takes {major}.{minor})")
            }
            None => "no qgisMaximumVersion".to_owned(),
        },
    }
}

/// The metadata rules, from the readiness of the code.
fn metadata_findings(ctx: &CheckContext<'_>, readiness: &Qgis4Readiness) -> Vec<Finding> {
    let path = match ctx.package.top_folder.as_deref() {
        Some(top) => format!("{top}/metadata.txt"),
        None => "metadata.txt".to_owned(),
    };
    let mut findings = Vec::new();
    if readiness.declared && readiness.places > 0 {
        findings.push(Finding::new(
            CHECK_ID,
            &rules::Q4101,
            path.clone(),
            format!(
                "{} declares QGIS 4 compatibility, but {} place(s) in the code fail on Qt6: \
                 QGIS 4 users who install it get a broken plugin",
                maximum_version_text(ctx),
                readiness.places
            ),
        ));
    }
    if readiness.supports_qt6 && !readiness.declared {
        let then = if readiness.places == 0 {
            "the code is ready: set qgisMaximumVersion=4.99 instead".to_owned()
        } else {
            format!(
                "set qgisMaximumVersion=4.99 instead once the {} place(s) in the code that fail \
                 on Qt6 are fixed",
                readiness.places
            )
        };
        findings.push(Finding::new(
            CHECK_ID,
            &rules::Q4102,
            path.clone(),
            format!(
                "supportsQt6 is deprecated and no longer used to determine QGIS 4 \
                 compatibility: plugins.qgis.org lists a plugin for QGIS 4 when \
                 qgisMaximumVersion is 4.0 or later, and this one has {}; {then}",
                maximum_version_text(ctx)
            ),
        ));
    }
    if !readiness.declared
        && !readiness.supports_qt6
        && readiness.places == 0
        && ctx.package.metadata.is_ok()
    {
        findings.push(Finding::new(
            CHECK_ID,
            &rules::Q4103,
            path,
            format!(
                "nothing in the code fails on Qt6, but {} keeps QGIS 4 from offering it: set \
                 qgisMaximumVersion=4.99 once it is tested on QGIS 4",
                maximum_version_text(ctx)
            ),
        ));
    }
    findings
}
