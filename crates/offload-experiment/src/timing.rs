//! Wall and CPU time of one observation.
//!
//! CPU time is measured per poll with the calling thread's CPU clock
//! (`CLOCK_THREAD_CPUTIME_ID`), not the process clock github/scientist uses:
//! a future may hop between worker threads and share them with other tasks,
//! so only the time spent inside its own polls belongs to it.

use std::future::Future;
use std::task::Context;
use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};
use tokio::time::Instant;

/// How long one behaviour took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// Elapsed wall-clock time from first poll to completion.
    pub wall: Duration,
    /// CPU time spent inside the behaviour's own polls.
    pub cpu: Duration,
}

/// The CPU time the calling thread has used so far.
pub(crate) fn thread_cpu_now() -> Duration {
    let spec = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

/// Runs `work` and charges its CPU time, for closures that are not futures.
pub(crate) fn cpu_of<R>(work: impl FnOnce() -> R) -> (R, Duration) {
    let before = thread_cpu_now();
    let value = work();
    (value, thread_cpu_now().saturating_sub(before))
}

/// Awaits `future` and returns its output with its wall and CPU time.
///
/// The wall clock is tokio's, so tests with paused time see exact durations.
pub(crate) async fn timed<F: Future>(future: F) -> (F::Output, Timing) {
    let mut future = std::pin::pin!(future);
    let mut started: Option<Instant> = None;
    let mut cpu = Duration::ZERO;
    std::future::poll_fn(|context: &mut Context<'_>| {
        let first_poll = *started.get_or_insert_with(Instant::now);
        let (poll, spent) = cpu_of(|| future.as_mut().poll(context));
        cpu += spent;
        poll.map(|output| {
            (
                output,
                Timing {
                    wall: first_poll.elapsed(),
                    cpu,
                },
            )
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_is_charged_as_cpu_time() {
        let (sum, cpu) = cpu_of(|| (0..2_000_000u64).fold(0u64, |acc, n| acc ^ n.wrapping_mul(31)));
        assert_ne!(sum, 1);
        assert!(cpu > Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn timed_reports_wall_time_of_the_inner_future() {
        let ((), timing) = timed(tokio::time::sleep(Duration::from_secs(3))).await;
        // Paused time jumps exactly to the sleep's deadline and nowhere else,
        // so this checks the measurement, not the speed of the machine.
        assert_eq!(timing.wall, Duration::from_secs(3));
    }
}
