use validator_api_catalogue::*;
#[test]
fn builtin_parses() {
    let c = Catalogue::builtin();
    assert!(c.call("ftplib.FTP_TLS.storbinary").sink().is_some());
}
