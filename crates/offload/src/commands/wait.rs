//! `offload wait`: wait for a job to finish, up to a timeout, optionally showing its
//! progress as it comes (`--progress`, over the job's event stream).

use anyhow::Result;
use futures::StreamExt;
use offload_core::JobId;
use offload_http::client::Client;
use offload_http::wire::{JobResponse, JobStreamEvent};
use tokio::time::Instant;

use super::connect::{self, client};
use super::job_progress::{Channel, ProgressView};
use crate::cli::WaitArgs;
use crate::exit::{self, Code};

/// Runs `offload wait`: exits like the job when it finished, 124 when the wait timed out.
pub async fn run(args: WaitArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let id = JobId(args.id);
    let deadline = Instant::now() + args.timeout.0;
    if args.progress {
        follow(&client, id, deadline).await?;
    }
    let job = wait_until(&client, id, deadline).await?;
    report(&job, &args)
}

/// Shows the job's progress events until it is terminal, the stream ends, or the
/// deadline passes. The final state is read afterwards either way, so a stream that
/// broke off early loses nothing but the bar.
async fn follow(client: &Client, id: JobId, deadline: Instant) -> Result<()> {
    let mut events = client.events(id).await?;
    let mut view = ProgressView::new(Channel::Stdout);
    let until = tokio::time::sleep_until(deadline);
    tokio::pin!(until);
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            () = &mut until => None,
        };
        match event.transpose()? {
            Some(JobStreamEvent::Progress {
                percent, message, ..
            }) => view.update(percent, message.as_deref()),
            Some(JobStreamEvent::State { state, .. }) if state.is_terminal() => break,
            Some(_) => {}
            None => break,
        }
    }
    view.finish();
    Ok(())
}

/// Long-polls until the job is terminal or the deadline passes.
async fn wait_until(client: &Client, id: JobId, deadline: Instant) -> Result<JobResponse> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let job = client
            .wait(id, left.min(std::time::Duration::from_secs(60)))
            .await?;
        if job.state.is_terminal() || left.is_zero() {
            return Ok(job);
        }
    }
}

/// Prints the job and picks the exit code: the job's own, or 124 if it is not done.
fn report(job: &JobResponse, args: &WaitArgs) -> Result<Code> {
    if args.json {
        connect::print_json(job)?;
    } else {
        connect::print_line(job);
    }
    if !job.state.is_terminal() {
        eprintln!(
            "offload: job {} is still {} after {:?}",
            job.id,
            connect::state_name(job),
            args.timeout.0
        );
        return Ok(exit::WAIT_TIMEOUT);
    }
    Ok(if args.json {
        exit::OK
    } else {
        connect::job_exit(job)
    })
}
