//! flake8 7.5.0 itself against our engine on real code from pinned PyPI sdists, with the
//! website's settings (`--max-line-length=120 --max-complexity=10`), compared on
//! (file, line, code) per code and on the column of every agreed finding.
//!
//! `cargo test -p validator-quality --test flake8_real_code -- --nocapture` prints the table
//! that docs/quality.md reproduces.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use validator_python::{PythonLimits, PythonModule};
use validator_quality::{lint_module, Settings};
use validator_testkit::reference::{sdist, tool};

/// Pinned sources: GIS code like QGIS plugins use (pyshp, OWSLib), old-style code (six, xlrd,
/// configobj, pyparsing, pep8), Python 2 code (BeautifulSoup 3, pyPdf: syntax errors, tabs) and
/// modern, typed code (requests, httpx, attrs, click).
const SDISTS: &[(&str, &str)] = &[
    ("pyshp", "2.3.1"),
    ("OWSLib", "0.31.0"),
    ("six", "1.16.0"),
    ("requests", "2.32.3"),
    ("xlrd", "2.0.1"),
    ("BeautifulSoup", "3.2.2"),
    ("pyPdf", "1.13"),
    ("pep8", "1.7.1"),
    ("configobj", "5.0.6"),
    ("pyparsing", "2.4.7"),
    ("httpx", "0.27.0"),
    ("attrs", "23.2.0"),
    ("click", "8.1.7"),
];

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

type Key = (String, usize);

#[test]
fn flake8_agrees_on_real_code() {
    let flake8 = tool("reference", "flake8");
    let dirs: Vec<PathBuf> = SDISTS.iter().map(|(n, v)| sdist(n, v)).collect();
    let output = Command::new(&flake8)
        .args([
            "--max-line-length=120",
            "--max-complexity=10",
            "--exit-zero",
            "--format=%(path)s\t%(row)d\t%(col)d\t%(code)s",
        ])
        .args(&dirs)
        .output()
        .expect("runs flake8");
    assert!(
        output.status.success(),
        "flake8 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut theirs: Vec<(Key, String)> = Vec::new();
    let mut their_columns = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        let [path, row, col, code] = parts.as_slice() else {
            panic!("unexpected flake8 line {line:?}");
        };
        let key = (path.to_string(), row.parse().expect("row"));
        their_columns
            .entry((key.clone(), code.to_string()))
            .or_insert_with(Vec::new)
            .push(col.parse::<usize>().expect("col"));
        theirs.push((key, code.to_string()));
    }
    assert!(theirs.len() > 1000, "flake8 reported only {}", theirs.len());

    let settings = Settings::website();
    let mut ours: Vec<(Key, String)> = Vec::new();
    let mut our_columns = BTreeMap::new();
    let mut files = Vec::new();
    for dir in &dirs {
        python_files(dir, &mut files);
    }
    for file in &files {
        let bytes = std::fs::read(file).expect("reads the file");
        let path = file.to_string_lossy().to_string();
        let Ok(module) = PythonModule::parse(&bytes, &PythonLimits::default()) else {
            ours.push(((path, 1), "E902".to_owned()));
            continue;
        };
        for r in lint_module(&module, &path, &settings) {
            if r.noqa.is_some() || !settings.reports(r.violation.code()) {
                continue;
            }
            let key = (path.clone(), r.violation.line);
            our_columns
                .entry((key.clone(), r.violation.code().to_owned()))
                .or_insert_with(Vec::new)
                .push(r.violation.column + 1);
            ours.push((key, r.violation.code().to_owned()));
        }
    }

    let mut table = BTreeMap::new();
    common::compare(&ours, &theirs, &mut table);
    let (mut same_column, mut compared) = (0, 0);
    for (key, cols) in &their_columns {
        if let Some(mine) = our_columns.get(key) {
            for c in cols {
                compared += 1;
                if mine.contains(c) {
                    same_column += 1;
                } else {
                    println!("column differs: {key:?} flake8 {c} ours {mine:?}");
                }
            }
        }
    }
    let mut only_ours: Vec<_> = ours.iter().filter(|o| !theirs.contains(o)).collect();
    let mut only_theirs: Vec<_> = theirs.iter().filter(|t| !ours.contains(t)).collect();
    only_ours.sort();
    only_theirs.sort();
    println!(
        "flake8 7.5.0 vs validator-quality on {} files ({} findings by flake8):\n{}",
        files.len(),
        theirs.len(),
        common::markdown(&table)
    );
    println!("same column on {same_column}/{compared} agreed (file, line, code)");
    for o in only_ours.iter().take(40) {
        println!("only ours: {o:?}");
    }
    for t in only_theirs.iter().take(40) {
        println!("only flake8: {t:?}");
    }
    let total = common::website_total(&table);
    println!(
        "website codes: precision {:.2}% recall {:.2}% ({total:?})",
        100.0 * total.precision(),
        100.0 * total.recall()
    );
    assert!(
        total.precision() >= 0.99 && total.recall() >= 0.99,
        "website codes below 99%: {total:?}"
    );
}

/// `# noqa` in its forms, compared with flake8 on the same file.
#[test]
fn noqa_forms_agree_with_flake8() {
    let flake8 = tool("reference", "flake8");
    let source = concat!(
        "import os  # noqa\n",
        "import sys  # noqa:E501\n",
        "import re  # noqa : F401\n",
        "import json  # NoQA: F4\n",
        "import abc  # noqa:F401,E261\n",
        "import csv # noqa: E261\n",
        "x = '''\n",
        "  a string over lines\n",
        "'''  # noqa\n",
        "y = [1,2]  # noqa: e231\n",
        "z = (1,\n",
        "     2 ,3)  # noqa: E203\n",
        "if x == None:  # noqa: E711 trailing words\n",
        "    pass\n",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("noqa_forms.py");
    std::fs::write(&path, source).expect("writes");
    let output = Command::new(&flake8)
        .args(["--exit-zero", "--format=%(row)d\t%(col)d\t%(code)s"])
        .arg(&path)
        .output()
        .expect("runs flake8");
    let mut theirs: Vec<(usize, usize, String)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.split('\t').collect();
            (
                p[0].parse().expect("row"),
                p[1].parse().expect("col"),
                p[2].to_owned(),
            )
        })
        .collect();
    let mut ours: Vec<(usize, usize, String)> =
        validator_quality::lint_source(source, "noqa_forms.py", &Settings::flake8())
            .into_iter()
            .map(|v| (v.line, v.column + 1, v.code().to_owned()))
            .collect();
    theirs.sort();
    ours.sort();
    assert!(!theirs.is_empty());
    assert_eq!(ours, theirs);
}
