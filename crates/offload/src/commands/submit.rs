//! `offload submit`: submit a job; with `--wait`, wait and behave like the command.

use std::time::Duration;

use anyhow::{Context, Result};
use offload_core::JobId;
use offload_http::client::{Client, ErrorKind, OutputStream};
use offload_http::wire::JobSpecBody;

use super::connect::{self, client};
use crate::cli::{Fallback, SubmitArgs};
use crate::exit::{self, Code};

/// How long one long-poll asks the server to wait; `--wait` repeats it until the job ends.
const POLL: Duration = Duration::from_secs(60);

/// Runs `offload submit`.
pub async fn run(args: SubmitArgs) -> Result<Code> {
    let (spec, dedupe) = args.job.to_spec(args.command.clone())?;
    let mut body = match &args.task {
        Some(task) => task_body(task, &args.params, &spec)?,
        None => JobSpecBody::from(&spec),
    };
    body.dedupe = dedupe;
    body.delay = args
        .job
        .delay
        .map(|d| offload_http::wire::WireDuration(d.0));
    let client = client(&args.conn)?;
    let submitted = match client.submit(&body).await {
        Ok(submitted) => submitted,
        Err(err)
            if err.kind() == ErrorKind::Unreachable && args.fallback == Some(Fallback::Local) =>
        {
            eprintln!("offload: warning: {err}; running the job in the local sandbox instead");
            return super::exec::run_spec(&spec, None).await;
        }
        Err(err) => return Err(err.into()),
    };
    if !args.wait {
        match args.json {
            true => connect::print_json(&submitted)?,
            false => println!("{}", submitted.id),
        }
        return Ok(exit::OK);
    }
    wait_and_print(&client, JobId(submitted.id)).await
}

/// A task submission: the task, its params, and only the envelope fields of `spec`
/// (the manifest defines the rest).
fn task_body(task: &str, params: &[String], spec: &offload_core::JobSpec) -> Result<JobSpecBody> {
    let mut map = serde_json::Map::new();
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            anyhow::bail!("--param {param:?}: expected NAME=VALUE");
        };
        let value = serde_json::from_str(value).unwrap_or_else(|_| value.into());
        map.insert(name.to_owned(), value);
    }
    Ok(JobSpecBody {
        task: Some(task.to_owned()),
        params: Some(map),
        idempotency_key: spec.idempotency.as_ref().map(|i| i.key.clone()),
        labels: spec.labels.clone(),
        ..JobSpecBody::default()
    })
}

/// Waits for the job, prints its stdout and stderr, and returns its exit code.
pub async fn wait_and_print(client: &Client, id: JobId) -> Result<Code> {
    let job = wait_until_done(client, id).await?;
    let stdout = client
        .output_raw(id, OutputStream::Stdout)
        .await
        .context("cannot read the job's output")?;
    let stderr = client
        .output_raw(id, OutputStream::Stderr)
        .await
        .context("cannot read the job's output")?;
    use std::io::Write;
    std::io::stdout().write_all(&stdout)?;
    std::io::stderr().write_all(&stderr)?;
    Ok(connect::job_exit(&job))
}

/// Long-polls until the job is terminal.
pub async fn wait_until_done(
    client: &Client,
    id: JobId,
) -> Result<offload_http::wire::JobResponse> {
    loop {
        let job = client.wait(id, POLL).await?;
        if job.state.is_terminal() {
            return Ok(job);
        }
    }
}
