//! `offload experiments`: list experiments, show one, and enable, disable or
//! ramp them.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use offload_core::experiment::ExperimentName;
use offload_http::client::Client;
use offload_http::wire::{
    ExperimentBody, ExperimentReportResponse, ExperimentUpdateRequest, ObservedBody, ReportQuery,
};

use super::connect::{self, client};
use crate::cli::Connection;
use crate::exit::{self, Code};

/// `offload experiments`.
#[derive(Debug, Args)]
pub struct ExperimentsArgs {
    #[command(subcommand)]
    pub action: ExperimentsAction,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// What to do with experiments.
#[derive(Debug, Subcommand)]
pub enum ExperimentsAction {
    /// List experiments with their settings and match rates.
    List,
    /// Show one: match rate over time, top differing fields, latency, recent mismatches.
    Show {
        /// The experiment.
        name: String,
        /// Minutes of timeline to show.
        #[arg(long, default_value_t = 30)]
        minutes: u32,
        /// Recent mismatches to show.
        #[arg(long, default_value_t = 3)]
        mismatches: u32,
    },
    /// Record this percentage of an experiment's results (0 to 100, "25" or "25%").
    Ramp {
        /// The experiment.
        name: String,
        /// The sample rate in percent.
        percent: String,
    },
    /// Record an experiment's results again.
    Enable {
        /// The experiment.
        name: String,
    },
    /// Stop recording an experiment's results (they are still counted as `disabled`).
    Disable {
        /// The experiment.
        name: String,
    },
}

/// Runs `offload experiments`.
pub async fn run(args: ExperimentsArgs) -> Result<Code> {
    let client = client(&args.conn)?;
    let (name, update) = match args.action {
        ExperimentsAction::List => return list(&client, args.json).await,
        ExperimentsAction::Show {
            name,
            minutes,
            mismatches,
        } => {
            let query = ReportQuery {
                minutes: Some(minutes),
                mismatches: Some(mismatches),
            };
            return show(&client, &checked(&name)?, &query, args.json).await;
        }
        ExperimentsAction::Ramp { name, percent } => (name, ramp(&percent)?),
        ExperimentsAction::Enable { name } => (name, switch(true)),
        ExperimentsAction::Disable { name } => (name, switch(false)),
    };
    let experiment = client.experiment_update(&checked(&name)?, &update).await?;
    if args.json {
        connect::print_json(&experiment)?;
    } else {
        print_line(&experiment);
    }
    Ok(exit::OK)
}

/// The name, refused here with the server's rule rather than as a wrong URL.
fn checked(name: &str) -> Result<String> {
    ExperimentName::new(name)?;
    Ok(name.to_owned())
}

fn ramp(text: &str) -> Result<ExperimentUpdateRequest> {
    let number = text.trim().trim_end_matches('%').trim();
    let Ok(percent) = number.parse::<f64>() else {
        bail!("percent {text:?}: must be a number from 0 to 100, such as 25 or 2.5%");
    };
    Ok(ExperimentUpdateRequest {
        percent: Some(percent),
        ..ExperimentUpdateRequest::default()
    })
}

fn switch(enabled: bool) -> ExperimentUpdateRequest {
    ExperimentUpdateRequest {
        enabled: Some(enabled),
        ..ExperimentUpdateRequest::default()
    }
}

async fn list(client: &Client, json: bool) -> Result<Code> {
    let experiments = client.experiments().await?;
    if json {
        connect::print_json(&experiments)?;
        return Ok(exit::OK);
    }
    experiments.iter().for_each(print_line);
    Ok(exit::OK)
}

/// One line: name, state, sample rate, comparison, counts and match rate.
fn print_line(e: &ExperimentBody) {
    let state = if e.enabled { "enabled" } else { "disabled" };
    let comparison = serde_json::to_value(e.comparison).unwrap_or_default();
    println!(
        "{:<24} {state:<8} {:>6}%  {:<6} matched {}/{}  {}",
        e.name,
        e.percent,
        comparison.as_str().unwrap_or("?"),
        e.matched,
        e.matched + e.mismatched,
        rate(e.match_rate)
    );
}

fn rate(rate: Option<f64>) -> String {
    rate.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

async fn show(client: &Client, name: &str, query: &ReportQuery, json: bool) -> Result<Code> {
    let report = client
        .experiment(name, query)
        .await
        .with_context(|| format!("experiment {name}"))?;
    if json {
        connect::print_json(&report)?;
        return Ok(exit::OK);
    }
    print_report(&report);
    Ok(exit::OK)
}

fn print_report(r: &ExperimentReportResponse) {
    print_line(&r.experiment);
    println!("\nmatch rate by minute:");
    for m in &r.timeline {
        let minute = serde_json::to_value(m.minute).unwrap_or_default();
        let rate = format!("{:.1}%", m.match_rate * 100.0);
        println!(
            "  {}  {rate:>6}  ({} of {})",
            minute.as_str().unwrap_or("?"),
            m.matched,
            m.matched + m.mismatched
        );
    }
    println!("\ntop differing fields or lines:");
    for f in &r.top_fields {
        println!("  {:>6}  {}", f.count, f.field);
    }
    println!("\nlatency (ms):      p50       p95       p99     count");
    for l in &r.latency {
        println!(
            "  {:<12} {:>9.2} {:>9.2} {:>9.2} {:>9}",
            l.behaviour, l.p50_ms, l.p95_ms, l.p99_ms, l.count
        );
    }
    for m in &r.mismatches {
        println!(
            "\nmismatch {} ({}): {}",
            m.signature,
            m.candidate,
            m.fields.join(", ")
        );
        println!("  control:   {}", outcome(&m.control));
        println!("  candidate: {}", outcome(&m.candidate_result));
    }
}

/// A result on one line: the value as compact JSON, or the error.
fn outcome(o: &ObservedBody) -> String {
    match &o.error {
        Some(error) => format!("error: {error}  ({:.2} ms)", o.duration_ms),
        None => format!("{}  ({:.2} ms)", o.value, o.duration_ms),
    }
}
