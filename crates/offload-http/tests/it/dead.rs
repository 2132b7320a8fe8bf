//! Dead letters: listing, retrying one or all, and purging.

use serde_json::json;

use crate::fixture::{Fixture, Setup};

async fn failed_job(fx: &Fixture) -> i64 {
    let id = fx
        .submit(json!({"command": ["sh", "-c", "exit 7"], "retries": 0}))
        .await;
    assert_eq!(fx.wait(id).await["state"], "failed");
    id
}

fn ids(page: &serde_json::Value) -> Vec<i64> {
    page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn failed_jobs_are_listed_retried_and_purged() {
    let fx = Fixture::start().await;
    let first = failed_job(&fx).await;
    let second = failed_job(&fx).await;
    let ok = fx.submit(json!({"command": ["true"]})).await;
    assert_eq!(fx.wait(ok).await["state"], "succeeded");

    let dead = fx.call("GET", "/v1/dead", None).await.json();
    assert_eq!(ids(&dead), vec![second, first]);

    let retried = fx
        .call("POST", &format!("/v1/dead/{first}/retry"), None)
        .await
        .json();
    assert_eq!(retried["retried"], 1);
    let rerun = fx.wait(first).await;
    assert_eq!(rerun["state"], "failed");
    assert_eq!(rerun["attempts"].as_array().unwrap().len(), 2, "{rerun}");

    let purged = fx.call("POST", "/v1/dead/purge", None).await.json();
    assert_eq!(purged["purged"], 2);
    assert_eq!(
        ids(&fx.call("GET", "/v1/dead", None).await.json()),
        Vec::<i64>::new()
    );
    assert_eq!(fx.job_count().await, 1, "only the succeeded job is left");
}

#[tokio::test]
async fn retry_all_requeues_every_failed_job() {
    let fx = Fixture::start().await;
    failed_job(&fx).await;
    failed_job(&fx).await;
    // Pause the queue so the retried jobs stay queued where they can be counted.
    fx.call("POST", "/v1/queues/default/pause", None).await;
    let retried = fx.call("POST", "/v1/dead/retry", None).await.json();
    assert_eq!(retried["retried"], 2);
    let queued = fx.call("GET", "/v1/jobs?state=queued", None).await.json();
    assert_eq!(ids(&queued).len(), 2);
}

#[tokio::test]
async fn retrying_a_job_that_is_not_failed_is_a_conflict() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    let reply = fx.call("POST", &format!("/v1/dead/{id}/retry"), None).await;
    reply.assert_error(409, "wrong_state", "queued");
}
