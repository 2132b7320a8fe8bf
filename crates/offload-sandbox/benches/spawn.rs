//! What the sandbox costs per run: one `/bin/true` through `Sandbox::run` against a plain
//! `std::process::Command` spawn and wait of the same program.
//!
//! The difference is the price of the work dir, the per-run init (one fork of the worker; the job
//! itself is started with a vfork-style clone), the pipes and the rusage bookkeeping, at T1 the
//! namespaces, the mount tree, Landlock and seccomp, and at T2 the run's cgroup. Numbers belong
//! here, never in tests; `examples/overhead.rs` prints p50 and p99 beside bubblewrap.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use offload_sandbox::{RunSpec, Sandbox, SandboxConfig, Termination, Tier};
use tokio_util::sync::CancellationToken;

fn sandboxed_true(c: &mut Criterion) {
    bench_tier(c, Some(Tier::T0), "sandbox_run_true_t0");
    bench_tier(c, Some(Tier::T1), "sandbox_run_true_t1");
    bench_tier(c, None, "sandbox_run_true_best");
}

/// One `/bin/true` per iteration at `max_tier` (`None`: the best this host gives, T2 as root
/// with usable cgroups). The name says the cap; the tier printed first says what was applied.
fn bench_tier(c: &mut Criterion, max_tier: Option<Tier>, name: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let root = tempfile::tempdir().expect("temp dir");
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: root.path().join("work"),
        max_tier,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let spec = RunSpec {
        argv: vec!["/bin/true".into()],
        ..RunSpec::default()
    };
    eprintln!("{name}: tier {}", sandbox.tier());
    c.bench_function(name, |b| {
        b.to_async(&runtime).iter(|| async {
            let result = sandbox.run(spec.clone(), CancellationToken::new()).await;
            assert_eq!(result.termination, Termination::Exited(0));
            black_box(result)
        })
    });
}

// The baseline needs a raw spawn, which the workspace forbids outside the sandbox's own module.
#[allow(clippy::disallowed_methods)]
fn plain_true(c: &mut Criterion) {
    c.bench_function("std_spawn_wait_true", |b| {
        b.iter(|| {
            let status = std::process::Command::new("/bin/true")
                .status()
                .expect("spawn");
            assert!(status.success());
            black_box(status)
        })
    });
}

criterion_group!(benches, sandboxed_true, plain_true);
criterion_main!(benches);
