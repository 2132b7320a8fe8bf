//! `offload cancel`: cancel a job.

use anyhow::Result;
use offload_core::JobId;
use offload_http::wire::CancelResult;

use super::connect::client;
use crate::cli::IdArgs;
use crate::exit::{self, Code};

/// Runs `offload cancel`.
pub async fn run(args: IdArgs) -> Result<Code> {
    let response = client(&args.conn)?.cancel(JobId(args.id)).await?;
    match response.result {
        CancelResult::Cancelled => println!("job {} cancelled", args.id),
        CancelResult::KillRequested => println!(
            "job {} is running; its process tree is being killed",
            args.id
        ),
        CancelResult::AlreadyFinished => {
            println!("job {} had already finished; nothing changed", args.id)
        }
    }
    Ok(exit::OK)
}
