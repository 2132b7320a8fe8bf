//! Every route but `/healthz` needs the bearer token.

use serde_json::json;

use crate::fixture::{Fixture, TOKEN};

#[tokio::test]
async fn healthz_answers_without_a_token() {
    let fx = Fixture::start().await;
    let reply = fx.send("GET", "/healthz", None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(&reply.bytes[..], b"ok");
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_401_and_write_nothing() {
    let fx = Fixture::start().await;
    let job = Some(json!({"command": ["true"]}).to_string().into_bytes());
    let wrong = format!("{TOKEN}x");
    for token in [None, Some("nope"), Some(wrong.as_str()), Some("")] {
        let reply = fx.send("POST", "/v1/jobs", token, job.clone()).await;
        reply.assert_error(401, "unauthorized", "bearer token");
        let reply = fx.send("GET", "/v1/openapi.json", token, None).await;
        reply.assert_error(401, "unauthorized", "bearer token");
    }
    assert_eq!(fx.job_count().await, 0);
}

#[tokio::test]
async fn the_right_token_is_admitted() {
    let fx = Fixture::start().await;
    let reply = fx.send("GET", "/v1/jobs", Some(TOKEN), None).await;
    assert_eq!(reply.status, 200, "{}", reply.json());
}

#[tokio::test]
async fn a_basic_auth_header_with_the_token_is_refused() {
    let fx = Fixture::start().await;
    let req = axum::http::Request::builder()
        .uri("/v1/jobs")
        .header("authorization", format!("Basic {TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(offload_http::router(fx.state.clone()), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

/// Posts the dashboard's login form and returns the status.
async fn dashboard_login(fx: &Fixture, password: &str) -> u16 {
    use tower::ServiceExt;
    let request = axum::http::Request::post("/ui/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("name=&password={password}")))
        .unwrap();
    let router = offload_http::router(fx.state.clone());
    router.oneshot(request).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_login_flood_is_throttled_while_the_api_keeps_working() {
    let fx = Fixture::start().await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(dashboard_login(&fx, "guess").await);
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // While throttled, even the right password is refused…
    assert_eq!(dashboard_login(&fx, TOKEN).await, 429);
    // …and the bearer-token API is not affected at all.
    assert_eq!(fx.call("GET", "/v1/queues", None).await.status, 200);
}
