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
        let (url, req) = self.request(Method::GET, &format!("/v1/jobs/{id}/events"));
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
