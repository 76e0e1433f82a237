//! What the plugin depends on: the libraries it bundles (the bundled-libraries check's
//! identification), the requirements it declares (`requirements*.txt`, `pyproject.toml`,
//! `setup.cfg`, `setup.py`), the packages its code installs with `pip install`, and the other
//! QGIS plugins `metadata.txt` names.

use validator_archive::{decode_text, Entry, PluginArchive};
use validator_domain::{AdvisoryCheck, Dependency, DependencyOrigin, PackageInfo};

use crate::requirement::{self, Requirement};
use crate::{install, DependenciesLimits};

fn dependency(
    name: &str,
    version: Option<String>,
    specifier: String,
    origin: DependencyOrigin,
    path: &str,
    line: Option<u32>,
    evidence: String,
) -> Dependency {
    Dependency {
        name: name.to_owned(),
        version,
        specifier,
        origin,
        path: path.to_owned(),
        line,
        evidence,
        advisories: AdvisoryCheck::NotChecked("not looked up".to_owned()),
        vulnerabilities: Vec::new(),
        upgrade_to: None,
        verification: None,
    }
}

fn declared(req: Requirement, path: &str, line: Option<u32>, evidence: String) -> Dependency {
    dependency(
        &req.name,
        req.pinned.clone(),
        if req.pinned.is_some() {
            String::new()
        } else {
            req.specifier
        },
        DependencyOrigin::Declared,
        path,
        line,
        evidence,
    )
}

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> Option<u32> {
    text.lines()
        .position(|l| l.contains(needle))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn read_text(archive: &PluginArchive, entry: &Entry, max_bytes: u64) -> Option<String> {
    if entry.size > max_bytes {
        tracing::warn!(path = %entry.name, size = entry.size, "dependency file over max_file_bytes: not read");
        return None;
    }
    archive
        .read(entry)
        .ok()
        .map(|b| decode_text(&b).into_owned())
}

fn is_requirements_file(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower.ends_with(".txt") && lower.contains("requirements")
}

/// A `requirements*.txt` file: one requirement a line (continuations joined, comments,
/// options, `-r` includes, paths and URLs skipped).
fn requirements_txt(text: &str, path: &str, out: &mut Vec<Dependency>) {
    let mut pending = String::new();
    let mut start = 0usize;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i + 1;
        }
        let line = match raw.find(" #") {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if let Some(continued) = line.trim_end().strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let whole = std::mem::take(&mut pending);
        let whole = whole.trim();
        if whole.is_empty() || whole.starts_with('-') {
            continue;
        }
        if let Some(req) = requirement::parse(whole) {
            let line = u32::try_from(start).ok();
            out.push(declared(req, path, line, whole.to_owned()));
        }
    }
}

/// `pyproject.toml`: `[project] dependencies` and `optional-dependencies`, and Poetry's
/// `[tool.poetry.dependencies]`.
fn pyproject(text: &str, path: &str, out: &mut Vec<Dependency>) {
    let Ok(doc) = text.parse::<toml::Table>() else {
        tracing::warn!(
            path,
            "pyproject.toml not parsed: its requirements are not listed"
        );
        return;
    };
    let mut strings: Vec<String> = Vec::new();
    if let Some(project) = doc.get("project").and_then(|p| p.as_table()) {
        if let Some(deps) = project.get("dependencies").and_then(|d| d.as_array()) {
            strings.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_owned)));
        }
        if let Some(optional) = project
            .get("optional-dependencies")
            .and_then(|d| d.as_table())
        {
            for deps in optional.values().filter_map(|d| d.as_array()) {
                strings.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_owned)));
            }
        }
    }
    for s in strings {
        if let Some(req) = requirement::parse(&s) {
            out.push(declared(req, path, line_of(text, &s), s.clone()));
        }
    }
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table());
    for (name, value) in poetry.into_iter().flatten() {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        let constraint = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Table(t) => t
                .get("version")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            _ => String::new(),
        };
        let specifier = requirement::poetry_specifier(&constraint);
        let req = Requirement {
            name: name.clone(),
            pinned: requirement::pinned_version(&specifier),
            specifier,
        };
        let evidence = format!("{name} = \"{constraint}\"");
        out.push(declared(req, path, line_of(text, name), evidence));
    }
}

/// `setup.cfg`: `install_requires` of `[options]` (a value continued on indented lines).
fn setup_cfg(text: &str, path: &str, out: &mut Vec<Dependency>) {
    let mut in_options = false;
    let mut collecting = false;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('[') {
            in_options = trimmed.eq_ignore_ascii_case("[options]");
            collecting = false;
            continue;
        }
        let continuation = raw.starts_with([' ', '\t']);
        let value = if in_options && !continuation {
            match trimmed.split_once('=') {
                Some((key, value)) if key.trim() == "install_requires" => {
                    collecting = true;
                    value.trim()
                }
                _ => {
                    collecting = false;
                    continue;
                }
            }
        } else if collecting && continuation {
            trimmed
        } else {
            continue;
        };
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.starts_with('#') {
                continue;
            }
            if let Some(req) = requirement::parse(part) {
                out.push(declared(
                    req,
                    path,
                    u32::try_from(i + 1).ok(),
                    part.to_owned(),
                ));
            }
        }
    }
}

/// `setup.py`: the string literals of `install_requires=[...]`.
fn setup_py(text: &str, path: &str, out: &mut Vec<Dependency>) {
    let Some(at) = text.find("install_requires") else {
        return;
    };
    let after = &text[at..];
    let Some(open) = after.find('[') else { return };
    let Some(close) = after[open..].find(']') else {
        return;
    };
    let list = &after[open + 1..open + close];
    for quoted in list.split(',') {
        let s = quoted.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if s.is_empty() || quoted.trim().starts_with('#') {
            continue;
        }
        if let Some(req) = requirement::parse(s) {
            out.push(declared(req, path, line_of(text, s), s.to_owned()));
        }
    }
}

/// Every dependency of the plugin, bundled first, in archive order.
pub fn inventory(archive: &PluginArchive, limits: &DependenciesLimits) -> Vec<Dependency> {
    let mut out = Vec::new();
    let libraries = validator_bundled::detect(archive, limits.max_file_bytes);
    for library in &libraries {
        let path = library
            .claimed
            .first()
            .cloned()
            .unwrap_or_else(|| library.base.clone());
        out.push(dependency(
            &library.name,
            Some(library.version.clone()),
            String::new(),
            DependencyOrigin::Bundled,
            &path,
            None,
            format!("identified by {}", library.evidence),
        ));
    }
    let in_library = |name: &str| libraries.iter().any(|l| l.claims(name));
    for entry in archive.files() {
        let file_name = entry.file_name();
        let kind = if is_requirements_file(file_name) {
            1
        } else if file_name == "pyproject.toml" {
            2
        } else if file_name == "setup.cfg" {
            3
        } else if file_name == "setup.py" {
            4
        } else {
            continue;
        };
        // A bundled library's own packaging files declare its dependencies, not the plugin's.
        if in_library(&entry.name) {
            continue;
        }
        let Some(text) = read_text(archive, entry, limits.max_file_bytes) else {
            continue;
        };
        match kind {
            1 => requirements_txt(&text, &entry.name, &mut out),
            2 => pyproject(&text, &entry.name, &mut out),
            3 => setup_cfg(&text, &entry.name, &mut out),
            _ => setup_py(&text, &entry.name, &mut out),
        }
    }
    install::installs(archive, limits, &mut out);
    out.dedup_by(|a, b| {
        a.name == b.name
            && a.version == b.version
            && a.origin == b.origin
            && a.path == b.path
            && a.line == b.line
    });
    out
}

/// `plugin_dependencies` of `metadata.txt`: other QGIS plugins, comma-separated.
pub fn plugin_dependencies(package: &PackageInfo) -> Vec<String> {
    package
        .metadata
        .as_ref()
        .ok()
        .and_then(|m| m.get("plugin_dependencies"))
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_files() {
        let mut out = Vec::new();
        requirements_txt(
            "# pins\nrequests==2.7.0  # old\n-r base.txt\nboto \\\n  >=2.0\n\n--index-url x\n",
            "p/requirements.txt",
            &mut out,
        );
        let got: Vec<(String, Option<String>, String, Option<u32>)> = out
            .into_iter()
            .map(|d| (d.name, d.version, d.specifier, d.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "requests".into(),
                    Some("2.7.0".into()),
                    String::new(),
                    Some(2)
                ),
                ("boto".into(), None, ">=2.0".into(), Some(4)),
            ]
        );
    }

    #[test]
    fn setup_cfg_and_setup_py() {
        let mut out = Vec::new();
        setup_cfg(
            "[metadata]\nname = x\n[options]\ninstall_requires =\n    six==1.16.0\n    attrs\npackages = find:\n",
            "p/setup.cfg",
            &mut out,
        );
        setup_py(
            "setup(name='x', install_requires=['urllib3==1.24.1', \"idna\"])\n",
            "p/setup.py",
            &mut out,
        );
        let got: Vec<String> = out.iter().map(|d| d.label()).collect();
        assert_eq!(got, ["six 1.16.0", "attrs", "urllib3 1.24.1", "idna"]);
    }

    #[test]
    fn pyproject_tables() {
        let mut out = Vec::new();
        pyproject(
            "[project]\ndependencies = [\"jinja2==2.10\", \"click>=8\"]\n[tool.poetry.dependencies]\npython = \"^3.9\"\npyyaml = \"5.3\"\n",
            "p/pyproject.toml",
            &mut out,
        );
        let got: Vec<String> = out.iter().map(|d| d.label()).collect();
        assert_eq!(got, ["jinja2 2.10", "click >=8", "pyyaml 5.3"]);
    }
}
