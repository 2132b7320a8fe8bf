//! Many runs at once: each gets its own init, work dir and pipes.

use offload_sandbox::{RunSpec, Termination};
use tokio::task::JoinSet;

use crate::support::Fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_runs_all_succeed() {
    let fx = Fixture::new();
    let mut runs = JoinSet::new();
    for _ in 0..50 {
        let sandbox = fx.sandbox.clone();
        let spec = RunSpec {
            argv: vec!["/bin/true".into()],
            ..RunSpec::default()
        };
        runs.spawn(async move { sandbox.run(spec, Default::default()).await });
    }
    let mut done = 0;
    while let Some(result) = runs.join_next().await {
        assert_eq!(
            result.expect("run task").termination,
            Termination::Exited(0)
        );
        done += 1;
    }
    assert_eq!(done, 50);
    assert_eq!(fx.leftovers(), 0);
}
