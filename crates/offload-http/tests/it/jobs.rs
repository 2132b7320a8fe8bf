//! Submitting, waiting for, reading and cancelling jobs.

use serde_json::json;

use crate::fixture::{Fixture, Setup};

#[tokio::test]
async fn echo_hi_runs_and_its_output_can_be_read_as_text_and_bytes() {
    let fx = Fixture::start().await;
    let reply = fx
        .call("POST", "/v1/jobs", Some(json!({"command": ["echo", "hi"]})))
        .await;
    assert_eq!(reply.status, 201);
    let body = reply.json();
    assert_eq!(body["created"], true);
    let id = body["id"].as_i64().unwrap();

    let job = fx.wait(id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["exit_code"], 0);
    assert_eq!(
        job["attempts"][0]["outcome"],
        json!({"kind": "exited", "code": 0})
    );
    assert!(job["finished_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        job["spec"]["timeout"], 90_000,
        "defaults are filled in: {job}"
    );

    let output = fx
        .call("GET", &format!("/v1/jobs/{id}/output"), None)
        .await
        .json();
    assert_eq!(output["stdout"], "hi\n");
    assert_eq!(output["stdout_truncated"], false);
    assert!(output["encoding"].as_str().unwrap().contains("lossy"));

    let raw = fx
        .call("GET", &format!("/v1/jobs/{id}/output/stdout"), None)
        .await;
    assert_eq!(raw.content_type, "application/octet-stream");
    assert_eq!(&raw.bytes[..], b"hi\n");
}

#[tokio::test]
async fn invalid_utf8_output_is_lossy_as_text_and_exact_as_bytes() {
    let fx = Fixture::start().await;
    let id = fx.submit(json!({"command": ["printf", "a\\377b"]})).await;
    assert_eq!(fx.wait(id).await["state"], "succeeded");
    let output = fx
        .call("GET", &format!("/v1/jobs/{id}/output"), None)
        .await
        .json();
    assert_eq!(output["stdout"], "a\u{FFFD}b");
    let raw = fx
        .call("GET", &format!("/v1/jobs/{id}/output/stdout"), None)
        .await;
    assert_eq!(&raw.bytes[..], b"a\xffb");
}

#[tokio::test]
async fn a_failing_job_reports_its_exit_code_and_reason() {
    let fx = Fixture::start().await;
    let id = fx
        .submit(json!({"command": ["sh", "-c", "exit 3"], "retries": 0}))
        .await;
    let job = fx.wait(id).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["exit_code"], 3);
    assert_eq!(job["error"], "exited with code 3");
}

#[tokio::test]
async fn a_batch_is_submitted_in_order() {
    let fx = Fixture::start().await;
    let jobs = json!({"jobs": [{"command": ["true"]}, {"kind": "noop", "delay": "1h"}]});
    let reply = fx.call("POST", "/v1/jobs/batch", Some(jobs)).await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let body = reply.json();
    let answers = body["jobs"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert_ne!(answers[0]["id"], answers[1]["id"]);
    assert_eq!(answers[1]["state"], "scheduled");
    assert_eq!(fx.job_count().await, 2);
}

#[tokio::test]
async fn an_idempotency_key_returns_the_existing_job_with_200() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let job = json!({"command": ["true"], "idempotency_key": "k1"});
    let first = fx.call("POST", "/v1/jobs", Some(job.clone())).await;
    let again = fx.call("POST", "/v1/jobs", Some(job)).await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["created"], false);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(again.json()["state"], "queued");
    assert_eq!(fx.job_count().await, 1);
}

#[tokio::test]
async fn a_queued_job_is_cancelled_at_once_and_only_once() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    let reply = fx
        .call("POST", &format!("/v1/jobs/{id}/cancel"), None)
        .await
        .json();
    assert_eq!(reply["result"], "cancelled", "{reply}");
    let job = fx.call("GET", &format!("/v1/jobs/{id}"), None).await.json();
    assert_eq!(job["state"], "cancelled");
    let again = fx
        .call("POST", &format!("/v1/jobs/{id}/cancel"), None)
        .await
        .json();
    assert_eq!(again["result"], "already_finished");
    assert_eq!(again["finished_state"], "cancelled");
}

#[tokio::test]
async fn a_queued_job_has_no_output_yet() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    let reply = fx.call("GET", &format!("/v1/jobs/{id}/output"), None).await;
    reply.assert_error(404, "not_found", "no output kept");
}

#[tokio::test]
async fn wait_returns_the_unfinished_job_when_its_timeout_passes() {
    let fx = Fixture::with(Setup {
        slots: 0,
        ..Setup::default()
    })
    .await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    let job = fx
        .call("GET", &format!("/v1/jobs/{id}/wait?timeout=0"), None)
        .await;
    assert_eq!(job.status, 200);
    assert_eq!(job.json()["state"], "queued");
}

#[tokio::test]
async fn a_shutting_down_engine_refuses_work_with_503() {
    let fx = Fixture::start().await;
    fx.engine.shutdown(std::time::Duration::ZERO).await;
    let reply = fx
        .call("POST", "/v1/jobs", Some(json!({"command": ["true"]})))
        .await;
    reply.assert_error(503, "shutting_down", "shutting down");
    assert_eq!(fx.job_count().await, 0);
}

#[tokio::test]
async fn raw_output_names_a_bad_stream() {
    let fx = Fixture::start().await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    fx.wait(id).await;
    let reply = fx
        .call("GET", &format!("/v1/jobs/{id}/output/stdin"), None)
        .await;
    reply.assert_error(400, "invalid_request", "stdin");
}

#[tokio::test]
async fn healthz_is_plain_text() {
    let fx = Fixture::start().await;
    let reply = fx.send("GET", "/healthz", None, None).await;
    assert!(
        reply.content_type.starts_with("text/plain"),
        "{}",
        reply.content_type
    );
}

#[tokio::test]
async fn the_system_route_reports_the_sandbox_capabilities() {
    let fx = Fixture::start().await;
    let system = fx.call("GET", "/v1/system", None).await.json();
    let mechanisms = system["mechanisms"].as_array().unwrap();
    assert!(
        mechanisms.iter().any(|m| m["name"] == "user namespace"),
        "{system}"
    );
    assert!(
        mechanisms.iter().all(|m| m["available"].is_boolean()),
        "{system}"
    );
    assert!(
        system["tier_in_use"].as_str().unwrap().starts_with('T'),
        "{system}"
    );
    let anonymous = fx.send("GET", "/v1/system", None, None).await;
    assert_eq!(anonymous.status, 401);
}
