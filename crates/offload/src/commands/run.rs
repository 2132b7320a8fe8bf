//! `offload run FILE`: run a manifest's tasks here, in the sandbox, with no server.
//!
//! This is the only place that reads the dispatcher's environment controls
//! (`OFFLOAD_MODE`, `OFFLOAD_MAX_CONCURRENCY`, `OFFLOAD_FAKE_LATENCY_MS`,
//! `OFFLOAD_FORCE_TIMEOUT`, `OFFLOAD_DEBUG` and each task's feature-flag variable); the
//! library gets them as a [`DispatchConfig`]. Progress goes to stderr as plain lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use offload_core::manifest::{Manifest, ParseConfig};
use offload_engine::dispatch::{
    DispatchConfig, ErrorKind, Event, Mode, Pass, Report, SampleStats, Watchdog, dispatch,
};
use offload_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::exit::{self, Code};

/// `offload run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The manifest file (TOML).
    pub file: PathBuf,
    /// off: one after another; shadow: that plus an ignored concurrent run; on: concurrently.
    #[arg(long, env = "OFFLOAD_MODE", default_value = "on")]
    pub mode: Mode,
    /// At most this many tasks at once.
    #[arg(long, env = "OFFLOAD_MAX_CONCURRENCY", default_value_t = 4)]
    pub max_concurrency: usize,
    /// Do not stop a run that makes no progress for 3x the longest timeout.
    #[arg(long)]
    pub no_watchdog: bool,
    /// The watchdog's sentinel file (default: FILE.watchdog next to the manifest).
    #[arg(long)]
    pub sentinel: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write one SEGMENT line per task event here.
    #[arg(long, value_name = "FILE")]
    pub segments: Option<PathBuf>,
    /// Run the whole manifest this many times and report the median and RSD of the total.
    #[arg(long, default_value_t = 1)]
    pub samples: usize,
    /// Exit non-zero if the relative standard deviation of the totals is above this.
    #[arg(long)]
    pub max_rsd: Option<f64>,
    /// Directory for the sandbox's work directories.
    #[arg(long)]
    pub work_root: Option<PathBuf>,
}

/// Runs `offload run`.
pub async fn run(args: RunArgs) -> Result<Code> {
    if args.samples == 0 || args.max_concurrency == 0 {
        bail!("--samples and --max-concurrency must be at least 1");
    }
    let manifest = match super::manifest::load(&args.file, &ParseConfig::default())? {
        Ok(manifest) => manifest,
        Err(message) => {
            eprintln!("{message}");
            return Ok(exit::USAGE);
        }
    };
    let mut sandbox_config = SandboxConfig::default();
    if let Some(root) = &args.work_root {
        sandbox_config.work_root = root.clone();
    }
    let sandbox = Sandbox::new(sandbox_config).context("cannot prepare the sandbox")?;
    let debug = env_flag("OFFLOAD_DEBUG");
    let mut reports = Vec::with_capacity(args.samples);
    for sample in 1..=args.samples {
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, sample, args.samples));
        let config = dispatch_config(&args, &manifest, tx)?;
        let report = match dispatch(&sandbox, &manifest, &config).await {
            Ok(report) => report,
            Err(err) if err.kind() == ErrorKind::InvalidInput => {
                eprintln!("offload: {err}");
                return Ok(exit::USAGE);
            }
            Err(err) => return Err(err.into()),
        };
        drop(config);
        printer.await.ok();
        if let Some(reason) = &report.fallback {
            eprintln!("offload: {reason}");
        }
        if debug {
            report
                .segments
                .iter()
                .for_each(|segment| eprintln!("{segment}"));
        }
        reports.push(report);
    }
    finish(&args, &reports)
}

/// Builds the dispatcher's config from flags and the environment.
fn dispatch_config(
    args: &RunArgs,
    manifest: &Manifest,
    events: mpsc::UnboundedSender<Event>,
) -> Result<DispatchConfig> {
    let fake_latency = match std::env::var("OFFLOAD_FAKE_LATENCY_MS") {
        Ok(ms) => std::time::Duration::from_millis(ms.trim().parse().with_context(|| {
            format!("OFFLOAD_FAKE_LATENCY_MS={ms:?} is not a number of milliseconds")
        })?),
        Err(_) => std::time::Duration::ZERO,
    };
    let flags: BTreeMap<String, String> = manifest
        .tasks
        .iter()
        .filter_map(|task| task.feature_flag.clone())
        .filter_map(|flag| std::env::var(&flag).ok().map(|value| (flag, value)))
        .collect();
    let sentinel = args.sentinel.clone().unwrap_or_else(|| {
        let mut path = args.file.clone().into_os_string();
        path.push(".watchdog");
        PathBuf::from(path)
    });
    Ok(DispatchConfig {
        mode: args.mode,
        max_concurrency: args.max_concurrency,
        flags,
        fake_latency,
        force_timeout: std::env::var("OFFLOAD_FORCE_TIMEOUT")
            .ok()
            .filter(|id| !id.is_empty()),
        watchdog: if args.no_watchdog {
            Watchdog::Disabled
        } else {
            Watchdog::Enabled { factor: 3 }
        },
        sentinel: Some(sentinel),
        events: Some(events),
    })
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| value == "1" || value.eq_ignore_ascii_case("true"))
}

async fn print_progress(events: mpsc::UnboundedReceiver<Event>, sample: usize, samples: usize) {
    let prefix = if samples > 1 {
        format!("[{sample}/{samples}] ")
    } else {
        String::new()
    };
    super::run_progress::show(events, prefix).await;
}

/// Writes the report and segments, prints the summary, and decides the exit code.
fn finish(args: &RunArgs, reports: &[Report]) -> Result<Code> {
    let totals: Vec<f64> = reports
        .iter()
        .map(|r| r.totals.sync_path_total_ms as f64)
        .collect();
    let stats = SampleStats::of(&totals).context("no samples ran")?;
    let last = reports.last().context("no samples ran")?;
    if let Some(path) = &args.segments {
        let mut text = String::new();
        for segment in reports.iter().flat_map(|r| &r.segments) {
            let _ = writeln!(text, "{segment}");
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.report {
        let body = serde_json::to_string_pretty(&report_json(last, reports.len(), &stats))?;
        std::fs::write(path, body + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_summary(last, &stats);
    let rsd_ok = args.max_rsd.is_none_or(|limit| stats.rsd <= limit);
    if !rsd_ok {
        eprintln!(
            "offload: relative standard deviation {:.3} is above --max-rsd {:.3}",
            stats.rsd,
            args.max_rsd.unwrap_or_default()
        );
    }
    let all_ok = reports.iter().all(Report::succeeded);
    Ok(if all_ok && rsd_ok {
        exit::OK
    } else {
        exit::JOB_FAILED
    })
}

fn print_summary(report: &Report, stats: &SampleStats) {
    let t = &report.totals;
    eprintln!(
        "offload: mode={} tasks={} done={} fail={} timeout={} skipped={} sync_path_total_ms={} async_total_accumulated_ms={} sync_reduction_pct={:.1}",
        report.mode,
        t.tasks_total,
        t.tasks_done,
        t.tasks_fail,
        t.tasks_timeout,
        t.tasks_skipped,
        t.sync_path_total_ms,
        t.async_total_accumulated_ms,
        t.sync_reduction_pct
    );
    if stats.count > 1 {
        eprintln!(
            "offload: samples={} median_ms={:.1} rsd={:.3}",
            stats.count, stats.median, stats.rsd
        );
    }
    if let Some(reason) = &report.foreground.watchdog {
        eprintln!("offload: the watchdog stopped the run: {reason}");
    }
}

fn report_json(report: &Report, samples: usize, stats: &SampleStats) -> Value {
    let t = &report.totals;
    json!({
        "requested_mode": report.requested_mode.name(),
        "mode": report.mode.name(),
        "fallback": report.fallback,
        "watchdog": report.foreground.watchdog,
        "tasks": pass_json(&report.foreground),
        "shadow": report.shadow.as_ref().map(|shadow| json!({ "wall_ms": shadow.wall_ms, "watchdog": shadow.watchdog, "tasks": pass_json(shadow) })),
        "totals": {
            "tasks_total": t.tasks_total,
            "tasks_done": t.tasks_done,
            "tasks_fail": t.tasks_fail,
            "tasks_timeout": t.tasks_timeout,
            "tasks_skipped": t.tasks_skipped,
            "sync_path_total_ms": t.sync_path_total_ms,
            "async_total_accumulated_ms": t.async_total_accumulated_ms,
            "overhead_ms": t.overhead_ms,
            "sync_reduction_pct": t.sync_reduction_pct,
        },
        "samples": { "count": samples, "median_ms": stats.median, "mean_ms": stats.mean, "rsd": stats.rsd },
    })
}

fn pass_json(pass: &Pass) -> Value {
    pass.tasks
        .iter()
        .map(|task| {
            json!({
                "id": task.id,
                "status": task.status.name(),
                "attempts": task.attempts,
                "start_ms": task.start_ms,
                "end_ms": task.end_ms,
                "duration_ms": task.duration_ms(),
                "error": task.error,
            })
        })
        .collect()
}
