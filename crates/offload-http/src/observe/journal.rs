//! [`Journal`]: recent job events with increasing ids, so an SSE client can resume.
//!
//! The engine's bus forgets an event once every subscriber has it, so a client that
//! reconnects would lose what happened while it was away. The journal keeps the
//! last events of each recent job in a bounded ring and numbers every event with one
//! increasing sequence, which is the SSE `id`. A client that reconnects with
//! `Last-Event-ID: n` is replayed every event of its job after `n` that is still
//! kept, then follows live. Memory is bounded twice: events per job, and jobs (the
//! job touched longest ago is forgotten first). A progress event supersedes the
//! job's previous one, which is removed, so a flood of progress never pushes output
//! out of the ring and a resumed stream replays only the latest progress.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use offload_core::JobId;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::wire::JobStreamEvent;

/// How much the journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalConfig {
    /// Events kept per job; older ones are dropped first.
    pub per_job: usize,
    /// Jobs kept; the job touched longest ago is dropped first.
    pub jobs: usize,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            per_job: 1024,
            jobs: 4096,
        }
    }
}

/// One numbered event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The SSE id: increasing across all jobs.
    pub(crate) seq: u64,
    /// The job.
    pub(crate) job: JobId,
    /// The event as sent.
    pub(crate) event: JobStreamEvent,
}

impl Entry {
    fn is_progress(&self) -> bool {
        matches!(self.event, JobStreamEvent::Progress { .. })
    }
}

/// How many live events a job's followers may fall behind before they lag.
const LIVE_PER_JOB: usize = 4096;

/// Live channels kept before those without followers are swept.
const LIVE_SWEEP: usize = 1024;

/// What a new stream starts from: a live feed and everything kept after a point.
pub(crate) struct Replay {
    /// Every later event of the job, in order.
    pub(crate) live: broadcast::Receiver<Arc<Entry>>,
    /// Kept events of the job after the requested id.
    pub(crate) kept: Vec<Arc<Entry>>,
    /// The id of the newest event journaled so far, of any job.
    pub(crate) head: u64,
    /// False when events after the requested id were already dropped.
    pub(crate) complete: bool,
}

/// The journal. Cheap to share behind an `Arc`.
pub(crate) struct Journal {
    config: JournalConfig,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    head: u64,
    jobs: HashMap<JobId, Ring>,
    /// One live channel per followed job. A stream wakes only for its own job's events,
    /// so a hundred followers of a thousand busy jobs cost a hundred wake-ups, not a
    /// hundred for every event of every job.
    live: HashMap<JobId, broadcast::Sender<Arc<Entry>>>,
    /// Job ids in the order they were last touched, oldest first; may hold stale
    /// duplicates, which eviction skips by checking `Ring::touched`.
    order: VecDeque<(JobId, u64)>,
}

#[derive(Default)]
struct Ring {
    events: VecDeque<Arc<Entry>>,
    /// The highest id dropped from this ring; a resume from below it is incomplete.
    dropped: u64,
    touched: u64,
}

impl Journal {
    /// An empty journal.
    pub(crate) fn new(config: JournalConfig) -> Journal {
        Journal {
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Numbers and keeps an event, and sends it to live streams.
    pub(crate) fn push(&self, job: JobId, event: JobStreamEvent) {
        let mut inner = self.inner.lock();
        inner.head += 1;
        let entry = Arc::new(Entry {
            seq: inner.head,
            job,
            event,
        });
        inner.keep(&self.config, entry.clone());
        // Sending under the lock keeps the live order equal to the id order.
        inner.send_live(entry);
    }

    /// Subscribes to live events and takes the kept events of `job` after `after`.
    pub(crate) fn replay(&self, job: JobId, after: Option<u64>) -> Replay {
        let mut inner = self.inner.lock();
        let live = inner.follow(job);
        let after = after.unwrap_or(inner.head);
        let (kept, complete) = match inner.jobs.get(&job) {
            Some(ring) => (
                ring.events
                    .iter()
                    .filter(|e| e.seq > after)
                    .cloned()
                    .collect(),
                ring.dropped <= after,
            ),
            None => (Vec::new(), true),
        };
        Replay {
            live,
            kept,
            head: inner.head,
            complete,
        }
    }
}

impl Inner {
    /// A receiver of `job`'s live events, sweeping channels nobody follows any more.
    fn follow(&mut self, job: JobId) -> broadcast::Receiver<Arc<Entry>> {
        if self.live.len() >= LIVE_SWEEP {
            self.live.retain(|_, sender| sender.receiver_count() > 0);
        }
        let sender = self.live.entry(job);
        sender
            .or_insert_with(|| broadcast::channel(LIVE_PER_JOB).0)
            .subscribe()
    }

    /// Sends an event to its job's followers; a channel whose followers are all gone is dropped.
    fn send_live(&mut self, entry: Arc<Entry>) {
        let job = entry.job;
        if let Some(sender) = self.live.get(&job)
            && sender.send(entry).is_err()
        {
            self.live.remove(&job);
        }
    }

    fn keep(&mut self, config: &JournalConfig, entry: Arc<Entry>) {
        let (job, seq) = (entry.job, entry.seq);
        let ring = self.jobs.entry(job).or_default();
        ring.touched = seq;
        if entry.is_progress() {
            ring.events.retain(|kept| !kept.is_progress());
        }
        ring.events.push_back(entry);
        if ring.events.len() > config.per_job
            && let Some(old) = ring.events.pop_front()
        {
            ring.dropped = old.seq;
        }
        self.order.push_back((job, seq));
        while self.jobs.len() > config.jobs {
            let Some((old, touched)) = self.order.pop_front() else {
                break;
            };
            if self.jobs.get(&old).is_some_and(|r| r.touched == touched) {
                self.jobs.remove(&old);
            }
        }
        // Stale entries of still-kept jobs would otherwise pile up in `order`.
        if self.order.len() > 4 * config.jobs.max(1) + 64 {
            let jobs = &self.jobs;
            self.order
                .retain(|(id, t)| jobs.get(id).is_some_and(|r| r.touched == *t));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireState;

    fn state(id: i64) -> JobStreamEvent {
        JobStreamEvent::State {
            id,
            state: WireState::Running,
        }
    }

    #[test]
    fn a_follower_is_woken_only_by_its_own_job() {
        let journal = Journal::new(JournalConfig::default());
        let mut one = journal.replay(JobId(1), None).live;
        journal.push(JobId(2), state(2));
        journal.push(JobId(1), state(1));
        assert_eq!(one.try_recv().expect("job 1's event").job, JobId(1));
        assert!(
            one.try_recv().is_err(),
            "job 2's event never reached job 1's follower"
        );
    }

    #[test]
    fn a_job_nobody_follows_any_more_loses_its_channel() {
        let journal = Journal::new(JournalConfig::default());
        drop(journal.replay(JobId(1), None));
        journal.push(JobId(1), state(1));
        assert!(journal.inner.lock().live.is_empty());
    }

    #[test]
    fn a_resume_gets_every_kept_event_of_its_job_after_the_id() {
        let journal = Journal::new(JournalConfig::default());
        for _ in 0..3 {
            journal.push(JobId(1), state(1));
            journal.push(JobId(2), state(2));
        }
        let replay = journal.replay(JobId(1), Some(1));
        let seqs: Vec<u64> = replay.kept.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![3, 5]);
        assert!(replay.complete);
        assert_eq!(replay.head, 6);
    }

    #[test]
    fn a_resume_from_before_what_was_dropped_is_incomplete() {
        let journal = Journal::new(JournalConfig {
            per_job: 2,
            jobs: 8,
        });
        for _ in 0..4 {
            journal.push(JobId(1), state(1));
        }
        assert!(!journal.replay(JobId(1), Some(1)).complete);
        let replay = journal.replay(JobId(1), Some(2));
        assert!(replay.complete);
        assert_eq!(replay.kept.len(), 2);
    }

    #[test]
    fn a_progress_event_replaces_the_previous_one_and_keeps_the_output() {
        let journal = Journal::new(JournalConfig::default());
        let progress = |percent: f64| JobStreamEvent::Progress {
            id: 1,
            attempt: 1,
            percent,
            message: None,
        };
        journal.push(JobId(1), state(1));
        journal.push(JobId(1), progress(10.0));
        journal.push(JobId(1), progress(20.0));
        journal.push(JobId(1), state(1));
        journal.push(JobId(1), progress(30.0));
        let replay = journal.replay(JobId(1), Some(0));
        let kept: Vec<_> = replay
            .kept
            .iter()
            .map(|e| (e.seq, e.event.name()))
            .collect();
        assert_eq!(kept, [(1, "state"), (4, "state"), (5, "progress")]);
        assert!(replay.complete, "a superseded update is not a loss");
    }

    #[test]
    fn the_job_touched_longest_ago_is_forgotten_first() {
        let journal = Journal::new(JournalConfig {
            per_job: 8,
            jobs: 2,
        });
        journal.push(JobId(1), state(1));
        journal.push(JobId(2), state(2));
        journal.push(JobId(1), state(1));
        journal.push(JobId(3), state(3));
        assert!(journal.replay(JobId(2), Some(0)).kept.is_empty());
        assert_eq!(journal.replay(JobId(1), Some(0)).kept.len(), 2);
        assert_eq!(journal.replay(JobId(3), Some(0)).kept.len(), 1);
    }
}
