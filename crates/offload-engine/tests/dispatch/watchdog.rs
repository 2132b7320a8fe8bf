//! The watchdog stops a stalled run and leaves a sentinel; the next run falls back to off.

use std::time::Duration;

use offload_engine::dispatch::{DispatchConfig, Mode, Status, Watchdog};

use crate::{Fixture, manifest, task};

#[tokio::test]
async fn a_stall_stops_the_run_and_the_next_run_falls_back_to_off() {
    let fixture = Fixture::default();
    let sentinel = fixture.dir.path().join("sentinel");
    let tasks = [
        task("a", "true", "timeout = \"50ms\""),
        task("b", "true", "timeout = \"50ms\"\ndepends_on = [\"a\"]"),
    ];
    let source = manifest(&tasks);
    // The injected latency comes before the process starts, so no task timeout can end it:
    // only the watchdog can.
    let stalled = DispatchConfig {
        fake_latency: Duration::from_secs(3600),
        sentinel: Some(sentinel.clone()),
        ..DispatchConfig::default()
    };
    let (report, _) = fixture.run(&source, stalled).await;
    assert_eq!(
        report.foreground.watchdog.as_deref(),
        Some("no progress for 150ms")
    );
    let ended: Vec<_> = report
        .foreground
        .tasks
        .iter()
        .map(|t| (t.status, t.error.clone()))
        .collect();
    assert_eq!(
        ended,
        [
            (Status::Fail, Some("killed by the watchdog".into())),
            (
                Status::Skipped,
                Some("not started: the watchdog stopped the run (no progress for 150ms)".into())
            ),
        ]
    );
    assert!(!report.succeeded());
    assert_eq!(
        std::fs::read_to_string(&sentinel).unwrap(),
        "no progress for 150ms\n"
    );

    let next = DispatchConfig {
        mode: Mode::On,
        sentinel: Some(sentinel.clone()),
        ..DispatchConfig::default()
    };
    let (report, _) = fixture.run(&source, next).await;
    assert_eq!((report.requested_mode, report.mode), (Mode::On, Mode::Off));
    assert_eq!(
        report.fallback.as_deref(),
        Some(
            "the watchdog stopped the previous run (no progress for 150ms); falling back to off for this run"
        )
    );
    assert!(report.succeeded());
    assert!(!sentinel.exists(), "the sentinel lasts one run");
}

#[tokio::test]
async fn without_the_watchdog_a_slow_start_is_not_a_stall() {
    let fixture = Fixture::default();
    let sentinel = fixture.dir.path().join("sentinel");
    let tasks = [task("a", "true", "timeout = \"50ms\"")];
    let config = DispatchConfig {
        fake_latency: Duration::from_millis(400),
        watchdog: Watchdog::Disabled,
        sentinel: Some(sentinel.clone()),
        ..DispatchConfig::default()
    };
    let (report, _) = fixture.run(&manifest(&tasks), config).await;
    // Only the watchdog is under test: on a loaded machine `true` may itself time out.
    let a = &report.foreground.tasks[0];
    assert!(
        a.status.is_terminal() && a.error.as_deref() != Some("killed by the watchdog"),
        "{a:?}"
    );
    assert_eq!(report.foreground.watchdog, None);
    assert!(!sentinel.exists());
}
