//! The one recipe for recording an experiment observation, shared by the
//! publish route (`POST /v1/experiments/{name}/results`) and by shadow jobs.
//!
//! An observation is checked against its experiment's settings (an unknown
//! experiment gets the defaults, enabled at 100 %): a disabled experiment or a
//! draw outside the sample rate is counted and not recorded. Otherwise the
//! candidates are judged with the experiment's comparison, the store records
//! the verdicts, and the result is counted. Keeping this in one place means the
//! two ways in cannot drift apart on what is counted or kept.

use offload_core::Timestamp;
use offload_core::experiment::{
    Comparator, ExperimentConfig, ExperimentName, Observation, Verdict,
};
use offload_store::{ObservationRecord, Store, StoreError};

use crate::error::EngineError;
use crate::metrics::Metrics;

/// Why an observation was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The experiment is switched off.
    Disabled,
    /// The draw fell outside the experiment's sample rate.
    SampledOut,
}

impl Skip {
    /// The name used in metrics and on the wire: `disabled` or `sampled_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Disabled => "disabled",
            Skip::SampledOut => "sampled_out",
        }
    }
}

/// Whether to draw against the sample rate, or whether the caller already did
/// (a shadow job is sampled before it is enqueued, not again when compared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// Draw now.
    Draw,
    /// The observation was sampled already; only a disabled experiment skips it.
    Done,
}

/// One observation to record.
#[derive(Debug, Clone)]
pub struct Observe {
    /// The experiment's settings, from [`settings`], possibly with the
    /// comparison or patterns overridden by the caller.
    pub config: ExperimentConfig,
    /// What the control and candidates produced (already validated).
    pub observation: Observation,
    /// Whether to draw against the sample rate.
    pub sampling: Sampling,
    /// When it was made: it counts in this minute of the experiment's timeline.
    pub at: Timestamp,
}

/// What became of an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Counted and not recorded.
    Skipped(Skip),
    /// Recorded: one verdict per candidate, in order.
    Recorded(Vec<Verdict>),
}

/// An experiment's stored settings, or the defaults of a new experiment.
pub async fn settings(
    store: &dyn Store,
    name: &ExperimentName,
) -> Result<ExperimentConfig, StoreError> {
    let stored = store.experiment_config(name).await?;
    Ok(stored.unwrap_or_else(|| ExperimentConfig::new(name.clone())))
}

/// Why an observation of `config` is not recorded, if it is not; a skip is
/// counted in `offload_experiment_observations_total`.
pub fn admit(metrics: &Metrics, config: &ExperimentConfig, sampling: Sampling) -> Option<Skip> {
    let skip = if !config.enabled {
        Some(Skip::Disabled)
    } else if sampling == Sampling::Draw && rand::random::<f64>() * 100.0 >= config.percent {
        Some(Skip::SampledOut)
    } else {
        None
    };
    if let Some(skip) = skip {
        metrics.experiment_observed(config.name.as_str(), skip.as_str());
    }
    skip
}

/// Admits, judges, records and counts one observation.
pub async fn observe(
    store: &dyn Store,
    metrics: &Metrics,
    request: Observe,
) -> Result<Observed, EngineError> {
    let Observe {
        config,
        observation,
        sampling,
        at,
    } = request;
    if let Some(skip) = admit(metrics, &config, sampling) {
        return Ok(Observed::Skipped(skip));
    }
    let comparator = Comparator::new(&config).map_err(|source| EngineError::Settings {
        name: config.name.to_string(),
        source,
    })?;
    let verdicts = comparator.judge(&observation);
    let record = ObservationRecord {
        experiment: config.name.clone(),
        observation,
        verdicts: verdicts.clone(),
        at,
        draw: rand::random(),
    };
    let recorded = store.experiment_record(record).await?;
    let result = if recorded.matched {
        "match"
    } else {
        "mismatch"
    };
    metrics.experiment_observed(config.name.as_str(), result);
    Ok(Observed::Recorded(verdicts))
}
