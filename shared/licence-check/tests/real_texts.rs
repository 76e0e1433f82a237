//! Real licence texts (the SPDX list's, from the npm package spdx-license-list fetched at test
//! time by `infra/licence-texts.sh`, never committed), each as the plugin's LICENSE, alone and
//! with a copyright line above it; with headers in the files; mixed per file. Plus our own
//! proprietary EULA and non-commercial notice, which no list holds.

mod common;

use common::{licence_of, run};
use validator_domain::{Compatibility, Confidence1000, LicenceEvidence};
use validator_testkit::reference::licence_text;
use validator_testkit::ZipBuilder;

/// A plugin `demo` whose `plugin.py` imports QGIS, with this LICENSE text.
fn plugin(licence: &str) -> ZipBuilder {
    ZipBuilder::valid_plugin("demo")
        .file(
            "demo/plugin.py",
            "from qgis.core import QgsProject\n\n\nclass Plugin:\n    def __init__(self, iface):\n        self.iface = iface\n",
        )
        .file("demo/LICENSE", licence)
}

/// The SPDX list's text with its template fields filled as an author would.
fn filled(id: &str) -> String {
    licence_text(id)
        .replace("<year>", "2024")
        .replace("<copyright holders>", "Jane Doe")
        .replace("<owner>", "Jane Doe")
        .replace("[yyyy]", "2024")
        .replace("[name of copyright owner]", "Jane Doe")
}

/// (text id, the SPDX id the plugin's licence must be, its compatibility).
const CASES: &[(&str, &str, Compatibility)] = &[
    ("GPL-2.0-only", "GPL-2.0-only", Compatibility::Compatible),
    ("GPL-3.0-only", "GPL-3.0-only", Compatibility::Gpl3Only),
    ("LGPL-2.1-only", "LGPL-2.1-only", Compatibility::Compatible),
    ("LGPL-3.0-only", "LGPL-3.0-only", Compatibility::Gpl3Only),
    ("MIT", "MIT", Compatibility::Compatible),
    ("BSD-2-Clause", "BSD-2-Clause", Compatibility::Compatible),
    ("BSD-3-Clause", "BSD-3-Clause", Compatibility::Compatible),
    ("Apache-2.0", "Apache-2.0", Compatibility::Gpl3Only),
    ("MPL-2.0", "MPL-2.0", Compatibility::Compatible),
    ("CC-BY-NC-4.0", "CC-BY-NC-4.0", Compatibility::Incompatible),
    (
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-SA-4.0",
        Compatibility::Incompatible,
    ),
];

#[test]
fn each_real_text_alone_is_identified_with_its_confidence() {
    let mut wrong = Vec::new();
    for (text_id, expected, compatibility) in CASES {
        for (how, text) in [
            ("alone", filled(text_id)),
            (
                "below a copyright line",
                format!(
                    "Copyright (C) 2024 Jane Doe <jane@example.org>\n\n{}",
                    filled(text_id)
                ),
            ),
        ] {
            let outcome = run(plugin(&text).build());
            let plugin = &outcome.report.plugin;
            let file = &plugin.files[0];
            let flagged = outcome.findings.iter().any(|f| f.rule == "LIC003");
            let ok = plugin.spdx.as_deref() == Some(*expected)
                && file.evidence == LicenceEvidence::Text
                && file.confidence >= Confidence1000(900)
                && plugin.compatibility == *compatibility
                && flagged == (*compatibility == Compatibility::Incompatible);
            if !ok {
                wrong.push(format!(
                    "{text_id} {how}: {:?} from {:?} confidence {}, {:?}, LIC003: {flagged}",
                    plugin.spdx, file.evidence, file.confidence, plugin.compatibility
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The texts of licences plugins rarely use are found in the whole list.
#[test]
fn a_text_outside_the_common_licences_is_found_in_the_whole_list() {
    let outcome = run(plugin(&filled("EPL-2.0")).build());
    let plugin = &outcome.report.plugin;
    assert_eq!(plugin.spdx.as_deref(), Some("EPL-2.0"));
    assert_eq!(plugin.compatibility, Compatibility::Incompatible);
    assert!(plugin.files[0].confidence >= Confidence1000(900));
}

#[test]
fn a_proprietary_eula_and_a_non_commercial_notice_are_incompatible_with_the_evidence() {
    let eula =
        "END USER LICENSE AGREEMENT\n\nThis End User License Agreement is a legal agreement \
between you and ACME Mapping Ltd. The Software is licensed, not sold. You may install it on one \
computer. You may not copy, modify, distribute, sell or lease any part of the Software, nor \
reverse engineer it. All rights reserved.\n";
    let outcome = run(plugin(eula).build());
    let plugin = &outcome.report.plugin;
    assert_eq!(plugin.spdx.as_deref(), Some("LicenseRef-Proprietary"));
    assert_eq!(plugin.compatibility, Compatibility::Incompatible);
    assert!(plugin.files[0]
        .detail
        .contains("end user license agreement"));
    let lic003: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "LIC003")
        .collect();
    assert_eq!(lic003.len(), 2, "{lic003:#?}");
    assert!(lic003[0].message.contains("proprietary"));
}

/// The GPL's own header in every file, under the GPL-3.0 text: each file is GPL-3.0-or-later
/// by its header, compatible, and has no SPDX line.
#[test]
fn gpl_text_with_gpl_headers() {
    let header = "# This program is free software: you can redistribute it and/or modify\n\
# it under the terms of the GNU General Public License as published by\n\
# the Free Software Foundation, either version 3 of the License, or\n\
# (at your option) any later version.\n";
    let outcome = run(plugin(&licence_text("GPL-3.0-only"))
        .file(
            "demo/plugin.py",
            &format!("{header}from qgis.core import QgsProject\n"),
        )
        .build());
    let file = licence_of(&outcome, "demo/plugin.py");
    assert_eq!(file.spdx.as_deref(), Some("GPL-3.0-or-later"));
    assert_eq!(file.evidence, LicenceEvidence::Notice);
    assert_eq!(file.line, Some(2));
    assert!(!outcome.findings.iter().any(|f| f.rule == "LIC003"));
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.rule == "LIC006" && f.path == "demo/plugin.py"));
}

/// The plugin under the GPL, a module under the MIT text's header, another under the
/// non-commercial licence importing QGIS, a bundled library shipping the BSD text.
#[test]
fn real_texts_mixed_per_file_and_library() {
    let mit_header: String = filled("MIT").lines().map(|l| format!("# {l}\n")).collect();
    let zip = plugin(&licence_text("GPL-2.0-only"))
        .file(
            "demo/mit_module.py",
            &format!("{mit_header}from qgis.core import QgsProject\n"),
        )
        .file(
            "demo/nc_module.py",
            "# Licensed under CC BY-NC 4.0 (https://creativecommons.org/licenses/by-nc/4.0/)\nfrom .mit_module import QgsProject\n",
        )
        .file("demo/ext_libs/tinylib/__init__.py", "__version__ = \"1.0.0\"\n")
        .file("demo/ext_libs/tinylib/LICENSE", &filled("BSD-3-Clause"))
        .build();
    let outcome = run(zip);
    assert_eq!(
        licence_of(&outcome, "demo/mit_module.py").spdx.as_deref(),
        Some("MIT")
    );
    let nc = licence_of(&outcome, "demo/nc_module.py");
    assert_eq!(nc.spdx.as_deref(), Some("CC-BY-NC-4.0"));
    assert_eq!(
        nc.imports_qgis.as_deref(),
        Some("demo/mit_module.py -> qgis.core")
    );
    let library = &outcome.report.libraries[0];
    assert_eq!(library.label(), "tinylib 1.0.0");
    assert_eq!(library.spdx.as_deref(), Some("BSD-3-Clause"));
    assert!(library.attribution_kept);
    assert_eq!(
        licence_of(&outcome, "demo/ext_libs/tinylib/__init__.py")
            .spdx
            .as_deref(),
        Some("BSD-3-Clause")
    );
    let flagged: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("LIC00") && f.rule != "LIC006")
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(flagged, ["demo/nc_module.py"]);
}
