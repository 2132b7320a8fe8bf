//! The command line, as clap derive types. One variant per command; each command's
//! code lives in its own file under `commands/`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::flags::{Duration, JobFlags, LimitFlags};

/// Run slow, risky or untrusted work off the critical path, safely and observably.
#[derive(Debug, Parser)]
#[command(name = "offload", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub log: LogArgs,
}

/// Logging flags, global to every command.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Log format on stderr.
    #[arg(long = "log-format", global = true, value_enum, default_value_t = LogFormat::Human)]
    pub format: LogFormat,
    /// Log level when RUST_LOG is not set (default: info for the server, warn otherwise).
    #[arg(long = "log-level", global = true)]
    pub level: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server: HTTP API and local workers on an embedded SQLite store.
    Server(ServerArgs),
    /// Submit a job and print its id (or, with --wait, its output).
    Submit(SubmitArgs),
    /// Show a job.
    Get(GetArgs),
    /// Wait for a job to finish.
    Wait(WaitArgs),
    /// Print a job's output.
    Logs(LogsArgs),
    /// Cancel a job.
    Cancel(IdArgs),
    /// List jobs.
    List(ListArgs),
    /// Dead letters: jobs that failed for good.
    Dead(DeadArgs),
    /// Queues: list, pause, resume, limit.
    Queue(QueueArgs),
    /// Run one command in the sandbox here, without a server.
    Exec(ExecArgs),
    /// Experiments: list, show, ramp, enable, disable.
    Experiments(crate::commands::experiments::ExperimentsArgs),
    /// Load-test a running server.
    Bench(BenchArgs),
    /// Check a task manifest and print its checksum.
    Manifest(crate::commands::manifest::ManifestArgs),
    /// Run a manifest's tasks here, concurrently, with no server.
    Run(crate::commands::run::RunArgs),
    /// List the tasks of a server's manifest, or reload it.
    Tasks(crate::commands::tasks::TasksArgs),
    /// Run jobs from a shared PostgreSQL store, with no API.
    Worker(crate::commands::worker::WorkerArgs),
    /// Bring a PostgreSQL store's schema to this binary's version.
    Migrate(crate::commands::migrate::MigrateArgs),
    /// Show which isolation mechanisms work on this host, and why not.
    Doctor(crate::commands::doctor::DoctorArgs),
}

/// Where the server is and how to authenticate.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The server's URL.
    #[arg(
        long = "server",
        env = "OFFLOAD_URL",
        default_value = "http://127.0.0.1:8787",
        global = true
    )]
    pub url: String,
    /// The API token (the server prints where it keeps it).
    #[arg(long, env = "OFFLOAD_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// A PEM file of CA certificates to trust for an https:// server, besides the
    /// system's (for a self-signed server certificate, pass the certificate itself).
    #[arg(long, env = "OFFLOAD_CA_CERT", value_name = "FILE", global = true)]
    pub ca_cert: Option<PathBuf>,
}

/// `offload server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The data directory: the SQLite database, the API token and job work dirs.
    #[arg(long, default_value = "offload-data")]
    pub data: PathBuf,
    /// The address to serve the API on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The API token file (made at random, mode 0600, if missing); default DATA/token.
    /// Servers sharing a PostgreSQL store share one token file.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// The store: "sqlite" (a file in the data dir) or a shared postgres:// URL.
    #[arg(
        long,
        env = "OFFLOAD_STORE",
        hide_env_values = true,
        default_value = "sqlite"
    )]
    pub store: String,
    /// How many jobs run at once in this process (0: API only).
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Serve only these queues (comma-separated); all when absent.
    #[arg(long, value_delimiter = ',')]
    pub queues: Option<Vec<String>>,
    /// On SIGTERM or SIGINT, how long running jobs may finish before they are killed and re-queued.
    #[arg(long, default_value = "30s")]
    pub shutdown_grace: Duration,
    /// How long finished jobs are kept.
    #[arg(long, default_value = "7d")]
    pub retention: Duration,
    /// How long a worker's lease lasts without renewal.
    #[arg(long, default_value = "10s")]
    pub lease: Duration,
    /// The largest request body accepted.
    #[arg(long, default_value = "32M")]
    pub max_body: crate::flags::Size,
    /// A task manifest (offload.toml): clients then submit its tasks by name, and
    /// SIGHUP or POST /v1/manifest/reload reloads it.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// With --manifest: accept jobs with a raw command too.
    #[arg(long, requires = "manifest")]
    pub allow_raw_commands: bool,
    /// Also serve `GET /metrics` without a token on this address, for a Prometheus
    /// on a private network; on the API address it needs the token.
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
    /// Dashboard users: one `name:role:argon2-hash` per line, role `admin` or
    /// `read-only`. Without it only the API token logs in; there are no defaults.
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.
    /// The dashboard's session cookie is then marked Secure.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1); needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    #[command(flatten)]
    pub sandbox: crate::sandbox_flags::SandboxFlags,
}

/// `offload submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub job: JobFlags,
    /// Wait for the job, print its stdout, and exit with its exit code.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: run in the local sandbox, with a warning, if the server cannot be reached.
    #[arg(long, value_enum, requires = "wait")]
    pub fallback: Option<Fallback>,
    /// Print the response as JSON.
    #[arg(long)]
    pub json: bool,
    /// Run a task of the server's manifest instead of a command.
    #[arg(long, conflicts_with = "command")]
    pub task: Option<String>,
    /// A task parameter, as NAME=VALUE (repeatable); VALUE is JSON if it parses, else a string.
    #[arg(long = "param", value_name = "NAME=VALUE", requires = "task")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub conn: Connection,
    /// The command and its arguments, after `--`.
    #[arg(last = true)]
    pub command: Vec<String>,
}

/// What `submit --wait` does when the server is unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Fallback {
    /// Run the command in the local sandbox.
    Local,
}

/// A job id and a connection.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The job id.
    pub id: i64,
    #[command(flatten)]
    pub conn: Connection,
}

/// `offload get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The job id.
    pub id: i64,
    /// Print the job as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// `offload wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The job id.
    pub id: i64,
    /// Give up after this long (exit code 124).
    #[arg(long, default_value = "30s")]
    pub timeout: Duration,
    /// Print the job as JSON.
    #[arg(long)]
    pub json: bool,
    /// Show the job's progress while waiting: a bar on a terminal, otherwise lines
    /// such as `progress 40% resizing` on stdout before the result.
    #[arg(long)]
    pub progress: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// `offload logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The job id.
    pub id: i64,
    /// Stream output live until the job finishes, with its progress on stderr.
    #[arg(long, short)]
    pub follow: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// `offload list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs in this state (repeatable).
    #[arg(long)]
    pub state: Vec<String>,
    /// Only jobs in this queue.
    #[arg(long)]
    pub queue: Option<String>,
    /// Only jobs with this label, as KEY=VALUE.
    #[arg(long)]
    pub label: Option<String>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Only jobs older than this id (the `next` cursor of the previous page).
    #[arg(long)]
    pub before: Option<i64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// `offload dead`.
#[derive(Debug, Args)]
pub struct DeadArgs {
    #[command(subcommand)]
    pub action: DeadAction,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// What to do with dead letters.
#[derive(Debug, Subcommand)]
pub enum DeadAction {
    /// List failed jobs.
    List,
    /// Queue a failed job again (or all of them with --all).
    Retry {
        /// The job id.
        #[arg(required_unless_present = "all")]
        id: Option<i64>,
        /// Retry every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Delete every dead letter.
    Purge,
}

/// `offload queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub action: QueueAction,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub conn: Connection,
}

/// What to do with a queue.
#[derive(Debug, Subcommand)]
pub enum QueueAction {
    /// List queues with their counts.
    List,
    /// Stop starting jobs from a queue.
    Pause {
        /// The queue.
        name: String,
    },
    /// Start jobs from a paused queue again.
    Resume {
        /// The queue.
        name: String,
    },
    /// Set how many jobs of a queue may run at once ("none" removes the limit).
    Limit {
        /// The queue.
        name: String,
        /// The limit, or "none".
        limit: String,
    },
}

/// `offload exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub limits: LimitFlags,
    /// Where the sandbox makes work directories.
    #[arg(long)]
    pub work_root: Option<PathBuf>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// `offload bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many jobs to submit.
    #[arg(long, default_value_t = 10_000)]
    pub jobs: usize,
    /// How many submitters run at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Jobs per submit request (1 uses the single-job route).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Use the built-in no-op job kind, which runs no process.
    #[arg(long)]
    pub noop: bool,
    /// The queue to use.
    #[arg(long, default_value = "bench")]
    pub queue: String,
    /// The server's process id, to report its CPU seconds per 1,000 jobs.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Run an engine in this process on a fresh embedded store instead of using a server;
    /// latencies are then timed with a monotonic clock to the microsecond.
    #[arg(long)]
    pub embedded: bool,
    /// With --embedded: how many jobs run at once.
    #[arg(long, default_value_t = 64)]
    pub workers: usize,
    #[command(flatten)]
    pub conn: Connection,
    /// The command each job runs (default /bin/true), after `--`.
    #[arg(last = true)]
    pub command: Vec<String>,
}
