//! Conversions between the wire spec and `offload_core::JobSpec`.
//!
//! Only shape is checked here (a queue name's characters, `run_at` versus `delay`);
//! the bounds of every value are checked once, by `offload_core::validate` inside
//! `Engine::submit`, so the API and the CLI cannot drift apart on what is allowed.

use offload_core::spec::DEFAULT_IDEMPOTENCY_TTL;
use offload_core::{
    Backoff, Idempotency, Isolation, JobKind, JobSpec, Limits, Network, OutcomeClass, QueueName,
    RetryPolicy, Timestamp, dedupe,
};
use offload_engine::Submission;

use crate::wire::spec::{
    BackoffBody, JobSpecBody, LimitsBody, RetryClass, ShadowBody, WireIsolation, WireKind,
    WireNetwork,
};
use crate::wire::units::{WireDuration, WireSize, WireTimestamp};

/// A field of a request that cannot be turned into a spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// The field, as a dotted path.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn field_error(field: &str, problem: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

impl JobSpecBody {
    /// Turns the request into a submission, resolving `delay` against `now`.
    pub fn into_submission(self, now: Timestamp) -> Result<Submission, FieldError> {
        let run_at = resolve_run_at(self.run_at, self.delay, now)?;
        let queue = match &self.queue {
            Some(name) => QueueName::new(name.as_str()).map_err(|p| field_error("queue", p))?,
            None => QueueName::default(),
        };
        let defaults = JobSpec::default();
        let mut spec = JobSpec {
            kind: self.kind.map_or(JobKind::Command, JobKind::from),
            queue,
            priority: self.priority.unwrap_or(defaults.priority),
            timeout: self.timeout.map_or(defaults.timeout, |d| d.0),
            kill_after: self.kill_after.map_or(defaults.kill_after, |d| d.0),
            limits: self.limits.map(Limits::from).unwrap_or_default(),
            retry: retry_policy(self.retries, self.backoff, self.retry_on),
            run_at,
            result_ttl: self.result_ttl.map(|d| d.0),
            command: self.command,
            files: self.files,
            stdin: self.stdin,
            env: self.env,
            labels: self.labels,
            idempotency: None,
            isolation: match self.isolation {
                Some(WireIsolation::Strict) => Isolation::Strict,
                Some(WireIsolation::None) => Isolation::None,
                Some(WireIsolation::Standard) | None => Isolation::Standard,
            },
            network: match self.network {
                Some(WireNetwork::Host) => Network::Host,
                Some(WireNetwork::None) | None => Network::None,
            },
            shadow: self.shadow.map(Into::into),
        };
        spec.idempotency = idempotency(
            &spec,
            self.idempotency_key,
            self.idempotency_ttl,
            self.dedupe,
        )?;
        Ok(Submission {
            spec,
            dedupe: false,
        })
    }
}

fn resolve_run_at(
    run_at: Option<WireTimestamp>,
    delay: Option<WireDuration>,
    now: Timestamp,
) -> Result<Option<Timestamp>, FieldError> {
    match (run_at, delay) {
        (Some(_), Some(_)) => Err(field_error(
            "delay",
            "give either run_at or delay, not both",
        )),
        (Some(at), None) => Ok(Some(at.0)),
        (None, Some(delay)) => Ok(Some(now.plus(delay.0))),
        (None, None) => Ok(None),
    }
}

/// Resolves the idempotency key here rather than through `Submission::dedupe`, so
/// that a `dedupe` submission can carry its own `idempotency_ttl` too.
fn idempotency(
    spec: &JobSpec,
    key: Option<String>,
    ttl: Option<WireDuration>,
    dedupe: bool,
) -> Result<Option<Idempotency>, FieldError> {
    let ttl_given = ttl.is_some();
    let ttl = ttl.map_or(DEFAULT_IDEMPOTENCY_TTL, |d| d.0);
    match (key, dedupe) {
        (Some(key), _) => Ok(Some(Idempotency { key, ttl })),
        (None, true) => Ok(Some(Idempotency {
            key: format!("sha256:{}", dedupe::spec_hash(spec)),
            ttl,
        })),
        (None, false) if ttl_given => Err(field_error(
            "idempotency_ttl",
            "needs idempotency_key or dedupe",
        )),
        (None, false) => Ok(None),
    }
}

fn retry_policy(
    retries: Option<u32>,
    backoff: Option<BackoffBody>,
    retry_on: Option<Vec<RetryClass>>,
) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    RetryPolicy {
        max_retries: retries.unwrap_or(defaults.max_retries),
        backoff: backoff.map(Backoff::from).unwrap_or(defaults.backoff),
        retry_on: retry_on.map_or(defaults.retry_on, |classes| {
            classes.into_iter().map(OutcomeClass::from).collect()
        }),
    }
}

impl From<LimitsBody> for Limits {
    fn from(body: LimitsBody) -> Limits {
        let d = Limits::default();
        Limits {
            memory: body.memory.map_or(d.memory, |s| s.0),
            cpu: body.cpu.map_or(d.cpu, |c| c.0),
            processes: body.processes.unwrap_or(d.processes),
            file_size: body.file_size.map_or(d.file_size, |s| s.0),
            open_files: body.open_files.unwrap_or(d.open_files),
            output: body.output.map_or(d.output, |s| s.0),
        }
    }
}

impl From<BackoffBody> for Backoff {
    fn from(body: BackoffBody) -> Backoff {
        let d = Backoff::default();
        Backoff {
            base: body.base.map_or(d.base, |b| b.0),
            factor: body.factor.unwrap_or(d.factor),
            max: body.max.map_or(d.max, |m| m.0),
            jitter: body.jitter.unwrap_or(d.jitter),
        }
    }
}

impl From<&JobSpec> for JobSpecBody {
    /// Shows a stored spec with every field filled in, in a form that can be submitted again.
    fn from(spec: &JobSpec) -> JobSpecBody {
        let retry = &spec.retry;
        JobSpecBody {
            command: spec.command.clone(),
            files: spec.files.clone(),
            stdin: spec.stdin.clone(),
            env: spec.env.clone(),
            queue: Some(spec.queue.to_string()),
            priority: Some(spec.priority),
            timeout: Some(WireDuration(spec.timeout)),
            kill_after: Some(WireDuration(spec.kill_after)),
            limits: Some(LimitsBody::from(&spec.limits)),
            retries: Some(retry.max_retries),
            backoff: Some(BackoffBody::from(&retry.backoff)),
            retry_on: Some(
                retry
                    .retry_on
                    .iter()
                    .copied()
                    .map(RetryClass::from)
                    .collect(),
            ),
            idempotency_key: spec.idempotency.as_ref().map(|i| i.key.clone()),
            dedupe: false,
            idempotency_ttl: spec.idempotency.as_ref().map(|i| WireDuration(i.ttl)),
            run_at: spec.run_at.map(WireTimestamp),
            delay: None,
            result_ttl: spec.result_ttl.map(WireDuration),
            labels: spec.labels.clone(),
            kind: Some(spec.kind.into()),
            task: None,
            params: None,
            shadow: spec.shadow.as_ref().map(ShadowBody::from),
            isolation: Some(match spec.isolation {
                Isolation::Strict => WireIsolation::Strict,
                Isolation::Standard => WireIsolation::Standard,
                Isolation::None => WireIsolation::None,
            }),
            network: Some(match spec.network {
                Network::None => WireNetwork::None,
                Network::Host => WireNetwork::Host,
            }),
        }
    }
}

impl From<&Limits> for LimitsBody {
    fn from(l: &Limits) -> LimitsBody {
        LimitsBody {
            memory: Some(WireSize(l.memory)),
            cpu: Some(WireDuration(l.cpu)),
            processes: Some(l.processes),
            file_size: Some(WireSize(l.file_size)),
            open_files: Some(l.open_files),
            output: Some(WireSize(l.output)),
        }
    }
}

impl From<&Backoff> for BackoffBody {
    fn from(b: &Backoff) -> BackoffBody {
        BackoffBody {
            base: Some(WireDuration(b.base)),
            factor: Some(b.factor),
            max: Some(WireDuration(b.max)),
            jitter: Some(b.jitter),
        }
    }
}

impl From<WireKind> for JobKind {
    fn from(kind: WireKind) -> JobKind {
        match kind {
            WireKind::Command => JobKind::Command,
            WireKind::Noop => JobKind::Noop,
        }
    }
}

impl From<JobKind> for WireKind {
    fn from(kind: JobKind) -> WireKind {
        match kind {
            JobKind::Command => WireKind::Command,
            JobKind::Noop => WireKind::Noop,
        }
    }
}

impl From<RetryClass> for OutcomeClass {
    fn from(class: RetryClass) -> OutcomeClass {
        match class {
            RetryClass::Exited => OutcomeClass::Exited,
            RetryClass::Signaled => OutcomeClass::Signaled,
            RetryClass::TimedOut => OutcomeClass::TimedOut,
            RetryClass::CpuLimit => OutcomeClass::CpuLimit,
            RetryClass::MemoryLimit => OutcomeClass::MemoryLimit,
            RetryClass::FileSizeLimit => OutcomeClass::FileSizeLimit,
            RetryClass::OutputTruncated => OutcomeClass::OutputTruncated,
            RetryClass::WorkerLost => OutcomeClass::WorkerLost,
            RetryClass::SpawnError => OutcomeClass::SpawnError,
            RetryClass::SandboxUnavailable => OutcomeClass::SandboxUnavailable,
            RetryClass::SandboxError => OutcomeClass::SandboxError,
        }
    }
}

impl From<OutcomeClass> for RetryClass {
    fn from(class: OutcomeClass) -> RetryClass {
        match class {
            OutcomeClass::Exited => RetryClass::Exited,
            OutcomeClass::Signaled => RetryClass::Signaled,
            OutcomeClass::TimedOut => RetryClass::TimedOut,
            OutcomeClass::CpuLimit => RetryClass::CpuLimit,
            OutcomeClass::MemoryLimit => RetryClass::MemoryLimit,
            OutcomeClass::FileSizeLimit => RetryClass::FileSizeLimit,
            OutcomeClass::OutputTruncated => RetryClass::OutputTruncated,
            OutcomeClass::WorkerLost => RetryClass::WorkerLost,
            OutcomeClass::SpawnError => RetryClass::SpawnError,
            OutcomeClass::SandboxUnavailable => RetryClass::SandboxUnavailable,
            OutcomeClass::SandboxError => RetryClass::SandboxError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> JobSpecBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn omitted_fields_take_core_defaults() {
        let sub = body(r#"{"command":["true"]}"#)
            .into_submission(Timestamp(0))
            .unwrap();
        let expected = JobSpec {
            command: vec!["true".into()],
            ..JobSpec::default()
        };
        assert_eq!(sub.spec, expected);
    }

    #[test]
    fn a_shown_spec_submits_back_to_the_same_spec() {
        let json = r#"{"command":["sh","-c","x"],"limits":{"memory":"256M","cpu":"10s"},
            "retries":1,"backoff":{"base":"1s"},"retry_on":["timed_out"],
            "idempotency_key":"k","idempotency_ttl":"2h","delay":"10s","labels":{"a":"b"}}"#;
        let spec = body(json).into_submission(Timestamp(1_000)).unwrap().spec;
        assert_eq!(spec.limits.memory, 256 << 20);
        assert_eq!(spec.run_at, Some(Timestamp(11_000)));
        let shown = serde_json::to_string(&JobSpecBody::from(&spec)).unwrap();
        let again = body(&shown).into_submission(Timestamp(99)).unwrap().spec;
        assert_eq!(again, spec);
    }

    #[test]
    fn dedupe_keys_by_spec_hash_and_keeps_its_ttl() {
        let spec = body(r#"{"command":["true"],"dedupe":true,"idempotency_ttl":"5m"}"#)
            .into_submission(Timestamp(0))
            .unwrap()
            .spec;
        let key = spec.idempotency.unwrap();
        assert!(key.key.starts_with("sha256:"), "{}", key.key);
        assert_eq!(key.ttl.as_secs(), 300);
    }

    #[test]
    fn shape_errors_name_their_field() {
        let both = body(r#"{"command":["x"],"delay":"1s","run_at":"2030-01-01T00:00:00Z"}"#);
        assert_eq!(
            both.into_submission(Timestamp(0)).unwrap_err().field,
            "delay"
        );
        let queue = body(r#"{"command":["x"],"queue":"a/b"}"#);
        assert_eq!(
            queue.into_submission(Timestamp(0)).unwrap_err().field,
            "queue"
        );
        let ttl = body(r#"{"command":["x"],"idempotency_ttl":"5m"}"#);
        assert_eq!(
            ttl.into_submission(Timestamp(0)).unwrap_err().field,
            "idempotency_ttl"
        );
    }
}
