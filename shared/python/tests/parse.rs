use std::sync::Arc;

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_python::{
    decode_source, PythonLimits, PythonModule, PythonSources, SourceError, SyntaxProblemKind,
};
use validator_testkit::ZipBuilder;

fn parse(source: &str) -> PythonModule {
    PythonModule::parse(source.as_bytes(), &PythonLimits::default()).expect("decodes")
}

#[test]
fn valid_code_has_a_tree_comments_and_positions() {
    let module = parse("import os  # nosec B404\nx = 'é' + os.sep  # noqa: E501\n");
    assert!(module.is_valid());
    assert_eq!(module.syntax().map(|m| m.body.len()), Some(2));
    let comments: Vec<&str> = module.comments().map(|(_, text)| text).collect();
    assert_eq!(comments, ["# nosec B404", "# noqa: E501"]);
    let offset = module.source().find("os.sep").unwrap();
    let location = module.location((offset as u32).into());
    assert_eq!(location.line, 2);
    // 'é' is two bytes in UTF-8: CPython's col_offset counts bytes, pycodestyle characters.
    assert_eq!(location.byte_column, 11);
    assert_eq!(location.char_column, 10);
    assert_eq!(module.line_text(2), "x = 'é' + os.sep  # noqa: E501");
    assert_eq!(module.line_text(99), "");
}

#[test]
fn python_2_gives_a_syntax_error_with_its_line() {
    let module = parse("import os\n\nprint 'hello'\n");
    let error = module.syntax_error().expect("a syntax error");
    assert_eq!(error.kind, SyntaxProblemKind::Invalid);
    assert_eq!(error.location.line, 3);
    // The recovered tree is still there for line-based checks.
    assert!(module.syntax().is_some());
}

#[test]
fn coding_declarations_are_honoured() {
    let latin1 = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n";
    assert!(decode_source(latin1).unwrap().contains("'été'"));
    let second_line = b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n";
    assert!(decode_source(second_line).unwrap().contains('€'));
    // Undeclared non-UTF-8 bytes are an error, as in CPython.
    let error = PythonModule::parse(b"x = '\xe9'\n", &PythonLimits::default()).unwrap_err();
    assert!(matches!(error, SourceError::Decode(_)), "{error}");
    let unknown = decode_source(b"# coding: klingon\nx = 1\n").unwrap_err();
    assert!(unknown.to_string().contains("klingon"));
    assert!(decode_source(b"\xEF\xBB\xBFx = 1\n")
        .unwrap()
        .starts_with('x'));
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let limits = PythonLimits {
        max_python_file_bytes: 10,
        ..PythonLimits::default()
    };
    let error = PythonModule::parse(b"x = 1234567890\n", &limits).unwrap_err();
    assert!(matches!(
        error,
        SourceError::TooLarge {
            size: 15,
            limit: 10
        }
    ));
}

#[test]
fn long_operator_chains_are_too_deep_not_a_stack_overflow() {
    // Runs on the test harness's small thread stack on purpose.
    let source = format!("x = {}a\n", "a + ".repeat(200_000));
    let module = parse(&source);
    let error = module.syntax_error().expect("reported");
    assert_eq!(error.kind, SyntaxProblemKind::TooDeep);
    assert!(
        error.message.contains("max_syntax_depth"),
        "{}",
        error.message
    );
    assert!(
        module.syntax().is_none(),
        "a too-deep tree is never handed out"
    );
}

#[test]
fn nesting_limits_match_cpython() {
    let brackets = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let error = parse(&brackets).syntax_error().cloned().expect("reported");
    assert_eq!(error.message, "too many nested parentheses");
    assert_eq!(error.kind, SyntaxProblemKind::TooDeep);

    let ok = format!("x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    assert!(parse(&ok).is_valid());

    let mut deep = String::new();
    for level in 0..120 {
        deep.push_str(&" ".repeat(level));
        deep.push_str("if x:\n");
    }
    deep.push_str(&" ".repeat(120));
    deep.push_str("pass\n");
    let error = parse(&deep).syntax_error().cloned().expect("reported");
    assert_eq!(error.message, "too many levels of indentation");
}

#[test]
fn trees_at_the_depth_limit_are_kept_and_dropped_safely() {
    let limits = PythonLimits::default();
    // Just under the syntax depth limit (an assignment, then the chain).
    let source = format!(
        "x = {}a\n",
        "a + ".repeat(limits.max_syntax_depth as usize - 3)
    );
    let module = PythonModule::parse(source.as_bytes(), &limits).unwrap();
    assert!(module.is_valid(), "{:?}", module.syntax_error());
    drop(module);
}

#[test]
fn a_scan_parses_each_file_once_for_its_readers_within_the_cache_budget() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "import os\n")
        .file("demo/big.py", &format!("x = '{}'\n", "y".repeat(4096)))
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let sources = PythonSources::new(PythonLimits {
        max_cached_source_bytes: 1024,
        ..PythonLimits::default()
    })
    .shared_by(2);
    let files: Vec<_> = PythonSources::python_files(&archive).collect();
    let small = files.iter().find(|e| e.name == "demo/a.py").unwrap();
    let big = files.iter().find(|e| e.name == "demo/big.py").unwrap();
    let first = sources.get(&archive, small).unwrap();
    let second = sources.get(&archive, small).unwrap();
    assert!(Arc::ptr_eq(&first, &second), "shared between checks");
    let third = sources.get(&archive, small).unwrap();
    assert!(
        !Arc::ptr_eq(&first, &third),
        "freed once both readers had it, not kept to the end of the scan"
    );
    let big_first = sources.get(&archive, big).unwrap();
    let big_second = sources.get(&archive, big).unwrap();
    assert!(
        !Arc::ptr_eq(&big_first, &big_second),
        "over the budget: parsed per caller, not kept"
    );
}

#[test]
fn a_single_reader_keeps_nothing() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "import os\n")
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let sources = PythonSources::new(PythonLimits::default());
    let file = PythonSources::python_files(&archive).next().unwrap();
    let first = sources.get(&archive, file).unwrap();
    let second = sources.get(&archive, file).unwrap();
    assert!(!Arc::ptr_eq(&first, &second));
}

#[test]
fn syntax_newer_than_the_plugins_python_is_an_error() {
    // Python 2's `except E, e:` parses as Python 3.14's unparenthesised except: an error for
    // the Python 3.12 that QGIS runs, as for CPython 3.11/3.12.
    let module = parse("try:\n    pass\nexcept ValueError, e:\n    pass\n");
    let error = module.syntax_error().expect("an error");
    assert_eq!(error.location.line, 3, "{}", error.message);
    // Python 3.12 syntax is fine.
    assert!(parse("type Point = tuple[float, float]\n").is_valid());
}

#[test]
fn a_file_is_inflated_once_for_the_checks_that_read_its_bytes_and_its_parse() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "import os\n")
        .file("demo/b.py", "import sys\n")
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let files: Vec<_> = PythonSources::python_files(&archive).collect();
    let a = files.iter().find(|e| e.name == "demo/a.py").unwrap();
    let b = files.iter().find(|e| e.name == "demo/b.py").unwrap();
    // Three readers: two parse the file, one reads its bytes.
    let sources = PythonSources::new(PythonLimits::default()).shared_by(3);
    let bytes = sources.bytes(&archive, a).unwrap();
    assert_eq!(bytes.as_slice(), b"import os\n");
    let parsed = sources.get(&archive, a).unwrap();
    assert_eq!(parsed.source(), "import os\n");
    assert!(Arc::ptr_eq(&parsed, &sources.get(&archive, a).unwrap()));
    // All three had it: freed, a fourth read inflates again.
    assert!(!Arc::ptr_eq(&bytes, &sources.bytes(&archive, a).unwrap()));

    // A reader that skips a file releases it: the other two share it, then it is freed.
    let first = sources.get(&archive, b).unwrap();
    sources.release(b);
    assert!(Arc::ptr_eq(&first, &sources.get(&archive, b).unwrap()));
    assert!(!Arc::ptr_eq(&first, &sources.get(&archive, b).unwrap()));
}

#[test]
fn a_file_passed_while_the_cache_was_full_is_not_kept_for_the_reader_that_passed_it() {
    // Budget for one file: the fast reader passes `b` while `a` is held for the slow one.
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "a = 1\n")
        .file("demo/b.py", "b = 2\n")
        .file("demo/c.py", "c = 3\n")
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let sources = PythonSources::new(PythonLimits {
        max_cached_source_bytes: 6,
        ..PythonLimits::default()
    })
    .shared_by(2);
    let files: Vec<_> = PythonSources::python_files(&archive).collect();
    let [a, b, c] = ["a", "b", "c"].map(|name| {
        let path = format!("demo/{name}.py");
        *files.iter().find(|e| e.name == path).unwrap()
    });
    let fast_a = sources.get(&archive, a).unwrap();
    let _fast_b = sources.get(&archive, b).unwrap(); // cache full: parsed for itself
    assert!(Arc::ptr_eq(&fast_a, &sources.get(&archive, a).unwrap()));
    let _slow_b = sources.get(&archive, b).unwrap(); // the last reader of b: nothing kept
                                                     // Nothing is left over, so the next file is shared again.
    let fast_c = sources.get(&archive, c).unwrap();
    assert!(
        Arc::ptr_eq(&fast_c, &sources.get(&archive, c).unwrap()),
        "b must not stay in the cache waiting for a reader that already had it"
    );
}

#[test]
fn a_reader_that_reads_each_file_twice_is_counted_twice() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "import os\n")
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let file = PythonSources::python_files(&archive)
        .find(|e| e.name == "demo/a.py")
        .unwrap();
    // Two readers; the first goes through the files twice (a first pass of its own, then
    // its findings), so each file is taken three times.
    let sources = PythonSources::new(PythonLimits::default())
        .shared_by(2)
        .read_per_file(3);
    let first_pass = sources.get(&archive, file).unwrap();
    let second_pass = sources.get(&archive, file).unwrap();
    let other_reader = sources.get(&archive, file).unwrap();
    assert!(Arc::ptr_eq(&first_pass, &second_pass));
    assert!(
        Arc::ptr_eq(&first_pass, &other_reader),
        "the other reader shares the parse instead of parsing the file again"
    );
    assert!(
        !Arc::ptr_eq(&first_pass, &sources.get(&archive, file).unwrap()),
        "freed after the third take"
    );
}
