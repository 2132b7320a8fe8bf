//! `offload tasks`: list the tasks of a server's manifest, or reload it.

use anyhow::Result;
use clap::Args;

use super::connect::{self, client};
use crate::cli::Connection;
use crate::exit::{self, Code};

/// `offload tasks`.
#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Reload the server's manifest from its file first (like SIGHUP).
    #[arg(long)]
    pub reload: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// Runs `offload tasks`.
pub async fn run(args: TasksArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let tasks = match args.reload {
        true => client.manifest_reload().await?,
        false => client.tasks().await?,
    };
    if args.json {
        connect::print_json(&tasks)?;
        return Ok(exit::OK);
    }
    println!(
        "manifest checksum: {}",
        tasks.checksum.as_deref().unwrap_or("(no manifest)")
    );
    for task in &tasks.tasks {
        let params: Vec<String> = task
            .params
            .iter()
            .map(|p| format!("{}:{}", p.name, p.kind))
            .collect();
        println!(
            "{:<20} {:<40} {}",
            task.id,
            task.description,
            params.join(" ")
        );
    }
    Ok(exit::OK)
}
