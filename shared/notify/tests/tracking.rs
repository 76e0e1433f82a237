mod common;

use validator_notify::{tracking_url, EmailSettings};

#[test]
fn version_page_when_name_and_version_are_known() {
    let scan = common::scan("MyPlugin", "1.2.0");
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/MyPlugin/version/1.2.0/"
    );
}

#[test]
fn trailing_slash_of_the_website_is_ignored() {
    let settings = EmailSettings {
        website_url: "https://staging.example.org/".to_owned(),
        ..EmailSettings::default()
    };
    let scan = common::scan("MyPlugin", "1.2.0");
    assert_eq!(
        tracking_url(&scan, &settings),
        "https://staging.example.org/plugins/MyPlugin/version/1.2.0/"
    );
}

#[test]
fn segments_are_percent_encoded() {
    let scan = common::scan("My Plugin/é?", "1.0 beta#1");
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/My%20Plugin%2F%C3%A9%3F/version/1.0%20beta%231/"
    );
    let scan = common::scan("..", "1.0");
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/%2E%2E/version/1.0/"
    );
}

#[test]
fn my_plugins_when_name_or_version_is_unknown() {
    let mut scan = common::scan("MyPlugin", "1.2.0");
    scan.plugin_version = None;
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/my"
    );
    let mut scan = common::scan("MyPlugin", "1.2.0");
    scan.plugin_name = Some("   ".to_owned());
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/my"
    );
}

#[test]
fn the_package_folder_names_the_plugin_when_known() {
    let mut scan = common::scan("My Plugin", "1.2.0");
    scan.package_name = Some("my_plugin".to_owned());
    assert_eq!(
        tracking_url(&scan, &EmailSettings::default()),
        "https://plugins.qgis.org/plugins/my_plugin/version/1.2.0/"
    );
}
