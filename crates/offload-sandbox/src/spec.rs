//! What the caller asks for: the command, its inputs, its limits, and where live output goes.
//!
//! The engine validates names before it stores a job, but the sandbox is the last line before the
//! kernel, so it checks again here: a file name with a `/` or `..` would let a job's inputs land
//! outside its work directory.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::SpecError;

/// One command to run, with everything it needs and everything that bounds it.
#[derive(Clone)]
pub struct RunSpec {
    /// The program and its arguments. `argv[0]` is looked up through the job's `PATH` when it has
    /// no `/`.
    pub argv: Vec<String>,
    /// Files written into the fresh work directory before the command starts, as (name, content).
    /// Names must be plain: not empty, no `/`, not `.` or `..`.
    pub files: Vec<(String, Vec<u8>)>,
    /// Bytes fed to the command's stdin; `None` connects stdin to `/dev/null`.
    pub stdin: Option<Vec<u8>>,
    /// The job's own environment, added on top of the sandbox's allow-list. `HOME` and `TMPDIR`
    /// are always set to the work directory afterwards, and `OFFLOAD_PROGRESS_FD` to
    /// [`PROGRESS_FD`](crate::PROGRESS_FD).
    pub env: Vec<(String, String)>,
    /// Per-process resource limits.
    pub limits: Limits,
    /// Wall time after which the whole tree gets `SIGTERM`.
    pub timeout: Duration,
    /// Grace after the `SIGTERM` before the whole tree gets `SIGKILL`.
    pub kill_after: Duration,
    /// Bytes kept per stream; writing more kills the tree with
    /// [`Termination::OutputLimit`](crate::Termination::OutputLimit).
    pub output_limit: u64,
    /// Receives output and progress as they arrive, for streaming; may be `None`.
    pub output: Option<Arc<dyn OutputSink>>,
    /// How strongly the run must be isolated.
    pub isolation: Isolation,
    /// Whether the run may use the network.
    pub network: Network,
    /// A file in which the run's init records the job's exit code the moment the job exits on
    /// its own, before anyone asked it to stop. A worker that dies before it saves the result
    /// can then learn on restart that the job already finished. The file is created (mode 0600)
    /// before the job starts, and holds `exit <code>\n` or nothing; see [`read_exit_record`].
    ///
    /// [`read_exit_record`]: crate::read_exit_record
    pub exit_record: Option<PathBuf>,
}

/// How strongly a run must be isolated. A run is never given less than it asks for: when the host
/// cannot meet the policy, it ends with
/// [`Termination::SandboxUnavailable`](crate::Termination::SandboxUnavailable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Isolation {
    /// T1 or better is required.
    Strict,
    /// The best tier the host gives.
    #[default]
    Standard,
    /// T0 only, for trusted commands; refused unless `SandboxConfig::allow_isolation_none`.
    None,
}

/// Whether a run may reach the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Network {
    /// No network at all (at T1: an empty network namespace and Landlock's TCP rules).
    #[default]
    None,
    /// The host's network; refused unless `SandboxConfig::allow_host_network`.
    Host,
}

impl Default for RunSpec {
    /// An empty command with conservative bounds: one minute of wall time, five seconds of grace
    /// and one MiB of output per stream. Callers must at least fill in `argv`.
    fn default() -> Self {
        Self {
            argv: Vec::new(),
            files: Vec::new(),
            stdin: None,
            env: Vec::new(),
            limits: Limits::default(),
            timeout: Duration::from_secs(60),
            kill_after: Duration::from_secs(5),
            output_limit: 1 << 20,
            output: None,
            isolation: Isolation::default(),
            network: Network::default(),
            exit_record: None,
        }
    }
}

impl fmt::Debug for RunSpec {
    // Written by hand because the output sink is a trait object without `Debug`, and because file
    // contents and stdin can be large, so only their sizes are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: Vec<(&str, usize)> = self
            .files
            .iter()
            .map(|(n, c)| (n.as_str(), c.len()))
            .collect();
        f.debug_struct("RunSpec")
            .field("argv", &self.argv)
            .field("files", &files)
            .field("stdin_len", &self.stdin.as_ref().map(Vec::len))
            .field("env", &self.env)
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .field("kill_after", &self.kill_after)
            .field("output_limit", &self.output_limit)
            .field("output", &self.output.is_some())
            .field("isolation", &self.isolation)
            .field("network", &self.network)
            .finish()
    }
}

/// Resource limits, applied as rlimits and, at T2, as the run cgroup's limits; `None` leaves the
/// worker's own limit.
///
/// Values above the worker's own hard limit are lowered to it, because an unprivileged process
/// (and root without `CAP_SYS_RESOURCE`) cannot raise a hard limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Memory in bytes: at T2 the run cgroup's limit for the whole tree, without swap; below T2
    /// the address-space size of each process (`RLIMIT_AS`).
    pub memory: Option<u64>,
    /// CPU time (`RLIMIT_CPU`), rounded up to whole seconds, at least one.
    pub cpu: Option<Duration>,
    /// Processes: at T2 the run cgroup's `pids.max` for the whole tree; below T2 processes of the
    /// job's uid (`RLIMIT_NPROC`), counted per uid across the whole system and ignored for root,
    /// so only meaningful once each slot runs as its own uid.
    pub processes: Option<u32>,
    /// Largest file the job may write, in bytes (`RLIMIT_FSIZE`).
    pub file_size: Option<u64>,
    /// Open file descriptors per process (`RLIMIT_NOFILE`).
    pub open_files: Option<u32>,
}

/// Receives a job's output and progress while it runs.
///
/// Called from the sandbox's reader tasks, so it must be quick and must not block; it only ever
/// sees the bytes that are also kept in the result, never past `output_limit`.
pub trait OutputSink: Send + Sync {
    /// One chunk of output from `stream`, in order within that stream.
    fn chunk(&self, stream: Stream, data: &[u8]);

    /// A progress update the job wrote to its progress descriptor, in order, at a bounded rate
    /// (see [`PROGRESS_FD`](crate::PROGRESS_FD)). Ignored unless overridden.
    fn progress(&self, progress: &crate::Progress) {
        let _ = progress;
    }
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Checks everything in `spec` that the kernel would reject or that could escape the work dir.
pub(crate) fn validate(spec: &RunSpec) -> Result<(), SpecError> {
    if spec.argv.is_empty() {
        return Err(SpecError::EmptyArgv);
    }
    for (i, arg) in spec.argv.iter().enumerate() {
        no_nul(arg, || format!("argv[{i}]"))?;
    }
    for (index, (name, _)) in spec.files.iter().enumerate() {
        check_file_name(index, name)?;
    }
    for (index, (name, value)) in spec.env.iter().enumerate() {
        check_env_name(index, name)?;
        no_nul(value, || format!("env[{index}].value"))?;
    }
    Ok(())
}

fn no_nul(value: &str, field: impl FnOnce() -> String) -> Result<(), SpecError> {
    match value.contains('\0') {
        true => Err(SpecError::Nul { field: field() }),
        false => Ok(()),
    }
}

fn check_file_name(index: usize, name: &str) -> Result<(), SpecError> {
    let problem = if name.is_empty() {
        Some("must not be empty")
    } else if name.contains('/') {
        Some("must not contain '/'")
    } else if name.contains('\0') {
        Some("must not contain a NUL byte")
    } else if name == "." || name == ".." {
        Some("must not be '.' or '..'")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(SpecError::FileName {
            index,
            name: name.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

fn check_env_name(index: usize, name: &str) -> Result<(), SpecError> {
    let problem = if name.is_empty() {
        Some("must not be empty")
    } else if name.contains('=') {
        Some("must not contain '='")
    } else if name.contains('\0') {
        Some("must not contain a NUL byte")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(SpecError::EnvName {
            index,
            name: name.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_file(name: &str) -> RunSpec {
        RunSpec {
            argv: vec!["true".into()],
            files: vec![(name.into(), Vec::new())],
            ..RunSpec::default()
        }
    }

    #[test]
    fn file_names_that_could_escape_are_rejected_with_their_index() {
        for bad in ["", "a/b", "..", ".", "/etc/passwd"] {
            let err = validate(&spec_with_file(bad)).unwrap_err();
            assert!(
                matches!(err, SpecError::FileName { index: 0, .. }),
                "{bad:?} gave {err}"
            );
        }
    }

    #[test]
    fn plain_file_names_and_dotfiles_are_accepted() {
        for good in ["main.py", ".hidden", "a..b"] {
            assert_eq!(validate(&spec_with_file(good)), Ok(()));
        }
    }

    #[test]
    fn empty_argv_and_bad_env_names_are_rejected() {
        assert_eq!(validate(&RunSpec::default()), Err(SpecError::EmptyArgv));
        let spec = RunSpec {
            argv: vec!["true".into()],
            env: vec![("A=B".into(), "x".into())],
            ..RunSpec::default()
        };
        assert!(
            validate(&spec)
                .unwrap_err()
                .to_string()
                .starts_with("env[0].name")
        );
    }
}
