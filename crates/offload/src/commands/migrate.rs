//! `offload migrate`: bring a PostgreSQL store's schema to this binary's version.
//!
//! Servers and workers migrate at start by default, under an advisory lock so two
//! starting at once do not both migrate; this command does it as a separate step.

use anyhow::{Context, Result, bail};
use clap::Args;
use offload_postgres::{PostgresConfig, PostgresStore};

use crate::exit::{self, Code};
use crate::store::{is_postgres, redact};

/// `offload migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The PostgreSQL store, as a postgres:// URL (SQLite migrates itself at open).
    #[arg(long, env = "OFFLOAD_STORE", hide_env_values = true)]
    pub store: String,
}

/// Runs `offload migrate`.
pub async fn run(args: MigrateArgs) -> Result<Code> {
    if !is_postgres(&args.store) {
        bail!(
            "--store: offload migrate takes a postgres:// URL; SQLite migrates itself when opened"
        );
    }
    let migrated = PostgresStore::migrate(&args.store, PostgresConfig::default())
        .await
        .with_context(|| format!("cannot migrate {}", redact(&args.store)))?;
    println!("schema at version {} (was {})", migrated.to, migrated.from);
    Ok(exit::OK)
}
