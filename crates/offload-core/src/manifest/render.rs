//! Rendering a task into a [`JobSpec`] with values from a caller.
//!
//! Each placeholder becomes exactly one argv element and nothing is ever passed through a
//! shell, so a value like `; rm -rf /` or `$(reboot)` reaches the program as inert text.
//! Values are type-checked first. String and path values may not start with `-`, so a
//! value cannot smuggle an option into a positional argument; an option must be declared
//! as an `enum`, whose values the manifest's author chose.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::RenderError;
use super::template::{ArgTemplate, TemplatePart};
use super::types::{Manifest, ParamValue, Task};
use super::value::{Input, check_value};
use crate::retry::RetryPolicy;
use crate::spec::JobSpec;

/// The label that names the task a job was rendered from.
pub const TASK_LABEL: &str = "offload.task";
/// The label that carries the rendered cache key, when the task has one.
pub const CACHE_KEY_LABEL: &str = "offload.cache_key";

impl Manifest {
    /// Renders `task_id` with `params` into a validated job spec.
    pub fn render(
        &self,
        task_id: &str,
        params: &Map<String, Value>,
    ) -> Result<JobSpec, RenderError> {
        let task = self
            .task(task_id)
            .ok_or_else(|| RenderError::UnknownTask(task_id.to_owned()))?;
        let values = resolve(task, params)?;
        let spec = job_spec(task, &values);
        crate::validate::validate(&spec).map_err(|problem| RenderError::Spec {
            task: task.id.clone(),
            problem,
        })?;
        Ok(spec)
    }

    /// Renders `task_id` with every parameter at its default, as `offload run` does; a task
    /// with a required parameter fails with [`RenderError::MissingParam`].
    pub fn render_defaults(&self, task_id: &str) -> Result<JobSpec, RenderError> {
        self.render(task_id, &Map::new())
    }
}

/// Checks every given value and fills in defaults; every declared parameter gets a value.
fn resolve(
    task: &Task,
    params: &Map<String, Value>,
) -> Result<BTreeMap<String, ParamValue>, RenderError> {
    if let Some(unknown) = params.keys().find(|name| task.param(name).is_none()) {
        return Err(RenderError::UnknownParam {
            task: task.id.clone(),
            param: unknown.clone(),
        });
    }
    let mut values = BTreeMap::new();
    for param in &task.params {
        let value = match (params.get(&param.name), &param.default) {
            (Some(given), _) => check_value(param, Input::from_json(given)).map_err(|problem| {
                RenderError::InvalidValue {
                    task: task.id.clone(),
                    param: param.name.clone(),
                    problem,
                }
            })?,
            (None, Some(default)) => default.clone(),
            (None, None) => {
                return Err(RenderError::MissingParam {
                    task: task.id.clone(),
                    param: param.name.clone(),
                });
            }
        };
        values.insert(param.name.clone(), value);
    }
    Ok(values)
}

fn job_spec(task: &Task, values: &BTreeMap<String, ParamValue>) -> JobSpec {
    // Validation guarantees every placeholder names a declared parameter, and `resolve`
    // gives every declared parameter a value, so the lookups below cannot miss.
    let value = |name: &str| values.get(name).map(ParamValue::render).unwrap_or_default();
    let command = task
        .command
        .iter()
        .map(|arg| match arg {
            ArgTemplate::Literal(text) => text.clone(),
            ArgTemplate::Param(name) => value(name),
        })
        .collect();
    let mut labels = BTreeMap::from([(TASK_LABEL.to_owned(), task.id.clone())]);
    if let Some(key) = &task.cache_key {
        let rendered: String = key
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Text(text) => text.clone(),
                TemplatePart::Param(name) => value(name),
            })
            .collect();
        labels.insert(CACHE_KEY_LABEL.to_owned(), rendered);
    }
    JobSpec {
        command,
        queue: task.queue.clone(),
        priority: task.priority.rank(),
        timeout: task.timeout,
        limits: task.limits.clone(),
        retry: RetryPolicy {
            max_retries: task.retries,
            ..RetryPolicy::default()
        },
        labels,
        ..JobSpec::default()
    }
}
