//! The offload HTTP API: axum routes over an [`offload_engine::Engine`], the JSON
//! wire types, the OpenAPI document and a typed client.
//!
//! This crate is the only one that knows how offload looks on the wire. Requests
//! are parsed into the types in [`wire`], converted to `offload-core` types at the
//! edge, and validated by `offload_core::validate` inside `Engine::submit`, so a
//! bad request names its field and its limit and writes nothing. Every failure is
//! an [`ApiError`] with a stable [`wire::ErrorCode`]; internal errors are logged and
//! answered with a generic message.
//!
//! Every route except `GET /healthz` needs `Authorization: Bearer <token>`.
//! [`router`] builds the routes from one table, [`routes`], which the OpenAPI
//! completeness test also reads. The [`client::Client`] speaks the same wire types.

pub mod client;
pub mod dashboard;
mod error;
mod extract;
mod observe;
mod openapi;
mod routes;
mod state;
mod tasks;
pub mod wire;

pub use error::ApiError;
pub use extract::parse_json;
pub use observe::{JournalConfig, ObserveConfig};
pub use openapi::document as openapi_document;
pub use routes::{Access, RouteInfo, Verb, metrics_router, router, routes};
pub use state::{AppState, HttpConfig, StateError};
pub use tasks::{LoadedManifest, RegistryError, TaskRegistry};
