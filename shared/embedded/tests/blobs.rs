//! The folder blob store under concurrent writers and hostile keys.

use std::sync::Arc;

use validator_embedded::FolderBlobStore;
use validator_pipeline::{BlobStore, PortError};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_of_one_key_all_succeed_and_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FolderBlobStore::new(dir.path()));
    let mut tasks = Vec::new();
    for i in 0..32u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .put(
                    "findings/scan/check.json",
                    vec![i; 4096],
                    "application/json",
                )
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let blob = store.get("findings/scan/check.json").await.unwrap();
    assert_eq!(blob.bytes.len(), 4096);
    assert!(
        blob.bytes.iter().all(|b| *b == blob.bytes[0]),
        "no torn write"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("findings/scan"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[tokio::test]
async fn keys_cannot_escape_the_folder_and_missing_keys_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = FolderBlobStore::new(dir.path().join("blobs"));
    for key in ["../outside", "/etc/passwd", "a/../../b", ""] {
        let err = store
            .put(key, b"x".to_vec(), "text/plain")
            .await
            .unwrap_err();
        assert!(matches!(err, PortError::Backend(_)), "{key}: {err}");
    }
    assert!(matches!(
        store.get("uploads/none.zip").await.unwrap_err(),
        PortError::NotFound(_)
    ));
}
