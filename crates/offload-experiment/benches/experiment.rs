//! Criterion benchmarks for the two costs the hot path promises to keep low:
//! an unsampled call (target under 100 ns over a bare control), and a
//! detached call whose candidate sleeps 10 s (the caller's latency should be
//! the control's, not the candidate's).

use std::future::ready;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::FutureExt;
use offload_experiment::{Lab, LabConfig, MemoryPublisher, Mode, ShadowRuntime};

fn unsampled(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = runtime.enter();
    let (lab, _published) = Lab::in_memory().expect("lab");
    let experiment = lab
        .experiment::<u64, u64, String>("unsampled")
        .sample_basis_points(0)
        .candidate("never", |n| async move { Ok(n) })
        .build()
        .expect("experiment");
    let mut group = criterion.benchmark_group("unsampled");
    group.bench_function("bare_control", |bench| {
        bench.iter(|| black_box(ready(Ok::<u64, String>(black_box(1))).now_or_never()))
    });
    group.bench_function("experiment_sampled_out", |bench| {
        bench.iter(|| black_box(experiment.run(ready(Ok(black_box(1))), || 1).now_or_never()))
    });
    group.bench_function("experiment_sticky_sampled_out", |bench| {
        bench.iter(|| {
            black_box(
                experiment
                    .run_sticky(&black_box(42u64), ready(Ok(1)), || 1)
                    .now_or_never(),
            )
        })
    });
    group.finish();
}

fn detached_latency(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // Large caps so every call really starts its 10 s candidate instead of
    // being skipped for saturation.
    let config = LabConfig {
        max_in_flight: 1 << 22,
        shadow_runtime: ShadowRuntime::Dedicated { threads: 1 },
        ..LabConfig::default()
    };
    let lab = Lab::new(&config, MemoryPublisher::default(), |_| {}).expect("lab");
    let experiment = lab
        .experiment::<u64, u64, String>("detached")
        .mode(Mode::Detached)
        .max_in_flight(1 << 22)
        .candidate("sleeps-10s", |n| async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(n)
        })
        .build()
        .expect("experiment");
    let mut group = criterion.benchmark_group("detached");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let control = || async {
        tokio::task::yield_now().await;
        Ok::<u64, String>(1)
    };
    group.bench_function("control_alone", |bench| {
        bench
            .to_async(&runtime)
            .iter(|| async { black_box(control().await) })
    });
    group.bench_function("control_with_10s_candidate", |bench| {
        bench
            .to_async(&runtime)
            .iter(|| async { black_box(experiment.run(control(), || 1).await) })
    });
    group.finish();
}

criterion_group!(benches, unsampled, detached_latency);
criterion_main!(benches);
