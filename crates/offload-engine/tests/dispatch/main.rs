//! Dispatcher tests: real manifests, the real sandbox and real processes.
//!
//! Tests wait for the dispatch to return and read the order of events; none sleeps to wait
//! and none asserts a duration. Concurrency is proven with a fifo that only a concurrent
//! reader and writer can get through.

mod modes;
mod order;
mod report;
mod watchdog;

use std::path::Path;

use offload_core::manifest::Manifest;
use offload_engine::dispatch::{DispatchConfig, Event, Report, dispatch};
use offload_sandbox::{Sandbox, SandboxConfig};
use tokio::sync::mpsc;

/// A sandbox over a fresh temporary directory, kept alive with it.
pub struct Fixture {
    /// The sandbox under test.
    pub sandbox: Sandbox,
    /// Holds the work root and any files the tasks share.
    pub dir: tempfile::TempDir,
}

impl Default for Fixture {
    /// A fresh sandbox.
    fn default() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        // Tasks here talk through files and fifos in this shared dir: T1's private
        // root would hide it, and each run has its own uid, so the dir is open to all.
        let open = std::os::unix::fs::PermissionsExt::from_mode(0o777);
        std::fs::set_permissions(dir.path(), open).unwrap();
        let config = SandboxConfig {
            work_root: dir.path().join("work"),
            max_tier: Some(offload_sandbox::Tier::T0),
            ..SandboxConfig::default()
        };
        Fixture {
            sandbox: Sandbox::new(config).unwrap(),
            dir,
        }
    }
}

impl Fixture {
    /// A path inside the fixture's directory, as a string for commands.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Runs `manifest` and returns the report and every event, in order.
    pub async fn run(&self, manifest: &str, mut config: DispatchConfig) -> (Report, Vec<Event>) {
        let manifest = Manifest::parse(manifest).unwrap_or_else(|err| panic!("{err}\n{manifest}"));
        let (tx, mut rx) = mpsc::unbounded_channel();
        config.events = Some(tx);
        let report = dispatch(&self.sandbox, &manifest, &config).await.unwrap();
        drop(config);
        let mut events = Vec::new();
        while let Some(event) = rx.recv().await {
            events.push(event);
        }
        (report, events)
    }
}

/// One `[[task]]` table whose command is a shell script.
pub fn task(id: &str, script: &str, extra: &str) -> String {
    // Each run has its own uid, so files one task makes must stay writable by the next.
    let script = format!("umask 000; {script}");
    let script = script.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "[[task]]\nid = \"{id}\"\ndescription = \"{id}\"\ncommand = [\"/bin/sh\", \"-c\", \"{script}\"]\n{extra}\n"
    )
}

/// A manifest of the given tasks (already sorted by id).
pub fn manifest(tasks: &[String]) -> String {
    format!(
        "version = 1\n[defaults]\ntimeout = \"20s\"\n[concurrency_class.solo]\nmax = 1\n{}",
        tasks.concat()
    )
}

/// Creates a fifo at `path`.
pub fn mkfifo(path: &str) {
    // Open to every uid: each run has its own.
    nix::unistd::mkfifo(
        Path::new(path),
        nix::sys::stat::Mode::from_bits_truncate(0o666),
    )
    .unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
}

/// The position of the first event for `task` with `status`.
pub fn position(events: &[Event], task: &str, status: offload_engine::dispatch::Status) -> usize {
    events
        .iter()
        .position(|event| event.task == task && event.status == status)
        .unwrap_or_else(|| panic!("no {status:?} event for {task}: {events:?}"))
}
