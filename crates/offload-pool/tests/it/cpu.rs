//! [`CpuPool`] takes its size from the machine.

use std::num::NonZeroUsize;
use std::thread;

use offload_pool::{CpuPool, CpuPoolConfig};

#[tokio::test]
async fn cpu_pool_has_one_thread_per_core_and_runs_work() {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let pool = CpuPool::new(CpuPoolConfig::default()).unwrap();
    assert_eq!(pool.stats().threads, cores);
    assert_eq!(pool.name(), "offload-cpu");

    let sum = pool.try_submit(|| (1..=1000u64).sum::<u64>()).unwrap();
    assert_eq!(sum.await.unwrap(), 500_500);
}
