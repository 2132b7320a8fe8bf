//! T1 in the job, just before exec: namespaces, the read-only root, ids, Landlock and seccomp.
//!
//! This runs in the job while it still shares init's memory (see `job.rs`), so it only reads the
//! [`IsolationPlan`] the worker prepared and makes raw system calls. The PID, mount, IPC and UTS
//! namespaces come from the `clone` flags; the rest happens here, in an order forced by privilege:
//! everything that needs root (network namespace, mounts, `pivot_root`) comes first, then the drop
//! to the run's uid and a user namespace that maps only that uid, then no-new-privs, Landlock, and
//! the seccomp filter last, because it forbids the calls made before it.

use std::ffi::{c_char, c_int};
use std::io;
use std::os::fd::RawFd;

use crate::init::check;
use crate::job::{Step, failure};
use crate::landlock::LandlockPlan;

/// One step of building the new root, relative to the new root's directory.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MountOp {
    /// Create a directory.
    Mkdir(*const c_char),
    /// Create an empty file to bind a file over.
    Touch(*const c_char),
    /// Create a symlink (target, path).
    Symlink(*const c_char, *const c_char),
    /// Bind `source` to `target`, then remount it with these flags (`MS_RDONLY`, `MS_NODEV`...).
    Bind(*const c_char, *const c_char, u64),
    /// Mount a fresh filesystem: (type, target, options, flags).
    Fresh(*const c_char, *const c_char, *const c_char, u64),
}

/// Everything the job needs for T1, as pointers into worker memory that outlives the spawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IsolationPlan {
    /// The pre-made empty network namespace to join, or -1 to keep the host's network.
    pub(crate) netns: RawFd,
    /// An empty directory on the host where the new root is mounted.
    pub(crate) root: *const c_char,
    /// The steps that build the new root, in order.
    pub(crate) ops: *const MountOp,
    /// Number of entries in `ops`.
    pub(crate) op_count: usize,
    /// The run's work directory on the host, bound at `/work`.
    pub(crate) workdir: *const c_char,
    /// The seccomp program.
    pub(crate) seccomp: *const libc::sock_fprog,
    /// Which Landlock rules to apply.
    pub(crate) landlock: LandlockPlan,
}

// SAFETY: the pointers are read only in the child, while the worker keeps their owners alive.
unsafe impl Send for IsolationPlan {}
// SAFETY: as above; nothing behind them is mutated after construction.
unsafe impl Sync for IsolationPlan {}
// SAFETY: plain pointers to immutable C strings.
unsafe impl Send for MountOp {}
// SAFETY: as above.
unsafe impl Sync for MountOp {}

impl IsolationPlan {
    /// The namespaces the job is cloned into.
    pub(crate) fn clone_flags(&self) -> c_int {
        libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS
    }

    /// Applies T1 in the job. Errors carry the failed step.
    pub(crate) fn apply(&self, ids: Option<(u32, u32)>) -> Result<(), i32> {
        if self.netns >= 0 {
            // SAFETY: setns has no memory-safety preconditions.
            check(unsafe { libc::setns(self.netns, libc::CLONE_NEWNET) })
                .map_err(|err| failure(Step::Network, 0, &err))?;
        }
        self.build_root()?;
        self.enter_root()
            .map_err(|err| failure(Step::PivotRoot, 0, &err))?;
        // SAFETY: the name is a valid buffer of the given length.
        unsafe { libc::sethostname(c"offload".as_ptr(), 7) };
        if let Some((uid, gid)) = ids {
            drop_ids(uid, gid).map_err(|err| failure(Step::Ids, 0, &err))?;
            user_namespace(uid, gid).map_err(|err| failure(Step::UserNs, 0, &err))?;
        }
        rustix::thread::set_no_new_privs(true)
            .map_err(|err| failure(Step::NoNewPrivs, 0, &err.into()))?;
        self.landlock
            .restrict_self()
            .map_err(|err| failure(Step::Landlock, 0, &err))?;
        // SAFETY: the program pointer is valid for the life of the spawn.
        check(unsafe {
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                self.seccomp,
                0,
                0,
            )
        })
        .map_err(|err| failure(Step::Seccomp, 0, &err))?;
        Ok(())
    }

    /// Makes every mount private, mounts a small tmpfs as the new root and fills it.
    fn build_root(&self) -> Result<(), i32> {
        let root_failure = |err: io::Error| failure(Step::Mount, 0, &err);
        // SAFETY: all strings are NUL-terminated; null data pointers are allowed by mount(2).
        unsafe {
            check(libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))
            .map_err(root_failure)?;
            check(libc::mount(
                c"tmpfs".as_ptr(),
                self.root,
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                c"size=1m,nr_inodes=512,mode=755".as_ptr().cast(),
            ))
            .map_err(root_failure)?;
            check(libc::chdir(self.root)).map_err(root_failure)?;
        }
        for index in 0..self.op_count {
            // SAFETY: ops has op_count entries.
            let op = unsafe { *self.ops.add(index) };
            run_op(op).map_err(|err| failure(Step::Mount, (index + 1).min(200) as u8, &err))?;
        }
        bind(
            self.workdir,
            c"work".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
        )
        .map_err(|err| failure(Step::Mount, 201, &err))
    }

    /// Pivots into the new root (the cwd), detaches the old one and makes `/` read-only.
    fn enter_root(&self) -> io::Result<()> {
        // SAFETY: pivot_root(".", ".") stacks the old root under the new one, which the umount
        // then detaches; all paths are NUL-terminated literals.
        unsafe {
            check(libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) as c_int)?;
            check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH))?;
            check(libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REMOUNT
                    | libc::MS_BIND
                    | libc::MS_RDONLY
                    | libc::MS_NOSUID
                    | libc::MS_NODEV,
                std::ptr::null(),
            ))?;
            check(libc::chdir(c"/work".as_ptr()))?;
        }
        Ok(())
    }
}

fn run_op(op: MountOp) -> io::Result<()> {
    // SAFETY: every pointer is a NUL-terminated string prepared by the worker.
    unsafe {
        match op {
            MountOp::Mkdir(path) => check(libc::mkdir(path, 0o755)).map(drop),
            MountOp::Touch(path) => {
                let fd = check(libc::open(
                    path,
                    libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
                    0o644,
                ))?;
                libc::close(fd);
                Ok(())
            }
            MountOp::Symlink(target, path) => check(libc::symlink(target, path)).map(drop),
            MountOp::Bind(source, target, flags) => bind(source, target, flags),
            MountOp::Fresh(kind, target, options, flags) => {
                check(libc::mount(kind, target, kind, flags, options.cast())).map(drop)
            }
        }
    }
}

/// Bind-mounts `source` on `target`; flags such as read-only need a second, remounting call.
fn bind(source: *const c_char, target: *const c_char, flags: u64) -> io::Result<()> {
    // SAFETY: both strings are NUL-terminated; null type and data are allowed for binds.
    unsafe {
        check(libc::mount(
            source,
            target,
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        ))?;
        let flags = flags | libc::MS_BIND | libc::MS_REMOUNT;
        check(libc::mount(
            std::ptr::null(),
            target,
            std::ptr::null(),
            flags,
            std::ptr::null(),
        ))?;
    }
    Ok(())
}

pub(crate) fn drop_ids(uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: plain id-setting system calls; setgroups with a zero count reads no memory.
    unsafe {
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setresgid(gid, gid, gid))?;
        check(libc::setresuid(uid, uid, uid))?;
    }
    Ok(())
}

/// Enters a new user namespace that maps only the run's own uid and gid, so the job holds no
/// capability over anything it can reach. Dropping ids made the process non-dumpable, which would
/// make its own `/proc/self/*_map` files unwritable, so dumpable is restored first.
fn user_namespace(uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: prctl and unshare have no memory-safety preconditions.
    unsafe {
        check(libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0))?;
        check(libc::unshare(libc::CLONE_NEWUSER))?;
    }
    write_map(c"/proc/self/uid_map", uid)?;
    write_file(c"/proc/self/setgroups", b"deny")?;
    write_map(c"/proc/self/gid_map", gid)
}

/// Writes "<id> <id> 1" without allocating.
fn write_map(path: &std::ffi::CStr, id: u32) -> io::Result<()> {
    let mut line = [0u8; 32];
    let mut len = 0;
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut value = id;
    loop {
        digits[n] = b'0' + (value % 10) as u8;
        n += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for _ in 0..2 {
        for i in (0..n).rev() {
            line[len] = digits[i];
            len += 1;
        }
        line[len] = b' ';
        len += 1;
    }
    line[len] = b'1';
    write_file(path, &line[..=len])
}

fn write_file(path: &std::ffi::CStr, data: &[u8]) -> io::Result<()> {
    // SAFETY: path is NUL-terminated and data is valid for its length.
    unsafe {
        let fd = check(libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC))?;
        let written = libc::write(fd, data.as_ptr().cast(), data.len());
        libc::close(fd);
        if written != data.len() as isize {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
