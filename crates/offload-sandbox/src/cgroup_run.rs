//! One run's cgroup: made with its limits before the spawn, joined by the job before exec, read
//! for the whole tree's peak memory, CPU time and OOM kills, and torn down after init is reaped.
//!
//! The job joins by writing "0" to `cgroup.procs` descriptors the worker opened beforehand, so
//! the child needs no path lookups and no allocation. Only the job joins, not init: init is a
//! copy of the (large) worker, and inside the group the OOM killer would pick it first. And the
//! job joins while it still shares init's memory, whose owner stays in the worker's group, so no
//! charge follows it; its own memory is charged from `exec` on.

use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cgroup::{Layout, T2Resources};
use crate::spec::Limits;

/// The most `cgroup.procs` descriptors a job writes to: one per v1 hierarchy.
pub(crate) const MAX_PROCS: usize = 3;

/// What the run's cgroup measured for the whole tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CgroupUsage {
    /// Peak memory charged to the group, in bytes, when the kernel reports it.
    pub(crate) peak_memory: Option<u64>,
    /// CPU time of every process that ran in the group.
    pub(crate) cpu: Option<Duration>,
    /// Whether the OOM killer killed a process of the group.
    pub(crate) oom_killed: bool,
}

/// A run's cgroup (one directory per hierarchy) and its open `cgroup.procs` files.
#[derive(Debug)]
pub(crate) struct RunCgroup {
    layout: Layout,
    procs: Vec<OwnedFd>,
}

impl RunCgroup {
    /// Makes the run's cgroup under the sandbox's parent and applies `limits`. A missing memory
    /// or process limit leaves the group unlimited below the parent's own limit.
    pub(crate) fn create(t2: &T2Resources, limits: &Limits) -> io::Result<Self> {
        let name = t2.run_name();
        let layout = match &t2.layout {
            Layout::V1(dirs) => Layout::V1(dirs.clone().map(|dir| dir.join(&name))),
            Layout::V2(dir) => Layout::V2(dir.join(&name)),
        };
        for dir in layout.dirs() {
            fs::create_dir(dir)?;
        }
        let mut cgroup = Self {
            layout,
            procs: Vec::new(),
        };
        // On failure `cgroup` is dropped, which removes the directories made so far.
        cgroup.limit(limits)?;
        for dir in cgroup.layout.dirs() {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(dir.join("cgroup.procs"))?;
            cgroup.procs.push(OwnedFd::from(file));
        }
        Ok(cgroup)
    }

    /// Writes the limit files. Swap is never allowed: the memory+swap limit equals the memory
    /// limit when the kernel accounts swap at all.
    fn limit(&self, limits: &Limits) -> io::Result<()> {
        let memory = limits.memory.map(|bytes| bytes.to_string());
        let pids = limits.processes.map(|n| n.to_string());
        match &self.layout {
            Layout::V1([memory_dir, pids_dir, _]) => {
                if let Some(bytes) = &memory {
                    fs::write(memory_dir.join("memory.limit_in_bytes"), bytes)?;
                    write_if_present(&memory_dir.join("memory.memsw.limit_in_bytes"), bytes)?;
                }
                if let Some(n) = &pids {
                    fs::write(pids_dir.join("pids.max"), n)?;
                }
            }
            Layout::V2(dir) => {
                if let Some(bytes) = &memory {
                    fs::write(dir.join("memory.max"), bytes)?;
                }
                write_if_present(&dir.join("memory.swap.max"), "0")?;
                // One OOM kill ends the whole run rather than leaving a maimed tree behind.
                fs::write(dir.join("memory.oom.group"), "1")?;
                if let Some(n) = &pids {
                    fs::write(dir.join("pids.max"), n)?;
                }
            }
        }
        Ok(())
    }

    /// The descriptors the job writes "0" to, padded with -1.
    pub(crate) fn procs_fds(&self) -> [RawFd; MAX_PROCS] {
        let mut fds = [-1; MAX_PROCS];
        for (slot, fd) in fds.iter_mut().zip(&self.procs) {
            *slot = fd.as_raw_fd();
        }
        fds
    }

    /// Reads what the group measured. Called after init is reaped, before teardown.
    pub(crate) fn usage(&self) -> CgroupUsage {
        match &self.layout {
            Layout::V1([memory, _, cpuacct]) => CgroupUsage {
                peak_memory: read_number(&memory.join("memory.max_usage_in_bytes")),
                cpu: read_number(&cpuacct.join("cpuacct.usage")).map(Duration::from_nanos),
                oom_killed: keyed(&memory.join("memory.oom_control"), "oom_kill")
                    .is_some_and(|n| n > 0),
            },
            Layout::V2(dir) => CgroupUsage {
                peak_memory: read_number(&dir.join("memory.peak")),
                cpu: keyed(&dir.join("cpu.stat"), "usage_usec").map(Duration::from_micros),
                oom_killed: keyed(&dir.join("memory.events"), "oom_kill").is_some_and(|n| n > 0),
            },
        }
    }
}

impl Drop for RunCgroup {
    /// Kills every process still in the group, then removes it. Normally the group is already
    /// empty, because init cleared the tree before it exited; this catches anything that got
    /// away from init. Blocking, so the run calls it off the async threads.
    fn drop(&mut self) {
        self.procs.clear();
        if let Layout::V2(dir) = &self.layout {
            let _ = fs::write(dir.join("cgroup.kill"), "1");
        }
        for dir in self.layout.dirs() {
            remove(dir);
        }
    }
}

/// A process killed by `SIGKILL` leaves its group during its exit, which may lag the kill a
/// little, so `rmdir` is retried for a bounded number of rounds, killing again each round.
fn remove(dir: &Path) {
    const ROUNDS: usize = 1000;
    for round in 0..ROUNDS {
        kill_members(dir);
        match fs::remove_dir(dir) {
            Err(err) if err.raw_os_error() == Some(libc::EBUSY) && round + 1 < ROUNDS => {
                std::thread::yield_now();
            }
            _ => return,
        }
    }
}

fn kill_members(dir: &Path) {
    let Ok(members) = fs::read_to_string(dir.join("cgroup.procs")) else {
        return;
    };
    for pid in members
        .lines()
        .filter_map(|line| line.trim().parse::<i32>().ok())
    {
        // SAFETY: kill has no memory-safety preconditions; the pid is a member of our group.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

fn write_if_present(path: &PathBuf, value: &str) -> io::Result<()> {
    match fs::write(path, value) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn read_number(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The value of `key` in a flat keyed file such as `memory.events` or `memory.oom_control`.
fn keyed(path: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(' ')?;
        (name == key).then(|| value.trim().parse().ok())?
    })
}
