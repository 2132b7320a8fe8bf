//! After a shadow job finished: read both runs, compare them, record the result.
//!
//! Each run becomes one [`Observed`] value. For `json` it is an object
//! `{"exit_code", "stdout", "stderr"}` (stdout parsed as JSON when it is JSON,
//! so differences are paths inside it). For `exact` and `lines` it is one text,
//! so a line diff reads naturally: stdout as it is, then every stderr line
//! prefixed `stderr: `, then a last line `exit: N` (or `exit: timed_out`, the
//! outcome, when the process did not exit by itself). The shadow's `normalize`
//! patterns are added to the experiment's own and the comparator deletes their
//! matches from every string, so the stored samples keep the raw outputs.

use std::sync::Arc;

use offload_core::experiment::{
    Candidate, Comparison, ExperimentConfig, Observation, Observed as Run,
};
use offload_core::{Job, JobId, ShadowSpec};
use offload_store::JobOutput;
use serde_json::{Map, Value, json};

use super::{ShadowEvent, ShadowStep};
use crate::engine::Inner;
use crate::experiments::{self, Observe, Observed, Sampling};

/// The candidate's name in every shadow observation.
const CANDIDATE: &str = "shadow";

/// Compares the shadow job `shadow` with `control` and records the result.
pub(super) async fn after_candidate(inner: Arc<Inner>, control: JobId, shadow: JobId) {
    let step = compare(&inner, control, shadow).await;
    let (experiment, step) = match step {
        Ok(done) => done,
        Err(err) => {
            tracing::warn!(job_id = %shadow, control = %control, %err, "shadow not compared");
            return;
        }
    };
    inner.shadow_events.send(ShadowEvent {
        control,
        shadow: Some(shadow),
        experiment,
        step,
    });
}

type Compared = (offload_core::experiment::ExperimentName, ShadowStep);

async fn compare(inner: &Inner, control: JobId, shadow: JobId) -> Result<Compared, String> {
    let (control_job, control_out) = read(inner, control).await?;
    let (shadow_job, shadow_out) = read(inner, shadow).await?;
    let spec = control_job.spec.shadow.as_ref();
    let spec = spec.ok_or_else(|| format!("job {control} carries no shadow"))?;
    let name = spec
        .experiment_name(&control_job.spec)
        .map_err(|e| e.to_string())?;
    let config = settings(inner, &name, spec).await?;
    let observation = Observation {
        control: run(&control_job, &control_out, spec.compare),
        candidates: vec![Candidate {
            name: CANDIDATE.to_owned(),
            observed: run(&shadow_job, &shadow_out, spec.compare),
        }],
        context: context(control, shadow),
    };
    let request = Observe {
        config,
        observation,
        sampling: Sampling::Done,
        at: inner.clock.now(),
    };
    let observed = experiments::observe(inner.store.as_ref(), &inner.metrics, request).await;
    let result = match observed.map_err(|e| e.to_string())? {
        Observed::Skipped(skip) => skip.as_str(),
        Observed::Recorded(verdicts) if verdicts.iter().all(|v| v.is_match()) => "match",
        Observed::Recorded(_) => "mismatch",
    };
    Ok((name, ShadowStep::Compared(result)))
}

/// The experiment's settings with the shadow's comparison and its patterns
/// added to the experiment's own.
async fn settings(
    inner: &Inner,
    name: &offload_core::experiment::ExperimentName,
    shadow: &ShadowSpec,
) -> Result<ExperimentConfig, String> {
    let mut config = experiments::settings(inner.store.as_ref(), name)
        .await
        .map_err(|e| e.to_string())?;
    config.comparison = shadow.compare;
    config.normalize.extend(shadow.normalize.iter().cloned());
    Ok(config)
}

async fn read(inner: &Inner, id: JobId) -> Result<(Job, JobOutput), String> {
    let job = inner.store.job_get(id).await.map_err(|e| e.to_string())?;
    let job = job.ok_or_else(|| format!("job {id} is gone"))?;
    // Output past its result TTL compares as empty.
    let output = inner
        .store
        .job_output(id)
        .await
        .map_err(|e| e.to_string())?;
    Ok((job, output.unwrap_or_default()))
}

fn context(control: JobId, shadow: JobId) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("control_job".to_owned(), json!(control.0));
    context.insert("shadow_job".to_owned(), json!(shadow.0));
    context
}

/// One run as an observed value, shaped for `comparison`.
fn run(job: &Job, output: &JobOutput, comparison: Comparison) -> Run {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let exit = exit(job);
    let value = match comparison {
        Comparison::Json => {
            let stdout = serde_json::from_str(&stdout).unwrap_or_else(|_| json!(stdout));
            json!({"exit_code": exit, "stdout": stdout, "stderr": stderr})
        }
        Comparison::Exact | Comparison::Lines => json!(text(&stdout, &stderr, &exit)),
    };
    Run {
        value,
        error: None,
        duration_ms: duration_ms(job),
    }
}

/// The exit code, or the outcome's kind when the process did not exit by itself.
fn exit(job: &Job) -> Value {
    match job.exit_code() {
        Some(code) => json!(code),
        None => {
            let outcome = job.last_attempt().and_then(|a| a.outcome.as_ref());
            json!(outcome.map_or("unknown", |o| o.kind()))
        }
    }
}

/// stdout, then stderr's lines prefixed `stderr: `, then `exit: N`.
fn text(stdout: &str, stderr: &str, exit: &Value) -> String {
    let mut text = stdout.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for line in stderr.lines() {
        text.push_str("stderr: ");
        text.push_str(line);
        text.push('\n');
    }
    let exit = exit
        .as_str()
        .map_or_else(|| exit.to_string(), str::to_owned);
    text.push_str(&format!("exit: {exit}\n"));
    text
}

/// The wall time of the last attempt, in milliseconds.
fn duration_ms(job: &Job) -> f64 {
    let Some(attempt) = job.last_attempt() else {
        return 0.0;
    };
    let finished = attempt.finished_at.unwrap_or(attempt.started_at);
    finished.since(attempt.started_at).as_millis() as f64
}
