//! Reads one run's progress pipe: splits it into lines, parses them, and passes updates on at a
//! bounded rate.
//!
//! Three bounds keep a careless or hostile job from costing the worker more than a little:
//! - memory: at most [`MAX_LINE`] bytes of an unfinished line are held; the rest of a longer line
//!   is skipped, and the line counts as malformed;
//! - events: after a burst of [`EVENT_BURST`], at most [`EVENT_RATE`] updates a second reach the
//!   sink. An update that arrives while none may be sent waits, and a newer one replaces it (the
//!   older counts as dropped), so the latest progress is always what is shown, and it is sent in
//!   any case when the pipe closes;
//! - CPU: after a burst of [`BYTE_BURST`] bytes, the pipe is read at [`BYTE_RATE`] bytes a second,
//!   so a job that writes faster is slowed down by its own full pipe, like a program writing to a
//!   slow terminal. It is never blocked for longer than it takes the budget to refill.
//!
//! Like the output readers, this task never decides when the run is over: the supervisor stops it
//! once the job has exited, whether or not EOF came.

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use super::{MAX_LINE, Parsed, Progress, ProgressCounts, parse_line};
use crate::spec::OutputSink;

/// Updates passed on at once before the rate applies.
const EVENT_BURST: f64 = 20.0;
/// Updates passed on per second after the burst.
const EVENT_RATE: f64 = 10.0;
/// Bytes read at once before the byte rate applies.
const BYTE_BURST: f64 = (1 << 20) as f64;
/// Bytes read per second after the burst.
const BYTE_RATE: f64 = (1 << 20) as f64;
/// Bytes read from the pipe at a time.
const CHUNK: usize = 16 * 1024;

/// Starts a task that reads `fd` until EOF, a read error, or the stop token, and returns what it
/// counted.
pub(crate) fn start(
    fd: OwnedFd,
    sink: Option<Arc<dyn OutputSink>>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<ProgressCounts> {
    tokio::spawn(async move {
        match pipe::Receiver::from_owned_fd(fd) {
            Ok(receiver) => read(receiver, Lines::new(sink, Instant::now()), stop).await,
            Err(_) => ProgressCounts::default(),
        }
    })
}

async fn read(
    mut receiver: pipe::Receiver,
    mut lines: Lines,
    stop: CancellationToken,
) -> ProgressCounts {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let now = Instant::now();
        let reading = lines.bytes.ready_at(0.0) <= now;
        let wake = lines.wake_at(reading);
        tokio::select! {
            read = receiver.read(&mut buf), if reading => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => lines.feed(&buf[..n], Instant::now()),
            },
            () = stop.cancelled() => break,
            () = sleep_until(wake.unwrap_or(now)), if wake.is_some() => lines.release(Instant::now()),
        }
    }
    lines.finish()
}

/// The line splitter, its counts, and the update waiting for the event rate.
struct Lines {
    sink: Option<Arc<dyn OutputSink>>,
    /// The unfinished line, at most [`MAX_LINE`] bytes.
    partial: Vec<u8>,
    /// The current line is over [`MAX_LINE`] and was counted; skip to its end.
    overlong: bool,
    counts: ProgressCounts,
    events: Bucket,
    bytes: Bucket,
    /// The newest update not yet sent.
    pending: Option<Progress>,
}

impl Lines {
    fn new(sink: Option<Arc<dyn OutputSink>>, now: Instant) -> Lines {
        Lines {
            sink,
            partial: Vec::new(),
            overlong: false,
            counts: ProgressCounts::default(),
            events: Bucket::full(EVENT_BURST, EVENT_RATE, now),
            bytes: Bucket::full(BYTE_BURST, BYTE_RATE, now),
            pending: None,
        }
    }

    /// Takes a chunk of the pipe, which may end anywhere in a line.
    fn feed(&mut self, data: &[u8], now: Instant) {
        self.bytes.spend(data.len() as f64, now);
        for segment in data.split_inclusive(|&b| b == b'\n') {
            match segment.strip_suffix(b"\n") {
                Some(body) => {
                    self.append(body);
                    self.end_line(now);
                }
                None => self.append(segment),
            }
        }
    }

    fn append(&mut self, body: &[u8]) {
        if self.overlong {
            return;
        }
        if self.partial.len() + body.len() > MAX_LINE {
            self.counts.malformed += 1;
            self.overlong = true;
            self.partial.clear();
            return;
        }
        self.partial.extend_from_slice(body);
    }

    fn end_line(&mut self, now: Instant) {
        if !std::mem::take(&mut self.overlong) {
            self.parse(now);
        }
        self.partial.clear();
    }

    fn parse(&mut self, now: Instant) {
        match parse_line(&self.partial) {
            Parsed::Update(progress) => {
                self.counts.updates += 1;
                if self.pending.replace(progress).is_some() {
                    self.counts.dropped += 1;
                }
                self.release(now);
            }
            Parsed::Blank => {}
            Parsed::Malformed => self.counts.malformed += 1,
        }
    }

    /// Sends the waiting update if the event rate allows it now.
    fn release(&mut self, now: Instant) {
        if self.pending.is_some() && self.events.try_spend(1.0, now) {
            self.send();
        }
    }

    fn send(&mut self) {
        if let (Some(progress), Some(sink)) = (self.pending.take(), &self.sink) {
            sink.progress(&progress);
        }
    }

    /// When the read loop must wake without input: to send a waiting update, or to read again
    /// once the byte budget has refilled.
    fn wake_at(&self, reading: bool) -> Option<Instant> {
        let release = self.pending.as_ref().map(|_| self.events.ready_at(1.0));
        let refill = (!reading).then(|| self.bytes.ready_at(0.0));
        release.into_iter().chain(refill).min()
    }

    /// The pipe closed or the run ended: an unfinished last line counts, and the newest update is
    /// sent whatever the rate, so the last progress a job reported is never lost.
    fn finish(mut self) -> ProgressCounts {
        if !self.partial.is_empty() || self.overlong {
            self.end_line(Instant::now());
        }
        self.send();
        self.counts
    }
}

/// A token bucket: `burst` tokens at most, refilled at `rate` a second. Spending may go into debt,
/// which later refills pay back before anything is ready again.
struct Bucket {
    tokens: f64,
    burst: f64,
    rate: f64,
    at: Instant,
}

impl Bucket {
    fn full(burst: f64, rate: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst,
            burst,
            rate,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }

    fn spend(&mut self, n: f64, now: Instant) {
        self.refill(now);
        self.tokens -= n;
    }

    fn try_spend(&mut self, n: f64, now: Instant) -> bool {
        self.refill(now);
        let enough = self.tokens >= n;
        if enough {
            self.tokens -= n;
        }
        enough
    }

    /// When the bucket will hold at least `n` tokens.
    fn ready_at(&self, n: f64) -> Instant {
        let missing = (n - self.tokens).max(0.0);
        self.at + Duration::from_secs_f64(missing / self.rate)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::spec::Stream;

    #[derive(Default)]
    struct Seen(Mutex<Vec<Progress>>);

    impl OutputSink for Seen {
        fn chunk(&self, _stream: Stream, _data: &[u8]) {}
        fn progress(&self, progress: &Progress) {
            self.0.lock().unwrap().push(progress.clone());
        }
    }

    fn lines() -> (Arc<Seen>, Lines) {
        let seen = Arc::new(Seen::default());
        let lines = Lines::new(Some(seen.clone() as Arc<dyn OutputSink>), Instant::now());
        (seen, lines)
    }

    #[test]
    fn lines_split_across_chunks_are_joined_and_counted() {
        let (seen, mut lines) = lines();
        let now = Instant::now();
        for chunk in [
            &b"::progress 4"[..],
            b"0 half\ngarb",
            b"age\n\n::progress 5",
        ] {
            lines.feed(chunk, now);
        }
        let counts = lines.finish();
        assert_eq!(
            (counts.updates, counts.malformed, counts.dropped),
            (2, 1, 0)
        );
        let percents: Vec<String> = seen
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|p| p.percent.to_string())
            .collect();
        assert_eq!(percents, ["40", "5"]);
    }

    #[test]
    fn an_overlong_line_is_one_malformed_line_and_the_next_line_still_parses() {
        let (seen, mut lines) = lines();
        let now = Instant::now();
        lines.feed(&vec![b'x'; MAX_LINE + 10], now);
        lines.feed(&vec![b'y'; 3 * MAX_LINE], now);
        lines.feed(b"\n::progress 9\n", now);
        let counts = lines.finish();
        assert_eq!((counts.updates, counts.malformed), (1, 1));
        assert_eq!(seen.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn past_the_burst_updates_are_coalesced_and_the_last_one_is_kept() {
        let (seen, mut lines) = lines();
        let now = Instant::now();
        for percent in 0..=100 {
            lines.feed(format!("::progress {percent}\n").as_bytes(), now);
        }
        let counts = lines.finish();
        let sent = seen.0.lock().unwrap();
        assert_eq!(counts.updates, 101);
        assert_eq!(sent.len() as u64 + counts.dropped, 101);
        assert_eq!(
            sent.len(),
            EVENT_BURST as usize + 1,
            "the burst, then the final flush"
        );
        assert_eq!(sent.last().unwrap().percent, super::super::Percent::FULL);
    }
}
