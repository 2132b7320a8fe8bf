//! `offload list`: list jobs with filters, newest first.

use anyhow::Result;
use offload_http::wire::ListQuery;

use super::connect::{self, client};
use crate::cli::ListArgs;
use crate::exit::{self, Code};

/// Runs `offload list`.
pub async fn run(args: ListArgs) -> Result<Code> {
    let query = ListQuery {
        state: (!args.state.is_empty()).then(|| args.state.join(",")),
        queue: args.queue.clone(),
        label: args.label.clone(),
        limit: Some(args.limit),
        before: args.before,
    };
    let page = client(&args.conn)?.list(&query).await?;
    if args.json {
        connect::print_json(&page)?;
        return Ok(exit::OK);
    }
    page.jobs.iter().for_each(connect::print_line);
    if let Some(next) = page.next {
        println!("(more: offload list --before {next})");
    }
    Ok(exit::OK)
}
