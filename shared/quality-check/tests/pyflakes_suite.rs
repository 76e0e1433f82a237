//! pyflakes 4.1.0's own test-suite snippets: recorded from the sdist's tests, checked by
//! pyflakes itself and by our engine, compared on (snippet, line, code).

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use validator_quality::lint_pyflakes;
use validator_testkit::reference::{repo_root, sdist, tool, venv};

#[derive(serde::Deserialize)]
struct Snippet {
    test: String,
    source: String,
    messages: Option<Vec<(String, usize, usize)>>,
}

#[test]
fn pyflakes_test_suite_snippets_agree() {
    let sdist = sdist("pyflakes", "4.1.0");
    let python = tool("reference", "python");
    let site = std::fs::read_dir(venv("reference").join("lib"))
        .expect("venv lib folder")
        .filter_map(Result::ok)
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.exists())
        .expect("venv site-packages");
    let script = repo_root().join("shared/quality-check/tests/harness/pyflakes_snippets.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&sdist)
        .arg(&site)
        .output()
        .expect("runs the reference Python");
    assert!(
        output.status.success(),
        "recording the snippets failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let snippets: Vec<Snippet> = serde_json::from_slice(&output.stdout).expect("JSON snippets");
    assert!(snippets.len() > 300, "only {} snippets", snippets.len());
    let mut table = BTreeMap::new();
    let mut differences = Vec::new();
    for (i, s) in snippets.iter().enumerate() {
        let theirs: Vec<((usize, usize), String)> = match &s.messages {
            Some(m) => m.iter().map(|(c, l, _)| ((i, *l), c.clone())).collect(),
            None => vec![((i, 0), "E999".to_owned())],
        };
        let ours: Vec<((usize, usize), String)> = lint_pyflakes(&s.source, "snippet.py")
            .into_iter()
            .map(|v| {
                let line = if v.code() == "E999" { 0 } else { v.line };
                ((i, line), v.code().to_owned())
            })
            .collect();
        let mut a: Vec<_> = ours.iter().map(|(k, c)| (k.1, c.clone())).collect();
        let mut b: Vec<_> = theirs.iter().map(|(k, c)| (k.1, c.clone())).collect();
        a.sort();
        b.sort();
        if a != b {
            differences.push(format!(
                "{}: ours {a:?} pyflakes {b:?}\n{}",
                s.test, s.source
            ));
        }
        common::compare(&ours, &theirs, &mut table);
    }
    println!(
        "pyflakes test-suite snippets ({}):\n{}",
        snippets.len(),
        common::markdown(&table)
    );
    for d in &differences {
        println!("--- {d}");
    }
    let total = common::website_total(&table);
    println!(
        "website codes: precision {:.2}% recall {:.2}%",
        100.0 * total.precision(),
        100.0 * total.recall()
    );
    assert!(
        total.precision() >= 0.99 && total.recall() >= 0.99,
        "website codes below 99%: {total:?}"
    );
}
