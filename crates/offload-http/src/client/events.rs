//! The client side of `GET /v1/jobs/{id}/events`.

use std::pin::Pin;

use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use offload_core::JobId;
use reqwest::Method;

use crate::client::{Client, ClientError};
use crate::wire::JobStreamEvent;

/// A job's events, ending after its terminal state.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<JobStreamEvent, ClientError>> + Send>>;

impl Client {
    /// `GET /v1/jobs/{id}/events`: the job's current state, then every change and
    /// all live output, until it is terminal. Fails at once if the job does not exist.
    pub async fn events(&self, id: JobId) -> Result<EventStream, ClientError> {
        self.events_after(id, None).await
    }

    /// Like [`Client::events`], but first replays every event of the job after the
    /// event id `after` that the server still keeps (`Some(0)`: all of them), such as
    /// output written before the stream was opened.
    pub async fn events_after(
        &self,
        id: JobId,
        after: Option<u64>,
    ) -> Result<EventStream, ClientError> {
        let path = match after {
            Some(after) => format!("/v1/jobs/{id}/events?last_event_id={after}"),
            None => format!("/v1/jobs/{id}/events"),
        };
        let (url, req) = self.request(Method::GET, &path);
        let response = self.send(&url, req).await?;
        let stream = response.bytes_stream().eventsource().map(move |item| {
            let event = item.map_err(|e| ClientError::Protocol {
                url: url.clone(),
                problem: format!("broken event stream: {e}"),
            })?;
            serde_json::from_str(&event.data).map_err(|e| ClientError::Protocol {
                url: url.clone(),
                problem: format!("invalid {} event: {e}", event.event),
            })
        });
        Ok(Box::pin(stream))
    }
}
