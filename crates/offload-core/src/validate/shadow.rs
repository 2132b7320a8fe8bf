//! Validation of a job's shadow: its command, its patterns and its experiment.

use super::{SpecError, fail, validate_argv};
use crate::shadow::bounds;
use crate::spec::JobSpec;

/// Checks `spec.shadow`, if any: a command that can run, at most
/// [`bounds::MAX_NORMALIZE`] patterns that compile, and a valid experiment name.
pub(super) fn validate_shadow(spec: &JobSpec) -> Result<(), SpecError> {
    let Some(shadow) = &spec.shadow else {
        return Ok(());
    };
    validate_argv("shadow.command", &shadow.command)?;
    if shadow.normalize.len() > bounds::MAX_NORMALIZE {
        return Err(fail(
            "shadow.normalize",
            format!("at most {} patterns", bounds::MAX_NORMALIZE),
        ));
    }
    for (i, pattern) in shadow.normalize.iter().enumerate() {
        crate::experiment::compile_pattern(pattern)
            .map_err(|problem| fail(format!("shadow.normalize[{i}]"), problem))?;
    }
    shadow.experiment_name(spec).map_err(|e| {
        let hint = if shadow.experiment.is_none() {
            " (the default is \"shadow-\" and the queue; give shadow.experiment)"
        } else {
            ""
        };
        fail("shadow.experiment", format!("{}{hint}", e.problem))
    })?;
    Ok(())
}
