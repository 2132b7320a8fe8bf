//! Decides why a run ended, from the sandbox's own actions, the wait status and the limits.
//!
//! The sandbox's own kills win: if it timed the job out, the job's death by `SIGTERM` is reported
//! as `TimedOut`, not as a signal. Otherwise signals that only rlimits send map to their limit.
//!
//! At T2 the run's cgroup records OOM kills, and a recorded one makes the run `MemoryLimit`
//! whatever the status says. Below T2, two heuristics, stated honestly:
//! - A shell reports a child killed by signal N as exit code 128+N. When the job's main process
//!   is a shell, a file-size or CPU kill of its child shows up only that way, so exit 128+`SIGXFSZ`
//!   and 128+`SIGXCPU` count as those limits, but only when that limit was set.
//! - `RLIMIT_AS` makes allocations fail; it never sends a signal. Programs react by exiting
//!   cleanly (Python's `MemoryError`), by aborting (Rust, C++), or by crashing on a NULL pointer.
//!   So a death by `SIGABRT`, `SIGSEGV` or `SIGBUS` counts as `MemoryLimit` when a memory limit
//!   was set and the tree's peak RSS reached half of it. A clean non-zero exit stays `Exited`, and
//!   an abort at a small RSS (one huge allocation) stays `Signaled`.

use std::time::Duration;

use crate::outcome::Termination;
use crate::spec::Limits;
use crate::supervise::Reason;

/// What the kernel measured for the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// User plus system time.
    pub(crate) cpu: Duration,
    /// Largest resident set, in bytes.
    pub(crate) peak_memory: Option<u64>,
    /// Whether the run's cgroup saw an OOM kill (T2 only).
    pub(crate) oom_killed: bool,
}

/// Names the way a run ended.
pub(crate) fn classify(
    reason: Option<Reason>,
    status: i32,
    limits: &Limits,
    usage: Usage,
) -> Termination {
    match reason {
        Some(Reason::TimedOut) => Termination::TimedOut,
        Some(Reason::Cancelled) => Termination::Cancelled,
        Some(Reason::OutputLimit) => Termination::OutputLimit,
        // The kernel's own record beats any reading of the status: the OOM victim may have been
        // a child whose death the job reported as an ordinary exit code.
        None if usage.oom_killed => Termination::MemoryLimit,
        None if libc::WIFSIGNALED(status) => by_signal(libc::WTERMSIG(status), limits, usage),
        None if libc::WIFEXITED(status) => by_exit_code(libc::WEXITSTATUS(status), limits),
        None => Termination::Signaled(0),
    }
}

fn by_signal(signal: i32, limits: &Limits, usage: Usage) -> Termination {
    match signal {
        libc::SIGXCPU if limits.cpu.is_some() => Termination::CpuLimit,
        libc::SIGXFSZ if limits.file_size.is_some() => Termination::FileSizeLimit,
        // The kernel sends SIGKILL at the hard CPU limit, one second after SIGXCPU, if the job
        // ignored SIGXCPU.
        libc::SIGKILL if limits.cpu.is_some_and(|cpu| usage.cpu >= cpu) => Termination::CpuLimit,
        libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS if near_memory_limit(limits, usage) => {
            Termination::MemoryLimit
        }
        other => Termination::Signaled(other),
    }
}

fn by_exit_code(code: i32, limits: &Limits) -> Termination {
    match code - 128 {
        libc::SIGXFSZ if limits.file_size.is_some() => Termination::FileSizeLimit,
        libc::SIGXCPU if limits.cpu.is_some() => Termination::CpuLimit,
        _ => Termination::Exited(code),
    }
}

fn near_memory_limit(limits: &Limits, usage: Usage) -> bool {
    match (limits.memory, usage.peak_memory) {
        (Some(limit), Some(peak)) => peak >= limit / 2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Wait statuses as the kernel encodes them: exit code in bits 8..16, signal in bits 0..7.
    fn exited(code: i32) -> i32 {
        code << 8
    }
    fn killed(signal: i32) -> i32 {
        signal
    }

    const IDLE: Usage = Usage {
        cpu: Duration::ZERO,
        peak_memory: None,
        oom_killed: false,
    };

    #[test]
    fn the_sandbox_reason_wins_over_the_status_it_caused() {
        let term = classify(
            Some(Reason::TimedOut),
            killed(libc::SIGTERM),
            &Limits::default(),
            IDLE,
        );
        assert_eq!(term, Termination::TimedOut);
        let term = classify(
            Some(Reason::OutputLimit),
            killed(libc::SIGKILL),
            &Limits::default(),
            IDLE,
        );
        assert_eq!(term, Termination::OutputLimit);
    }

    #[test]
    fn limit_signals_map_only_when_the_limit_was_set() {
        let limits = Limits {
            file_size: Some(1),
            cpu: Some(Duration::from_secs(1)),
            ..Limits::default()
        };
        assert_eq!(
            classify(None, killed(libc::SIGXFSZ), &limits, IDLE),
            Termination::FileSizeLimit
        );
        assert_eq!(
            classify(None, killed(libc::SIGXCPU), &limits, IDLE),
            Termination::CpuLimit
        );
        let none = Limits::default();
        assert_eq!(
            classify(None, killed(libc::SIGXFSZ), &none, IDLE),
            Termination::Signaled(libc::SIGXFSZ)
        );
    }

    #[test]
    fn shell_style_exit_codes_for_limit_signals_are_recognised() {
        let limits = Limits {
            file_size: Some(1),
            ..Limits::default()
        };
        assert_eq!(
            classify(None, exited(128 + libc::SIGXFSZ), &limits, IDLE),
            Termination::FileSizeLimit
        );
        assert_eq!(
            classify(None, exited(128 + libc::SIGXFSZ), &Limits::default(), IDLE),
            Termination::Exited(153)
        );
        assert_eq!(
            classify(None, exited(3), &limits, IDLE),
            Termination::Exited(3)
        );
    }

    #[test]
    fn a_crash_near_the_memory_limit_is_a_memory_limit_and_far_from_it_is_a_signal() {
        let limits = Limits {
            memory: Some(256 << 20),
            ..Limits::default()
        };
        let near = Usage {
            cpu: Duration::ZERO,
            peak_memory: Some(200 << 20),
            oom_killed: false,
        };
        let far = Usage {
            cpu: Duration::ZERO,
            peak_memory: Some(4 << 20),
            oom_killed: false,
        };
        assert_eq!(
            classify(None, killed(libc::SIGABRT), &limits, near),
            Termination::MemoryLimit
        );
        assert_eq!(
            classify(None, killed(libc::SIGABRT), &limits, far),
            Termination::Signaled(libc::SIGABRT)
        );
    }

    #[test]
    fn an_oom_kill_in_the_cgroup_is_a_memory_limit_whatever_the_status() {
        let oom = Usage {
            oom_killed: true,
            ..IDLE
        };
        for status in [killed(libc::SIGKILL), exited(137), exited(0)] {
            assert_eq!(
                classify(None, status, &Limits::default(), oom),
                Termination::MemoryLimit
            );
        }
        assert_eq!(
            classify(
                Some(Reason::TimedOut),
                killed(libc::SIGKILL),
                &Limits::default(),
                oom
            ),
            Termination::TimedOut
        );
    }
}
