//! Runs the whole store conformance suite against SQLite, each case on a fresh
//! database file in its own temporary directory (removed when the case ends).

use offload_sqlite::{SqliteConfig, SqliteStore};

offload_store::conformance_tests!(async {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("offload.db"), SqliteConfig::default())
        .expect("open a fresh database");
    (store, dir)
});
