//! `offload queue`: list queues, pause, resume and limit them.

use anyhow::{Result, bail};

use super::connect::{self, client};
use crate::cli::{QueueAction, QueueArgs};
use crate::exit::{self, Code};

/// Runs `offload queue`.
pub async fn run(args: QueueArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let queues = match &args.action {
        QueueAction::List => client.queues().await?,
        QueueAction::Pause { name } => vec![client.queue_pause(name).await?],
        QueueAction::Resume { name } => vec![client.queue_resume(name).await?],
        QueueAction::Limit { name, limit } => vec![
            client
                .queue_set_concurrency(name, parse_limit(limit)?)
                .await?,
        ],
    };
    if args.json {
        connect::print_json(&queues)?;
        return Ok(exit::OK);
    }
    for q in &queues {
        let limit = q.concurrency.map_or("none".to_owned(), |n| n.to_string());
        let counts: Vec<String> = q
            .counts
            .iter()
            .map(|(state, n)| format!("{state}={n}"))
            .collect();
        let paused = if q.paused { "paused" } else { "active" };
        println!(
            "{:<16} {paused:<7} limit={limit:<5} {}",
            q.name,
            counts.join(" ")
        );
    }
    Ok(exit::OK)
}

fn parse_limit(text: &str) -> Result<Option<u32>> {
    if text == "none" {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(0) | Err(_) => bail!("limit {text:?}: must be a whole number from 1, or \"none\""),
        Ok(n) => Ok(Some(n)),
    }
}
