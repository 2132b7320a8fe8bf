//! The sandbox's configuration and construction: where work directories live and which parts of
//! the worker's environment a job may see.
//!
//! The work root is checked once, here, so each run only has to create a directory inside it. It
//! must be a real directory owned by us with mode 0700: under a shared `/tmp`, anyone could
//! otherwise pre-create it as a symlink and have jobs' files written wherever it points.

use std::fs::{self, DirBuilder};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cgroup::T2Resources;
use crate::detect::{Capabilities, detect};
use crate::error::SandboxError;
use crate::outcome::Tier;
use crate::rootfs::{DEFAULT_RUNTIME_PATHS, T1Resources};
use crate::uids::UidPool;

/// How a [`Sandbox`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Directory under which each run gets its own fresh work directory; created with mode 0700.
    pub work_root: PathBuf,
    /// Names of worker environment variables copied into every job's environment; everything
    /// else in the worker's environment is withheld.
    pub env_allow: Vec<String>,
    /// The highest tier to use even when the host gives more; `None` means the best available.
    /// Tests use it to force T0.
    pub max_tier: Option<Tier>,
    /// Whether runs may ask for `Isolation::None`.
    pub allow_isolation_none: bool,
    /// Whether runs may ask for `Network::Host`.
    pub allow_host_network: bool,
    /// Host paths visible read-only at T1, mirrored at the same place; missing ones are skipped.
    pub runtime_paths: Vec<PathBuf>,
    /// Size cap of the T1 `/tmp` (and `/dev/shm`) tmpfs, in bytes.
    pub tmp_size: u64,
    /// First uid of the pool of per-run uids used when the worker is root.
    pub run_uid_base: u32,
    /// Number of uids in that pool, which bounds concurrent runs.
    pub run_uid_count: u32,
    /// The nice value jobs run at, 0 to 19 (never below the worker's own); a job cannot lower
    /// it again. Jobs always run as `SCHED_BATCH`, which keeps the worker responsive without
    /// taking CPU from them; a higher nice value also gives the worker the larger share when
    /// the host is short of CPU, at the cost of slower jobs on a busy host.
    pub job_nice: i32,
}

impl Default for SandboxConfig {
    /// `$TMPDIR/offload-work`, passing only `PATH`, `LANG`, `LC_ALL` and `TZ` through.
    fn default() -> Self {
        Self {
            work_root: std::env::temp_dir().join("offload-work"),
            env_allow: ["PATH", "LANG", "LC_ALL", "TZ"].map(String::from).to_vec(),
            max_tier: None,
            allow_isolation_none: false,
            allow_host_network: false,
            runtime_paths: DEFAULT_RUNTIME_PATHS.iter().map(PathBuf::from).collect(),
            tmp_size: 64 << 20,
            run_uid_base: 1_900_000_000,
            run_uid_count: 1024,
            job_nice: 0,
        }
    }
}

/// Runs commands under limits; see the crate docs for the design.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub(crate) config: SandboxConfig,
    pub(crate) tier: Tier,
    pub(crate) capabilities: Arc<Capabilities>,
    /// Why T1 is not in use, for refusing strict runs; `None` when it is.
    pub(crate) t1_unavailable: Option<String>,
    pub(crate) t1: Option<Arc<T1Resources>>,
    /// The parent cgroup of this sandbox's runs, when runs get T2.
    pub(crate) t2: Option<Arc<T2Resources>>,
    pub(crate) uids: Option<Arc<UidPool>>,
}

impl Sandbox {
    /// Validates `config`, creates the work root, probes the host (see [`detect`]) and prepares
    /// the best tier allowed by both.
    pub fn new(mut config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        // Work directories are bind-mounted at T1, where a relative path would be resolved
        // against the wrong root; anchoring it once here serves every caller.
        config.work_root = absolute_work_root(&config.work_root)?;
        check_env_allow(&config.env_allow)?;
        check_numbers(&config)?;
        let root = rustix::process::geteuid().is_root();
        prepare_work_root(&config.work_root, root)?;
        let capabilities = detect();
        let mut t1_unavailable = capabilities
            .t1_missing()
            .map(|m| format!("{} is missing: {}", m.name, m.detail));
        if config.max_tier == Some(Tier::T0) {
            t1_unavailable = Some("SandboxConfig::max_tier is T0".into());
        }
        let t1 = match t1_unavailable {
            Some(_) => None,
            None => Some(Arc::new(t1_resources(&config, &capabilities)?)),
        };
        let t2 = match (&t1, config.max_tier) {
            (Some(_), None | Some(Tier::T2)) if capabilities.t2_missing().is_none() => Some(
                Arc::new(T2Resources::new().map_err(|source| SandboxError::Cgroup { source })?),
            ),
            _ => None,
        };
        Ok(Sandbox {
            tier: match (&t1, &t2) {
                (_, Some(_)) => Tier::T2,
                (Some(_), None) => Tier::T1,
                (None, None) => Tier::T0,
            },
            t2,
            uids: root.then(|| UidPool::new(config.run_uid_base, config.run_uid_count)),
            capabilities: Arc::new(capabilities),
            t1_unavailable,
            t1,
            config,
        })
    }

    /// The best tier runs of this sandbox get (what `Isolation::Standard` applies).
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// What the host's probe found, for `offload doctor` and the system endpoint.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The configuration this sandbox was built with.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }
}

fn check_env_allow(names: &[String]) -> Result<(), SandboxError> {
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(SandboxError::InvalidConfig {
                field: format!("env_allow[{i}]"),
                problem: format!(
                    "{name:?} is not a variable name: it must be non-empty without '=' or NUL"
                ),
            });
        }
    }
    Ok(())
}

fn t1_resources(config: &SandboxConfig, caps: &Capabilities) -> Result<T1Resources, SandboxError> {
    let root = config.work_root.join(".newroot");
    let io_error = |source| SandboxError::WorkRoot {
        path: root.clone(),
        source,
    };
    match DirBuilder::new().mode(0o700).create(&root) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(io_error(err)),
    }
    let tmp = format!("size={},nr_inodes=16384,mode=1777", config.tmp_size);
    T1Resources::new(&root, &config.runtime_paths, &tmp, caps.landlock_abi()).map_err(io_error)
}

fn check_numbers(config: &SandboxConfig) -> Result<(), SandboxError> {
    let invalid = |field: &str, problem: String| SandboxError::InvalidConfig {
        field: field.into(),
        problem,
    };
    if !(0..=19).contains(&config.job_nice) {
        return Err(invalid(
            "job_nice",
            format!("{} is outside the range 0 to 19", config.job_nice),
        ));
    }
    if config.tmp_size < 4096 {
        return Err(invalid(
            "tmp_size",
            format!("{} bytes is below the 4096-byte minimum", config.tmp_size),
        ));
    }
    if config.run_uid_count == 0 || config.run_uid_base == 0 {
        return Err(invalid(
            "run_uid_base",
            "the uid pool must be non-empty and must not include root".into(),
        ));
    }
    if config
        .run_uid_base
        .checked_add(config.run_uid_count)
        .is_none_or(|end| end == u32::MAX)
    {
        return Err(invalid(
            "run_uid_count",
            "the pool runs past the largest uid".into(),
        ));
    }
    for (i, path) in config.runtime_paths.iter().enumerate() {
        if !path.is_absolute() {
            return Err(invalid(
                &format!("runtime_paths[{i}]"),
                format!("{} is not absolute", path.display()),
            ));
        }
    }
    Ok(())
}

/// The work root as an absolute path, resolved against the current directory without touching
/// the file system (so a symlink in it is still seen, and refused, by `prepare_work_root`).
fn absolute_work_root(path: &Path) -> Result<PathBuf, SandboxError> {
    std::path::absolute(path).map_err(|source| SandboxError::WorkRoot {
        path: path.to_owned(),
        source,
    })
}

/// Creates the work root. It is 0700, or 0711 when runs use their own uids, so that a job can
/// reach its own directory by absolute path without being able to list its neighbours.
fn prepare_work_root(path: &Path, per_run_uids: bool) -> Result<(), SandboxError> {
    let path = &path.to_path_buf();
    let io_error = |source| SandboxError::WorkRoot {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error)?;
    }
    match DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(io_error(err)),
    }
    // symlink_metadata does not follow a final symlink, so a planted link is seen as one.
    let meta = fs::symlink_metadata(path).map_err(io_error)?;
    let unsafe_root = |problem| SandboxError::UnsafeWorkRoot {
        path: path.clone(),
        problem,
    };
    if !meta.file_type().is_dir() {
        return Err(unsafe_root("it is not a directory (or it is a symlink)"));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(unsafe_root("it is owned by another user"));
    }
    let mode = if per_run_uids { 0o711 } else { 0o700 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error)
}
