//! Progress end to end: a job writes to its progress descriptor, the stream carries one
//! `progress` event per well-formed line, malformed lines reach the metrics, and a
//! running job shows its latest progress to readers that arrive late.

use futures::StreamExt;
use offload_core::JobId;
use offload_http::wire::{JobStreamEvent, WireState};
use serde_json::json;

use crate::fixture::Fixture;
use crate::openmetrics::parse;

/// The bound only keeps a broken stream from hanging the run.
const GUARD: std::time::Duration = std::time::Duration::from_secs(120);

fn progress_of(events: &[JobStreamEvent]) -> Vec<(f64, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            JobStreamEvent::Progress {
                percent, message, ..
            } => Some((*percent, message.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_well_formed_line_is_one_event_and_a_malformed_one_is_counted() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    client.queue_pause("pg").await.unwrap();
    let script = r#"echo "::progress 40 half" >&"$OFFLOAD_PROGRESS_FD"; echo garbage >&3"#;
    let id = fx
        .submit(json!({"command": ["sh", "-c", script], "queue": "pg"}))
        .await;
    let stream = client.events(JobId(id)).await.unwrap();
    client.queue_resume("pg").await.unwrap();
    let events = tokio::time::timeout(GUARD, stream.map(|e| e.unwrap()).collect::<Vec<_>>())
        .await
        .expect("the event stream did not end");
    assert_eq!(
        progress_of(&events),
        [(40.0, Some("half".to_owned()))],
        "{events:?}"
    );
    let reply = fx.call("GET", "/metrics", None).await;
    let metrics = parse(std::str::from_utf8(&reply.bytes).unwrap()).unwrap();
    let queue = [("queue", "pg")];
    assert_eq!(
        metrics.value("offload_progress_malformed_total", &queue),
        1.0
    );
    assert_eq!(metrics.value("offload_progress_dropped_total", &queue), 0.0);
}

#[tokio::test]
async fn a_running_job_shows_its_latest_progress_to_late_readers() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    let script = r#"echo "::progress 12.5 warming" >&3; echo "::progress 25 working" >&3; sleep 1000; echo late"#;
    let id = fx.submit(json!({"command": ["sh", "-c", script]})).await;
    // Waits on the real job: the bound only keeps a broken sandbox from hanging the run.
    let shown = tokio::time::timeout(GUARD, async {
        loop {
            let job = fx.call("GET", &format!("/v1/jobs/{id}"), None).await.json();
            if job["progress"]["percent"] == 25.0 {
                return job;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the job never showed its progress");
    assert_eq!(shown["state"], "running");
    assert_eq!(shown["progress"]["message"], "working");

    let mut stream = client.events(JobId(id)).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(
        matches!(
            first,
            JobStreamEvent::State {
                state: WireState::Running,
                ..
            }
        ),
        "{first:?}"
    );
    let second = stream.next().await.unwrap().unwrap();
    assert_eq!(progress_of(&[second]), [(25.0, Some("working".to_owned()))]);

    client.cancel(JobId(id)).await.unwrap();
    let done = fx.wait(id).await;
    assert_eq!(done["state"], "cancelled");
    assert!(done.get("progress").is_none(), "{done}");
}
