//! The task manifest over HTTP: list the tasks, reload the manifest, and turn a
//! `{"task": …, "params": …}` submission into a rendered job.

use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::{
    ErrorBody, FieldError, JobSpecBody, ParamBody, ShadowBody, TaskBody, TasksResponse,
};
use axum::Json;
use axum::extract::State;
use offload_core::manifest::{ParamType, RenderError};
use offload_core::{JobSpec, Timestamp};
use offload_engine::Submission;

/// Lists the tasks of the server's manifest.
#[utoipa::path(get, path = "/v1/tasks", tag = "tasks",
    responses((status = 200, description = "The tasks", body = TasksResponse)))]
pub(crate) async fn list_tasks(State(state): State<AppState>) -> Json<TasksResponse> {
    let current = state.tasks.current();
    let tasks = current.as_ref().map_or_else(Vec::new, |m| {
        m.manifest.tasks.iter().map(task_body).collect()
    });
    Json(TasksResponse {
        checksum: current.map(|m| m.checksum.clone()),
        raw_commands_allowed: state.tasks.raw_commands_allowed(),
        tasks,
    })
}

/// Reloads the manifest from its file; an invalid one is rejected and the old one kept.
#[utoipa::path(post, path = "/v1/manifest/reload", tag = "tasks",
    responses(
        (status = 200, description = "The new manifest is in force", body = TasksResponse),
        (status = 400, description = "The file is invalid; the old manifest stays", body = ErrorBody),
    ))]
pub(crate) async fn reload_manifest(
    State(state): State<AppState>,
) -> Result<Json<TasksResponse>, ApiError> {
    state.tasks.reload().map_err(|err| {
        ApiError::Invalid(FieldError {
            field: "manifest".into(),
            problem: err.to_string(),
        })
    })?;
    Ok(list_tasks(State(state)).await)
}

fn task_body(task: &offload_core::manifest::Task) -> TaskBody {
    let params = task.params.iter().map(|p| ParamBody {
        name: p.name.clone(),
        kind: p.kind.name().to_owned(),
        required: p.required,
        values: match &p.kind {
            ParamType::Enum { values } => Some(values.clone()),
            _ => None,
        },
    });
    TaskBody {
        id: task.id.clone(),
        description: task.description.clone(),
        params: params.collect(),
        timeout_ms: u64::try_from(task.timeout.as_millis()).unwrap_or(u64::MAX),
        queue: task.queue.to_string(),
    }
}

/// Turns a submitted body into a submission: a task is rendered from the manifest,
/// a raw command is accepted only where the server allows it.
pub(crate) fn resolve(
    state: &AppState,
    mut body: JobSpecBody,
    now: Timestamp,
) -> Result<Submission, ApiError> {
    let shadow_command = body.shadow.as_ref().is_some_and(|s| !s.command.is_empty());
    if shadow_command && !state.tasks.raw_commands_allowed() {
        let problem = "this server runs only the tasks of its manifest, and a shadow's command \
                       is a raw command: start it with --allow-raw-commands";
        return Err(invalid("shadow.command", problem));
    }
    if let Some(shadow) = body.shadow.as_mut() {
        render_shadow_task(state, shadow)?;
    }
    if body.task.is_some() {
        return render_task(state, body, now);
    }
    if !state.tasks.raw_commands_allowed() {
        let problem = "this server runs only the tasks of its manifest (GET /v1/tasks); \
                       submit {\"task\": ..., \"params\": ...} or start it with --allow-raw-commands";
        return Err(invalid("command", problem));
    }
    body.into_submission(now).map_err(ApiError::Invalid)
}

fn render_task(
    state: &AppState,
    body: JobSpecBody,
    now: Timestamp,
) -> Result<Submission, ApiError> {
    let manifest = state.tasks.current().ok_or_else(|| {
        invalid(
            "task",
            "this server has no task manifest; submit a `command` instead",
        )
    })?;
    refuse_spec_fields(&body)?;
    let id = body.task.clone().unwrap_or_default();
    let params = body.params.clone().unwrap_or_default();
    let spec = manifest
        .manifest
        .render(&id, &params)
        .map_err(|e| render_error(&e))?;
    overlay(&spec, body)
        .into_submission(now)
        .map_err(ApiError::Invalid)
}

/// A shadow may name a task of the manifest instead of a command. The task is rendered
/// with its params into the candidate's argv (the job's files, env and limits still
/// apply), and the shadow reports to the experiment `shadow-<task>` unless it names one.
fn render_shadow_task(state: &AppState, shadow: &mut ShadowBody) -> Result<(), ApiError> {
    let Some(task) = shadow.task.take() else {
        return match shadow.params {
            Some(_) => Err(invalid("shadow.params", "params belong to a shadow `task`")),
            None => Ok(()),
        };
    };
    if !shadow.command.is_empty() {
        return Err(invalid(
            "shadow",
            "give the shadow a `command` or a `task`, not both",
        ));
    }
    let manifest = state.tasks.current().ok_or_else(|| {
        invalid(
            "shadow.task",
            "this server has no task manifest; give the shadow a `command` instead",
        )
    })?;
    let params = shadow.params.take().unwrap_or_default();
    let spec = manifest
        .manifest
        .render(&task, &params)
        .map_err(|e| invalid(&format!("shadow.{}", render_field(&e)), &e.to_string()))?;
    shadow.command = spec.command;
    shadow
        .experiment
        .get_or_insert_with(|| format!("shadow-{task}"));
    Ok(())
}

/// The rendered spec, with the envelope fields a task submission may set.
fn overlay(spec: &JobSpec, body: JobSpecBody) -> JobSpecBody {
    let mut rendered = JobSpecBody::from(spec);
    rendered.idempotency_key = body.idempotency_key;
    rendered.dedupe = body.dedupe;
    rendered.idempotency_ttl = body.idempotency_ttl;
    rendered.run_at = body.run_at;
    rendered.delay = body.delay;
    rendered.priority = body.priority.or(rendered.priority);
    rendered.labels.extend(body.labels);
    rendered.shadow = body.shadow;
    rendered
}

/// A task's manifest defines what runs and under which limits; a submission that
/// tries to set those is refused rather than silently overridden.
fn refuse_spec_fields(body: &JobSpecBody) -> Result<(), ApiError> {
    let set = [
        ("command", !body.command.is_empty()),
        ("files", !body.files.is_empty()),
        ("stdin", body.stdin.is_some()),
        ("env", !body.env.is_empty()),
        ("queue", body.queue.is_some()),
        ("timeout", body.timeout.is_some()),
        ("kill_after", body.kill_after.is_some()),
        ("limits", body.limits.is_some()),
        ("retries", body.retries.is_some()),
        ("backoff", body.backoff.is_some()),
        ("retry_on", body.retry_on.is_some()),
        ("kind", body.kind.is_some()),
    ];
    match set.iter().find(|(_, is_set)| *is_set) {
        Some((field, _)) => Err(invalid(
            field,
            "a task job takes this from the manifest; remove it",
        )),
        None => Ok(()),
    }
}

fn render_error(err: &RenderError) -> ApiError {
    invalid(&render_field(err), &err.to_string())
}

/// The submission field a render error is about.
fn render_field(err: &RenderError) -> String {
    match err {
        RenderError::UnknownParam { param, .. }
        | RenderError::MissingParam { param, .. }
        | RenderError::InvalidValue { param, .. } => format!("params.{param}"),
        _ => "task".to_owned(),
    }
}

fn invalid(field: &str, problem: &str) -> ApiError {
    ApiError::Invalid(FieldError {
        field: field.to_owned(),
        problem: problem.to_owned(),
    })
}
