//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//!
//! Every route in [`crate::routes::routes`] must be listed in `paths(...)` below;
//! the integration test `openapi` fails if one is missing, so the document cannot
//! silently fall behind the router.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "offload", description = "A job server that runs commands in a sandbox."),
    paths(
        healthz, openapi_json, system, metrics, stats,
        submit_one, submit_batch, list_jobs, get_job, wait_job, job_output, job_output_raw,
        cancel_job, job_events,
        dead_list, dead_retry_one, dead_retry_all, dead_purge,
        queue_list, queue_pause, queue_resume, queue_set_concurrency,
        list_tasks, reload_manifest,
        experiment_list, experiment_get, experiment_update, experiment_publish,
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
)]
struct ApiDoc;

/// Declares the bearer-token scheme that every route but `/healthz` requires.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The API's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
