//! Shadow jobs: a candidate command that runs after a job, on the same inputs,
//! so that its exit code and output can be compared with the job's.
//!
//! A job that carries a [`ShadowSpec`] runs as usual and its result is returned
//! as usual. Once it has finished for good, the engine enqueues the shadow as a
//! job of its own on a low-priority queue, and when that finishes it compares
//! the two runs as an experiment (see [`crate::experiment`]). This module holds
//! only the data and the names; validation lives in [`crate::validate()`].

use serde::{Deserialize, Serialize};

use crate::experiment::{Comparison, ExperimentName};
use crate::spec::JobSpec;

/// The label a shadow job carries, naming the job it shadows.
pub const SHADOW_OF_LABEL: &str = "shadow_of";
/// The label a shadow job carries, naming its experiment.
pub const EXPERIMENT_LABEL: &str = "experiment";
/// The prefix of the default experiment name: `shadow-` and the queue.
pub const DEFAULT_PREFIX: &str = "shadow-";

/// The limits of a shadow spec.
pub mod bounds {
    /// The most normalization patterns of one shadow.
    pub const MAX_NORMALIZE: usize = 16;
    /// The longest normalization pattern, in bytes.
    pub const MAX_PATTERN: usize = crate::experiment::bounds::MAX_PATTERN;
}

/// A candidate command run after a job, compared with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowSpec {
    /// The candidate's argv; everything else (files, stdin, env, limits,
    /// isolation) is the job's own.
    pub command: Vec<String>,
    /// How the two runs are compared; `exact` unless given.
    #[serde(default = "exact")]
    pub compare: Comparison,
    /// Regular expressions whose matches are deleted from the stdout and stderr
    /// of both runs before comparing: process ids, timestamps, temp paths.
    #[serde(default)]
    pub normalize: Vec<String>,
    /// The experiment the comparisons are recorded under; `None` takes
    /// [`ShadowSpec::experiment_name`]'s default.
    #[serde(default)]
    pub experiment: Option<String>,
}

fn exact() -> Comparison {
    Comparison::Exact
}

impl Default for ShadowSpec {
    fn default() -> Self {
        ShadowSpec {
            command: Vec::new(),
            compare: Comparison::Exact,
            normalize: Vec::new(),
            experiment: None,
        }
    }
}

impl ShadowSpec {
    /// The experiment's name as written: the given one, or `shadow-` and the
    /// queue of `control`. It may be invalid; [`ShadowSpec::experiment_name`]
    /// checks it.
    pub fn experiment_text(&self, control: &JobSpec) -> String {
        self.experiment
            .clone()
            .unwrap_or_else(|| format!("{DEFAULT_PREFIX}{}", control.queue.as_str()))
    }

    /// The experiment the comparisons of `control` and this shadow go to.
    pub fn experiment_name(
        &self,
        control: &JobSpec,
    ) -> Result<ExperimentName, crate::experiment::ExperimentError> {
        ExperimentName::new(self.experiment_text(control))
    }
}
