//! Submitting jobs, one or a batch, atomically.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use offload_core::{JobId, JobSpec, Timestamp};
use offload_engine::Submission;
use offload_store::Inserted;

use crate::error::{ApiError, batch_index};
use crate::extract::WireJson;
use crate::state::AppState;
use crate::wire::units::now;
use crate::wire::{BatchRequest, BatchResponse, ErrorBody, JobSpecBody, SubmitResponse, WireState};

/// Submits one job.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs",
    request_body = JobSpecBody,
    responses(
        (status = 201, description = "The job was created", body = SubmitResponse),
        (status = 200, description = "An idempotency key returned an existing job", body = SubmitResponse),
        (status = 400, description = "Bad JSON or a bad field", body = ErrorBody),
        (status = 409, description = "Idempotency key reused with a different spec", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
    ))]
pub(crate) async fn submit_one(
    State(state): State<AppState>,
    WireJson(body): WireJson<JobSpecBody>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let now = now();
    let submission = super::tasks::resolve(&state, body, now)?;
    let mut answers = submit(&state, vec![submission], Shape::One, now).await?;
    let answer = answers
        .pop()
        .ok_or_else(|| ApiError::Internal("the store returned no id for a submission".into()))?;
    Ok((created_status(answer.created), Json(answer)))
}

/// Submits many jobs; either all are accepted or none is.
#[utoipa::path(post, path = "/v1/jobs/batch", tag = "jobs",
    request_body = BatchRequest,
    responses(
        (status = 201, description = "At least one job was created", body = BatchResponse),
        (status = 200, description = "Every job already existed", body = BatchResponse),
        (status = 400, description = "Bad JSON or a bad field, named as `jobs[i].field`", body = ErrorBody),
        (status = 409, description = "Idempotency key reused with a different spec", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
    ))]
pub(crate) async fn submit_batch(
    State(state): State<AppState>,
    WireJson(body): WireJson<BatchRequest>,
) -> Result<(StatusCode, Json<BatchResponse>), ApiError> {
    let now = now();
    let submissions = body
        .jobs
        .into_iter()
        .enumerate()
        .map(|(i, job)| super::tasks::resolve(&state, job, now).map_err(|e| e.in_batch(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let jobs = submit(&state, submissions, Shape::Batch, now).await?;
    let any_created = jobs.iter().any(|j| j.created);
    Ok((created_status(any_created), Json(BatchResponse { jobs })))
}

fn created_status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Whether the request was a single job or a batch, which decides whether error
/// fields are prefixed with `jobs[i].`.
#[derive(Clone, Copy)]
enum Shape {
    One,
    Batch,
}

async fn submit(
    state: &AppState,
    submissions: Vec<Submission>,
    shape: Shape,
    now: Timestamp,
) -> Result<Vec<SubmitResponse>, ApiError> {
    let specs: Vec<JobSpec> = submissions.iter().map(|s| s.spec.clone()).collect();
    let inserted = state.engine.submit(submissions).await.map_err(|err| {
        let index = batch_index(&err);
        let api = ApiError::from(err);
        match (shape, index) {
            (Shape::Batch, Some(i)) => api.in_batch(i),
            _ => api,
        }
    })?;
    let mut answers = Vec::with_capacity(inserted.len());
    for (ins, spec) in inserted.iter().zip(&specs) {
        answers.push(answer(state, *ins, spec, now).await?);
    }
    Ok(answers)
}

/// The state to report: a new job is scheduled or queued by its `run_at`; an
/// existing job is read, since it may have run already.
async fn answer(
    state: &AppState,
    ins: Inserted,
    spec: &JobSpec,
    now: Timestamp,
) -> Result<SubmitResponse, ApiError> {
    let wire_state = if ins.created {
        match spec.run_at {
            Some(at) if at > now => WireState::Scheduled,
            _ => WireState::Queued,
        }
    } else {
        current_state(state, ins.id).await?
    };
    Ok(SubmitResponse {
        id: ins.id.0,
        created: ins.created,
        state: wire_state,
    })
}

async fn current_state(state: &AppState, id: JobId) -> Result<WireState, ApiError> {
    let job = state.engine.store().job_get(id).await?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("job {id} not found")))?;
    Ok(job.state.name().into())
}
