//! One fixture per rule of the licence check (plugins built here, our own short texts), the
//! QGIS-import scenarios the repository's rule turns on (a non-GPL core that does not import
//! QGIS next to a GPL layer that does, and the same core importing QGIS), and headers mixed per
//! file. A test fails when a rule of the check has no fixture that triggers it.

mod common;

use common::{licence_of, run, Outcome};
use validator_domain::{Check, Compatibility, LicenceEvidence};
use validator_licence::LicenceCheck;
use validator_testkit::{metadata_txt, ZipBuilder};

/// Our own notice paragraph for a non-commercial Creative Commons licence.
pub const CC_BY_NC_NOTICE: &str = "This work is licensed under the Creative Commons \
Attribution-NonCommercial 4.0 International License. To view a copy of this license, visit \
http://creativecommons.org/licenses/by-nc/4.0/.\n";

/// A plugin `demo` whose `plugin.py` imports QGIS, with this LICENSE (none when `None`).
fn plugin(licence: Option<&str>) -> ZipBuilder {
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/plugin.py",
            "from qgis.core import QgsProject\n\n\nclass Plugin:\n    def __init__(self, iface):\n        self.iface = iface\n",
        )
        .without("demo/LICENSE");
    match licence {
        Some(text) => zip.file("demo/LICENSE", text),
        None => zip,
    }
}

/// A plugin bundling `tinylib` 1.0.0 installed with pip (its `.dist-info` holds this
/// `METADATA` and, when given, a licence file).
fn bundling(metadata: &str, licence_file: Option<&str>) -> Vec<u8> {
    let zip = plugin(Some("GPL-2.0-or-later\n"))
        .file(
            "demo/ext_libs/tinylib/__init__.py",
            "__version__ = \"1.0.0\"\n",
        )
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/METADATA",
            &format!("Metadata-Version: 2.1\nName: tinylib\nVersion: 1.0.0\n{metadata}\n"),
        )
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/RECORD",
            "tinylib/__init__.py,,\n",
        )
        .file(
            "demo/ext_libs/tinylib-1.0.0.dist-info/top_level.txt",
            "tinylib\n",
        );
    match licence_file {
        Some(text) => zip
            .file("demo/ext_libs/tinylib-1.0.0.dist-info/LICENSE", text)
            .build(),
        None => zip.build(),
    }
}

/// (rule, the zip, every finding as `RULE path`).
type Fixture = (&'static str, fn() -> Vec<u8>, &'static [&'static str]);

const FIXTURES: &[Fixture] = &[
    (
        "LIC001",
        || plugin(None).build(),
        &[
            "LIC001 demo/LICENSE",
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
        ],
    ),
    (
        "LIC002",
        || {
            plugin(Some(
                "You may run this plugin on Tuesdays. For anything else, write to the author.\n",
            ))
            .build()
        },
        &[
            "LIC002 demo/LICENSE",
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
        ],
    ),
    (
        "LIC003",
        || plugin(Some(CC_BY_NC_NOTICE)).build(),
        &[
            "LIC003 demo/__init__.py",
            "LIC003 demo/plugin.py",
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
        ],
    ),
    (
        "LIC004",
        || bundling("License-Expression: CC-BY-NC-4.0", Some(CC_BY_NC_NOTICE)),
        &[
            "LIC004 demo/ext_libs/tinylib/",
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
        ],
    ),
    (
        "LIC005",
        || bundling("License: MIT", None),
        &[
            "LIC005 demo/ext_libs/tinylib/",
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
        ],
    ),
    (
        "LIC006",
        || {
            plugin(Some("GPL-2.0-or-later\n"))
                .file(
                    "demo/__init__.py",
                    "# SPDX-License-Identifier: GPL-2.0-or-later\ndef classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n",
                )
                .build()
        },
        &["LIC006 demo/plugin.py"],
    ),
    (
        "LIC007",
        || {
            plugin(Some("GPL-2.0-or-later\n"))
                .file(
                    "demo/metadata.txt",
                    &format!("{}license=MIT\n", metadata_txt("demo", "1.0.0")),
                )
                .build()
        },
        &[
            "LIC006 demo/__init__.py",
            "LIC006 demo/plugin.py",
            "LIC007 demo/metadata.txt",
        ],
    ),
];

fn sorted(outcome: &Outcome) -> Vec<String> {
    let mut found: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.path))
        .collect();
    found.sort();
    found
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let mut differences = Vec::new();
    for (rule, zip, expected) in FIXTURES {
        let found = sorted(&run(zip()));
        if found != *expected {
            differences.push(format!("{rule}: found {found:#?}\nexpected {expected:#?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let mut problems = Vec::new();
    for rule in LicenceCheck.rules() {
        match FIXTURES.iter().find(|(id, ..)| *id == rule.id) {
            None => problems.push(format!("{} has no fixture in FIXTURES", rule.id)),
            Some((_, _, expected)) => {
                if !expected
                    .iter()
                    .any(|l| l.split(' ').next() == Some(rule.id))
                {
                    problems.push(format!("{}'s fixture does not trigger it", rule.id));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A GPL layer that imports QGIS and a proprietary core that does not: compliant. The same
/// core importing QGIS: not, and the finding names the core.
#[test]
fn a_non_gpl_core_may_stay_non_gpl_until_it_imports_qgis() {
    let layer = "# SPDX-License-Identifier: GPL-2.0-or-later\nfrom qgis.core import QgsProject\nfrom .core.engine import compute\n\n\nclass Plugin:\n    def __init__(self, iface):\n        self.iface = iface\n";
    let core = |imports_qgis: bool| {
        format!(
            "# SPDX-License-Identifier: LicenseRef-Proprietary\n# Copyright ACME. All rights reserved.\n{}\ndef compute(x):\n    return x * 2\n",
            if imports_qgis {
                "from qgis.core import QgsGeometry\n"
            } else {
                "import math\n"
            }
        )
    };
    let zip = |imports_qgis: bool| {
        plugin(Some("GPL-2.0-or-later\n"))
            .file("demo/plugin.py", layer)
            .file("demo/core/__init__.py", "")
            .file("demo/core/engine.py", &core(imports_qgis))
            .build()
    };

    let compliant = run(zip(false));
    let lic003: Vec<_> = compliant
        .findings
        .iter()
        .filter(|f| f.rule == "LIC003")
        .collect();
    assert!(lic003.is_empty(), "{lic003:#?}");
    let engine = licence_of(&compliant, "demo/core/engine.py");
    assert_eq!(engine.spdx.as_deref(), Some("LicenseRef-Proprietary"));
    assert_eq!(engine.compatibility, Compatibility::Incompatible);
    assert_eq!(engine.imports_qgis, None);
    // The layer imports QGIS itself; `__init__.py` through it.
    assert_eq!(
        licence_of(&compliant, "demo/plugin.py")
            .imports_qgis
            .as_deref(),
        Some("qgis.core")
    );
    assert_eq!(
        licence_of(&compliant, "demo/__init__.py")
            .imports_qgis
            .as_deref(),
        Some("demo/plugin.py -> qgis.core")
    );

    let not = run(zip(true));
    let lic003: Vec<_> = not.findings.iter().filter(|f| f.rule == "LIC003").collect();
    assert_eq!(lic003.len(), 1, "{lic003:#?}");
    assert_eq!(lic003[0].path, "demo/core/engine.py");
    assert_eq!(lic003[0].line, Some(1));
    assert!(
        lic003[0].message.contains("LicenseRef-Proprietary")
            && lic003[0].message.contains("qgis.core"),
        "{}",
        lic003[0].message
    );
}

/// Files under several licences in one plugin: each file's own header decides, the plugin's
/// licence applies to the rest, and only a QGIS importer under incompatible terms is flagged.
#[test]
fn headers_mixed_per_file() {
    let zip = plugin(Some("GPL-2.0-or-later\n"))
        .file(
            "demo/mit_tool.py",
            "# Copyright 2024 Jane Doe\n#\n# Permission is hereby granted, free of charge, to any person obtaining a copy\n# of this software...\nfrom qgis.core import QgsProject\n",
        )
        .file(
            "demo/apache_tool.py",
            "# Licensed under the Apache License, Version 2.0 (the \"License\");\nfrom qgis.gui import QgsMapTool\n",
        )
        .file(
            "demo/nc_tool.py",
            &format!("# {CC_BY_NC_NOTICE}from qgis.core import QgsVectorLayer\n"),
        )
        .file(
            "demo/nc_data.py",
            &format!("# {CC_BY_NC_NOTICE}DATA = [1, 2, 3]\n"),
        )
        .file(
            "demo/spdx_tool.py",
            "# SPDX-License-Identifier: MIT OR Apache-2.0\nimport os\n",
        )
        .build();
    let outcome = run(zip);
    let licence = |path| licence_of(&outcome, path).spdx.clone();
    assert_eq!(licence("demo/mit_tool.py").as_deref(), Some("MIT"));
    assert_eq!(
        licence("demo/apache_tool.py").as_deref(),
        Some("Apache-2.0")
    );
    assert_eq!(licence("demo/nc_tool.py").as_deref(), Some("CC-BY-NC-4.0"));
    assert_eq!(
        licence("demo/spdx_tool.py").as_deref(),
        Some("MIT OR Apache-2.0")
    );
    assert_eq!(
        licence("demo/plugin.py").as_deref(),
        Some("GPL-2.0-or-later")
    );
    assert_eq!(
        licence_of(&outcome, "demo/plugin.py").evidence,
        LicenceEvidence::Plugin
    );
    assert!(licence_of(&outcome, "demo/spdx_tool.py").spdx_header);
    let flagged: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "LIC003")
        .map(|f| f.path.as_str())
        .collect();
    // The non-commercial data module does not import QGIS: listed, not flagged.
    assert_eq!(flagged, ["demo/nc_tool.py"]);
    let report = &outcome.report;
    assert_eq!(report.files_with_spdx_header(), 1);
    let other: Vec<&str> = report
        .files_with_other_licence()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        other,
        // Archive order.
        [
            "demo/mit_tool.py",
            "demo/apache_tool.py",
            "demo/nc_tool.py",
            "demo/nc_data.py",
            "demo/spdx_tool.py"
        ]
    );
}

/// A plugin declared GPL-2.0-only cannot take code compatible with GPLv3 only; GPL-2.0-or-later
/// can (distributed as GPLv3).
#[test]
fn gpl_2_only_and_apache_do_not_mix_but_or_later_does() {
    let zip = |licence: &str| {
        plugin(Some(licence))
            .file(
                "demo/apache_tool.py",
                "# SPDX-License-Identifier: Apache-2.0\nfrom qgis.gui import QgsMapTool\n",
            )
            .build()
    };
    let only = run(zip("GPL-2.0-only\n"));
    assert!(
        only.findings
            .iter()
            .any(|f| f.rule == "LIC003" && f.path == "demo/apache_tool.py"),
        "{:#?}",
        only.findings
    );
    let later = run(zip("GPL-2.0-or-later\n"));
    assert!(!later.findings.iter().any(|f| f.rule == "LIC003"));
}

#[test]
fn metadata_licence_refines_the_text_and_a_bad_expression_is_reported() {
    let zip = |license: &str| {
        plugin(Some("GPL-2.0-only\n"))
            .file(
                "demo/metadata.txt",
                &format!("{}license={license}\n", metadata_txt("demo", "1.0.0")),
            )
            .build()
    };
    let refined = run(zip("GPL-2.0-or-later"));
    assert_eq!(
        refined.report.plugin.spdx.as_deref(),
        Some("GPL-2.0-or-later")
    );
    assert!(!refined.findings.iter().any(|f| f.rule == "LIC007"));
    let invalid = run(zip("GPL 2 or so"));
    let lic007: Vec<_> = invalid
        .findings
        .iter()
        .filter(|f| f.rule == "LIC007")
        .collect();
    assert_eq!(lic007.len(), 1);
    assert!(lic007[0].message.contains("not an SPDX expression"));
}

#[test]
fn generated_and_empty_files_are_not_asked_for_a_header() {
    let zip = plugin(Some("GPL-2.0-or-later\n"))
        .file("demo/resources.py", "# -*- coding: utf-8 -*-\n\n# Resource object code\n#\n# Created by: The Resource Compiler for PyQt5 (Qt v5.15.2)\n")
        .file("demo/sub/__init__.py", "")
        .build();
    let outcome = run(zip);
    let asked: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "LIC006")
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(asked, ["demo/__init__.py", "demo/plugin.py"]);
}

/// A library's licence text counts as kept when a licence file travels with it, or when its
/// own notice is the licence's whole terms (the MIT permission notice); an Apache header, or a
/// `__license__` string, names the licence but asks for its text beside it.
#[test]
fn a_library_keeps_its_licence_with_a_file_or_its_whole_terms_in_a_notice() {
    let with_module = |header: &str| {
        plugin(Some("GPL-2.0-or-later\n"))
            .file(
                "demo/ext_libs/tinylib/__init__.py",
                &format!("{header}__version__ = \"1.0.0\"\n"),
            )
            .build()
    };
    let mit = with_module(
        "# Copyright 2024 Jane Doe\n# Permission is hereby granted, free of charge, to any person obtaining a copy\n# of this software ...\n",
    );
    let outcome = run(mit);
    assert_eq!(outcome.report.libraries[0].spdx.as_deref(), Some("MIT"));
    assert!(outcome.report.libraries[0].attribution_kept);
    for header in [
        "# Licensed under the Apache License, Version 2.0 (the \"License\");\n",
        "__license__ = \"MIT\"\n",
    ] {
        let outcome = run(with_module(header));
        let library = &outcome.report.libraries[0];
        assert!(library.spdx.is_some(), "{header}");
        assert!(!library.attribution_kept, "{header}");
        assert!(
            outcome.findings.iter().any(|f| f.rule == "LIC005"),
            "{header}"
        );
    }
}

/// Headers stand in for a licence file only in every file: a plugin where some files have none
/// has no licence for them (LIC001); one where every file has one is under its headers' terms.
#[test]
fn headers_replace_a_licence_file_only_in_every_file() {
    let header = "# SPDX-License-Identifier: GPL-2.0-or-later\n";
    let some = run(plugin(None)
        .file(
            "demo/plugin.py",
            &format!("{header}from qgis.core import QgsProject\n"),
        )
        .build());
    let lic001: Vec<_> = some
        .findings
        .iter()
        .filter(|f| f.rule == "LIC001")
        .collect();
    assert_eq!(lic001.len(), 1);
    assert!(
        lic001[0].message.contains("only 1 of the 2 source files"),
        "{}",
        lic001[0].message
    );
    assert_eq!(some.report.plugin.spdx, None);
    let every = run(plugin(None)
        .file("demo/plugin.py", &format!("{header}from qgis.core import QgsProject\n"))
        .file(
            "demo/__init__.py",
            &format!("{header}def classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n"),
        )
        .build());
    assert!(!every.findings.iter().any(|f| f.rule == "LIC001"));
    assert_eq!(
        every.report.plugin.spdx.as_deref(),
        Some("GPL-2.0-or-later")
    );
}
