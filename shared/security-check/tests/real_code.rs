//! Real Python from pinned PyPI sdists: our engine against Bandit 1.9.4 on the same files, at
//! least 99% precision and recall on (file, line, test id).

mod common;

use std::collections::BTreeSet;

use validator_testkit::reference;

/// Packages of different ages and styles (Python 2-era code included, which both tools refuse).
const SDISTS: [(&str, &str); 5] = [
    ("requests", "2.32.3"),
    ("urllib3", "1.26.18"),
    ("paramiko", "3.4.0"),
    ("Jinja2", "3.1.4"),
    ("boto", "2.49.0"),
];

#[test]
fn real_code_agrees_with_bandit() {
    let mut total = common::Agreement::default();
    let mut refused = (0, 0);
    for (name, version) in SDISTS {
        let root = reference::sdist(name, version);
        let ours = common::ours(&root);
        let theirs = common::bandit(&root);
        refused.0 += ours.errors.len();
        refused.1 += theirs.errors.len();
        for file in ours.errors.symmetric_difference(&theirs.errors) {
            println!("{name}: only one tool refused {file}");
        }
        let agreement = common::compare(&ours, &theirs, &BTreeSet::new());
        println!(
            "{name} {version}: matched {} ours-only {} bandit-only {}",
            agreement.matched,
            agreement.extra.len(),
            agreement.missing.len()
        );
        for r in &agreement.extra {
            println!("  ours only: {r:?}");
        }
        for r in &agreement.missing {
            println!("  bandit only: {r:?}");
        }
        for (a, b) in &agreement.rated_differently {
            println!("  rated differently: ours {a:?} bandit {b:?}");
        }
        total.matched += agreement.matched;
        total.extra.extend(agreement.extra);
        total.missing.extend(agreement.missing);
        total.rated_differently.extend(agreement.rated_differently);
        for (test, (m, e, x)) in agreement.per_test {
            let entry = total.per_test.entry(test).or_default();
            entry.0 += m;
            entry.1 += e;
            entry.2 += x;
        }
    }
    println!("{}", total.table());
    println!(
        "files refused: ours {} bandit {}; results matched {}, precision {:.4}, recall {:.4}, \
         rated differently {}",
        refused.0,
        refused.1,
        total.matched,
        total.precision(),
        total.recall(),
        total.rated_differently.len()
    );
    assert!(total.matched > 500, "too few results to measure agreement");
    assert!(
        total.precision() >= 0.99,
        "precision {:.4}",
        total.precision()
    );
    assert!(total.recall() >= 0.99, "recall {:.4}", total.recall());
    assert!(
        total.rated_differently.len() * 100 <= total.matched,
        "severity/confidence differ on {} results",
        total.rated_differently.len()
    );
}
