//! Dashboard logins: who may log in, the sessions they get, and the login throttle.
//!
//! A person logs in with the server's API token (full access) or as a configured
//! user whose password is checked against an argon2 hash; there are no default
//! credentials, so a server with no users admits only its token. A login creates a
//! session: a random id sent as an HttpOnly, SameSite=Strict cookie (Secure behind
//! TLS) and a separate random CSRF token the page must echo in `X-CSRF-Token` on
//! anything that changes state. Failed logins are counted per client address and
//! in total over a sliding minute; past the limit the login answers 429, while the
//! API, which never looks at this throttle, keeps working.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use parking_lot::Mutex;

/// What a logged-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// See and act: cancel, retry, pause, purge.
    Admin,
    /// See only.
    ReadOnly,
}

/// A configured dashboard user.
#[derive(Clone)]
pub struct User {
    /// The login name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// The password's argon2 hash in PHC form (`$argon2id$v=19$...`).
    pub password_hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// How the dashboard admits people.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// Users besides the token; empty admits only the token.
    pub users: Vec<User>,
    /// Mark the session cookie `Secure`: set when serving over TLS.
    pub secure_cookie: bool,
    /// How long a session lasts without use.
    pub session_idle: Duration,
    /// Failed logins allowed per client address per minute.
    pub failures_per_client: usize,
    /// Failed logins allowed in total per minute.
    pub failures_total: usize,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            users: Vec::new(),
            secure_cookie: false,
            session_idle: Duration::from_secs(8 * 3600),
            failures_per_client: 5,
            failures_total: 50,
        }
    }
}

/// A bad users file line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("users file line {line}: {problem}")]
pub struct UsersError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Parses a users file: one `name:role:hash` per line, role `admin` or
/// `read-only`, hash an argon2 PHC string; `#` starts a comment line.
pub fn parse_users(text: &str) -> Result<Vec<User>, UsersError> {
    let mut users = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |problem: &str| UsersError {
            line: i + 1,
            problem: problem.to_owned(),
        };
        let mut parts = line.splitn(3, ':');
        let (Some(name), Some(role), Some(hash)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected name:role:argon2-hash"));
        };
        let role = match role {
            "admin" => Role::Admin,
            "read-only" => Role::ReadOnly,
            _ => return Err(bad("role must be admin or read-only")),
        };
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        PasswordHash::new(hash).map_err(|_| bad("the hash is not an argon2 PHC string"))?;
        users.push(User {
            name: name.to_owned(),
            role,
            password_hash: hash.to_owned(),
        });
    }
    Ok(users)
}

/// One logged-in session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) role: Role,
    pub(crate) csrf: String,
    pub(crate) who: String,
    last_used: Instant,
}

/// Sessions and the login throttle.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<Failures>,
}

#[derive(Debug, Default)]
struct Failures {
    by_client: HashMap<IpAddr, VecDeque<Instant>>,
    all: VecDeque<Instant>,
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Wrong name or password.
    Wrong,
    /// Too many failures lately; try later.
    Throttled,
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

impl Sessions {
    /// Checks credentials and opens a session, returning its id.
    pub(crate) fn login(
        &self,
        config: &DashboardConfig,
        token: &crate::state::Token,
        client: IpAddr,
        name: &str,
        password: &str,
    ) -> Result<String, Refused> {
        if self.throttled(config, client) {
            return Err(Refused::Throttled);
        }
        let Some(role) = check(config, token, name, password) else {
            self.fail(client);
            return Err(Refused::Wrong);
        };
        let id = random_hex();
        let who = if name.is_empty() { "token" } else { name };
        let session = Session {
            role,
            csrf: random_hex(),
            who: who.to_owned(),
            last_used: Instant::now(),
        };
        self.sessions.lock().insert(id.clone(), session);
        Ok(id)
    }

    /// The live session with this id, refreshed; expired ones are removed.
    pub(crate) fn get(&self, config: &DashboardConfig, id: &str) -> Option<Session> {
        let mut sessions = self.sessions.lock();
        let session = sessions.get_mut(id)?;
        if session.last_used.elapsed() > config.session_idle {
            sessions.remove(id);
            return None;
        }
        session.last_used = Instant::now();
        Some(session.clone())
    }

    /// Ends a session.
    pub(crate) fn logout(&self, id: &str) {
        self.sessions.lock().remove(id);
    }

    fn throttled(&self, config: &DashboardConfig, client: IpAddr) -> bool {
        let mut failures = self.failures.lock();
        let minute_ago = Instant::now().checked_sub(Duration::from_secs(60));
        let old = |t: &Instant| minute_ago.is_some_and(|m| *t < m);
        while failures.all.front().is_some_and(old) {
            failures.all.pop_front();
        }
        let total = failures.all.len();
        let mine = failures.by_client.entry(client).or_default();
        while mine.front().is_some_and(old) {
            mine.pop_front();
        }
        mine.len() >= config.failures_per_client || total >= config.failures_total
    }

    fn fail(&self, client: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        failures.all.push_back(now);
        failures.by_client.entry(client).or_default().push_back(now);
    }
}

/// The role these credentials grant: the token (with no name) or a user.
fn check(
    config: &DashboardConfig,
    token: &crate::state::Token,
    name: &str,
    password: &str,
) -> Option<Role> {
    if name.is_empty() {
        return token.matches(password.as_bytes()).then_some(Role::Admin);
    }
    let user = config.users.iter().find(|u| u.name == name)?;
    let hash = PasswordHash::new(&user.password_hash).ok()?;
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .ok()
        .map(|()| user.role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_file_names_the_bad_line() {
        let err = parse_users("# comment\nann:admin:$argon2id$x\nbob:boss:h").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err =
            parse_users("bob:boss:$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")
                .unwrap_err();
        assert!(err.problem.contains("role"), "{err}");
        assert!(parse_users("\n# nobody\n").unwrap().is_empty());
    }
}
