//! One method per route.

use std::time::Duration;

use offload_core::JobId;
use reqwest::Method;

use crate::client::{Client, ClientError};
use crate::wire::{
    BatchRequest, BatchResponse, CancelResponse, ConcurrencyRequest, JobPageResponse, JobResponse,
    JobSpecBody, ListQuery, OutputResponse, PageQuery, PurgedResponse, QueueListResponse,
    QueueResponse, RetriedResponse, SubmitResponse,
};

/// Which output stream to fetch raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl OutputStream {
    fn as_str(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
    }
}

impl Client {
    /// `GET /healthz`: whether the server answers at all.
    pub async fn health(&self) -> Result<(), ClientError> {
        let (url, req) = self.request(Method::GET, "/healthz");
        self.send(&url, req).await.map(drop)
    }

    /// `POST /v1/jobs`: submits one job.
    pub async fn submit(&self, job: &JobSpecBody) -> Result<SubmitResponse, ClientError> {
        let (url, req) = self.request(Method::POST, "/v1/jobs");
        self.call(&url, req.json(job)).await
    }

    /// `POST /v1/jobs/batch`: submits many jobs atomically.
    pub async fn submit_batch(&self, jobs: Vec<JobSpecBody>) -> Result<BatchResponse, ClientError> {
        let (url, req) = self.request(Method::POST, "/v1/jobs/batch");
        self.call(&url, req.json(&BatchRequest { jobs })).await
    }

    /// `GET /v1/jobs/{id}`.
    pub async fn get(&self, id: JobId) -> Result<JobResponse, ClientError> {
        let (url, req) = self.request(Method::GET, &format!("/v1/jobs/{id}"));
        self.call(&url, req).await
    }

    /// `GET /v1/jobs/{id}/wait`: the job once terminal, or as it is after `timeout`.
    pub async fn wait(&self, id: JobId, timeout: Duration) -> Result<JobResponse, ClientError> {
        let (url, req) = self.request(Method::GET, &format!("/v1/jobs/{id}/wait"));
        let ms = timeout.as_millis().to_string();
        self.call(&url, req.query(&[("timeout", ms)])).await
    }

    /// `GET /v1/jobs/{id}/output`: both streams as text.
    pub async fn output(&self, id: JobId) -> Result<OutputResponse, ClientError> {
        let (url, req) = self.request(Method::GET, &format!("/v1/jobs/{id}/output"));
        self.call(&url, req).await
    }

    /// `GET /v1/jobs/{id}/output/{stream}`: one stream's raw bytes.
    pub async fn output_raw(
        &self,
        id: JobId,
        stream: OutputStream,
    ) -> Result<Vec<u8>, ClientError> {
        let path = format!("/v1/jobs/{id}/output/{}", stream.as_str());
        let (url, req) = self.request(Method::GET, &path);
        let response = self.send(&url, req).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&url, e))?;
        Ok(bytes.to_vec())
    }

    /// `POST /v1/jobs/{id}/cancel`.
    pub async fn cancel(&self, id: JobId) -> Result<CancelResponse, ClientError> {
        let (url, req) = self.request(Method::POST, &format!("/v1/jobs/{id}/cancel"));
        self.call(&url, req).await
    }

    /// `GET /v1/jobs`: one page of jobs, newest first.
    pub async fn list(&self, query: &ListQuery) -> Result<JobPageResponse, ClientError> {
        let (url, req) = self.request(Method::GET, "/v1/jobs");
        self.call(&url, req.query(query)).await
    }

    /// `GET /v1/dead`: one page of failed jobs.
    pub async fn dead_list(&self, query: &PageQuery) -> Result<JobPageResponse, ClientError> {
        let (url, req) = self.request(Method::GET, "/v1/dead");
        self.call(&url, req.query(query)).await
    }

    /// `POST /v1/dead/{id}/retry`.
    pub async fn dead_retry(&self, id: JobId) -> Result<RetriedResponse, ClientError> {
        let (url, req) = self.request(Method::POST, &format!("/v1/dead/{id}/retry"));
        self.call(&url, req).await
    }

    /// `POST /v1/dead/retry`: every failed job.
    pub async fn dead_retry_all(&self) -> Result<RetriedResponse, ClientError> {
        let (url, req) = self.request(Method::POST, "/v1/dead/retry");
        self.call(&url, req).await
    }

    /// `POST /v1/dead/purge`.
    pub async fn dead_purge(&self) -> Result<PurgedResponse, ClientError> {
        let (url, req) = self.request(Method::POST, "/v1/dead/purge");
        self.call(&url, req).await
    }

    /// `GET /v1/tasks`: the tasks of the server's manifest.
    pub async fn tasks(&self) -> Result<crate::wire::TasksResponse, ClientError> {
        let (url, req) = self.request(Method::GET, "/v1/tasks");
        self.call(&url, req).await
    }

    /// `POST /v1/manifest/reload`: reloads the server's task manifest.
    pub async fn manifest_reload(&self) -> Result<crate::wire::TasksResponse, ClientError> {
        let (url, req) = self.request(Method::POST, "/v1/manifest/reload");
        self.call(&url, req).await
    }

    /// `GET /v1/queues`: every queue with its counts.
    pub async fn queues(&self) -> Result<Vec<QueueResponse>, ClientError> {
        let (url, req) = self.request(Method::GET, "/v1/queues");
        self.call::<QueueListResponse>(&url, req)
            .await
            .map(|list| list.queues)
    }

    /// `POST /v1/queues/{name}/pause`.
    pub async fn queue_pause(&self, name: &str) -> Result<QueueResponse, ClientError> {
        let (url, req) = self.request(Method::POST, &format!("/v1/queues/{name}/pause"));
        self.call(&url, req).await
    }

    /// `POST /v1/queues/{name}/resume`.
    pub async fn queue_resume(&self, name: &str) -> Result<QueueResponse, ClientError> {
        let (url, req) = self.request(Method::POST, &format!("/v1/queues/{name}/resume"));
        self.call(&url, req).await
    }

    /// `PUT /v1/queues/{name}`: sets the concurrency limit, or clears it with `None`.
    pub async fn queue_set_concurrency(
        &self,
        name: &str,
        concurrency: Option<u32>,
    ) -> Result<QueueResponse, ClientError> {
        let (url, req) = self.request(Method::PUT, &format!("/v1/queues/{name}"));
        self.call(&url, req.json(&ConcurrencyRequest { concurrency }))
            .await
    }
}
