//! Helpers about entry names shared by the checks.

use std::collections::HashMap;

use validator_archive::Entry;

/// Untrusted text (entry names, link targets, metadata values) as shown in a message: control
/// characters escaped so that a name cannot forge lines in a report or an email, and long text
/// cut.
pub(crate) fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let mut out = String::with_capacity(text.len().min(MAX_CHARS + 8));
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// "`a`, `b`, `c` and 4 more".
pub(crate) fn listed<S: AsRef<str>>(items: &[S]) -> String {
    const MAX_LISTED: usize = 10;
    let mut out = items
        .iter()
        .take(MAX_LISTED)
        .map(|item| format!("`{}`", shown(item.as_ref())))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX_LISTED {
        out.push_str(&format!(" and {} more", items.len() - MAX_LISTED));
    }
    out
}

/// `C:` and the like at the start of a name or a link target.
pub(crate) fn starts_with_drive(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Why an entry name is unsafe to extract; empty when it is fine. The `..` test is the
/// website's (`zname.find("..") != -1`): it also refuses `..` inside a component.
pub(crate) fn unsafe_name_reasons(name: &str) -> Vec<&'static str> {
    let mut reasons = Vec::new();
    if name.contains("..") {
        reasons.push("contains `..`");
    }
    if name.starts_with('/') {
        reasons.push("starts with `/` (an absolute path)");
    }
    if name.contains('\\') {
        reasons.push("contains a backslash, which Windows reads as a folder separator");
    }
    if starts_with_drive(name) {
        reasons.push("starts with a drive letter");
    }
    reasons
}

/// The path of an entry up to and including its first component that matches, e.g.
/// `demo/.git` for `demo/.git/objects/ab` and a `.git` test.
pub(crate) fn prefix_through(entry: &Entry, matches: impl Fn(&str) -> bool) -> Option<String> {
    let path = entry.path();
    let mut end = 0;
    for (i, component) in path.split('/').enumerate() {
        if i > 0 {
            end += 1; // the `/` before this component
        }
        end += component.len();
        if matches(component) {
            return Some(path[..end].to_owned());
        }
    }
    None
}

/// Distinct values in first-seen order, each with how many times it was seen.
#[derive(Default)]
pub(crate) struct Tally {
    items: Vec<(String, usize)>,
    index: HashMap<String, usize>,
}

impl Tally {
    pub(crate) fn add(&mut self, key: String) {
        match self.index.get(&key) {
            Some(&at) => self.items[at].1 += 1,
            None => {
                self.index.insert(key.clone(), self.items.len());
                self.items.push((key, 1));
            }
        }
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    pub(crate) fn into_items(self) -> Vec<(String, usize)> {
        self.items
    }
}

pub(crate) fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
