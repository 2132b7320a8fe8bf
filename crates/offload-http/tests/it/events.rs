//! The SSE stream, read by the real client over a real socket.

use futures::StreamExt;
use offload_core::JobId;
use offload_http::wire::{ErrorCode, JobStreamEvent, WireState};
use serde_json::json;

use crate::fixture::Fixture;

/// Reads a stream to its end; the engine finishes these jobs in well under the bound,
/// which only keeps a broken stream from hanging the test run.
async fn collect(client: &offload_http::client::Client, id: i64) -> Vec<JobStreamEvent> {
    let stream = client.events(JobId(id)).await.unwrap();
    let all = stream.map(|e| e.unwrap()).collect::<Vec<_>>();
    tokio::time::timeout(std::time::Duration::from_secs(120), all)
        .await
        .expect("the event stream did not end")
}

fn states(events: &[JobStreamEvent]) -> Vec<WireState> {
    events
        .iter()
        .filter_map(|e| match e {
            JobStreamEvent::State { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_stream_starts_with_the_current_state_and_ends_after_the_terminal_one() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    client.queue_pause("ev").await.unwrap();
    let id = fx
        .submit(json!({"command": ["sh", "-c", "echo hi"], "queue": "ev"}))
        .await;

    let stream = client.events(JobId(id)).await.unwrap();
    client.queue_resume("ev").await.unwrap();
    let events: Vec<_> = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        stream.map(|e| e.unwrap()).collect::<Vec<_>>(),
    )
    .await
    .expect("the event stream did not end");

    let seen = states(&events);
    assert_eq!(seen.first(), Some(&WireState::Queued), "{events:?}");
    assert_eq!(seen.last(), Some(&WireState::Succeeded), "{events:?}");
    assert!(seen.contains(&WireState::Running), "{events:?}");
    let output: String = events
        .iter()
        .filter_map(|e| match e {
            JobStreamEvent::Output { data, stream, .. } if stream == "stdout" => {
                Some(data.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(output, "hi\n");
    assert!(events.iter().all(|e| match e {
        JobStreamEvent::State { id: got, .. }
        | JobStreamEvent::Output { id: got, .. }
        | JobStreamEvent::Progress { id: got, .. } => *got == id,
    }));
}

#[tokio::test]
async fn a_finished_job_streams_one_terminal_event() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    fx.wait(id).await;
    let events = collect(&client, id).await;
    assert_eq!(
        events,
        vec![JobStreamEvent::State {
            id,
            state: WireState::Succeeded
        }]
    );
}

#[tokio::test]
async fn an_unknown_job_fails_before_streaming() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    let err = client.events(JobId(424_242)).await.err().unwrap();
    assert!(err.is_code(ErrorCode::NotFound), "{err}");
}
