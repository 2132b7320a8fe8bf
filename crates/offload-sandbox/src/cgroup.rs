//! T2's worker side: where the run cgroups live, and the parent cgroup one [`Sandbox`] owns.
//!
//! Hosts differ. A pure cgroup v2 host has every controller in one tree; this project's own CI
//! host mounts v2 but binds the memory, pids and cpuacct controllers to separate v1 hierarchies.
//! So the layout is found from `/proc/self/mountinfo` and `/proc/self/cgroup` rather than assumed,
//! and every run cgroup is created below the worker's *own* cgroup in each hierarchy, so a limit
//! the host put on the worker also bounds its jobs. The per-run half is in `cgroup_run.rs`.
//!
//! [`Sandbox`]: crate::Sandbox

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes the parent cgroups of several sandboxes in one worker process.
static NEXT_SANDBOX: AtomicU64 = AtomicU64::new(0);

/// The v1 controllers T2 needs, each in its own hierarchy on hosts like the CI machine.
pub(crate) const V1_CONTROLLERS: [&str; 3] = ["memory", "pids", "cpuacct"];

/// Where a sandbox's run cgroups are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One directory per v1 controller, in [`V1_CONTROLLERS`] order.
    V1([PathBuf; 3]),
    /// One directory in the unified hierarchy with memory, pids and cpu enabled below it.
    V2(PathBuf),
}

/// The parent cgroup(s) of one sandbox's runs; removed when the sandbox is dropped.
#[derive(Debug)]
pub(crate) struct T2Resources {
    pub(crate) layout: Layout,
    next_run: AtomicU64,
}

impl T2Resources {
    /// Finds the host's layout and makes this sandbox's parent cgroup in it.
    pub(crate) fn new() -> io::Result<Self> {
        let base = find_layout()?;
        let name = format!(
            "offload-{}-{}",
            std::process::id(),
            NEXT_SANDBOX.fetch_add(1, Ordering::Relaxed)
        );
        let layout = match base {
            Layout::V1(dirs) => Layout::V1(dirs.map(|dir| dir.join(&name))),
            Layout::V2(dir) => Layout::V2(dir.join(&name)),
        };
        for dir in layout.dirs() {
            make_dir(dir)?;
        }
        if let Layout::V2(dir) = &layout {
            fs::write(dir.join("cgroup.subtree_control"), "+memory +pids +cpu")?;
        }
        Ok(Self {
            layout,
            next_run: AtomicU64::new(0),
        })
    }

    /// A fresh name for the next run's cgroup.
    pub(crate) fn run_name(&self) -> String {
        format!("run-{}", self.next_run.fetch_add(1, Ordering::Relaxed))
    }
}

impl Drop for T2Resources {
    fn drop(&mut self) {
        // Every run removed its own cgroup, so the parents are empty; failure leaves an empty
        // directory behind, which is harmless.
        for dir in self.layout.dirs() {
            let _ = fs::remove_dir(dir);
        }
    }
}

impl Layout {
    /// Every directory of the layout.
    pub(crate) fn dirs(&self) -> &[PathBuf] {
        match self {
            Layout::V1(dirs) => dirs,
            Layout::V2(dir) => std::slice::from_ref(dir),
        }
    }
}

/// Makes and removes a real run cgroup with a memory and a process limit; on success says which
/// cgroup version is in use and where.
pub(crate) fn probe() -> io::Result<String> {
    let t2 = T2Resources::new()?;
    let limits = crate::spec::Limits {
        memory: Some(64 << 20),
        processes: Some(8),
        ..crate::spec::Limits::default()
    };
    drop(crate::cgroup_run::RunCgroup::create(&t2, &limits)?);
    Ok(match &t2.layout {
        Layout::V1(dirs) => format!("cgroup v1 below {}", parent_of(&dirs[0])),
        Layout::V2(dir) => format!("cgroup v2 below {}", parent_of(dir)),
    })
}

fn parent_of(dir: &Path) -> String {
    dir.parent().unwrap_or(dir).display().to_string()
}

fn make_dir(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Finds the worker's own cgroup in a unified hierarchy that has memory, pids and cpu, or else in
/// the v1 hierarchies of memory, pids and cpuacct. The error says what is missing.
pub(crate) fn find_layout() -> io::Result<Layout> {
    let mounts = fs::read_to_string("/proc/self/mountinfo")?;
    let own = fs::read_to_string("/proc/self/cgroup")?;
    if let Some(dir) = v2_dir(&mounts, &own) {
        return Ok(Layout::V2(dir));
    }
    let mut dirs = Vec::new();
    for controller in V1_CONTROLLERS {
        let dir = v1_dir(&mounts, &own, controller).ok_or_else(|| {
            io::Error::other(format!(
                "no usable cgroup {controller} controller: not in cgroup v2 and not mounted as v1"
            ))
        })?;
        dirs.push(dir);
    }
    let dirs: [PathBuf; 3] = dirs.try_into().expect("one directory per controller");
    Ok(Layout::V1(dirs))
}

/// The worker's unified cgroup when it can delegate memory, pids and cpu. Because of the
/// no-internal-process rule, that is only the case at the hierarchy's root, where the worker's
/// own presence does not stop controllers from being enabled for children.
fn v2_dir(mounts: &str, own: &str) -> Option<PathBuf> {
    let (mount_root, point) = mount_of(mounts, |fstype, _| fstype == "cgroup2")?;
    let path = own.lines().find_map(|line| line.strip_prefix("0::"))?;
    let dir = join_below(&point, &mount_root, path)?;
    let controllers = fs::read_to_string(dir.join("cgroup.controllers")).ok()?;
    let has = |name| controllers.split_whitespace().any(|c| c == name);
    (path == "/" && has("memory") && has("pids") && has("cpu")).then_some(dir)
}

/// The worker's cgroup in the v1 hierarchy of `controller`.
fn v1_dir(mounts: &str, own: &str, controller: &str) -> Option<PathBuf> {
    let (mount_root, point) = mount_of(mounts, |fstype, options| {
        fstype == "cgroup" && options.split(',').any(|option| option == controller)
    })?;
    let path = own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == controller)
            .then_some(path)
    })?;
    join_below(&point, &mount_root, path)
}

/// The (root, mount point) of the first mount whose filesystem type and super options match.
fn mount_of(mounts: &str, matches: impl Fn(&str, &str) -> bool) -> Option<(String, PathBuf)> {
    mounts.lines().find_map(|line| {
        // Fields: id parent major:minor root point options [optional...] - fstype source super.
        let (before, after) = line.split_once(" - ")?;
        let fields: Vec<&str> = before.split(' ').collect();
        let mut tail = after.split(' ');
        let (fstype, _source, options) = (tail.next()?, tail.next()?, tail.next()?);
        if !matches(fstype, options) {
            return None;
        }
        Some((fields.get(3)?.to_string(), PathBuf::from(fields.get(4)?)))
    })
}

/// Maps a cgroup path to a directory, given where the hierarchy's `root` is mounted.
fn join_below(point: &Path, root: &str, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path).strip_prefix(root).ok()?;
    let dir = point.join(relative);
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "\
35 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory
36 25 0:31 / /sys/fs/cgroup/pids rw,relatime shared:15 - cgroup cgroup rw,pids
37 25 0:32 / /sys/fs/cgroup/unified rw,relatime shared:16 - cgroup2 cgroup2 rw
";

    #[test]
    fn mounts_are_found_by_type_and_controller_option() {
        let memory = mount_of(MOUNTS, |t, o| {
            t == "cgroup" && o.split(',').any(|c| c == "memory")
        });
        assert_eq!(
            memory,
            Some(("/".to_owned(), PathBuf::from("/sys/fs/cgroup/memory")))
        );
        let cpu = mount_of(MOUNTS, |t, o| {
            t == "cgroup" && o.split(',').any(|c| c == "cpu")
        });
        assert_eq!(cpu, None);
    }

    #[test]
    fn a_cgroup_path_outside_the_mounted_root_is_not_used() {
        assert_eq!(join_below(Path::new("/sys"), "/a", "/b/c"), None);
    }
}
