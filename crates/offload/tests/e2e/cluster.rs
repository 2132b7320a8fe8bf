//! Many servers and workers on one PostgreSQL database, as separate processes:
//! every job finishes exactly once, a killed worker's jobs run elsewhere, and a
//! killed leader's maintenance is taken over.

use std::collections::BTreeMap;
use std::time::Duration;

use offload_core::JobId;
use offload_http::client::Client;
use offload_http::wire::JobSpecBody;

use crate::cluster_support::*;
use crate::support::Server;

/// A job that appends `line` to `file` once it has done its (short) work.
fn marking_job(file: &std::path::Path, line: &str, work: &str) -> JobSpecBody {
    let script = format!("umask 000; sleep {work}; echo {line} >> {}", file.display());
    JobSpecBody {
        command: vec!["sh".into(), "-c".into(), script],
        retries: Some(5),
        backoff: Some(offload_http::wire::BackoffBody {
            base: Some(offload_http::wire::WireDuration(Duration::ZERO)),
            ..Default::default()
        }),
        ..JobSpecBody::default()
    }
}

fn client(server: &Server) -> Client {
    Client::new(&server.url, &server.token).unwrap()
}

/// Waits (long-polling, not sleeping) until every job is terminal; returns their states.
async fn finish_all(client: &Client, ids: &[i64]) -> BTreeMap<String, usize> {
    let mut states = BTreeMap::new();
    for id in ids {
        let job = loop {
            let job = client
                .wait(JobId(*id), Duration::from_secs(60))
                .await
                .unwrap();
            if job.state.is_terminal() {
                break job;
            }
        };
        *states.entry(crate::support::state_of(&job)).or_default() += 1;
    }
    states
}

/// A world-writable scratch dir: each run has its own uid.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let open = std::os::unix::fs::PermissionsExt::from_mode(0o777);
    std::fs::set_permissions(dir.path(), open).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_jobs_through_two_servers_and_three_workers_finish_exactly_once() {
    let Some(db) = Database::create() else { return };
    let dir = scratch();
    let s1 = server(&db, dir.path(), "s1");
    let s2 = server(&db, dir.path(), "s2");
    let _workers: Vec<_> = (0..3).map(|_| Worker::start(&db, dir.path(), 4)).collect();
    let marks = dir.path().join("marks");
    let mut ids = Vec::new();
    for (half, srv) in [(0, &s1), (1, &s2)] {
        for chunk in 0..5 {
            let jobs = (0..500)
                .map(|i| marking_job(&marks, &format!("{half}-{chunk}-{i}"), "0"))
                .collect();
            let answer = client(srv).submit_batch(jobs).await.unwrap();
            ids.extend(answer.jobs.iter().map(|j| j.id));
        }
    }
    let states = finish_all(&client(&s1), &ids).await;
    assert_eq!(states.get("succeeded"), Some(&5000), "{states:?}");
    let lines = std::fs::read_to_string(&marks).unwrap();
    let mut counted: BTreeMap<&str, usize> = BTreeMap::new();
    lines
        .lines()
        .for_each(|l| *counted.entry(l).or_default() += 1);
    assert_eq!(counted.len(), 5000, "every job left its mark");
    let twice: Vec<_> = counted.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "jobs ran more than once: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_s_jobs_run_elsewhere_within_the_lease() {
    let Some(db) = Database::create() else { return };
    let dir = scratch();
    let s1 = server(&db, dir.path(), "s1");
    let mut doomed = Worker::start(&db, dir.path(), 4);
    let marks = dir.path().join("marks");
    let jobs = (0..8)
        .map(|i| marking_job(&marks, &i.to_string(), "1"))
        .collect();
    let ids: Vec<i64> = client(&s1)
        .submit_batch(jobs)
        .await
        .unwrap()
        .jobs
        .iter()
        .map(|j| j.id)
        .collect();
    // Wait until the doomed worker holds jobs, then kill it without warning.
    let first = client(&s1);
    loop {
        let job = first.get(JobId(ids[0])).await.unwrap();
        if crate::support::state_of(&job) == "running" {
            break;
        }
        first
            .wait(JobId(ids[0]), Duration::from_millis(200))
            .await
            .unwrap();
    }
    doomed.kill_9();
    let _rescuer = Worker::start(&db, dir.path(), 4);
    let states = finish_all(&client(&s1), &ids).await;
    assert_eq!(states.get("succeeded"), Some(&8), "{states:?}");
    let lines = std::fs::read_to_string(&marks).unwrap();
    for i in 0..8 {
        assert!(
            lines.lines().any(|l| l == i.to_string()),
            "job {i} never finished: {lines:?}"
        );
    }
    let rescued = client(&s1).get(JobId(ids[0])).await.unwrap();
    let kinds: Vec<_> = rescued
        .attempts
        .iter()
        .filter_map(|a| a.outcome.as_ref())
        .map(|o| o.kind.clone())
        .collect();
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("worker_lost"),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leader_dies_another_node_takes_over_maintenance() {
    let Some(db) = Database::create() else { return };
    let dir = scratch();
    // The first node is alone, so it wins the election; then it is killed.
    let mut leader = server(&db, dir.path(), "s1");
    let follower = server(&db, dir.path(), "s2");
    let c = client(&follower);
    let warmup = c
        .submit(&marking_job(&dir.path().join("w"), "w", "0"))
        .await
        .unwrap();
    leader.signal(nix::sys::signal::Signal::SIGKILL);
    leader.child.wait().unwrap();
    let _worker = Worker::start(&db, dir.path(), 2);
    // A delayed job runs only if some node's scheduler (a leader's) promotes it.
    let mut delayed = marking_job(&dir.path().join("d"), "d", "0");
    delayed.delay = Some(offload_http::wire::WireDuration(Duration::from_secs(1)));
    let id = c.submit(&delayed).await.unwrap().id;
    let states = finish_all(&c, &[warmup.id, id]).await;
    assert_eq!(states.get("succeeded"), Some(&2), "{states:?}");
}
