//! Resource limits: each one is hit by a real job and reported as its own termination.

use std::time::Duration;

use offload_sandbox::{Limits, RunSpec, Termination};

use crate::support::{Fixture, marked, marker, sh, survivors, text};

#[tokio::test]
async fn a_cpu_spinner_hits_the_cpu_limit() {
    let fx = Fixture::new();
    let mut spec = sh("while :; do :; done");
    spec.limits = Limits {
        cpu: Some(Duration::from_secs(1)),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::CpuLimit);
    // The spinning shell's CPU time reached us through init's rusage. Its exact value is tick-based
    // accounting and is not compared with the limit.
    assert!(result.cpu > Duration::ZERO, "cpu {:?}", result.cpu);
}

#[tokio::test]
async fn a_memory_hog_is_stopped_by_the_memory_limit() {
    let fx = Fixture::new();
    let mut spec = RunSpec {
        argv: vec![
            "/usr/bin/python3".into(),
            "-c".into(),
            "b = bytearray(2 * 1024**3)".into(),
        ],
        ..RunSpec::default()
    };
    spec.limits = Limits {
        memory: Some(256 << 20),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    match result.termination {
        Termination::MemoryLimit => {}
        Termination::Exited(code) if code != 0 => {
            assert!(text(&result.stderr).contains("MemoryError"))
        }
        other => panic!(
            "expected a memory failure, got {other:?}: {}",
            text(&result.stderr)
        ),
    }
    assert!(
        result.peak_memory.is_some_and(|peak| peak < 256 << 20),
        "{:?}",
        result.peak_memory
    );
}

#[tokio::test]
async fn a_file_too_big_hits_the_file_size_limit() {
    let fx = Fixture::new();
    let mut spec = sh("head -c 10M /dev/zero > f");
    spec.limits = Limits {
        file_size: Some(1 << 20),
        ..Limits::default()
    };
    assert_eq!(fx.run(spec).await.termination, Termination::FileSizeLimit);
}

#[tokio::test]
async fn a_fork_bomb_is_contained_and_leaves_no_survivors() {
    let fx = Fixture::new();
    let token = marker();
    // RLIMIT_NPROC is ignored for root and counted per uid, so the bomb runs as nobody, the way a
    // per-slot uid will run jobs; the wall timeout and the tree kill end it.
    let bomb = "exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'bomb() { bomb | bomb & }; bomb; wait'";
    let mut spec = marked(sh(bomb), &token);
    spec.limits = Limits {
        processes: Some(32),
        ..Limits::default()
    };
    spec.timeout = Duration::from_secs(1);
    spec.kill_after = Duration::from_millis(200);
    let result = fx.run(spec).await;
    assert!(
        matches!(
            result.termination,
            Termination::TimedOut | Termination::Exited(_)
        ),
        "{:?}: {}",
        result.termination,
        text(&result.stderr)
    );
    assert_eq!(survivors(&token), Vec::<i32>::new());
}
