//! Queues: their counts, pausing and resuming, and concurrency limits.

use axum::Json;
use axum::extract::State;
use offload_store::QueueUpdate;

use crate::error::ApiError;
use crate::extract::{QueuePath, WireJson};
use crate::state::AppState;
use crate::wire::{ConcurrencyRequest, ErrorBody, QueueListResponse, QueueResponse};

/// Every known queue with its settings and job counts.
#[utoipa::path(get, path = "/v1/queues", tag = "queues",
    responses((status = 200, body = QueueListResponse)))]
pub(crate) async fn queue_list(
    State(state): State<AppState>,
) -> Result<Json<QueueListResponse>, ApiError> {
    let queues = state.engine.store().queue_list().await?;
    let queues = queues.iter().map(QueueResponse::from).collect();
    Ok(Json(QueueListResponse { queues }))
}

/// Stops claiming from a queue; running jobs go on.
#[utoipa::path(post, path = "/v1/queues/{name}/pause", tag = "queues",
    params(("name" = String, Path, description = "The queue's name")),
    responses(
        (status = 200, body = QueueResponse),
        (status = 400, description = "Not a queue name", body = ErrorBody),
    ))]
pub(crate) async fn queue_pause(
    State(state): State<AppState>,
    QueuePath(name): QueuePath,
) -> Result<Json<QueueResponse>, ApiError> {
    let update = QueueUpdate {
        paused: Some(true),
        ..QueueUpdate::default()
    };
    update_queue(&state, &name, &update).await
}

/// Claims from a paused queue again.
#[utoipa::path(post, path = "/v1/queues/{name}/resume", tag = "queues",
    params(("name" = String, Path, description = "The queue's name")),
    responses(
        (status = 200, body = QueueResponse),
        (status = 400, description = "Not a queue name", body = ErrorBody),
    ))]
pub(crate) async fn queue_resume(
    State(state): State<AppState>,
    QueuePath(name): QueuePath,
) -> Result<Json<QueueResponse>, ApiError> {
    let update = QueueUpdate {
        paused: Some(false),
        ..QueueUpdate::default()
    };
    update_queue(&state, &name, &update).await
}

/// Sets or clears a queue's concurrency limit.
#[utoipa::path(put, path = "/v1/queues/{name}", tag = "queues",
    params(("name" = String, Path, description = "The queue's name")),
    request_body = ConcurrencyRequest,
    responses(
        (status = 200, body = QueueResponse),
        (status = 400, description = "Not a queue name, or a bad limit", body = ErrorBody),
    ))]
pub(crate) async fn queue_set_concurrency(
    State(state): State<AppState>,
    QueuePath(name): QueuePath,
    WireJson(body): WireJson<ConcurrencyRequest>,
) -> Result<Json<QueueResponse>, ApiError> {
    if body.concurrency == Some(0) {
        let problem = "must be at least 1, or null for no limit; pause the queue to stop it";
        return Err(ApiError::invalid("concurrency", problem));
    }
    let update = QueueUpdate {
        concurrency: Some(body.concurrency),
        ..QueueUpdate::default()
    };
    update_queue(&state, &name, &update).await
}

async fn update_queue(
    state: &AppState,
    name: &offload_core::QueueName,
    update: &QueueUpdate,
) -> Result<Json<QueueResponse>, ApiError> {
    let info = state.engine.store().queue_update(name, update).await?;
    Ok(Json(QueueResponse::from(&info)))
}
