//! Lookups through the public API, on the builtin tables.

use validator_api_catalogue::{
    Catalogue, Form, Kind, Role, RunnerKind, SettingKind, SinkKind, SourceKind, Table,
    TransformKind,
};

fn cat() -> &'static Catalogue {
    Catalogue::builtin()
}

#[test]
fn a_call_is_found_by_its_qualified_name_with_its_roles_and_provenance() {
    let (entry, kind) = cat().call("ftplib.FTP.storbinary").sink().expect("a sink");
    assert_eq!(kind, SinkKind::Network);
    assert_eq!(entry.role_of_position(1), Some(Role::Payload));
    assert!(
        entry.provenance.contains("Python 3.11"),
        "{}",
        entry.provenance
    );
    assert!(entry.describe().starts_with("ftplib.FTP.storbinary ("));
    let (requests, _) = cat().call("requests.post").sink().expect("a sink");
    assert_eq!(requests.role_of_position(0), Some(Role::Url));
    assert_eq!(requests.role_of_keyword("json"), Some(Role::Payload));
    assert!(cat().call("ftplib.FTP.no_such_method").is_empty());
}

#[test]
fn qt_bindings_and_call_markers_are_normalised() {
    for name in [
        "qgis.PyQt.QtNetwork.QTcpSocket.write",
        "PyQt5.QtNetwork.QTcpSocket.write",
        "PyQt6.QtNetwork.QTcpSocket().write",
    ] {
        let (_, kind) = cat().call(name).sink().unwrap_or_else(|| panic!("{name}"));
        assert_eq!(kind, SinkKind::Network, "{name}");
    }
    assert_eq!(
        cat()
            .call("qgis._core.QgsAuthManager.configIds")
            .source()
            .map(|(_, k)| k),
        Some(SourceKind::AuthConfig)
    );
}

#[test]
fn a_subclass_inherits_its_catalogued_bases_entries_unless_it_lists_its_own() {
    let (inherited, _) = cat()
        .call("ftplib.FTP_TLS.storbinary")
        .sink()
        .expect("inherited");
    assert_eq!(&*inherited.pattern, "ftplib.FTP.storbinary");
    let (own, _) = cat().call("ftplib.FTP_TLS.login").sink().expect("own");
    assert_eq!(&*own.pattern, "ftplib.FTP_TLS.login");
    assert!(cat()
        .call("qgis.core.QgsNetworkAccessManager.post")
        .sink()
        .is_some());
}

#[test]
fn a_method_of_an_unknown_receiver_lists_every_candidate_class() {
    let hits = cat().method("sendall");
    let classes: Vec<&str> = hits.iter().map(|e| e.class()).collect();
    for class in ["socket.socket", "ssl.SSLSocket", "paramiko.Channel"] {
        assert!(classes.contains(&class), "{class} in {classes:?}");
    }
    let hits = cat().member("QgsAuthManager", "exportAuthenticationConfigsToXml");
    assert_eq!(hits.source().map(|(_, k)| k), Some(SourceKind::Credential));
    assert_eq!(hits.sink().map(|(_, k)| k), Some(SinkKind::FileWrite));
}

#[test]
fn one_name_can_be_a_sink_and_a_source() {
    let hits = cat().call("requests.get");
    assert_eq!(hits.sink().map(|(_, k)| k), Some(SinkKind::Network));
    assert_eq!(hits.source().map(|(_, k)| k), Some(SourceKind::Remote));
    assert_eq!(
        hits.source().and_then(|(e, _)| e.returns.as_deref()),
        Some("requests.Response")
    );
}

#[test]
fn api_listed_only_for_coverage_has_kind_none() {
    let (entry, kind) = cat().call("socket.socket.bind").sink().expect("listed");
    assert_eq!(kind, SinkKind::None);
    assert!(entry.kind.is_none());
}

#[test]
fn paths_match_case_insensitively_with_placeholders_and_either_separator() {
    for path in [
        "~/.ssh/id_rsa",
        "<home>/.ssh/id_rsa",
        "C:\\Users\\bob\\.ssh\\id_rsa",
        "/home/bob/.SSH/config",
    ] {
        assert_eq!(
            cat().path(path).source().map(|(_, k)| k),
            Some(SourceKind::Credential),
            "{path}"
        );
    }
    assert_eq!(
        cat()
            .path("%APPDATA%\\Mozilla\\Firefox\\Profiles\\x\\logins.json")
            .source()
            .map(|(_, k)| k),
        Some(SourceKind::SecretStore)
    );
    assert_eq!(
        cat()
            .path("<profile>/python/startup.py")
            .sink()
            .map(|(_, k)| k),
        Some(SinkKind::Persistence)
    );
    assert_eq!(
        cat()
            .path("<profile>/python/startup.py")
            .runner()
            .map(|(_, k)| k),
        Some(RunnerKind::Startup)
    );
    assert_eq!(
        cat().path("/etc/hosts").sink().map(|(_, k)| k),
        Some(SinkKind::SystemFile)
    );
    assert_eq!(
        cat().path("/usr/bin/curl").sink().map(|(_, k)| k),
        Some(SinkKind::Network)
    );
    assert!(cat()
        .path("<plugins-dir>/mine/data/points.csv")
        .source()
        .is_none());
    assert!(cat().path("~/Documents/report.pdf").is_empty());
}

#[test]
fn environment_variables_match_by_glob() {
    assert_eq!(
        cat().env("AWS_SECRET_ACCESS_KEY").source().map(|(_, k)| k),
        Some(SourceKind::Credential)
    );
    assert_eq!(
        cat().env("my_service_token").source().map(|(_, k)| k),
        Some(SourceKind::Credential)
    );
    assert_eq!(
        cat().env("PYQGIS_STARTUP").runner().map(|(_, k)| k),
        Some(RunnerKind::Startup)
    );
    assert!(cat().env("LANG").is_empty());
}

#[test]
fn settings_keys_match_the_most_specific_row_first() {
    let secret = |key: &str| cat().setting(key).setting().map(|(_, k)| k);
    assert_eq!(
        secret("PostgreSQL/connections/db/password"),
        Some(SettingKind::ConnectionSecret)
    );
    assert_eq!(
        secret("/postgresql/connections/db/password"),
        Some(SettingKind::ConnectionSecret)
    );
    assert_eq!(
        secret("PostgreSQL/connections/db/host"),
        Some(SettingKind::Connection)
    );
    assert_eq!(
        secret("qgis/WMS/osm/password"),
        Some(SettingKind::ConnectionSecret)
    );
    assert_eq!(secret("qgis/enableMacros"), Some(SettingKind::Security));
    assert_eq!(
        secret("app/plugin_repositories/evil/url"),
        Some(SettingKind::PluginRepository)
    );
    assert_eq!(
        secret("PythonPlugins/other_plugin"),
        Some(SettingKind::PluginEnabled)
    );
    assert_eq!(
        secret("proxy/proxyPassword"),
        Some(SettingKind::ProxySecret)
    );
    assert_eq!(secret("myplugin/last_folder"), None);
}

#[test]
fn a_settings_group_lists_what_enumerating_it_may_read() {
    let kinds: Vec<Kind> = cat()
        .settings_group("PostgreSQL/connections")
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&Kind::Setting(SettingKind::ConnectionSecret)));
    assert!(cat().settings_group("myplugin").is_empty());
    // The root holds everything.
    assert_eq!(
        cat().settings_group("").len(),
        cat()
            .entries_in(Table::Settings)
            .filter(|e| e.form == Form::Key)
            .count()
    );
}

#[test]
fn project_macros_are_code() {
    assert_eq!(
        cat()
            .project_entry("Macros", "/pythonCode")
            .setting()
            .map(|(_, k)| k),
        Some(SettingKind::Code)
    );
    assert!(cat().project_entry("myplugin", "/state").is_empty());
}

#[test]
fn transforms_say_where_the_data_comes_from_and_whether_it_survives() {
    let (b64, kind) = cat()
        .call("base64.b64encode")
        .transform()
        .expect("a transform");
    assert_eq!(kind, TransformKind::Encode);
    assert_eq!(b64.carries, Some(validator_api_catalogue::Carries::Yes));
    assert_eq!(b64.role_of_position(0), Some(Role::Input));
    let (sha, _) = cat()
        .call("hashlib.sha256")
        .transform()
        .expect("a transform");
    assert_eq!(sha.carries, Some(validator_api_catalogue::Carries::Derived));
    let (join, _) = cat()
        .call("builtins.str.join")
        .transform()
        .expect("a transform");
    assert_eq!(join.role_of_receiver(), Some(Role::Input));
    let (header, _) = cat()
        .call("qgis.PyQt.QtNetwork.QNetworkRequest.setRawHeader")
        .transform()
        .expect("a transform");
    assert!(header.into_receiver);
}

#[test]
fn runners_name_the_code_they_run() {
    let (run, kind) = cat()
        .call("qgis.core.QgsPythonRunner.run")
        .runner()
        .expect("a runner");
    assert_eq!(kind, RunnerKind::Python);
    assert_eq!(run.role_of_position(0), Some(Role::Code));
    assert_eq!(
        cat()
            .call("qgis.core.QgsExpression.registerFunction")
            .runner()
            .map(|(_, k)| k),
        Some(RunnerKind::ExpressionFunction)
    );
}

#[test]
fn every_returned_type_is_a_class_the_catalogue_knows() {
    let unknown: Vec<String> = cat()
        .entries()
        .iter()
        .filter_map(|entry| {
            let returns = entry.returns.as_deref()?;
            let known = cat().entries().iter().any(|e| e.class() == returns)
                || !cat().bases_of(returns).is_empty();
            (!known).then(|| format!("{}:{}: returns unknown `{returns}`", entry.file, entry.line))
        })
        .collect();
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

#[test]
fn chains_of_calls_follow_the_types_of_results() {
    let cat = cat();
    assert_eq!(
        cat.call("qgis.core.QgsApplication.authManager().configIds")
            .source()
            .map(|(e, k)| (&*e.pattern, k)),
        Some(("qgis.core.QgsAuthManager.configIds", SourceKind::AuthConfig))
    );
    assert_eq!(
        cat.call("qgis.PyQt.QtWidgets.QApplication.clipboard().setText")
            .sink()
            .map(|(_, k)| k),
        Some(SinkKind::Clipboard)
    );
    assert_eq!(
        cat.call("qgis.utils.iface.openURL").sink().map(|(_, k)| k),
        Some(SinkKind::UrlOpen)
    );
    assert_eq!(
        cat.call("socket.socket().sendall").sink().map(|(_, k)| k),
        Some(SinkKind::Network)
    );
    assert_eq!(
        cat.call("qgis.core.QgsSettings().value")
            .source()
            .map(|(_, k)| k),
        Some(SourceKind::Setting)
    );
    assert_eq!(
        cat.canonical("qgis.core.QgsApplication.authManager().configIds"),
        "qgis.core.QgsAuthManager.configIds"
    );
    assert_eq!(
        cat.type_of("qgis.core.QgsApplication.authManager()"),
        Some("qgis.core.QgsAuthManager")
    );
    assert!(cat.call("qgis.utils.iface.no_such_method").is_empty());
}

#[test]
fn a_program_row_applies_only_to_command_lines_holding_its_words() {
    let kinds =
        |words: &[&str]| -> Vec<Kind> { cat().command(words).iter().map(|e| e.kind).collect() };
    assert_eq!(
        kinds(&["netsh", "wlan", "show", "profile", "name=home", "key=clear"]),
        vec![Kind::Source(SourceKind::Credential)]
    );
    assert_eq!(
        kinds(&[
            "C:\\Windows\\System32\\netsh.exe",
            "wlan",
            "show",
            "profile",
            "key=clear"
        ]),
        vec![Kind::Source(SourceKind::Credential)]
    );
    assert!(kinds(&["netsh", "winhttp", "show", "proxy"]).is_empty());
    assert!(kinds(&["netsh", "wlan", "show", "interfaces"]).is_empty());
    assert_eq!(
        kinds(&["security", "find-generic-password", "-w", "-s", "x"]),
        vec![Kind::Source(SourceKind::SecretStore)]
    );
    assert!(kinds(&["security", "find-certificate", "-a"]).is_empty());
    assert!(kinds(&["gh", "auth", "status"]).is_empty());
    assert!(kinds(&[]).is_empty());
    // A file named like the program is not its output: program rows are not paths.
    assert!(cat().path("/usr/share/doc/security").is_empty());
}

/// A member a class inherits keeps its type: `self.wfile.write` of an `http.server` handler
/// is the socketserver writer's `write`, a network sink.
#[test]
fn inherited_attributes_keep_their_type() {
    let catalogue = Catalogue::builtin();
    let hits = catalogue.call("http.server.BaseHTTPRequestHandler.wfile.write");
    assert!(
        matches!(hits.sink(), Some((_, SinkKind::Network))),
        "{:?}",
        hits.iter().map(|e| &e.pattern).collect::<Vec<_>>()
    );
    assert_eq!(
        catalogue.type_of("http.server.SimpleHTTPRequestHandler.wfile"),
        Some("socketserver._SocketWriter")
    );
}
