//! What a job must not get: the worker's environment, another run's directory, privileges.

use offload_sandbox::{Limits, RunSpec, Sandbox, SandboxConfig, Termination, Tier};
use tokio_util::sync::CancellationToken;

use crate::support::{Fixture, SECRET_NAME, SECRET_VALUE, sh, text};

#[tokio::test]
async fn the_environment_is_scrubbed_to_the_allow_list_and_the_spec() {
    let fx = Fixture::new();
    assert_eq!(
        std::env::var(SECRET_NAME).as_deref(),
        Ok(SECRET_VALUE),
        "the secret is planted"
    );
    let mut spec = RunSpec {
        argv: vec!["env".into()],
        ..RunSpec::default()
    };
    spec.env = vec![("JOB_VAR".into(), "job-value".into())];
    let result = fx.run(spec).await;
    let env = text(&result.stdout);
    assert!(
        !env.contains(SECRET_NAME) && !env.contains(SECRET_VALUE),
        "leaked: {env}"
    );
    assert!(env.lines().any(|l| l == "JOB_VAR=job-value"), "{env}");
    assert!(env.lines().any(|l| l.starts_with("PATH=")), "{env}");
    let home = env
        .lines()
        .find_map(|l| l.strip_prefix("HOME="))
        .expect("HOME is set");
    assert!(home.starts_with(fx.work_root().to_str().unwrap()), "{home}");
    assert!(env.lines().any(|l| l == format!("TMPDIR={home}")), "{env}");
}

#[tokio::test]
async fn the_work_dir_is_private_and_removed_without_following_symlinks() {
    let fx = Fixture::new();
    let outside = fx.outside();
    std::fs::write(outside.join("keep"), b"precious").unwrap();
    let script = format!(
        "pwd; stat -c %a .; ln -s {} escape; mkdir sub; ln -s {} sub/escape2",
        outside.display(),
        outside.display()
    );
    let result = fx.run(sh(&script)).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    let stdout = text(&result.stdout);
    let mut lines = stdout.lines();
    let workdir = lines.next().expect("pwd printed");
    assert_eq!(lines.next(), Some("700"));
    assert!(workdir.starts_with(fx.work_root().to_str().unwrap()));
    assert!(
        !std::path::Path::new(workdir).exists(),
        "the work dir was removed"
    );
    assert_eq!(fx.leftovers(), 0);
    assert_eq!(std::fs::read(outside.join("keep")).unwrap(), b"precious");
}

#[tokio::test]
async fn each_run_gets_a_fresh_work_dir() {
    let fx = Fixture::new();
    let first = fx.run(sh("pwd; touch left-behind")).await;
    let second = fx.run(sh("pwd; ls")).await;
    let (first, second) = (text(&first.stdout), text(&second.stdout));
    let mut second_lines = second.lines();
    assert_ne!(Some(first.trim()), second_lines.next(), "a new directory");
    assert_eq!(
        second_lines.next(),
        None,
        "nothing from the first run is visible"
    );
}

#[tokio::test]
async fn no_new_privs_and_rlimits_are_in_force() {
    let fx = Fixture::new();
    let mut spec = sh("grep NoNewPrivs /proc/self/status; ulimit -n; ulimit -c");
    spec.limits = Limits {
        open_files: Some(64),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    assert_eq!(text(&result.stdout), "NoNewPrivs:\t1\n64\n0\n");
}

#[tokio::test]
async fn the_job_runs_in_its_own_session() {
    let fx = Fixture::new();
    let result = fx.run(sh("cut -d' ' -f6 /proc/self/stat")).await;
    let job_session: i32 = text(&result.stdout).trim().parse().expect("session id");
    // Read our own session the same way the job reads its own. `getsid`
    // cannot be used: under some container runtimes the test runs in a
    // session whose leader is outside its pid namespace, so the id reads as 0,
    // and rustix asserts that a pid is positive.
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    let our_session = stat_field(&stat, 6);
    assert_ne!(job_session, our_session);
    assert!(job_session > 0, "the job leads a session in our namespace");
}

/// Field `n` (counted from 1) of a `/proc/<pid>/stat` line, found after the parenthesised
/// command name, which may itself contain spaces.
fn stat_field(stat: &str, n: usize) -> i32 {
    let after_comm = &stat[stat.rfind(')').expect("comm") + 2..];
    after_comm
        .split(' ')
        .nth(n - 3)
        .expect("stat field")
        .parse()
        .expect("a number")
}

/// Jobs run as `SCHED_BATCH` at the configured nice value, so busy jobs yield to the worker's
/// event loop; the job cannot take the priority back.
#[tokio::test]
async fn jobs_run_as_batch_work_niced_and_cannot_renice_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: dir.path().join("work"),
        max_tier: Some(Tier::T0),
        job_nice: 10,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    // Fields 19 and 41 of /proc/<pid>/stat are the nice value and the policy (3 is SCHED_BATCH).
    let script = "cut -d' ' -f19,41 /proc/self/stat; renice -n 0 -p $$ >/dev/null 2>&1; \
                  cut -d' ' -f19,41 /proc/self/stat";
    let result = sandbox.run(sh(script), CancellationToken::new()).await;
    // A worker that is itself niced past 10 keeps its jobs at its own value.
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    let nice = stat_field(&stat, 19).max(10);
    assert_eq!(text(&result.stdout), format!("{nice} 3\n{nice} 3\n"));
}
