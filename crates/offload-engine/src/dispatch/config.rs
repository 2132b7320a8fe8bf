//! How `offload run` dispatches: the mode, the limits and the test controls.
//!
//! The library never reads the environment; the binary turns `OFFLOAD_*` variables and flags
//! into a [`DispatchConfig`], so tests can set every control directly.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::report::Event;

/// How the tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One after another, in manifest order (dependencies first): the synchronous baseline.
    Off,
    /// The baseline, plus a concurrent run in the background whose results are ignored.
    Shadow,
    /// Concurrently, honouring priorities, classes and the concurrency cap.
    On,
}

impl Mode {
    /// The name used on the command line, in reports and in segment lines.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Shadow => "shadow",
            Mode::On => "on",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "off" => Ok(Mode::Off),
            "shadow" => Ok(Mode::Shadow),
            "on" => Ok(Mode::On),
            other => Err(format!("mode {other:?} is not off, shadow or on")),
        }
    }
}

/// Whether a stalled run is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watchdog {
    /// Never stop a run for lack of progress.
    Disabled,
    /// Stop everything after `factor` times the longest task timeout without progress.
    Enabled {
        /// The multiple of the longest timeout; the default is 3.
        factor: u32,
    },
}

/// Everything a dispatch needs besides the manifest and the sandbox.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// How the tasks run.
    pub mode: Mode,
    /// At most this many tasks run at once (at least 1).
    pub max_concurrency: usize,
    /// Values of feature-flag variables; a task runs only if its flag is `1` or `true`.
    pub flags: BTreeMap<String, String>,
    /// A delay added before every attempt, to simulate slow tasks.
    pub fake_latency: Duration,
    /// A task forced down the timeout path: its command is replaced by one that never ends.
    pub force_timeout: Option<String>,
    /// Stall detection.
    pub watchdog: Watchdog,
    /// The sentinel file: written when the watchdog fires; if present at the start, the run
    /// falls back to [`Mode::Off`] and the file is removed.
    pub sentinel: Option<PathBuf>,
    /// Where progress events go, if anywhere.
    pub events: Option<UnboundedSender<Event>>,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            mode: Mode::On,
            max_concurrency: 4,
            flags: BTreeMap::new(),
            fake_latency: Duration::ZERO,
            force_timeout: None,
            watchdog: Watchdog::Enabled { factor: 3 },
            sentinel: None,
            events: None,
        }
    }
}

impl DispatchConfig {
    /// Whether `flag` is switched on (`1` or `true`, case-insensitive).
    pub fn flag_enabled(&self, flag: &str) -> bool {
        self.flags
            .get(flag)
            .is_some_and(|value| value == "1" || value.eq_ignore_ascii_case("true"))
    }
}
