//! Test fixtures: a sandbox rooted in a temporary directory, spec builders, and a `/proc` scan
//! that finds processes left over from a run.

use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use offload_sandbox::{RunResult, RunSpec, Sandbox, SandboxConfig, Tier};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// A variable the test process has and no job may see.
pub const SECRET_NAME: &str = "OFFLOAD_TEST_SECRET";
pub const SECRET_VALUE: &str = "hunter2-do-not-leak";

/// Fails a hung run instead of hanging the suite; far above anything a passing run takes.
const GUARD: Duration = Duration::from_secs(60);

/// A sandbox whose work root lives in a temporary directory that is removed on drop.
pub struct Fixture {
    pub sandbox: Sandbox,
    root: TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        plant_secret();
        let root = tempfile::tempdir().expect("temp dir");
        // These are the baseline's tests; the attack suite covers the higher tiers.
        let config = SandboxConfig {
            work_root: root.path().join("work"),
            max_tier: Some(Tier::T0),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::new(config).expect("sandbox");
        Self { sandbox, root }
    }

    /// Runs `spec` with a fresh cancellation token.
    pub async fn run(&self, spec: RunSpec) -> RunResult {
        self.run_with(spec, CancellationToken::new()).await
    }

    pub async fn run_with(&self, spec: RunSpec, cancel: CancellationToken) -> RunResult {
        tokio::time::timeout(GUARD, self.sandbox.run(spec, cancel))
            .await
            .expect("the run returned")
    }

    pub fn work_root(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Entries left in the work root; every run must remove its own directory.
    pub fn leftovers(&self) -> usize {
        std::fs::read_dir(self.work_root())
            .expect("work root exists")
            .count()
    }

    /// A scratch directory outside the work root, removed with the fixture.
    pub fn outside(&self) -> PathBuf {
        let dir = self.root.path().join("outside");
        std::fs::create_dir_all(&dir).expect("outside dir");
        dir
    }
}

/// Puts the secret into the test process's environment exactly once. Every test builds its
/// fixture first, so the other test threads are blocked on the `Once` rather than reading the
/// environment while it changes.
fn plant_secret() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: see above; no other thread reads the environment during this call.
        unsafe { std::env::set_var(SECRET_NAME, SECRET_VALUE) };
    });
}

/// A spec that runs `script` with `sh -c`.
pub fn sh(script: &str) -> RunSpec {
    RunSpec {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        ..RunSpec::default()
    }
}

/// A token unique to one test in this run of the suite, for marking a job's processes.
pub fn marker() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "m{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Adds `OFFLOAD_MARKER=<marker>` to the job's environment; every descendant inherits it.
pub fn marked(mut spec: RunSpec, marker: &str) -> RunSpec {
    spec.env.push(("OFFLOAD_MARKER".into(), marker.into()));
    spec
}

/// Pids of live processes whose environment carries `marker`.
pub fn survivors(marker: &str) -> Vec<i32> {
    let needle = format!("OFFLOAD_MARKER={marker}\0").into_bytes();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if environ
            .windows(needle.len())
            .any(|w| w == needle.as_slice())
        {
            found.push(pid);
        }
    }
    found
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
