//! The table format: a bad row is an error naming its file and line, never a silent skip.

use validator_api_catalogue::{Catalogue, Role, SinkKind, Table, TableError};

fn parse(table: Table, text: &str) -> Result<Catalogue, TableError> {
    Catalogue::parse(&[(table, "test.tsv", text)])
}

fn error(table: Table, text: &str) -> TableError {
    match parse(table, text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn a_good_table_parses_with_its_provenance_and_line() {
    let cat = parse(
        Table::Sinks,
        "# comment\n\n@from\tPython 3.11 ftplib\nftplib.FTP.storbinary\tnetwork\tpayload=1:fp\t-\tuploads\n",
    )
    .expect("parses");
    let (entry, kind) = cat.call("ftplib.FTP.storbinary").sink().expect("a sink");
    assert_eq!(kind, SinkKind::Network);
    assert_eq!(&*entry.provenance, "Python 3.11 ftplib");
    assert_eq!((entry.file, entry.line), ("test.tsv", 4));
    assert_eq!(&*entry.note, "uploads");
    assert_eq!(entry.role_of_position(1), Some(Role::Payload));
    assert_eq!(entry.role_of_keyword("fp"), Some(Role::Payload));
    assert_eq!(entry.role_of_position(0), None);
}

#[test]
fn an_unknown_kind_names_the_file_line_and_the_kinds_allowed() {
    let e = error(Table::Sinks, "@from\tx\nos.system\tshell\n");
    assert_eq!((e.file.as_str(), e.line), ("test.tsv", 2));
    assert!(e.message.contains("unknown sinks kind `shell`"), "{e}");
    assert!(e.message.contains("process"), "{e}");
    assert!(e.to_string().starts_with("test.tsv:2: "), "{e}");
}

#[test]
fn a_row_before_any_provenance_is_refused() {
    let e = error(Table::Sinks, "os.system\tprocess\n");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("@from"), "{e}");
}

#[test]
fn bad_arguments_are_refused() {
    for (args, why) in [
        ("payload", "no `=`"),
        ("cargo=0", "unknown role"),
        ("payload=x", "bad position"),
        ("payload=0:bad-kw", "bad keyword"),
        ("payload=:", "bad keyword"),
    ] {
        let e = error(
            Table::Sinks,
            &format!("@from\tx\nos.system\tprocess\t{args}\n"),
        );
        assert_eq!(e.line, 2, "{args}");
        assert!(e.message.contains(why), "{args}: {e}");
    }
}

#[test]
fn bad_properties_and_names_are_refused() {
    let e = error(
        Table::Sinks,
        "@from\tx\nos.system\tprocess\t-\tcolour=red\n",
    );
    assert!(e.message.contains("unknown property `colour`"), "{e}");
    let e = error(
        Table::Sinks,
        "@from\tx\nos.system\tprocess\t-\tplatform=amiga\n",
    );
    assert!(e.message.contains("platform"), "{e}");
    let e = error(Table::Sinks, "@from\tx\nos..system\tprocess\n");
    assert!(e.message.contains("bad qualified name"), "{e}");
    let e = error(
        Table::Sinks,
        "@from\tx\nos.system\tprocess\t-\t-\tnote\textra\n",
    );
    assert!(e.message.contains("2 to 5"), "{e}");
}

#[test]
fn a_transform_says_whether_its_result_carries_the_input() {
    let e = error(
        Table::Transforms,
        "@from\tx\nbase64.b64encode\tencode\tinput=0\n",
    );
    assert!(e.message.contains("carries="), "{e}");
    let cat = parse(
        Table::Transforms,
        "@from\tx\nbase64.b64encode\tencode\tinput=0\tcarries=yes\n",
    )
    .expect("parses");
    let (entry, _) = cat
        .call("base64.b64encode")
        .transform()
        .expect("a transform");
    assert_eq!(entry.carries, Some(validator_api_catalogue::Carries::Yes));
}

#[test]
fn a_name_listed_twice_in_one_table_is_refused_with_both_lines() {
    let e = error(
        Table::Sinks,
        "@from\tx\nos.system\tprocess\nos.popen\tprocess\nos.system\tnone\n",
    );
    assert_eq!(e.line, 4);
    assert!(e.message.contains("test.tsv:2"), "{e}");
}

#[test]
fn bad_directives_are_refused() {
    for (text, why) in [
        ("@from\n", "bad directive"),
        ("@covers\tos\tpackage\tstdlib\n", "unknown claim `package`"),
        ("@covers\tos\tmodule\tconda\n", "unknown surface `conda`"),
        ("@bases\tftplib.FTP_TLS\n", "bad directive"),
        ("@include\tx\n", "bad directive"),
    ] {
        let e = error(Table::Sinks, text);
        assert_eq!(e.line, 1, "{text}");
        assert!(e.message.contains(why), "{text}: {e}");
    }
}

#[test]
fn globs_are_checked_by_form() {
    let e = error(Table::Sources, "@from\tx\npath:\tcredential\n");
    assert!(e.message.contains("empty path glob"), "{e}");
    let e = error(Table::Settings, "@from\tx\nproject:\tcode\n");
    assert!(e.message.contains("project entry"), "{e}");
}
