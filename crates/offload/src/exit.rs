//! Exit codes, mapped in one place.
//!
//! A command that runs a job (`submit --wait`, `exec`, `wait`) exits with the job's
//! own exit code when it exited by itself, so `offload` can stand in for the command
//! in a script. Everything else uses the codes below.

/// Success.
pub const OK: u8 = 0;
/// The job failed in a way that has no exit code of its own (signal, limit, timeout).
pub const JOB_FAILED: u8 = 1;
/// Bad usage or invalid input.
pub const USAGE: u8 = 2;
/// The server could not be reached or answered with an error.
pub const SERVER: u8 = 3;
/// `wait` gave up before the job finished.
pub const WAIT_TIMEOUT: u8 = 124;
/// The job was cancelled.
pub const CANCELLED: u8 = 130;

/// A command's result: the code to exit with. Errors are `anyhow::Error` and map to
/// [`error_code`].
pub type Code = u8;

/// The exit code for an error that ended a command.
pub fn error_code(err: &anyhow::Error) -> Code {
    use offload_http::client::ClientError;
    if let Some(client) = err.downcast_ref::<ClientError>() {
        return match client {
            ClientError::Api {
                status: 400 | 404 | 409 | 413,
                ..
            } => USAGE,
            _ if client.kind() == offload_http::client::ErrorKind::Config => USAGE,
            _ => SERVER,
        };
    }
    if err.downcast_ref::<clap::Error>().is_some() {
        return USAGE;
    }
    JOB_FAILED
}

/// The exit code that reports a finished job's outcome.
pub fn for_outcome(outcome: Option<&offload_core::Outcome>) -> Code {
    use offload_core::Outcome;
    match outcome {
        Some(Outcome::Exited { code }) => u8::try_from(*code).unwrap_or(JOB_FAILED),
        Some(Outcome::Cancelled) => CANCELLED,
        Some(_) | None => JOB_FAILED,
    }
}
