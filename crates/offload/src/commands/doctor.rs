//! `offload doctor`: which isolation mechanisms work on this host, and why not.
//!
//! Each mechanism is tried for real in a forked child, so the table says what a
//! job would get here, not what the kernel version suggests.

use anyhow::Result;
use clap::Args;

use crate::exit::{self, Code};

/// `offload doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `offload doctor`.
pub async fn run(args: DoctorArgs) -> Result<Code> {
    let capabilities = tokio::task::spawn_blocking(offload_sandbox::detect).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&capabilities)?);
    } else {
        print!("{capabilities}");
    }
    Ok(exit::OK)
}
