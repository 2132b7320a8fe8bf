//! Throughput of the PostgreSQL store on the engine's hot paths: batch insert,
//! the claim+complete cycle, and claim cost as the queue grows from 1k to 100k
//! jobs. The same three as offload-sqlite's bench, so the two compare directly.
//!
//! Run with `OFFLOAD_TEST_PG=postgres://… cargo bench -p offload-postgres`; each
//! benchmark uses a fresh schema, dropped at the end. Without the variable it
//! prints a skip line and measures nothing. Each benchmark reports elements per
//! second, where an element is one job.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use offload_core::{JobKind, JobSpec, JobState, Outcome, Timestamp, WorkerId};
use offload_postgres::{PostgresConfig, PostgresStore};
use offload_store::{Claim, ClaimedJob, Completion, NewJob, Store};
use tokio::runtime::Runtime;

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn noop_jobs(n: usize) -> Vec<NewJob> {
    let spec = JobSpec {
        kind: JobKind::Noop,
        ..JobSpec::default()
    };
    let spec_hash = offload_core::dedupe::spec_hash(&spec);
    vec![NewJob { spec, spec_hash }; n]
}

/// A store on a fresh schema; [`Fresh::drop`] removes the schema.
struct Fresh {
    store: PostgresStore,
    url: String,
    rt: &'static Runtime,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let sql = format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            self.store.config().schema
        );
        let url = self.url.clone();
        self.rt.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute(&sql).await.unwrap();
        });
    }
}

fn runtime() -> &'static Runtime {
    Box::leak(Box::new(Runtime::new().unwrap()))
}

fn fresh(rt: &'static Runtime, url: &str) -> Fresh {
    let config = PostgresConfig {
        schema: format!("offload_bench_{:08x}", rand::random::<u32>()),
        ..PostgresConfig::default()
    };
    let store = rt
        .block_on(PostgresStore::connect(url, config))
        .expect("connect");
    Fresh {
        store,
        url: url.to_owned(),
        rt,
    }
}

fn claim_req(worker: &str, limit: usize) -> Claim {
    Claim {
        worker: WorkerId(worker.into()),
        limit,
        queues: None,
        now: T0,
        lease: Duration::from_secs(60),
    }
}

/// The completions of claimed jobs, all ending with `next`.
fn completions(jobs: &[ClaimedJob], outcome: &Outcome, next: &JobState) -> Vec<Completion> {
    jobs.iter()
        .map(|job| Completion {
            id: job.id,
            attempt: job.attempt,
            next: next.clone(),
            outcome: outcome.clone(),
            finished_at: T0,
            cpu_ms: Some(0),
            peak_memory: None,
            tier: None,
            output: None,
        })
        .collect()
}

/// Claims `n` jobs and finishes them with `outcome`/`next`, as one worker would.
async fn cycle(store: &PostgresStore, worker: &str, n: usize, outcome: &Outcome, next: &JobState) {
    let jobs = store.job_claim(&claim_req(worker, n)).await.unwrap();
    store
        .job_complete_many(completions(&jobs, outcome, next))
        .await
        .unwrap();
}

fn url() -> Option<String> {
    let url = std::env::var("OFFLOAD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("SKIPPED: OFFLOAD_TEST_PG not set; the PostgreSQL benchmarks measure nothing");
    }
    url
}

fn insert(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let rt = runtime();
    let mut group = c.benchmark_group("insert_batch");
    group.throughput(Throughput::Elements(1000));
    let db = fresh(rt, &url);
    group.bench_function("1000", |b| {
        b.to_async(rt)
            .iter(|| async { db.store.job_insert_many(noop_jobs(1000), T0).await.unwrap() });
    });
    group.finish();
}

/// One worker, or four concurrent workers, claiming 100 no-op jobs and
/// completing them as succeeded.
fn claim_complete(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let rt = runtime();
    let mut group = c.benchmark_group("claim_complete_100");
    let done = JobState::Succeeded { finished_at: T0 };
    let ok = Outcome::Exited { code: 0 };
    for workers in [1usize, 4] {
        let db = fresh(rt, &url);
        group.throughput(Throughput::Elements(100 * workers as u64));
        group.bench_function(BenchmarkId::new("workers", workers), |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (store, done, ok) = (&db.store, &done, &ok);
                async move {
                    let total = iters as usize * 100 * workers;
                    for chunk in 0..total.div_ceil(1000) {
                        let n = (total - chunk * 1000).min(1000);
                        store.job_insert_many(noop_jobs(n), T0).await.unwrap();
                    }
                    let start = Instant::now();
                    for _ in 0..iters {
                        let names: Vec<String> = (0..workers).map(|w| format!("w{w}")).collect();
                        let runs = names.iter().map(|w| cycle(store, w, 100, ok, done));
                        futures::future::join_all(runs).await;
                    }
                    start.elapsed()
                }
            });
        });
    }
    group.finish();
}

/// Claim 100 then requeue them (an interrupted outcome), with 1k, 100k or 1M jobs
/// waiting: the cost should not grow with the queue.
fn claim_vs_queue_size(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let rt = runtime();
    let mut group = c.benchmark_group("claim_100_requeue");
    group.throughput(Throughput::Elements(100));
    let requeue = JobState::Queued;
    for &queued in queue_sizes() {
        let db = fresh(rt, &url);
        rt.block_on(async {
            for _ in 0..queued / 1000 {
                db.store.job_insert_many(noop_jobs(1000), T0).await.unwrap();
            }
        });
        group.bench_function(BenchmarkId::new("queued", queued), |b| {
            b.to_async(rt)
                .iter(|| cycle(&db.store, "w", 100, &Outcome::Interrupted, &requeue));
        });
    }
    group.finish();
}

/// The queue sizes to measure. `cargo test --all-targets` runs each bench once as a
/// smoke test, without `--bench`; there, filling a million-job queue would only
/// slow the suite, so the smoke test uses the smallest size.
fn queue_sizes() -> &'static [usize] {
    if std::env::args().any(|arg| arg == "--bench") {
        &[1_000, 100_000, 1_000_000]
    } else {
        &[1_000]
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = insert, claim_complete, claim_vs_queue_size
}
criterion_main!(benches);
