//! The fixed cost of handing a job to a [`BlockingPool`] and getting its
//! result back, measured with a job that does no work.
//!
//! Run with `cargo bench -p offload-pool --bench submit`. The number bounds
//! how small a piece of blocking work is worth offloading: below a few times
//! this cost, running inline is cheaper than the hop.

use criterion::{Criterion, criterion_group, criterion_main};
use offload_pool::{BlockingPool, PoolConfig};
use tokio::runtime::Runtime;

fn submit_and_await(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let config = PoolConfig {
        name: "bench".to_owned(),
        threads: 2,
        queue_capacity: 1024,
        ..PoolConfig::default()
    };
    let pool = BlockingPool::new(config).expect("valid bench pool");
    c.bench_function("try_submit_then_await", |b| {
        b.to_async(&runtime).iter(|| async {
            let handle = pool
                .try_submit(|| std::hint::black_box(1_u64))
                .expect("queue has room");
            handle.await.expect("job returns")
        });
    });
    c.bench_function("spawn_blocking_then_await", |b| {
        b.to_async(&runtime).iter(|| async {
            let handle = tokio::task::spawn_blocking(|| std::hint::black_box(1_u64));
            handle.await.expect("job returns")
        });
    });
}

criterion_group!(benches, submit_and_await);
criterion_main!(benches);
