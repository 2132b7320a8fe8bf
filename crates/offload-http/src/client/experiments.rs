//! The client's methods for `/v1/experiments`, used by `offload experiments`.

use reqwest::Method;

use crate::client::{Client, ClientError};
use crate::wire::{
    ExperimentBody, ExperimentListResponse, ExperimentReportResponse, ExperimentUpdateRequest,
    ReportQuery, ResultRequest, ResultResponse,
};

impl Client {
    /// `GET /v1/experiments`: every experiment with its totals.
    pub async fn experiments(&self) -> Result<Vec<ExperimentBody>, ClientError> {
        let (url, req) = self.request(Method::GET, "/v1/experiments");
        self.call::<ExperimentListResponse>(&url, req)
            .await
            .map(|list| list.experiments)
    }

    /// `GET /v1/experiments/{name}`: one experiment's report.
    pub async fn experiment(
        &self,
        name: &str,
        query: &ReportQuery,
    ) -> Result<ExperimentReportResponse, ClientError> {
        let (url, req) = self.request(Method::GET, &format!("/v1/experiments/{name}"));
        self.call(&url, req.query(query)).await
    }

    /// `PUT /v1/experiments/{name}`: enable, disable, ramp or reconfigure.
    pub async fn experiment_update(
        &self,
        name: &str,
        update: &ExperimentUpdateRequest,
    ) -> Result<ExperimentBody, ClientError> {
        let (url, req) = self.request(Method::PUT, &format!("/v1/experiments/{name}"));
        self.call(&url, req.json(update)).await
    }

    /// `POST /v1/experiments/{name}/results`: publishes one result.
    pub async fn experiment_publish(
        &self,
        name: &str,
        result: &ResultRequest,
    ) -> Result<ResultResponse, ClientError> {
        let path = format!("/v1/experiments/{name}/results");
        let (url, req) = self.request(Method::POST, &path);
        self.call(&url, req.json(result)).await
    }
}
