//! `/metrics`, `/v1/stats` and the metrics-only router, scraped while real jobs run.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::fixture::{Fixture, TOKEN};
use crate::openmetrics::{Exposition, parse};

async fn scrape(fx: &Fixture) -> Exposition {
    let reply = fx.call("GET", "/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .content_type
            .starts_with("application/openmetrics-text"),
        "{}",
        reply.content_type
    );
    parse(std::str::from_utf8(&reply.bytes).unwrap()).unwrap()
}

/// Scrapes until `done` holds; each round trip is a real request, and the bound
/// only keeps a broken gauge from hanging the run.
async fn scrape_until(fx: &Fixture, done: impl Fn(&Exposition) -> bool) -> Exposition {
    let wait = async {
        loop {
            let exp = scrape(fx).await;
            if done(&exp) {
                return exp;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), wait)
        .await
        .expect("the metric never reached the expected value")
}

#[tokio::test]
async fn counters_move_as_jobs_run() {
    let fx = Fixture::start().await;
    let before = scrape(&fx).await;
    assert_eq!(
        before.value("offload_jobs_submitted_total", &[("queue", "m")]),
        0.0
    );
    let ok = json!({"command": ["true"], "queue": "m"});
    let bad = json!({"command": ["false"], "queue": "m", "retries": 0});
    let ids = [
        fx.submit(ok.clone()).await,
        fx.submit(ok).await,
        fx.submit(bad).await,
    ];
    for id in ids {
        fx.wait(id).await;
    }
    let after = scrape(&fx).await;
    let m = [("queue", "m")];
    assert_eq!(after.value("offload_jobs_submitted_total", &m), 3.0);
    assert_eq!(after.value("offload_jobs_started_total", &m), 3.0);
    let success = [("queue", "m"), ("outcome", "success")];
    assert_eq!(after.value("offload_jobs_finished_total", &success), 2.0);
    assert_eq!(after.value("offload_job_wait_seconds_count", &m), 3.0);
    assert_eq!(after.value("offload_job_run_seconds_count", &m), 3.0);
    assert_eq!(
        after
            .types
            .get("offload_event_loop_lag_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    assert!(after.value("offload_worker_slots", &[]) >= 1.0);
}

#[tokio::test]
async fn queue_depth_follows_jobs_through_their_states() {
    let fx = Fixture::start().await;
    fx.call("POST", "/v1/queues/d/pause", None).await;
    let job = json!({"command": ["true"], "queue": "d"});
    let ids = [fx.submit(job.clone()).await, fx.submit(job).await];
    let queued = [("queue", "d"), ("state", "queued")];
    scrape_until(&fx, |e| e.value("offload_queue_depth", &queued) == 2.0).await;
    fx.call("POST", "/v1/queues/d/resume", None).await;
    for id in ids {
        fx.wait(id).await;
    }
    let running = [("queue", "d"), ("state", "running")];
    scrape_until(&fx, |e| {
        e.value("offload_queue_depth", &queued) == 0.0
            && e.value("offload_queue_depth", &running) == 0.0
    })
    .await;
}

#[tokio::test]
async fn stats_summarise_the_last_windows() {
    let fx = Fixture::start().await;
    let ok = json!({"command": ["true"], "queue": "s"});
    let bad = json!({"command": ["false"], "queue": "s", "retries": 0});
    for job in [ok.clone(), ok.clone(), ok, bad] {
        let id = fx.submit(job).await;
        fx.wait(id).await;
    }
    let stats: Value = fx.call("GET", "/v1/stats", None).await.json();
    let windows = stats["windows"].as_array().unwrap();
    let seconds: Vec<u64> = windows
        .iter()
        .map(|w| w["seconds"].as_u64().unwrap())
        .collect();
    assert_eq!(seconds, vec![60, 300, 3600]);
    for w in windows {
        assert_eq!(w["finished"], 4, "{w}");
        assert_eq!(w["failed"], 1, "{w}");
        assert_eq!(w["failure_rate"], 0.25, "{w}");
        assert!(w["run"]["p99"].as_f64().unwrap() >= w["run"]["p50"].as_f64().unwrap());
    }
    let worker = &stats["workers"][0];
    assert_eq!(worker["slots"], 2, "{stats}");
    assert!(stats["event_loop_lag"]["p99"].is_number(), "{stats}");
}

#[tokio::test]
async fn metrics_need_the_token_on_the_api_but_not_on_the_metrics_router() {
    let fx = Fixture::start().await;
    let refused = fx.send("GET", "/metrics", None, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = offload_http::metrics_router(fx.state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let text = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(text.status().as_u16(), 200);
    parse(&text.text().await.unwrap()).unwrap();
    let other = http
        .get(format!("http://{addr}/v1/jobs"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status().as_u16(),
        404,
        "the metrics address serves nothing else"
    );
}
