//! Every limit and every malformed-archive case, through the public API.

use validator_archive::{ArchiveError, ArchiveLimits, EntryKind, PluginArchive};
use validator_testkit::ZipBuilder;

fn open(bytes: Vec<u8>, limits: ArchiveLimits) -> Result<PluginArchive, ArchiveError> {
    PluginArchive::open(bytes, &limits)
}

fn limit_of(result: Result<PluginArchive, ArchiveError>) -> &'static str {
    match result {
        Ok(_) => panic!("the archive was accepted"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            e.code()
        }
    }
}

#[test]
fn a_valid_plugin_opens_and_reads() {
    let archive = open(
        ZipBuilder::valid_plugin("demo").build(),
        ArchiveLimits::default(),
    )
    .unwrap();
    let meta = archive.entry("demo/metadata.txt").unwrap();
    assert_eq!(meta.kind, EntryKind::File);
    let text = String::from_utf8(archive.read(meta).unwrap()).unwrap();
    assert!(text.contains("name=demo"));
    assert_eq!(archive.entry("demo").unwrap().kind, EntryKind::Directory);
    assert_eq!(archive.read_prefix(meta, 9).unwrap(), b"[general]");
}

#[test]
fn compressed_size_limit() {
    let bytes = ZipBuilder::valid_plugin("demo").build();
    let limits = ArchiveLimits {
        max_compressed_bytes: bytes.len() as u64 - 1,
        ..Default::default()
    };
    assert_eq!(limit_of(open(bytes, limits)), "max_compressed_bytes");
}

#[test]
fn uncompressed_total_limit() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .file("demo/data.txt", &"x".repeat(5000))
        .build();
    let limits = ArchiveLimits {
        max_uncompressed_bytes: 4000,
        ..Default::default()
    };
    assert_eq!(limit_of(open(bytes, limits)), "max_uncompressed_bytes");
}

#[test]
fn entry_count_limit() {
    let bytes = ZipBuilder::valid_plugin("demo").build();
    let limits = ArchiveLimits {
        max_entries: 3,
        ..Default::default()
    };
    assert_eq!(limit_of(open(bytes, limits)), "max_entries");
}

#[test]
fn single_entry_limit() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .file("demo/big.txt", &"y".repeat(3000))
        .build();
    let limits = ArchiveLimits {
        max_entry_bytes: 2000,
        ..Default::default()
    };
    assert_eq!(limit_of(open(bytes, limits)), "max_entry_bytes");
}

#[test]
fn compression_ratio_limit_catches_large_entries_that_expand_like_bombs() {
    let bomb = vec![0u8; 21_000_000];
    let bytes = ZipBuilder::valid_plugin("demo")
        .bytes("demo/bomb.bin", &bomb, 0o644)
        .build();
    assert_eq!(
        limit_of(open(bytes.clone(), ArchiveLimits::default())),
        "max_compression_ratio"
    );
    // The same file under the ratio floor is fine: the size limits still bound it.
    let relaxed = ArchiveLimits {
        ratio_min_entry_bytes: 30_000_000,
        ..Default::default()
    };
    assert!(open(bytes, relaxed).is_ok());
}

#[test]
fn data_files_that_compress_very_well_are_not_refused_as_bombs() {
    // A test GeoPackage: 1.7 MB, mostly zeroed pages, a few hundred times smaller in the zip.
    let mut geopackage = vec![0u8; 1_700_000];
    geopackage[..16].copy_from_slice(b"SQLite format 3\0");
    for page in (0..geopackage.len()).step_by(4096).take(40) {
        geopackage[page + 100] = (page % 251) as u8;
    }
    // A sparse raster: 8 MB, nearly all nodata.
    let mut raster = vec![0u8; 8_000_000];
    raster[..4].copy_from_slice(b"II*\0");
    let bytes = ZipBuilder::valid_plugin("demo")
        .bytes("demo/test/data/sample.gpkg", &geopackage, 0o644)
        .bytes("demo/data/mask.tif", &raster, 0o644)
        .build();
    let archive = open(bytes, ArchiveLimits::default()).expect("ordinary data files are accepted");
    assert!(archive
        .entries()
        .iter()
        .any(|e| e.name.ends_with("sample.gpkg")));
}

#[test]
fn path_depth_limit() {
    let deep = format!("demo/{}x.py", "a/".repeat(40));
    let bytes = ZipBuilder::valid_plugin("demo")
        .file(&deep, "x = 1\n")
        .build();
    assert_eq!(
        limit_of(open(bytes, ArchiveLimits::default())),
        "max_path_depth"
    );
}

#[test]
fn corrupt_and_truncated_archives() {
    assert_eq!(
        limit_of(open(b"not a zip at all".to_vec(), ArchiveLimits::default())),
        "corrupt"
    );
    let bytes = ZipBuilder::valid_plugin("demo").build();
    let truncated = bytes[..bytes.len() / 2].to_vec();
    assert_eq!(
        limit_of(open(truncated, ArchiveLimits::default())),
        "corrupt"
    );
    assert_eq!(
        limit_of(open(Vec::new(), ArchiveLimits::default())),
        "corrupt"
    );
}

#[test]
fn damaged_entry_data_is_reported_on_read() {
    let mut bytes = ZipBuilder::new()
        .stored("demo/a.txt", b"hello world, hello world")
        .build();
    // Flip a byte of the stored data: the CRC no longer matches.
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at] = b'J';
    let archive = open(bytes, ArchiveLimits::default()).unwrap();
    let entry = archive.entry("demo/a.txt").unwrap().clone();
    let err = archive.read(&entry).unwrap_err();
    assert_eq!(err.code(), "damaged_entry", "{err}");
}

#[test]
fn encrypted_entries_are_refused() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .encrypted("demo/secret.py", b"x = 1\n")
        .build();
    assert_eq!(limit_of(open(bytes, ArchiveLimits::default())), "encrypted");
}

#[test]
fn non_utf8_names_are_refused() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .raw_name(b"demo/caf\xe9.py", b"x = 1\n")
        .build();
    assert_eq!(
        limit_of(open(bytes, ArchiveLimits::default())),
        "non_utf8_name"
    );
}

#[test]
fn duplicate_names_are_refused() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .duplicate("demo/plugin.py", b"evil()\n")
        .build();
    let err = open(bytes, ArchiveLimits::default()).unwrap_err();
    assert_eq!(err.code(), "duplicate_name");
    assert!(err.to_string().contains("demo/plugin.py"), "{err}");
}

#[test]
fn special_mode_bits_are_kept() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .bytes("demo/run", b"x", 0o4755)
        .build();
    let archive = open(bytes, ArchiveLimits::default()).unwrap();
    assert_eq!(
        archive.entry("demo/run").unwrap().unix_mode.unwrap() & 0o7777,
        0o4755
    );
}

#[test]
fn symlinks_keep_their_target() {
    let bytes = ZipBuilder::valid_plugin("demo")
        .symlink("demo/link", "../../etc/passwd")
        .build();
    let archive = open(bytes, ArchiveLimits::default()).unwrap();
    let link = archive.entry("demo/link").unwrap();
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(archive.symlink_target(link).unwrap(), "../../etc/passwd");
}

#[cfg(unix)]
#[test]
fn folders_pack_like_their_zip_with_modes_and_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("__init__.py"), "x = 1\n").unwrap();
    std::fs::write(root.join("sub/run.py"), "print(1)\n").unwrap();
    std::fs::set_permissions(
        root.join("sub/run.py"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
    let archive = PluginArchive::from_path(&root, &ArchiveLimits::default()).unwrap();
    let names: Vec<_> = archive.entries().iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"demo/"), "{names:?}");
    assert!(names.contains(&"demo/sub/run.py"), "{names:?}");
    let run = archive.entry("demo/sub/run.py").unwrap();
    assert_eq!(run.unix_mode.unwrap() & 0o777, 0o755);
    let link = archive.entry("demo/link").unwrap();
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(archive.symlink_target(link).unwrap(), "/etc/passwd");
}

#[test]
fn folder_packing_respects_limits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    std::fs::create_dir_all(&root).unwrap();
    for i in 0..5 {
        std::fs::write(root.join(format!("f{i}.py")), "x = 1\n").unwrap();
    }
    let limits = ArchiveLimits {
        max_entries: 3,
        ..Default::default()
    };
    let err = PluginArchive::from_path(&root, &limits).unwrap_err();
    assert_eq!(err.limit(), Some("max_entries"));
}

#[test]
fn missing_paths_are_io_errors() {
    let err = PluginArchive::from_path(
        std::path::Path::new("/no/such/plugin.zip"),
        &ArchiveLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "io");
    assert!(err.to_string().contains("/no/such/plugin.zip"));
}

/// Rewrites the uncompressed size that both headers of `name` declare.
fn declare_size(bytes: &mut [u8], name: &str, size: u32) {
    for (signature, size_at) in [(b"PK\x01\x02", 24), (b"PK\x03\x04", 22)] {
        let name_at = if signature == b"PK\x01\x02" { 46 } else { 30 };
        let header = (0..bytes.len() - name_at)
            .find(|&at| {
                bytes[at..].starts_with(signature)
                    && bytes[at + name_at..].starts_with(name.as_bytes())
            })
            .expect("header of the entry");
        bytes[header + size_at..header + size_at + 4].copy_from_slice(&size.to_le_bytes());
    }
}

const TEXT: &str = "def main():\n    return 'hello world, hello world, hello world'\n";

#[test]
fn whole_and_prefix_reads_give_the_entry_bytes_stored_or_deflated() {
    let long = TEXT.repeat(500);
    let bytes = ZipBuilder::new()
        .file("demo/deflated.py", &long)
        .stored("demo/stored.py", long.as_bytes())
        .file("demo/empty.py", "")
        .build();
    let archive = open(bytes, ArchiveLimits::default()).unwrap();
    for name in ["demo/deflated.py", "demo/stored.py"] {
        let entry = archive.entry(name).unwrap();
        assert_eq!(archive.read(entry).unwrap(), long.as_bytes(), "{name}");
        for len in [0, 1, 512, long.len() as u64, long.len() as u64 + 10] {
            let want = &long.as_bytes()[..(len as usize).min(long.len())];
            assert_eq!(
                archive.read_prefix(entry, len).unwrap(),
                want,
                "{name} {len}"
            );
        }
    }
    let empty = archive.entry("demo/empty.py").unwrap();
    assert!(archive.read(empty).unwrap().is_empty());
    assert!(archive.read_prefix(empty, 512).unwrap().is_empty());
}

#[test]
fn damaged_deflate_streams_are_reported_on_read() {
    let long = TEXT.repeat(50);
    let clean = ZipBuilder::new().file("demo/a.py", &long).build();
    let data_at = clean.windows(9).position(|w| w == b"demo/a.py").unwrap() + 9;
    // Damage every byte of the compressed data in turn (each gives a corrupt stream or a CRC
    // mismatch): never a panic, never the wrong bytes.
    let mut damaged_reads = 0;
    for at in data_at..data_at + 40 {
        let mut bytes = clean.clone();
        bytes[at] ^= 0x55;
        let archive = open(bytes, ArchiveLimits::default()).unwrap();
        let entry = archive.entry("demo/a.py").unwrap().clone();
        match archive.read(&entry) {
            Ok(read) => panic!("damage at {at} read as {} bytes", read.len()),
            Err(err) => {
                assert_eq!(err.code(), "damaged_entry", "{err}");
                damaged_reads += 1;
            }
        }
    }
    assert_eq!(damaged_reads, 40);
}

#[test]
fn entries_that_inflate_to_another_size_than_declared_are_damaged() {
    for (stored, declared, holds) in [
        (false, TEXT.len() - 1, "more"),
        (false, TEXT.len() + 1, "holds 63"),
        (true, TEXT.len() - 1, "more"),
        (true, TEXT.len() + 1, "holds 63"),
    ] {
        let builder = ZipBuilder::new();
        let builder = if stored {
            builder.stored("demo/a.py", TEXT.as_bytes())
        } else {
            builder.file("demo/a.py", TEXT)
        };
        let mut bytes = builder.build();
        declare_size(&mut bytes, "demo/a.py", declared as u32);
        let archive = open(bytes, ArchiveLimits::default()).unwrap();
        let entry = archive.entry("demo/a.py").unwrap().clone();
        assert_eq!(entry.size, declared as u64);
        let err = archive.read(&entry).unwrap_err();
        assert_eq!(err.code(), "damaged_entry", "{err}");
        assert!(
            err.to_string().contains(holds),
            "{stored} {declared}: {err}"
        );
    }
}
