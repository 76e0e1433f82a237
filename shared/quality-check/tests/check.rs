//! The `code_quality` check through the `Check` interface: findings, `# noqa`, the plugin's
//! flake8 configuration, unreadable and invalid files.

use validator_domain::{run_on_zip_as, Check, Finding, Level, Suppression};
use validator_quality::CodeQualityCheck;
use validator_testkit::ZipBuilder;

fn run(zip: ZipBuilder) -> Vec<Finding> {
    run_with(zip, false)
}

fn run_with(zip: ZipBuilder, reference_defaults: bool) -> Vec<Finding> {
    let findings = run_on_zip_as(&CodeQualityCheck, zip.build(), reference_defaults)
        .expect("runs")
        .findings;
    for f in &findings {
        assert_eq!(f.check.as_str(), "code_quality");
        assert!(CodeQualityCheck.rule(&f.rule).is_some(), "{f:?}");
        assert!(!f.remediation.is_empty());
    }
    findings
}

fn find<'a>(findings: &'a [Finding], rule: &str, line: u32) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule && f.line == Some(line))
        .unwrap_or_else(|| panic!("no {rule} on line {line} in {findings:#?}"))
}

#[test]
fn findings_carry_flake8_codes_positions_and_noqa() {
    let code = "import os  # noqa\nimport sys  # noqa: E501\nimport re  # NOQA:F401,E501\n\n\ndef f(x):\n    if x == None:\n        return l\n";
    let findings = run(ZipBuilder::valid_plugin("demo").file("demo/code.py", code));
    let os = find(&findings, "F401", 1);
    assert_eq!(
        os.suppressed,
        Some(Suppression::Inline {
            marker: "# noqa".into()
        })
    );
    // A code list that does not name the finding's code does not silence it.
    assert_eq!(find(&findings, "F401", 2).suppressed, None);
    assert!(matches!(
        &find(&findings, "F401", 3).suppressed,
        Some(Suppression::Inline { marker }) if marker == "# NOQA:F401,E501"
    ));
    let none = find(&findings, "E711", 7);
    assert_eq!(none.column, Some(10), "flake8 prints 1-based columns");
    assert_eq!(none.level, Level::Warning);
    assert!(
        none.message.starts_with("comparison to None"),
        "{}",
        none.message
    );
    let undefined = find(&findings, "F821", 8);
    assert!(undefined.mandatory);
    assert_eq!(undefined.level, Level::Critical);
}

#[test]
fn plugin_flake8_settings_silence_visibly_and_can_only_add() {
    let long = format!("x = '{}'\n", "a".repeat(130));
    let code = format!("import os\n{long}y = 1  \n");
    let cfg = "[flake8]\nmax_line_length = 200\nextend-ignore =\n    F401,\n    W291\nselect = E,F,W,C90\n";
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/code.py", &code)
        .file("demo/setup.cfg", cfg));
    let by_config = Some(Suppression::PluginConfig {
        file: "demo/setup.cfg".into(),
    });
    // Over our 120 limit but under the plugin's 200: reported, marked as relaxed by the plugin.
    assert_eq!(find(&findings, "E501", 2).suppressed, by_config);
    assert_eq!(find(&findings, "F401", 1).suppressed, by_config);
    assert_eq!(find(&findings, "W291", 3).suppressed, by_config);

    // A stricter plugin setting adds findings.
    let strict = "[flake8]\nmax-line-length = 20\n";
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/code.py", "value = 'a fairly long line'\n")
        .file("demo/tox.ini", strict));
    assert_eq!(find(&findings, "E501", 1).suppressed, None);
}

#[test]
fn file_level_noqa_keeps_findings_visible() {
    let findings =
        run(ZipBuilder::valid_plugin("demo").file("demo/code.py", "# flake8: noqa\nimport os\n"));
    assert!(matches!(
        &find(&findings, "F401", 2).suppressed,
        Some(Suppression::Inline { marker }) if marker == "# flake8: noqa"
    ));
}

#[test]
fn syntax_errors_and_undecodable_files_are_reported() {
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/py2.py", "import os\n\nprint 'hello'\n")
        .bytes("demo/latin.py", b"x = '\xe9'\n", 0o644));
    let syntax = find(&findings, "E999", 3);
    assert!(syntax.mandatory);
    assert_eq!(syntax.level, Level::Critical);
    // Only the syntax error: flake8 runs no other check on such a file.
    assert_eq!(
        findings.iter().filter(|f| f.path == "demo/py2.py").count(),
        1
    );
    let unreadable = find(&findings, "E902", 1);
    assert_eq!(unreadable.path, "demo/latin.py");
}

#[test]
fn hostile_input_does_not_crash() {
    let deep = format!("x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    let chain = format!("x = {}1\n", "1+".repeat(5000));
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/deep.py", &deep)
        .file("demo/chain.py", &chain)
        .file("demo/tabs.py", "if True:\n\tx = 1\n        y = 2\n")
        .file("demo/unterminated.py", "s = '''never closed\n"));
    assert!(findings.iter().any(|f| f.path == "demo/tabs.py"));
    assert!(findings
        .iter()
        .any(|f| f.path == "demo/unterminated.py" && f.rule == "E999"));
}

/// Work per file stays proportional to its size: long non-ASCII lines, one logical line with
/// tens of thousands of colons and findings, thousands of functions. (Quadratic work here would
/// take minutes, not the fraction of a second this takes.)
#[test]
fn huge_lines_and_many_definitions_stay_linear() {
    let n = 30_000;
    let list = format!("x = [{}]\n", vec!["'é'"; n].join(","));
    let dict = format!(
        "d = {{{}}}  # noqa: E231\n",
        (0..n)
            .map(|i| format!("'k{i}':lambda:{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let functions: String = (0..3_000)
        .map(|i| format!("def f{i}(a):\n    if a:\n        return l\n\n\n"))
        .collect();
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/list.py", &list)
        .file("demo/dict.py", &dict)
        .file("demo/functions.py", &functions));
    let e231 = findings
        .iter()
        .filter(|f| f.path == "demo/list.py" && f.rule == "E231")
        .count();
    assert_eq!(e231, n - 1);
    assert!(findings
        .iter()
        .filter(|f| f.path == "demo/dict.py" && f.rule == "E231")
        .all(|f| f.suppressed.is_some()));
    let undefined = findings
        .iter()
        .filter(|f| f.path == "demo/functions.py" && f.rule == "F821")
        .count();
    assert_eq!(undefined, 3_000);
}

/// Linting once under several settings (our defaults and a plugin's) finds, for each, exactly
/// what linting under it alone finds, whichever settings differ.
#[test]
fn linting_under_several_settings_at_once_matches_each_alone() {
    use validator_python::PythonModule;
    use validator_quality::{lint_module, lint_module_each, Settings};

    let long = "x".repeat(90);
    let source = format!(
        "import os, sys\n\
         def f(a):\n\
         \x20   if a:\n\
         \x20       return 1\n\
         \x20   elif a > 1:\n\
         \x20       return 2\n\
         \x20   return [\n\
         \x20     a,\n\
         \x20       ]\n\
         \n\
         \n\
         VALUE = '{long}'\n\
         OTHER = '{long}{long}'  # noqa: E501\n\
         # {long} a comment that is long as well, really quite long indeed\n\
         DOC = \"\"\"\n\
         {long} {long}\n\
         \"\"\"\n"
    );
    let module = PythonModule::parse_text(source, &Default::default());
    let mut variants = vec![Settings::website(), Settings::flake8()];
    for config in [
        "[flake8]\nmax-line-length = 100\n",
        "[flake8]\nmax-line-length = 80\nmax-complexity = 1\n",
        "[flake8]\nindent-size = 2\nhang-closing = true\n",
        "[flake8]\nmax-doc-length = 50\n",
        "[flake8]\ndisable-noqa = true\nmax-line-length = 60\n",
    ] {
        let mut settings = Settings::website();
        assert!(settings.apply_config(config), "{config}");
        variants.push(settings);
    }
    for first in &variants {
        for second in &variants {
            let together = lint_module_each(&module, "pkg/mod.py", &[first, second]);
            let alone = [
                lint_module(&module, "pkg/mod.py", first),
                lint_module(&module, "pkg/mod.py", second),
            ];
            assert_eq!(together, alone, "{first:?} / {second:?}");
        }
    }
    // The sample does differ by settings (the comparison above is not vacuous).
    let e501 = |settings: &Settings| {
        lint_module(&module, "pkg/mod.py", settings)
            .iter()
            .filter(|r| r.violation.code() == "E501")
            .count()
    };
    assert!(
        e501(&variants[1]) > e501(&variants[0]),
        "{:?}",
        lint_module(&module, "pkg/mod.py", &variants[0])
    );
}

/// `--rules all` compares with flake8 as it runs by default: line length 79 and no C901; the
/// policy's run uses the website's settings (120, complexity 10).
#[test]
fn reference_defaults_are_flake8s_own_settings() {
    let long = format!("X = '{}'\n", "a".repeat(90));
    let mut complex = String::from("\n\ndef f(x):\n");
    for i in 0..12 {
        complex.push_str(&format!("    if x == {i}:\n        return {i}\n"));
    }
    complex.push_str("    return -1\n");
    let zip = || ZipBuilder::valid_plugin("demo").file("demo/code.py", &format!("{long}{complex}"));
    let codes =
        |findings: &[Finding]| -> Vec<String> { findings.iter().map(|f| f.rule.clone()).collect() };
    let reference = codes(&run_with(zip(), true));
    assert!(reference.contains(&"E501".to_owned()), "{reference:?}");
    assert!(!reference.contains(&"C901".to_owned()), "{reference:?}");
    let website = codes(&run_with(zip(), false));
    assert!(!website.contains(&"E501".to_owned()), "{website:?}");
    assert!(website.contains(&"C901".to_owned()), "{website:?}");
}
