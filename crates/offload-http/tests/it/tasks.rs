//! The task manifest over HTTP: typed submissions, raw commands refused, reloads.

use std::sync::Arc;

use offload_http::TaskRegistry;
use serde_json::json;

use crate::fixture::Fixture;

const MANIFEST: &str = r#"
version = 1

[[task]]
id = "echo"
description = "prints its word"
command = ["/bin/echo", "{word}"]
params = [{ name = "word", type = "string", required = true }]
timeout = "5s"
"#;

/// A fixture whose server has `MANIFEST`, and the file it was read from.
async fn with_manifest(allow_raw: bool) -> (Fixture, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offload.toml");
    std::fs::write(&path, MANIFEST).unwrap();
    let mut fx = Fixture::start().await;
    let registry = TaskRegistry::load(&path, allow_raw).unwrap();
    fx.state = fx.state.clone().with_tasks(Arc::new(registry));
    (fx, dir)
}

#[tokio::test]
async fn a_task_renders_its_params_as_whole_arguments() {
    let (fx, _dir) = with_manifest(false).await;
    let hostile = "; rm -rf / $(id)";
    let body = json!({"task": "echo", "params": {"word": hostile}});
    let reply = fx.call("POST", "/v1/jobs", Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let id = reply.json()["id"].as_i64().unwrap();
    let job = fx.wait(id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["spec"]["command"], json!(["/bin/echo", hostile]));
    let output = fx
        .call("GET", &format!("/v1/jobs/{id}/output"), None)
        .await
        .json();
    assert_eq!(output["stdout"], format!("{hostile}\n"));
}

#[tokio::test]
async fn raw_commands_are_refused_when_a_manifest_is_loaded() {
    let (fx, _dir) = with_manifest(false).await;
    let before = fx.job_count().await;
    let reply = fx
        .call("POST", "/v1/jobs", Some(json!({"command": ["id"]})))
        .await;
    reply.assert_error(400, "invalid_request", "only the tasks of its manifest");
    assert_eq!(reply.json()["field"], "command");
    assert_eq!(fx.job_count().await, before);
}

#[tokio::test]
async fn raw_commands_are_accepted_when_allowed() {
    let (fx, _dir) = with_manifest(true).await;
    let reply = fx
        .call("POST", "/v1/jobs", Some(json!({"command": ["true"]})))
        .await;
    assert_eq!(reply.status, 201);
}

#[tokio::test]
async fn bad_task_submissions_name_the_field_and_write_nothing() {
    let (fx, _dir) = with_manifest(false).await;
    let before = fx.job_count().await;
    let cases = [
        (json!({"task": "nope"}), "task"),
        (json!({"task": "echo", "params": {}}), "params.word"),
        (
            json!({"task": "echo", "params": {"word": "x", "extra": 1}}),
            "params.extra",
        ),
        (
            json!({"task": "echo", "params": {"word": 5}}),
            "params.word",
        ),
        (
            json!({"task": "echo", "params": {"word": "x"}, "command": ["sh"]}),
            "command",
        ),
        (
            json!({"task": "echo", "params": {"word": "x"}, "limits": {"memory": "1G"}}),
            "limits",
        ),
    ];
    for (body, field) in cases {
        let reply = fx.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.json());
        assert_eq!(reply.json()["field"], field, "{body}: {}", reply.json());
    }
    assert_eq!(fx.job_count().await, before);
}

#[tokio::test]
async fn tasks_are_listed_with_their_schema_and_checksum() {
    let (fx, _dir) = with_manifest(false).await;
    let listed = fx.call("GET", "/v1/tasks", None).await.json();
    assert_eq!(listed["tasks"][0]["id"], "echo");
    assert_eq!(
        listed["tasks"][0]["params"][0],
        json!({"name": "word", "type": "string", "required": true})
    );
    assert_eq!(listed["checksum"].as_str().unwrap().len(), 64);
    assert_eq!(listed["raw_commands_allowed"], false);
}

#[tokio::test]
async fn a_reload_swaps_a_valid_manifest_and_keeps_the_old_one_on_error() {
    let (fx, dir) = with_manifest(false).await;
    let path = dir.path().join("offload.toml");
    let before = fx.call("GET", "/v1/tasks", None).await.json()["checksum"].clone();
    std::fs::write(&path, "version = 1\n[[task]]\nid = \"bad\"\nnonsense = 1\n").unwrap();
    let reply = fx.call("POST", "/v1/manifest/reload", None).await;
    assert_eq!(reply.status, 400, "{}", reply.json());
    assert_eq!(
        fx.call("GET", "/v1/tasks", None).await.json()["checksum"],
        before
    );
    std::fs::write(&path, MANIFEST.replace("prints its word", "says its word")).unwrap();
    let reloaded = fx.call("POST", "/v1/manifest/reload", None).await.json();
    assert_ne!(reloaded["checksum"], before);
    assert_eq!(reloaded["tasks"][0]["description"], "says its word");
}

#[tokio::test]
async fn without_a_manifest_tasks_are_refused_and_commands_run() {
    let fx = Fixture::start().await;
    let reply = fx
        .call("POST", "/v1/jobs", Some(json!({"task": "echo"})))
        .await;
    reply.assert_error(400, "invalid_request", "no task manifest");
    let listed = fx.call("GET", "/v1/tasks", None).await.json();
    assert_eq!(listed["tasks"], json!([]));
    let reply = fx.call("POST", "/v1/manifest/reload", None).await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn a_shadow_may_name_a_task_and_reports_to_its_experiment() {
    let (fx, _dir) = with_manifest(false).await;
    let body = json!({
        "task": "echo", "params": {"word": "old"},
        "shadow": {"task": "echo", "params": {"word": "new"}},
    });
    let reply = fx.call("POST", "/v1/jobs", Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let id = reply.json()["id"].as_i64().unwrap();
    let job = fx.wait(id).await;
    assert_eq!(
        job["spec"]["shadow"]["command"],
        json!(["/bin/echo", "new"])
    );
    assert_eq!(job["spec"]["shadow"]["experiment"], "shadow-echo");
}

#[tokio::test]
async fn bad_shadow_tasks_name_the_field_and_write_nothing() {
    let (fx, _dir) = with_manifest(true).await;
    let before = fx.job_count().await;
    let task = |shadow: serde_json::Value| json!({"task": "echo", "params": {"word": "x"}, "shadow": shadow});
    let cases = [
        (task(json!({"task": "nope"})), "shadow.task"),
        (
            task(json!({"task": "echo", "params": {}})),
            "shadow.params.word",
        ),
        (
            task(json!({"task": "echo", "params": {"word": "y"}, "command": ["true"]})),
            "shadow",
        ),
        (
            task(json!({"command": ["true"], "params": {"word": "y"}})),
            "shadow.params",
        ),
    ];
    for (body, field) in cases {
        let reply = fx.call("POST", "/v1/jobs", Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.json());
        assert_eq!(reply.json()["field"], field, "{body}: {}", reply.json());
    }
    assert_eq!(fx.job_count().await, before);
}
