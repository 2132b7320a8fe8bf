//! Flags shared by several commands: job limits, job options, and the value types
//! that parse `5s` and `256M` the same way the API and the manifest do.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use clap::Args;
use offload_core::units::{parse_duration, parse_size};
use offload_core::{Idempotency, JobKind, JobSpec, QueueName};

/// A duration flag: `250ms`, `5s`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub std::time::Duration);

impl FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(Duration)
    }
}

/// A size flag: `512K`, `256M`, `1G`, or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_size(s).map(Size)
    }
}

/// Limits and inputs of one run: shared by `submit` and `exec`.
#[derive(Debug, Clone, Args)]
pub struct LimitFlags {
    /// Soft timeout: SIGTERM to the whole process tree (default 90s).
    #[arg(long)]
    pub timeout: Option<Duration>,
    /// Grace after the soft timeout before SIGKILL (default 30s).
    #[arg(long)]
    pub kill_after: Option<Duration>,
    /// Memory limit (default 1G).
    #[arg(long)]
    pub memory: Option<Size>,
    /// CPU time limit (default 120s).
    #[arg(long)]
    pub cpu: Option<Duration>,
    /// Processes the job may have at once (default 10).
    #[arg(long)]
    pub processes: Option<u32>,
    /// Largest file the job may write (default 100M).
    #[arg(long)]
    pub file_size: Option<Size>,
    /// Open file descriptors (default 1024).
    #[arg(long)]
    pub open_files: Option<u32>,
    /// Output kept per stream; more kills the job (default 1M).
    #[arg(long)]
    pub output: Option<Size>,
    /// A file for the job's work directory, as NAME=PATH (repeatable).
    #[arg(long = "file", value_name = "NAME=PATH")]
    pub files: Vec<String>,
    /// An environment variable for the job, as KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// A file whose content is the job's standard input ("-" reads this command's stdin).
    #[arg(long, value_name = "PATH")]
    pub stdin: Option<PathBuf>,
}

/// Options of a submitted job beyond its limits.
#[derive(Debug, Clone, Args)]
pub struct JobFlags {
    #[command(flatten)]
    pub limits: LimitFlags,
    /// The queue (default "default").
    #[arg(long)]
    pub queue: Option<String>,
    /// Higher runs first (-1000 to 1000).
    #[arg(long, allow_hyphen_values = true)]
    pub priority: Option<i32>,
    /// Retries after the first attempt (default 3).
    #[arg(long)]
    pub retries: Option<u32>,
    /// An idempotency key: a second submit with it returns the same job.
    #[arg(long)]
    pub key: Option<String>,
    /// Deduplicate by the SHA-256 of the job's spec.
    #[arg(long, conflicts_with = "key")]
    pub dedupe: bool,
    /// A label, as KEY=VALUE (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Start no sooner than this long from now.
    #[arg(long)]
    pub delay: Option<Duration>,
    /// Run the built-in no-op job kind instead of a command.
    #[arg(long)]
    pub noop: bool,
}

impl LimitFlags {
    /// Builds a spec for `command` with these limits over the defaults.
    pub fn to_spec(&self, command: Vec<String>) -> Result<JobSpec> {
        let mut spec = JobSpec {
            command,
            ..JobSpec::default()
        };
        let l = &mut spec.limits;
        self.timeout.inspect(|d| spec.timeout = d.0);
        self.kill_after.inspect(|d| spec.kill_after = d.0);
        self.memory.inspect(|s| l.memory = s.0);
        self.cpu.inspect(|d| l.cpu = d.0);
        self.processes.inspect(|n| l.processes = *n);
        self.file_size.inspect(|s| l.file_size = s.0);
        self.open_files.inspect(|n| l.open_files = *n);
        self.output.inspect(|s| l.output = s.0);
        spec.files = self.read_files()?;
        spec.env = pairs("--env", &self.env)?;
        spec.stdin = self.read_stdin()?;
        Ok(spec)
    }

    fn read_files(&self) -> Result<BTreeMap<String, String>> {
        let mut files = BTreeMap::new();
        for (name, path) in pairs("--file", &self.files)? {
            let content = std::fs::read_to_string(&path)
                .with_context(|| format!("--file {name}={path}: cannot read"))?;
            files.insert(name, content);
        }
        Ok(files)
    }

    fn read_stdin(&self) -> Result<Option<String>> {
        let Some(path) = &self.stdin else {
            return Ok(None);
        };
        let content = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())
                .context("--stdin -: cannot read standard input")?
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("--stdin {}: cannot read", path.display()))?
        };
        Ok(Some(content))
    }
}

impl JobFlags {
    /// Builds the submitted spec; returns it with whether to deduplicate.
    pub fn to_spec(&self, command: Vec<String>) -> Result<(JobSpec, bool)> {
        let mut spec = self.limits.to_spec(command)?;
        if self.noop {
            spec.kind = JobKind::Noop;
        }
        if let Some(queue) = &self.queue {
            spec.queue = QueueName::new(queue.clone())
                .map_err(anyhow::Error::msg)
                .context("--queue")?;
        }
        self.priority.inspect(|p| spec.priority = *p);
        self.retries.inspect(|n| spec.retry.max_retries = *n);
        spec.idempotency = self.key.clone().map(|key| Idempotency {
            key,
            ttl: offload_core::spec::DEFAULT_IDEMPOTENCY_TTL,
        });
        spec.labels = pairs("--label", &self.labels)?;
        Ok((spec, self.dedupe))
    }
}

/// Splits `KEY=VALUE` flags.
fn pairs(flag: &str, items: &[String]) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else {
            bail!("{flag} {item:?}: expected KEY=VALUE")
        };
        map.insert(k.to_owned(), v.to_owned());
    }
    Ok(map)
}
