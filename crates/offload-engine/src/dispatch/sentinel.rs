//! The watchdog's sentinel file: written when the watchdog stops a run, read (and removed)
//! by the next run, which then falls back to `off` and says why.
//!
//! The fallback lasts one run: a stall may be transient, and an operator who wants the
//! concurrent mode off for good sets `--mode off` instead.

use std::io::ErrorKind;
use std::path::Path;

use super::error::DispatchError;

/// Reads and removes the sentinel; returns why the run must fall back, if it must.
pub(super) fn consume(path: &Path) -> Result<Option<String>, DispatchError> {
    let failed = |error| DispatchError::Sentinel {
        path: path.to_owned(),
        error,
    };
    let contents = match std::fs::read_to_string(path) {
        Ok(contents) => contents,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(failed(err)),
    };
    std::fs::remove_file(path).map_err(failed)?;
    let reason = contents.lines().next().unwrap_or("").trim();
    Ok(Some(format!(
        "the watchdog stopped the previous run ({reason}); falling back to off for this run"
    )))
}

/// Writes the sentinel with the reason on its first line.
pub(super) fn write(path: &Path, reason: &str) -> Result<(), DispatchError> {
    std::fs::write(path, format!("{reason}\n")).map_err(|error| DispatchError::Sentinel {
        path: path.to_owned(),
        error,
    })
}
