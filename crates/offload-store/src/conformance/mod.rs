//! The store conformance suite: every backend runs all of it.
//!
//! Each case is an `async fn(&impl Store)` written only against the
//! [`Store`](crate::Store) trait, in a file named for the verb it specifies. A backend runs the whole
//! suite with one line in an integration test:
//!
//! ```text
//! offload_store::conformance_tests!(async {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MyStore::open(dir.path()).unwrap();
//!     (store, dir) // The second value is dropped after the case: clean up there.
//! });
//! ```
//!
//! The macro expands to one `#[tokio::test]` per case (so the backend's tests need
//! `tokio` with the `macros` and `rt` features). The expression is evaluated anew
//! for every case and must produce a `(store, guard)` pair: a fresh, empty store
//! and a value that keeps its resources alive until the case ends.
//!
//! No case reads a clock or sleeps. Every store call takes its `now`, so "the lease
//! expired" or "the TTL passed" is a later timestamp (see [`support::at`]).

pub mod cancel;
pub mod claim;
pub mod clean;
pub mod complete;
pub mod dead;
pub mod experiment;
pub mod heartbeat;
pub mod insert;
pub mod list;
pub mod queue;
pub mod rescue;
pub mod schedule;
pub mod support;

/// Expands to one `#[tokio::test]` per conformance case, each on a fresh store
/// made by `$make`, an async expression that yields `(store, guard)`.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::__conformance_cases! { $make;
            insert: [
                returns_ids,
                get_round_trips_spec,
                initial_state_follows_run_at,
                batch_is_atomic,
                same_key_same_spec_returns_existing,
                same_key_other_spec_conflicts,
                key_holds_while_running_and_after_finish,
                key_expires_after_ttl,
            ],
            claim: [
                takes_at_most_limit,
                priority_then_fifo,
                skips_paused_queues,
                honours_concurrency_across_workers,
                filters_by_queue,
                records_attempt_and_lease,
                never_claims_twice,
                skips_scheduled_until_promoted,
            ],
            complete: [
                applies_with_lease,
                stale_when_already_finished,
                stale_when_attempt_is_old,
                records_output_and_attempt,
                retry_goes_through_promote,
                budget_counts_all_but_interrupted,
                many_apply_independently,
            ],
            heartbeat: [renews_the_lease, reports_cancel_requested, reports_lost],
            cancel: [
                waiting_is_cancelled_and_never_claimed,
                running_requests_kill,
                finished_is_already_finished,
                unknown_is_not_found,
            ],
            rescue: [stuck_are_expired_leases_only, rescued_job_rejects_old_worker],
            schedule: [promote_moves_only_due, next_due_is_earliest],
            dead: [
                failed_jobs_are_listed,
                retry_one_requeues_with_fresh_budget,
                retry_all_requeues_every_failed_job,
                retry_one_of_other_states,
                purge_deletes_only_failed,
            ],
            queue: [pause_and_resume, concurrency_set_and_clear, list_counts_by_state],
            clean: [
                delete_finished_only_old_terminal_jobs,
                expire_output_respects_result_ttl,
            ],
            list: [filters_by_state_queue_and_label, pagination_is_complete_and_disjoint],
            experiment: [
                record_creates_the_experiment_with_defaults,
                minutes_count_matches_and_mismatches,
                signatures_are_counted_most_frequent_first,
                reservoir_keeps_at_most_cap_per_signature,
                mismatches_keep_both_outputs,
                latency_is_kept_per_behaviour,
                signatures_past_the_limit_count_as_overflow,
                old_minutes_are_dropped,
                update_upserts_and_trims_the_reservoir,
                concurrent_records_count_exactly,
                get_unknown_is_none,
            ],
        }
    };
}

/// The expansion behind [`conformance_tests!`]: one module per verb, one test per case.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:expr; $($verb:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        $(
            mod $verb {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[::tokio::test]
                    async fn $case() {
                        let (store, guard) = $make.await;
                        $crate::conformance::$verb::$case(&store).await;
                        drop(store);
                        drop(guard);
                    }
                )*
            }
        )*
    };
}
