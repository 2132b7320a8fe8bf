//! Runs the whole store conformance suite against PostgreSQL, each case on a
//! fresh schema (dropped when the case ends), so the cases run in parallel.
//!
//! Without `OFFLOAD_TEST_PG` every case prints "SKIPPED: OFFLOAD_TEST_PG not set"
//! and passes: the `return` below leaves the test function before it needs a store.

mod support;

offload_store::conformance_tests!({
    let Some(url) = support::test_url() else {
        return;
    };
    support::fresh_store(url)
});
