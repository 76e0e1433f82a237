//! Bundled libraries' licences: from their packaging metadata (`License-Expression`, `License`,
//! trove classifiers), else their licence files; and whether their licence text and notices
//! travel with them (attribution).

use validator_archive::PluginArchive;
use validator_bundled::{BundledLibrary, Layout};
use validator_domain::{Compatibility, LibraryLicence, LicenceEvidence};

use crate::{compat, detect, notice, LicenceLimits};

/// Trove classifiers (`License :: ...`) and the SPDX ids they name. A classifier that names a
/// family without its version or variant gets the most common one, and the source says so.
const CLASSIFIERS: &[(&str, &str)] = &[
    ("MIT License", "MIT"),
    ("MIT No Attribution License (MIT-0)", "MIT-0"),
    ("BSD License", "BSD-3-Clause"),
    ("Apache Software License", "Apache-2.0"),
    ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    (
        "GNU General Public License v2 or later (GPLv2+)",
        "GPL-2.0-or-later",
    ),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    (
        "GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    ("GNU General Public License (GPL)", "GPL-1.0-or-later"),
    (
        "GNU Lesser General Public License v2 (LGPLv2)",
        "LGPL-2.0-only",
    ),
    (
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    (
        "GNU Library or Lesser General Public License (LGPL)",
        "LGPL-2.0-or-later",
    ),
    ("GNU Affero General Public License v3", "AGPL-3.0-only"),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("ISC License (ISCL)", "ISC"),
    ("Python Software Foundation License", "PSF-2.0"),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("Zope Public License", "ZPL-2.1"),
    ("Eclipse Public License 1.0 (EPL-1.0)", "EPL-1.0"),
    ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2"),
    ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("zlib/libpng License", "Zlib"),
    (
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        "CC0-1.0",
    ),
    ("Other/Proprietary License", notice::PROPRIETARY),
];

/// Whether a file name is a licence text or notice (`LICENSE`, `LICENCE.md`, `COPYING.LESSER`,
/// `NOTICE`, `LICENSE-MIT`, any case).
pub fn is_licence_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or_default();
    ["license", "licence", "copying", "notice", "unlicense"]
        .iter()
        .any(|name| {
            stem == *name
                || stem.starts_with(&format!("{name}-"))
                || stem.starts_with(&format!("{name}_"))
        })
}

/// A header's value in an RFC 822-style metadata file, continuation lines joined.
fn headers(text: &str, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.is_empty() {
            // The body (the long description) starts after the first blank line.
            break;
        }
        if let Some(value) = current.as_mut() {
            if line.starts_with(' ') || line.starts_with('\t') {
                value.push('\n');
                value.push_str(line.trim());
                continue;
            }
            values.push(current.take().unwrap_or_default());
        }
        if let Some((key, value)) = line.split_once(':') {
            if key.eq_ignore_ascii_case(name) {
                current = Some(value.trim().to_owned());
            }
        }
    }
    values.extend(current);
    values
}

/// What a distribution's metadata declares, and where it says so: precisely
/// (`License-Expression`, an SPDX id in `License`, a licence text there), or vaguely (trove
/// classifiers, a name such as `BSD` that says a family), which a licence file's text outranks.
#[derive(Debug, Default, PartialEq, Eq)]
struct Declared {
    precise: Option<(String, String)>,
    vague: Option<(String, String)>,
}

fn metadata_licence(text: &str, file: &str) -> Declared {
    Declared {
        precise: precise_licence(text, file),
        vague: classifiers(text, file).or_else(|| {
            let licence = headers(text, "License").into_iter().next()?;
            let spdx = notice::canonical_expression(&licence).ok()?;
            Some((spdx, format!("{file}: License `{}`", licence.trim())))
        }),
    }
}

fn precise_licence(text: &str, file: &str) -> Option<(String, String)> {
    if let Some(expression) = headers(text, "License-Expression").into_iter().next() {
        if let Ok(spdx) = notice::canonical_expression(&expression) {
            return Some((spdx, format!("{file}: License-Expression")));
        }
    }
    if let Some(licence) = headers(text, "License").into_iter().next() {
        let licence = licence.trim();
        if !licence.is_empty() && !licence.eq_ignore_ascii_case("UNKNOWN") {
            if let Ok(spdx) = notice::precise_expression(licence) {
                return Some((spdx, format!("{file}: License")));
            }
            // Some distributions put the whole licence text in the field.
            if licence.len() > 200 {
                let found = detect::identify(licence);
                if let Some(id) = found.identified(validator_domain::Confidence1000(800)) {
                    return Some((
                        id.to_owned(),
                        format!(
                            "{file}: License (its text, confidence {})",
                            found.confidence
                        ),
                    ));
                }
            }
        }
    }
    None
}

fn classifiers(text: &str, file: &str) -> Option<(String, String)> {
    let classified: Vec<&str> = headers(text, "Classifier")
        .iter()
        .filter_map(|c| c.strip_prefix("License :: ").map(str::to_owned))
        .filter_map(|c| {
            let c = c.strip_prefix("OSI Approved :: ").unwrap_or(&c).to_owned();
            CLASSIFIERS
                .iter()
                .find(|(name, _)| *name == c)
                .map(|(_, id)| *id)
        })
        .collect();
    if !classified.is_empty() {
        let mut ids = classified;
        ids.dedup();
        return Some((ids.join(" OR "), format!("{file}: License classifiers")));
    }
    None
}

/// The metadata file of a library, when it has one.
fn metadata_file(archive: &PluginArchive, library: &BundledLibrary) -> Option<String> {
    if library.evidence.ends_with("/METADATA") || library.evidence.ends_with("/PKG-INFO") {
        return Some(library.evidence.clone());
    }
    // An unpacked source distribution's PKG-INFO, or an egg-info inside it.
    let root = library.claimed.first()?;
    archive
        .files()
        .find(|e| {
            e.name.starts_with(root.as_str())
                && (e.name == format!("{root}PKG-INFO")
                    || (e.name.ends_with(".egg-info/PKG-INFO")
                        && e.name[root.len()..].matches('/').count() <= 2))
        })
        .map(|e| e.name.clone())
}

/// The folders where a library's licence files may be: its claimed folders, its metadata
/// folder, and the folder of an unpacked distribution (the base of a versioned folder, or the
/// folder holding `setup.py`/`pyproject.toml`/`setup.cfg` beside an `.egg-info`).
fn licence_folders(
    archive: &PluginArchive,
    library: &BundledLibrary,
    metadata: Option<&str>,
) -> Vec<String> {
    let mut folders: Vec<String> = library
        .claimed
        .iter()
        .filter(|c| c.ends_with('/'))
        .cloned()
        .collect();
    if let Some(meta) = metadata {
        if let Some((folder, _)) = meta.rsplit_once('/') {
            folders.push(format!("{folder}/"));
            let parent = folder.rsplit_once('/').map_or("", |(p, _)| p);
            let unpacked = ["setup.py", "pyproject.toml", "setup.cfg"]
                .iter()
                .any(|f| archive.entry(&format!("{parent}/{f}")).is_some());
            if unpacked {
                folders.push(format!("{parent}/"));
            }
        }
    }
    if library.layout != Layout::Installed {
        folders.push(library.base.clone());
    }
    folders.sort();
    folders.dedup();
    folders
}

/// What is known of one file's licence statement, for the libraries' attribution.
pub struct FileNoticeRef<'a> {
    pub path: &'a str,
    pub spdx: &'a str,
    /// The notice is the licence's whole terms (it keeps the licence text on its own).
    pub full_terms: bool,
}

/// The licence of each bundled library and whether its text was kept.
pub fn libraries(
    archive: &PluginArchive,
    libraries: &[BundledLibrary],
    notices: &[FileNoticeRef<'_>],
    plugin_licence: Option<(&str, &str)>,
    limits: &LicenceLimits,
) -> Vec<LibraryLicence> {
    let mut out = Vec::new();
    for library in libraries {
        let metadata = metadata_file(archive, library);
        let declared = metadata
            .as_deref()
            .and_then(|path| {
                let entry = archive.entry(path)?;
                if entry.size > limits.max_licence_text_bytes {
                    return None;
                }
                let bytes = archive.read(entry).ok()?;
                Some(metadata_licence(
                    &validator_archive::decode_text(&bytes),
                    path,
                ))
            })
            .unwrap_or_default();
        let folders = licence_folders(archive, library, metadata.as_deref());
        let licence_files: Vec<String> = archive
            .files()
            .filter(|e| {
                folders.iter().any(|f| {
                    e.name.starts_with(f.as_str())
                        && (e.name[f.len()..].matches('/').count() == 0
                            || e.name[f.len()..].starts_with("licenses/")
                            || e.name[f.len()..].starts_with("LICENSES/"))
                })
            })
            .filter(|e| is_licence_name(e.file_name()))
            .map(|e| e.name.clone())
            .collect();
        // Without a precise declaration, the licence file's text says which licence it is.
        let mut identified: Option<(String, String)> = declared.precise;
        if identified.is_none() {
            for path in &licence_files {
                let Some(entry) = archive.entry(path) else {
                    continue;
                };
                let Ok(bytes) = archive.read_prefix(entry, limits.max_licence_text_bytes) else {
                    continue;
                };
                let file = crate::files::licence_text(
                    path,
                    &validator_archive::decode_text(&bytes),
                    limits,
                );
                if let Some(id) = file.spdx {
                    let how = if file.evidence == LicenceEvidence::Text {
                        format!("its text, confidence {}", file.confidence)
                    } else {
                        format!("a licence notice, {}", file.detail)
                    };
                    identified = Some((id, format!("{path} ({how})")));
                    break;
                }
            }
        }
        let own_notice = notices.iter().find(|n| library.claims(n.path));
        if identified.is_none() {
            identified = declared.vague;
        }
        if identified.is_none() {
            if let Some(n) = own_notice {
                identified = Some((n.spdx.to_owned(), format!("the notice in {}", n.path)));
            }
        }
        let (spdx, source) = match identified {
            Some((spdx, source)) => (Some(spdx), source),
            None => (None, String::new()),
        };
        let mut kept_by: Vec<String> = licence_files.clone();
        if kept_by.is_empty() {
            // A notice keeps the text only when it is the licence's whole terms (MIT, BSD):
            // a GPL or Apache header asks for the licence's text beside it.
            if let Some(n) = notices
                .iter()
                .find(|n| n.full_terms && library.claims(n.path))
            {
                kept_by.push(format!("{} (the licence's terms in its notice)", n.path));
            }
        }
        // The same licence as the plugin's: the plugin's own licence file carries its text.
        if kept_by.is_empty() {
            if let (Some(spdx), Some((plugin_spdx, plugin_file))) = (&spdx, plugin_licence) {
                if compat::family(spdx) == compat::family(plugin_spdx) {
                    kept_by.push(format!("{plugin_file} (the plugin's, the same licence)"));
                }
            }
        }
        let (compatibility, reason) = match &spdx {
            Some(spdx) => compat::classify(spdx),
            None => (
                Compatibility::Unknown,
                "no licence found in its metadata, its files or its notices".to_owned(),
            ),
        };
        out.push(LibraryLicence {
            name: library.name.clone(),
            version: library.version.clone(),
            paths: library.claimed.clone(),
            spdx,
            source,
            attribution_kept: !kept_by.is_empty(),
            licence_files: kept_by,
            compatibility,
            reason,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_file_names() {
        for name in [
            "LICENSE",
            "license.txt",
            "LICENCE.md",
            "COPYING",
            "COPYING.LESSER",
            "NOTICE",
            "LICENSE-MIT",
            "License_apache.txt",
        ] {
            assert!(is_licence_name(name), "{name}");
        }
        for name in [
            "licensing.py",
            "README.md",
            "notices.py",
            "copyright_dialog.ui",
        ] {
            assert!(!is_licence_name(name), "{name}");
        }
    }

    #[test]
    fn metadata_declares_a_licence_three_ways() {
        let precise = |text| metadata_licence(text, "m").precise.map(|l| l.0);
        let vague = |text| metadata_licence(text, "m").vague.map(|l| l.0);
        let pep639 =
            "Metadata-Version: 2.4\nName: x\nLicense-Expression: MIT OR Apache-2.0\n\nbody";
        assert_eq!(precise(pep639), Some("MIT OR Apache-2.0".to_owned()));
        let field = "Name: six\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\n";
        assert_eq!(precise(field), Some("MIT".to_owned()));
        let classifiers = "Name: x\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)\n";
        assert_eq!(precise(classifiers), None);
        assert_eq!(vague(classifiers), Some("GPL-2.0-or-later".to_owned()));
        // `BSD` says a family: a licence file's text will say which.
        assert_eq!(precise("Name: x\nLicense: BSD\n"), None);
        assert!(vague("Name: x\nLicense: BSD\n").is_some());
        assert_eq!(
            metadata_licence("Name: x\n\nLicense: MIT\n", "m"),
            Declared::default()
        );
    }
}
