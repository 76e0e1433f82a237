//! Runs Bandit 1.9.4 (the reference, installed at test time) and our engine on the same files,
//! and compares their results.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use validator_python::{PythonLimits, PythonModule};
use validator_security::analyse_module;
use validator_testkit::reference;

/// One result as both tools report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Result {
    /// Path relative to the scanned folder.
    pub file: String,
    pub line: u32,
    pub test_id: String,
    pub severity: String,
    pub confidence: String,
}

impl Result {
    pub fn key(&self) -> (String, u32, String) {
        (self.file.clone(), self.line, self.test_id.clone())
    }
}

/// What one tool reports for a folder: results, and files it could not analyse.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<Result>,
    pub errors: BTreeSet<String>,
}

/// The Python files Bandit scans with `-r` (`*.py`, `*.pyw`).
pub fn python_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py" || e == "pyw") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Our engine on every Python file under `root`; suppressed results are left out, like Bandit.
pub fn ours(root: &Path) -> Report {
    let mut report = Report::default();
    let limits = PythonLimits::default();
    for path in python_files(root) {
        let file = relative(root, &path);
        let bytes = std::fs::read(&path).expect("readable file");
        let module = match PythonModule::parse(&bytes, &limits) {
            Ok(module) => module,
            Err(_) => {
                report.errors.insert(file);
                continue;
            }
        };
        match analyse_module(&module) {
            Ok(issues) => {
                for issue in issues.into_iter().filter(|i| i.nosec.is_none()) {
                    report.results.push(Result {
                        file: file.clone(),
                        line: issue.line,
                        test_id: issue.rule.id().to_owned(),
                        severity: issue.severity.to_string(),
                        confidence: issue.confidence.to_string(),
                    });
                }
            }
            Err(_) => {
                report.errors.insert(file);
            }
        }
    }
    report.results.sort();
    report
}

/// Bandit 1.9.4 with its default profile on `root`, recursively.
pub fn bandit(root: &Path) -> Report {
    let bandit = reference::tool("reference", "bandit");
    let output = Command::new(&bandit)
        .args(["-r", "-f", "json", "-q"])
        .arg(root)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bandit.display()));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bandit did not print JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut report = Report::default();
    for result in json["results"].as_array().expect("results") {
        let path = Path::new(result["filename"].as_str().expect("filename"));
        report.results.push(Result {
            file: relative(root, path),
            line: result["line_number"].as_u64().expect("line") as u32,
            test_id: result["test_id"].as_str().expect("test id").to_owned(),
            severity: result["issue_severity"]
                .as_str()
                .expect("severity")
                .to_owned(),
            confidence: result["issue_confidence"]
                .as_str()
                .expect("confidence")
                .to_owned(),
        });
    }
    for error in json["errors"].as_array().expect("errors") {
        let path = Path::new(error["filename"].as_str().expect("filename"));
        report.errors.insert(relative(root, path));
    }
    report.results.sort();
    report
}

/// Agreement on (file, line, test id) over the files both tools analysed.
#[derive(Debug, Default)]
pub struct Agreement {
    pub matched: usize,
    /// Ours only.
    pub extra: Vec<Result>,
    /// Bandit only.
    pub missing: Vec<Result>,
    /// Same (file, line, test id), different severity or confidence.
    pub rated_differently: Vec<(Result, Result)>,
    pub per_test: BTreeMap<String, (usize, usize, usize)>,
}

impl Agreement {
    pub fn precision(&self) -> f64 {
        let ours = self.matched + self.extra.len();
        if ours == 0 {
            1.0
        } else {
            self.matched as f64 / ours as f64
        }
    }

    pub fn recall(&self) -> f64 {
        let theirs = self.matched + self.missing.len();
        if theirs == 0 {
            1.0
        } else {
            self.matched as f64 / theirs as f64
        }
    }

    pub fn table(&self) -> String {
        let mut out = String::from("test  matched  ours-only  bandit-only\n");
        for (test, (matched, extra, missing)) in &self.per_test {
            out.push_str(&format!("{test:5} {matched:8} {extra:10} {missing:12}\n"));
        }
        out
    }
}

/// Compares the results on the files neither tool refused (`skip_files`: files to leave out).
pub fn compare(ours: &Report, theirs: &Report, skip_files: &BTreeSet<String>) -> Agreement {
    let refused: BTreeSet<&String> = ours
        .errors
        .iter()
        .chain(&theirs.errors)
        .chain(skip_files)
        .collect();
    let keep = |r: &&Result| !refused.contains(&r.file);
    let mut theirs_by_key: BTreeMap<(String, u32, String), Vec<&Result>> = BTreeMap::new();
    for r in theirs.results.iter().filter(keep) {
        theirs_by_key.entry(r.key()).or_default().push(r);
    }
    let mut agreement = Agreement::default();
    for r in ours.results.iter().filter(keep) {
        let entry = agreement.per_test.entry(r.test_id.clone()).or_default();
        match theirs_by_key.get_mut(&r.key()).and_then(|v| v.pop()) {
            Some(theirs) => {
                agreement.matched += 1;
                entry.0 += 1;
                if theirs.severity != r.severity || theirs.confidence != r.confidence {
                    agreement
                        .rated_differently
                        .push((r.clone(), theirs.clone()));
                }
            }
            None => {
                entry.1 += 1;
                agreement.extra.push(r.clone());
            }
        }
    }
    for left in theirs_by_key.into_values().flatten() {
        agreement
            .per_test
            .entry(left.test_id.clone())
            .or_default()
            .2 += 1;
        agreement.missing.push(left.clone());
    }
    agreement
}
