//! The reference tools and peer test suites the compatibility tests compare with, fetched at test
//! time and never committed: pinned Python venvs (`infra/python-tools.sh`) and PyPI sdists
//! (`infra/fetch-sdist.py`), both cached under `target/` and safe to call from parallel tests.
//!
//! A missing tool is a test failure with the reason, never a silent skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the testkit lives two folders below the repository root")
}

/// Where fetched sdists are unpacked (`target/reference`, or `VALIDATOR_REFERENCE_DIR`).
pub fn reference_dir() -> PathBuf {
    std::env::var_os("VALIDATOR_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/reference"))
}

/// A Python venv holding one pinned requirements set: `reference` (bandit, detect-secrets,
/// flake8) or `aws` (moto server, cfn-lint, sam). Installed on first use.
pub fn venv(set: &str) -> PathBuf {
    infra_script("python-tools.sh", &[set])
}

/// Runs a script of `infra/` that prepares something under `target/` and prints its path.
fn infra_script(name: &str, args: &[&str]) -> PathBuf {
    let script = repo_root().join("infra").join(name);
    let output = Command::new("bash")
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "{} {args:?} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// A command installed in one of the venvs (`tool("reference", "bandit")`).
pub fn tool(set: &str, name: &str) -> PathBuf {
    let path = venv(set).join("bin").join(name);
    assert!(path.exists(), "{} is not installed", path.display());
    path
}

/// An unpacked PyPI sdist (`sdist("bandit", "1.9.4")` -> `target/reference/bandit-1.9.4`).
pub fn sdist(name: &str, version: &str) -> PathBuf {
    let script = repo_root().join("infra/fetch-sdist.py");
    let output = Command::new("python3")
        .arg(&script)
        .args([name, version])
        .arg(reference_dir())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "fetching the {name} {version} sdist failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The full text of an SPDX licence (`licence_text("GPL-2.0-only")`), from the npm package
/// spdx-license-list that `infra/licence-texts.sh` fetches once into `target/`.
pub fn licence_text(id: &str) -> String {
    let folder = infra_script("licence-texts.sh", &[]);
    let path = folder.join(format!("{id}.json"));
    let json = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    value["licenseText"]
        .as_str()
        .unwrap_or_else(|| panic!("{} has no licenseText", path.display()))
        .to_owned()
}
