//! Coverage: every class, module or settings group a table claims (`@covers`) is compared with
//! the real API. A public member the table does not classify, or a row naming a member that does
//! not exist, fails the table's test with the claim's file and line.
//!
//! - `stdlib` claims: introspected with `python3` (`infra/catalogue/surface.py check`).
//! - `pypi` claims: introspected in the pinned venv of `infra/requirements-catalogue.txt`
//!   (`infra/python-tools.sh catalogue`, installed on first use under `target/venvs/`).
//! - `pyqgis` claims: compared with `tables/surface/pyqgis.tsv`, extracted from QGIS's
//!   `.sip.in` files by `infra/catalogue/pyqgis_surface.py`.
//! - `qgis-settings` claims: every key of `tables/surface/qgis-settings.tsv` under the group
//!   must match an entry, and every entry under it must lie under one of those keys.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use validator_api_catalogue::{
    Catalogue, Claim, ClaimKind, Surface, Table, PYQGIS_SURFACE, QGIS_SETTINGS_SURFACE,
};

fn catalogue() -> &'static Catalogue {
    Catalogue::builtin()
}

fn repo_root() -> PathBuf {
    validator_testkit::reference::repo_root()
}

/// Every ancestor of a class the catalogue knows (`@bases`, transitively).
fn ancestors(class: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = vec![class.to_owned()];
    while let Some(c) = todo.pop() {
        for base in catalogue().bases_of(&c) {
            if !out.iter().any(|b| **b == **base) {
                out.push(base.to_string());
                todo.push(base.to_string());
            }
        }
    }
    out
}

/// Rows the table lists itself for a claim (not inherited), that should exist on this platform.
fn own_rows(table: Table, claim: &Claim) -> Vec<String> {
    catalogue()
        .members(table, &claim.name)
        .into_iter()
        .filter(|(member, entry)| {
            entry.pattern.as_ref() == format!("{}.{member}", claim.name)
                && entry.platform.as_deref().is_none_or(|p| p == "linux")
                && entry.until.is_none()
        })
        .map(|(member, _)| member.to_owned())
        .collect()
}

fn classified(table: Table, claim: &Claim) -> BTreeSet<String> {
    catalogue()
        .members(table, &claim.name)
        .into_iter()
        .map(|(member, _)| member.to_owned())
        .collect()
}

/// Runs `surface.py check` with one interpreter over the claims; returns the problems.
fn python_problems(table: Table, python: &std::path::Path, claims: &[&Claim]) -> Vec<String> {
    if claims.is_empty() {
        return Vec::new();
    }
    let request: Vec<serde_json::Value> = claims
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name.as_ref(),
                "kind": match c.kind { ClaimKind::Module => "module", _ => "class" },
                "bases": ancestors(&c.name),
                "rows": own_rows(table, c),
            })
        })
        .collect();
    let script = repo_root().join("infra/catalogue/surface.py");
    let mut child = Command::new(python)
        .arg(&script)
        .arg("check")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} {}: {e}", python.display(), script.display()));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(serde_json::to_string(&request).expect("json").as_bytes())
        .expect("write the claims");
    let output = child.wait_with_output().expect("surface.py runs");
    assert!(
        output.status.success(),
        "surface.py check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("surface.py prints JSON");
    let mut problems = Vec::new();
    for claim in claims {
        let at = format!("{}:{} {}", claim.file, claim.line, claim.name);
        let Some(result) = answer.get(claim.name.as_ref()) else {
            problems.push(format!("{at}: no answer from surface.py"));
            continue;
        };
        if let Some(error) = result.get("error") {
            problems.push(format!("{at}: cannot introspect: {error}"));
            continue;
        }
        let listed = classified(table, claim);
        let version = result["version"].as_str().unwrap_or("?");
        if result["surface"].as_array().is_none_or(|s| s.is_empty()) {
            problems.push(format!(
                "{at}: the real API has no public member ({version}): the claim checks nothing"
            ));
        }
        for member in result["surface"].as_array().into_iter().flatten() {
            let member = member.as_str().unwrap_or_default();
            if !listed.contains(member) {
                problems.push(format!(
                    "{at}: `{}.{member}` ({version}) is not classified",
                    claim.name
                ));
            }
        }
        for member in result["missing"].as_array().into_iter().flatten() {
            problems.push(format!(
                "{at}: `{}.{}` is listed but does not exist in {version}",
                claim.name,
                member.as_str().unwrap_or_default()
            ));
        }
    }
    problems
}

/// `class -> members` from the PyQGIS surface list.
fn pyqgis_surface() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in PYQGIS_SURFACE.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut columns = line.split('\t');
        let (Some(class), Some(member)) = (columns.next(), columns.next()) else {
            panic!("bad line in tables/surface/pyqgis.tsv: {line}");
        };
        out.entry(class.to_owned())
            .or_default()
            .insert(member.to_owned());
    }
    out
}

fn pyqgis_problems(table: Table, claims: &[&Claim]) -> Vec<String> {
    let surface = pyqgis_surface();
    let mut problems = Vec::new();
    for claim in claims {
        let at = format!("{}:{} {}", claim.file, claim.line, claim.name);
        let Some(members) = surface.get(claim.name.as_ref()) else {
            problems.push(format!("{at}: not in tables/surface/pyqgis.tsv"));
            continue;
        };
        let listed = classified(table, claim);
        for member in members {
            if !listed.contains(member) {
                problems.push(format!(
                    "{at}: `{}.{member}` (PyQGIS surface) is not classified",
                    claim.name
                ));
            }
        }
        for member in own_rows(table, claim) {
            if !members.contains(&member) {
                problems.push(format!(
                    "{at}: `{}.{member}` is listed but not in the PyQGIS surface",
                    claim.name
                ));
            }
        }
    }
    problems
}

fn settings_problems(table: Table, claims: &[&Claim]) -> Vec<String> {
    let keys: Vec<&str> = QGIS_SETTINGS_SURFACE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .collect();
    let cat = catalogue();
    let mut problems = Vec::new();
    for claim in claims {
        let at = format!("{}:{} {}", claim.file, claim.line, claim.name);
        let group = validator_api_catalogue::normalise_key(&claim.name);
        let under: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| {
                let k = validator_api_catalogue::normalise_key(k);
                k == group || k.starts_with(&format!("{group}/"))
            })
            .collect();
        if under.is_empty() {
            problems.push(format!(
                "{at}: no key of tables/surface/qgis-settings.tsv under the group"
            ));
        }
        for key in &under {
            if cat.setting(key).setting().is_none() {
                problems.push(format!("{at}: QGIS key `{key}` is not classified"));
            }
        }
        // Every row under the group lies under a key QGIS uses (a row is not a typo): the row
        // matches a key, or a key (a group of it) is a prefix of the row.
        let surface_globs: Vec<validator_api_catalogue::glob::Glob> = under
            .iter()
            .map(|k| {
                validator_api_catalogue::glob::Glob::new(&format!(
                    "{}/**",
                    validator_api_catalogue::normalise_key(k)
                ))
            })
            .collect();
        for entry in cat.entries_in(table) {
            let pattern = validator_api_catalogue::normalise_key(&entry.pattern);
            let in_group = pattern == group || pattern.starts_with(&format!("{group}/"));
            let rest_of_group = pattern == format!("{group}/**");
            if in_group
                && !rest_of_group
                && !surface_globs.iter().any(|g| g.is_match(pattern.as_bytes()))
            {
                problems.push(format!(
                    "{}:{}: `{}` is under no QGIS key of {}",
                    entry.file, entry.line, entry.pattern, claim.name
                ));
            }
        }
    }
    problems
}

fn check_table(table: Table) {
    let claims: Vec<&Claim> = catalogue()
        .claims()
        .iter()
        .filter(|c| c.table == table)
        .collect();
    assert!(!claims.is_empty(), "{} claims nothing", table.file());
    let of = |surface: Surface| -> Vec<&Claim> {
        claims
            .iter()
            .copied()
            .filter(|c| c.surface == surface)
            .collect()
    };
    let mut problems = Vec::new();
    problems.extend(python_problems(
        table,
        std::path::Path::new("python3"),
        &of(Surface::Stdlib),
    ));
    let pypi = of(Surface::Pypi);
    if !pypi.is_empty() {
        let python = validator_testkit::reference::venv("catalogue").join("bin/python");
        problems.extend(python_problems(table, &python, &pypi));
    }
    problems.extend(pyqgis_problems(table, &of(Surface::Pyqgis)));
    problems.extend(settings_problems(table, &of(Surface::QgisSettings)));
    assert!(
        problems.is_empty(),
        "{} does not cover what it claims ({} problems):\n{}",
        table.file(),
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn sources_cover_their_claims() {
    check_table(Table::Sources);
}

#[test]
fn sinks_cover_their_claims() {
    check_table(Table::Sinks);
}

#[test]
fn transforms_cover_their_claims() {
    check_table(Table::Transforms);
}

#[test]
fn runners_cover_their_claims() {
    check_table(Table::Runners);
}

#[test]
fn settings_cover_their_claims() {
    check_table(Table::Settings);
}
