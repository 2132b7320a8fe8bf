//! An axum service with one blocking handler served two ways, to show what
//! `BlockingPool` changes: `/inline` runs 20 ms of blocking work on the
//! runtime thread, `/pooled` runs the same work on the pool. `/lag` shows the
//! runtime's event-loop lag and `/metrics` the Prometheus export.
//!
//! Run it with `cargo run -p offload-pool --example axum_service` and try
//! `curl 127.0.0.1:3000/pooled`, `/inline`, `/lag` and `/metrics`; set
//! `OFFLOAD_DEMO_ADDR` to listen elsewhere. Ctrl-C shuts the pool down with
//! a five second deadline. `lag_bench` fires load at the same routes.

mod service;

use std::time::Duration;

use service::{AppState, router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("OFFLOAD_DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let state = AppState::start()?;
    let pool = state.pool.clone();
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{addr} (/inline, /pooled, /lag, /metrics)");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    let report = pool
        .shutdown(tokio::time::Instant::now() + Duration::from_secs(5))
        .await;
    println!("pool shut down: {report:?}");
    Ok(())
}
