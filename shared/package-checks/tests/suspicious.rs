mod common;

use common::{of, one, rules, run, run_bytes, says};
use validator_domain::Level;
use validator_package_checks::{SuspiciousFilesCheck, NOT_NESTED_ARCHIVES};
use validator_testkit::ZipBuilder;

const CHECK: SuspiciousFilesCheck = SuspiciousFilesCheck;

const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
const MACHO: &[u8] = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00";
const FAT_MACHO: &[u8] = b"\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07";
const JAVA_CLASS: &[u8] = b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d\x0a\x00";
const GZIP: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03";

/// A minimal PE image: the DOS header pointing (at 0x3C) to `PE\0\0` at 0x80.
fn pe() -> Vec<u8> {
    let mut data = vec![0u8; 0x100];
    data[..2].copy_from_slice(b"MZ");
    data[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    data[0x80..0x84].copy_from_slice(b"PE\0\0");
    data
}

/// A real zip (the valid plugin itself) to nest.
fn zip_bytes() -> Vec<u8> {
    ZipBuilder::valid_plugin("inner").build()
}

#[test]
fn valid_plugin_is_clean() {
    let findings = run(&CHECK, ZipBuilder::valid_plugin("demo"));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn ordinary_plugin_assets_are_clean() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes(
                "demo/icons/icon.png",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                0o644,
            )
            .file("demo/web/app.js", "console.log('hi');\n")
            .file("demo/i18n/demo_fr.ts", "<TS/>\n")
            .file(
                "demo/notes.txt",
                "MZ is where this note starts, and it is just text.\n",
            )
            .file("demo/.gitignore", "*.pyc\n")
            .file("demo/.gitattributes", "* text=auto\n"),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn executables_and_scripts_by_extension() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/tools/install.sh", "#!/bin/sh\necho hi\n")
            .file("demo/tools/setup.BAT", "@echo off\n")
            .file("demo/tools/fix.ps1", "Write-Host hi\n")
            .file("demo/tools/run.vbs", "MsgBox 1\n")
            .bytes("demo/lib/libgdal.so.32.1", b"not really", 0o644),
    );
    let exec = of(&findings, "SUS001");
    let paths: Vec<&str> = exec.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "demo/tools/install.sh",
            "demo/tools/setup.BAT",
            "demo/tools/fix.ps1",
            "demo/tools/run.vbs",
            "demo/lib/libgdal.so.32.1"
        ]
    );
    says(exec[0], &["shell script"]);
    says(exec[1], &["batch script"]);
    says(exec[4], &["shared library"]);
    assert_eq!(exec[0].level, Level::Warning);
    assert!(!exec[0].mandatory);
    assert_eq!(rules(&findings), ["SUS001"; 5]);
}

#[test]
fn disguised_elf_named_png() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/icons/logo.png", ELF, 0o644),
    );
    let finding = one(&findings, "SUS002");
    assert_eq!(finding.path, "demo/icons/logo.png");
    assert_eq!(
        finding.message,
        "`demo/icons/logo.png` is an ELF executable disguised as .png"
    );
    assert_eq!(finding.level, Level::Warning);
    assert!(!finding.mandatory);
    assert_eq!(rules(&findings), ["SUS002"]);
}

#[test]
fn pe_exe_is_reported_by_name_only() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/bin/helper.exe", &pe(), 0o644),
    );
    assert_eq!(rules(&findings), ["SUS001"]);
    assert_eq!(findings[0].path, "demo/bin/helper.exe");
    says(&findings[0], &["Windows executable"]);
}

#[test]
fn disguised_pe() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/data/table.dat", &pe(), 0o644),
    );
    assert_eq!(rules(&findings), ["SUS002"]);
    says(
        &findings[0],
        &["Windows (PE) executable", "disguised as .dat"],
    );
}

#[test]
fn pe_header_beyond_the_first_read_is_followed() {
    let mut data = vec![0u8; 0x900];
    data[..2].copy_from_slice(b"MZ");
    data[0x3C..0x40].copy_from_slice(&0x800u32.to_le_bytes());
    data[0x800..0x804].copy_from_slice(b"PE\0\0");
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/data/blob.txt", &data, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS002"]);
}

#[test]
fn elf_matching_its_extension_is_sus001_only() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/lib/libfoo.so", ELF, 0o644)
            .bytes("demo/lib/libfoo.so.1", ELF, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS001", "SUS001"]);
}

#[test]
fn elf_under_a_wrong_executable_extension_is_both() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/bin/tool.exe", ELF, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS001", "SUS002"]);
    says(&findings[1], &["ELF", ".exe"]);
}

#[test]
fn elf_without_extension() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/bin/tool", ELF, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS002"]);
    says(&findings[0], &["ELF executable", "no file extension"]);
}

#[test]
fn when_sus001_does_not_run_sus002_reports_the_binary() {
    let findings = run_bytes(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/lib/libfoo.so", ELF, 0o644)
            .build(),
        &|rule| rule != "SUS001",
    );
    assert_eq!(rules(&findings), ["SUS002"]);
    says(&findings[0], &["`demo/lib/libfoo.so` is an ELF executable"]);
    assert!(!findings[0].message.contains("disguised"));
}

#[test]
fn mach_o_thin_and_fat() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/res/readme.txt", MACHO, 0o644)
            .bytes("demo/res/icon.svg", FAT_MACHO, 0o644)
            .bytes("demo/lib/libx.dylib", MACHO, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS002", "SUS002", "SUS001"]);
    says(&findings[0], &["Mach-O", "disguised as .txt"]);
    says(
        &findings[1],
        &["universal (fat) Mach-O", "disguised as .svg"],
    );
}

#[test]
fn java_class_files_are_bytecode_not_mach_o() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/java/Main.class", JAVA_CLASS, 0o644)
            .bytes("demo/java/Fat.class", FAT_MACHO, 0o644),
    );
    assert!(findings.is_empty(), "{findings:#?}");
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/icons/a.png", JAVA_CLASS, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS002"]);
    says(&findings[0], &["Java bytecode", "disguised as .png"]);
}

#[test]
fn hidden_files_and_folders_one_finding_per_top_most_component() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/.DS_Store", "junk")
            .file("demo/.idea/workspace.xml", "<x/>")
            .file("demo/.idea/.name", "demo")
            .file("demo/sub/.env", "TOKEN=x"),
    );
    let hidden = of(&findings, "SUS003");
    let paths: Vec<&str> = hidden.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["demo/.DS_Store", "demo/.idea", "demo/sub/.env"]);
    says(hidden[0], &["hidden file"]);
    says(hidden[1], &["hidden folder", "2 entries"]);
    assert_eq!(hidden[0].level, Level::Info);
    assert!(!hidden[0].mandatory);
    assert_eq!(rules(&findings), ["SUS003"; 3]);
}

/// Consistency: `.git` is hidden, so it is reported here too (as info; PKG010 refuses it),
/// and so are plugin configuration files. `__MACOSX` itself is not hidden, only the `._*`
/// files inside it are.
#[test]
fn git_config_files_and_macosx_leftovers_are_hidden_too() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/.git/config", "[core]\n")
            .file("demo/.git/HEAD", "ref: x\n")
            .file("demo/.bandit", "[bandit]\n")
            .dir("__MACOSX/")
            .file("__MACOSX/demo/._plugin.py", "junk"),
    );
    let paths: Vec<&str> = of(&findings, "SUS003")
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["demo/.git", "demo/.bandit", "__MACOSX/demo/._plugin.py"]
    );
    assert_eq!(rules(&findings), ["SUS003"; 3]);
}

#[test]
fn nested_archives_by_extension() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/libs/dep-1.0-py3-none-any.whl", &zip_bytes(), 0o644)
            .bytes("demo/data/tiles.tar.gz", GZIP, 0o644)
            .file("demo/data/empty.zip", ""),
    );
    let nested = of(&findings, "SUS004");
    let paths: Vec<&str> = nested.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "demo/libs/dep-1.0-py3-none-any.whl",
            "demo/data/tiles.tar.gz",
            "demo/data/empty.zip"
        ]
    );
    says(nested[0], &["nested archive", ".whl"]);
    assert_eq!(nested[0].level, Level::Warning);
    assert!(!nested[0].mandatory);
    assert_eq!(rules(&findings), ["SUS004"; 3]);
}

#[test]
fn nested_archives_by_content() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/data/table.dat", &zip_bytes(), 0o644)
            .bytes("demo/data/blob", GZIP, 0o644)
            .bytes("demo/data/x.bin2", b"7z\xbc\xaf\x27\x1c\x00\x04", 0o644)
            .bytes("demo/data/y.dat", b"Rar!\x1a\x07\x01\x00", 0o644),
    );
    let nested = of(&findings, "SUS004");
    assert_eq!(nested.len(), 4, "{findings:#?}");
    says(nested[0], &["zip archive", "by its content", ".dat"]);
    says(nested[1], &["gzip", "no file extension"]);
    says(nested[2], &["7-Zip"]);
    says(nested[3], &["RAR"]);
    assert_eq!(rules(&findings), ["SUS004"; 4]);
}

#[test]
fn tar_by_content() {
    let mut tar = vec![0u8; 512];
    tar[..8].copy_from_slice(b"file.txt");
    tar[257..263].copy_from_slice(b"ustar\0");
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/data/archive.dat", &tar, 0o644),
    );
    assert_eq!(rules(&findings), ["SUS004"]);
    says(&findings[0], &["tar archive"]);
}

#[test]
fn zip_based_documents_are_not_nested_archives() {
    let mut zip = ZipBuilder::valid_plugin("demo");
    for ext in NOT_NESTED_ARCHIVES {
        zip = zip.bytes(&format!("demo/docs/sample.{ext}"), &zip_bytes(), 0o644);
    }
    zip = zip.bytes("demo/project.QGZ", &zip_bytes(), 0o644);
    let findings = run(&CHECK, zip);
    assert!(findings.is_empty(), "{findings:#?}");
    for ext in ["qgz", "kmz", "docx", "xlsx", "odt"] {
        assert!(NOT_NESTED_ARCHIVES.contains(&ext), "{ext}");
    }
}

#[test]
fn a_jar_is_an_executable_not_a_nested_archive() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").bytes("demo/lib/tool.jar", &zip_bytes(), 0o644),
    );
    assert_eq!(rules(&findings), ["SUS001"]);
    says(&findings[0], &["Java archive"]);
}

#[test]
fn compiled_python() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes(
                "demo/__pycache__/plugin.cpython-311.pyc",
                b"\xa7\x0d\x0d\x0a",
                0o644,
            )
            .bytes(
                "demo/__pycache__/__init__.cpython-311.pyc",
                b"\xa7\x0d\x0d\x0a",
                0o644,
            )
            .bytes("demo/old.pyo", b"\x03\xf3\x0d\x0a", 0o644)
            .bytes("demo/lib/Util.PYC", b"\x03\xf3\x0d\x0a", 0o644),
    );
    let compiled = of(&findings, "SUS005");
    let paths: Vec<&str> = compiled.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["demo/old.pyo", "demo/lib/Util.PYC", "demo/__pycache__"]
    );
    says(compiled[0], &["compiled Python"]);
    says(compiled[2], &["2 compiled Python files"]);
    assert_eq!(compiled[0].level, Level::Warning);
    assert!(!compiled[0].mandatory);
    assert_eq!(rules(&findings), ["SUS005"; 3]);
}

#[test]
fn empty_files_and_symlinks_are_not_read() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/empty.png", "")
            .symlink("demo/link.png", "plugin.py"),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}
