//! The suite's fixture: a sandbox at the tier under test, and helpers shared by the attacks.

use std::path::PathBuf;
use std::time::Duration;

use offload_sandbox::{RunResult, RunSpec, Sandbox, SandboxConfig, Tier};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// Fails a hung run instead of hanging the suite; far above anything a passing run takes.
const GUARD: Duration = Duration::from_secs(60);

/// A sandbox at the tier under test, rooted in a temporary directory.
pub struct Fixture {
    pub sandbox: Sandbox,
    pub root: TempDir,
}

/// The tier the suite is asked to run at: T0 or T1 when forced, otherwise the best, which must be
/// T2 on a host where the worker is root and cgroups are usable (the CI host).
pub fn forced_tier() -> Option<Tier> {
    match std::env::var("OFFLOAD_SANDBOX_FORCE_TIER").as_deref() {
        Ok("T0") => Some(Tier::T0),
        Ok("T1") => Some(Tier::T1),
        Ok("T2") | Err(_) => None,
        Ok(other) => panic!("OFFLOAD_SANDBOX_FORCE_TIER={other}: expected T0, T1 or T2"),
    }
}

impl Fixture {
    pub fn new(test: &str) -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let config = SandboxConfig {
            work_root: root.path().join("work"),
            max_tier: forced_tier(),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::new(config).expect("sandbox");
        // A layer missing on CI must fail the suite, not quietly lower the tier under test.
        if forced_tier().is_none() && rustix::process::geteuid().is_root() {
            assert_eq!(
                sandbox.tier(),
                Tier::T2,
                "this host should give T2:\n{}",
                sandbox.capabilities()
            );
        }
        eprintln!("[{test}] running at tier {}", sandbox.tier());
        Self { sandbox, root }
    }

    pub fn tier(&self) -> Tier {
        self.sandbox.tier()
    }

    pub async fn run(&self, spec: RunSpec) -> RunResult {
        tokio::time::timeout(GUARD, self.sandbox.run(spec, CancellationToken::new()))
            .await
            .expect("the run returned")
    }

    /// A directory outside the work root, for planted secrets and targets.
    pub fn outside(&self) -> PathBuf {
        let dir = self.root.path().join("outside");
        std::fs::create_dir_all(&dir).expect("outside dir");
        dir
    }
}

/// A spec that runs `script` with `sh -c`.
pub fn sh(script: &str) -> RunSpec {
    RunSpec {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        ..RunSpec::default()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Compiles a C program with the host's `cc` and returns its binary, to pass as an input file.
pub fn compile(name: &str, source: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, bin) = (dir.path().join(format!("{name}.c")), dir.path().join(name));
    std::fs::write(&src, source).expect("write source");
    // The workspace forbids Command outside the sandbox's spawn module; compiling a test fixture
    // is not running a job.
    #[allow(clippy::disallowed_methods)]
    let status = std::process::Command::new("cc")
        .args(["-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(status.success(), "cc failed for {name}");
    std::fs::read(bin).expect("binary")
}

/// A spec that makes `binary` executable in the work dir and runs it with `args`.
pub fn program(name: &str, binary: Vec<u8>, args: &str) -> RunSpec {
    let mut spec = sh(&format!("chmod +x ./{name} && exec ./{name} {args}"));
    spec.files = vec![(name.into(), binary)];
    spec
}

/// At T0 a promise that only T1 keeps cannot be tested; instead this proves that a strict run is
/// refused there, and says loudly that the attack itself was skipped. Returns whether to skip.
pub async fn t1_only(fx: &Fixture, test: &str) -> bool {
    if fx.tier() >= Tier::T1 {
        return false;
    }
    let mut spec = sh("true");
    spec.isolation = offload_sandbox::Isolation::Strict;
    let result = fx.run(spec).await;
    assert!(
        matches!(
            result.termination,
            offload_sandbox::Termination::SandboxUnavailable(_)
        ),
        "a strict run at T0 must be refused, got {:?}",
        result.termination
    );
    eprintln!(
        "[{test}] SKIPPED AT T0: this containment needs T1; a strict run was refused instead"
    );
    true
}

/// A token unique to one test, for marking a job's processes through its environment.
pub fn marker(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

/// Adds `OFFLOAD_MARKER=<marker>` to the job's environment; every descendant inherits it.
pub fn marked(mut spec: RunSpec, marker: &str) -> RunSpec {
    spec.env.push(("OFFLOAD_MARKER".into(), marker.into()));
    spec
}

/// Pids of live (non-zombie) processes whose environment carries `marker`.
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
