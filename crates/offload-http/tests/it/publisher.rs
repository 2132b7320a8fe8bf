//! `offload_experiment::HttpPublisher` against this server on a real socket:
//! results from a lab arrive and are judged, and a server that hangs or is
//! gone never blocks or fails the publishing side.

use std::sync::Arc;

use offload_experiment::{
    CandidateResult, ExperimentResult, HttpPublisher, HttpPublisherConfig, Lab, LabConfig, Mode,
    Observation, Outcome, Publisher, SkipReason,
};
use serde_json::json;

use crate::fixture::{Fixture, TOKEN};

fn publisher(url: &str, queue: usize) -> Arc<HttpPublisher> {
    let config = HttpPublisherConfig {
        url: url.to_owned(),
        token: TOKEN.to_owned(),
        queue,
        ..HttpPublisherConfig::default()
    };
    Arc::new(HttpPublisher::start(&config).expect("a valid config"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_labs_results_reach_the_server_and_are_judged_there() {
    let fx = Fixture::start().await;
    let publisher = publisher(&fx.serve_url().await, 16);
    let lab = Lab::new(&LabConfig::default(), publisher.clone(), |_| {}).unwrap();
    let experiment = lab
        .experiment::<u32, u32, String>("doubling")
        .mode(Mode::Inline)
        .candidate(
            "shift",
            |n| async move { Ok(if n == 3 { 7 } else { n << 1 }) },
        )
        .build()
        .unwrap();
    for n in [1, 2, 3] {
        let value = experiment.run(async move { Ok(n * 2) }, move || n).await;
        assert_eq!(value, Ok(n * 2), "the control's value is returned");
    }
    let stats = publisher.wait_until(|s| s.sent + s.failed == 3).await;
    assert_eq!(stats.sent, 3, "{:?}", publisher.last_error());
    let report = fx
        .call("GET", "/v1/experiments/doubling", None)
        .await
        .json();
    let experiment = &report["experiment"];
    assert_eq!(
        (
            experiment["matched"].as_u64(),
            experiment["mismatched"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let mismatch = &report["mismatches"][0];
    assert_eq!(
        (
            mismatch["control"]["value"].clone(),
            mismatch["candidate_result"]["value"].clone()
        ),
        (json!(6), json!(7))
    );
    assert_eq!(mismatch["candidate"], "shift");
}

fn result(experiment: &str, outcome: Outcome) -> ExperimentResult {
    let observation = |name: &str, value| Observation {
        name: name.to_owned(),
        value: Some(json!(value)),
        error: None,
        duration_ms: 1.0,
        cpu_ms: 0.5,
    };
    ExperimentResult {
        experiment: experiment.to_owned(),
        context: serde_json::Map::new(),
        control: observation("control", 1),
        candidates: vec![CandidateResult {
            observation: observation("new", 1),
            outcome,
        }],
        execution_order: vec!["control".into(), "new".into()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_server_never_blocks_publish_and_a_full_queue_drops_and_counts() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let publisher = publisher(&url, 1);
    assert!(publisher.publish(&result("hung", Outcome::Match)).is_ok());
    // Once the connection is accepted, the first result has left the queue.
    let (_held, _) = listener.accept().await.unwrap();
    assert!(
        publisher.publish(&result("hung", Outcome::Match)).is_ok(),
        "fills the queue"
    );
    assert!(
        publisher.publish(&result("hung", Outcome::Match)).is_ok(),
        "dropped, not an error"
    );
    let stats = publisher.stats();
    assert_eq!((stats.queued, stats.dropped, stats.sent), (2, 1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_posts_are_counted_and_skipped_candidates_are_not_sent() {
    let fx = Fixture::start().await;
    let publisher = publisher(&fx.serve_url().await, 16);
    let saturated = Outcome::Skipped {
        reason: SkipReason::Saturated,
    };
    publisher.publish(&result("quiet", saturated)).unwrap();
    publisher
        .publish(&result("bad name!", Outcome::Match))
        .unwrap();
    let stats = publisher.wait_until(|s| s.failed == 1).await;
    assert_eq!((stats.unjudged, stats.queued, stats.sent), (1, 1, 0));
    let error = publisher.last_error().unwrap();
    assert!(
        error.contains("400") && error.contains("is not a name"),
        "{error}"
    );
    let list = fx.call("GET", "/v1/experiments", None).await.json();
    assert_eq!(list["experiments"], json!([]), "nothing was recorded");
}

#[test]
fn a_bad_url_is_refused_at_start() {
    let config = HttpPublisherConfig {
        url: "ftp://example".into(),
        ..HttpPublisherConfig::default()
    };
    let err = HttpPublisher::start(&config).unwrap_err();
    assert!(err.message.contains("http://"), "{err}");
}
