//! Capability detection: which isolation mechanisms this host really gives, found by trying each.
//!
//! Reading config files is not enough (this project's own CI host mounts cgroup v2 but binds the
//! memory controller to v1), so every namespace and seccomp probe runs the real operation in a
//! forked child that then exits, and the cgroup probe makes and removes a real cgroup. The child of a multithreaded process may only make raw system
//! calls, and the probes do nothing else. The result is a table for `offload doctor` and
//! `GET /v1/system`, and the tier the sandbox can give.

use std::fmt;
use std::io;

use serde::Serialize;

use crate::cgroup;
use crate::landlock;
use crate::outcome::Tier;

/// One mechanism and whether this host has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mechanism {
    /// Short name, e.g. `user namespace`.
    pub name: &'static str,
    /// Whether the probe succeeded.
    pub available: bool,
    /// A version when available (`ABI 7`), otherwise why not (`EPERM: ...`).
    pub detail: String,
}

/// Every mechanism the sandbox uses, and the best tier they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// The probed mechanisms, in the order the tiers use them.
    pub mechanisms: Vec<Mechanism>,
    /// The highest tier this host gives with what is implemented.
    pub best_tier: Tier,
}

impl Serialize for Tier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Names the mechanisms T1 cannot do without.
const T1_NEEDS: &[&str] = &[
    "root worker",
    "user namespace",
    "pid namespace",
    "mount namespace",
    "network namespace",
    "ipc and uts namespaces",
    "landlock",
    "seccomp filter",
];

/// Names the mechanisms T2 adds to T1.
const T2_NEEDS: &[&str] = &["cgroup memory", "cgroup pids", "cgroup cpu"];

impl Capabilities {
    /// The first mechanism T1 needs that is missing, with why, or `None` when T1 is available.
    pub fn t1_missing(&self) -> Option<&Mechanism> {
        T1_NEEDS.iter().find_map(|name| {
            self.mechanisms
                .iter()
                .find(|m| m.name == *name && !m.available)
        })
    }

    /// The first cgroup mechanism T2 adds to T1 that is missing, or `None` when all work.
    pub fn t2_missing(&self) -> Option<&Mechanism> {
        T2_NEEDS.iter().find_map(|name| {
            self.mechanisms
                .iter()
                .find(|m| m.name == *name && !m.available)
        })
    }

    /// The Landlock ABI, 0 when Landlock is missing.
    pub(crate) fn landlock_abi(&self) -> i32 {
        landlock::abi().unwrap_or(0)
    }
}

/// Probes the host. Takes a few milliseconds; call it once at startup.
pub fn detect() -> Capabilities {
    let root = rustix::process::geteuid().is_root();
    let mut mechanisms = vec![
        Mechanism {
            name: "root worker",
            available: root,
            detail: if root {
                "per-run uids and mounts".into()
            } else {
                "the worker is not root; T1 without root is not implemented".into()
            },
        },
        probe("user namespace", || unshare(libc::CLONE_NEWUSER)),
        probe("pid namespace", || unshare(libc::CLONE_NEWPID)),
        probe("mount namespace", mount_namespace),
        probe("network namespace", || unshare(libc::CLONE_NEWNET)),
        probe("ipc and uts namespaces", || {
            unshare(libc::CLONE_NEWIPC | libc::CLONE_NEWUTS)
        }),
        match landlock::abi() {
            Ok(abi) => found("landlock", format!("ABI {abi}")),
            Err(err) => missing("landlock", &err),
        },
        probe("seccomp filter", seccomp),
    ];
    mechanisms.extend(cgroups());
    let mut caps = Capabilities {
        mechanisms,
        best_tier: Tier::T0,
    };
    if caps.t1_missing().is_none() {
        caps.best_tier = Tier::T1;
        if caps.t2_missing().is_none() {
            caps.best_tier = Tier::T2;
        }
    }
    caps
}

/// Runs `op` in a forked child; the child exits with 0 or the errno it hit.
fn probe(name: &'static str, op: fn() -> i32) -> Mechanism {
    // SAFETY: the child only makes raw system calls (the probes) and then _exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: _exit ends the child without running the worker's atexit handlers.
        unsafe { libc::_exit(op().clamp(0, 255)) }
    }
    if pid < 0 {
        return missing(name, &io::Error::last_os_error());
    }
    let mut status = 0;
    // SAFETY: pid is our child and status a valid out-pointer.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    match (libc::WIFEXITED(status), libc::WEXITSTATUS(status)) {
        (true, 0) => found(name, "works".into()),
        (true, errno) => missing(name, &io::Error::from_raw_os_error(errno)),
        _ => missing(name, &io::Error::other("the probe crashed")),
    }
}

fn found(name: &'static str, detail: String) -> Mechanism {
    Mechanism {
        name,
        available: true,
        detail,
    }
}

fn missing(name: &'static str, err: &io::Error) -> Mechanism {
    Mechanism {
        name,
        available: false,
        detail: err.to_string(),
    }
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn unshare(flags: i32) -> i32 {
    // SAFETY: unshare has no memory-safety preconditions; this is a throwaway child.
    if unsafe { libc::unshare(flags) } == 0 {
        0
    } else {
        errno()
    }
}

fn mount_namespace() -> i32 {
    if unshare(libc::CLONE_NEWNS) != 0 {
        return errno();
    }
    // SAFETY: NUL-terminated literals; null type and data are allowed for a propagation change.
    let ret = unsafe {
        libc::mount(
            c"none".as_ptr(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if ret == 0 { 0 } else { errno() }
}

/// Installs an allow-everything filter, which needs the same kernel support as the real one.
fn seccomp() -> i32 {
    let mut filter = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ALLOW,
    }];
    let program = libc::sock_fprog {
        len: 1,
        filter: filter.as_mut_ptr(),
    };
    // SAFETY: the program points at a valid one-instruction filter.
    let ret = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &program)
    };
    if ret == 0 { 0 } else { errno() }
}

/// Probes T2 for real: makes a parent and a run cgroup below the worker's own cgroup, writes a
/// memory and a process limit, and removes both. The three controllers share one verdict, because
/// T2 needs them together and they are set up together.
fn cgroups() -> Vec<Mechanism> {
    let verdict = cgroup::probe();
    T2_NEEDS
        .iter()
        .map(|name| match &verdict {
            Ok(detail) => found(name, detail.clone()),
            Err(err) => missing(name, err),
        })
        .collect()
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .mechanisms
            .iter()
            .map(|m| m.name.len())
            .max()
            .unwrap_or(0);
        for m in &self.mechanisms {
            let state = if m.available { "yes" } else { "NO " };
            writeln!(f, "{:width$}  {state}  {}", m.name, m.detail)?;
        }
        write!(f, "best tier: {}", self.best_tier)
    }
}
