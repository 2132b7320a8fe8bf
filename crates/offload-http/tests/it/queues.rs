//! Queues: counts, pause and resume, concurrency limits.

use serde_json::json;

use crate::fixture::{Fixture, Setup};

fn queue<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("no queue {name} in {list}"))
}

#[tokio::test]
async fn queues_show_counts_and_can_be_paused_and_resumed() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    fx.submit(json!({"command": ["true"], "queue": "q"})).await;
    fx.submit(json!({"command": ["true"], "queue": "q"})).await;
    let list = fx.call("GET", "/v1/queues", None).await.json();
    assert_eq!(queue(&list, "q")["counts"]["queued"], 2);
    assert_eq!(queue(&list, "q")["paused"], false);

    let paused = fx.call("POST", "/v1/queues/q/pause", None).await.json();
    assert_eq!(paused["paused"], true);
    let list = fx.call("GET", "/v1/queues", None).await.json();
    assert_eq!(queue(&list, "q")["paused"], true);

    let resumed = fx.call("POST", "/v1/queues/q/resume", None).await.json();
    assert_eq!(resumed["paused"], false);
}

#[tokio::test]
async fn a_resumed_queue_runs_its_jobs() {
    let fx = Fixture::start().await;
    fx.call("POST", "/v1/queues/p/pause", None).await;
    let id = fx.submit(json!({"command": ["true"], "queue": "p"})).await;
    fx.call("POST", "/v1/queues/p/resume", None).await;
    assert_eq!(fx.wait(id).await["state"], "succeeded");
}

#[tokio::test]
async fn concurrency_is_set_cleared_and_checked() {
    let fx = Fixture::start().await;
    let set = fx
        .call("PUT", "/v1/queues/q", Some(json!({"concurrency": 3})))
        .await
        .json();
    assert_eq!(set["concurrency"], 3);
    let cleared = fx
        .call("PUT", "/v1/queues/q", Some(json!({"concurrency": null})))
        .await
        .json();
    assert_eq!(cleared["concurrency"], serde_json::Value::Null);

    let missing = fx.call("PUT", "/v1/queues/q", Some(json!({}))).await;
    missing.assert_error(400, "invalid_request", "concurrency");
    let zero = fx
        .call("PUT", "/v1/queues/q", Some(json!({"concurrency": 0})))
        .await;
    zero.assert_error(400, "invalid_request", "at least 1");
    let name = fx.call("POST", "/v1/queues/a%20b/pause", None).await;
    name.assert_error(400, "invalid_request", "queue name");
}
