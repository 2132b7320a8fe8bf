//! Logging setup: human lines by default, JSON with `--log-format json`.
//!
//! Logs go to stderr so that a command's stdout carries only its result. The level
//! comes from `RUST_LOG` (default `info` for the server, `warn` for the CLI).

use tracing_subscriber::EnvFilter;

use crate::cli::{LogArgs, LogFormat};

/// Installs the global subscriber.
pub fn init(args: &LogArgs, default_level: &str) {
    let level = args.level.as_deref().unwrap_or(default_level);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Human => builder.init(),
    }
}
