//! `offload dead`: list, retry and purge dead letters.

use anyhow::Result;
use offload_core::JobId;
use offload_http::wire::PageQuery;

use super::connect::{self, client};
use crate::cli::{DeadAction, DeadArgs};
use crate::exit::{self, Code};

/// Runs `offload dead`.
pub async fn run(args: DeadArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    match args.action {
        DeadAction::List => {
            let page = client
                .dead_list(&PageQuery {
                    queue: None,
                    limit: Some(500),
                    before: None,
                })
                .await?;
            match args.json {
                true => connect::print_json(&page)?,
                false => page.jobs.iter().for_each(connect::print_line),
            }
        }
        DeadAction::Retry { id: Some(id), .. } => {
            report(args.json, &client.dead_retry(JobId(id)).await?, "retried")?
        }
        DeadAction::Retry { id: None, .. } => {
            report(args.json, &client.dead_retry_all().await?, "retried")?
        }
        DeadAction::Purge => report(args.json, &client.dead_purge().await?, "purged")?,
    }
    Ok(exit::OK)
}

fn report<T: serde::Serialize>(json: bool, response: &T, verb: &str) -> Result<()> {
    if json {
        return connect::print_json(response);
    }
    let value = serde_json::to_value(response)?;
    println!("{verb} {} dead letters", value[verb]);
    Ok(())
}
