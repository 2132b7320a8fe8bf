//! `offload get`: show one job.

use anyhow::Result;
use offload_core::JobId;

use super::connect::{self, client};
use crate::cli::GetArgs;
use crate::exit::{self, Code};

/// Runs `offload get`.
pub async fn run(args: GetArgs) -> Result<Code> {
    let job = client(&args.conn)?.get(JobId(args.id)).await?;
    if args.json {
        connect::print_json(&job)?;
        return Ok(exit::OK);
    }
    connect::print_line(&job);
    for attempt in &job.attempts {
        let outcome = attempt
            .outcome
            .as_ref()
            .map_or("running".to_owned(), |o| o.kind.clone());
        println!(
            "  attempt {} on {}: {outcome}",
            attempt.number, attempt.worker
        );
    }
    Ok(exit::OK)
}
