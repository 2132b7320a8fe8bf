//! The demo service shared by the `axum_service` example and the `lag_bench`
//! benchmark, so the benchmark measures exactly the routes a reader sees.
//!
//! The blocking work is `std::thread::sleep(20 ms)`, not a busy loop. It
//! stands for the case `BlockingPool` exists for: a synchronous call that
//! waits (a blocking database driver, a file read, a legacy SDK) and holds a
//! thread without using a core. A busy loop would be CPU-bound, and on a
//! two-core machine no pool can run more of it than there are cores; that is
//! `CpuPool`'s job and its ceiling is the core count, not a multiple of it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use offload_pool::{BlockingPool, ErrorKind, LagProbe, PoolConfig};
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

/// How long one request's blocking work takes.
pub const WORK: Duration = Duration::from_millis(20);

/// Pretends to be a 20 ms synchronous call.
pub fn blocking_work() -> &'static str {
    std::thread::sleep(WORK);
    "done\n"
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Where `/pooled` sends its work.
    pub pool: BlockingPool,
    /// Watches this service's own runtime.
    pub probe: Arc<LagProbe>,
    /// Holds the pool's and the probe's metrics for `/metrics`.
    pub registry: Arc<Registry>,
}

impl AppState {
    /// A pool sized for blocking waits (many more threads than cores) and a
    /// probe on the current runtime; call from inside the runtime.
    pub fn start() -> Result<Self, offload_pool::PoolError> {
        let config = PoolConfig {
            name: "demo".to_owned(),
            threads: 64,
            ..PoolConfig::default()
        };
        let pool = BlockingPool::new(config)?;
        let probe = LagProbe::start(offload_pool::LagProbeConfig::default())?;
        let mut registry = Registry::default();
        pool.register_metrics(&mut registry);
        probe.register_metrics(&mut registry);
        Ok(Self {
            pool,
            probe: Arc::new(probe),
            registry: Arc::new(registry),
        })
    }
}

/// The service's routes: two ways to do the same work, and what to watch.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/inline", get(inline))
        .route("/pooled", get(pooled))
        .route("/lag", get(lag))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Does the work on the runtime's own thread: every other task on that
/// thread waits 20 ms.
async fn inline() -> &'static str {
    blocking_work()
}

/// Hands the work to the pool and frees the runtime thread while it runs.
async fn pooled(State(state): State<AppState>) -> Result<&'static str, (StatusCode, String)> {
    let handle = state
        .pool
        .try_submit(blocking_work)
        .map_err(|err| match err.kind() {
            ErrorKind::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()),
        })?;
    handle
        .await
        .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

async fn lag(State(state): State<AppState>) -> String {
    format!("{:?}\n", state.probe.stats())
}

async fn metrics(State(state): State<AppState>) -> Result<String, StatusCode> {
    let mut text = String::new();
    encode(&mut text, &state.registry).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(text)
}
