//! Bad input gets the right status, a stable code and a message naming the field,
//! and leaves the store exactly as it was.

use offload_http::HttpConfig;
use serde_json::{Value, json};

use crate::fixture::{Fixture, Reply, Setup};

/// Submits `body` and asserts that no job was written.
async fn rejected(fx: &Fixture, path: &str, body: Vec<u8>) -> Reply {
    let before = fx.job_count().await;
    let reply = fx
        .send("POST", path, Some(crate::fixture::TOKEN), Some(body))
        .await;
    assert_eq!(
        fx.job_count().await,
        before,
        "a rejected request wrote a job"
    );
    reply
}

async fn rejected_json(fx: &Fixture, body: Value) -> Reply {
    rejected(fx, "/v1/jobs", body.to_string().into_bytes()).await
}

fn field(reply: &Reply) -> String {
    reply.json()["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn malformed_json_names_line_and_column() {
    let fx = Fixture::start().await;
    let reply = rejected(&fx, "/v1/jobs", b"{\"command\": [\"echo\",}".to_vec()).await;
    reply.assert_error(400, "invalid_json", "line 1 column");
}

#[tokio::test]
async fn unknown_fields_are_named() {
    let fx = Fixture::start().await;
    let reply = rejected_json(&fx, json!({"command": ["true"], "comand": ["x"]})).await;
    reply.assert_error(400, "invalid_request", "comand");
    assert_eq!(field(&reply), "comand");
    let reply = rejected_json(&fx, json!({"command": ["true"], "limits": {"mem": 1}})).await;
    assert_eq!(field(&reply), "limits.mem");
}

#[tokio::test]
async fn an_empty_command_is_refused() {
    let fx = Fixture::start().await;
    for body in [json!({"command": []}), json!({}), json!({"command": [""]})] {
        let reply = rejected_json(&fx, body).await;
        reply.assert_error(400, "invalid_request", "command");
        assert_eq!(field(&reply), "command");
    }
}

#[tokio::test]
async fn negative_and_absurd_limits_name_the_field_and_the_limit() {
    let fx = Fixture::start().await;
    let negative = rejected_json(&fx, json!({"command": ["true"], "limits": {"memory": -1}})).await;
    negative.assert_error(400, "invalid_request", "negative");
    assert_eq!(field(&negative), "limits.memory");

    let absurd = rejected_json(
        &fx,
        json!({"command": ["true"], "limits": {"memory": "1T"}}),
    )
    .await;
    absurd.assert_error(400, "invalid_request", &(256u64 << 30).to_string());
    assert_eq!(field(&absurd), "limits.memory");

    let processes = rejected_json(
        &fx,
        json!({"command": ["true"], "limits": {"processes": 0}}),
    )
    .await;
    assert_eq!(field(&processes), "limits.processes");

    let timeout = rejected_json(&fx, json!({"command": ["true"], "timeout": "a while"})).await;
    timeout.assert_error(400, "invalid_request", "a while");
    assert_eq!(field(&timeout), "timeout");

    let retries = rejected_json(&fx, json!({"command": ["true"], "retries": 1000})).await;
    retries.assert_error(400, "invalid_request", "100");
    assert_eq!(field(&retries), "retries");
}

#[tokio::test]
async fn file_names_with_slashes_or_dot_dot_are_refused() {
    let fx = Fixture::start().await;
    for name in ["a/b", "..", "../etc"] {
        let reply = rejected_json(&fx, json!({"command": ["true"], "files": {name: "x"}})).await;
        reply.assert_error(400, "invalid_request", "files[");
        assert!(field(&reply).contains(name), "{}", field(&reply));
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_stating_it() {
    let http = HttpConfig {
        body_limit: 1024,
        ..HttpConfig::default()
    };
    let fx = Fixture::with(Setup {
        http,
        ..Setup::default()
    })
    .await;
    let body = json!({"command": ["echo", "x".repeat(2000)]});
    let reply = rejected_json(&fx, body).await;
    reply.assert_error(413, "payload_too_large", "1024 bytes");
}

#[tokio::test]
async fn unknown_ids_get_404() {
    let fx = Fixture::start().await;
    for path in [
        "/v1/jobs/999999",
        "/v1/jobs/999999/output",
        "/v1/jobs/999999/wait?timeout=0",
    ] {
        fx.call("GET", path, None)
            .await
            .assert_error(404, "not_found", "999999");
    }
    let cancel = fx.call("POST", "/v1/jobs/999999/cancel", None).await;
    cancel.assert_error(404, "not_found", "999999");
    let retry = fx.call("POST", "/v1/dead/999999/retry", None).await;
    retry.assert_error(404, "not_found", "999999");
    let bad = fx.call("GET", "/v1/jobs/abc", None).await;
    bad.assert_error(400, "invalid_request", "abc");
}

#[tokio::test]
async fn reusing_an_idempotency_key_with_another_spec_is_a_conflict() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    fx.submit(json!({"command": ["true"], "idempotency_key": "k"}))
        .await;
    let reply = rejected_json(&fx, json!({"command": ["false"], "idempotency_key": "k"})).await;
    reply.assert_error(409, "idempotency_conflict", "\"k\"");
    assert_eq!(field(&reply), "idempotency_key");
    assert_eq!(fx.job_count().await, 1);
}

#[tokio::test]
async fn one_bad_job_rejects_the_whole_batch_naming_its_index() {
    let fx = Fixture::start().await;
    let body = json!({"jobs": [{"command": ["true"]}, {"command": []}]});
    let reply = rejected(&fx, "/v1/jobs/batch", body.to_string().into_bytes()).await;
    reply.assert_error(400, "invalid_request", "command");
    assert_eq!(field(&reply), "jobs[1].command");
    let body = json!({"jobs": [{"command": ["true"]}, {"command": ["x"], "limits": {"cpu": -1}}]});
    let reply = rejected(&fx, "/v1/jobs/batch", body.to_string().into_bytes()).await;
    assert_eq!(field(&reply), "jobs[1].limits.cpu");
}

#[tokio::test]
async fn query_limits_are_enforced_and_named() {
    let fx = Fixture::start().await;
    let list = fx.call("GET", "/v1/jobs?limit=501", None).await;
    list.assert_error(400, "invalid_request", "500");
    assert_eq!(field(&list), "limit");
    let wait = fx.call("GET", "/v1/jobs/1/wait?timeout=301s", None).await;
    wait.assert_error(400, "invalid_request", "5m");
    assert_eq!(field(&wait), "timeout");
    let state = fx.call("GET", "/v1/jobs?state=finished", None).await;
    assert_eq!(field(&state), "state");
    let label = fx.call("GET", "/v1/jobs?label=novalue", None).await;
    assert_eq!(field(&label), "label");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let fx = Fixture::start().await;
    fx.call("GET", "/v1/nothing", None)
        .await
        .assert_error(404, "no_route", "route");
    fx.call("DELETE", "/v1/jobs", None)
        .await
        .assert_error(405, "method_not_allowed", "method");
}
