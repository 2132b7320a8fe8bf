//! One run from start to result: validate, make the work dir, spawn, supervise, collect, clean up.
//!
//! If the caller drops the future mid-run, nothing leaks: dropping the lifeline's write end makes
//! init kill the tree, and the [`Reaper`] guard reaps init and only then removes the work
//! directory, so removal does not race with a job still writing into it.

use std::os::fd::OwnedFd;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::capture::{self, CaptureConfig, Captured};
use crate::cgroup_run::{CgroupUsage, RunCgroup};
use crate::classify::{Usage, classify};
use crate::outcome::{RunResult, Termination, Tier};
use crate::progress::{self, ProgressCounts};
use crate::sandbox::Sandbox;
use crate::spawn::{Launch, Pipes, SETUP_PREFIX, spawn};
use crate::spec::{Isolation, Network, RunSpec, Stream, validate};
use crate::supervise::{Ended, Watch, supervise};
use crate::workdir::WorkDir;

/// How long to keep reading output after the job ended. The tree is dead by then, so EOF is
/// normally immediate; the bound only matters if a process escaped and still holds a pipe.
const DRAIN: Duration = Duration::from_millis(100);

impl Sandbox {
    /// Runs one command to completion. Never panics; problems starting it are
    /// [`Termination::SpawnError`].
    pub async fn run(&self, spec: RunSpec, cancel: CancellationToken) -> RunResult {
        if let Err(err) = validate(&spec) {
            return RunResult::not_started(Termination::SpawnError(err.to_string()), self.tier);
        }
        let tier = match self.decide(&spec) {
            Ok(tier) => tier,
            Err(refusal) => return RunResult::not_started(refusal, self.tier),
        };
        if cancel.is_cancelled() {
            return RunResult::not_started(Termination::Cancelled, tier);
        }
        let lease = match &self.uids {
            Some(pool) => match pool.lease() {
                Some(lease) => Some(lease),
                None => {
                    let message = "every uid of the run uid pool is in use: raise SandboxConfig::run_uid_count";
                    return RunResult::not_started(Termination::SandboxError(message.into()), tier);
                }
            },
            None => None,
        };
        let owner = lease.as_ref().map(|lease| lease.uid());
        let workdir = match WorkDir::create(&self.config.work_root, owner) {
            Ok(workdir) => workdir,
            Err(err) => return self.spawn_error(format!("cannot create work directory: {err}")),
        };
        if let Err(err) = workdir.write_files(&spec.files) {
            return self.spawn_error(format!("cannot write input files: {err}"));
        }
        let cgroup = match (&self.t2, tier) {
            (Some(t2), Tier::T2) => match RunCgroup::create(t2, &spec.limits) {
                Ok(cgroup) => Some(cgroup),
                Err(err) => {
                    let message = format!("cannot create the run's cgroup: {err}");
                    return RunResult::not_started(Termination::SandboxError(message), tier);
                }
            },
            _ => None,
        };
        let run = Run {
            tier,
            ids: owner.map(|uid| (uid, uid)),
        };
        let (result, leftovers) = self.run_in(&spec, &run, workdir, cgroup, cancel).await;
        leftovers.remove().await;
        drop(lease);
        result
    }

    /// The tier a run gets under its policy, or the refusal that names what is missing.
    fn decide(&self, spec: &RunSpec) -> Result<Tier, Termination> {
        let refuse = |message: String| Err(Termination::SandboxUnavailable(message));
        if spec.network == Network::Host && !self.config.allow_host_network {
            return refuse(
                "network=host is not allowed: set SandboxConfig::allow_host_network".into(),
            );
        }
        match spec.isolation {
            Isolation::None if !self.config.allow_isolation_none => refuse(
                "isolation=none is not allowed: set SandboxConfig::allow_isolation_none".into(),
            ),
            Isolation::None => Ok(Tier::T0),
            // Strict means "at least T1", so a host that gives T2 gives it to strict runs too.
            Isolation::Strict => match &self.t1_unavailable {
                Some(why) => refuse(format!("isolation=strict needs tier T1, but {why}")),
                None => Ok(self.tier.max(Tier::T1)),
            },
            Isolation::Standard => Ok(self.tier),
        }
    }

    /// Spawns and supervises the job; hands the work dir and the cgroup back for removal once init
    /// is reaped.
    async fn run_in(
        &self,
        spec: &RunSpec,
        run: &Run,
        workdir: WorkDir,
        cgroup: Option<RunCgroup>,
        cancel: CancellationToken,
    ) -> (RunResult, Leftovers) {
        let started = Instant::now();
        let launch = Launch {
            spec,
            workdir: workdir.path(),
            env_allow: &self.config.env_allow,
            nice: self.config.job_nice,
            ids: run.ids,
            t1: match run.tier {
                Tier::T0 => None,
                _ => self.t1.as_deref(),
            },
            cgroup: cgroup.as_ref(),
        };
        let spawned = match spawn(&launch) {
            Ok(spawned) => spawned,
            Err(message) => {
                let leftovers = Leftovers {
                    workdir: Some(workdir),
                    cgroup,
                };
                return (start_failure(message, run.tier), leftovers);
            }
        };
        let reaper = Reaper {
            pid: Some(spawned.pid),
            leftovers: Leftovers {
                workdir: Some(workdir),
                cgroup,
            },
        };
        let plumbing = Plumbing::start(spec, spawned.pipes);
        let watch = Watch {
            deadline: started + spec.timeout,
            kill_after: spec.kill_after,
            cancel,
            overflow: plumbing.overflow.clone(),
        };
        let ended = supervise(spawned.pid, spawned.pidfd, watch).await;
        let wall = started.elapsed();
        drop(spawned.lifeline);
        let collected = plumbing.finish().await;
        match ended {
            Ok(ended) => {
                let leftovers = reaper.disarm();
                let measured = leftovers.cgroup.as_ref().map(RunCgroup::usage);
                let usage = usage(&ended.rusage, measured);
                let result = self.result(spec, run.tier, &ended, usage, wall, collected);
                (result, leftovers)
            }
            // The reaper stays armed: it reaps init, which the dropped lifeline told to clear
            // the tree, and removes the work dir after that.
            Err(err) => {
                let message = format!("cannot supervise {}: {err}", spec.argv[0]);
                (
                    RunResult::not_started(Termination::SandboxError(message), run.tier),
                    Leftovers::default(),
                )
            }
        }
    }

    fn result(
        &self,
        spec: &RunSpec,
        tier: Tier,
        ended: &Ended,
        usage: Usage,
        wall: Duration,
        Collected {
            stdout,
            stderr,
            progress,
        }: Collected,
    ) -> RunResult {
        RunResult {
            termination: classify(ended.reason, ended.status, &spec.limits, usage),
            stdout: stdout.data,
            stderr: stderr.data,
            stdout_truncated: stdout.truncated,
            stderr_truncated: stderr.truncated,
            wall,
            cpu: usage.cpu,
            peak_memory: usage.peak_memory,
            tier,
            progress,
        }
    }

    fn spawn_error(&self, message: String) -> RunResult {
        RunResult::not_started(Termination::SpawnError(message), self.tier)
    }
}

/// What the sandbox decided for one run.
struct Run {
    tier: Tier,
    ids: Option<(u32, u32)>,
}

/// A spawn failure is the job's (`SpawnError`) unless a sandbox setup step failed.
fn start_failure(message: String, tier: Tier) -> RunResult {
    let termination = if message.starts_with(SETUP_PREFIX) {
        Termination::SandboxError(message)
    } else {
        Termination::SpawnError(message)
    };
    RunResult::not_started(termination, tier)
}

/// What a run leaves to clean up once init is reaped: its work dir and its cgroup.
#[derive(Default)]
struct Leftovers {
    workdir: Option<WorkDir>,
    cgroup: Option<RunCgroup>,
}

impl Leftovers {
    /// Removes both off the async threads; the cgroup's teardown kills anything left in it.
    async fn remove(self) {
        if let Some(cgroup) = self.cgroup {
            let _ = tokio::task::spawn_blocking(move || drop(cgroup)).await;
        }
        if let Some(workdir) = self.workdir {
            workdir.remove().await;
        }
    }
}

/// Reaps init and then removes the work dir and cgroup, on a thread of its own, when a run is
/// abandoned before it reaped init itself.
struct Reaper {
    /// Init's pid while it still needs reaping by the guard.
    pid: Option<i32>,
    leftovers: Leftovers,
}

impl Reaper {
    /// Called once the run reaped init itself; hands back what is left to remove.
    fn disarm(mut self) -> Leftovers {
        self.pid = None;
        std::mem::take(&mut self.leftovers)
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let Some(pid) = self.pid else { return };
        let leftovers = std::mem::take(&mut self.leftovers);
        std::thread::spawn(move || {
            // SAFETY: a null status pointer is allowed; pid is our unreaped child.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
            drop(leftovers);
        });
    }
}

/// What the readers collected once the job ended.
struct Collected {
    stdout: Captured,
    stderr: Captured,
    progress: ProgressCounts,
}

/// The tasks that move bytes between the worker and the job, and the tokens that steer them.
struct Plumbing {
    stdout: JoinHandle<Captured>,
    stderr: JoinHandle<Captured>,
    progress: JoinHandle<ProgressCounts>,
    feeder: Option<JoinHandle<()>>,
    /// Raised by a reader past the output limit.
    overflow: CancellationToken,
    /// Raised to stop readers that did not reach EOF in time.
    stop: CancellationToken,
}

impl Plumbing {
    fn start(spec: &RunSpec, pipes: Pipes) -> Self {
        let (overflow, stop) = (CancellationToken::new(), CancellationToken::new());
        let config = CaptureConfig {
            limit: spec.output_limit,
            sink: spec.output.clone(),
            overflow: overflow.clone(),
            stop: stop.clone(),
        };
        Self {
            stdout: capture::start(pipes.stdout, Stream::Stdout, config.clone()),
            stderr: capture::start(pipes.stderr, Stream::Stderr, config),
            progress: progress::start(pipes.progress, spec.output.clone(), stop.clone()),
            feeder: pipes
                .stdin
                .map(|fd| feed(fd, spec.stdin.clone().unwrap_or_default())),
            overflow,
            stop,
        }
    }

    /// Called once the job has ended: stops feeding stdin and collects both streams and the
    /// progress counts.
    async fn finish(self) -> Collected {
        if let Some(feeder) = self.feeder {
            feeder.abort();
        }
        Collected {
            stdout: collect(self.stdout, &self.stop).await,
            stderr: collect(self.stderr, &self.stop).await,
            progress: collect(self.progress, &self.stop).await,
        }
    }
}

/// Writes the job's stdin and closes it. Errors mean the job closed its end early, which is its
/// business, so they end the task quietly.
fn feed(fd: OwnedFd, bytes: Vec<u8>) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Ok(mut sender) = pipe::Sender::from_owned_fd(fd) {
            let _ = sender.write_all(&bytes).await;
        }
    })
}

/// Waits briefly for a reader to reach EOF, then stops it and takes what it has.
async fn collect<T: Default>(mut reader: JoinHandle<T>, stop: &CancellationToken) -> T {
    tokio::select! {
        captured = &mut reader => return captured.unwrap_or_default(),
        () = sleep_until(Instant::now() + DRAIN) => {}
    }
    stop.cancel();
    reader.await.unwrap_or_default()
}

/// The tree's usage: from the run's cgroup when there is one, which counts every process that ran
/// in it, otherwise from init's rusage, which counts the processes init reaped.
fn usage(rusage: &libc::rusage, cgroup: Option<CgroupUsage>) -> Usage {
    let time = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    let peak = u64::try_from(rusage.ru_maxrss).unwrap_or(0) * 1024;
    let cgroup = cgroup.unwrap_or_default();
    Usage {
        cpu: cgroup
            .cpu
            .unwrap_or_else(|| time(rusage.ru_utime) + time(rusage.ru_stime)),
        peak_memory: cgroup.peak_memory.or((peak > 0).then_some(peak)),
        oom_killed: cgroup.oom_killed,
    }
}
