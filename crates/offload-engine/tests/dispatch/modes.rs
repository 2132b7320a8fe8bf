//! The three modes: the baseline runs one by one, `on` runs concurrently, `shadow` runs
//! both and keeps the baseline's results.

use offload_engine::dispatch::{DispatchConfig, Mode, Status};

use crate::{Fixture, manifest, mkfifo, task};

/// A reader and a writer of one fifo: they can only both finish if they run at once.
fn fifo_pair(fixture: &Fixture, timeout: &str) -> String {
    let fifo = fixture.path("fifo");
    mkfifo(&fifo);
    manifest(&[
        task(
            "a_reader",
            &format!("cat {fifo}"),
            &format!("timeout = \"{timeout}\""),
        ),
        task(
            "b_writer",
            &format!("echo hi > {fifo}"),
            &format!("timeout = \"{timeout}\""),
        ),
    ])
}

#[tokio::test]
async fn on_runs_tasks_concurrently() {
    let fixture = Fixture::default();
    let (report, _) = fixture
        .run(&fifo_pair(&fixture, "10s"), DispatchConfig::default())
        .await;
    let statuses: Vec<Status> = report.foreground.tasks.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Done, Status::Done], "{report:?}");
    assert_eq!(report.mode, Mode::On);
    assert!(report.segments.iter().all(|s| s.phase == "async"));
}

#[tokio::test]
async fn off_runs_tasks_one_after_another_in_order() {
    let fixture = Fixture::default();
    let config = DispatchConfig {
        mode: Mode::Off,
        ..DispatchConfig::default()
    };
    let (report, events) = fixture.run(&fifo_pair(&fixture, "300ms"), config).await;
    // The reader runs alone first and never sees a writer; then the writer never sees a reader.
    let statuses: Vec<Status> = report.foreground.tasks.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Timeout, Status::Timeout]);
    let order: Vec<(&str, Status)> = events.iter().map(|e| (e.task.as_str(), e.status)).collect();
    assert_eq!(
        order,
        [
            ("a_reader", Status::Running),
            ("a_reader", Status::Timeout),
            ("b_writer", Status::Running),
            ("b_writer", Status::Timeout)
        ]
    );
    assert!(report.segments.iter().all(|s| s.phase == "sync"));
    assert_eq!(report.totals.async_total_accumulated_ms, 0);
}

#[tokio::test]
async fn shadow_runs_the_baseline_and_a_concurrent_run() {
    let fixture = Fixture::default();
    let tasks = [
        task("a", "echo a", ""),
        task("b", "exit 1", ""),
        task("c", "echo c", ""),
    ];
    let config = DispatchConfig {
        mode: Mode::Shadow,
        ..DispatchConfig::default()
    };
    let (report, events) = fixture.run(&manifest(&tasks), config).await;
    let shadow = report
        .shadow
        .as_ref()
        .expect("shadow mode reports the background run");
    let ended = |tasks: &[offload_engine::dispatch::TaskRecord]| {
        tasks.iter().map(|t| t.status).collect::<Vec<_>>()
    };
    assert_eq!(
        ended(&report.foreground.tasks),
        [Status::Done, Status::Fail, Status::Done]
    );
    assert_eq!(
        ended(&shadow.tasks),
        [Status::Done, Status::Fail, Status::Done]
    );
    for phase in ["sync", "async"] {
        assert_eq!(
            events
                .iter()
                .filter(|e| e.phase == phase && e.status == Status::Running)
                .count(),
            3
        );
        assert_eq!(
            report
                .segments
                .iter()
                .filter(|s| s.phase == phase && s.name.ends_with("_start"))
                .count(),
            3
        );
    }
    assert_eq!(report.totals.tasks_total, 3);
    assert_eq!(
        report.totals.async_total_accumulated_ms,
        shadow.accumulated_ms()
    );
}

#[tokio::test]
async fn a_forced_timeout_takes_the_timeout_path_on_every_attempt() {
    let fixture = Fixture::default();
    let tasks = [
        task("a", "true", "timeout = \"100ms\"\nretries = 1"),
        task("b", "true", ""),
    ];
    let config = DispatchConfig {
        force_timeout: Some("a".into()),
        ..DispatchConfig::default()
    };
    let (report, _) = fixture.run(&manifest(&tasks), config).await;
    let a = &report.foreground.tasks[0];
    assert_eq!((a.status, a.attempts), (Status::Timeout, 2));
    assert_eq!(report.foreground.tasks[1].status, Status::Done);
    let fail = report
        .segments
        .iter()
        .find(|s| s.name == "async_task_a_fail")
        .expect("a _fail segment");
    assert_eq!(fail.reason.as_deref(), Some("timeout"));
    assert_eq!(report.totals.tasks_timeout, 1);
}
