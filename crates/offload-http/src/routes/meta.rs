//! The health check and the OpenAPI document.

use axum::Json;

use crate::openapi::document;

/// Answers "ok" without authentication, for load balancers and supervisors.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses((status = 200, content_type = "text/plain", body = String)))]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// The isolation this server can give: every sandbox mechanism, whether it works
/// on this host and why not, and the best tier (the same table as `offload doctor`).
#[utoipa::path(get, path = "/v1/system", tag = "meta",
    responses((status = 200, description = "The sandbox capabilities", body = Object)))]
pub(crate) async fn system(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
) -> Json<serde_json::Value> {
    let sandbox = state.engine.sandbox();
    let mut table = serde_json::to_value(sandbox.capabilities()).unwrap_or_default();
    table["tier_in_use"] = serde_json::Value::String(sandbox.tier().to_string());
    Json(table)
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
