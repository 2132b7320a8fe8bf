//! The progress descriptor at the best tier: it reaches the job through every layer of isolation,
//! and a job that floods it is slowed and counted, never able to hang or crash the worker.

use offload_sandbox::Termination;

use crate::support::{Fixture, sh, text};

#[tokio::test]
async fn progress_reaches_the_worker_through_every_layer() {
    let fx = Fixture::new("progress_reaches_the_worker_through_every_layer");
    let result = fx
        .run(sh(
            r#"echo "::progress 40 half" >&"$OFFLOAD_PROGRESS_FD"; echo garbage >&3"#,
        ))
        .await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(result.tier, fx.tier());
    assert_eq!((result.progress.updates, result.progress.malformed), (1, 1));
}

#[tokio::test]
async fn a_progress_flood_is_throttled_not_fatal() {
    let fx = Fixture::new("a_progress_flood_is_throttled_not_fatal");
    // Lines and bytes at once, from a background writer too, which the tree kill ends.
    let script = r#"yes "::progress 50 flood" >&3 &
        head -c 1500000 /dev/zero >&3
        echo "::progress 99 last" >&3
        echo done"#;
    let result = fx.run(sh(script)).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(text(&result.stdout), "done\n");
    assert!(
        result.progress.updates > 0 && result.progress.dropped > 0,
        "{:?}",
        result.progress
    );
}
