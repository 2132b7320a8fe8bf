//! Exit records: init notes a job's own exit so a worker that dies before saving the result can
//! learn it on restart, and notes nothing when the job was stopped or its worker went away.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use offload_sandbox::{OutputSink, RunSpec, Stream, Termination, read_exit_record};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio_util::sync::CancellationToken;

use crate::support::{Fixture, sh, text};

fn recorded(fx: &Fixture, mut spec: RunSpec) -> (RunSpec, PathBuf) {
    let path = fx.outside().join(format!("exit-{}", rand_suffix()));
    spec.exit_record = Some(path.clone());
    (spec, path)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn a_job_that_exits_on_its_own_leaves_its_code() {
    let fx = Fixture::new();
    for code in [0, 3, 255] {
        let (spec, path) = recorded(&fx, sh(&format!("exit {code}")));
        let result = fx.run(spec).await;
        assert_eq!(result.termination, Termination::Exited(code));
        assert_eq!(read_exit_record(&path), Some(code));
    }
}

#[tokio::test]
async fn a_timed_out_job_leaves_no_code() {
    let fx = Fixture::new();
    // The trap makes the job exit 0 after SIGTERM: its exit is still not its own.
    let (mut spec, path) = recorded(&fx, sh("trap 'exit 0' TERM; sleep 1000 & wait"));
    spec.timeout = Duration::from_millis(200);
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::TimedOut);
    assert!(path.exists(), "the record is made before the job starts");
    assert_eq!(read_exit_record(&path), None);
}

#[tokio::test]
async fn a_cancelled_job_leaves_no_code() {
    let fx = Fixture::new();
    let cancel = CancellationToken::new();
    let (mut spec, path) = recorded(&fx, sh("trap 'exit 0' TERM; echo ready; sleep 1000 & wait"));
    spec.output = Some(Arc::new(CancelOnOutput(cancel.clone())));
    let result = fx.run_with(spec, cancel).await;
    assert_eq!(result.termination, Termination::Cancelled);
    assert_eq!(read_exit_record(&path), None);
}

#[tokio::test]
async fn a_job_whose_worker_went_away_leaves_no_code() {
    let fx = Fixture::new();
    let (sender, mut chunks) = tokio::sync::mpsc::unbounded_channel();
    // The job prints its parent, which is the run's init; the test then watches init, which
    // writes any record before it exits.
    let (mut spec, path) = recorded(&fx, sh("echo $PPID; exec sleep 1000"));
    spec.output = Some(Arc::new(Forward(sender)));
    let mut run = Box::pin(fx.sandbox.run(spec, CancellationToken::new()));
    let first = tokio::select! {
        result = &mut run => panic!("the job ended by itself: {result:?}"),
        chunk = chunks.recv() => chunk.expect("the job printed init's pid"),
    };
    let init = rustix::process::Pid::from_raw(text(&first).trim().parse().expect("a pid"))
        .expect("positive pid");
    // Opened while the run still owns init, which stays unreaped until the run lets it go.
    let pidfd =
        rustix::process::pidfd_open(init, rustix::process::PidfdFlags::empty()).expect("pidfd");
    drop(run);
    // SAFETY: the AsyncFd owns the pidfd, which stays open and unchanged for the AsyncFd's life.
    let exited =
        unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }.expect("register");
    let readable = tokio::time::timeout(Duration::from_secs(60), exited.readable()).await;
    drop(readable.expect("init exited").expect("pidfd readiness"));
    assert!(path.exists(), "the record is made before the job starts");
    assert_eq!(read_exit_record(&path), None);
}

struct CancelOnOutput(CancellationToken);

impl OutputSink for CancelOnOutput {
    fn chunk(&self, _stream: Stream, _data: &[u8]) {
        self.0.cancel();
    }
}

struct Forward(tokio::sync::mpsc::UnboundedSender<Vec<u8>>);

impl OutputSink for Forward {
    fn chunk(&self, _stream: Stream, data: &[u8]) {
        let _ = self.0.send(data.to_vec());
    }
}
