//! The report's pure parts: the terminal check, segment lines and sample statistics.

use offload_engine::dispatch::{
    DispatchError, Mode, SampleStats, Segment, Status, TaskRecord, check_terminal,
};

fn record(id: &str, status: Status) -> TaskRecord {
    TaskRecord {
        id: id.into(),
        status,
        attempts: 1,
        start_ms: Some(0),
        end_ms: None,
        error: None,
    }
}

#[test]
fn a_task_that_did_not_end_fails_the_run_loudly() {
    let ended = [
        record("a", Status::Done),
        record("b", Status::Fail),
        record("c", Status::Timeout),
        record("d", Status::Skipped),
    ];
    assert!(check_terminal(&ended).is_ok());
    let stuck = [
        record("a", Status::Done),
        record("b", Status::Running),
        record("c", Status::Pending),
    ];
    let err = check_terminal(&stuck).unwrap_err();
    assert!(matches!(err, DispatchError::Unterminated { .. }));
    assert_eq!(
        err.to_string(),
        "tasks did not reach a terminal status: b (running), c (pending)"
    );
}

#[test]
fn segment_lines_have_the_documented_format() {
    let segment = Segment {
        name: "async_task_a_fail".into(),
        ms: 12,
        phase: "async",
        sample: Mode::Shadow,
        reason: Some("timeout".into()),
    };
    assert_eq!(
        segment.to_string(),
        "SEGMENT name=async_task_a_fail ms=12 phase=async sample=shadow reason=timeout"
    );
}

#[test]
fn sample_statistics() {
    let stats = SampleStats::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
    assert_eq!((stats.count, stats.median, stats.mean), (4, 2.5, 2.5));
    assert!((stats.rsd - 1.25f64.sqrt() / 2.5).abs() < 1e-12);
    assert_eq!(SampleStats::of(&[5.0, 1.0, 9.0]).unwrap().median, 5.0);
    assert_eq!(SampleStats::of(&[]), None);
    assert_eq!(SampleStats::of(&[0.0, 0.0]).unwrap().rsd, 0.0);
}
