//! Qt Designer forms (`.ui`) of the plugin: the line edits set to hide what is typed
//! (`echoMode` `QLineEdit::Password`), by object name. The code reads them as
//! `self.dlg.<name>.text()`: a password typed into the plugin's dialog (BHV010's source).

use rustc_hash::FxHashSet as HashSet;
use validator_archive::PluginArchive;

/// Largest form read; larger `.ui` files are not forms anyone writes by hand or in Designer.
pub const MAX_UI_BYTES: u64 = 1024 * 1024;

/// The object names of the password fields in every `.ui` file of the zip.
pub fn password_widgets(archive: &PluginArchive) -> HashSet<String> {
    let mut names = HashSet::default();
    for entry in archive.files() {
        if !entry.name.to_ascii_lowercase().ends_with(".ui") || entry.size > MAX_UI_BYTES {
            continue;
        }
        let Ok(bytes) = archive.read(entry) else {
            continue;
        };
        names.extend(in_form(&String::from_utf8_lossy(&bytes)));
    }
    names
}

/// The password fields of one form: each `<widget ... name="X">` whose own properties (before
/// the next widget starts) set a password echo mode.
pub fn in_form(xml: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut parts = xml.split("<widget ");
    parts.next();
    for part in parts {
        let Some(name) = attribute(part, "name") else {
            continue;
        };
        let password =
            part.contains("QLineEdit::Password") || part.contains("QLineEdit::PasswordEchoOnEdit");
        if password {
            found.push(name.to_owned());
        }
    }
    found
}

fn attribute<'x>(tag: &'x str, key: &str) -> Option<&'x str> {
    let head = &tag[..tag.find('>')?];
    let start = head.find(&format!("{key}=\""))? + key.len() + 2;
    let end = head[start..].find('"')? + start;
    Some(&head[start..end])
}
