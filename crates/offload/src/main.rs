//! The `offload` binary: the server, the worker, and the CLI that talks to them.
//!
//! This is the only crate that uses `anyhow`, reads the environment, or exits;
//! the libraries below it return typed errors. Exit codes are mapped in [`exit`].

mod cli;
mod commands;
mod exit;
mod flags;
mod logging;
mod sandbox_flags;
mod store;
mod token;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let default_level = match cli.command {
        cli::Command::Server(_) | cli::Command::Worker(_) => "info",
        _ => "warn",
    };
    logging::init(&cli.log, default_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("offload: cannot start the async runtime: {err}");
            return ExitCode::from(exit::JOB_FAILED);
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("offload: {err:#}");
            ExitCode::from(exit::error_code(&err))
        }
    }
}
