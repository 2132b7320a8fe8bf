//! Reading, waiting for, listing and cancelling jobs.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use offload_core::{Job, JobId, QueueName, StateName};
use offload_store::JobFilter;

use crate::error::ApiError;
use crate::extract::{IdPath, Params};
use crate::state::AppState;
use crate::wire::units::parse_duration;
use crate::wire::{CancelResponse, ErrorBody, JobPageResponse, JobResponse, ListQuery, WaitQuery};

/// One job with its attempts.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id")),
    responses(
        (status = 200, body = JobResponse),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub(crate) async fn get_job(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<JobResponse>, ApiError> {
    let job = load_job(&state, id).await?;
    Ok(Json(with_progress(&state, &job)))
}

/// The wire form of a job, with the latest progress of its running attempt when that
/// attempt runs on this server's engine.
pub(crate) fn with_progress(state: &AppState, job: &Job) -> JobResponse {
    let mut response = JobResponse::from(job);
    if let offload_core::JobState::Running { attempt, .. } = &job.state
        && let Some((reporter, progress)) = state.engine.progress(job.id)
        && reporter == *attempt
    {
        response.progress = Some((&progress).into());
    }
    response
}

/// Reads a job, or fails with `not_found`.
pub(crate) async fn load_job(state: &AppState, id: JobId) -> Result<Job, ApiError> {
    state
        .engine
        .store()
        .job_get(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("job {id} not found")))
}

/// Waits until the job is terminal or the timeout passes, then returns it as it is.
#[utoipa::path(get, path = "/v1/jobs/{id}/wait", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id"), WaitQuery),
    responses(
        (status = 200, description = "The job, terminal unless the timeout passed", body = JobResponse),
        (status = 400, description = "Timeout over the limit", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub(crate) async fn wait_job(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    Params(query): Params<WaitQuery>,
) -> Result<Json<JobResponse>, ApiError> {
    let timeout = wait_timeout(&state, query.timeout.as_deref())?;
    let job = state.engine.wait(id, timeout).await?;
    Ok(Json(with_progress(&state, &job)))
}

/// Parses `timeout` as a duration ("30s") or milliseconds, within the server's limit.
fn wait_timeout(state: &AppState, given: Option<&str>) -> Result<Duration, ApiError> {
    let Some(text) = given else {
        return Ok(state.config.default_wait);
    };
    let timeout = match text.parse::<u64>() {
        Ok(ms) => Duration::from_millis(ms),
        Err(_) => parse_duration(text).map_err(|p| ApiError::invalid("timeout", p))?,
    };
    let max = state.config.max_wait;
    if timeout > max {
        let max = humantime::format_duration(max);
        return Err(ApiError::invalid(
            "timeout",
            format!("{text} is over the limit of {max}"),
        ));
    }
    Ok(timeout)
}

/// Jobs, newest first, filtered and paginated.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs",
    params(ListQuery),
    responses(
        (status = 200, body = JobPageResponse),
        (status = 400, description = "A bad filter, or a page over the limit", body = ErrorBody),
    ))]
pub(crate) async fn list_jobs(
    State(state): State<AppState>,
    Params(query): Params<ListQuery>,
) -> Result<Json<JobPageResponse>, ApiError> {
    let filter = JobFilter {
        states: parse_states(query.state.as_deref())?,
        queue: parse_queue(query.queue.as_deref())?,
        label: parse_label(query.label.as_deref())?,
        before: query.before.map(JobId),
        limit: page_limit(&state, query.limit)?,
    };
    list_page(&state, &filter).await.map(Json)
}

/// Runs a listing and converts it.
pub(crate) async fn list_page(
    state: &AppState,
    filter: &JobFilter,
) -> Result<JobPageResponse, ApiError> {
    let page = state.engine.store().job_list(filter).await?;
    Ok(JobPageResponse {
        jobs: page.jobs.iter().map(JobResponse::from).collect(),
        next: page.next.map(|id| id.0),
    })
}

fn parse_states(given: Option<&str>) -> Result<Vec<StateName>, ApiError> {
    let Some(text) = given else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(|name| {
            StateName::parse(name.trim()).ok_or_else(|| {
                let known: Vec<_> = StateName::ALL.iter().map(|s| s.as_str()).collect();
                ApiError::invalid(
                    "state",
                    format!("{name:?} is not one of {}", known.join(", ")),
                )
            })
        })
        .collect()
}

/// Parses an optional queue name from a query.
pub(crate) fn parse_queue(given: Option<&str>) -> Result<Option<QueueName>, ApiError> {
    given
        .map(|name| QueueName::new(name).map_err(|p| ApiError::invalid("queue", p)))
        .transpose()
}

fn parse_label(given: Option<&str>) -> Result<Option<(String, String)>, ApiError> {
    let Some(text) = given else { return Ok(None) };
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok(Some((key.to_owned(), value.to_owned()))),
        _ => Err(ApiError::invalid(
            "label",
            format!("{text:?} is not key=value"),
        )),
    }
}

/// The page size, within `1..=max_page`.
pub(crate) fn page_limit(state: &AppState, given: Option<u32>) -> Result<u32, ApiError> {
    let max = state.config.max_page;
    match given {
        None => Ok(state.config.default_page.min(max)),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            "limit",
            format!("{n} is out of range: must be from 1 to {max}"),
        )),
    }
}

/// Cancels a job: at once if it waits, by killing it if it runs.
#[utoipa::path(post, path = "/v1/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id")),
    responses(
        (status = 200, body = CancelResponse),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub(crate) async fn cancel_job(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<CancelResponse>, ApiError> {
    let outcome = state.engine.cancel(id).await?;
    Ok(Json(CancelResponse::new(id.0, &outcome)))
}
