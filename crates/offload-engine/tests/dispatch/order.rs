//! Dependencies, priorities, concurrency classes, retries and feature flags.

use offload_engine::dispatch::{DispatchConfig, Mode, Status};

use crate::{Fixture, manifest, position, task};

#[tokio::test]
async fn dependencies_finish_before_their_dependents_start() {
    let fixture = Fixture::default();
    let log = fixture.path("log");
    let tasks = [
        task(
            "a_last",
            &format!("echo a >> {log}"),
            "depends_on = [\"b_middle\"]",
        ),
        task(
            "b_middle",
            &format!("echo b >> {log}"),
            "depends_on = [\"c_first\"]",
        ),
        task("c_first", &format!("echo c >> {log}"), ""),
    ];
    let (report, events) = fixture
        .run(&manifest(&tasks), DispatchConfig::default())
        .await;
    assert!(report.succeeded(), "{report:?}");
    assert!(
        position(&events, "c_first", Status::Done) < position(&events, "b_middle", Status::Running)
    );
    assert!(
        position(&events, "b_middle", Status::Done) < position(&events, "a_last", Status::Running)
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "c\nb\na\n");
}

#[tokio::test]
async fn a_failed_dependency_skips_its_dependents() {
    let fixture = Fixture::default();
    let tasks = [
        task("a", "exit 3", ""),
        task("b", "true", "depends_on = [\"a\"]"),
        task("c", "true", "depends_on = [\"b\"]"),
    ];
    let (report, _) = fixture
        .run(&manifest(&tasks), DispatchConfig::default())
        .await;
    let statuses: Vec<_> = report
        .foreground
        .tasks
        .iter()
        .map(|t| (t.status, t.error.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (Status::Fail, Some("exited with code 3".into())),
            (Status::Skipped, Some("dependency a ended fail".into())),
            (Status::Skipped, Some("dependency b ended skipped".into())),
        ]
    );
    assert!(!report.succeeded());
}

#[tokio::test]
async fn critical_tasks_start_first() {
    let fixture = Fixture::default();
    let tasks = [
        task("a_cosmetic", "true", "priority = \"cosmetic\""),
        task("b_normal", "true", ""),
        task("c_critical", "true", "priority = \"critical\""),
        task("d_ranked", "true", "priority = 500"),
    ];
    let config = DispatchConfig {
        max_concurrency: 1,
        ..DispatchConfig::default()
    };
    let (_, events) = fixture.run(&manifest(&tasks), config).await;
    let started: Vec<&str> = events
        .iter()
        .filter(|e| e.status == Status::Running)
        .map(|e| e.task.as_str())
        .collect();
    assert_eq!(
        started,
        ["d_ranked", "c_critical", "b_normal", "a_cosmetic"]
    );
}

#[tokio::test]
async fn a_concurrency_class_runs_one_at_a_time() {
    let fixture = Fixture::default();
    let lock = fixture.path("lock");
    // mkdir fails if the directory exists, so an overlap would also fail a task.
    let script = format!("mkdir {lock} && echo busy > /dev/null && rmdir {lock}");
    let tasks: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|id| task(id, &script, "concurrency_class = \"solo\""))
        .collect();
    let (report, events) = fixture
        .run(&manifest(&tasks), DispatchConfig::default())
        .await;
    assert!(report.succeeded(), "{report:?}");
    let mut running = 0;
    for event in &events {
        match event.status {
            Status::Running => running += 1,
            _ => running -= 1,
        }
        assert!(
            running <= 1,
            "two tasks of a max = 1 class ran at once: {events:?}"
        );
    }
}

#[tokio::test]
async fn retries_run_again_until_success() {
    let fixture = Fixture::default();
    let marker = fixture.path("marker");
    let flaky = format!("if [ -e {marker} ]; then exit 0; else touch {marker}; exit 1; fi");
    let tasks = [
        task("always_fails", "exit 1", "retries = 2"),
        task("flaky", &flaky, "retries = 1"),
    ];
    let (report, _) = fixture
        .run(&manifest(&tasks), DispatchConfig::default())
        .await;
    let outcome: Vec<_> = report
        .foreground
        .tasks
        .iter()
        .map(|t| (t.status, t.attempts))
        .collect();
    assert_eq!(outcome, [(Status::Fail, 3), (Status::Done, 2)]);
}

#[tokio::test]
async fn feature_flags_gate_tasks() {
    let fixture = Fixture::default();
    let tasks = [
        task("a", "true", "feature_flag = \"FLAG_A\""),
        task("b", "true", "feature_flag = \"FLAG_B\""),
        task("c", "true", "feature_flag = \"FLAG_C\""),
        task("d", "true", "depends_on = [\"c\"]"),
    ];
    let mut config = DispatchConfig {
        mode: Mode::Off,
        ..DispatchConfig::default()
    };
    config.flags.insert("FLAG_A".into(), "1".into());
    config.flags.insert("FLAG_B".into(), "TRUE".into());
    config.flags.insert("FLAG_C".into(), "yes".into());
    let (report, _) = fixture.run(&manifest(&tasks), config).await;
    let statuses: Vec<_> = report
        .foreground
        .tasks
        .iter()
        .map(|t| (t.status, t.error.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (Status::Done, None),
            (Status::Done, None),
            (
                Status::Skipped,
                Some("feature flag FLAG_C is not 1 or true".into())
            ),
            (Status::Skipped, Some("dependency c ended skipped".into())),
        ]
    );
    assert_eq!(
        (report.totals.tasks_done, report.totals.tasks_skipped),
        (2, 2)
    );
    assert!(report.succeeded());
}

#[tokio::test]
async fn a_required_parameter_is_an_error_for_run() {
    let fixture = Fixture::default();
    let source = "version = 1\n[[task]]\nid = \"s\"\ndescription = \"d\"\ncommand = [\"/bin/cat\", \"{file}\"]\nparams = [{ name = \"file\", type = \"path\", required = true }]\n";
    let manifest = offload_core::manifest::Manifest::parse(source).unwrap();
    let err =
        offload_engine::dispatch::dispatch(&fixture.sandbox, &manifest, &DispatchConfig::default())
            .await
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "task \"s\" cannot run without parameters: task \"s\" needs parameter \"file\""
    );
}
