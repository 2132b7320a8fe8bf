//! Turns [`Limits`] into rlimits: computed in the worker, applied in the child just before exec.
//!
//! The plan is a fixed-size `Copy` value so that applying it after fork needs no allocation. Values
//! are clamped to the worker's own hard limit here, in the parent, because raising a hard limit
//! fails with `EPERM` without `CAP_SYS_RESOURCE`, and that failure would otherwise surface as a
//! confusing "permission denied" spawn error for the job's program.

use std::io;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use crate::spec::Limits;

/// Up to one entry per resource the sandbox sets: AS, CPU, NPROC, FSIZE, NOFILE and CORE.
const MAX_ENTRIES: usize = 6;

/// The rlimits one run's job gets, ready to apply in a forked child.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RlimitPlan {
    entries: [Option<(Resource, Rlimit)>; MAX_ENTRIES],
}

impl RlimitPlan {
    /// Builds the plan for `limits`. Core dumps are always disabled: a dump of an untrusted job
    /// would land in its work dir or in the host's crash collector, and serves nobody.
    pub(crate) fn new(limits: &Limits) -> Self {
        let cpu_seconds = limits
            .cpu
            .map(|cpu| cpu.as_secs() + u64::from(cpu.subsec_nanos() > 0));
        let entries = [
            limits.memory.map(|bytes| (Resource::As, same(bytes))),
            // The hard CPU limit is one second above the soft one, so the job first gets SIGXCPU
            // (which we can classify unambiguously) and only then SIGKILL.
            cpu_seconds.map(|s| {
                (
                    Resource::Cpu,
                    Rlimit {
                        current: Some(s.max(1)),
                        maximum: Some(s.max(1) + 1),
                    },
                )
            }),
            limits
                .processes
                .map(|n| (Resource::Nproc, same(u64::from(n)))),
            limits.file_size.map(|bytes| (Resource::Fsize, same(bytes))),
            limits
                .open_files
                .map(|n| (Resource::Nofile, same(u64::from(n)))),
            Some((Resource::Core, same(0))),
        ];
        Self {
            entries: entries
                .map(|entry| entry.map(|(resource, limit)| (resource, clamp(resource, limit)))),
        }
    }

    /// Applies every entry to the calling process. Async-signal-safe: raw `prlimit64` calls only.
    pub(crate) fn apply(&self) -> io::Result<()> {
        for (resource, limit) in self.entries.iter().flatten() {
            setrlimit(*resource, *limit)?;
        }
        Ok(())
    }
}

fn same(value: u64) -> Rlimit {
    Rlimit {
        current: Some(value),
        maximum: Some(value),
    }
}

/// Lowers `wanted` so neither value exceeds the current hard limit (`None` means unlimited).
fn clamp(resource: Resource, wanted: Rlimit) -> Rlimit {
    let hard = getrlimit(resource).maximum;
    let cap = |value: Option<u64>| match (value, hard) {
        (Some(v), Some(h)) => Some(v.min(h)),
        (None, h) => h,
        (v, None) => v,
    };
    Rlimit {
        current: cap(wanted.current),
        maximum: cap(wanted.maximum),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn entry(plan: &RlimitPlan, resource: Resource) -> Option<Rlimit> {
        plan.entries
            .iter()
            .flatten()
            .find(|(r, _)| *r == resource)
            .map(|(_, l)| *l)
    }

    #[test]
    fn cpu_rounds_up_and_leaves_a_second_between_soft_and_hard() {
        let plan = RlimitPlan::new(&Limits {
            cpu: Some(Duration::from_millis(1500)),
            ..Limits::default()
        });
        let cpu = entry(&plan, Resource::Cpu).unwrap();
        assert_eq!((cpu.current, cpu.maximum), (Some(2), Some(3)));
    }

    #[test]
    fn unset_limits_are_left_alone_but_core_dumps_are_always_off() {
        let plan = RlimitPlan::new(&Limits::default());
        assert!(entry(&plan, Resource::As).is_none());
        assert_eq!(entry(&plan, Resource::Core).unwrap().current, Some(0));
    }

    #[test]
    fn requests_above_our_own_hard_limit_are_clamped() {
        let hard = getrlimit(Resource::Nofile).maximum.unwrap();
        let plan = RlimitPlan::new(&Limits {
            open_files: Some(u32::MAX),
            ..Limits::default()
        });
        assert_eq!(
            entry(&plan, Resource::Nofile).unwrap().current,
            Some(hard.min(u64::from(u32::MAX)))
        );
    }
}
