//! Stats snapshots and the Prometheus export move with the pool's work.

use offload_pool::{BlockingPool, ConfigError, ErrorKind, PoolConfig, PoolError};
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

use crate::support::Held;

#[tokio::test]
async fn stats_follow_jobs_through_queue_run_and_finish() {
    let mut held = Held::new("stats", 2, 3);
    let before = held.pool.stats();
    assert_eq!((before.threads, before.queue_capacity), (2, 3));
    assert_eq!(
        (before.completed, before.in_flight, before.queue_depth),
        (0, 0, 0)
    );

    let handles = held.fill(2, 2).await;
    let busy = held.pool.stats();
    assert_eq!((busy.in_flight, busy.queue_depth), (2, 2));
    assert_eq!(busy.wait.count, 2, "only started jobs have a wait time");
    assert_eq!(busy.run.count, 0);

    let filler = held.pool.try_submit(|| ()).unwrap();
    assert!(held.pool.try_submit(|| ()).is_err());
    held.gate.open();
    for handle in handles {
        handle.await.unwrap();
    }
    filler.await.unwrap();
    held.pool.try_submit(|| ()).unwrap().await.unwrap();

    let after = held.pool.stats();
    // Four held jobs, the one that filled the queue, and the last one.
    assert_eq!(after.completed, 6);
    assert_eq!((after.in_flight, after.queue_depth), (0, 0));
    assert_eq!((after.wait.count, after.run.count), (6, 6));
    assert_eq!(after.rejected.queue_full, 1);
    assert_eq!(after.rejected.total(), 1);
    assert!(after.run.max <= after.run.total);
}

#[tokio::test]
async fn registered_metrics_show_live_values() {
    let mut held = Held::new("scraped", 1, 1);
    let mut registry = Registry::default();
    held.pool.register_metrics(&mut registry);
    let handles = held.fill(1, 1).await;
    assert!(held.pool.try_submit(|| ()).is_err());

    let text = scrape(&registry);
    assert!(
        text.contains(r#"offload_pool_in_flight{pool="scraped"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"offload_pool_queue_depth{pool="scraped"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"reason="queue_full"} 1"#), "{text}");

    held.gate.open();
    for handle in handles {
        handle.await.unwrap();
    }
    let text = scrape(&registry);
    assert!(
        text.contains(r#"offload_pool_completed_total{pool="scraped"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"offload_pool_run_seconds_count{pool="scraped"} 2"#),
        "{text}"
    );
}

fn scrape(registry: &Registry) -> String {
    let mut text = String::new();
    encode(&mut text, registry).unwrap();
    text
}

#[test]
fn zero_threads_is_refused_naming_the_field() {
    let config = PoolConfig {
        threads: 0,
        ..PoolConfig::default()
    };
    let err = BlockingPool::new(config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Setup);
    assert!(matches!(
        err,
        PoolError::Config(ConfigError::TooSmall {
            field: "threads",
            min: 1,
            got: 0
        })
    ));
    assert!(
        err.to_string().contains("`threads` must be at least 1"),
        "{err}"
    );
}

#[test]
fn zero_queue_capacity_is_refused_naming_the_field() {
    let config = PoolConfig {
        queue_capacity: 0,
        ..PoolConfig::default()
    };
    let message = BlockingPool::new(config).unwrap_err().to_string();
    assert!(
        message.contains("`queue_capacity` must be at least 1"),
        "{message}"
    );
}
