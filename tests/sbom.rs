//! `scan --format cyclonedx`: the SBOM of a plugin that bundles a library, validated against the
//! official CycloneDX 1.5 JSON schema by the CycloneDX project's own validator
//! (cyclonedx-python-lib, installed at test time into a pinned venv by
//! `infra/python-tools.sh sbom`), and read back for what the licence issue asks it to hold.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::plugin_validator;
use validator_testkit::reference::venv;
use validator_testkit::ZipBuilder;

/// Validates a CycloneDX 1.5 JSON document with the official schema (strict: no unknown
/// properties). `Err` holds the validator's complaint.
fn validate(document: &[u8]) -> Result<(), String> {
    let python = venv("sbom").join("bin/python");
    let mut child = Command::new(python)
        .args([
            "-c",
            "import sys\n\
             from cyclonedx.schema import SchemaVersion\n\
             from cyclonedx.validation.json import JsonStrictValidator\n\
             error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(sys.stdin.read())\n\
             print(error or '', end='')\n\
             sys.exit(1 if error else 0)\n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the validator starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(document)
        .expect("the document is written");
    let output = child.wait_with_output().expect("the validator ends");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A plugin bundling `tinylib` 1.0.0 (pip's layout, its MIT licence kept) and a module under
/// its own header.
fn plugin_zip() -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file(
            "demo/plugin.py",
            "# SPDX-License-Identifier: GPL-2.0-or-later\nfrom qgis.core import QgsProject\n",
        )
        .file("demo/ext_libs/tinylib/__init__.py", "__version__ = \"1.0.0\"\n")
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: tinylib\nVersion: 1.0.0\nLicense-Expression: MIT\n",
        )
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/RECORD",
            "tinylib/__init__.py,,\n",
        )
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/licenses/LICENSE",
            "MIT License\n\nCopyright (c) 2024 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy...\n",
        )
        .build()
}

fn sbom_of(path: &Path) -> (Vec<u8>, serde_json::Value) {
    let output = plugin_validator()
        .args(["scan", "--format", "cyclonedx"])
        .arg(path)
        // Verification against the package index is not what this test is about.
        .env("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off")
        .output()
        .expect("plugin-validator runs");
    assert!(
        output.status.code() == Some(0),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let value = serde_json::from_slice(&output.stdout).expect("JSON");
    (output.stdout, value)
}

#[test]
fn the_sbom_of_a_zip_is_valid_cyclonedx_and_names_the_plugin_its_libraries_and_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("demo.zip");
    let bytes = plugin_zip();
    std::fs::write(&zip, &bytes).expect("zip written");
    let (document, sbom) = sbom_of(&zip);
    validate(&document).expect("a valid CycloneDX 1.5 document");

    let plugin = &sbom["metadata"]["component"];
    assert_eq!(plugin["name"], "demo");
    assert_eq!(plugin["version"], "1.0.0");
    assert_eq!(plugin["licenses"][0]["expression"], "GPL-2.0-or-later");
    assert_eq!(
        plugin["hashes"][0]["content"],
        validator_domain::ContentDigest::of(&bytes).as_str()
    );
    let components = sbom["components"].as_array().expect("components");
    let library = components
        .iter()
        .find(|c| c["type"] == "library")
        .expect("the bundled library");
    assert_eq!(library["purl"], "pkg:pypi/tinylib@1.0.0");
    assert_eq!(library["licenses"][0]["expression"], "MIT");
    let property = |component: &serde_json::Value, name: &str| {
        component["properties"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["name"] == name))
            .map(|p| p["value"].clone())
    };
    // No package index in this test: the bundled-libraries check could not verify it.
    assert_eq!(
        property(library, "plugin-validator:verified"),
        Some("unverifiable".into())
    );
    assert_eq!(
        property(library, "plugin-validator:licence-text-kept"),
        Some("yes".into())
    );
    let library_files = library["components"].as_array().expect("its files");
    assert!(library_files
        .iter()
        .any(|f| f["name"] == "demo/ext_libs/tinylib/__init__.py"
            && f["hashes"][0]["alg"] == "SHA-256"));
    let module = components
        .iter()
        .find(|c| c["name"] == "demo/plugin.py")
        .expect("the plugin's module");
    assert_eq!(module["licenses"][0]["expression"], "GPL-2.0-or-later");
    assert_eq!(
        property(module, "plugin-validator:licence-evidence"),
        Some("spdx-header".into())
    );
    assert_eq!(
        property(module, "plugin-validator:imports-qgis"),
        Some("qgis.core".into())
    );
    assert_eq!(sbom["dependencies"][0]["ref"], "plugin");
    assert_eq!(
        sbom["dependencies"][0]["dependsOn"][0],
        library["bom-ref"].clone()
    );
}

#[test]
fn the_sbom_of_a_folder_has_no_zip_digest_and_is_valid() {
    let (document, sbom) =
        sbom_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample_plugin"));
    validate(&document).expect("a valid CycloneDX 1.5 document");
    assert!(sbom["metadata"]["component"]["hashes"].is_null());
}

/// The validator is live: a document that breaks the schema is refused.
#[test]
fn the_schema_validation_refuses_an_invalid_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("demo.zip");
    std::fs::write(&zip, plugin_zip()).expect("zip written");
    let (_, mut sbom) = sbom_of(&zip);
    sbom["components"][0]["type"] = "plugin".into();
    let broken = serde_json::to_vec(&sbom).expect("json");
    assert!(validate(&broken).is_err());
}

/// The dependencies check's advisories in the SBOM: a bundled `requests` 2.7.0 (a fake
/// package with its metadata) and a pinned requirement, compared with the committed OSV
/// fixtures (`--advisories`), give CycloneDX `vulnerabilities` that name their components.
#[test]
fn the_sbom_carries_the_dependencies_vulnerabilities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("demo.zip");
    let bytes = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/ext_libs/requests/__init__.py",
            "__version__ = '2.7.0'\n",
        )
        .file(
            "demo/ext_libs/requests-2.7.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.7.0\nLicense: Apache 2.0\n",
        )
        .file(
            "demo/ext_libs/requests-2.7.0.dist-info/top_level.txt",
            "requests\n",
        )
        .file("demo/requirements.txt", "gdal==3.0.1\n")
        .build();
    std::fs::write(&zip, &bytes).expect("zip written");
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shared/dependencies-check/tests/fixtures/advisories");
    let output = plugin_validator()
        .args(["scan", "--format", "cyclonedx", "--advisories"])
        .arg(&advisories)
        .arg(&zip)
        .env("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off")
        .output()
        .expect("plugin-validator runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    validate(&output.stdout).expect("a valid CycloneDX 1.5 document");
    let sbom: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let vulnerabilities = sbom["vulnerabilities"].as_array().expect("vulnerabilities");
    let by_id = |id: &str| {
        vulnerabilities
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {vulnerabilities:#?}"))
    };
    let proxy = by_id("PYSEC-2023-74");
    assert_eq!(proxy["affects"][0]["ref"], "pypi:requests@2.7.0");
    assert_eq!(proxy["recommendation"], "Upgrade to 2.31.0 or later.");
    assert!(proxy["references"]
        .as_array()
        .expect("aliases")
        .iter()
        .any(|r| r["id"] == "GHSA-j8r2-6x86-q33q"));
    let gdal = by_id("PYSEC-2019-241");
    assert_eq!(gdal["ratings"][0]["severity"], "critical");
    assert_eq!(gdal["ratings"][0]["method"], "CVSSv31");
    assert_eq!(gdal["affects"][0]["ref"], "pypi:gdal@3.0.1");
    let components = sbom["components"].as_array().expect("components");
    for reference in ["pypi:requests@2.7.0", "pypi:gdal@3.0.1"] {
        assert!(
            components.iter().any(|c| c["bom-ref"] == reference),
            "no component {reference}"
        );
    }
}
