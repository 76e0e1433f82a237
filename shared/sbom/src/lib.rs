//! The CycloneDX SBOM (JSON, specification 1.5) of one scanned plugin version, built from its
//! report: the plugin (name, version, licence, the zip's SHA-256), every bundled library as a
//! component (`pkg:pypi/NAME@VERSION`, licence, whether it was verified against its published
//! release, its files' hashes) and every other file of the plugin with its SHA-256 and its
//! effective licence. `plugin-validator scan --format cyclonedx` prints it; the aggregator
//! stores it as `reports/<scan>.cdx.json`.
//!
//! One function, [`build`], makes the document from the report's findings and components.
//! The dependencies check's advisories go into [`vulnerabilities`], the one place that fills
//! the document's `vulnerabilities`, referring to the components' `bom-ref`s ([`library_ref`],
//! [`dependency_ref`]); declared and installed dependencies are components too.

use cyclonedx_bom::external_models::date_time::DateTime;
use cyclonedx_bom::external_models::normalized_string::NormalizedString;
use cyclonedx_bom::external_models::spdx::SpdxExpression;
use cyclonedx_bom::external_models::uri::{Purl, Uri};
use cyclonedx_bom::models::bom::{Bom, SpecVersion, UrnUuid};
use cyclonedx_bom::models::component::{Classification, Component, Components};
use cyclonedx_bom::models::dependency::{Dependencies, Dependency as BomDependency};
use cyclonedx_bom::models::external_reference::{
    ExternalReference, ExternalReferenceType, ExternalReferences,
};
use cyclonedx_bom::models::hash::{Hash, HashAlgorithm, HashValue, Hashes};
use cyclonedx_bom::models::license::{LicenseChoice, Licenses};
use cyclonedx_bom::models::metadata::Metadata;
use cyclonedx_bom::models::property::{Properties, Property};
use cyclonedx_bom::models::tool::{Tool, Tools};
use cyclonedx_bom::models::vulnerability::{Vulnerabilities, Vulnerability};
use cyclonedx_bom::models::vulnerability_rating::{
    Score, ScoreMethod, Severity, VulnerabilityRating, VulnerabilityRatings,
};
use cyclonedx_bom::models::vulnerability_reference::{
    VulnerabilityReference, VulnerabilityReferences,
};
use cyclonedx_bom::models::vulnerability_source::VulnerabilitySource;
use cyclonedx_bom::models::vulnerability_target::{
    Version as TargetVersion, Versions, VulnerabilityTarget, VulnerabilityTargets,
};
use sha1::{Digest, Sha1};
use validator_domain::{Dependency, FileLicence, Finding, LibraryLicence, Report};

/// The `bom-ref` of the plugin (the document's subject).
pub const PLUGIN_REF: &str = "plugin";

/// The prefix of the validator's own properties (`plugin-validator:verified`, ...).
pub const PROPERTY_PREFIX: &str = "plugin-validator";

#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("the SBOM could not be written: {0}")]
    Write(String),
}

/// How a bundled library compared with its published release (the `bundled_libraries`
/// check's findings).
fn verification(report: &Report, library: &LibraryLicence) -> &'static str {
    let of = |rule: &str| {
        report.findings.iter().any(|f: &Finding| {
            f.check.as_str() == "bundled_libraries" && f.rule == rule && library.claims(&f.path)
        })
    };
    if of("BND002") {
        "modified"
    } else if of("BND001") {
        "verified"
    } else if of("BND003") {
        "unverifiable"
    } else {
        "not checked"
    }
}

/// The `bom-ref` of a bundled library (what vulnerabilities refer to).
pub fn library_ref(library: &LibraryLicence) -> String {
    format!("pypi:{}@{}", pypi_name(&library.name), library.version)
}

/// A distribution name as the package index normalises it (PEP 503), as purls write it.
fn pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if matches!(c, '_' | '.' | '-') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out
}

fn licences(spdx: Option<&str>) -> Option<Licenses> {
    spdx.map(|expression| {
        Licenses(vec![LicenseChoice::Expression(SpdxExpression::new(
            expression,
        ))])
    })
}

fn sha256(hex: &str) -> Option<Hashes> {
    (hex.len() == 64).then(|| {
        Hashes(vec![Hash {
            alg: HashAlgorithm::SHA_256,
            content: HashValue(hex.to_owned()),
        }])
    })
}

fn property(name: &str, value: &str) -> Property {
    Property::new(format!("{PROPERTY_PREFIX}:{name}"), value)
}

/// A deterministic serial number: the same scan gives the same document (UUID version 5 of the
/// scan's identity).
fn serial_number(report: &Report, zip_sha256: Option<&str>) -> Option<UrnUuid> {
    // RFC 4122's URL namespace.
    const NAMESPACE: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];
    let name = format!(
        "plugin-validator:{}:{}:{}",
        report.scan_id.as_ref().map(|s| s.as_str()).unwrap_or(""),
        zip_sha256.unwrap_or(""),
        report.generated_at
    );
    let digest = Sha1::new()
        .chain_update(NAMESPACE)
        .chain_update(name.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    UrnUuid::new(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
    .ok()
}

/// The plugin's links from `metadata.txt`.
fn plugin_links(report: &Report) -> Option<ExternalReferences> {
    let links: Vec<ExternalReference> = [
        ("repository", ExternalReferenceType::Vcs),
        ("homepage", ExternalReferenceType::Website),
        ("tracker", ExternalReferenceType::IssueTracker),
    ]
    .into_iter()
    .filter_map(|(key, kind)| {
        let url = report.metadata.get(key)?.trim();
        let url = Uri::try_from(url.to_owned()).ok()?;
        // Only links a reader can follow.
        url.to_string()
            .starts_with("http")
            .then(|| ExternalReference::new(kind, url))
    })
    .collect();
    (!links.is_empty()).then_some(ExternalReferences(links))
}

/// A file of the plugin as a component: its path, SHA-256 and effective licence.
fn file_component(path: &str, sha256_hex: &str, licence: Option<&FileLicence>) -> Component {
    let mut component =
        Component::new(Classification::File, path, "", Some(format!("file:{path}")));
    component.version = None;
    component.hashes = sha256(sha256_hex);
    if let Some(licence) = licence {
        component.licenses = licences(licence.spdx.as_deref());
        let mut properties = vec![property(
            "licence-evidence",
            match licence.evidence {
                validator_domain::LicenceEvidence::SpdxHeader => "spdx-header",
                validator_domain::LicenceEvidence::Notice => "licence-notice",
                validator_domain::LicenceEvidence::Library => "bundled-library",
                validator_domain::LicenceEvidence::Plugin => "plugin-licence",
                _ => "other",
            },
        )];
        if let Some(how) = &licence.imports_qgis {
            properties.push(property("imports-qgis", how));
        }
        properties.push(property(
            "gpl-2.0-or-later-compatibility",
            licence.compatibility.as_str(),
        ));
        component.properties = Some(Properties(properties));
    }
    component
}

/// The `bom-ref` of a dependency the dependencies check found (the same as [`library_ref`]
/// for a bundled library; `pypi:NAME` when no version is pinned).
pub fn dependency_ref(dependency: &Dependency) -> String {
    match &dependency.version {
        Some(version) => format!("pypi:{}@{version}", pypi_name(&dependency.name)),
        None => format!("pypi:{}", pypi_name(&dependency.name)),
    }
}

/// The CycloneDX rating method of a CVSS vector.
fn score_method(vector: &str) -> ScoreMethod {
    if vector.starts_with("CVSS:4.0") {
        ScoreMethod::CVSSv4
    } else if vector.starts_with("CVSS:3.1") {
        ScoreMethod::CVSSv31
    } else if vector.starts_with("CVSS:3.0") {
        ScoreMethod::CVSSv3
    } else {
        ScoreMethod::CVSSv2
    }
}

fn osv_source(id: &str) -> VulnerabilitySource {
    VulnerabilitySource::new(
        Some("OSV".to_owned()),
        Uri::try_from(format!("https://osv.dev/vulnerability/{id}")).ok(),
    )
}

/// A component a vulnerability affects: its `bom-ref` and its version.
type Target = (String, Option<String>);

/// The vulnerabilities of the document's components, from the dependencies check: one entry per
/// vulnerability (its OSV id, the other ids as references, the rating with its CVSS vector, the
/// summary, the upgrade), naming the `bom-ref`s of every dependency it affects.
pub fn vulnerabilities(report: &Report) -> Option<Vulnerabilities> {
    let dependencies = report.dependencies.as_ref()?;
    let mut by_id: Vec<(&validator_domain::Vulnerability, Vec<Target>)> = Vec::new();
    for dependency in &dependencies.dependencies {
        for v in &dependency.vulnerabilities {
            let target = (dependency_ref(dependency), dependency.version.clone());
            match by_id.iter_mut().find(|(known, _)| known.id == v.id) {
                Some((_, targets)) => {
                    if !targets.contains(&target) {
                        targets.push(target);
                    }
                }
                None => by_id.push((v, vec![target])),
            }
        }
    }
    if by_id.is_empty() {
        return None;
    }
    let entries = by_id
        .into_iter()
        .map(|(v, targets)| {
            let severity = Severity::new_unchecked(&v.severity);
            let rating = VulnerabilityRating {
                vulnerability_source: Some(osv_source(&v.id)),
                score: v.score.map(|s| Score::from(s.as_f64() as f32)),
                severity: Some(severity),
                score_method: v.cvss.as_deref().map(score_method),
                vector: v.cvss.as_deref().map(NormalizedString::new),
                justification: None,
            };
            let recommendation = if v.malicious {
                "A known-malicious package: remove it.".to_owned()
            } else {
                match &v.fixed {
                    Some(fixed) => format!("Upgrade to {fixed} or later."),
                    None => "No fixed version is published: replace or remove it.".to_owned(),
                }
            };
            let mut properties = vec![property("osv-url", &v.url)];
            if v.malicious {
                properties.push(property("malicious", "true"));
            }
            Vulnerability {
                bom_ref: None,
                id: Some(NormalizedString::new(&v.id)),
                vulnerability_source: Some(osv_source(&v.id)),
                vulnerability_references: (!v.aliases.is_empty()).then(|| {
                    VulnerabilityReferences(
                        v.aliases
                            .iter()
                            .map(|a| VulnerabilityReference::new(a, osv_source(a)))
                            .collect(),
                    )
                }),
                vulnerability_ratings: Some(VulnerabilityRatings(vec![rating])),
                cwes: None,
                description: Some(v.summary.clone()),
                detail: None,
                recommendation: Some(recommendation),
                workaround: None,
                proof_of_concept: None,
                advisories: None,
                created: None,
                published: None,
                updated: None,
                rejected: None,
                vulnerability_credits: None,
                tools: None,
                vulnerability_analysis: None,
                vulnerability_targets: Some(VulnerabilityTargets(
                    targets
                        .into_iter()
                        .map(|(bom_ref, version)| {
                            let mut target = VulnerabilityTarget::new(bom_ref);
                            target.versions = version.map(|version| {
                                Versions(vec![TargetVersion::new(&version, "affected")])
                            });
                            target
                        })
                        .collect(),
                )),
                properties: Some(Properties(properties)),
            }
        })
        .collect();
    Some(Vulnerabilities(entries))
}

/// Components for the dependencies the plugin declares or installs (and bundled ones the
/// licence section does not list), so that every vulnerability names a component.
fn dependency_components(report: &Report, known: &[String]) -> Vec<Component> {
    let Some(dependencies) = report.dependencies.as_ref() else {
        return Vec::new();
    };
    let mut seen: Vec<String> = known.to_vec();
    let mut out = Vec::new();
    for dependency in &dependencies.dependencies {
        let reference = dependency_ref(dependency);
        if seen.contains(&reference) {
            continue;
        }
        seen.push(reference.clone());
        let mut component = Component::new(
            Classification::Library,
            &dependency.name,
            dependency.version.as_deref().unwrap_or(""),
            Some(reference),
        );
        match &dependency.version {
            Some(version) => {
                component.purl = Purl::new("pypi", &pypi_name(&dependency.name), version).ok();
            }
            None => component.version = None,
        }
        let mut properties = vec![
            property("dependency-origin", dependency.origin.as_str()),
            property(
                "found-in",
                &match dependency.line {
                    Some(line) => format!("{}:{line}", dependency.path),
                    None => dependency.path.clone(),
                },
            ),
            property("advisories", dependency.advisories.as_str()),
        ];
        if !dependency.specifier.is_empty() {
            properties.push(property("specifier", &dependency.specifier));
        }
        component.properties = Some(Properties(properties));
        out.push(component);
    }
    out
}

/// The SBOM of a scanned version. `zip_sha256` is the SHA-256 of the uploaded zip (the scan's
/// content digest; `None` for a folder, which has no zip of its own).
pub fn build(report: &Report, zip_sha256: Option<&str>) -> Bom {
    let licence = report.licence.as_ref();
    let libraries: &[LibraryLicence] = licence.map_or(&[], |l| l.libraries.as_slice());
    let file_licence = |path: &str| licence.and_then(|l| l.files.iter().find(|f| f.path == path));

    // The plugin itself.
    let name = report.plugin.as_deref().unwrap_or("(unnamed plugin)");
    let mut plugin = Component::new(
        Classification::Application,
        name,
        report.version.as_deref().unwrap_or(""),
        Some(PLUGIN_REF.to_owned()),
    );
    if report.version.is_none() {
        plugin.version = None;
    }
    plugin.description = report
        .metadata
        .get("description")
        .map(|d| NormalizedString::new(d));
    plugin.author = report
        .metadata
        .get("author")
        .map(|a| NormalizedString::new(a));
    plugin.hashes = zip_sha256.and_then(sha256);
    plugin.licenses = licences(licence.and_then(|l| l.plugin.spdx.as_deref()));
    plugin.external_references = plugin_links(report);
    let mut plugin_properties = vec![property("source", &report.source)];
    if let Some(l) = licence {
        if !l.plugin.source.is_empty() {
            plugin_properties.push(property("licence-source", &l.plugin.source));
        }
        if let Some(confidence) = l.plugin.confidence {
            plugin_properties.push(property("licence-confidence", &confidence.to_string()));
        }
        plugin_properties.push(property(
            "gpl-2.0-or-later-compatibility",
            l.plugin.compatibility.as_str(),
        ));
    }
    plugin.properties = Some(Properties(plugin_properties));

    // Bundled libraries, each with its files; then the plugin's own files.
    let mut library_components: Vec<Component> = libraries
        .iter()
        .map(|library| {
            let mut component = Component::new(
                Classification::Library,
                &library.name,
                &library.version,
                Some(library_ref(library)),
            );
            component.purl = Purl::new("pypi", &pypi_name(&library.name), &library.version).ok();
            component.licenses = licences(library.spdx.as_deref());
            let mut properties = vec![
                property("verified", verification(report, library)),
                property("paths", &library.paths.join(", ")),
                property(
                    "licence-text-kept",
                    if library.attribution_kept {
                        "yes"
                    } else {
                        "no"
                    },
                ),
                property(
                    "gpl-2.0-or-later-compatibility",
                    library.compatibility.as_str(),
                ),
            ];
            if !library.source.is_empty() {
                properties.push(property("licence-source", &library.source));
            }
            component.properties = Some(Properties(properties));
            component
        })
        .collect();
    let mut own_files = Vec::new();
    let mut library_files: Vec<Vec<Component>> = vec![Vec::new(); libraries.len()];
    for file in &report.files {
        let component = file_component(&file.path, &file.sha256, file_licence(&file.path));
        match libraries.iter().position(|l| l.claims(&file.path)) {
            Some(i) => library_files[i].push(component),
            None => own_files.push(component),
        }
    }
    for (component, files) in library_components.iter_mut().zip(library_files) {
        if !files.is_empty() {
            component.components = Some(Components(files));
        }
    }
    let library_refs: Vec<String> = libraries.iter().map(library_ref).collect();
    let declared = dependency_components(report, &library_refs);
    let all_refs: Vec<String> = library_refs
        .iter()
        .cloned()
        .chain(declared.iter().filter_map(|c| c.bom_ref.clone()))
        .collect();
    let dependencies = Dependencies(
        std::iter::once(BomDependency {
            dependency_ref: PLUGIN_REF.to_owned(),
            dependencies: all_refs.clone(),
        })
        .chain(all_refs.iter().map(|r| BomDependency {
            dependency_ref: r.clone(),
            dependencies: Vec::new(),
        }))
        .collect(),
    );
    let mut components = library_components;
    components.extend(declared);
    components.extend(own_files);

    let tool = Tool {
        vendor: Some(NormalizedString::new("QGIS")),
        name: Some(NormalizedString::new("plugin-validator")),
        version: Some(NormalizedString::new(&report.provenance.validator_version)),
        hashes: None,
        external_references: None,
    };
    let metadata = Metadata {
        timestamp: report
            .generated_at
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
            .and_then(|t| DateTime::try_from(t).ok()),
        tools: Some(Tools::List(vec![tool])),
        authors: None,
        component: Some(plugin),
        manufacture: None,
        supplier: None,
        licenses: None,
        properties: None,
        lifecycles: None,
    };
    Bom {
        version: 1,
        serial_number: serial_number(report, zip_sha256),
        metadata: Some(metadata),
        components: Some(Components(components)),
        dependencies: Some(dependencies),
        vulnerabilities: vulnerabilities(report),
        spec_version: SpecVersion::V1_5,
        ..Bom::default()
    }
}

/// The document as CycloneDX 1.5 JSON.
pub fn to_json(bom: Bom) -> Result<Vec<u8>, SbomError> {
    let mut out = Vec::new();
    bom.output_as_json_v1_5(&mut out)
        .map_err(|e| SbomError::Write(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// The SBOM of a report as JSON, in one call.
pub fn json_of(report: &Report, zip_sha256: Option<&str>) -> Result<Vec<u8>, SbomError> {
    to_json(build(report, zip_sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_are_normalised() {
        assert_eq!(pypi_name("PyYAML"), "pyyaml");
        assert_eq!(pypi_name("python_dateutil"), "python-dateutil");
        assert_eq!(pypi_name("zope..interface"), "zope-interface");
    }
}
