//! Runs one untrusted command under limits and reports how it ended.
//!
//! offload runs commands written by users and by language models, so every job is treated as hostile.
//! This crate is the only place in the workspace that starts processes: the engine hands it a
//! [`RunSpec`], gets back a [`RunResult`], and never sees a pid. It depends on no other offload crate.
//!
//! # Tiers
//!
//! Isolation comes in layers, named by [`Tier`]. [`Tier::T0`], the baseline that works on any
//! Linux host: a new session, rlimits, `PR_SET_NO_NEW_PRIVS`, a scrubbed environment, a fresh 0700
//! working directory, a wall-clock killer, capped output, a kill of the whole process tree, and,
//! when the worker is root, a uid of its own per run (`uids.rs`). [`Tier::T1`] adds PID, mount,
//! IPC, UTS and user namespaces, a shared empty network namespace, a read-only root with a fresh
//! `/proc`, a minimal `/dev` and a capped `/tmp` (`rootfs.rs`, `isolate.rs`), Landlock
//! (`landlock.rs`) and a seccomp deny list (`seccomp.rs`); it currently needs a root worker.
//! [`detect`] probes the host; each [`RunSpec`] carries an [`Isolation`] and a [`Network`] policy,
//! and a run the host cannot serve is refused with [`Termination::SandboxUnavailable`], never
//! downgraded. [`Tier::T2`] adds one cgroup per run (`cgroup.rs`, `cgroup_run.rs`): cgroup v2
//! where the worker can delegate memory, pids and cpu, otherwise the v1 memory, pids and cpuacct
//! hierarchies (as on this project's CI host). The job joins the group before anything else;
//! [`Limits::memory`] becomes the group's memory limit with no swap, and an OOM kill the group
//! records makes the run [`Termination::MemoryLimit`]; [`Limits::processes`] becomes `pids.max`;
//! peak memory and CPU time come from the group and cover the whole tree; after init is reaped,
//! anything still in the group is killed and the group is removed. At T2 the sandbox sets neither
//! `RLIMIT_AS`, which breaks runtimes that reserve large address ranges, nor `RLIMIT_NPROC`.
//!
//! # Design: a tiny init per run
//!
//! Killing "the whole tree" is the hard part. A process group is not enough, because a descendant
//! can call `setsid` and leave it; and waiting for EOF on the output pipes is wrong, because a
//! background grandchild can hold them open forever. So every run gets its own init process:
//!
//! 1. The worker spawns the command with `std::process::Command` and a `pre_exec` hook. In the
//!    forked child the hook calls `setsid`, becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`),
//!    blocks the signals it will handle through a `signalfd`, and starts the job with
//!    `clone(CLONE_VM | CLONE_VFORK)` (`job.rs`): a second full fork would copy every page table
//!    of the worker again, which measured about 3 ms on a 64 MiB process. The job resets its
//!    signals, applies the rlimits, its uid and its tier, and execs; a failure is handed back and
//!    returned from the hook, so it reaches the worker through std's own error pipe and
//!    "command not found" is an ordinary spawn error. The hook never returns on success: the
//!    process closes every inherited descriptor and becomes the run's init.
//! 2. Because init is a subreaper, every orphaned descendant, including one that called `setsid`,
//!    is re-parented to it instead of to PID 1. When the job exits, init sends `SIGKILL` to every
//!    descendant it finds by walking `/proc/*/stat` parent links, reaps until it has no children
//!    left, and then exits with the job's own status (re-raising the job's fatal signal on itself).
//!    The worker learns of the end through a pidfd, so completion is the job's exit, never EOF.
//! 3. The worker talks to init with signals: `SIGTERM` means "send `SIGTERM` to the whole tree"
//!    (the soft timeout), `SIGUSR1` means "`SIGKILL` the whole tree" (the hard kill after
//!    `kill_after`, cancellation's second step and the output cap). A pipe whose write end only the
//!    worker holds is init's lifeline: if the worker dies, init sees EOF and kills the tree.
//! 4. The worker reaps init with `wait4`, whose rusage covers every process init reaped, so CPU
//!    time and peak RSS describe the whole tree.
//!
//! Only async-signal-safe work happens between fork and exec: the forked child of a multithreaded
//! parent may inherit locks held by threads that no longer exist, so init and the `/proc` walk use
//! stack buffers and raw system calls and never allocate. The second `fork` runs in a process that
//! is single-threaded and whose libc state was made consistent by the first `fork`.
//!
//! # Progress
//!
//! Every run, at every tier, gets a second output channel: a pipe whose write end is the job's
//! descriptor [`PROGRESS_FD`] (3), named in its environment as [`PROGRESS_FD_ENV`]
//! (`OFFLOAD_PROGRESS_FD`). Lines such as `::progress 40 resizing` become [`Progress`] updates
//! for the run's [`OutputSink`]; [`RunResult::progress`] counts the updates, the malformed lines
//! and the updates dropped by the rate cap (see `progress/`).
//!
//! # Known limits of T0
//!
//! - The job runs as the worker's uid. It can signal or `SIGKILL` its own init (its parent), after
//!   which its descendants escape to the worker's subreaper or PID 1; the worker then still kills
//!   what is left in the run's process group. T1 (a PID namespace) and per-slot uids close this.
//! - `RLIMIT_NPROC` counts processes per real uid across the whole system and is not enforced for
//!   root at all; [`Limits::processes`] only means something once each slot has its own uid.
//! - `RLIMIT_AS` and `RLIMIT_CPU` are per process, so a tree of processes can use more in total.
//!   Memory exhaustion under `RLIMIT_AS` usually shows up as a failed allocation, which a program
//!   may handle by exiting cleanly; [`Termination::MemoryLimit`] is a heuristic (see `classify.rs`).

mod capture;
mod cgroup;
mod cgroup_run;
mod classify;
mod detect;
mod error;
mod exec;
mod exit_record;
mod init;
mod isolate;
mod job;
mod landlock;
mod outcome;
mod proctree;
mod progress;
mod rlimits;
mod rootfs;
mod run;
mod sandbox;
mod seccomp;
mod spawn;
mod spec;
mod supervise;
mod uids;
mod workdir;

pub use detect::{Capabilities, Mechanism, detect};
pub use error::{ErrorKind, SandboxError, SpecError};
pub use exit_record::read_exit_record;
pub use outcome::{RunResult, Termination, Tier};
pub use progress::{
    MAX_LINE as MAX_PROGRESS_LINE, MAX_MESSAGE as MAX_PROGRESS_MESSAGE, PROGRESS_FD,
    PROGRESS_FD_ENV, Percent, Progress, ProgressCounts,
};
pub use sandbox::{Sandbox, SandboxConfig};
pub use spec::{Isolation, Limits, Network, OutputSink, RunSpec, Stream};
