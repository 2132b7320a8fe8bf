//! `offload manifest check FILE`: validate a task manifest and print its checksum.
//!
//! The checksum is of the canonical form, so comments and key order do not move it;
//! `--expect SHA` turns it into a drift check for CI.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use offload_core::manifest::{Manifest, ParseConfig};

use crate::exit::{self, Code};
use crate::flags::Duration;

/// `offload manifest`.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// What to do with the manifest.
    #[command(subcommand)]
    pub command: ManifestCommand,
}

/// The `offload manifest` subcommands.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Validate a manifest and print the SHA-256 of its canonical form.
    Check(CheckArgs),
}

/// `offload manifest check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The manifest file (TOML).
    pub file: PathBuf,
    /// Fail unless the checksum is this one (drift check).
    #[arg(long, value_name = "SHA")]
    pub expect: Option<String>,
    /// The global cap on task timeouts.
    #[arg(long, default_value = "1h")]
    pub max_timeout: Duration,
}

/// Runs `offload manifest`.
pub async fn run(args: ManifestArgs) -> Result<Code> {
    match args.command {
        ManifestCommand::Check(check) => run_check(&check),
    }
}

fn run_check(args: &CheckArgs) -> Result<Code> {
    let config = ParseConfig {
        max_timeout: args.max_timeout.0,
    };
    let manifest = match load(&args.file, &config)? {
        Ok(manifest) => manifest,
        Err(message) => {
            eprintln!("{message}");
            return Ok(exit::USAGE);
        }
    };
    let checksum = manifest.checksum();
    println!("{checksum}  {}", args.file.display());
    match &args.expect {
        Some(expected) if !expected.trim().eq_ignore_ascii_case(&checksum) => {
            eprintln!(
                "offload: manifest drift: expected {}, got {checksum}",
                expected.trim()
            );
            Ok(exit::JOB_FAILED)
        }
        _ => {
            eprintln!(
                "offload: {} is valid: {} tasks",
                args.file.display(),
                manifest.tasks.len()
            );
            Ok(exit::OK)
        }
    }
}

/// Reads and parses a manifest. The outer error is I/O; the inner one is a located
/// problem in the file, already formatted as `FILE:LINE:COLUMN: message (fix: ...)`.
pub fn load(path: &Path, config: &ParseConfig) -> Result<std::result::Result<Manifest, String>> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Manifest::parse_with(&source, config).map_err(|err| format!("{}:{err}", path.display())))
}
