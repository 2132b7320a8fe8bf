//! The worker's half of T1: the plan of the job's read-only root, the shared empty network
//! namespace and the seccomp program, all made once per [`Sandbox`](crate::Sandbox).
//!
//! Creating a network namespace takes about a millisecond and is serialised in the kernel, so one
//! empty namespace is made when the sandbox is built and every run joins it with `setns`, which
//! costs a tenth of that. It has only a loopback device, and that is down: nothing is reachable,
//! not even 127.0.0.1 of the host.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::isolate::{IsolationPlan, MountOp};
use crate::landlock::LandlockPlan;
use crate::seccomp::SeccompProgram;

/// Host paths visible read-only in every T1 job, when they exist on the host.
pub(crate) const DEFAULT_RUNTIME_PATHS: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/localtime",
    "/etc/ssl",
    "/etc/ca-certificates",
];

const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// Everything T1 needs that outlives a single run.
#[derive(Debug)]
pub(crate) struct T1Resources {
    netns: OwnedFd,
    root: CString,
    strings: Vec<CString>,
    ops: Vec<MountOp>,
    seccomp: SeccompProgram,
    landlock_abi: i32,
    /// Host paths bound into the view, to name one when a program is missing from it.
    pub(crate) visible: Vec<PathBuf>,
}

// SAFETY: the mount ops point into `strings`, which is never mutated after construction.
unsafe impl Send for T1Resources {}
// SAFETY: as above.
unsafe impl Sync for T1Resources {}

impl T1Resources {
    /// Makes the empty network namespace and plans the root. `root` is an empty directory the
    /// job mounts its new root on; `tmp_options` are the tmpfs options for `/tmp`.
    pub(crate) fn new(
        root: &Path,
        runtime_paths: &[PathBuf],
        tmp_options: &str,
        landlock_abi: i32,
    ) -> io::Result<Self> {
        let mut builder = Builder::default();
        for path in runtime_paths {
            builder.add_host_path(path)?;
        }
        builder.add_fixed(tmp_options);
        Ok(Self {
            netns: empty_netns()?,
            root: c_path(root),
            ops: builder.ops,
            strings: builder.strings,
            seccomp: SeccompProgram::deny_list(),
            landlock_abi,
            visible: builder.visible,
        })
    }

    /// The plan for one run; `workdir` must stay alive until the spawn returns.
    pub(crate) fn plan(&self, workdir: &CString, host_network: bool) -> IsolationPlan {
        debug_assert!(self.strings.len() >= self.ops.len() / 3);
        IsolationPlan {
            netns: if host_network {
                -1
            } else {
                self.netns.as_raw_fd()
            },
            root: self.root.as_ptr(),
            ops: self.ops.as_ptr(),
            op_count: self.ops.len(),
            workdir: workdir.as_ptr(),
            seccomp: self.seccomp.as_ptr(),
            landlock: LandlockPlan {
                abi: self.landlock_abi,
                deny_tcp: !host_network,
            },
        }
    }

    /// Describes mount step `index` (1-based, as encoded by the job) for an error message.
    pub(crate) fn describe_op(&self, index: u8) -> String {
        match index {
            0 => "the new root".to_owned(),
            201 => "the work directory at /work".to_owned(),
            n => self
                .visible
                .get(usize::from(n) - 1)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| format!("mount step {n}")),
        }
    }
}

/// Collects mount steps and keeps the C strings they point into.
#[derive(Default)]
struct Builder {
    strings: Vec<CString>,
    ops: Vec<MountOp>,
    made: Vec<PathBuf>,
    /// One entry per op, naming the host path that op serves.
    visible: Vec<PathBuf>,
}

impl Builder {
    fn text(&mut self, value: &str) -> *const std::ffi::c_char {
        let string = CString::new(value).unwrap_or_default();
        // A CString's heap buffer does not move when the Vec holding it grows.
        let pointer = string.as_ptr();
        self.strings.push(string);
        pointer
    }

    fn push(&mut self, op: MountOp, serves: &Path) {
        self.ops.push(op);
        self.visible.push(serves.to_path_buf());
    }

    /// Mirrors one host path: a symlink stays a symlink, a directory or file is bound read-only.
    /// Missing paths are skipped; the default list covers several distributions' layouts.
    fn add_host_path(&mut self, path: &Path) -> io::Result<()> {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return Ok(());
        };
        let relative = path.strip_prefix("/").map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "runtime paths must be absolute",
            )
        })?;
        if let Some(parent) = relative.parent() {
            self.make_dirs(parent, path);
        }
        let target = self.text(&relative.to_string_lossy());
        if meta.file_type().is_symlink() {
            let link = fs::read_link(path)?;
            let link = self.text(&link.to_string_lossy());
            self.push(MountOp::Symlink(link, target), path);
            return Ok(());
        }
        let source = self.text(&path.to_string_lossy());
        let make = if meta.is_dir() {
            MountOp::Mkdir(target)
        } else {
            MountOp::Touch(target)
        };
        self.push(make, path);
        let flags = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;
        self.push(MountOp::Bind(source, target, flags), path);
        Ok(())
    }

    fn make_dirs(&mut self, relative: &Path, serves: &Path) {
        let mut current = PathBuf::new();
        for part in relative.components() {
            current.push(part);
            if !self.made.contains(&current) {
                self.made.push(current.clone());
                let dir = self.text(&current.to_string_lossy());
                self.push(MountOp::Mkdir(dir), serves);
            }
        }
    }

    /// `/proc`, a minimal `/dev`, `/tmp`, and the `/work` mount point.
    fn add_fixed(&mut self, tmp_options: &str) {
        let fixed = Path::new("/");
        let proc_ = self.text("proc");
        self.push(MountOp::Mkdir(proc_), fixed);
        let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
        self.push(MountOp::Fresh(proc_, proc_, std::ptr::null(), flags), fixed);
        let (tmpfs, dev) = (self.text("tmpfs"), self.text("dev"));
        self.push(MountOp::Mkdir(dev), fixed);
        let options = self.text("size=64k,nr_inodes=64,mode=755");
        let dev_flags = libc::MS_NOSUID | libc::MS_NOEXEC;
        self.push(MountOp::Fresh(tmpfs, dev, options, dev_flags), fixed);
        for name in DEVICES {
            let (source, target) = (
                self.text(&format!("/dev/{name}")),
                self.text(&format!("dev/{name}")),
            );
            self.push(MountOp::Touch(target), fixed);
            self.push(MountOp::Bind(source, target, dev_flags), fixed);
        }
        for (link, path) in [
            ("/proc/self/fd", "dev/fd"),
            ("/proc/self/fd/0", "dev/stdin"),
            ("/proc/self/fd/1", "dev/stdout"),
            ("/proc/self/fd/2", "dev/stderr"),
        ] {
            let (link, path) = (self.text(link), self.text(path));
            self.push(MountOp::Symlink(link, path), fixed);
        }
        let tmp_options = self.text(tmp_options);
        for dir in ["tmp", "dev/shm"] {
            let dir = self.text(dir);
            self.push(MountOp::Mkdir(dir), fixed);
            let flags = libc::MS_NOSUID | libc::MS_NODEV;
            self.push(MountOp::Fresh(tmpfs, dir, tmp_options, flags), fixed);
        }
        let work = self.text("work");
        self.push(MountOp::Mkdir(work), fixed);
    }
}

pub(crate) fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

/// Creates an empty network namespace on a short-lived thread and returns a descriptor that keeps
/// it alive. `unshare(CLONE_NEWNET)` changes only the calling thread, so the worker is untouched.
fn empty_netns() -> io::Result<OwnedFd> {
    std::thread::spawn(|| -> io::Result<OwnedFd> {
        // SAFETY: unshare affects only this thread, which exits right after.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the path is NUL-terminated; the descriptor returned is ours.
        let fd = unsafe {
            libc::open(
                c"/proc/thread-self/ns/net".as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a freshly opened descriptor we own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    })
    .join()
    .map_err(|_| io::Error::other("the namespace thread panicked"))?
}
