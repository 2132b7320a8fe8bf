//! Experiments: publishing results, reading reports, and enable, disable and
//! ramp.
//!
//! A published result is validated, then checked against the experiment's
//! settings (an unknown experiment is created, enabled at 100 %, by its first
//! result): a disabled experiment or a result outside the sample rate is
//! counted and not recorded. Otherwise the candidates are judged with the
//! experiment's comparison, and the store records the verdicts. The recipe is
//! `offload_engine::experiments::observe`, which shadow jobs use too.

use axum::Json;
use axum::extract::State;
use offload_core::experiment::{ExperimentUpdate, Verdict};
use offload_engine::experiments::{self, Observe, Observed, Sampling};
use offload_store::{ExperimentQuery, minute_of};

use crate::error::ApiError;
use crate::extract::{ExperimentPath, Params, ResultJson, WireJson};
use crate::state::AppState;
use crate::wire::units::now;
use crate::wire::{
    ErrorBody, ExperimentBody, ExperimentListResponse, ExperimentReportResponse,
    ExperimentUpdateRequest, ReportQuery, ResultRequest, ResultResponse, VerdictBody,
};

/// The longest timeline a report may ask for, in minutes (the history kept).
const MAX_MINUTES: u32 = 7 * 24 * 60;
/// The most stored mismatches a report may ask for.
const MAX_MISMATCHES: u32 = 100;

/// Publishes one result of an experiment: the control's and the candidates'.
#[utoipa::path(post, path = "/v1/experiments/{name}/results", tag = "experiments",
    params(("name" = String, Path, description = "The experiment's name")),
    request_body = ResultRequest,
    responses(
        (status = 200, description = "Recorded, or counted as disabled or sampled out", body = ResultResponse),
        (status = 400, description = "A bad name, a missing control, duplicate candidates, a bad duration", body = ErrorBody),
        (status = 413, description = "Body over the result limit (1 MiB by default)", body = ErrorBody),
    ))]
pub(crate) async fn experiment_publish(
    State(state): State<AppState>,
    ExperimentPath(name): ExperimentPath,
    ResultJson(body): ResultJson<ResultRequest>,
) -> Result<Json<ResultResponse>, ApiError> {
    let observation = body.into_observation()?;
    observation.validate()?;
    let engine = &state.engine;
    let config = experiments::settings(engine.store().as_ref(), &name).await?;
    let names: Vec<String> = observation
        .candidates
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let request = Observe {
        config,
        observation,
        sampling: Sampling::Draw,
        at: now(),
    };
    let response =
        match experiments::observe(engine.store().as_ref(), engine.metrics(), request).await? {
            Observed::Skipped(skip) => ResultResponse {
                recorded: false,
                skipped: Some(skip.as_str().to_owned()),
                candidates: Vec::new(),
            },
            Observed::Recorded(verdicts) => ResultResponse {
                recorded: true,
                skipped: None,
                candidates: names.into_iter().zip(&verdicts).map(verdict_body).collect(),
            },
        };
    Ok(Json(response))
}

fn verdict_body((name, verdict): (String, &Verdict)) -> VerdictBody {
    let mismatch = verdict.mismatch();
    VerdictBody {
        name,
        matched: verdict.is_match(),
        signature: mismatch.map(|m| m.signature.clone()),
        fields: mismatch.map(|m| m.fields.clone()).unwrap_or_default(),
    }
}

/// Every experiment with its settings and totals.
#[utoipa::path(get, path = "/v1/experiments", tag = "experiments",
    responses((status = 200, body = ExperimentListResponse)))]
pub(crate) async fn experiment_list(
    State(state): State<AppState>,
) -> Result<Json<ExperimentListResponse>, ApiError> {
    let found = state.engine.store().experiment_list().await?;
    let experiments = found.iter().map(ExperimentBody::from).collect();
    Ok(Json(ExperimentListResponse { experiments }))
}

/// One experiment: match rate over time, the top differing fields or lines,
/// latency percentiles of control and candidates, and recent mismatches.
#[utoipa::path(get, path = "/v1/experiments/{name}", tag = "experiments",
    params(("name" = String, Path, description = "The experiment's name"), ReportQuery),
    responses(
        (status = 200, body = ExperimentReportResponse),
        (status = 400, description = "A bad name or query", body = ErrorBody),
        (status = 404, description = "No such experiment", body = ErrorBody),
    ))]
pub(crate) async fn experiment_get(
    State(state): State<AppState>,
    ExperimentPath(name): ExperimentPath,
    Params(query): Params<ReportQuery>,
) -> Result<Json<ExperimentReportResponse>, ApiError> {
    let minutes = bounded("minutes", query.minutes.unwrap_or(60), MAX_MINUTES)?;
    let samples = bounded("mismatches", query.mismatches.unwrap_or(20), MAX_MISMATCHES)?;
    let since = minute_of(now()).minus(std::time::Duration::from_secs(60 * u64::from(minutes)));
    let query = ExperimentQuery {
        since,
        samples: samples as usize,
    };
    let report = state.engine.store().experiment_get(&name, &query).await?;
    let report =
        report.ok_or_else(|| ApiError::NotFound(format!("experiment {name} not found")))?;
    Ok(Json(ExperimentReportResponse::from(&report)))
}

fn bounded(field: &str, value: u32, max: u32) -> Result<u32, ApiError> {
    if value > max {
        return Err(ApiError::invalid(
            field,
            format!("{value} is over the limit of {max}"),
        ));
    }
    Ok(value)
}

/// Enables, disables or ramps an experiment, or changes its comparison;
/// creates it if unknown. Read-only dashboard users are refused.
#[utoipa::path(put, path = "/v1/experiments/{name}", tag = "experiments",
    params(("name" = String, Path, description = "The experiment's name")),
    request_body = ExperimentUpdateRequest,
    responses(
        (status = 200, body = ExperimentBody),
        (status = 400, description = "A bad name, a percent outside 0 to 100, a bad pattern", body = ErrorBody),
        (status = 403, description = "A read-only dashboard user", body = ErrorBody),
    ))]
pub(crate) async fn experiment_update(
    State(state): State<AppState>,
    ExperimentPath(name): ExperimentPath,
    WireJson(body): WireJson<ExperimentUpdateRequest>,
) -> Result<Json<ExperimentBody>, ApiError> {
    let update = ExperimentUpdate::from(body);
    update.validate()?;
    let store = state.engine.store();
    let now = now();
    store.experiment_update(&name, &update, now).await?;
    let query = ExperimentQuery {
        since: now,
        samples: 0,
    };
    let report = store.experiment_get(&name, &query).await?;
    let report = report.ok_or_else(|| ApiError::Internal(format!("experiment {name} vanished")))?;
    Ok(Json(ExperimentBody::from(&report.summary)))
}
