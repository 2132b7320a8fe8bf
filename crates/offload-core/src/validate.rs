//! Validation of a job spec, with errors that name the field and the limit.
//!
//! Every submission passes through [`validate`] before anything is written, so a
//! bad request loses nothing and disturbs no other job. The bounds are generous
//! enough for real work and tight enough that no single job can exhaust the host.

use std::time::Duration;

use crate::spec::{JobKind, JobSpec};

mod shadow;

/// A spec field that is out of bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SpecError {
    /// The field, as a dotted path: `limits.memory`, `files["a/b"]`.
    pub field: String,
    /// What is wrong, naming the limit.
    pub problem: String,
}

fn fail(field: impl Into<String>, problem: impl Into<String>) -> SpecError {
    SpecError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// The bounds a spec must respect.
pub mod bounds {
    use std::time::Duration;

    /// Most argv elements.
    pub const MAX_ARGS: usize = 4096;
    /// Most total bytes of argv.
    pub const MAX_ARGV_BYTES: usize = 1 << 20;
    /// Most files.
    pub const MAX_FILES: usize = 256;
    /// Most total bytes of files.
    pub const MAX_FILES_BYTES: usize = 16 << 20;
    /// Longest file name.
    pub const MAX_FILE_NAME: usize = 255;
    /// Most bytes of stdin.
    pub const MAX_STDIN: usize = 16 << 20;
    /// Most environment variables.
    pub const MAX_ENV: usize = 256;
    /// Most labels.
    pub const MAX_LABELS: usize = 64;
    /// Longest label key or value.
    pub const MAX_LABEL_LEN: usize = 256;
    /// Priority range.
    pub const PRIORITY: std::ops::RangeInclusive<i32> = -1000..=1000;
    /// Longest soft timeout.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);
    /// Longest grace before SIGKILL.
    pub const MAX_KILL_AFTER: Duration = Duration::from_secs(3600);
    /// Least and most memory.
    pub const MEMORY: std::ops::RangeInclusive<u64> = (1 << 20)..=(256 << 30);
    /// Least and most CPU time.
    pub const CPU: std::ops::RangeInclusive<Duration> =
        Duration::from_secs(1)..=Duration::from_secs(7 * 24 * 3600);
    /// Least and most processes.
    pub const PROCESSES: std::ops::RangeInclusive<u32> = 1..=65_536;
    /// Least and most file size.
    pub const FILE_SIZE: std::ops::RangeInclusive<u64> = 1..=(1 << 40);
    /// Least and most open files.
    pub const OPEN_FILES: std::ops::RangeInclusive<u32> = 8..=1_048_576;
    /// Least and most bytes of output kept per stream.
    pub const OUTPUT: std::ops::RangeInclusive<u64> = 0..=(64 << 20);
    /// Most retries.
    pub const MAX_RETRIES: u32 = 100;
    /// Longest backoff delay.
    pub const MAX_BACKOFF: Duration = Duration::from_secs(7 * 24 * 3600);
    /// Longest idempotency key.
    pub const MAX_KEY_LEN: usize = 256;
}

/// Checks every field of `spec` against [`bounds`].
pub fn validate(spec: &JobSpec) -> Result<(), SpecError> {
    validate_command(spec)?;
    validate_files(spec)?;
    validate_env_and_labels(spec)?;
    validate_times(spec)?;
    validate_limits(spec)?;
    validate_retry(spec)?;
    shadow::validate_shadow(spec)
}

/// Checks an argv that must run: a program name, then [`check_argv_size`].
fn validate_argv(field: &str, argv: &[String]) -> Result<(), SpecError> {
    if argv.first().is_none_or(|c| c.is_empty()) {
        return Err(fail(
            field,
            "must name a program: an empty command cannot run",
        ));
    }
    check_argv_size(field, argv)
}

/// Checks an argv against [`bounds::MAX_ARGS`] and [`bounds::MAX_ARGV_BYTES`].
fn check_argv_size(field: &str, argv: &[String]) -> Result<(), SpecError> {
    if argv.len() > bounds::MAX_ARGS {
        return Err(fail(
            field,
            format!("at most {} arguments", bounds::MAX_ARGS),
        ));
    }
    if argv.iter().map(String::len).sum::<usize>() > bounds::MAX_ARGV_BYTES {
        return Err(fail(
            field,
            format!("at most {} bytes in all", bounds::MAX_ARGV_BYTES),
        ));
    }
    if argv.iter().any(|a| a.contains('\0')) {
        return Err(fail(field, "arguments cannot contain NUL bytes"));
    }
    Ok(())
}

fn validate_command(spec: &JobSpec) -> Result<(), SpecError> {
    if spec.kind == JobKind::Command {
        validate_argv("command", &spec.command)?;
    } else if spec.shadow.is_some() {
        return Err(fail(
            "shadow",
            "needs a command job: a no-op job has no output to compare",
        ));
    }
    check_argv_size("command", &spec.command)?;
    match &spec.stdin {
        Some(s) if s.len() > bounds::MAX_STDIN => Err(fail(
            "stdin",
            format!("at most {} bytes", bounds::MAX_STDIN),
        )),
        _ => Ok(()),
    }
}

fn validate_files(spec: &JobSpec) -> Result<(), SpecError> {
    if spec.files.len() > bounds::MAX_FILES {
        return Err(fail(
            "files",
            format!("at most {} files", bounds::MAX_FILES),
        ));
    }
    if spec.files.values().map(String::len).sum::<usize>() > bounds::MAX_FILES_BYTES {
        return Err(fail(
            "files",
            format!("at most {} bytes in all", bounds::MAX_FILES_BYTES),
        ));
    }
    for name in spec.files.keys() {
        let bad = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']);
        if bad || name.len() > bounds::MAX_FILE_NAME {
            let why = format!(
                "must be a plain file name of 1 to {} bytes, without '/' or '..'",
                bounds::MAX_FILE_NAME
            );
            return Err(fail(format!("files[{name:?}]"), why));
        }
    }
    Ok(())
}

fn validate_env_and_labels(spec: &JobSpec) -> Result<(), SpecError> {
    if spec.env.len() > bounds::MAX_ENV {
        return Err(fail(
            "env",
            format!("at most {} variables", bounds::MAX_ENV),
        ));
    }
    for (name, value) in &spec.env {
        let first_ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || value.contains('\0')
        {
            return Err(fail(
                format!("env[{name:?}]"),
                "names are [A-Za-z_][A-Za-z0-9_]* and values have no NUL",
            ));
        }
    }
    if spec.labels.len() > bounds::MAX_LABELS {
        return Err(fail(
            "labels",
            format!("at most {} labels", bounds::MAX_LABELS),
        ));
    }
    let too_long = |s: &String| s.len() > bounds::MAX_LABEL_LEN;
    match spec
        .labels
        .iter()
        .find(|(k, v)| k.is_empty() || too_long(k) || too_long(v))
    {
        Some((k, _)) => Err(fail(
            format!("labels[{k:?}]"),
            format!(
                "keys are 1 to {0} bytes, values at most {0}",
                bounds::MAX_LABEL_LEN
            ),
        )),
        None => Ok(()),
    }
}

fn validate_times(spec: &JobSpec) -> Result<(), SpecError> {
    if !bounds::PRIORITY.contains(&spec.priority) {
        return Err(fail("priority", "must be from -1000 to 1000"));
    }
    check_duration(
        "timeout",
        spec.timeout,
        Duration::from_millis(1),
        bounds::MAX_TIMEOUT,
    )?;
    check_duration(
        "kill_after",
        spec.kill_after,
        Duration::ZERO,
        bounds::MAX_KILL_AFTER,
    )?;
    match &spec.idempotency {
        Some(i) if i.key.is_empty() || i.key.len() > bounds::MAX_KEY_LEN => Err(fail(
            "idempotency_key",
            format!("must be 1 to {} bytes", bounds::MAX_KEY_LEN),
        )),
        Some(i) => check_duration(
            "idempotency_ttl",
            i.ttl,
            Duration::from_secs(1),
            Duration::from_secs(30 * 24 * 3600),
        ),
        None => Ok(()),
    }
}

fn validate_limits(spec: &JobSpec) -> Result<(), SpecError> {
    let l = &spec.limits;
    check_range("limits.memory", l.memory, &bounds::MEMORY, "bytes")?;
    check_duration(
        "limits.cpu",
        l.cpu,
        *bounds::CPU.start(),
        *bounds::CPU.end(),
    )?;
    check_range(
        "limits.processes",
        u64::from(l.processes),
        &widen(&bounds::PROCESSES),
        "processes",
    )?;
    check_range("limits.file_size", l.file_size, &bounds::FILE_SIZE, "bytes")?;
    check_range(
        "limits.open_files",
        u64::from(l.open_files),
        &widen(&bounds::OPEN_FILES),
        "files",
    )?;
    check_range("limits.output", l.output, &bounds::OUTPUT, "bytes")
}

fn validate_retry(spec: &JobSpec) -> Result<(), SpecError> {
    let r = &spec.retry;
    if r.max_retries > bounds::MAX_RETRIES {
        return Err(fail("retries", format!("at most {}", bounds::MAX_RETRIES)));
    }
    check_duration(
        "backoff.base",
        r.backoff.base,
        Duration::ZERO,
        bounds::MAX_BACKOFF,
    )?;
    check_duration(
        "backoff.max",
        r.backoff.max,
        Duration::ZERO,
        bounds::MAX_BACKOFF,
    )?;
    if !(1.0..=100.0).contains(&r.backoff.factor) {
        return Err(fail("backoff.factor", "must be from 1 to 100"));
    }
    if !(0.0..=1.0).contains(&r.backoff.jitter) {
        return Err(fail("backoff.jitter", "must be from 0 to 1"));
    }
    Ok(())
}

fn widen(r: &std::ops::RangeInclusive<u32>) -> std::ops::RangeInclusive<u64> {
    u64::from(*r.start())..=u64::from(*r.end())
}

fn check_range(
    field: &str,
    v: u64,
    r: &std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<(), SpecError> {
    if r.contains(&v) {
        return Ok(());
    }
    Err(fail(
        field,
        format!(
            "{v} is out of range: must be from {} to {} {unit}",
            r.start(),
            r.end()
        ),
    ))
}

fn check_duration(field: &str, v: Duration, min: Duration, max: Duration) -> Result<(), SpecError> {
    if v >= min && v <= max {
        return Ok(());
    }
    Err(fail(
        field,
        format!("{v:?} is out of range: must be from {min:?} to {max:?}"),
    ))
}

#[cfg(test)]
mod tests;
