//! Fixtures: a server process on a fresh data dir, and a CLI runner.
//!
//! The tests drive the real binary, so this is the one place outside the sandbox
//! crate that starts processes; the clippy rule is lifted here for that reason.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_offload")
}

/// A command running the binary under test, with no server settings.
pub fn offload() -> Command {
    let mut command = Command::new(bin());
    command
        .env_remove("OFFLOAD_URL")
        .env_remove("OFFLOAD_TOKEN");
    command
}

/// A running `offload server`; killed and its data dir removed on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub token: String,
    pub data: PathBuf,
    // Held open so the server can keep writing to its stdout.
    _stdout: BufReader<std::process::ChildStdout>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on a fresh data dir.
    pub fn start(workers: usize) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut server = Server::start_on(&data, workers);
        server._dir = Some(dir);
        server
    }

    /// Starts a server on `data`, which may hold an earlier server's store.
    pub fn start_on(data: &Path, workers: usize) -> Server {
        Server::spawn(data, workers, &[])
    }

    /// Starts a server on `data` with extra flags.
    pub fn start_on_with(data: &Path, workers: usize, extra: &[&str]) -> Server {
        Server::spawn(data, workers, extra)
    }

    /// Starts a server on a fresh data dir with extra flags.
    pub fn start_with(workers: usize, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut server = Server::spawn(&data, workers, extra);
        server._dir = Some(dir);
        server
    }

    fn spawn(data: &Path, workers: usize, extra: &[&str]) -> Server {
        Server::spawn_logging(data, workers, extra, Stdio::inherit())
    }

    /// Starts a server on a fresh data dir whose log (stderr) goes to `log`.
    pub fn start_logging(workers: usize, extra: &[&str], log: std::fs::File) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut server = Server::spawn_logging(&data, workers, extra, log.into());
        server._dir = Some(dir);
        server
    }

    fn spawn_logging(data: &Path, workers: usize, extra: &[&str], log: Stdio) -> Server {
        let workers = workers.to_string();
        let mut child = Command::new(bin())
            .args(["server", "--listen", "127.0.0.1:0", "--workers", &workers])
            .args(extra)
            .arg("--data")
            .arg(data)
            // --log-level decides, whatever the test runner's environment says.
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        // The first line names the address; reading it is the readiness signal.
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .expect("no address printed")
            .to_owned();
        let token = std::fs::read_to_string(token_path(data, extra)).unwrap();
        Server {
            child,
            url,
            token,
            data: data.to_owned(),
            _stdout: stdout,
            _dir: None,
        }
    }

    /// Runs the CLI against this server.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .args(args)
            .env("OFFLOAD_URL", &self.url)
            .env("OFFLOAD_TOKEN", &self.token)
            .output()
            .unwrap()
    }

    /// Runs the CLI and returns its stdout, failing the test if it failed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "offload {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Sends `signal` to the server process.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses `offload get --json` output.
pub fn job_json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Watches a server's task list until a reload shows.
pub struct ReloadWatch<'a> {
    server: &'a Server,
}

impl<'a> ReloadWatch<'a> {
    pub fn new(server: &'a Server) -> ReloadWatch<'a> {
        ReloadWatch { server }
    }

    /// Asks the server until its first task has `description`. The signal is
    /// handled asynchronously, so this polls the observable result, a bounded
    /// number of times, rather than sleeping for a guessed while.
    pub fn until_description(&mut self, description: &str) {
        for _ in 0..2000 {
            let tasks = job_json(&self.server.ok(&["tasks", "--json"]));
            if tasks["tasks"][0]["description"] == description {
                return;
            }
        }
        panic!("the server never showed a task described {description:?}");
    }
}

/// A job's state as its wire name.
pub fn state_of(job: &offload_http::wire::JobResponse) -> String {
    serde_json::to_value(job.state)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// Where a server started with `extra` flags keeps its token.
fn token_path(data: &Path, extra: &[&str]) -> PathBuf {
    let flag = extra.iter().position(|a| *a == "--token-file");
    flag.map_or_else(|| data.join("token"), |i| PathBuf::from(extra[i + 1]))
}
