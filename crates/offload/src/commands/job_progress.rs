//! Shows a job's progress events: a bar on a terminal, and plain lines such as
//! `progress 40% resizing` when the output is a pipe or a file, so scripts can read them.
//!
//! `wait --progress` shows progress on stdout, where its result goes too; `logs
//! --follow` shows it on stderr, because stdout carries the job's own output and must
//! stay byte for byte what the job wrote.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// The bar's length: percent in hundredths, the precision of the protocol.
const BAR_UNITS: u64 = 10_000;

/// Shows progress on one channel, as a bar or as lines.
pub struct ProgressView {
    channel: Channel,
    bar: Option<ProgressBar>,
    /// The last update shown; a stream may deliver the same one twice (once as the
    /// job's latest progress when it starts, once live), and it is shown once.
    last: Option<String>,
}

impl ProgressView {
    /// A view on `channel`: a bar when it is a terminal, plain lines otherwise.
    pub fn new(channel: Channel) -> ProgressView {
        let terminal = match channel {
            Channel::Stdout => std::io::stdout().is_terminal(),
            Channel::Stderr => std::io::stderr().is_terminal(),
        };
        ProgressView {
            channel,
            bar: terminal.then(|| bar(channel)),
            last: None,
        }
    }

    /// Shows one update.
    pub fn update(&mut self, percent: f64, message: Option<&str>) {
        let text = line(percent, message);
        if self.last.as_ref() == Some(&text) {
            return;
        }
        match &self.bar {
            Some(bar) => {
                bar.set_position((percent * 100.0).round().clamp(0.0, BAR_UNITS as f64) as u64);
                bar.set_message(text.trim_start_matches("progress ").to_owned());
            }
            None => self.write_line(&text),
        }
        self.last = Some(text);
    }

    /// Runs `write` (which prints something else) with the bar out of the way.
    pub fn suspend<T>(&self, write: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Leaves the last state of the bar on screen.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }

    fn write_line(&self, text: &str) {
        // A closed pipe must not end the wait: the job's result still decides the exit code.
        let _ = match self.channel {
            Channel::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{text}").and_then(|()| out.flush())
            }
            Channel::Stderr => writeln!(std::io::stderr(), "{text}"),
        };
    }
}

fn bar(channel: Channel) -> ProgressBar {
    let target = match channel {
        Channel::Stdout => ProgressDrawTarget::stdout(),
        Channel::Stderr => ProgressDrawTarget::stderr(),
    };
    let style = ProgressStyle::with_template("{bar:40} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(BAR_UNITS), target).with_style(style)
}

/// The plain form of an update: `progress 40% resizing`, or `progress 62.5%`.
pub fn line(percent: f64, message: Option<&str>) -> String {
    match message {
        Some(message) => format!("progress {percent}% {message}"),
        None => format!("progress {percent}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn lines_show_whole_percents_without_decimals() {
        assert_eq!(line(40.0, Some("resizing")), "progress 40% resizing");
        assert_eq!(line(62.5, None), "progress 62.5%");
        assert_eq!(line(33.33, Some("a b")), "progress 33.33% a b");
    }
}
