//! `kill -9` of the server with jobs queued and running: after a restart every
//! acknowledged job reaches a terminal state, and none runs twice to success.

use nix::sys::signal::Signal;

use crate::support::*;

#[test]
fn kill_9_loses_no_acknowledged_job_and_runs_none_twice_to_success() {
    let marks = tempfile::tempdir().unwrap();
    // Each run has its own unprivileged uid, so the jobs need a world-writable dir.
    let open = std::os::unix::fs::PermissionsExt::from_mode(0o777);
    std::fs::set_permissions(marks.path(), open).unwrap();
    // The jobs count themselves in host files, which T1's read-only root hides by
    // design, so this server is held to T0.
    let mut server = Server::start_with(4, &["--max-tier", "t0"]);
    let n_jobs = 24;
    // Held until every job is acknowledged, so the kill below lands with jobs
    // running and queued, never after some have quietly finished.
    server.ok(&["queue", "pause", "default"]);
    let mut ids = Vec::new();
    for k in 0..n_jobs {
        let file = marks.path().join(format!("job-{k}"));
        // Each job records its start, works a little, then records its success. A
        // retry runs as another uid, so the file must stay writable for it.
        let script = format!(
            "umask 000; echo start >> {0}; sleep 2; echo done >> {0}",
            file.display()
        );
        ids.push(
            server
                .ok(&["submit", "--retries", "3", "--", "sh", "-c", &script])
                .trim()
                .to_owned(),
        );
    }
    // Kill as soon as the first jobs start: they are running for two seconds more,
    // and the rest are queued.
    server.ok(&["queue", "resume", "default"]);
    wait_for_any_start(marks.path());
    server.signal(Signal::SIGKILL);
    server.child.wait().unwrap();
    let data = server.data.clone();
    let restarted = Server::start_on_with(&data, 4, &["--max-tier", "t0"]);
    for id in &ids {
        let out = restarted.ok(&["wait", id, "--timeout", "120s", "--json"]);
        assert_eq!(job_json(&out)["state"], "succeeded", "job {id}: {out}");
    }
    for k in 0..n_jobs {
        let log = std::fs::read_to_string(marks.path().join(format!("job-{k}"))).unwrap();
        assert_eq!(
            log.matches("done").count(),
            1,
            "job {k} succeeded more or less than once: {log:?}"
        );
    }
    drop(server);
}

/// Blocks until a marker file exists, by watching the directory with inotify.
fn wait_for_any_start(dir: &std::path::Path) {
    use std::os::fd::AsFd;

    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
    let inotify = Inotify::init(InitFlags::empty()).unwrap();
    inotify
        .add_watch(dir, AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MODIFY)
        .unwrap();
    if std::fs::read_dir(dir).unwrap().next().is_some() {
        return;
    }
    // Bounded, so a job that never starts fails the test instead of hanging it.
    let mut fds = [PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
    let ready = poll(&mut fds, PollTimeout::from(60_000u16)).unwrap();
    assert_eq!(ready, 1, "no job started within a minute");
}
