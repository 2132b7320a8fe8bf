//! The typed client against a real server on 127.0.0.1.

use std::time::Duration;

use offload_core::JobId;
use offload_http::client::{Client, ErrorKind, OutputStream};
use offload_http::wire::{ErrorCode, JobSpecBody, ListQuery, PageQuery, WireState};

use crate::fixture::Fixture;

fn command(argv: &[&str]) -> JobSpecBody {
    JobSpecBody {
        command: argv.iter().map(|s| (*s).to_owned()).collect(),
        ..JobSpecBody::default()
    }
}

#[tokio::test]
async fn submit_wait_output_and_list_through_the_client() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    client.health().await.unwrap();

    let submitted = client.submit(&command(&["echo", "hi"])).await.unwrap();
    assert!(submitted.created);
    let id = JobId(submitted.id);
    let job = client.wait(id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(job.state, WireState::Succeeded);
    assert_eq!(client.get(id).await.unwrap().exit_code, Some(0));
    assert_eq!(client.output(id).await.unwrap().stdout, "hi\n");
    assert_eq!(
        client.output_raw(id, OutputStream::Stdout).await.unwrap(),
        b"hi\n"
    );
    assert_eq!(
        client.output_raw(id, OutputStream::Stderr).await.unwrap(),
        b""
    );

    let batch = client
        .submit_batch(vec![command(&["true"]), command(&["true"])])
        .await
        .unwrap();
    assert_eq!(batch.jobs.len(), 2);
    let query = ListQuery {
        limit: Some(2),
        ..ListQuery::default()
    };
    let page = client.list(&query).await.unwrap();
    assert_eq!(page.jobs.len(), 2);
    assert!(page.next.is_some());
}

#[tokio::test]
async fn queue_dead_and_cancel_calls_work_through_the_client() {
    let fx = Fixture::start().await;
    let client = fx.serve().await;
    assert!(client.queue_pause("c").await.unwrap().paused);
    assert_eq!(
        client
            .queue_set_concurrency("c", Some(2))
            .await
            .unwrap()
            .concurrency,
        Some(2)
    );
    assert!(
        client
            .queues()
            .await
            .unwrap()
            .iter()
            .any(|q| q.name == "c" && q.paused)
    );
    let queued = client
        .submit(&JobSpecBody {
            queue: Some("c".into()),
            ..command(&["true"])
        })
        .await
        .unwrap();
    let cancelled = client.cancel(JobId(queued.id)).await.unwrap();
    assert_eq!(
        cancelled.result,
        offload_http::wire::CancelResult::Cancelled
    );
    assert!(!client.queue_resume("c").await.unwrap().paused);

    let failing = JobSpecBody {
        retries: Some(0),
        ..command(&["false"])
    };
    let id = JobId(client.submit(&failing).await.unwrap().id);
    assert_eq!(
        client
            .wait(id, Duration::from_secs(60))
            .await
            .unwrap()
            .state,
        WireState::Failed
    );
    assert_eq!(
        client
            .dead_list(&PageQuery::default())
            .await
            .unwrap()
            .jobs
            .len(),
        1
    );
    assert_eq!(client.dead_retry(id).await.unwrap().retried, 1);
    assert_eq!(
        client
            .wait(id, Duration::from_secs(60))
            .await
            .unwrap()
            .state,
        WireState::Failed
    );
    assert_eq!(client.dead_retry_all().await.unwrap().retried, 1);
    assert_eq!(
        client
            .wait(id, Duration::from_secs(60))
            .await
            .unwrap()
            .state,
        WireState::Failed
    );
    assert_eq!(client.dead_purge().await.unwrap().purged, 1);
}

#[tokio::test]
async fn api_errors_carry_the_code_message_and_field() {
    let fx = Fixture::start().await;
    let base = fx.serve_url().await;
    let client = Client::new(&base, crate::fixture::TOKEN).unwrap();
    let err = client.submit(&command(&[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(err.is_code(ErrorCode::InvalidRequest), "{err}");
    match err {
        offload_http::client::ClientError::Api { status, field, .. } => {
            assert_eq!(status, 400);
            assert_eq!(field.as_deref(), Some("command"));
        }
        other => panic!("not an API error: {other}"),
    }
    let wrong = Client::new(&base, "wrong").unwrap();
    assert!(
        wrong
            .get(JobId(1))
            .await
            .unwrap_err()
            .is_code(ErrorCode::Unauthorized)
    );
}

#[tokio::test]
async fn a_closed_port_is_unreachable_not_an_api_error() {
    // Bind to learn a free port, then close it so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(&format!("http://{addr}"), "t").unwrap();
    let err = client.submit(&command(&["true"])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable, "{err}");
}

#[test]
fn bad_base_urls_are_refused() {
    for url in ["", "ftp://x", "not a url"] {
        let err = Client::new(url, "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url}");
    }
}
