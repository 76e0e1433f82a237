//! `FileHeads`: the first bytes of each file, shared by the checks that sniff content.

use validator_archive::{ArchiveLimits, FileHeads, PluginArchive, FILE_HEAD_BYTES};
use validator_testkit::ZipBuilder;

fn archive(files: &[(&str, Vec<u8>)]) -> PluginArchive {
    let mut zip = ZipBuilder::new();
    for (name, data) in files {
        zip = zip.bytes(name, data, 0o644);
    }
    PluginArchive::open(zip.build(), &ArchiveLimits::default()).unwrap()
}

fn head(archive: &PluginArchive, heads: &FileHeads, name: &str) -> Option<Vec<u8>> {
    let entry = archive.entry(name).unwrap();
    heads.head(archive, entry).unwrap().map(<[u8]>::to_vec)
}

#[test]
fn binary_heads_are_kept_up_to_the_head_size_and_text_heads_are_not() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(5000, b'x');
    let mut tar = vec![b'a'; 600];
    tar[257..262].copy_from_slice(b"ustar");
    let archive = archive(&[
        ("demo/lib.so", elf.clone()),
        ("demo/tiny.bin", b"\x1f\x8b\x08".to_vec()),
        (
            "demo/main.py",
            b"import os\n\tprint(os.name)\r\n".repeat(100),
        ),
        ("demo/readme.txt", b"MZ looks like a DOS header".to_vec()),
        ("demo/data.bz", b"BZh91AY&SY all printable".to_vec()),
        ("demo/ascii.tar", tar),
        ("demo/accents.txt", "caf\u{e9}".as_bytes().to_vec()),
    ]);
    let heads = FileHeads::new(&archive);
    let lib = head(&archive, &heads, "demo/lib.so").unwrap();
    assert_eq!(lib.len() as u64, FILE_HEAD_BYTES);
    assert_eq!(lib[..], elf[..lib.len()]);
    // Asked twice, the same bytes.
    assert_eq!(head(&archive, &heads, "demo/lib.so").unwrap(), lib);
    assert_eq!(
        head(&archive, &heads, "demo/tiny.bin").unwrap(),
        b"\x1f\x8b\x08"
    );
    assert_eq!(head(&archive, &heads, "demo/main.py"), None);
    // Magic numbers made of printable ASCII are kept.
    assert!(head(&archive, &heads, "demo/readme.txt").is_some());
    assert!(head(&archive, &heads, "demo/data.bz").is_some());
    assert!(head(&archive, &heads, "demo/ascii.tar").is_some());
    // Non-ASCII text may be anything: kept.
    assert!(head(&archive, &heads, "demo/accents.txt").is_some());
    // A shorter prefix comes from the head; a longer one is read; a text head is empty.
    let entry = archive.entry("demo/lib.so").unwrap();
    assert_eq!(&heads.prefix(&archive, entry, 4).unwrap()[..], b"\x7fELF");
    assert_eq!(
        heads.prefix(&archive, entry, 3000).unwrap()[..],
        elf[..3000]
    );
    let text = archive.entry("demo/main.py").unwrap();
    assert!(heads.prefix(&archive, text, 100).unwrap().is_empty());
}
