//! Bandit's own examples: our engine against Bandit 1.9.4 run on the same files, and against the
//! severity/confidence counts its functional tests expect.

mod common;

use std::collections::BTreeSet;

use validator_testkit::reference;

#[test]
fn bandit_examples_match_bandit() {
    let sdist = reference::sdist("bandit", "1.9.4");
    let examples = sdist.join("examples");
    let ours = common::ours(&examples);
    let theirs = common::bandit(&examples);
    let agreement = common::compare(&ours, &theirs, &BTreeSet::new());
    println!("{}", agreement.table());
    println!("errors: ours {:?}\nbandit {:?}", ours.errors, theirs.errors);
    for r in &agreement.extra {
        println!("ours only: {r:?}");
    }
    for r in &agreement.missing {
        println!("bandit only: {r:?}");
    }
    for (a, b) in &agreement.rated_differently {
        println!("rated differently: ours {a:?} bandit {b:?}");
    }
    println!(
        "precision {:.4} recall {:.4}",
        agreement.precision(),
        agreement.recall()
    );
}
