//! Connecting the CLI to a server, and the small helpers every client command shares.

use anyhow::{Context, Result, bail};
use offload_http::client::{Client, ClientOptions};
use offload_http::wire::JobResponse;

use crate::cli::Connection;
use crate::exit::{self, Code};

/// A client for the server named by `--server`/`OFFLOAD_URL` and `--token`/`OFFLOAD_TOKEN`,
/// trusting `--ca-cert`/`OFFLOAD_CA_CERT` besides the system's roots.
pub fn client(conn: &Connection) -> Result<Client> {
    let Some(token) = conn.token.as_deref().filter(|t| !t.is_empty()) else {
        bail!(
            "no API token: set OFFLOAD_TOKEN or pass --token (the server keeps it in DATA_DIR/token)"
        );
    };
    let mut options = ClientOptions::default();
    if let Some(path) = &conn.ca_cert {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read --ca-cert {}", path.display()))?;
        options.ca_pem = Some(pem);
    }
    let client = Client::with_options(&conn.url, token, &options);
    match &conn.ca_cert {
        Some(path) => Ok(client.with_context(|| format!("--ca-cert {}", path.display()))?),
        None => Ok(client?),
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The exit code that reports a finished job: its own exit code when it exited by
/// itself, otherwise a failure code, with a one-line reason on stderr.
pub fn job_exit(job: &JobResponse) -> Code {
    let outcome = job.attempts.last().and_then(|a| a.outcome.as_ref());
    match outcome {
        Some(o) if o.kind == "exited" => {
            u8::try_from(o.code.unwrap_or(1)).unwrap_or(exit::JOB_FAILED)
        }
        Some(o) if o.kind == "cancelled" => {
            eprintln!("offload: job {} was cancelled", job.id);
            exit::CANCELLED
        }
        _ => {
            let reason = job
                .error
                .clone()
                .unwrap_or_else(|| format!("job is {}", state_name(job)));
            eprintln!("offload: job {}: {reason}", job.id);
            exit::JOB_FAILED
        }
    }
}

/// The job's state as its wire name.
pub fn state_name(job: &JobResponse) -> String {
    serde_json::to_value(job.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Prints one line describing a job, for humans.
pub fn print_line(job: &JobResponse) {
    let command = job.spec.command.join(" ");
    let reason = job
        .error
        .as_deref()
        .map(|e| format!("  ({e})"))
        .unwrap_or_default();
    println!(
        "{:>8}  {:<10} {:<12} {}{reason}",
        job.id,
        state_name(job),
        job.queue,
        command
    );
}
