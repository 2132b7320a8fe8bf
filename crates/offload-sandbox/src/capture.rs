//! Reads one output stream into a capped buffer, forwarding kept bytes to the live sink.
//!
//! Memory stays bounded whatever the job prints: at most `limit` bytes are kept and reads go
//! through one fixed buffer. Past the limit the reader raises the overflow token (the supervisor
//! then kills the tree) and keeps draining into nothing, so writers blocked on a full pipe are not
//! left hanging. The reader never decides when the run is over: the supervisor stops it after the
//! job has exited, whether or not EOF came, because a leaked descendant can hold a pipe open.

use std::os::fd::OwnedFd;
use std::sync::Arc;

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio_util::sync::CancellationToken;

use crate::spec::{OutputSink, Stream};

/// Bytes read from the pipe at a time.
const CHUNK: usize = 64 * 1024;

/// What one stream produced.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    /// The kept bytes, at most the limit.
    pub(crate) data: Vec<u8>,
    /// Whether bytes beyond the limit were discarded.
    pub(crate) truncated: bool,
}

/// Where a reader sends its signals and its output.
#[derive(Clone)]
pub(crate) struct CaptureConfig {
    /// Bytes kept.
    pub(crate) limit: u64,
    /// Live consumer of kept bytes.
    pub(crate) sink: Option<Arc<dyn OutputSink>>,
    /// Raised when the job writes past the limit.
    pub(crate) overflow: CancellationToken,
    /// Raised by the supervisor when it stops waiting for EOF.
    pub(crate) stop: CancellationToken,
}

/// Starts a task that captures `fd` until EOF, a read error, or the stop token.
pub(crate) fn start(
    fd: OwnedFd,
    stream: Stream,
    config: CaptureConfig,
) -> tokio::task::JoinHandle<Captured> {
    tokio::spawn(async move {
        match pipe::Receiver::from_owned_fd(fd) {
            Ok(receiver) => capture(receiver, stream, config).await,
            Err(_) => Captured::default(),
        }
    })
}

async fn capture(mut receiver: pipe::Receiver, stream: Stream, config: CaptureConfig) -> Captured {
    let mut captured = Captured::default();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = tokio::select! {
            read = receiver.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            () = config.stop.cancelled() => break,
        };
        keep(&mut captured, &buf[..n], stream, &config);
    }
    captured
}

/// Appends what fits under the limit, and flags the overflow if anything did not fit.
fn keep(captured: &mut Captured, data: &[u8], stream: Stream, config: &CaptureConfig) {
    let room = usize::try_from(config.limit.saturating_sub(captured.data.len() as u64))
        .unwrap_or(usize::MAX);
    let kept = &data[..data.len().min(room)];
    if !kept.is_empty() {
        captured.data.extend_from_slice(kept);
        if let Some(sink) = &config.sink {
            sink.chunk(stream, kept);
        }
    }
    if kept.len() < data.len() {
        captured.truncated = true;
        config.overflow.cancel();
    }
}
