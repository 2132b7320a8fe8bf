//! The before/after benchmark: 500 concurrent requests at `/inline`, then at
//! `/pooled`, reporting event-loop lag and throughput for each.
//!
//! Run with `cargo run --release -p offload-pool --example lag_bench`.
//! Requests go through the axum router in-process with tower's `oneshot`, each
//! in its own spawned task, so handlers run on the runtime exactly as they
//! would behind a socket, without the network in the numbers. The runtime has
//! two worker threads (the size of the machine this was written on), and a
//! fresh `LagProbe` sampling every millisecond watches each phase. Lag is printed twice: less the 1 ms
//! tokio timer slack (the probe's default) and raw.

mod service;

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use offload_pool::{LagProbe, LagProbeConfig, LagStats};
use service::{AppState, router};
use tokio::task::JoinSet;
use tower::ServiceExt;

const REQUESTS: usize = 500;

/// Sample every millisecond (tokio's timer resolution) so that even the short
/// pooled phase yields enough samples for a p95.
const PROBE_INTERVAL: Duration = Duration::from_millis(1);

/// What one phase measured.
struct Phase {
    route: &'static str,
    elapsed: Duration,
    failures: usize,
    lag: LagStats,
    raw_lag: LagStats,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let state = AppState::start()?;
        let app = router(state.clone());
        let inline = run_phase(&app, "/inline").await;
        let pooled = run_phase(&app, "/pooled").await;
        print_phase(&inline);
        print_phase(&pooled);
        let speedup = inline.elapsed.as_secs_f64() / pooled.elapsed.as_secs_f64();
        println!("throughput pooled/inline: {speedup:.1}x");
        println!("pool stats: {:?}", state.pool.stats());
        Ok(())
    })
}

/// Fires `REQUESTS` concurrent requests at `route` while two probes watch.
async fn run_phase(app: &Router, route: &'static str) -> Phase {
    let config = LagProbeConfig {
        interval: PROBE_INTERVAL,
        window: 100_000,
        ..LagProbeConfig::default()
    };
    let raw = LagProbeConfig {
        timer_slack: Duration::ZERO,
        ..config.clone()
    };
    let probe = LagProbe::start(config).expect("in runtime");
    let raw_probe = LagProbe::start(raw).expect("in runtime");
    // Both probes are sleeping on the timer before the load arrives.
    probe.wait_for_samples(1).await;
    raw_probe.wait_for_samples(1).await;
    let started = Instant::now();
    let mut requests = JoinSet::new();
    for _ in 0..REQUESTS {
        let request = Request::get(route)
            .body(Body::empty())
            .expect("static request");
        requests.spawn(app.clone().oneshot(request));
    }
    let mut failures = 0;
    while let Some(response) = requests.join_next().await {
        let ok = matches!(response, Ok(Ok(ref response)) if response.status() == StatusCode::OK);
        failures += usize::from(!ok);
    }
    let elapsed = started.elapsed();
    Phase {
        route,
        elapsed,
        failures,
        lag: probe.stats(),
        raw_lag: raw_probe.stats(),
    }
}

fn print_phase(phase: &Phase) {
    let throughput = REQUESTS as f64 / phase.elapsed.as_secs_f64();
    let (lag, raw) = (&phase.lag, &phase.raw_lag);
    println!(
        "{:<8} {REQUESTS} requests in {:>7.1} ms = {throughput:>7.1} req/s, failures {}, \
         lag p50/p95/p99/max {:.3}/{:.3}/{:.3}/{:.3} ms (raw p95 {:.3} ms, {} samples)",
        phase.route,
        phase.elapsed.as_secs_f64() * 1e3,
        phase.failures,
        millis(lag.p50),
        millis(lag.p95),
        millis(lag.p99),
        millis(lag.max),
        millis(raw.p95),
        lag.samples,
    );
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
