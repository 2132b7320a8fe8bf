//! Extractors whose rejections are [`ApiError`]s, so that every bad request, even
//! one axum rejects before a handler runs, gets the same body with a stable code
//! and a message that names the field.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use offload_core::experiment::ExperimentName;
use offload_core::{JobId, QueueName};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body parsed with the field path in every error.
#[derive(Debug, Clone)]
pub struct WireJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for WireJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config.body_limit;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::InvalidJson(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(WireJson)
    }
}

/// A JSON body of a published experiment result, held to the smaller
/// `HttpConfig::experiment_body_limit`: results arrive from many services at
/// once, and each is stored whole when it is a mismatch.
#[derive(Debug, Clone)]
pub struct ResultJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ResultJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config.experiment_body_limit;
        let req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::InvalidJson(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ResultJson)
    }
}

/// Parses JSON, telling malformed JSON (`invalid_json`, with line and column) from
/// well-formed JSON with a bad field (`invalid_request`, naming the field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end()
        .map_err(|e| ApiError::InvalidJson(format!("invalid JSON: {e}")))?;
    Ok(value)
}

fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.classify() != serde_json::error::Category::Data {
        return ApiError::InvalidJson(format!("invalid JSON: {inner}"));
    }
    let field = if path == "." { "body".to_owned() } else { path };
    ApiError::invalid(&field, inner.to_string())
}

/// Query parameters, with a rejection that names the parameter.
#[derive(Debug, Clone)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|r| ApiError::invalid("query", r.body_text()))
    }
}

/// The `{id}` of a job route.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub JobId);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::invalid("id", r.body_text()))?;
        let raw = path_param(&params, "id")?;
        raw.parse::<i64>()
            .map(|id| IdPath(JobId(id)))
            .map_err(|_| ApiError::invalid("id", format!("{raw:?} is not a job id (an integer)")))
    }
}

/// The `{name}` of a queue route.
#[derive(Debug, Clone)]
pub struct QueuePath(pub QueueName);

impl<S: Send + Sync> FromRequestParts<S> for QueuePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::invalid("name", r.body_text()))?;
        let raw = path_param(&params, "name")?;
        QueueName::new(raw)
            .map(QueuePath)
            .map_err(|problem| ApiError::invalid("name", problem))
    }
}

/// The `{name}` of an experiment route.
#[derive(Debug, Clone)]
pub struct ExperimentPath(pub ExperimentName);

impl<S: Send + Sync> FromRequestParts<S> for ExperimentPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::invalid("name", r.body_text()))?;
        let raw = path_param(&params, "name")?;
        ExperimentName::new(raw)
            .map(ExperimentPath)
            .map_err(ApiError::from)
    }
}

/// One named path parameter; its absence is a routing bug, not a client error.
pub(crate) fn path_param<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .ok_or_else(|| ApiError::Internal(format!("route has no {{{name}}} parameter")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::JobSpecBody;

    fn field_of(json: &str) -> (String, Option<String>) {
        let err = parse_json::<JobSpecBody>(json.as_bytes()).unwrap_err();
        (err.code().to_string(), err.body().field)
    }

    #[test]
    fn errors_name_the_field_or_the_position() {
        let nested = r#"{"command":["x"],"limits":{"memory":-1}}"#;
        assert_eq!(
            field_of(nested),
            ("invalid_request".into(), Some("limits.memory".into()))
        );
        let unknown = r#"{"command":["x"],"limits":{"memroy":1}}"#;
        assert_eq!(
            field_of(unknown),
            ("invalid_request".into(), Some("limits.memroy".into()))
        );
        let top = r#"{"comand":["x"]}"#;
        assert_eq!(
            field_of(top),
            ("invalid_request".into(), Some("comand".into()))
        );
        let broken = parse_json::<JobSpecBody>(b"{\"command\": [").unwrap_err();
        assert_eq!(broken.code().to_string(), "invalid_json");
        assert!(broken.to_string().contains("line 1 column"), "{broken}");
        let trailing = parse_json::<JobSpecBody>(b"{} x").unwrap_err();
        assert_eq!(trailing.code().to_string(), "invalid_json");
    }
}
