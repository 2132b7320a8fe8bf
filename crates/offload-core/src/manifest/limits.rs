//! The `limits` table of `[defaults]` and of a task, checked against the job bounds.
//!
//! A task's table overrides the defaults key by key, so a task that only raises `memory`
//! keeps every other default limit.

use toml::Spanned;

use super::error::{ErrorKind, Locator, ManifestError};
use super::raw::RawLimits;
use crate::spec::Limits;
use crate::units::{parse_duration, parse_size};
use crate::validate::bounds;

type Result<T> = std::result::Result<T, ManifestError>;

/// Returns `base` with every key set in `raw` replaced.
pub(super) fn apply_limits(at: Locator<'_>, base: Limits, raw: &RawLimits) -> Result<Limits> {
    let mut limits = base;
    if let Some(memory) = &raw.memory {
        limits.memory = size(at, "memory", memory, &bounds::MEMORY)?;
    }
    if let Some(cpu) = &raw.cpu {
        limits.cpu = cpu_time(at, cpu)?;
    }
    if let Some(processes) = &raw.processes {
        limits.processes = count(at, "processes", processes, &bounds::PROCESSES)?;
    }
    if let Some(file_size) = &raw.file_size {
        limits.file_size = size(at, "file_size", file_size, &bounds::FILE_SIZE)?;
    }
    if let Some(open_files) = &raw.open_files {
        limits.open_files = count(at, "open_files", open_files, &bounds::OPEN_FILES)?;
    }
    if let Some(output) = &raw.output {
        limits.output = size(at, "output", output, &bounds::OUTPUT)?;
    }
    Ok(limits)
}

fn out_of_range(
    at: Locator<'_>,
    span: &std::ops::Range<usize>,
    key: &str,
    problem: &str,
) -> ManifestError {
    at.error(
        span,
        ErrorKind::InvalidValue,
        format!("limits.{key}: {problem}"),
        format!("set limits.{key} within the bounds in docs/manifest.md"),
    )
}

fn size(
    at: Locator<'_>,
    key: &str,
    value: &Spanned<String>,
    range: &std::ops::RangeInclusive<u64>,
) -> Result<u64> {
    let bytes = parse_size(value.get_ref())
        .map_err(|problem| out_of_range(at, &value.span(), key, &problem))?;
    if range.contains(&bytes) {
        return Ok(bytes);
    }
    let problem = format!(
        "{bytes} bytes is outside {} to {}",
        range.start(),
        range.end()
    );
    Err(out_of_range(at, &value.span(), key, &problem))
}

fn cpu_time(at: Locator<'_>, value: &Spanned<String>) -> Result<std::time::Duration> {
    let cpu = parse_duration(value.get_ref())
        .map_err(|problem| out_of_range(at, &value.span(), "cpu", &problem))?;
    if bounds::CPU.contains(&cpu) {
        return Ok(cpu);
    }
    let problem = format!(
        "{:?} is outside {:?} to {:?}",
        value.get_ref(),
        bounds::CPU.start(),
        bounds::CPU.end()
    );
    Err(out_of_range(at, &value.span(), "cpu", &problem))
}

fn count(
    at: Locator<'_>,
    key: &str,
    value: &Spanned<i64>,
    range: &std::ops::RangeInclusive<u32>,
) -> Result<u32> {
    match u32::try_from(*value.get_ref()) {
        Ok(number) if range.contains(&number) => Ok(number),
        _ => {
            let problem = format!(
                "{} is outside {} to {}",
                value.get_ref(),
                range.start(),
                range.end()
            );
            Err(out_of_range(at, &value.span(), key, &problem))
        }
    }
}
