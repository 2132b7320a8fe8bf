//! The bench report: rates and latency percentiles, printed the same way for both modes.

use std::time::{Duration, Instant};

use crate::cli::BenchArgs;

/// What one bench run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Jobs that finished.
    pub finished: usize,
    /// Time to submit all jobs.
    pub submit_elapsed: Duration,
    /// From the first submit to the last start.
    pub start_elapsed: Duration,
    /// From the first submit to the last finish.
    pub finish_elapsed: Duration,
    /// Submit → start latencies.
    pub to_start: Vec<Duration>,
    /// Submit → finish latencies.
    pub to_finish: Vec<Duration>,
}

/// Builds a report from per-job instants (submitted, started, finished).
pub fn from_instants(
    origin: Instant,
    submit_elapsed: Duration,
    times: &[(Option<Instant>, Option<Instant>, Option<Instant>)],
) -> Report {
    let mut report = Report {
        submit_elapsed,
        ..Report::default()
    };
    for (submitted, started, finished) in times {
        if let Some(f) = finished {
            report.finished += 1;
            report.finish_elapsed = report.finish_elapsed.max(f.duration_since(origin));
        }
        if let Some(s) = started {
            report.start_elapsed = report.start_elapsed.max(s.duration_since(origin));
        }
        if let (Some(sub), Some(s)) = (submitted, started) {
            report.to_start.push(s.saturating_duration_since(*sub));
        }
        if let (Some(sub), Some(f)) = (submitted, finished) {
            report.to_finish.push(f.saturating_duration_since(*sub));
        }
    }
    report
}

/// Prints the report.
pub fn print(args: &BenchArgs, report: &Report, cpu_secs: Option<f64>) {
    let kind = if args.noop {
        "noop".to_owned()
    } else {
        format!(
            "{:?}",
            super::bench::spec(args)
                .map(|s| s.command)
                .unwrap_or_default()
        )
    };
    let mode = if args.embedded {
        "embedded engine"
    } else {
        "server over HTTP"
    };
    println!(
        "offload bench: {} {kind} jobs, {} submitters, batch {}, {mode}",
        args.jobs, args.concurrency, args.batch
    );
    println!(
        "  submit:  {:>9.0} jobs/s ({:.3} s)",
        rate(args.jobs, report.submit_elapsed),
        report.submit_elapsed.as_secs_f64()
    );
    println!(
        "  start:   {:>9.0} jobs/s",
        rate(report.to_start.len(), report.start_elapsed)
    );
    println!(
        "  finish:  {:>9.0} jobs/s ({} finished in {:.3} s)",
        rate(report.finished, report.finish_elapsed),
        report.finished,
        report.finish_elapsed.as_secs_f64()
    );
    println!("  submit→start  {}", percentiles(&report.to_start));
    println!("  submit→finish {}", percentiles(&report.to_finish));
    if let Some(cpu) = cpu_secs {
        println!(
            "  CPU: {:.3} s per 1,000 jobs",
            cpu / report.finished.max(1) as f64 * 1000.0
        );
    }
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

fn percentiles(samples: &[Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "p50 {:.3} ms  p95 {:.3} ms  p99 {:.3} ms  (n={})",
        ms(at(0.50)),
        ms(at(0.95)),
        ms(at(0.99)),
        sorted.len()
    )
}
