//! `offload wait`: wait for a job to finish, up to a timeout.

use anyhow::Result;
use offload_core::JobId;

use super::connect::{self, client};
use crate::cli::WaitArgs;
use crate::exit::{self, Code};

/// Runs `offload wait`: exits like the job when it finished, 124 when the wait timed out.
pub async fn run(args: WaitArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let deadline = tokio::time::Instant::now() + args.timeout.0;
    let job = loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let job = client
            .wait(JobId(args.id), left.min(std::time::Duration::from_secs(60)))
            .await?;
        if job.state.is_terminal() || left.is_zero() {
            break job;
        }
    };
    if args.json {
        connect::print_json(&job)?;
    } else {
        connect::print_line(&job);
    }
    if !job.state.is_terminal() {
        eprintln!(
            "offload: job {} is still {} after {:?}",
            job.id,
            connect::state_name(&job),
            args.timeout.0
        );
        return Ok(exit::WAIT_TIMEOUT);
    }
    Ok(if args.json {
        exit::OK
    } else {
        connect::job_exit(&job)
    })
}
