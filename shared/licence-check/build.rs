//! Writes the text detector's data for the licences plugins commonly ship (see
//! `src/detect.rs`): loading the whole SPDX list's data costs about 150 ms per process, this
//! subset a few. Both come from the `spdx` crate's embedded data; nothing is downloaded.

use std::path::PathBuf;

use spdx::detection::{LicenseEntry, Store};

/// The store's names of the texts the first tier knows (the GNU texts are stored under their
/// `-or-later` names; the detector says which text, the notices say which version terms).
const COMMON: &[&str] = &[
    "GPL-2.0-or-later",
    "GPL-3.0-or-later",
    "LGPL-2.0-or-later",
    "LGPL-2.1-or-later",
    "LGPL-3.0-or-later",
    "AGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-4-Clause",
    "0BSD",
    "Apache-2.0",
    "MPL-2.0",
    "ISC",
    "Unlicense",
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-ND-4.0",
    "EUPL-1.2",
    "WTFPL",
    "Zlib",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let full = Store::load_inline().expect("the spdx crate's embedded licence data loads");
    let mut common = Store::new();
    for (name, entry) in full.iter() {
        if COMMON.contains(&name.as_str()) {
            common.insert_entry(
                name.clone(),
                LicenseEntry {
                    original: entry.original.clone(),
                    aliases: entry.aliases.clone(),
                    headers: entry.headers.clone(),
                    alternates: entry.alternates.clone(),
                },
            );
        }
    }
    assert_eq!(
        common.len(),
        COMMON.len(),
        "every common licence is in the spdx crate's data"
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("common-licences.cache");
    let file = std::fs::File::create(&out).expect("OUT_DIR is writable");
    common
        .to_cache(std::io::BufWriter::new(file))
        .expect("the subset is written");
}
