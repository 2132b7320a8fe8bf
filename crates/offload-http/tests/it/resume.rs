//! Resuming an event stream with `Last-Event-ID`, over a real socket with a plain
//! HTTP client and an SSE parser, so the ids on the wire are what is checked.

use eventsource_stream::{Event, Eventsource};
use futures::{Stream, StreamExt};
use serde_json::json;

use crate::fixture::{Fixture, TOKEN};

type Events = std::pin::Pin<Box<dyn Stream<Item = Event> + Send>>;

async fn open(url: &str, id: i64, last: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{url}/v1/jobs/{id}/events"))
        .bearer_auth(TOKEN);
    if let Some(last) = last {
        req = req.header("Last-Event-ID", last);
    }
    req.send().await.unwrap()
}

async fn events(url: &str, id: i64, last: Option<&str>) -> Events {
    let resp = open(url, id, last).await;
    assert_eq!(resp.status().as_u16(), 200);
    Box::pin(resp.bytes_stream().eventsource().map(|e| e.unwrap()))
}

/// Reads events until one satisfies `stop`, and returns them all.
async fn read_until(stream: &mut Events, stop: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    let read = async {
        while let Some(event) = stream.next().await {
            let last = stop(&event);
            seen.push(event);
            if last {
                return true;
            }
        }
        false
    };
    let ended = tokio::time::timeout(std::time::Duration::from_secs(60), read).await;
    assert_eq!(
        ended,
        Ok(true),
        "the expected event never came; saw {seen:?}"
    );
    seen
}

fn is_output(event: &Event, text: &str) -> bool {
    event.event == "output" && event.data.contains(text)
}

fn is_terminal(event: &Event) -> bool {
    let ends = ["\"succeeded\"", "\"failed\"", "\"cancelled\""];
    event.event == "state" && ends.iter().any(|s| event.data.contains(s))
}

fn stdout(events: &[Event]) -> String {
    events
        .iter()
        .filter(|e| e.event == "output")
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            v["data"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_client_that_reconnects_with_last_event_id_loses_nothing() {
    let fx = Fixture::start().await;
    let url = fx.serve_url().await;
    // The job prints "one", then the rest only when it is told to stop, so the
    // test decides when the output it must not lose is written.
    let script = "trap 'kill $!; echo two; echo three; exit 0' TERM; echo one; sleep 300 & wait";
    let id = fx.submit(json!({"command": ["sh", "-c", script]})).await;

    // The first connection replays from the start (the job may have printed "one"
    // before it connected), reads up to "one" and hangs up.
    let mut first = events(&url, id, Some("0")).await;
    let seen = read_until(&mut first, |e| is_output(e, "one")).await;
    let last_id = seen.last().unwrap().id.clone();
    drop(first);

    // While nobody listens, the job prints the rest and ends; a second stream
    // watches until the end, so the journal has every event before the resume.
    let mut watcher = events(&url, id, None).await;
    fx.call("POST", &format!("/v1/jobs/{id}/cancel"), None)
        .await;
    read_until(&mut watcher, is_terminal).await;

    let mut resumed = events(&url, id, Some(&last_id)).await;
    let rest = read_until(&mut resumed, is_terminal).await;
    assert_eq!(stdout(&rest), "two\nthree\n", "{rest:?}");
    let last: u64 = last_id.parse().unwrap();
    let ids: Vec<u64> = rest.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(ids.iter().all(|i| *i > last), "{ids:?} after {last}");
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "{ids:?}");
    assert!(
        resumed.next().await.is_none(),
        "the stream ends after the terminal state"
    );
}

#[tokio::test]
async fn a_bad_last_event_id_is_a_400_and_an_unknown_job_a_404() {
    let fx = Fixture::start().await;
    let url = fx.serve_url().await;
    let id = fx.submit(json!({"command": ["true"]})).await;
    let bad = open(&url, id, Some("yesterday")).await;
    assert_eq!(bad.status().as_u16(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["field"], "Last-Event-ID", "{body}");
    let unknown = open(&url, 987_654, Some("3")).await;
    assert_eq!(unknown.status().as_u16(), 404);
}
