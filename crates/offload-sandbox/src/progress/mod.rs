//! The progress channel: a pipe on which a job reports how far it has come.
//!
//! Every run gets a pipe whose write end is the job's descriptor [`PROGRESS_FD`], and whose
//! number is also in the job's environment as [`PROGRESS_FD_ENV`], so that a job can write
//! `::progress 40 resizing` without knowing anything else about offload. The line format is in
//! `parse.rs` and, for users, in `docs/progress.md`. The worker reads the read end like stdout
//! (`read.rs`): well-formed lines become [`Progress`] updates for the run's
//! [`OutputSink`](crate::OutputSink), malformed ones are counted, and a job that floods the pipe
//! is throttled and counted rather than stored, so the channel never costs more than a bounded
//! amount of memory, CPU and downstream events, and never makes a job or the worker hang.

mod parse;
mod read;

use std::fmt;

pub(crate) use self::parse::{Parsed, parse_line};
pub(crate) use self::read::start;

/// The descriptor number on which every job finds the write end of its progress pipe.
pub const PROGRESS_FD: i32 = 3;

/// The environment variable that tells the job [`PROGRESS_FD`]; the sandbox always sets it, after
/// the allow-list and the spec's own variables, so a job cannot be told another number.
pub const PROGRESS_FD_ENV: &str = "OFFLOAD_PROGRESS_FD";

/// The longest progress line read, in bytes, without its newline; longer lines are malformed.
pub const MAX_LINE: usize = 1024;

/// The longest message kept, in bytes; longer messages are cut at a character boundary.
pub const MAX_MESSAGE: usize = 256;

/// One progress report of a job: how far, and optionally what it is doing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Progress {
    /// How far the job says it is.
    pub percent: Percent,
    /// What it says it is doing; never empty, at most [`MAX_MESSAGE`] bytes, no control
    /// characters.
    pub message: Option<String>,
}

/// A percentage from 0 to 100 in hundredths, so that it compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(u16);

impl Percent {
    /// The whole job.
    pub const FULL: Percent = Percent(10_000);

    /// A percentage from hundredths of a percent; `None` above 100 %.
    pub fn from_hundredths(hundredths: u16) -> Option<Percent> {
        (hundredths <= Self::FULL.0).then_some(Percent(hundredths))
    }

    /// The value in hundredths of a percent, from 0 to 10 000.
    pub fn hundredths(self) -> u16 {
        self.0
    }

    /// The value as a number from 0.0 to 100.0.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl fmt::Display for Percent {
    /// `40`, `40.5` or `33.33`: no trailing zeros, so whole numbers print as integers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match (frac, frac % 10) {
            (0, _) => write!(f, "{whole}"),
            (_, 0) => write!(f, "{whole}.{}", frac / 10),
            _ => write!(f, "{whole}.{frac:02}"),
        }
    }
}

/// What a run's progress channel carried, for the run's result and the server's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressCounts {
    /// Well-formed progress lines read.
    pub updates: u64,
    /// Lines that did not follow the format and were ignored.
    pub malformed: u64,
    /// Lines not passed on: well-formed updates superseded by a newer one while the event rate
    /// was at its cap, and lines skipped unread once the job wrote faster than the byte cap.
    pub dropped: u64,
}

#[cfg(test)]
mod tests {
    use super::Percent;

    #[test]
    fn percentages_print_without_trailing_zeros() {
        let shown = [0, 4000, 4050, 3333, 10_000, 5]
            .map(|h| Percent::from_hundredths(h).unwrap().to_string());
        assert_eq!(shown, ["0", "40", "40.5", "33.33", "100", "0.05"]);
        assert_eq!(Percent::from_hundredths(10_001), None);
    }
}
