//! Finding the third-party distributions a plugin vendors: a `*.dist-info`/`*.egg-info` with a
//! name and version, a folder named with a version (`boto-2.38.0`, `pyqtgraph_0_13_7`), or a
//! package with a `__version__` inside a vendoring folder (`ext_libs/requests`).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use validator_archive::PluginArchive;

/// How a bundled library was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Installed layout (`pip install --target`): the import packages sit beside the metadata,
    /// and release paths are relative to `base`.
    Installed,
    /// A folder holding the unpacked distribution (`boto-2.38.0/boto/...`, `setup.py`).
    VersionedFolder,
    /// A folder that is the import package itself, renamed (`pyqtgraph_0_13_7/__init__.py`).
    RenamedPackage,
}

/// One vendored distribution and the paths of the zip that claim to be it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundledLibrary {
    /// The distribution name as found (`boto`, `PyYAML`).
    pub name: String,
    pub version: String,
    pub layout: Layout,
    /// The folder release paths are relative to (ends with `/`).
    pub base: String,
    /// The folders (ending with `/`) and modules of the zip that belong to the library: every
    /// file under them must match the release for the library to count as verified.
    pub claimed: Vec<String>,
    /// What identified it (a metadata file, a folder name, a `__version__` line).
    pub evidence: String,
    /// Found by its content only (a top-level package of the plugin with a `__version__`): it
    /// may be the plugin's own code, so it counts as a library only when its files match a
    /// release, and is not reported otherwise.
    pub by_content: bool,
}

impl BundledLibrary {
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    /// Whether `path` (an entry of the zip) belongs to the library.
    pub fn claims(&self, path: &str) -> bool {
        validator_domain::claimed_by(&self.claimed, path)
    }
}

/// Folder names plugins vendor libraries into.
const VENDOR_FOLDERS: [&str; 12] = [
    "ext_libs",
    "ext-libs",
    "extlibs",
    "libs",
    "lib",
    "vendor",
    "vendored",
    "_vendor",
    "third_party",
    "thirdparty",
    "external",
    "deps",
];

static VERSIONED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[A-Za-z][A-Za-z0-9._-]*?[A-Za-z0-9])[-_](?P<ver>\d+(?:[._]\d+){1,3}(?:(?:a|b|rc|\.post|\.dev)\d+)?)$")
        .expect("a valid pattern")
});

static VERSION_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^__version__\s*(?::\s*str\s*)?=\s*['"](?P<ver>\d+(?:\.\d+){1,3}(?:(?:a|b|rc|\.post|\.dev)\d+)?)['"]"#)
        .expect("a valid pattern")
});

/// `__version__ = (0, 20, 35)` (dulwich, and others that keep the version as a tuple of numbers):
/// the same version as `"0.20.35"`.
static VERSION_TUPLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^__version__\s*(?::\s*tuple[^=]*)?=\s*\(\s*(?P<ver>\d+(?:\s*,\s*\d+){1,3})\s*,?\s*\)",
    )
    .expect("a valid pattern")
});

/// `VERSION = "6.10.0"` (raven, and other libraries that name the constant so): read only in a
/// vendoring folder, where the name is a library's by placement; the release comparison still
/// decides whether it is that library.
static VERSION_CONSTANT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^VERSION\s*=\s*['"](?P<ver>\d+(?:\.\d+){1,3}(?:(?:a|b|rc|\.post|\.dev)\d+)?)['"]"#,
    )
    .expect("a valid pattern")
});

/// The version a module's `__version__` line gives, written as a string or as a tuple.
fn version_line(text: &str) -> Option<String> {
    if let Some(c) = VERSION_LINE.captures(text) {
        return Some(c["ver"].to_owned());
    }
    VERSION_TUPLE_LINE.captures(text).map(|c| {
        c["ver"]
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(".")
    })
}

/// The header `key` of an RFC 822-style metadata file (`METADATA`, `PKG-INFO`).
fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(key)
                .then(|| v.trim().to_owned())
        })
        .filter(|v| !v.is_empty())
}

fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// Every bundled library of the archive, each claimed path at most once (the first
/// identification wins: folder names, then metadata, then `__version__`).
pub fn detect(archive: &PluginArchive, max_metadata_bytes: u64) -> Vec<BundledLibrary> {
    let names: Vec<&str> = archive.files().map(|e| e.name.as_str()).collect();
    let mut found: Vec<BundledLibrary> = Vec::new();
    let taken = |found: &[BundledLibrary], path: &str| found.iter().any(|l| l.claims(path));
    let read = |name: &str| -> Option<String> {
        let entry = archive.files().find(|e| e.name == name)?;
        if entry.size > max_metadata_bytes {
            return None;
        }
        archive
            .read(entry)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };

    // 1. Folders named with a version (an unpacked sdist may hold an egg-info too).
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for name in &names {
        let mut prefix = String::new();
        for part in name
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            prefix.push_str(part);
            prefix.push('/');
            folders.insert(prefix.clone());
        }
    }
    for folder in &folders {
        if taken(&found, folder) {
            continue;
        }
        let last = folder
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let Some(caps) = VERSIONED.captures(last) else {
            continue;
        };
        let dist = caps["name"].to_owned();
        let version = caps["ver"].replace('_', ".");
        // The plugin's own top folder is never a bundled library, and a library has Python
        // code (a data folder named with a date or a version is not one).
        if !folder.trim_end_matches('/').contains('/')
            || !names
                .iter()
                .any(|n| n.starts_with(folder.as_str()) && n.ends_with(".py"))
        {
            continue;
        }
        let has_setup = ["setup.py", "pyproject.toml", "PKG-INFO", "setup.cfg"]
            .iter()
            .any(|f| names.contains(&format!("{folder}{f}").as_str()));
        let is_package = names.contains(&format!("{folder}__init__.py").as_str());
        let layout = if is_package && !has_setup {
            Layout::RenamedPackage
        } else {
            Layout::VersionedFolder
        };
        found.push(BundledLibrary {
            name: dist,
            version,
            layout,
            base: folder.clone(),
            claimed: vec![folder.clone()],
            evidence: format!("the folder name `{folder}`"),
            by_content: false,
        });
    }

    // 2. Installed distributions (metadata inside a versioned folder belongs to that folder): NAME-VER.dist-info/METADATA or NAME.egg-info/PKG-INFO.
    for name in &names {
        let (meta_dir, file) = match name.rsplit_once('/') {
            Some(split) => split,
            None => continue,
        };
        let is_dist_info = meta_dir.ends_with(".dist-info") && file == "METADATA";
        let is_egg_info = meta_dir.ends_with(".egg-info") && file == "PKG-INFO";
        if !is_dist_info && !is_egg_info {
            continue;
        }
        let Some(text) = read(name) else { continue };
        let (Some(dist), Some(version)) = (header(&text, "Name"), header(&text, "Version")) else {
            continue;
        };
        let base = parent(meta_dir).to_owned();
        let mut tops: BTreeSet<String> = BTreeSet::new();
        if let Some(top_level) = read(&format!("{meta_dir}/top_level.txt")) {
            tops.extend(
                top_level
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            );
        }
        if let Some(record) = read(&format!("{meta_dir}/RECORD")) {
            for line in record.lines() {
                let path = line.split(',').next().unwrap_or_default();
                let first = path.split('/').next().unwrap_or_default();
                if !first.is_empty()
                    && !first.ends_with(".dist-info")
                    && !first.starts_with("..")
                    && first != "__pycache__"
                {
                    tops.insert(first.trim_end_matches(".py").to_owned());
                }
            }
        }
        let mut claimed = Vec::new();
        for top in tops {
            let folder = format!("{base}{top}/");
            let module = format!("{base}{top}.py");
            if names.iter().any(|n| n.starts_with(&folder)) {
                claimed.push(folder);
            }
            if names.contains(&module.as_str()) {
                claimed.push(module);
            }
        }
        claimed.retain(|c| !taken(&found, c));
        if !claimed.is_empty() {
            found.push(BundledLibrary {
                name: dist,
                version,
                layout: Layout::Installed,
                base,
                claimed,
                evidence: (*name).to_owned(),
                by_content: false,
            });
        }
    }

    // 3. A package with `__version__` directly inside a vendoring folder, or (by content) at
    //    the plugin's top level (`demo/pyqtgraph/`, vendored without a version folder).
    for folder in &folders {
        if taken(&found, folder) {
            continue;
        }
        let trimmed = folder.trim_end_matches('/');
        let Some((vendor, package)) = trimmed.rsplit_once('/') else {
            continue;
        };
        let vendor_name = vendor.rsplit('/').next().unwrap_or_default();
        let in_vendor_folder = VENDOR_FOLDERS.contains(&vendor_name.to_ascii_lowercase().as_str());
        let at_top_level = !vendor.contains('/');
        if !in_vendor_folder && !at_top_level {
            continue;
        }
        let init = format!("{folder}__init__.py");
        if !names.contains(&init.as_str()) {
            continue;
        }
        let version = ["__init__.py", "__version__.py", "_version.py", "version.py"]
            .iter()
            .filter_map(|f| read(&format!("{folder}{f}")))
            .find_map(|text| version_line(&text))
            .map(|v| (v, "__version__"));
        let version = version.or_else(|| {
            let text = read(&init).filter(|_| in_vendor_folder)?;
            let c = VERSION_CONSTANT_LINE.captures(&text)?;
            Some((c["ver"].to_owned(), "VERSION"))
        });
        let Some((version, constant)) = version else {
            continue;
        };
        found.push(BundledLibrary {
            name: distribution_of(package).to_owned(),
            version,
            layout: Layout::Installed,
            base: format!("{vendor}/"),
            claimed: vec![folder.clone()],
            evidence: format!("`{constant}` in `{folder}`"),
            by_content: !in_vendor_folder,
        });
    }

    // 4. A single-module distribution (`six.py`, `sshtunnel.py`) with a `__version__`, inside
    //    a vendoring folder or in a folder of its own name (`core/sshtunnel/sshtunnel.py`
    //    beside an empty `__init__.py`). It may be the plugin's own module: it counts as a
    //    library only when it matches a release (by content), and is not reported otherwise.
    for name in &names {
        let Some((folder, file)) = name.rsplit_once('/') else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".py") else {
            continue;
        };
        let folder_name = folder.rsplit('/').next().unwrap_or_default();
        let in_vendor_folder = VENDOR_FOLDERS.contains(&folder_name.to_ascii_lowercase().as_str());
        let own_folder = folder_name == stem && folder.contains('/');
        if stem.starts_with('_') || !(in_vendor_folder || own_folder) || taken(&found, name) {
            continue;
        }
        let Some(version) = read(name).and_then(|text| version_line(&text)) else {
            continue;
        };
        found.push(BundledLibrary {
            name: distribution_of(stem).to_owned(),
            version,
            layout: Layout::Installed,
            base: format!("{folder}/"),
            claimed: vec![(*name).to_owned()],
            evidence: format!("`__version__` in the module `{name}`"),
            by_content: true,
        });
    }
    found
}

/// The distribution that provides an import package, where the two names differ.
pub fn distribution_of(import: &str) -> &str {
    match import {
        "yaml" => "PyYAML",
        "dateutil" => "python-dateutil",
        "bs4" => "beautifulsoup4",
        "PIL" => "Pillow",
        "jwt" => "PyJWT",
        "serial" => "pyserial",
        "magic" => "python-magic",
        "dotenv" => "python-dotenv",
        "google" => "protobuf",
        "OpenSSL" => "pyOpenSSL",
        "Crypto" => "pycryptodome",
        "attr" => "attrs",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_folder_names() {
        for (folder, name, version) in [
            ("boto-2.38.0", "boto", "2.38.0"),
            ("pyqtgraph_0_13_7", "pyqtgraph", "0_13_7"),
            ("python-dateutil-2.8.2", "python-dateutil", "2.8.2"),
            ("six-1.16.0", "six", "1.16.0"),
        ] {
            let caps = VERSIONED.captures(folder).expect(folder);
            assert_eq!((&caps["name"], &caps["ver"]), (name, version), "{folder}");
        }
        for folder in ["icons", "python3", "v2", "ui_forms", "qgis3_plugin"] {
            assert!(VERSIONED.captures(folder).is_none(), "{folder}");
        }
    }

    #[test]
    fn metadata_headers() {
        let text = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nName: not-this\n";
        assert_eq!(header(text, "name").as_deref(), Some("six"));
        assert_eq!(header(text, "Version").as_deref(), Some("1.16.0"));
        assert_eq!(header(text, "Summary"), None);
    }
}
