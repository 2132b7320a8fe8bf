//! Several nodes on one database: each "node" is a store with its own pool, as a
//! separate server would be. Claims race for real on the server; the tests check
//! what must hold whatever the interleaving.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use offload_core::{JobSpec, QueueName, Timestamp, WorkerId};
use offload_postgres::PostgresStore;
use offload_store::{Claim, ClaimedJob, NewJob, QueueUpdate, Store};
use support::Schema;

const T0: Timestamp = Timestamp(1_700_000_000_000);

async fn nodes(schema: &Schema, n: usize) -> Vec<PostgresStore> {
    let mut stores = Vec::new();
    for _ in 0..n {
        stores.push(
            PostgresStore::connect(&schema.url(), schema.config())
                .await
                .unwrap(),
        );
    }
    stores
}

fn jobs(n: usize, queue: &str) -> Vec<NewJob> {
    (0..n)
        .map(|i| {
            let spec = JobSpec {
                command: vec!["echo".into(), i.to_string()],
                queue: QueueName::new(queue).unwrap(),
                ..JobSpec::default()
            };
            let spec_hash = offload_core::dedupe::spec_hash(&spec);
            NewJob { spec, spec_hash }
        })
        .collect()
}

fn claim(worker: String, limit: usize) -> Claim {
    Claim {
        worker: WorkerId(worker),
        limit,
        queues: None,
        now: T0,
        lease: Duration::from_secs(60),
    }
}

/// Every claimer of every node claims at once, `rounds` times.
async fn claim_storm(stores: &[PostgresStore], claimers: usize, limit: usize) -> Vec<ClaimedJob> {
    let calls = stores.iter().enumerate().flat_map(|(n, store)| {
        (0..claimers).map(move |c| async move {
            store.job_claim(&claim(format!("node{n}-{c}"), limit)).await
        })
    });
    let results = futures::future::join_all(calls).await;
    results
        .into_iter()
        .flat_map(|r| r.expect("claim"))
        .collect()
}

/// A limit of 3 holds across two nodes: however many claims race, exactly 3
/// jobs run (nothing completes, so no slot is ever freed).
#[tokio::test]
async fn concurrency_limit_holds_across_nodes() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let stores = nodes(&schema, 2).await;
    let limit = QueueUpdate {
        concurrency: Some(Some(3)),
        ..QueueUpdate::default()
    };
    stores[0]
        .queue_update(&QueueName::new("small").unwrap(), &limit)
        .await
        .unwrap();
    stores[0]
        .job_insert_many(jobs(50, "small"), T0)
        .await
        .unwrap();
    let mut running = Vec::new();
    for _ in 0..5 {
        running.extend(claim_storm(&stores, 4, 10).await);
    }
    assert_eq!(running.len(), 3, "the limit held under racing claims");
}

/// Eight claimers on two nodes drain 400 jobs: each job is claimed exactly once.
#[tokio::test]
async fn racing_nodes_claim_each_job_once() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let stores = nodes(&schema, 2).await;
    let mut inserted = BTreeSet::new();
    for _ in 0..4 {
        let ids = stores[1]
            .job_insert_many(jobs(100, "default"), T0)
            .await
            .unwrap();
        inserted.extend(ids.into_iter().map(|i| i.id));
    }
    let mut claimed = Vec::new();
    loop {
        let round = claim_storm(&stores, 4, 7).await;
        if round.is_empty() {
            break;
        }
        claimed.extend(round.into_iter().map(|j| j.id));
    }
    let distinct: BTreeSet<_> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 400, "no job was claimed twice");
    assert_eq!(distinct, inserted, "every job was claimed");
}

/// The same idempotency key inserted by two nodes at once creates one job.
#[tokio::test]
async fn racing_inserts_of_one_key_create_one_job() {
    let Some(url) = support::test_url() else {
        return;
    };
    let schema = Schema::new(&url);
    let stores = nodes(&schema, 2).await;
    let keyed = || {
        let spec = JobSpec {
            command: vec!["echo".into()],
            idempotency: Some(offload_core::Idempotency {
                key: "once".into(),
                ttl: Duration::from_secs(60),
            }),
            ..JobSpec::default()
        };
        let spec_hash = offload_core::dedupe::spec_hash(&spec);
        vec![NewJob { spec, spec_hash }]
    };
    let inserts = (0..8).map(|i| stores[i % 2].job_insert_many(keyed(), T0));
    let results = futures::future::join_all(inserts).await;
    let ids: BTreeSet<_> = results.iter().map(|r| r.as_ref().unwrap()[0].id).collect();
    let created = results
        .iter()
        .filter(|r| r.as_ref().unwrap()[0].created)
        .count();
    assert_eq!((ids.len(), created), (1, 1));
}
