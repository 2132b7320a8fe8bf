//! One file per command; [`run()`] dispatches to them.

mod bench;
mod bench_http;
mod bench_report;
mod cancel;
mod connect;
mod dead;
pub(crate) mod doctor;
mod exec;
pub(crate) mod experiments;
mod get;
mod job_progress;
mod list;
mod logs;
pub(crate) mod manifest;
pub(crate) mod migrate;
mod queue;
pub(crate) mod run;
mod run_progress;
mod server;
mod submit;
pub(crate) mod tasks;
mod tls;
mod wait;
pub(crate) mod worker;

use anyhow::Result;

use crate::cli::Command;
use crate::exit::Code;

/// Runs one command and returns its exit code.
pub async fn run(command: Command) -> Result<Code> {
    match command {
        Command::Server(args) => server::run(args).await,
        Command::Submit(args) => submit::run(args).await,
        Command::Get(args) => get::run(args).await,
        Command::Wait(args) => wait::run(args).await,
        Command::Logs(args) => logs::run(args).await,
        Command::Cancel(args) => cancel::run(args).await,
        Command::List(args) => list::run(args).await,
        Command::Dead(args) => dead::run(args).await,
        Command::Queue(args) => queue::run(args).await,
        Command::Exec(args) => exec::run(args).await,
        Command::Experiments(args) => experiments::run(args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Manifest(args) => manifest::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Tasks(args) => tasks::run(args).await,
        Command::Worker(args) => worker::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Doctor(args) => doctor::run(args).await,
    }
}
