//! The route table and the router built from it.
//!
//! [`table`] is the single list of routes: the router is built from it and the
//! OpenAPI completeness test reads it, so a route cannot be added to one without
//! the other noticing. Each entry names its verb once; the axum method filter and
//! the OpenAPI method are both derived from it, so they cannot disagree either.

mod dead;
mod events;
mod experiments;
mod jobs;
mod meta;
mod output;
mod queues;
mod stats;
mod submit;
mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::middleware;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) use self::{
    dead::*, events::*, experiments::*, jobs::*, meta::*, output::*, queues::*, stats::*,
    submit::*, tasks::*,
};

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

impl Verb {
    /// The method in lower case, as OpenAPI path items name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: only the health check.
    Public,
    /// Callers with the bearer token.
    Token,
}

/// One route: its verb, path and access, as the OpenAPI test sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// The method.
    pub verb: Verb,
    /// The path, with `{param}` placeholders as in OpenAPI.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

struct Entry {
    info: RouteInfo,
    handler: MethodRouter<AppState>,
}

fn entry<H, T>(verb: Verb, path: &'static str, access: Access, handler: H) -> Entry
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Entry {
        info: RouteInfo { verb, path, access },
        handler: on(verb.filter(), handler),
    }
}

fn table() -> Vec<Entry> {
    use Access::{Public, Token};
    use Verb::{Get, Post, Put};
    vec![
        entry(Get, "/healthz", Public, healthz),
        entry(Get, "/v1/openapi.json", Token, openapi_json),
        entry(Get, "/v1/system", Token, system),
        entry(Get, "/metrics", Token, metrics),
        entry(Get, "/v1/stats", Token, stats),
        entry(Post, "/v1/jobs", Token, submit_one),
        entry(Post, "/v1/jobs/batch", Token, submit_batch),
        entry(Get, "/v1/jobs", Token, list_jobs),
        entry(Get, "/v1/jobs/{id}", Token, get_job),
        entry(Get, "/v1/jobs/{id}/wait", Token, wait_job),
        entry(Get, "/v1/jobs/{id}/output", Token, job_output),
        entry(Get, "/v1/jobs/{id}/output/{stream}", Token, job_output_raw),
        entry(Post, "/v1/jobs/{id}/cancel", Token, cancel_job),
        entry(Get, "/v1/jobs/{id}/events", Token, job_events),
        entry(Get, "/v1/dead", Token, dead_list),
        entry(Post, "/v1/dead/{id}/retry", Token, dead_retry_one),
        entry(Post, "/v1/dead/retry", Token, dead_retry_all),
        entry(Post, "/v1/dead/purge", Token, dead_purge),
        entry(Get, "/v1/queues", Token, queue_list),
        entry(Post, "/v1/queues/{name}/pause", Token, queue_pause),
        entry(Post, "/v1/queues/{name}/resume", Token, queue_resume),
        entry(Put, "/v1/queues/{name}", Token, queue_set_concurrency),
        entry(Get, "/v1/tasks", Token, list_tasks),
        entry(Post, "/v1/manifest/reload", Token, reload_manifest),
        entry(Get, "/v1/experiments", Token, experiment_list),
        entry(Get, "/v1/experiments/{name}", Token, experiment_get),
        entry(Put, "/v1/experiments/{name}", Token, experiment_update),
        entry(
            Post,
            "/v1/experiments/{name}/results",
            Token,
            experiment_publish,
        ),
    ]
}

/// Every route the router serves.
pub fn routes() -> Vec<RouteInfo> {
    table().into_iter().map(|e| e.info).collect()
}

/// The API as an axum router; serve it, or call it in tests with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Router {
    let (mut public, mut protected) = (Router::new(), Router::new());
    for Entry { info, handler } in table() {
        match info.access {
            Access::Public => public = public.route(info.path, handler),
            Access::Token => protected = protected.route(info.path, handler),
        }
    }
    let protected = protected.route_layer(middleware::from_fn_with_state(
        state.clone(),
        crate::dashboard::require_session_or_token,
    ));
    public
        .merge(protected)
        .merge(crate::dashboard::routes())
        .fallback(|| async { ApiError::NoRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .with_state(state)
}

/// Only `GET /metrics`, without authentication: serve it on a private address
/// (`--metrics-listen`) for a Prometheus that holds no token.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", on(MethodFilter::GET, stats::metrics))
        .fallback(|| async { ApiError::NoRoute })
        .with_state(state)
}
