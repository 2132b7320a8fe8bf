//! `offload logs`: print a job's output, or follow it live with its progress.

use std::io::Write;

use anyhow::Result;
use futures::StreamExt;
use offload_core::JobId;
use offload_http::client::{Client, OutputStream};
use offload_http::wire::JobStreamEvent;

use super::connect::client;
use super::job_progress::{Channel, ProgressView};
use crate::cli::LogsArgs;
use crate::exit::{self, Code};

/// Runs `offload logs`.
pub async fn run(args: LogsArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let id = JobId(args.id);
    if !args.follow {
        print_stored(&client, id).await?;
        return Ok(exit::OK);
    }
    // From the start of what the server keeps, so output written before this command
    // ran is printed too.
    let mut events = client.events_after(id, Some(0)).await?;
    // Progress goes to stderr: stdout is the job's own output, byte for byte.
    let mut view = ProgressView::new(Channel::Stderr);
    let mut live = false;
    while let Some(event) = events.next().await {
        match event? {
            JobStreamEvent::Output { stream, data, .. } => {
                live = true;
                view.suspend(|| write_chunk(&stream, data.as_bytes()))?;
            }
            JobStreamEvent::Progress {
                percent, message, ..
            } => view.update(percent, message.as_deref()),
            JobStreamEvent::State { state, .. } if state.is_terminal() => break,
            JobStreamEvent::State { .. } => {}
        }
    }
    view.finish();
    if !live {
        // The job finished before the stream began: print what was stored.
        print_stored(&client, id).await?;
    }
    Ok(exit::OK)
}

async fn print_stored(client: &Client, id: JobId) -> Result<()> {
    std::io::stdout().write_all(&client.output_raw(id, OutputStream::Stdout).await?)?;
    std::io::stderr().write_all(&client.output_raw(id, OutputStream::Stderr).await?)?;
    Ok(())
}

fn write_chunk(stream: &str, data: &[u8]) -> Result<()> {
    if stream == "stderr" {
        std::io::stderr().write_all(data)?;
    } else {
        let mut out = std::io::stdout();
        out.write_all(data)?;
        out.flush()?;
    }
    Ok(())
}
