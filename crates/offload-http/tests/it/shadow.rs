//! Shadow jobs over HTTP: a job body may carry `shadow`, whose comparison
//! lands in the experiments API; bad shadows are refused naming the field.

use serde_json::json;

use crate::fixture::{Fixture, TOKEN};

#[tokio::test]
async fn a_shadowed_job_is_compared_and_reported() {
    let fx = Fixture::start().await;
    let mut shadows = fx.engine.subscribe_shadows();
    let body = json!({"command": ["echo", "1"], "retries": 0,
        "shadow": {"command": ["echo", "2"], "compare": "lines", "experiment": "http-shadow"}});
    let id = fx.submit(body).await;
    let job = fx.wait(id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(
        job["spec"]["shadow"]["command"],
        json!(["echo", "2"]),
        "{job}"
    );
    let compared = async {
        loop {
            let event = shadows.recv().await.unwrap();
            if event.control.0 == id
                && event.shadow.is_some()
                && event.step != offload_engine::ShadowStep::Enqueued
            {
                return event.step;
            }
        }
    };
    let step = tokio::time::timeout(std::time::Duration::from_secs(60), compared)
        .await
        .expect("the shadow was never compared");
    assert_eq!(step, offload_engine::ShadowStep::Compared("mismatch"));
    let report = fx.call("GET", "/v1/experiments/http-shadow", None).await;
    assert_eq!(report.status.as_u16(), 200, "{}", report.json());
}

#[tokio::test]
async fn bad_shadows_are_refused_naming_the_field() {
    let fx = Fixture::start().await;
    let too_many = vec!["x"; offload_core::shadow::bounds::MAX_NORMALIZE + 1];
    let cases = [
        (
            json!({"command": ["true"], "normalize": too_many}),
            "shadow.normalize",
            "at most 16",
        ),
        (
            json!({"command": ["true"], "normalize": ["ok", "("]}),
            "shadow.normalize[1]",
            "regular expression",
        ),
        (json!({"command": []}), "shadow.command", "program"),
        (
            json!({"command": ["true"], "experiment": "a b"}),
            "shadow.experiment",
            "name",
        ),
    ];
    for (shadow, field, needle) in cases {
        let before = fx.job_count().await;
        let body = json!({"command": ["true"], "shadow": shadow}).to_string();
        let reply = fx
            .send("POST", "/v1/jobs", Some(TOKEN), Some(body.into_bytes()))
            .await;
        reply.assert_error(400, "invalid_request", needle);
        assert_eq!(reply.json()["field"], field, "{}", reply.json());
        assert_eq!(fx.job_count().await, before, "a refused job was written");
    }
}
