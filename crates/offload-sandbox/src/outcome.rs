//! How a run ended and what it produced.
//!
//! These are the types the engine stores; they carry no pids or handles, only facts.

use std::time::Duration;

use crate::progress::ProgressCounts;

/// The isolation tier that was actually applied to a run.
///
/// Each tier is a superset of the one before; tiers are ordered, so `T0 < T1 < T2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Tier {
    /// Baseline: own session, rlimits, no-new-privs, scrubbed env, private work dir, tree kill,
    /// and a per-run uid when the worker is root.
    T0,
    /// T0 plus user, PID, mount, IPC and UTS namespaces, no network, a read-only root with a
    /// fresh `/proc`, a minimal `/dev` and a size-capped `/tmp`, Landlock and a seccomp deny list.
    T1,
    /// T1 plus a cgroup per run: a memory limit without swap whose OOM kill ends the run as
    /// [`Termination::MemoryLimit`], a process limit, CPU accounting for the whole tree, and a
    /// teardown that kills every process in the group. `RLIMIT_AS` is not set at this tier.
    T2,
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tier::T0 => "T0",
            Tier::T1 => "T1",
            Tier::T2 => "T2",
        })
    }
}

/// Why a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Termination {
    /// The command exited with this code.
    Exited(i32),
    /// The command was killed by this signal, and no limit explains it.
    Signaled(i32),
    /// The wall-clock timeout fired and the tree was terminated.
    TimedOut,
    /// `RLIMIT_CPU` was exceeded (`SIGXCPU`, or `SIGKILL` at the hard limit).
    CpuLimit,
    /// The memory limit was most likely the cause; see the crate docs for the heuristic.
    MemoryLimit,
    /// A stream exceeded `output_limit` and the tree was killed.
    OutputLimit,
    /// `RLIMIT_FSIZE` was exceeded (`SIGXFSZ`).
    FileSizeLimit,
    /// The caller's cancellation token fired and the tree was terminated.
    Cancelled,
    /// The command could not be started; the message names `argv[0]` or the bad field.
    SpawnError(String),
    /// The run's isolation policy asks for more than this host or configuration gives; the
    /// message names the missing mechanism or the config setting. Nothing was started.
    SandboxUnavailable(String),
    /// Setting up the sandbox failed at run time (a mount, a namespace, a filter); the message
    /// names the step.
    SandboxError(String),
}

/// Everything known about a finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// Why the run ended.
    pub termination: Termination,
    /// Standard output, at most `output_limit` bytes.
    pub stdout: Vec<u8>,
    /// Standard error, at most `output_limit` bytes.
    pub stderr: Vec<u8>,
    /// Whether the job wrote more to stdout than was kept.
    pub stdout_truncated: bool,
    /// Whether the job wrote more to stderr than was kept.
    pub stderr_truncated: bool,
    /// Wall time from spawn to the job's exit.
    pub wall: Duration,
    /// User plus system CPU time of every process in the tree.
    pub cpu: Duration,
    /// Largest resident set of any process in the tree, in bytes, when the kernel reported one.
    pub peak_memory: Option<u64>,
    /// The isolation tier applied.
    pub tier: Tier,
    /// What the job wrote to its progress descriptor: updates, malformed and dropped lines.
    pub progress: ProgressCounts,
}

impl RunResult {
    /// A result for a run that never started, such as a spawn error or an early cancellation.
    pub(crate) fn not_started(termination: Termination, tier: Tier) -> Self {
        Self {
            termination,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
            peak_memory: None,
            tier,
            progress: ProgressCounts::default(),
        }
    }
}
