//! `/v1/experiments`: publishing results, the report, enable/disable/ramp, the
//! metrics, and bad input that names its field and records nothing.

use offload_http::HttpConfig;
use serde_json::{Value, json};

use crate::fixture::{Fixture, Reply, Setup, TOKEN};
use crate::openmetrics::parse;

fn result(control: Value, candidate: Value) -> Value {
    let mut body = json!({
        "control": {"error": null, "duration_ms": 10.0},
        "candidates": [{"name": "new", "error": null, "duration_ms": 30.0}],
        "context": {"user": 7},
    });
    body["control"]["value"] = control;
    body["candidates"][0]["value"] = candidate;
    body
}

async fn publish(fx: &Fixture, name: &str, body: Value) -> Reply {
    fx.call(
        "POST",
        &format!("/v1/experiments/{name}/results"),
        Some(body),
    )
    .await
}

async fn report(fx: &Fixture, name: &str) -> Value {
    let reply = fx
        .call("GET", &format!("/v1/experiments/{name}"), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.json());
    reply.json()
}

async fn experiment_count(fx: &Fixture) -> usize {
    let list = fx.call("GET", "/v1/experiments", None).await.json();
    list["experiments"].as_array().unwrap().len()
}

#[tokio::test]
async fn published_results_make_a_report_with_rates_fields_latency_and_both_outputs() {
    let fx = Fixture::start().await;
    let same = publish(
        &fx,
        "checkout",
        result(json!({"total": 5}), json!({"total": 5.0})),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.json());
    assert_eq!(same.json()["candidates"][0]["matched"], true);
    let items = |p: i64| json!({"items": [{"price": 1}, {"price": p}], "total": 1});
    for price in [2, 3] {
        let differs = publish(&fx, "checkout", result(items(1), items(price))).await;
        let verdict = &differs.json()["candidates"][0];
        assert_eq!(verdict["matched"], false, "{verdict}");
        assert_eq!(verdict["fields"], json!(["/items/*/price"]));
    }
    let report = report(&fx, "checkout").await;
    let experiment = &report["experiment"];
    assert_eq!(
        (
            experiment["matched"].as_u64(),
            experiment["mismatched"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(
        experiment["enabled"], true,
        "created enabled by its first result"
    );
    assert_eq!(experiment["percent"], 100.0);
    let minute = &report["timeline"][0];
    assert_eq!(
        (minute["matched"].as_u64(), minute["mismatched"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        report["signatures"].as_array().unwrap().len(),
        1,
        "one kind of mismatch"
    );
    assert_eq!(report["signatures"][0]["count"], 2);
    assert_eq!(
        report["top_fields"][0],
        json!({"field": "/items/*/price", "count": 2})
    );
    let latency: Vec<_> = report["latency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["behaviour"].clone())
        .collect();
    assert_eq!(latency, vec![json!("control"), json!("new")]);
    let p50 = report["latency"][1]["p50_ms"].as_f64().unwrap();
    assert!((p50 / 30.0 - 1.0).abs() < 0.11, "candidate p50 {p50}");
    let newest = &report["mismatches"][0];
    assert_eq!(newest["control"]["value"], items(1));
    assert_eq!(newest["candidate_result"]["value"], items(3));
    assert_eq!(newest["candidate"], "new");
    assert_eq!(newest["context"], json!({"user": 7}));
}

#[tokio::test]
async fn ramp_disable_and_the_sample_rate_decide_what_is_recorded_and_counted() {
    let fx = Fixture::start().await;
    let put = |body: Value| fx.call("PUT", "/v1/experiments/ramped", Some(body));
    let set = put(json!({"percent": 0})).await;
    assert_eq!(set.status, 200, "{}", set.json());
    assert_eq!(
        (
            set.json()["percent"].as_f64(),
            set.json()["enabled"].as_bool()
        ),
        (Some(0.0), Some(true))
    );
    let out = publish(&fx, "ramped", result(json!(1), json!(2)))
        .await
        .json();
    assert_eq!(
        (out["recorded"].as_bool(), out["skipped"].as_str()),
        (Some(false), Some("sampled_out"))
    );
    put(json!({"percent": 100, "enabled": false})).await;
    let off = publish(&fx, "ramped", result(json!(1), json!(2)))
        .await
        .json();
    assert_eq!(off["skipped"], "disabled");
    put(json!({"enabled": true})).await;
    let on = publish(&fx, "ramped", result(json!(1), json!(2)))
        .await
        .json();
    assert_eq!(on["recorded"], true);
    let summary = &report(&fx, "ramped").await["experiment"];
    assert_eq!(
        (summary["matched"].as_u64(), summary["mismatched"].as_u64()),
        (Some(0), Some(1))
    );
    let text = String::from_utf8(fx.call("GET", "/metrics", None).await.bytes.to_vec()).unwrap();
    let metrics = parse(&text).unwrap();
    let count = |result: &str| {
        let labels = [("experiment", "ramped"), ("result", result)];
        metrics.value("offload_experiment_observations_total", &labels)
    };
    assert_eq!(
        [
            count("sampled_out"),
            count("disabled"),
            count("mismatch"),
            count("match")
        ],
        [1.0, 1.0, 1.0, 0.0]
    );
}

#[tokio::test]
async fn the_configured_comparison_and_normalization_are_used() {
    let fx = Fixture::start().await;
    let lines = json!({"comparison": "lines", "normalize": [r"took \d+ms"]});
    assert_eq!(
        fx.call("PUT", "/v1/experiments/cli", Some(lines))
            .await
            .status,
        200
    );
    let out = publish(
        &fx,
        "cli",
        result(json!("ok took 5ms\n"), json!("ok took 9ms  \n\n")),
    )
    .await;
    assert_eq!(
        out.json()["candidates"][0]["matched"],
        true,
        "{}",
        out.json()
    );
    let out = publish(&fx, "cli", result(json!("a\nb"), json!("a\nc"))).await;
    assert_eq!(out.json()["candidates"][0]["fields"], json!(["+c", "-b"]));
}

#[tokio::test]
async fn a_percent_outside_0_to_100_names_the_field_and_the_range() {
    let fx = Fixture::start().await;
    for bad in [json!(100.5), json!(-1)] {
        let reply = fx
            .call("PUT", "/v1/experiments/e", Some(json!({"percent": bad})))
            .await;
        reply.assert_error(400, "invalid_request", "from 0 to 100");
        assert_eq!(reply.json()["field"], "percent");
    }
    assert_eq!(experiment_count(&fx).await, 0, "nothing was created");
    let regex = fx
        .call(
            "PUT",
            "/v1/experiments/e",
            Some(json!({"normalize": ["("]})),
        )
        .await;
    regex.assert_error(400, "invalid_request", "regular expression");
    assert_eq!(regex.json()["field"], "normalize[0]");
}

#[tokio::test]
async fn bad_results_name_their_field_and_record_nothing() {
    let fx = Fixture::start().await;
    let mut duplicate = result(json!(1), json!(1));
    let twin = duplicate["candidates"][0].clone();
    duplicate["candidates"].as_array_mut().unwrap().push(twin);
    let cases = [
        (duplicate, "candidates[1].name", "unique"),
        (
            json!({"candidates": [{"name": "new", "value": 1, "duration_ms": 1}]}),
            "control",
            "required",
        ),
        (
            json!({"control": {"value": 1, "duration_ms": 1}, "candidates": []}),
            "candidates",
            "1 to 16",
        ),
        (
            json!({"control": {"value": 1, "duration_ms": -5}, "candidates": [{"name": "n", "duration_ms": 1}]}),
            "control.duration_ms",
            "out of range",
        ),
        (
            json!({"control": {"value": 1, "duration_ms": 1}, "candidats": []}),
            "candidats",
            "unknown field",
        ),
    ];
    for (body, field, needle) in cases {
        let reply = publish(&fx, "e", body).await;
        reply.assert_error(400, "invalid_request", needle);
        assert_eq!(reply.json()["field"], field);
    }
    for name in ["bad%20name", "x%2Fy", &"x".repeat(65)] {
        let reply = publish(&fx, name, result(json!(1), json!(1))).await;
        reply.assert_error(400, "invalid_request", "is not a name");
        assert_eq!(reply.json()["field"], "name");
    }
    assert_eq!(experiment_count(&fx).await, 0);
    let missing = fx.call("GET", "/v1/experiments/nope", None).await;
    missing.assert_error(404, "not_found", "experiment nope");
}

#[tokio::test]
async fn an_oversized_result_gets_413_naming_the_limit() {
    let http = HttpConfig {
        experiment_body_limit: 2048,
        ..HttpConfig::default()
    };
    let fx = Fixture::with(Setup {
        http,
        ..Setup::default()
    })
    .await;
    let big = result(json!("x".repeat(4000)), json!(1));
    let reply = fx
        .send(
            "POST",
            "/v1/experiments/e/results",
            Some(TOKEN),
            Some(big.to_string().into_bytes()),
        )
        .await;
    reply.assert_error(413, "payload_too_large", "2048 bytes");
    assert_eq!(experiment_count(&fx).await, 0);
    // A job body of the same size is still under the general limit.
    let job = json!({"command": ["echo", "x".repeat(4000)]});
    assert_eq!(fx.call("POST", "/v1/jobs", Some(job)).await.status, 201);
}

/// Sends `method path` through `state`'s router with a session cookie and
/// CSRF token, as the dashboard page does.
async fn as_session(
    state: &offload_http::AppState,
    cookie: &str,
    csrf: &str,
    method: &str,
    path: &str,
    body: Value,
) -> u16 {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let router = offload_http::router(state.clone());
    router.oneshot(request).await.unwrap().status().as_u16()
}

/// Logs `name` in through the login form and returns its cookie and CSRF token.
async fn log_in(state: &offload_http::AppState, name: &str, password: &str) -> (String, String) {
    use tower::ServiceExt;
    let form = format!("name={name}&password={password}");
    let request = axum::http::Request::post("/ui/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(form))
        .unwrap();
    let resp = offload_http::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let set = resp.headers()["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let request = axum::http::Request::get("/ui/session")
        .header("cookie", &cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = offload_http::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let session: Value = serde_json::from_slice(&bytes).unwrap();
    (cookie, session["csrf"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_read_only_user_may_read_but_not_ramp() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use offload_http::dashboard::auth::{DashboardConfig, Role, User};
    let fx = Fixture::start().await;
    let salt = SaltString::encode_b64(b"experiments-salt").unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(b"pw-viewer", &salt)
        .unwrap();
    let viewer = User {
        name: "viewer".into(),
        role: Role::ReadOnly,
        password_hash: hash.to_string(),
    };
    let state = fx.state.clone().with_dashboard(DashboardConfig {
        users: vec![viewer],
        ..DashboardConfig::default()
    });
    publish(&fx, "e", result(json!(1), json!(1))).await;
    let (cookie, csrf) = log_in(&state, "viewer", "pw-viewer").await;
    let read = as_session(
        &state,
        &cookie,
        &csrf,
        "GET",
        "/v1/experiments/e",
        Value::Null,
    )
    .await;
    assert_eq!(read, 200);
    let ramp = json!({"percent": 5});
    let put = as_session(&state, &cookie, &csrf, "PUT", "/v1/experiments/e", ramp).await;
    assert_eq!(put, 403);
    assert_eq!(report(&fx, "e").await["experiment"]["percent"], 100.0);
    let (admin, admin_csrf) = log_in(&state, "", TOKEN).await;
    let ramp = json!({"percent": 5});
    assert_eq!(
        as_session(
            &state,
            &admin,
            &admin_csrf,
            "PUT",
            "/v1/experiments/e",
            ramp.clone()
        )
        .await,
        200
    );
    assert_eq!(
        as_session(&state, &admin, "forged", "PUT", "/v1/experiments/e", ramp).await,
        403
    );
    assert_eq!(report(&fx, "e").await["experiment"]["percent"], 5.0);
}
