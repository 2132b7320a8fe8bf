//! `GET /v1/jobs/{id}/events`: a job's state changes and live output as Server-Sent
//! Events, resumable with `Last-Event-ID`.
//!
//! Every event comes from the server's journal, which numbers the engine's events
//! with one increasing sequence: that number is the SSE `id`. The stream takes its
//! journal subscription *before* reading the job, so a change between the read and
//! the subscription is never missed. A new stream starts with the state it read and,
//! while the job runs here, its latest progress (so a late viewer sees the bar where
//! it is, not empty until the next update); a stream resumed with `Last-Event-ID: n` first replays every kept event of the job
//! after `n`, so a client that reconnects loses nothing still kept. The stream ends
//! after a terminal state. Changes made by other processes do not reach this
//! server's bus, so the job is also re-read from the store every `events_recheck`,
//! and after the journal reports that this subscriber lagged.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use offload_core::JobId;
use offload_engine::{Engine, JobEvent, OutputChunk};
use offload_sandbox::Stream as OutStream;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::error::ApiError;
use crate::extract::{IdPath, Params};
use crate::observe::Entry;
use crate::routes::jobs::{load_job, with_progress};
use crate::state::AppState;
use crate::wire::{ErrorBody, JobStreamEvent, WireState};

/// Streams the job's state changes and output until it is terminal.
#[utoipa::path(get, path = "/v1/jobs/{id}/events", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id"), EventsQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id")),
    responses(
        (status = 200, content_type = "text/event-stream",
            description = "Events named `state`, `output` and `progress`, each with a JSON `JobStreamEvent` and an increasing `id`",
            body = JobStreamEvent),
        (status = 400, description = "`Last-Event-ID` is not an event id", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub(crate) async fn job_events(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    Params(query): Params<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let after = last_event_id(&headers, query.last_event_id.as_deref())?;
    let replay = state.observer.journal.replay(id, after);
    let job = load_job(&state, id).await?;
    let current = WireState::from(job.state.name());
    let progress = match after {
        None => with_progress(&state, &job)
            .progress
            .map(|p| JobStreamEvent::Progress {
                id: id.0,
                attempt: job.attempts.last().map_or(0, |a| a.number),
                percent: p.percent,
                message: p.message,
            }),
        Some(_) => None,
    };
    let mut follow = Follow {
        engine: state.engine.clone(),
        id,
        live: replay.live,
        recheck: state.config.events_recheck,
        last: None,
        done: false,
        backlog: VecDeque::new(),
        pending: Some(current),
        pending_progress: progress,
        cursor: replay.head,
    };
    if after.is_some() && replay.complete {
        follow.backlog.extend(replay.kept);
    }
    let stream = futures::stream::unfold(follow, |mut f| async move {
        let event = f.next().await?;
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The query of an event stream.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    /// Like the `Last-Event-ID` header, for clients that cannot set headers (a
    /// browser's `EventSource` on its first connection); `0` replays all that is kept.
    last_event_id: Option<String>,
}

/// Parses `Last-Event-ID` (the header wins over the query): absent is a new
/// stream, anything but a number is a 400.
fn last_event_id(headers: &HeaderMap, query: Option<&str>) -> Result<Option<u64>, ApiError> {
    let (field, text) = match headers.get("last-event-id") {
        Some(value) => ("Last-Event-ID", value.to_str().ok()),
        None => match query {
            Some(text) => ("last_event_id", Some(text)),
            None => return Ok(None),
        },
    };
    let bad = || ApiError::invalid(field, "must be the decimal id of an event this server sent");
    let text = text.ok_or_else(bad)?.trim();
    text.parse::<u64>().map(Some).map_err(|_| bad())
}

/// The state of one event stream.
struct Follow {
    engine: Engine,
    id: JobId,
    live: Receiver<Arc<Entry>>,
    recheck: std::time::Duration,
    /// The state most recently sent; `None` before the first.
    last: Option<WireState>,
    /// Set once a terminal state was sent, or the job is gone.
    done: bool,
    /// Kept events to replay before anything else.
    backlog: VecDeque<Arc<Entry>>,
    /// A state read from the store that is still to be sent.
    pending: Option<WireState>,
    /// The running job's latest progress, sent after the first state of a new stream.
    pending_progress: Option<JobStreamEvent>,
    /// The newest journal id this stream has accounted for; live events at or
    /// below it were replayed or predate the stream, and a state read from the
    /// store is sent with this id.
    cursor: u64,
}

impl Follow {
    /// The next event to send, or `None` once a terminal state has been sent.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.done {
                return None;
            }
            if let Some(entry) = self.backlog.pop_front() {
                if let Some(event) = self.journaled(&entry) {
                    return Some(event);
                }
                continue;
            }
            if let Some(state) = self.pending.take().filter(|s| Some(*s) != self.last) {
                return Some(self.state_event(state, self.cursor));
            }
            if let Some(progress) = self.pending_progress.take() {
                return Some(sse(&progress, self.cursor));
            }
            if let Some(entry) = self.receive().await
                && let Some(event) = self.journaled(&entry)
            {
                return Some(event);
            }
        }
    }

    /// Turns a journal entry into an event, skipping repeats of the state last sent.
    fn journaled(&mut self, entry: &Entry) -> Option<Event> {
        match &entry.event {
            JobStreamEvent::State { state, .. } if Some(*state) == self.last => None,
            JobStreamEvent::State { state, .. } => Some(self.state_event(*state, entry.seq)),
            other => Some(sse(other, entry.seq)),
        }
    }

    fn state_event(&mut self, state: WireState, seq: u64) -> Event {
        self.last = Some(state);
        self.done = state.is_terminal();
        sse(
            &JobStreamEvent::State {
                id: self.id.0,
                state,
            },
            seq,
        )
    }

    /// Waits for this job's next journal entry, or queues a store read when the
    /// journal lagged or the recheck interval passed.
    async fn receive(&mut self) -> Option<Arc<Entry>> {
        let received = tokio::time::timeout(self.recheck, self.live.recv()).await;
        match received {
            Ok(Ok(entry)) if entry.job == self.id && entry.seq > self.cursor => {
                self.cursor = entry.seq;
                Some(entry)
            }
            Ok(Ok(_)) => None,
            // The journal lives as long as the server's state, which this stream
            // holds: a closed feed means the server is being torn down.
            Ok(Err(RecvError::Closed)) => {
                self.done = true;
                None
            }
            Ok(Err(RecvError::Lagged(_))) | Err(_) => {
                self.reread().await;
                None
            }
        }
    }

    async fn reread(&mut self) {
        match self.engine.store().job_get(self.id).await {
            Ok(Some(job)) => self.pending = Some(job.state.name().into()),
            // A deleted job will not change again; end the stream.
            Ok(None) => self.done = true,
            Err(err) => {
                tracing::warn!(job_id = %self.id, %err, "event stream could not re-read its job")
            }
        }
    }
}

fn sse(body: &JobStreamEvent, seq: u64) -> Event {
    let event = Event::default().id(seq.to_string()).event(body.name());
    event
        .json_data(body)
        .unwrap_or_else(|_| Event::default().comment("unserializable event"))
}

/// The wire form of an engine event, and the job it is about.
pub(crate) fn stream_event(event: &JobEvent) -> (JobId, JobStreamEvent) {
    match event {
        JobEvent::State { id, state } => (
            *id,
            JobStreamEvent::State {
                id: id.0,
                state: (*state).into(),
            },
        ),
        JobEvent::Output(chunk) => (chunk.id, output_event(chunk)),
        JobEvent::Progress(update) => (
            update.id,
            JobStreamEvent::Progress {
                id: update.id.0,
                attempt: update.attempt,
                percent: update.progress.percent.as_f64(),
                message: update.progress.message.clone(),
            },
        ),
    }
}

fn output_event(chunk: &OutputChunk) -> JobStreamEvent {
    JobStreamEvent::Output {
        id: chunk.id.0,
        attempt: chunk.attempt,
        stream: match chunk.stream {
            OutStream::Stdout => "stdout",
            OutStream::Stderr => "stderr",
        }
        .to_owned(),
        data: String::from_utf8_lossy(&chunk.data).into_owned(),
    }
}
