//! Ending a run from outside: timeouts, the hard kill, cancellation, the output cap, and making
//! sure that nothing the job started outlives the run.

use std::sync::Arc;
use std::time::Duration;

use offload_sandbox::{OutputSink, Stream, Termination};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio_util::sync::CancellationToken;

use crate::support::{Fixture, marked, marker, sh, survivors, text};

#[tokio::test]
async fn a_sleeper_is_timed_out() {
    let fx = Fixture::new();
    let mut spec = sh("sleep 1000");
    spec.timeout = Duration::from_millis(200);
    assert_eq!(fx.run(spec).await.termination, Termination::TimedOut);
}

#[tokio::test]
async fn a_job_that_survives_sigterm_is_killed_after_the_grace() {
    let fx = Fixture::new();
    let token = marker();
    // The trap proves SIGTERM arrived first; the loop keeps the shell alive past it, so only the
    // hard kill can end the run.
    let mut spec = marked(
        sh("trap 'echo got-term' TERM; while true; do sleep 1000; done"),
        &token,
    );
    spec.timeout = Duration::from_millis(200);
    spec.kill_after = Duration::from_millis(300);
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::TimedOut);
    assert!(
        text(&result.stdout).contains("got-term"),
        "{:?}",
        text(&result.stdout)
    );
    assert_eq!(survivors(&token), Vec::<i32>::new());
}

/// A script that starts two escapees, each holding stdout open, and only goes on once each has
/// really escaped: one called `setsid` and left the process group, one was orphaned by a double
/// fork. Each reports through a fifo, so the job itself waits for them and no test sleeps.
const ESCAPEES: &str = "mkfifo a b; \
    setsid sh -c 'echo > a; exec sleep 1000' & read _ < a; \
    (sh -c 'echo > b; exec sleep 1000' &); read _ < b";

#[tokio::test]
async fn escaped_descendants_do_not_delay_the_result_or_survive_it() {
    let fx = Fixture::new();
    let token = marker();
    // The run must end when the shell exits, not when the escapees close stdout.
    let spec = marked(sh(&format!("{ESCAPEES}; echo started")), &token);
    let result = fx.run(spec).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(text(&result.stdout), "started\n");
    assert_eq!(survivors(&token), Vec::<i32>::new());
}

#[tokio::test]
async fn a_timed_out_tree_is_killed_whole() {
    let fx = Fixture::new();
    let token = marker();
    let mut spec = marked(
        sh(&format!(
            "{ESCAPEES}; setsid sh -c 'trap \"\" TERM; sleep 1000' & sleep 1000"
        )),
        &token,
    );
    spec.timeout = Duration::from_millis(300);
    spec.kill_after = Duration::from_millis(200);
    assert_eq!(fx.run(spec).await.termination, Termination::TimedOut);
    assert_eq!(survivors(&token), Vec::<i32>::new());
}

/// Cancels a token when the job first writes to stdout, i.e. once the job is surely running.
struct CancelOnOutput(CancellationToken);

impl OutputSink for CancelOnOutput {
    fn chunk(&self, _stream: Stream, _data: &[u8]) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn cancellation_kills_the_tree() {
    let fx = Fixture::new();
    let token = marker();
    let cancel = CancellationToken::new();
    let mut spec = marked(sh("sleep 1000 & echo ready; sleep 1000"), &token);
    spec.output = Some(Arc::new(CancelOnOutput(cancel.clone())));
    let result = fx.run_with(spec, cancel).await;
    assert_eq!(result.termination, Termination::Cancelled);
    assert_eq!(text(&result.stdout), "ready\n");
    assert_eq!(survivors(&token), Vec::<i32>::new());
}

#[tokio::test]
async fn an_already_cancelled_run_does_not_start() {
    let fx = Fixture::new();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let result = fx.run_with(sh("echo should-not-run"), cancel).await;
    assert_eq!(result.termination, Termination::Cancelled);
    assert!(result.stdout.is_empty());
}

#[tokio::test]
async fn endless_output_is_capped_and_kills_the_job() {
    let fx = Fixture::new();
    let mut spec = sh("yes");
    spec.output_limit = 64 * 1024;
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::OutputLimit);
    assert!(result.stdout_truncated);
    assert_eq!(result.stdout.len(), 64 * 1024);
    assert!(result.stdout.chunks(2).all(|pair| pair == b"y\n"));
    assert!(!result.stderr_truncated);
}

#[tokio::test]
async fn output_exactly_at_the_limit_is_not_truncated() {
    let fx = Fixture::new();
    let mut spec = sh("head -c 1000 /dev/zero");
    spec.output_limit = 1000;
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert_eq!(
        (result.stdout.len(), result.stdout_truncated),
        (1000, false)
    );
}

/// Records every chunk the sink is given.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<(Stream, Vec<u8>)>>);

impl OutputSink for Recorder {
    fn chunk(&self, stream: Stream, data: &[u8]) {
        self.0.lock().unwrap().push((stream, data.to_vec()));
    }
}

#[tokio::test]
async fn the_live_sink_sees_exactly_the_kept_bytes() {
    let fx = Fixture::new();
    let recorder = Arc::new(Recorder::default());
    let mut spec = sh("yes");
    spec.output_limit = 10_000;
    spec.output = Some(recorder.clone());
    let result = fx.run(spec).await;
    let streamed: Vec<u8> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .flat_map(|(_, d)| d.clone())
        .collect();
    assert_eq!(streamed, result.stdout);
}

/// Forwards every chunk of output to a channel.
struct Forward(tokio::sync::mpsc::UnboundedSender<Vec<u8>>);

impl OutputSink for Forward {
    fn chunk(&self, _stream: Stream, data: &[u8]) {
        let _ = self.0.send(data.to_vec());
    }
}

#[tokio::test]
async fn abandoning_a_run_kills_its_job() {
    let fx = Fixture::new();
    let (sender, mut chunks) = tokio::sync::mpsc::unbounded_channel();
    let mut spec = sh("echo $$; exec sleep 1000");
    spec.output = Some(Arc::new(Forward(sender)));
    let mut run = Box::pin(fx.sandbox.run(spec, CancellationToken::new()));
    let first = tokio::select! {
        result = &mut run => panic!("the job ended by itself: {result:?}"),
        chunk = chunks.recv() => chunk.expect("the job printed its pid"),
    };
    let pid: i32 = text(&first).trim().parse().expect("a pid");
    // The pidfd is opened while the run still owns the job, so it refers to the job's process.
    let pid = rustix::process::Pid::from_raw(pid).expect("positive pid");
    let pidfd =
        rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).expect("pidfd");
    drop(run);
    // SAFETY: the AsyncFd owns the pidfd, which stays open and unchanged for the AsyncFd's life.
    let exited =
        unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }.expect("register");
    let readable = tokio::time::timeout(Duration::from_secs(60), exited.readable()).await;
    drop(
        readable
            .expect("the job was killed")
            .expect("pidfd readiness"),
    );
}
