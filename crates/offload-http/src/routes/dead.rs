//! Dead letters: jobs that failed for good, and the operator's ways out.

use axum::Json;
use axum::extract::State;
use offload_core::StateName;
use offload_store::{DeadSelector, JobFilter};

use crate::error::ApiError;
use crate::extract::{IdPath, Params};
use crate::routes::jobs::{list_page, load_job, page_limit, parse_queue};
use crate::state::AppState;
use crate::wire::units::now;
use crate::wire::{ErrorBody, JobPageResponse, PageQuery, PurgedResponse, RetriedResponse};

/// Failed jobs, newest first, paginated.
#[utoipa::path(get, path = "/v1/dead", tag = "dead letters",
    params(PageQuery),
    responses(
        (status = 200, body = JobPageResponse),
        (status = 400, description = "A page over the limit", body = ErrorBody),
    ))]
pub(crate) async fn dead_list(
    State(state): State<AppState>,
    Params(query): Params<PageQuery>,
) -> Result<Json<JobPageResponse>, ApiError> {
    let filter = JobFilter {
        states: vec![StateName::Failed],
        queue: parse_queue(query.queue.as_deref())?,
        label: None,
        before: query.before.map(offload_core::JobId),
        limit: page_limit(&state, query.limit)?,
    };
    list_page(&state, &filter).await.map(Json)
}

/// Queues one failed job again with a fresh retry budget.
#[utoipa::path(post, path = "/v1/dead/{id}/retry", tag = "dead letters",
    params(("id" = i64, Path, description = "The job's id")),
    responses(
        (status = 200, body = RetriedResponse),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job is not failed", body = ErrorBody),
    ))]
pub(crate) async fn dead_retry_one(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<RetriedResponse>, ApiError> {
    let retried = state
        .engine
        .store()
        .dead_retry(DeadSelector::One(id), now())
        .await?;
    if retried == 0 {
        let job = load_job(&state, id).await?;
        let is = job.state.name().as_str();
        return Err(ApiError::WrongState(format!(
            "job {id} is {is}, not failed"
        )));
    }
    Ok(Json(RetriedResponse { retried }))
}

/// Queues every failed job again.
#[utoipa::path(post, path = "/v1/dead/retry", tag = "dead letters",
    responses((status = 200, body = RetriedResponse)))]
pub(crate) async fn dead_retry_all(
    State(state): State<AppState>,
) -> Result<Json<RetriedResponse>, ApiError> {
    let retried = state
        .engine
        .store()
        .dead_retry(DeadSelector::All, now())
        .await?;
    Ok(Json(RetriedResponse { retried }))
}

/// Deletes every failed job.
#[utoipa::path(post, path = "/v1/dead/purge", tag = "dead letters",
    responses((status = 200, body = PurgedResponse)))]
pub(crate) async fn dead_purge(
    State(state): State<AppState>,
) -> Result<Json<PurgedResponse>, ApiError> {
    let purged = state.engine.store().dead_purge().await?;
    Ok(Json(PurgedResponse { purged }))
}
