//! What every handler shares: the engine, the bearer token and the HTTP settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use offload_engine::Engine;

use crate::dashboard::auth::{DashboardConfig, Sessions};
use crate::observe::{ObserveConfig, Observer};

/// Settings of the HTTP layer; the defaults suit a server on one machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The largest request body accepted, in bytes; larger bodies get 413.
    pub body_limit: usize,
    /// The largest published experiment result accepted, in bytes; larger get 413.
    pub experiment_body_limit: usize,
    /// How long `wait` waits when the request does not say.
    pub default_wait: Duration,
    /// The longest `wait` a request may ask for; longer gets 400.
    pub max_wait: Duration,
    /// The page size of listings when the request does not say.
    pub default_page: u32,
    /// The largest page a request may ask for; larger gets 400.
    pub max_page: u32,
    /// How often an event stream re-reads its job from the store, to see changes made
    /// by other processes, whose events do not reach this server's bus.
    pub events_recheck: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            body_limit: 32 << 20,
            experiment_body_limit: 1 << 20,
            default_wait: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
            default_page: 100,
            max_page: 500,
            events_recheck: Duration::from_secs(1),
        }
    }
}

/// The state of the router: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub(crate) engine: Engine,
    pub(crate) token: Arc<Token>,
    pub(crate) config: Arc<HttpConfig>,
    pub(crate) tasks: Arc<crate::tasks::TaskRegistry>,
    pub(crate) observer: Arc<Observer>,
    pub(crate) observe_config: Arc<ObserveConfig>,
    pub(crate) dashboard: Arc<DashboardConfig>,
    pub(crate) sessions: Arc<Sessions>,
}

/// An invalid [`AppState`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// An empty token would let every request in.
    #[error("token: must not be empty")]
    EmptyToken,
}

impl AppState {
    /// Serves `engine`, admitting requests that carry `token` as their bearer token.
    pub fn new(
        engine: Engine,
        token: impl Into<String>,
        config: HttpConfig,
    ) -> Result<AppState, StateError> {
        let token = token.into();
        if token.is_empty() {
            return Err(StateError::EmptyToken);
        }
        Ok(AppState {
            token: Arc::new(Token(token)),
            config: Arc::new(config),
            tasks: Arc::default(),
            observer: Arc::new(Observer::start(&engine, &ObserveConfig::default())),
            observe_config: Arc::default(),
            dashboard: Arc::default(),
            sessions: Arc::default(),
            engine,
        })
    }

    /// Serves the tasks of `registry` (a task manifest) besides raw commands.
    pub fn with_tasks(mut self, registry: Arc<crate::tasks::TaskRegistry>) -> AppState {
        self.tasks = registry;
        self
    }

    /// Observes the engine with `config` (journal sizes, lag probe, labels) instead
    /// of the defaults; the observers started by [`AppState::new`] stop.
    pub fn with_observe(mut self, config: ObserveConfig) -> AppState {
        self.observer = Arc::new(Observer::start(&self.engine, &config));
        self.observe_config = Arc::new(config);
        self
    }

    /// Admits dashboard logins as `config` says (users, cookie flags, throttle).
    pub fn with_dashboard(mut self, config: DashboardConfig) -> AppState {
        self.dashboard = Arc::new(config);
        self
    }

    /// The engine this state serves.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The HTTP settings.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The bearer token. It has no `Debug` output of its own, so it never reaches a log.
pub(crate) struct Token(String);

impl Token {
    /// Compares in time that depends only on the lengths, never on where the first
    /// difference is, so the token cannot be guessed byte by byte.
    pub(crate) fn matches(&self, given: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), given)
    }
}

pub(crate) fn constant_time_eq(expected: &[u8], given: &[u8]) -> bool {
    let mut diff = u8::from(expected.len() != given.len());
    for (i, e) in expected.iter().enumerate() {
        diff |= e ^ given.get(i).copied().unwrap_or(!e);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_only_when_every_byte_and_the_length_match() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"secret", b"secre"));
        assert!(!constant_time_eq(b"secret", b""));
    }
}
