//! Writes the text detector's data for the licences plugins commonly ship (see
//! `src/detect.rs`): loading the whole SPDX list's data costs about 150 ms per process, this
//! subset a few. Both come from the `spdx` crate's embedded data; nothing is downloaded.

use std::path::PathBuf;

use spdx::detection::{LicenseEntry, Store};

/// The store's names of the texts the first tier knows (the GNU texts are stored under their
/// `-or-later` names; the detector says which text, the notices say which version terms), each
/// with words every version of its text contains (lower case, spaces collapsed): a text is
/// first compared with the licences whose words it has, so a scan loads one or two licences'
/// data, not all of them.
const COMMON: &[(&str, &[&str])] = &[
    ("GPL-2.0-or-later", &["general public license"]),
    ("GPL-3.0-or-later", &["general public license"]),
    ("LGPL-2.0-or-later", &["general public license"]),
    ("LGPL-2.1-or-later", &["general public license"]),
    ("LGPL-3.0-or-later", &["general public license"]),
    ("AGPL-3.0-or-later", &["general public license"]),
    ("MIT", &["permission is hereby granted"]),
    ("MIT-0", &["permission is hereby granted"]),
    ("BSD-2-Clause", &["redistribution and use"]),
    ("BSD-3-Clause", &["redistribution and use"]),
    ("BSD-4-Clause", &["redistribution and use"]),
    ("0BSD", &["permission to use"]),
    ("Apache-2.0", &["apache license"]),
    ("MPL-2.0", &["mozilla public license"]),
    ("ISC", &["permission to use"]),
    ("Unlicense", &["unencumbered"]),
    ("CC0-1.0", &["creative commons", "cc0"]),
    ("CC-BY-4.0", &["creative commons"]),
    ("CC-BY-SA-4.0", &["creative commons"]),
    ("CC-BY-NC-4.0", &["creative commons"]),
    ("CC-BY-NC-SA-4.0", &["creative commons"]),
    ("CC-BY-NC-ND-4.0", &["creative commons"]),
    ("CC-BY-ND-4.0", &["creative commons"]),
    ("EUPL-1.2", &["european union public licen"]),
    ("WTFPL", &["do what the fuck"]),
    ("Zlib", &["altered source versions"]),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let full = Store::load_inline().expect("the spdx crate's embedded licence data loads");
    let mut table =
        String::from("/// (licence, its words, its detector data): written by build.rs.\n");
    table.push_str("pub const COMMON: &[(&str, &[&str], &[u8])] = &[\n");
    for (name, words) in COMMON {
        let entry = full
            .iter()
            .find(|(n, _)| n.as_str() == *name)
            .map(|(_, entry)| entry)
            .unwrap_or_else(|| panic!("{name} is in the spdx crate's data"));
        let mut one = Store::new();
        // Only the n-grams: matching needs nothing else.
        one.insert_entry(
            (*name).to_owned(),
            LicenseEntry {
                original: entry.original.clone().without_text(),
                aliases: entry.aliases.clone(),
                headers: entry
                    .headers
                    .iter()
                    .cloned()
                    .map(|h| h.without_text())
                    .collect(),
                alternates: entry
                    .alternates
                    .iter()
                    .cloned()
                    .map(|a| a.without_text())
                    .collect(),
            },
        );
        let path = out_dir.join(format!("common-{name}.cache"));
        let file = std::fs::File::create(&path).expect("OUT_DIR is writable");
        one.to_cache(std::io::BufWriter::new(file))
            .expect("the licence's data is written");
        table.push_str(&format!(
            "    ({name:?}, &{words:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("common_licences.rs"), table).expect("OUT_DIR is writable");
}
