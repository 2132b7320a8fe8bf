//! The progress descriptor at T0: a job finds it through its environment, its lines come back
//! parsed and counted, and a job that ignores, closes or floods it ends like any other.

use std::sync::{Arc, Mutex};

use offload_sandbox::{OutputSink, Progress, ProgressCounts, Stream, Termination};

use crate::support::{Fixture, sh, text};

/// Keeps every progress update the sandbox passes on.
#[derive(Default)]
pub struct ProgressLog(Mutex<Vec<Progress>>);

impl ProgressLog {
    fn seen(&self) -> Vec<(String, Option<String>)> {
        let updates = self.0.lock().unwrap();
        updates
            .iter()
            .map(|p| (p.percent.to_string(), p.message.clone()))
            .collect()
    }
}

impl OutputSink for ProgressLog {
    fn chunk(&self, _stream: Stream, _data: &[u8]) {}
    fn progress(&self, progress: &Progress) {
        self.0.lock().unwrap().push(progress.clone());
    }
}

fn counts(updates: u64, malformed: u64, dropped: u64) -> ProgressCounts {
    ProgressCounts {
        updates,
        malformed,
        dropped,
    }
}

#[tokio::test]
async fn a_job_reports_progress_on_the_descriptor_named_in_its_environment() {
    let fx = Fixture::new();
    let log = Arc::new(ProgressLog::default());
    let mut spec = sh(r#"echo "::progress 40 half" >&"$OFFLOAD_PROGRESS_FD"
        echo garbage >&3
        printf '::progress 62.5\n\n::progress 100 done' >&3
        echo "fd=$OFFLOAD_PROGRESS_FD""#);
    spec.env.push(("OFFLOAD_PROGRESS_FD".into(), "9".into()));
    spec.output = Some(log.clone());
    let result = fx.run(spec).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(
        text(&result.stdout),
        "fd=3\n",
        "the sandbox's value wins over the spec's"
    );
    assert_eq!(result.progress, counts(3, 1, 0));
    let want = [("40", Some("half")), ("62.5", None), ("100", Some("done"))]
        .map(|(p, m)| (p.to_owned(), m.map(str::to_owned)));
    assert_eq!(log.seen(), want);
}

#[tokio::test]
async fn a_job_that_never_writes_or_closes_the_descriptor_ends_normally() {
    let fx = Fixture::new();
    for script in [
        "echo quiet",
        "exec 3>&-; echo closed",
        "exec 3>&- ; sleep 0; exit 4",
    ] {
        let result = fx.run(sh(script)).await;
        assert!(
            matches!(result.termination, Termination::Exited(0 | 4)),
            "{script}: {:?}",
            result.termination
        );
        assert_eq!(result.progress, ProgressCounts::default(), "{script}");
    }
    assert_eq!(fx.leftovers(), 0);
}

#[tokio::test]
async fn a_flood_of_updates_is_counted_and_only_the_latest_is_kept() {
    let fx = Fixture::new();
    let log = Arc::new(ProgressLog::default());
    let mut spec = sh(r#"i=0
        while [ $i -lt 5000 ]; do echo "::progress $((i % 100)) step $i"; i=$((i + 1)); done >&3
        echo "::progress 100 finished" >&3"#);
    spec.output = Some(log.clone());
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::Exited(0));
    let seen = log.seen();
    assert_eq!(result.progress.updates, 5001);
    assert_eq!(result.progress.malformed, 0);
    assert_eq!(seen.len() as u64 + result.progress.dropped, 5001);
    assert!(
        result.progress.dropped > 0,
        "the rate cap coalesced the flood"
    );
    assert_eq!(
        seen.last(),
        Some(&("100".to_owned(), Some("finished".to_owned())))
    );
}

#[tokio::test]
async fn a_flood_of_bytes_is_one_malformed_line_and_the_job_still_finishes() {
    let fx = Fixture::new();
    let log = Arc::new(ProgressLog::default());
    // Two MiB without a newline: past the line limit and past the byte burst, so the job is
    // slowed by its full pipe, but not stopped.
    let mut spec = sh(r#"head -c 2097152 /dev/zero | tr '\0' x >&3
        echo >&3
        echo "::progress 7 after" >&3
        echo done"#);
    spec.output = Some(log.clone());
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert_eq!(text(&result.stdout), "done\n");
    assert_eq!(result.progress, counts(1, 1, 0));
    assert_eq!(log.seen(), [("7".to_owned(), Some("after".to_owned()))]);
}
