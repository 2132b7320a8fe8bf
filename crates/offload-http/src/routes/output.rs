//! A finished job's kept output: as JSON text, or one stream's raw bytes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use offload_core::JobId;
use offload_store::JobOutput;

use crate::error::ApiError;
use crate::extract::{IdPath, path_param};
use crate::routes::jobs::load_job;
use crate::state::AppState;
use crate::wire::{ErrorBody, OutputResponse};

/// Both streams as lossy UTF-8 text, with truncation flags.
#[utoipa::path(get, path = "/v1/jobs/{id}/output", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id")),
    responses(
        (status = 200, body = OutputResponse),
        (status = 404, description = "No such job, or no output kept", body = ErrorBody),
    ))]
pub(crate) async fn job_output(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<OutputResponse>, ApiError> {
    let output = load_output(&state, id).await?;
    Ok(Json(OutputResponse::from(&output)))
}

/// One stream's bytes exactly as the job wrote them (up to the output limit).
#[utoipa::path(get, path = "/v1/jobs/{id}/output/{stream}", tag = "jobs",
    params(
        ("id" = i64, Path, description = "The job's id"),
        ("stream" = String, Path, description = "`stdout` or `stderr`"),
    ),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "Not a stream name", body = ErrorBody),
        (status = 404, description = "No such job, or no output kept", body = ErrorBody),
    ))]
pub(crate) async fn job_output_raw(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    Path(params): Path<Vec<(String, String)>>,
) -> Result<impl IntoResponse, ApiError> {
    let stream = path_param(&params, "stream")?.to_owned();
    let output = load_output(&state, id).await?;
    let bytes = match stream.as_str() {
        "stdout" => output.stdout,
        "stderr" => output.stderr,
        other => {
            let problem = format!("{other:?} is not a stream: use stdout or stderr");
            return Err(ApiError::invalid("stream", problem));
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

async fn load_output(state: &AppState, id: JobId) -> Result<JobOutput, ApiError> {
    if let Some(output) = state.engine.store().job_output(id).await? {
        return Ok(output);
    }
    // Tell "no such job" from "nothing kept", which a client handles differently.
    let job = load_job(state, id).await?;
    Err(ApiError::NotFound(format!(
        "job {id} ({}) has no output kept: it has not finished, or its result_ttl has passed",
        job.state.name().as_str()
    )))
}
