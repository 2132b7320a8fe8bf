//! Waits for a started job to end, escalating from `SIGTERM` to `SIGKILL` when it must.
//!
//! The job's end is init's exit, seen through its pidfd; nothing here waits for EOF. Kill
//! requests go to init as signals (see `init.rs`), which applies them to the whole tree. The
//! phases are an enum so that the hard-kill deadline only exists while it means something.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use rustix::process::{Signal, pidfd_send_signal};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::init::{HARD_KILL, SOFT_KILL};

/// Why the sandbox, rather than the job, ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The wall-clock timeout fired.
    TimedOut,
    /// The caller cancelled.
    Cancelled,
    /// Output went past the limit.
    OutputLimit,
}

/// Where the kill sequence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No kill requested yet.
    Running,
    /// The tree got `SIGTERM`; it gets `SIGKILL` at `hard_at`.
    Terminating { hard_at: Instant },
    /// The tree got `SIGKILL`; only the exit is left to wait for.
    Killing,
}

/// The timing and triggers for one run's kill sequence.
#[derive(Debug)]
pub(crate) struct Watch {
    /// When the soft kill happens.
    pub(crate) deadline: Instant,
    /// Grace between the soft and the hard kill.
    pub(crate) kill_after: Duration,
    /// The caller's cancellation.
    pub(crate) cancel: CancellationToken,
    /// Raised by an output reader past the limit.
    pub(crate) overflow: CancellationToken,
}

/// How init ended, and which kill, if any, the sandbox started.
#[derive(Debug)]
pub(crate) struct Ended {
    /// The raw wait status of init, which mirrors the job's.
    pub(crate) status: i32,
    /// Resource usage of init and everything it reaped: the whole tree.
    pub(crate) rusage: libc::rusage,
    /// Set when the sandbox ended the run.
    pub(crate) reason: Option<Reason>,
}

/// Waits for init `pid` to exit, applying `watch`, then reaps it.
pub(crate) async fn supervise(pid: i32, pidfd: OwnedFd, watch: Watch) -> io::Result<Ended> {
    // SAFETY: the AsyncFd owns the pidfd, so the descriptor stays open and unchanged for its life.
    let exited = unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }?;
    let mut phase = Phase::Running;
    let mut reason = None;
    loop {
        let hard_at = match phase {
            Phase::Terminating { hard_at } => hard_at,
            _ => watch.deadline,
        };
        tokio::select! {
            biased;
            // The guard is dropped without clearing readiness: an exited process stays readable.
            guard = exited.readable() => { drop(guard?); break; }
            () = watch.overflow.cancelled(), if phase != Phase::Killing => {
                reason.get_or_insert(Reason::OutputLimit);
                phase = hard_kill(&exited);
            }
            () = watch.cancel.cancelled(), if phase == Phase::Running => {
                reason = Some(Reason::Cancelled);
                phase = soft_kill(&exited, watch.kill_after);
            }
            () = sleep_until(watch.deadline), if phase == Phase::Running => {
                reason = Some(Reason::TimedOut);
                phase = soft_kill(&exited, watch.kill_after);
            }
            () = sleep_until(hard_at), if matches!(phase, Phase::Terminating { .. }) => {
                phase = hard_kill(&exited);
            }
        }
    }
    let (status, rusage) = reap(pid)?;
    Ok(Ended {
        status,
        rusage,
        reason,
    })
}

fn soft_kill(init: &AsyncFd<OwnedFd>, kill_after: Duration) -> Phase {
    if kill_after.is_zero() {
        return hard_kill(init);
    }
    signal(init, SOFT_KILL);
    Phase::Terminating {
        hard_at: Instant::now() + kill_after,
    }
}

fn hard_kill(init: &AsyncFd<OwnedFd>) -> Phase {
    signal(init, HARD_KILL);
    Phase::Killing
}

/// Signals init through its pidfd. An error means init has already exited, which the select loop
/// is about to see, so it is ignored.
fn signal(init: &AsyncFd<OwnedFd>, signal: i32) {
    if let Some(signal) = Signal::from_named_raw(signal) {
        let _ = pidfd_send_signal(init.get_ref().as_fd(), signal);
    }
}

/// Reaps init, which has exited. Before that, while its zombie still pins its pid and process
/// group id, anything left in the run's process group is killed: that only finds processes when
/// the job killed init itself, and costs one system call otherwise.
fn reap(pid: i32) -> io::Result<(i32, libc::rusage)> {
    let mut status = 0;
    let mut rusage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: killpg has no memory-safety preconditions; status and rusage are valid out-pointers,
    // and the zeroed rusage is a valid value of a plain C struct.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
        if libc::wait4(pid, &mut status, 0, rusage.as_mut_ptr()) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((status, rusage.assume_init()))
    }
}
