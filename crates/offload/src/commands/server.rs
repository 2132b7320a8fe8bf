//! `offload server`: the HTTP API and local workers, on the embedded SQLite store
//! or a shared PostgreSQL store.
//!
//! With SQLite one process owns a data dir (it holds an exclusive lock on
//! `DIR/lock`), so at start every job still marked running was orphaned by a dead
//! process and is re-queued at once. With PostgreSQL many servers and workers share
//! the store, and a dead one's jobs are rescued when their leases expire. On SIGTERM
//! or SIGINT the engine stops claiming, lets running jobs finish for the grace
//! period, then kills and re-queues the rest; only then does the HTTP server stop.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use offload_core::WorkerId;
use offload_engine::{Engine, EngineConfig, SystemClock};
use offload_http::TaskRegistry;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::ServerArgs;
use crate::exit::{self, Code};
use crate::token;

/// Runs the server until a signal stops it.
pub async fn run(args: ServerArgs) -> Result<Code> {
    let _lock = prepare_data_dir(&args.data)?;
    let token_path = args
        .token_file
        .clone()
        .unwrap_or_else(|| token::path(&args.data));
    let token = token::load_or_create(&token_path)?;
    // A bad certificate stops the server before anything starts.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(super::tls::server_config(cert, key)?),
        _ => None,
    };
    let engine = start_engine(&args).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    announce(&args, listener.local_addr()?);
    let http = offload_http::HttpConfig {
        body_limit: usize::try_from(args.max_body.0).unwrap_or(usize::MAX),
        ..offload_http::HttpConfig::default()
    };
    let tasks = Arc::new(task_registry(&args)?);
    let state = offload_http::AppState::new(engine.clone(), token, http)
        .context("invalid HTTP settings")?
        .with_tasks(tasks.clone());
    let state = observe(state, &args)?;
    if let Some(addr) = args.metrics_listen {
        serve_metrics(addr, state.clone()).await?;
    }
    tokio::spawn(reload_on_sighup(tasks));
    let router = offload_http::router(state);
    let serving = start_http(listener, router, tls)?;
    serve(serving, engine, args.shutdown_grace.0).await?;
    Ok(exit::OK)
}

async fn start_engine(args: &ServerArgs) -> Result<Engine> {
    let opened = crate::store::open(&args.store, &args.data).await?;
    let sandbox = args.sandbox.sandbox(args.data.join("work"))?;
    let config = EngineConfig {
        slots: args.workers,
        queues: super::worker::queues(args.queues.as_deref())?,
        lease: args.lease.0,
        heartbeat_every: (args.lease.0 / 4).max(Duration::from_millis(100)),
        retention: args.retention.0,
        exclusive_store: opened.exclusive,
        // Only an engine that owns its store reads exit records back, at its next start.
        exit_records: opened.exclusive.then(|| args.data.join("exits")),
        ..engine_defaults()
    };
    Ok(Engine::start(
        opened.store,
        Arc::new(sandbox),
        Arc::new(SystemClock),
        config,
    ))
}

/// Engine defaults with this process's worker id: host name and pid.
pub fn engine_defaults() -> EngineConfig {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "host".into());
    EngineConfig {
        worker: WorkerId(format!("{host}-{}", std::process::id())),
        ..EngineConfig::default()
    }
}

fn task_registry(args: &ServerArgs) -> Result<TaskRegistry> {
    let Some(path) = &args.manifest else {
        return Ok(TaskRegistry::default());
    };
    let registry = TaskRegistry::load(path, args.allow_raw_commands)?;
    if let Some(loaded) = registry.current() {
        let n_tasks = loaded.manifest.tasks.len();
        tracing::info!(path = %path.display(), checksum = %loaded.checksum, n_tasks, "task manifest loaded");
    }
    Ok(registry)
}

/// Adds the dashboard's users and the names `/v1/stats` shows.
fn observe(state: offload_http::AppState, args: &ServerArgs) -> Result<offload_http::AppState> {
    let users = match &args.users {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --users {}", path.display()))?;
            offload_http::dashboard::auth::parse_users(&text)
                .with_context(|| format!("--users {}", path.display()))?
        }
        None => Vec::new(),
    };
    let dashboard = offload_http::dashboard::auth::DashboardConfig {
        users,
        secure_cookie: args.tls_cert.is_some(),
        ..Default::default()
    };
    let observe = offload_http::ObserveConfig {
        worker: engine_defaults().worker.0,
        sandbox_tier: Some(state.engine().sandbox().tier().to_string()),
        ..Default::default()
    };
    Ok(state.with_observe(observe).with_dashboard(dashboard))
}

/// Serves `GET /metrics` without a token on `addr`, until the process ends.
async fn serve_metrics(addr: std::net::SocketAddr, state: offload_http::AppState) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on --metrics-listen {addr}"))?;
    tracing::info!(%addr, "metrics listening");
    let router = offload_http::metrics_router(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(())
}

/// Reloads the manifest on every SIGHUP; a bad file is logged and the old one kept.
async fn reload_on_sighup(tasks: Arc<TaskRegistry>) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangups.recv().await.is_some() {
        match tasks.reload() {
            Ok(loaded) => tracing::info!(checksum = %loaded.checksum, "task manifest reloaded"),
            Err(err) => {
                tracing::error!(error = %err, "manifest reload rejected; the old one stays")
            }
        }
    }
}

/// Creates the data dir (0700) and takes its exclusive lock, held until the server exits.
fn prepare_data_dir(data: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)
        .with_context(|| format!("cannot create the data dir {}", data.display()))?;
    std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data.join("lock"))?;
    match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(lock),
        Err((_, errno)) if errno == nix::errno::Errno::EWOULDBLOCK => {
            bail!(
                "another offload server is using {}; stop it or use another --data",
                data.display()
            )
        }
        Err((_, errno)) => Err(errno).context("cannot lock the data dir"),
    }
}

fn announce(args: &ServerArgs, addr: std::net::SocketAddr) {
    use std::io::Write;
    let token = args
        .token_file
        .clone()
        .unwrap_or_else(|| token::path(&args.data));
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(%addr, scheme, workers = args.workers, data = %args.data.display(), "offload server listening");
    let ca = match &args.tls_cert {
        Some(cert) => format!(" OFFLOAD_CA_CERT={}", cert.display()),
        None => String::new(),
    };
    let text = format!(
        "offload server listening on {scheme}://{addr} with {} workers\n\
         The API token is in {} (mode 0600). To use the CLI:\n  \
         export OFFLOAD_URL={scheme}://{addr} OFFLOAD_TOKEN=$(cat {}){ca}\n",
        args.workers,
        token.display(),
        token.display()
    );
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let _ = std::io::stdout()
        .write_all(text.as_bytes())
        .and_then(|()| std::io::stdout().flush());
}

/// The HTTP server, running, and how to ask it to stop.
struct Serving {
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Stops accepting and lets open requests finish.
    stop: Box<dyn FnOnce() + Send>,
}

/// Serves `router` on `listener`, over TLS when `tls` is given.
fn start_http(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
) -> Result<Serving> {
    // The peer address lets the dashboard throttle failed logins per client.
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let Some(tls) = tls else {
        let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped_rx.await;
        });
        return Ok(Serving {
            task: tokio::spawn(async move { server.await }),
            stop: Box::new(move || {
                let _ = stopped_tx.send(());
            }),
        });
    };
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener.into_std()?, tls)?.handle(handle.clone());
    Ok(Serving {
        task: tokio::spawn(async move { server.serve(app).await }),
        stop: Box::new(move || handle.graceful_shutdown(Some(Duration::from_secs(2)))),
    })
}

async fn serve(serving: Serving, engine: Engine, grace: Duration) -> Result<()> {
    let signal = wait_for_signal().await?;
    tracing::info!(
        signal,
        grace_secs = grace.as_secs_f64(),
        "shutting down: no new jobs start"
    );
    engine.shutdown(grace).await;
    (serving.stop)();
    // Long-polls may hold the HTTP server open; they get a moment, not forever.
    let _ = tokio::time::timeout(Duration::from_secs(2), serving.task).await;
    tracing::info!("offload server stopped");
    Ok(())
}

pub(crate) async fn wait_for_signal() -> Result<&'static str> {
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}
