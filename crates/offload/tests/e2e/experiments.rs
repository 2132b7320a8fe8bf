//! `offload experiments`: list, show, ramp, enable and disable against a real
//! server, with results published over HTTP as another language would.

use offload_http::client::Client;
use offload_http::wire::{CandidateBody, ObservedBody, ResultRequest};
use serde_json::json;

use crate::support::*;

/// Publishes one result of `name` whose candidate returns `candidate` where the
/// control returned `{"total": 5}`.
fn publish(server: &Server, name: &str, candidate: serde_json::Value) {
    let result = ResultRequest {
        control: Some(ObservedBody {
            value: json!({"total": 5}),
            error: None,
            duration_ms: 12.0,
        }),
        candidates: vec![CandidateBody {
            name: "rewrite".into(),
            value: candidate,
            error: None,
            duration_ms: 3.0,
        }],
        context: serde_json::Map::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(&server.url, server.token.clone()).unwrap();
    let answer = runtime
        .block_on(client.experiment_publish(name, &result))
        .unwrap();
    assert!(answer.recorded, "{answer:?}");
}

#[test]
fn experiments_are_listed_shown_ramped_and_switched() {
    let server = Server::start(0);
    publish(&server, "pricing", json!({"total": 5}));
    publish(&server, "pricing", json!({"total": 6}));
    let list = server.ok(&["experiments", "list"]);
    assert!(
        list.contains("pricing") && list.contains("matched 1/2") && list.contains("50.0%"),
        "{list}"
    );

    let show = server.ok(&["experiments", "show", "pricing"]);
    assert!(show.contains("/total"), "the top field: {show}");
    assert!(show.contains("control:   {\"total\":5}"), "{show}");
    assert!(show.contains("candidate: {\"total\":6}"), "{show}");
    assert!(show.contains("rewrite"), "latency per candidate: {show}");
    let json = job_json(&server.ok(&["experiments", "show", "pricing", "--json"]));
    assert_eq!(json["experiment"]["mismatched"], 1);

    server.ok(&["experiments", "ramp", "pricing", "12.5%"]);
    server.ok(&["experiments", "disable", "pricing"]);
    let listed = job_json(&server.ok(&["experiments", "list", "--json"]));
    assert_eq!(
        (
            listed[0]["percent"].as_f64(),
            listed[0]["enabled"].as_bool()
        ),
        (Some(12.5), Some(false))
    );
    let enabled = server.ok(&["experiments", "enable", "pricing"]);
    assert!(
        enabled.contains("enabled") && enabled.contains("12.5%"),
        "{enabled}"
    );
}

#[test]
fn bad_experiment_input_is_refused_with_the_field_and_the_limit() {
    let server = Server::start(0);
    let out = server.cli(&["experiments", "ramp", "pricing", "150"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("percent") && stderr.contains("from 0 to 100"),
        "{stderr}"
    );
    let out = server.cli(&["experiments", "ramp", "pricing", "lots"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be a number"));
    let out = server.cli(&["experiments", "show", "a/b"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a name"), "{stderr}");
    let out = server.cli(&["experiments", "show", "missing"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("experiment missing not found"));
    let listed = job_json(&server.ok(&["experiments", "list", "--json"]));
    assert_eq!(listed, json!([]), "nothing was created");
}
