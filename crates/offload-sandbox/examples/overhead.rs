//! Per-run overhead of the sandbox over a plain spawn of `/bin/true`, at every tier, with
//! bubblewrap beside it for comparison.
//!
//! Criterion reports means; a job server also cares about the tail, so this example times each of
//! `OFFLOAD_OVERHEAD_RUNS` (default 1,000) sequential runs and prints p50 and p99 per row, plus
//! the extra cost over the plain spawn. Run it with
//! `cargo run --release -p offload-sandbox --example overhead` (as root for T1 and T2).
#![allow(clippy::disallowed_methods)] // the baselines spawn plain processes on purpose

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use offload_sandbox::{Limits, RunSpec, Sandbox, SandboxConfig, Termination, Tier};
use tokio_util::sync::CancellationToken;

/// One row of the table: a label and its sorted per-run times.
struct Row {
    label: String,
    times: Vec<Duration>,
    /// Runs per second with [`IN_FLIGHT`] at a time, measured for the sandbox rows only.
    rate: Option<f64>,
}

fn main() {
    let runs: usize = std::env::var("OFFLOAD_OVERHEAD_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let root = tempfile::tempdir().expect("temp dir");
    let mut rows = vec![time_rows("plain spawn of /bin/true", runs, plain_true)];
    for tier in [Tier::T0, Tier::T1, Tier::T2] {
        if let Some(row) = sandbox_row(&runtime, root.path(), tier, runs) {
            rows.push(row);
        }
    }
    if Path::new("/usr/bin/bwrap").exists() {
        rows.push(time_rows(
            "bubblewrap (bwrap --unshare-all)",
            runs,
            bwrap_true,
        ));
    }
    print_table(&rows);
}

/// Times `runs` sandboxed runs of `/bin/true` capped at `tier`; `None` when the host's best tier
/// is lower, so that no row is labelled with a tier it did not get.
fn sandbox_row(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    tier: Tier,
    runs: usize,
) -> Option<Row> {
    let sandbox = Sandbox::new(SandboxConfig {
        work_root: root.join(format!("work-{tier}")),
        max_tier: Some(tier),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    if sandbox.tier() != tier {
        eprintln!("skipping {tier}: this host gives {}", sandbox.tier());
        return None;
    }
    let spec = RunSpec {
        argv: vec!["/bin/true".into()],
        limits: Limits {
            memory: (tier == Tier::T2).then_some(256 << 20),
            processes: Some(64),
            ..Limits::default()
        },
        ..RunSpec::default()
    };
    let label = format!("offload-sandbox {tier}");
    let rate = runtime.block_on(throughput(&sandbox, &spec, runs));
    let mut row = time_rows(&label, runs, || {
        let result = runtime.block_on(sandbox.run(spec.clone(), CancellationToken::new()));
        assert_eq!(result.termination, Termination::Exited(0), "{label}");
        assert_eq!(result.tier, tier);
    });
    row.rate = Some(rate);
    Some(row)
}

/// Runs in flight for the throughput figure: a job server keeps several runs going per core.
const IN_FLIGHT: usize = 16;

/// Completed runs per second with [`IN_FLIGHT`] runs at a time.
async fn throughput(sandbox: &Sandbox, spec: &RunSpec, runs: usize) -> f64 {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..runs {
        if i >= IN_FLIGHT {
            tasks.join_next().await;
        }
        let (sandbox, spec) = (sandbox.clone(), spec.clone());
        tasks.spawn(async move {
            let result = sandbox.run(spec, CancellationToken::new()).await;
            assert_eq!(result.termination, Termination::Exited(0));
        });
    }
    while tasks.join_next().await.is_some() {}
    runs as f64 / start.elapsed().as_secs_f64()
}

/// Warms up, then times each of `runs` calls of `one`.
fn time_rows(label: &str, runs: usize, mut one: impl FnMut()) -> Row {
    for _ in 0..runs.min(50) {
        one();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            one();
            start.elapsed()
        })
        .collect();
    times.sort();
    Row {
        label: label.to_owned(),
        times,
        rate: None,
    }
}

fn plain_true() {
    let status = Command::new("/bin/true").status().expect("spawn /bin/true");
    assert!(status.success());
}

fn bwrap_true() {
    let mut command = Command::new("/usr/bin/bwrap");
    command.args(["--unshare-all", "--die-with-parent", "--new-session"]);
    for dir in ["/usr", "/bin", "/lib", "/lib64"] {
        if Path::new(dir).exists() {
            command.args(["--ro-bind", dir, dir]);
        }
    }
    command.args([
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "/bin/true",
    ]);
    let status = command.stdout(Stdio::null()).status().expect("spawn bwrap");
    assert!(status.success(), "bwrap failed: {status}");
}

fn percentile(times: &[Duration], p: usize) -> Duration {
    times[(times.len() * p / 100).min(times.len() - 1)]
}

fn print_table(rows: &[Row]) {
    let base = (
        percentile(&rows[0].times, 50),
        percentile(&rows[0].times, 99),
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| what ({} runs each) | p50 ms | p99 ms | extra p50 ms | extra p99 ms | runs/s, {IN_FLIGHT} in flight |",
        rows[0].times.len()
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let (p50, p99) = (percentile(&row.times, 50), percentile(&row.times, 99));
        println!(
            "| {} | {:.2} | {:.2} | {:+.2} | {:+.2} | {} |",
            row.label,
            ms(p50),
            ms(p99),
            ms(p50) - ms(base.0),
            ms(p99) - ms(base.1),
            row.rate.map_or("".to_owned(), |rate| format!("{rate:.0}"))
        );
    }
}
