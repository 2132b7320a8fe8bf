//! The test fixture: a temp dir holding a SQLite store and the sandbox's work root,
//! an engine over them, and the router. The temp dir is removed on drop.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::http::{Request, StatusCode, header};
use offload_engine::{Engine, EngineConfig, SystemClock};
use offload_http::client::Client;
use offload_http::{AppState, HttpConfig, router};
use offload_sandbox::{Sandbox, SandboxConfig};
use offload_sqlite::{SqliteConfig, SqliteStore};
use offload_store::JobFilter;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// The bearer token every fixture uses.
pub const TOKEN: &str = "test-token-0123456789";

/// How a fixture is set up.
pub struct Setup {
    /// Engine slots; zero runs nothing, so submitted jobs stay queued.
    pub slots: usize,
    /// HTTP settings.
    pub http: HttpConfig,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            slots: 2,
            http: HttpConfig::default(),
        }
    }
}

/// A running API over a fresh store.
pub struct Fixture {
    pub state: AppState,
    pub engine: Engine,
    _dir: TempDir,
}

/// A response, with the body parsed as JSON where it is JSON.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub bytes: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    /// Asserts an error reply: its status, code, and that the message names `needle`.
    pub fn assert_error(&self, status: u16, code: &str, needle: &str) {
        let body = self.json();
        assert_eq!(self.status.as_u16(), status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "message {message:?} lacks {needle:?}"
        );
    }
}

impl Fixture {
    pub async fn start() -> Fixture {
        Fixture::with(Setup::default()).await
    }

    pub async fn with(setup: Setup) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&dir.path().join("jobs.db"), SqliteConfig::default()).unwrap();
        let sandbox = Sandbox::new(SandboxConfig {
            work_root: dir.path().join("work"),
            ..SandboxConfig::default()
        })
        .unwrap();
        let config = EngineConfig {
            slots: setup.slots,
            ..EngineConfig::default()
        };
        let engine = Engine::start(
            Arc::new(store),
            Arc::new(sandbox),
            Arc::new(SystemClock),
            config,
        );
        let state = AppState::new(engine.clone(), TOKEN, setup.http).unwrap();
        Fixture {
            state,
            engine,
            _dir: dir,
        }
    }

    /// Sends a request with the right token.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|v| v.to_string().into_bytes());
        self.send(method, path, Some(TOKEN), body).await
    }

    /// Sends a request with any token (or none) and any body bytes.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply {
            status,
            content_type,
            bytes,
        }
    }

    /// Submits one job and returns its id, asserting it was created.
    pub async fn submit(&self, job: Value) -> i64 {
        let reply = self.call("POST", "/v1/jobs", Some(job)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json());
        reply.json()["id"].as_i64().unwrap()
    }

    /// Waits for a job to be terminal and returns it.
    pub async fn wait(&self, id: i64) -> Value {
        let reply = self
            .call("GET", &format!("/v1/jobs/{id}/wait?timeout=60s"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        reply.json()
    }

    /// How many jobs the store holds, read directly rather than through the API.
    pub async fn job_count(&self) -> usize {
        let filter = JobFilter {
            limit: 10_000,
            ..JobFilter::default()
        };
        self.engine
            .store()
            .job_list(&filter)
            .await
            .unwrap()
            .jobs
            .len()
    }

    /// Serves the router on 127.0.0.1 and returns a client of it.
    pub async fn serve(&self) -> Client {
        Client::new(&self.serve_url().await, TOKEN).unwrap()
    }

    /// Serves the router on 127.0.0.1 and returns its base URL.
    pub async fn serve_url(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(self.state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }
}
