//! Starts the job: the one module in offload that creates processes.
//!
//! The workspace's `clippy.toml` forbids `Command::new` everywhere so that no other crate can run
//! a command outside the sandbox's limits; this module is the single, reviewed exception.
#![allow(clippy::disallowed_methods)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use rustix::process::{Pid, PidfdFlags, pidfd_open};

use crate::cgroup_run::{MAX_PROCS, RunCgroup};
use crate::exec::ExecArgs;
use crate::init::{self, ChildPlan};
use crate::job::{self, Step};
use crate::progress::{PROGRESS_FD, PROGRESS_FD_ENV};
use crate::rlimits::RlimitPlan;
use crate::rootfs::{T1Resources, c_path};
use crate::spec::{Limits, Network, RunSpec};

/// A started job, seen from the worker: init's pid and pidfd, the pipes, and the lifeline.
#[derive(Debug)]
pub(crate) struct Spawned {
    /// Init's pid. Init stays our unreaped child until `wait4`, so the pid cannot be reused.
    pub(crate) pid: i32,
    /// Becomes readable when init exits.
    pub(crate) pidfd: OwnedFd,
    /// The worker's ends of the job's pipes.
    pub(crate) pipes: Pipes,
    /// Write end of the lifeline; dropping it tells init to kill the tree.
    pub(crate) lifeline: OwnedFd,
}

/// The worker's ends of the pipes a job reads and writes.
#[derive(Debug)]
pub(crate) struct Pipes {
    /// Write end of the job's stdin, when the spec gave bytes for it.
    pub(crate) stdin: Option<OwnedFd>,
    /// Read end of the job's stdout.
    pub(crate) stdout: OwnedFd,
    /// Read end of the job's stderr.
    pub(crate) stderr: OwnedFd,
    /// Read end of the job's progress pipe, whose write end is the job's [`PROGRESS_FD`].
    pub(crate) progress: OwnedFd,
}

/// The environment and place a job runs in, decided by the sandbox.
#[derive(Debug)]
pub(crate) struct Launch<'a> {
    /// The job's spec, already validated.
    pub(crate) spec: &'a RunSpec,
    /// The fresh work directory on the host.
    pub(crate) workdir: &'a Path,
    /// Names of worker environment variables copied into the job's environment.
    pub(crate) env_allow: &'a [String],
    /// The uid and gid the job runs as, when the worker is root.
    pub(crate) ids: Option<(u32, u32)>,
    /// The nice value the job runs at.
    pub(crate) nice: i32,
    /// T1 resources, when the run gets T1.
    pub(crate) t1: Option<&'a T1Resources>,
    /// The run's cgroup, when the run gets T2.
    pub(crate) cgroup: Option<&'a RunCgroup>,
}

/// Starts the job behind its own init. On failure the message names `argv[0]` or the failed step.
pub(crate) fn spawn(launch: &Launch<'_>) -> Result<Spawned, String> {
    let pipe = || {
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(|err| start_error(launch, &err.into()))
    };
    let (lifeline_read, lifeline_write) = pipe()?;
    // Close-on-exec like every other worker descriptor; the job moves its copy to PROGRESS_FD,
    // which clears the flag on that number only.
    let (progress_read, progress_write) = pipe()?;
    let exit_record = launch
        .spec
        .exit_record
        .as_deref()
        .map(crate::exit_record::create)
        .transpose()
        .map_err(|err| start_error(launch, &err))?;
    // Both stay alive until `spawn` returns, which is after the job has exec'd or failed.
    let exec = ExecArgs::new(&launch.spec.argv, &environment(launch));
    let workdir = c_path(launch.workdir);
    let plan = ChildPlan {
        lifeline: lifeline_read.as_raw_fd(),
        progress: progress_write.as_raw_fd(),
        exit_record: exit_record.as_ref().map_or(-1, AsRawFd::as_raw_fd),
        rlimits: RlimitPlan::new(&rlimits(launch)),
        cgroup_procs: launch.cgroup.map_or([-1; MAX_PROCS], RunCgroup::procs_fds),
        exec: exec.ptrs(),
        ids: launch.ids,
        nice: launch.nice,
        isolation: launch
            .t1
            .map(|t1| t1.plan(&workdir, launch.spec.network == Network::Host)),
    };
    let mut command = command(launch);
    // SAFETY: the hook only makes async-signal-safe calls (see init.rs and job.rs), and `plan` is
    // a plain copy whose pointers stay valid until spawn returns.
    unsafe { command.pre_exec(move || init::enter(&plan)) };
    let mut child = command.spawn().map_err(|err| start_error(launch, &err))?;
    // The job has its own copy of the progress write end now; holding ours would keep the pipe
    // open after the job's tree has closed it.
    drop((lifeline_read, progress_write, exit_record, exec, workdir));
    let pid = child.id() as i32;
    // std's `Child` is only a carrier for the pipes here: it never waits, because init must be
    // reaped with wait4 to collect the tree's rusage, and dropping a `Child` does not reap it.
    let pidfd = match pidfd_open(
        Pid::from_raw(pid).expect("spawned pids are positive"),
        PidfdFlags::empty(),
    ) {
        Ok(pidfd) => pidfd,
        Err(err) => {
            // Without a pidfd we cannot supervise; dropping the lifeline makes init kill the tree.
            drop(lifeline_write);
            let _ = child.wait();
            return Err(start_error(launch, &err.into()));
        }
    };
    Ok(Spawned {
        pid,
        pidfd,
        pipes: Pipes {
            stdin: child.stdin.take().map(OwnedFd::from),
            stdout: OwnedFd::from(child.stdout.take().expect("stdout is piped")),
            stderr: OwnedFd::from(child.stderr.take().expect("stderr is piped")),
            progress: progress_read,
        },
        lifeline: lifeline_write,
    })
}

/// The limits enforced as rlimits. With a cgroup the memory and process limits are the group's.
/// `RLIMIT_AS` is then left alone: it counts reserved address space, not memory, and breaks
/// runtimes that reserve large ranges up front (JVM, Go, V8). `RLIMIT_NPROC` is redundant with
/// `pids.max`, which counts the run's own tree rather than everything of its uid.
fn rlimits(launch: &Launch<'_>) -> Limits {
    let mut limits = launch.spec.limits.clone();
    if launch.cgroup.is_some() {
        limits.memory = None;
        limits.processes = None;
    }
    limits
}

/// The job's environment: the allow-listed worker variables, the spec's own, then `HOME` and
/// `TMPDIR`, which point at the work dir (at T1: `/work` and `/tmp` inside the new root), and
/// the progress descriptor's number. Later entries win, so the spec cannot change these.
fn environment(launch: &Launch<'_>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for name in launch.env_allow {
        if let Ok(value) = std::env::var(name) {
            env.push((name.clone(), value));
        }
    }
    env.extend(launch.spec.env.iter().cloned());
    let (home, tmp) = match launch.t1 {
        Some(_) => ("/work".to_owned(), "/tmp".to_owned()),
        None => {
            let home = launch.workdir.to_string_lossy().into_owned();
            (home.clone(), home)
        }
    };
    env.push(("HOME".into(), home));
    env.push(("TMPDIR".into(), tmp));
    env.push((PROGRESS_FD_ENV.into(), PROGRESS_FD.to_string()));
    env
}

/// The command std forks: only cwd and stdio matter, because the job is exec'd by `job.rs`.
fn command(launch: &Launch<'_>) -> Command {
    let spec = launch.spec;
    let mut command = Command::new(&spec.argv[0]);
    command.current_dir(launch.workdir);
    let stdin = if spec.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Words the failure the way a shell user expects, naming the program or the failed step.
fn start_error(launch: &Launch<'_>, err: &io::Error) -> String {
    let program = &launch.spec.argv[0];
    if let Some((step, errno)) = err.raw_os_error().and_then(job::decode) {
        return step_error(launch, step, &io::Error::from_raw_os_error(errno));
    }
    match err.kind() {
        io::ErrorKind::NotFound if launch.t1.is_some() && program.starts_with('/') => {
            format!(
                "command not found: {program} (is it under one of SandboxConfig::runtime_paths?)"
            )
        }
        io::ErrorKind::NotFound => format!("command not found: {program}"),
        io::ErrorKind::PermissionDenied => format!("permission denied: {program}"),
        _ => format!("cannot start {program}: {err}"),
    }
}

/// Names a failed setup step; these are sandbox errors, not the job's fault.
fn step_error(launch: &Launch<'_>, step: u8, err: &io::Error) -> String {
    let mount = Step::Mount as u8;
    let what = match step {
        1 => "reset signals".to_owned(),
        2 => "apply rlimits".to_owned(),
        3 => "join the empty network namespace".to_owned(),
        4 => "pivot into the new root".to_owned(),
        5 => "drop to the run's uid".to_owned(),
        6 => "enter the user namespace".to_owned(),
        7 => "set no-new-privs".to_owned(),
        8 => "apply landlock".to_owned(),
        9 => "install the seccomp filter".to_owned(),
        10 => "join the run's cgroup".to_owned(),
        11 => format!("pass the progress pipe as descriptor {PROGRESS_FD}"),
        12 => "lower the job's CPU priority".to_owned(),
        n if n >= mount => match launch.t1 {
            Some(t1) => format!("mount {}", t1.describe_op(n - mount)),
            None => format!("mount step {}", n - mount),
        },
        n => format!("step {n}"),
    };
    format!("{SETUP_PREFIX}cannot {what}: {err}")
}

/// Starts every message of a setup failure, so the run can tell it from a spawn error.
pub(crate) const SETUP_PREFIX: &str = "sandbox setup failed: ";
