//! What a job gets in and what comes back out: exit codes, signals, both streams, stdin, files.

use std::path::PathBuf;

use offload_sandbox::{RunSpec, Sandbox, SandboxConfig, Termination, Tier};
use tokio_util::sync::CancellationToken;

use crate::support::{Fixture, sh, text};

#[tokio::test]
async fn exit_codes_are_reported() {
    let fx = Fixture::new();
    assert_eq!(
        fx.run(sh("exit 0")).await.termination,
        Termination::Exited(0)
    );
    assert_eq!(
        fx.run(sh("exit 7")).await.termination,
        Termination::Exited(7)
    );
}

#[tokio::test]
async fn death_by_signal_is_reported_with_the_signal() {
    let fx = Fixture::new();
    let result = fx.run(sh("kill -USR2 $$")).await;
    assert_eq!(result.termination, Termination::Signaled(libc::SIGUSR2));
    assert_eq!(result.tier, Tier::T0);
}

#[tokio::test]
async fn stdout_and_stderr_are_captured_separately() {
    let fx = Fixture::new();
    let result = fx.run(sh("echo to-out; echo to-err >&2")).await;
    assert_eq!(text(&result.stdout), "to-out\n");
    assert_eq!(text(&result.stderr), "to-err\n");
    assert!(!result.stdout_truncated && !result.stderr_truncated);
}

#[tokio::test]
async fn stdin_is_fed_from_the_spec() {
    let fx = Fixture::new();
    let spec = RunSpec {
        argv: vec!["cat".into()],
        stdin: Some(b"hello sandbox\n".to_vec()),
        ..RunSpec::default()
    };
    let result = fx.run(spec).await;
    assert_eq!(text(&result.stdout), "hello sandbox\n");
}

#[tokio::test]
async fn large_stdin_is_written_while_output_is_read() {
    let fx = Fixture::new();
    let input = vec![b'x'; 1 << 20];
    let spec = RunSpec {
        argv: vec!["cat".into()],
        stdin: Some(input.clone()),
        output_limit: 2 << 20,
        ..RunSpec::default()
    };
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert_eq!(result.stdout, input);
}

#[tokio::test]
async fn without_stdin_the_job_reads_end_of_file() {
    let fx = Fixture::new();
    let result = fx
        .run(RunSpec {
            argv: vec!["cat".into()],
            ..RunSpec::default()
        })
        .await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert!(result.stdout.is_empty());
}

#[tokio::test]
async fn files_are_written_into_the_work_dir_before_start() {
    let fx = Fixture::new();
    let mut spec = sh("cat greeting.txt; cat data.bin | wc -c");
    spec.files = vec![
        ("greeting.txt".into(), b"hi from a file\n".to_vec()),
        ("data.bin".into(), vec![0; 1000]),
    ];
    let result = fx.run(spec).await;
    assert_eq!(text(&result.stdout), "hi from a file\n1000\n");
}

#[tokio::test]
async fn usage_is_measured_for_the_tree() {
    let fx = Fixture::new();
    let result = fx
        .run(sh("head -c 20000000 /dev/zero | md5sum >/dev/null"))
        .await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert!(
        result.cpu > std::time::Duration::ZERO,
        "cpu {:?}",
        result.cpu
    );
    assert!(result.peak_memory.is_some_and(|peak| peak > 0));
}

/// A relative work root, like the server's default `--data offload-data`, works at the host's
/// best tier: T1 bind-mounts the work dir, which needs an absolute path.
#[tokio::test]
async fn a_relative_work_root_works_at_the_best_tier() {
    // A scratch dir under the current directory, named relative to it, as a user would.
    let dir = tempfile::tempdir_in(".").expect("temp dir");
    let cwd = std::env::current_dir().expect("cwd");
    let relative = PathBuf::from(dir.path().strip_prefix(&cwd).unwrap_or(dir.path()));
    assert!(relative.is_relative(), "{relative:?}");
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: relative.join("work"),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let result = sandbox.run(sh("echo ok"), CancellationToken::new()).await;
    assert_eq!(result.termination, Termination::Exited(0), "{result:?}");
    assert_eq!(text(&result.stdout), "ok\n");
}
