//! Plugin zips for tests: a valid plugin to start from, and a builder to break it in every way a
//! hostile or careless upload can.

pub mod reference;

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// A valid `metadata.txt` for a plugin called `name`.
pub fn metadata_txt(name: &str, version: &str) -> String {
    format!(
        "[general]\nname={name}\ndescription=A sample plugin\nversion={version}\n\
         qgisMinimumVersion=3.22\nauthor=Jane Doe\nemail=jane@example.org\n\
         about=Adds a sample tool to QGIS.\ntracker=https://github.com/example/{name}/issues\n\
         repository=https://github.com/example/{name}\n"
    )
}

struct FileItem {
    name: Vec<u8>,
    data: Vec<u8>,
    mode: u32,
    stored: bool,
    encrypted: bool,
    /// Written under a placeholder and patched afterwards (raw or duplicate names).
    patch_name: bool,
}

enum Item {
    File(FileItem),
    Dir { name: String, mode: u32 },
    Symlink { name: String, target: String },
}

/// Builds zips entry by entry; names are used exactly as given.
pub struct ZipBuilder {
    items: Vec<Item>,
}

impl Default for ZipBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ZipBuilder {
    pub fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// A valid plugin in folder `top`: `__init__.py`, `metadata.txt`, `LICENSE`, `plugin.py`.
    pub fn valid_plugin(top: &str) -> Self {
        Self::new()
            .dir(&format!("{top}/"))
            .file(
                &format!("{top}/__init__.py"),
                "def classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n",
            )
            .file(&format!("{top}/metadata.txt"), &metadata_txt(top, "1.0.0"))
            .file(&format!("{top}/LICENSE"), "GPL-2.0-or-later\n")
            .file(
                &format!("{top}/plugin.py"),
                "class Plugin:\n    def __init__(self, iface):\n        self.iface = iface\n",
            )
    }

    pub fn file(self, name: &str, text: &str) -> Self {
        self.bytes(name, text.as_bytes(), 0o644)
    }

    pub fn bytes(mut self, name: &str, data: &[u8], mode: u32) -> Self {
        self.remove(name);
        self.push_file(name.as_bytes(), data, |f| f.mode = mode)
    }

    /// A file stored without compression (for precise compressed sizes).
    pub fn stored(self, name: &str, data: &[u8]) -> Self {
        self.push_file(name.as_bytes(), data, |f| f.stored = true)
    }

    /// A file whose name is arbitrary bytes (non-UTF-8 names).
    pub fn raw_name(self, name: &[u8], data: &[u8]) -> Self {
        self.push_file(name, data, |f| f.patch_name = true)
    }

    /// A file added a second time under the same name.
    pub fn duplicate(self, name: &str, data: &[u8]) -> Self {
        self.push_file(name.as_bytes(), data, |f| f.patch_name = true)
    }

    /// A file flagged as encrypted (ZipCrypto).
    pub fn encrypted(self, name: &str, data: &[u8]) -> Self {
        self.push_file(name.as_bytes(), data, |f| f.encrypted = true)
    }

    fn push_file(mut self, name: &[u8], data: &[u8], tweak: impl FnOnce(&mut FileItem)) -> Self {
        let mut file = FileItem {
            name: name.to_vec(),
            data: data.to_vec(),
            mode: 0o644,
            stored: false,
            encrypted: false,
            patch_name: false,
        };
        tweak(&mut file);
        self.items.push(Item::File(file));
        self
    }

    pub fn mode(mut self, name: &str, mode: u32) -> Self {
        for item in &mut self.items {
            if let Item::File(file) = item {
                if file.name == name.as_bytes() {
                    file.mode = mode;
                }
            }
        }
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        self.items.push(Item::Dir {
            name: name.to_owned(),
            mode: 0o755,
        });
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.items.push(Item::Symlink {
            name: name.to_owned(),
            target: target.to_owned(),
        });
        self
    }

    pub fn remove(&mut self, name: &str) {
        self.items.retain(|item| match item {
            Item::File(file) => file.name != name.as_bytes(),
            Item::Dir { name: n, .. } | Item::Symlink { name: n, .. } => n != name,
        });
    }

    pub fn without(mut self, name: &str) -> Self {
        self.remove(name);
        self
    }

    pub fn build(self) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let mut patches = Vec::new();
        for item in self.items {
            match item {
                Item::File(FileItem {
                    name,
                    data,
                    mode,
                    stored,
                    encrypted: enc,
                    patch_name,
                }) => {
                    let method = if stored {
                        zip::CompressionMethod::Stored
                    } else {
                        zip::CompressionMethod::Deflated
                    };
                    let options = SimpleFileOptions::default()
                        .compression_method(method)
                        .external_attributes((S_IFREG | mode) << 16);
                    // The writer wants unique UTF-8 names: write a placeholder of the same length
                    // and patch the real bytes in afterwards.
                    let name_string = if patch_name {
                        let tag = patches.len().to_string();
                        let placeholder =
                            format!("{}{tag}", "\u{1}".repeat(name.len() - tag.len()));
                        patches.push(Patch::Name {
                            placeholder: placeholder.clone().into_bytes(),
                            name: name.clone(),
                        });
                        placeholder
                    } else {
                        String::from_utf8(name.clone()).expect("utf-8 name")
                    };
                    if enc {
                        patches.push(Patch::Encrypted { name: name.clone() });
                    }
                    writer.start_file(name_string, options).expect("start file");
                    writer.write_all(&data).expect("write");
                }
                Item::Dir { name, mode } => {
                    writer
                        .add_directory(
                            name,
                            SimpleFileOptions::default()
                                .external_attributes((S_IFDIR | mode) << 16),
                        )
                        .expect("dir");
                }
                Item::Symlink { name, target } => {
                    writer
                        .add_symlink(
                            name,
                            target,
                            SimpleFileOptions::default()
                                .external_attributes((S_IFLNK | 0o777) << 16),
                        )
                        .expect("symlink");
                }
            }
        }
        let mut bytes = writer.finish().expect("finish").into_inner();
        for p in patches {
            patch(&mut bytes, &p);
        }
        bytes
    }
}

enum Patch {
    Name { placeholder: Vec<u8>, name: Vec<u8> },
    Encrypted { name: Vec<u8> },
}

/// Rewrites headers in place: a placeholder name into its raw bytes, or sets the encryption bit.
fn patch(bytes: &mut [u8], patch: &Patch) {
    // Local headers (PK\x03\x04: flags at +6, name at +30) and central headers (PK\x01\x02:
    // flags at +8, name at +46).
    for (sig, flags_at, name_at) in [(b"PK\x03\x04", 6usize, 30usize), (b"PK\x01\x02", 8, 46)] {
        let mut i = 0;
        while i + name_at <= bytes.len() {
            if &bytes[i..i + 4] == sig {
                let start = i + name_at;
                match patch {
                    Patch::Name { placeholder, name } => {
                        let end = start + placeholder.len();
                        if end <= bytes.len() && &bytes[start..end] == placeholder.as_slice() {
                            bytes[start..end].copy_from_slice(name);
                        }
                    }
                    Patch::Encrypted { name } => {
                        let end = start + name.len();
                        if end <= bytes.len() && &bytes[start..end] == name.as_slice() {
                            bytes[i + flags_at] |= 1;
                        }
                    }
                }
            }
            i += 1;
        }
    }
}
