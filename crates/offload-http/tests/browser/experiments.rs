//! The Experiments page: a mismatch published through the API appears side by
//! side, an admin ramps and disables, and a read-only user can do neither.

use serde_json::{Value, json};

use super::{VIEWER_PASSWORD, artifacts, log_in, serve, skip};
use crate::fixture::{Fixture, TOKEN};
use crate::webdriver::Browser;

async fn publish(fx: &Fixture, candidate: Value) {
    let body = json!({
        "control": {"value": {"total": 5, "items": ["a", "b"]}, "error": null, "duration_ms": 12.5},
        "candidates": [{"name": "rewrite", "value": candidate, "error": null, "duration_ms": 4.0}],
        "context": {"order": 42},
    });
    let reply = fx
        .call("POST", "/v1/experiments/pricing/results", Some(body))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.json());
}

async fn settings(fx: &Fixture) -> Value {
    let report = fx.call("GET", "/v1/experiments/pricing", None).await.json();
    report["experiment"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_a_mismatch_side_by_side_then_ramps_and_disables() {
    if skip() {
        return;
    }
    let fx = Fixture::start().await;
    let url = serve(&fx).await;
    publish(&fx, json!({"total": 5, "items": ["a", "b"]})).await;
    publish(&fx, json!({"total": 6, "items": ["a", "b"]})).await;
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &url, "", TOKEN).await;
    browser.goto(&format!("{url}/#/experiments")).await;
    let row = "#experiments tr[data-experiment='pricing']";
    let text = browser
        .until(&format!(
            "return document.querySelector(\"{row}\")?.innerText"
        ))
        .await;
    assert!(text.as_str().unwrap().contains("50.0 %"), "{text}");
    browser.click(&format!("{row} a")).await;
    // The changed line is marked on both sides; the unchanged ones are not.
    let removed = browser
        .until("return document.querySelector('#exp-mismatches td.l.del')?.innerText")
        .await;
    assert!(
        removed.as_str().unwrap().contains("\"total\": 5"),
        "{removed}"
    );
    let added = browser
        .eval("return document.querySelector('#exp-mismatches td.r.add').innerText")
        .await;
    assert!(added.as_str().unwrap().contains("\"total\": 6"), "{added}");
    let marked = browser
        .eval("return document.querySelectorAll('#exp-mismatches td.del, #exp-mismatches td.add').length")
        .await;
    assert_eq!(marked, json!(2), "only the total differs");
    browser
        .until("return document.querySelector('#exp-latency').innerText.includes('rewrite')")
        .await;
    browser
        .screenshot(&artifacts().join("experiment.png"))
        .await;

    // An out-of-range ramp is refused with the server's message; a good one applies.
    browser.type_into("#exp-percent", "250").await;
    browser.click("#exp-ramp").await;
    let error = browser
        .until("return document.querySelector('#exp-error').innerText")
        .await;
    assert!(error.as_str().unwrap().contains("from 0 to 100"), "{error}");
    assert_eq!(settings(&fx).await["percent"], 100.0);
    browser.goto(&format!("{url}/#/experiments")).await;
    browser.click(&format!("{row} a")).await;
    browser.type_into("#exp-percent", "25").await;
    browser.click("#exp-ramp").await;
    browser
        .until("return document.querySelector('#exp-percent-now').innerText === '25 %'")
        .await;
    assert_eq!(settings(&fx).await["percent"], 25.0);
    browser.click("#exp-toggle").await;
    browser
        .until("return document.querySelector('#exp-state').innerText === 'disabled'")
        .await;
    assert_eq!(settings(&fx).await["enabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_sees_experiments_but_cannot_ramp() {
    if skip() {
        return;
    }
    let fx = Fixture::start().await;
    let url = serve(&fx).await;
    publish(&fx, json!({"total": 7})).await;
    let browser = Browser::start(390, 844).await;
    log_in(&browser, &url, "viewer", VIEWER_PASSWORD).await;
    browser.goto(&format!("{url}/#/experiment/pricing")).await;
    browser
        .until("return document.querySelectorAll('#exp-mismatches table.diff').length === 1")
        .await;
    let disabled = browser
        .eval("return [document.querySelector('#exp-ramp').disabled, document.querySelector('#exp-toggle').disabled]")
        .await;
    assert_eq!(disabled, json!([true, true]));
    let status = browser
        .eval(
            "const s = await (await fetch('/ui/session')).json();
             const r = await fetch('/v1/experiments/pricing', {method: 'PUT',
               headers: {'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json'},
               body: JSON.stringify({enabled: false})});
             return r.status;",
        )
        .await;
    assert_eq!(status, json!(403));
    assert_eq!(settings(&fx).await["enabled"], true);
}
