//! A rule is one typed thing: detection code emits `Rule::B602`, and the id is written once, in
//! the catalogue (as the variant's name), never again as a string in the engine's source.

use std::path::{Path, PathBuf};

use validator_security::RULES;

fn sources(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_rule_id_is_written_as_a_string_in_the_source() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(!files.is_empty());
    let mut written = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for rule in RULES.iter() {
            if text.contains(&format!("\"{}\"", rule.id)) {
                written.push(format!("{} in {}", rule.id, file.display()));
            }
        }
    }
    assert!(
        written.is_empty(),
        "emit rules by type (Rule::B602), not by id string: {written:?}"
    );
}
