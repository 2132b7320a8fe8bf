//! End-to-end tests of the dashboard in real headless Chromium (Debian's `chromium`
//! and `chromium-driver`), over a real server with a real engine and sandbox.
//!
//! Without Chromium the tests print a loud skip line and pass; `.ci/run` installs
//! it, so CI always runs them. Screenshots of the overview and a job's page are
//! saved under `target/artifacts/` for a person to look at.

mod experiments;
#[path = "../it/fixture.rs"]
#[allow(dead_code)]
mod fixture;
mod webdriver;

use argon2::password_hash::{PasswordHasher, SaltString};
use offload_http::dashboard::auth::{DashboardConfig, Role, User};
use serde_json::json;

use crate::fixture::{Fixture, TOKEN};
use crate::webdriver::{Browser, installed};

const VIEWER_PASSWORD: &str = "viewer-password-42";

fn skip() -> bool {
    if installed() {
        return false;
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED: chromium or chromedriver is not installed; browser tests did not run !!!!!!!!\n"
    );
    true
}

fn viewer() -> User {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(VIEWER_PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    User {
        name: "viewer".into(),
        role: Role::ReadOnly,
        password_hash: hash,
    }
}

/// Serves the fixture's API and dashboard on 127.0.0.1, with a read-only user.
async fn serve(fx: &Fixture) -> String {
    let state = fx.state.clone().with_dashboard(DashboardConfig {
        users: vec![viewer()],
        ..DashboardConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = offload_http::router(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn log_in(browser: &Browser, url: &str, name: &str, password: &str) {
    browser.goto(&format!("{url}/")).await;
    if !name.is_empty() {
        browser.type_into("#name", name).await;
    }
    browser.type_into("#password", password).await;
    browser.click("#submit").await;
    browser
        .until("return !!document.querySelector('#nav-overview')")
        .await;
}

fn artifacts() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artifacts")
}

/// Waits for a job, through the API, to satisfy `done`.
async fn job_until(fx: &Fixture, id: i64, done: impl Fn(&serde_json::Value) -> bool) {
    let wait = async {
        loop {
            let job = fx.call("GET", &format!("/v1/jobs/{id}"), None).await.json();
            if done(&job) {
                return;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), wait)
        .await
        .expect("the job never got there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_login_the_dashboard_and_api_refuse() {
    if skip() {
        return;
    }
    let fx = Fixture::start().await;
    let url = serve(&fx).await;
    let browser = Browser::start(1280, 900).await;
    browser.goto(&format!("{url}/")).await;
    browser
        .until("return !!document.querySelector('form#login')")
        .await;
    browser.goto(&format!("{url}/v1/jobs")).await;
    let body = browser.eval("return document.body.innerText").await;
    assert!(body.as_str().unwrap().contains("unauthorized"), "{body}");
    browser.goto(&format!("{url}/")).await;
    browser.type_into("#password", "not-the-token").await;
    browser.click("#submit").await;
    let error = browser
        .until("return document.querySelector('#error').innerText")
        .await;
    assert!(error.as_str().unwrap().contains("wrong"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_watches_output_live_cancels_retries_and_pauses() {
    if skip() {
        return;
    }
    let fx = Fixture::start().await;
    let url = serve(&fx).await;
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &url, "", TOKEN).await;
    let done = fx
        .submit(json!({"command": ["echo", "warm-up"], "queue": "pq"}))
        .await;
    fx.wait(done).await;
    browser
        .until("return document.querySelectorAll('#charts .chart').length >= 5")
        .await;
    // The overview says which task manifest is in force (none on this server).
    browser
        .until(
            "return document.querySelector('#manifest').textContent.includes('No task manifest')",
        )
        .await;
    browser.screenshot(&artifacts().join("overview.png")).await;

    // A submitted job appears in the list, its output streams in live and its
    // progress fills the bar. The sleep is not exec'd: as the PID namespace's init
    // it would ignore the cancel's SIGTERM and wait for the hard kill.
    let script = r#"echo hello-live; echo "::progress 40 half way" >&3; sleep 300; true"#;
    let id = fx.submit(json!({"command": ["sh", "-c", script]})).await;
    browser.goto(&format!("{url}/#/jobs")).await;
    browser.click(&format!("a[href='#/job/{id}']")).await;
    browser
        .until("return document.querySelector('#output').textContent.includes('hello-live')")
        .await;
    browser
        .until("return document.querySelector('#job-state').textContent === 'running'")
        .await;
    browser
        .until("return document.querySelector('#progress-text').textContent === '40 % half way'")
        .await;
    let width = browser
        .eval("return document.querySelector('#progress').style.width")
        .await;
    assert_eq!(width, "40%");
    browser
        .screenshot(&artifacts().join("job-detail.png"))
        .await;
    browser.click("#cancel").await;
    browser
        .until("return document.querySelector('#job-state').textContent === 'cancelled'")
        .await;

    // A dead letter is retried from its page: it runs a second attempt.
    let failing = fx.submit(json!({"command": ["false"], "retries": 0})).await;
    assert_eq!(fx.wait(failing).await["state"], "failed");
    browser.goto(&format!("{url}/#/dead")).await;
    browser
        .click(&format!("#dead tr[data-id='{failing}'] .retry"))
        .await;
    job_until(&fx, failing, |j| {
        j["attempts"].as_array().unwrap().len() == 2
    })
    .await;

    // A paused queue starts nothing, while another queue goes on.
    browser.goto(&format!("{url}/#/queues")).await;
    browser.click("#queues tr[data-queue='pq'] .toggle").await;
    browser.until("return document.querySelector(\"#queues tr[data-queue='pq']\").innerText.includes('paused')").await;
    let held = fx.submit(json!({"command": ["true"], "queue": "pq"})).await;
    let other = fx
        .submit(json!({"command": ["true"], "queue": "other"}))
        .await;
    assert_eq!(fx.wait(other).await["state"], "succeeded");
    let still = fx
        .call("GET", &format!("/v1/jobs/{held}"), None)
        .await
        .json();
    assert_eq!(still["state"], "queued", "{still}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_sees_but_cannot_cancel() {
    if skip() {
        return;
    }
    let fx = Fixture::start().await;
    let url = serve(&fx).await;
    let id = fx
        .submit(json!({"command": ["sh", "-c", "echo ro; exec sleep 300"]}))
        .await;
    let browser = Browser::start(390, 844).await;
    log_in(&browser, &url, "viewer", VIEWER_PASSWORD).await;
    browser.goto(&format!("{url}/#/job/{id}")).await;
    browser
        .until("return document.querySelector('#output').textContent.includes('ro')")
        .await;
    let disabled = browser
        .until("return document.querySelector('#cancel').disabled")
        .await;
    assert_eq!(disabled, json!(true));
    // Even a forged request with the session's CSRF token is refused.
    let status = browser
        .eval(&format!(
            "const s = await (await fetch('/ui/session')).json();
             const r = await fetch('/v1/jobs/{id}/cancel', {{method: 'POST', headers: {{'X-CSRF-Token': s.csrf}}}});
             return r.status;"
        ))
        .await;
    assert_eq!(status, json!(403));
    let job = fx.call("GET", &format!("/v1/jobs/{id}"), None).await.json();
    assert_eq!(job["state"], "running", "{job}");
    fx.call("POST", &format!("/v1/jobs/{id}/cancel"), None)
        .await;
}
