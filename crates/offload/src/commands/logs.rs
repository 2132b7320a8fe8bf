//! `offload logs`: print a job's output, or follow it live.

use std::io::Write;

use anyhow::Result;
use futures::StreamExt;
use offload_core::JobId;
use offload_http::client::OutputStream;
use offload_http::wire::JobStreamEvent;

use super::connect::client;
use crate::cli::LogsArgs;
use crate::exit::{self, Code};

/// Runs `offload logs`.
pub async fn run(args: LogsArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let id = JobId(args.id);
    if !args.follow {
        std::io::stdout().write_all(&client.output_raw(id, OutputStream::Stdout).await?)?;
        std::io::stderr().write_all(&client.output_raw(id, OutputStream::Stderr).await?)?;
        return Ok(exit::OK);
    }
    let mut events = client.events(id).await?;
    let mut live = false;
    while let Some(event) = events.next().await {
        match event? {
            JobStreamEvent::Output { stream, data, .. } => {
                live = true;
                write_chunk(&stream, data.as_bytes())?;
            }
            JobStreamEvent::State { state, .. } if state.is_terminal() => break,
            JobStreamEvent::State { .. } => {}
        }
    }
    if !live {
        // The job finished before the stream began: print what was stored.
        std::io::stdout().write_all(&client.output_raw(id, OutputStream::Stdout).await?)?;
        std::io::stderr().write_all(&client.output_raw(id, OutputStream::Stderr).await?)?;
    }
    Ok(exit::OK)
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
