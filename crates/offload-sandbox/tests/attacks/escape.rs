//! Jobs that try to outlive their run, to reach another run, or to make cleanup act outside the
//! work directory.

use std::time::Duration;

use offload_sandbox::Termination;

use crate::support::{Fixture, marked, marker, sh, survivors, text};

#[tokio::test]
async fn background_escapes_leave_no_survivors_and_do_not_delay_the_result() {
    let fx = Fixture::new("escape");
    let mark = marker("escape");
    let script =
        "setsid sleep 1000 & (sleep 1000 &) ; sh -c 'sleep 1000 &' ; sleep 1000 >&1 & echo started";
    let mut spec = marked(sh(script), &mark);
    spec.timeout = Duration::from_secs(30);
    let result = fx.run(spec).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(text(&result.stdout), "started\n");
    assert_eq!(survivors(&mark), Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cannot_kill_or_read_a_concurrent_run() {
    let fx = Fixture::new("cross-run");
    let victim = sh("echo victim-secret > mine; sleep 2; cat mine; echo done");
    let attacker = sh(
        "for i in $(seq 1 50); do kill -9 -1 2>/dev/null; pkill -9 sleep 2>/dev/null; \
         cat ../*/mine 2>/dev/null; sleep 0.02; done; echo attacked",
    );
    let (victim, attacker) = tokio::join!(fx.run(victim), fx.run(attacker));
    assert_eq!(
        victim.termination,
        Termination::Exited(0),
        "{}",
        text(&victim.stderr)
    );
    assert_eq!(text(&victim.stdout), "victim-secret\ndone\n");
    assert!(
        !text(&attacker.stdout).contains("victim-secret"),
        "{}",
        text(&attacker.stdout)
    );
}

#[tokio::test]
async fn planted_symlinks_do_not_make_cleanup_touch_host_files() {
    let fx = Fixture::new("symlink");
    let target = fx.outside().join("precious");
    std::fs::write(&target, b"keep").unwrap();
    let script = format!(
        "ln -s {t} link; ln -s / root; mkdir d; ln -s {t} d/link; echo x > link 2>/dev/null; true",
        t = target.display()
    );
    let result = fx.run(sh(&script)).await;
    assert_eq!(
        result.termination,
        Termination::Exited(0),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    assert_eq!(
        std::fs::read_dir(fx.root.path().join("work"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("run-"))
            })
            .count(),
        0,
        "the work dir was removed"
    );
}
