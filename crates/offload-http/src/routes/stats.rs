//! `GET /metrics` (Prometheus, OpenMetrics text) and `GET /v1/stats` (a JSON summary).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use offload_engine::metrics::recent::{Percentiles, WindowStats};

use crate::state::AppState;
use crate::wire::{
    LagBody, PercentilesBody, QueueDepthBody, StatsResponse, WindowBody, WorkerBody,
};

/// The content type of the OpenMetrics text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every metric, in the OpenMetrics text format.
#[utoipa::path(get, path = "/metrics", tag = "meta",
    responses((status = 200, content_type = "application/openmetrics-text", body = String)))]
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, OPENMETRICS)],
        state.observer.encode(),
    )
}

/// Throughput, wait and run percentiles, failure rate, queue depths, workers and lag.
#[utoipa::path(get, path = "/v1/stats", tag = "meta",
    responses((status = 200, body = StatsResponse)))]
pub(crate) async fn stats(State(state): State<AppState>) -> Json<StatsResponse> {
    let recent = &state.engine.metrics().recent;
    let windows = [60, 300, 3600]
        .into_iter()
        .map(|secs| window_body(&recent.window(Duration::from_secs(secs))))
        .collect();
    Json(StatsResponse {
        windows,
        queues: queue_depths(&state),
        workers: vec![worker(&state)],
        event_loop_lag: state.observer.lag().map(|lag| LagBody {
            p95: lag.p95.as_secs_f64(),
            p99: lag.p99.as_secs_f64(),
            samples: lag.samples,
        }),
    })
}

fn window_body(stats: &WindowStats) -> WindowBody {
    WindowBody {
        seconds: stats.window.as_secs(),
        finished: stats.finished,
        failed: stats.failed,
        throughput: stats.throughput(),
        failure_rate: stats.failure_rate(),
        wait: percentiles(stats.wait),
        run: percentiles(stats.run),
    }
}

fn percentiles(p: Percentiles) -> PercentilesBody {
    PercentilesBody {
        p50: p.p50.as_secs_f64(),
        p95: p.p95.as_secs_f64(),
        p99: p.p99.as_secs_f64(),
    }
}

fn queue_depths(state: &AppState) -> Vec<QueueDepthBody> {
    let mut out: Vec<QueueDepthBody> = Vec::new();
    for (queue, st, n) in state.observer.depths.snapshot() {
        if out.last().is_none_or(|q| q.queue != queue) {
            out.push(QueueDepthBody {
                queue,
                queued: 0,
                scheduled: 0,
                running: 0,
            });
        }
        if let Some(q) = out.last_mut() {
            match st.as_str() {
                "queued" => q.queued = n,
                "scheduled" => q.scheduled = n,
                _ => q.running = n,
            }
        }
    }
    out
}

fn worker(state: &AppState) -> WorkerBody {
    let metrics = state.engine.metrics();
    WorkerBody {
        worker: state.observe_config.worker.clone(),
        slots: metrics.slots.get(),
        busy: metrics.busy.get(),
        sandbox_tier: state.observe_config.sandbox_tier.clone(),
    }
}
