mod common;

use common::{of, one, rules, run, run_bytes, says};
use validator_domain::Level;
use validator_package_checks::FilePermissionsCheck;
use validator_testkit::ZipBuilder;

const CHECK: FilePermissionsCheck = FilePermissionsCheck;

#[test]
fn valid_plugin_is_clean() {
    let findings = run(&CHECK, ZipBuilder::valid_plugin("demo"));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn executable_python_file() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .mode("demo/plugin.py", 0o755)
            .bytes("demo/tools/run.sh", b"#!/bin/sh\n", 0o755)
            .bytes("demo/Upper.PY", b"x = 1\n", 0o744),
    );
    let exec = of(&findings, "PERM001");
    let paths: Vec<&str> = exec.iter().map(|f| f.path.as_str()).collect();
    // Other executables are the suspicious_files check's business.
    assert_eq!(paths, ["demo/plugin.py", "demo/Upper.PY"]);
    says(exec[0], &["executable", "0755"]);
    assert_eq!(exec[0].level, Level::Warning);
    assert!(!exec[0].mandatory);
    assert_eq!(rules(&findings), ["PERM001", "PERM001"]);
}

#[test]
fn setuid_setgid_and_sticky() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/helper", b"data", 0o4755)
            .bytes("demo/group", b"data", 0o2644)
            .bytes("demo/both", b"data", 0o6644)
            .bytes("demo/sticky", b"data", 0o1644),
    );
    let special = of(&findings, "PERM002");
    assert_eq!(special.len(), 4, "{findings:#?}");
    assert_eq!(special[0].path, "demo/helper");
    says(special[0], &["setuid", "4755"]);
    says(special[1], &["setgid", "2644"]);
    says(special[2], &["setuid and setgid bits"]);
    says(special[3], &["sticky"]);
    assert_eq!(special[0].level, Level::Critical);
    assert!(special[0].mandatory);
    assert_eq!(rules(&findings), ["PERM002"; 4]);
}

#[test]
fn world_writable_file() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").mode("demo/metadata.txt", 0o666),
    );
    let finding = one(&findings, "PERM003");
    assert_eq!(finding.path, "demo/metadata.txt");
    says(finding, &["world-writable file", "0666"]);
    assert_eq!(finding.level, Level::Warning);
    assert_eq!(rules(&findings), ["PERM003"]);
}

#[test]
fn world_writable_executable_python_is_two_findings() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").mode("demo/plugin.py", 0o777),
    );
    assert_eq!(rules(&findings), ["PERM001", "PERM003"]);
}

#[test]
fn symlink_inside_the_plugin() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .symlink("demo/link.py", "plugin.py")
            .symlink("demo/sub/up.py", "../plugin.py"),
    );
    let links = of(&findings, "PERM004");
    assert_eq!(links.len(), 2, "{findings:#?}");
    assert_eq!(links[0].path, "demo/link.py");
    says(links[0], &["symbolic link", "`plugin.py`", "inside"]);
    says(links[1], &["`../plugin.py`"]);
    assert_eq!(links[0].level, Level::Warning);
    assert!(!links[0].mandatory);
    // The link's own 0777 mode is not "world-writable".
    assert_eq!(rules(&findings), ["PERM004", "PERM004"]);
}

#[test]
fn symlinks_out_of_the_plugin() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .symlink("demo/escape", "../../etc/passwd")
            .symlink("demo/absolute", "/etc/passwd")
            .symlink("demo/sibling", "../other/plugin.py")
            .symlink("demo/windows", "C:\\Windows\\system.ini"),
    );
    let escapes = of(&findings, "PERM005");
    let paths: Vec<&str> = escapes.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "demo/escape",
            "demo/absolute",
            "demo/sibling",
            "demo/windows"
        ]
    );
    says(
        escapes[0],
        &["`../../etc/passwd`", "out of the plugin folder"],
    );
    says(escapes[1], &["`/etc/passwd`", "absolute"]);
    says(escapes[2], &["`../other/plugin.py`"]);
    says(escapes[3], &["absolute"]);
    assert_eq!(escapes[0].level, Level::Critical);
    assert!(escapes[0].mandatory);
    assert_eq!(rules(&findings), ["PERM005"; 4]);
}

/// Rewrites every central directory record as made on MS-DOS (what Windows zippers write): the
/// unix mode bits are then not used.
fn as_if_zipped_on_windows(mut bytes: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 46 <= bytes.len() {
        if &bytes[i..i + 4] == b"PK\x01\x02" {
            bytes[i + 5] = 0; // "version made by": host system 0 = MS-DOS
        }
        i += 1;
    }
    bytes
}

#[test]
fn entries_zipped_on_windows_have_no_unix_mode_findings() {
    let zip = ZipBuilder::valid_plugin("demo")
        .bytes("demo/helper", b"data", 0o4777)
        .mode("demo/plugin.py", 0o777);
    assert!(!run_bytes(&CHECK, zip.build(), &|_| true).is_empty());
    let zip = ZipBuilder::valid_plugin("demo")
        .bytes("demo/helper", b"data", 0o4777)
        .mode("demo/plugin.py", 0o777);
    let findings = run_bytes(&CHECK, as_if_zipped_on_windows(zip.build()), &|_| true);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn disabled_link_rules_skip_reading_targets() {
    let findings = run_bytes(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .symlink("demo/escape", "/etc/passwd")
            .symlink("demo/ok", "plugin.py")
            .build(),
        &|rule| rule != "PERM005",
    );
    assert_eq!(rules(&findings), ["PERM004"]);
}
