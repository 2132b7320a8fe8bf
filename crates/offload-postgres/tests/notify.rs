//! LISTEN/NOTIFY wake-ups and leader election, between two nodes (two stores
//! with their own connections) on one schema.
//!
//! Waiting for a notification is bounded by a timeout so that a lost one fails
//! the test instead of hanging it; nothing sleeps.

mod support;

use std::time::Duration;

use offload_core::{CancelOutcome, JobId, JobSpec, QueueName, Timestamp, WorkerId};
use offload_postgres::{Notification, PostgresStore};
use offload_store::{Claim, NewJob, Store};
use support::Schema;
use tokio::sync::broadcast::Receiver;

const T0: Timestamp = Timestamp(1_700_000_000_000);
const PATIENCE: Duration = Duration::from_secs(10);

async fn two_nodes(schema: &Schema) -> (PostgresStore, PostgresStore) {
    let a = PostgresStore::connect(&schema.url(), schema.config())
        .await
        .unwrap();
    let b = PostgresStore::connect(&schema.url(), schema.config())
        .await
        .unwrap();
    (a, b)
}

fn job(queue: &str) -> NewJob {
    let spec = JobSpec {
        command: vec!["true".into()],
        queue: QueueName::new(queue).unwrap(),
        ..JobSpec::default()
    };
    let spec_hash = offload_core::dedupe::spec_hash(&spec);
    NewJob { spec, spec_hash }
}

/// Waits (bounded) for the first notification equal to `wanted`.
async fn expect(rx: &mut Receiver<Notification>, wanted: Notification) {
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            if rx.recv().await.expect("the listener is alive") == wanted {
                return;
            }
        }
    })
    .await;
    assert!(found.is_ok(), "no {wanted:?} within {PATIENCE:?}");
}

#[tokio::test]
async fn an_insert_on_one_node_wakes_the_other() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let (a, b) = two_nodes(&schema).await;
    let mut rx = a.subscribe();
    expect(&mut rx, Notification::Connected).await;
    b.job_insert_many(vec![job("wake")], T0).await.unwrap();
    expect(
        &mut rx,
        Notification::JobsAvailable(QueueName::new("wake").unwrap()),
    )
    .await;
}

#[tokio::test]
async fn a_cancel_on_one_node_reaches_the_other() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let (a, b) = two_nodes(&schema).await;
    let mut rx = a.subscribe();
    expect(&mut rx, Notification::Connected).await;
    let id = a.job_insert_many(vec![job("q")], T0).await.unwrap()[0].id;
    let claim = Claim {
        worker: WorkerId("a".into()),
        limit: 1,
        queues: None,
        now: T0,
        lease: Duration::from_secs(30),
    };
    assert_eq!(a.job_claim(&claim).await.unwrap()[0].id, id);
    let outcome = b.job_cancel(id, T0).await.unwrap();
    assert!(matches!(outcome, CancelOutcome::KillRequested { .. }));
    expect(&mut rx, Notification::CancelRequested(id)).await;
    // A cancel of a job that waits kills nothing and sends nothing; the next
    // notification is the one for the job inserted after it.
    let waiting = b.job_insert_many(vec![job("later")], T0).await.unwrap()[0].id;
    b.job_cancel(waiting, T0).await.unwrap();
    b.job_insert_many(vec![job("marker")], T0).await.unwrap();
    let next = tokio::time::timeout(PATIENCE, async {
        loop {
            match rx.recv().await.unwrap() {
                Notification::JobsAvailable(q) if q.as_str() == "later" => continue,
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(
        next,
        Notification::JobsAvailable(QueueName::new("marker").unwrap())
    );
    assert_ne!(next, Notification::CancelRequested(JobId(waiting.0)));
}

#[tokio::test]
async fn one_leader_at_a_time_and_a_dead_leader_is_replaced() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let (a, b) = two_nodes(&schema).await;
    assert!(a.try_leader("node-a").await.unwrap());
    assert!(!b.try_leader("node-b").await.unwrap(), "a holds the lock");
    assert!(a.try_leader("node-a").await.unwrap(), "a keeps leading");
    a.resign().await;
    assert!(
        b.try_leader("node-b").await.unwrap(),
        "b takes over after a resigns"
    );
    assert!(!a.try_leader("node-a").await.unwrap());
    // Kill b's leader session as a crash or network loss would, and wait until
    // the server has ended it (the timeout argument makes the call wait).
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let killed: bool = admin
        .query_one(
            "SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity \
             WHERE application_name = 'offload-leader:node-b'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(killed);
    assert!(
        a.try_leader("node-a").await.unwrap(),
        "a replaces the dead leader"
    );
    assert!(!b.try_leader("node-b").await.unwrap(), "b learns it lost");
}
