//! Landlock through its three raw system calls: probe the ABI, and restrict the job's filesystem,
//! TCP and signal/socket scope just before exec.
//!
//! The rules name paths inside the job's new root (`/`, `/work`, `/tmp`, `/dev`), which only exist
//! in the job's mount namespace, so the ruleset is built in the job itself. That happens while the
//! job shares init's memory, which rules out the allocating `landlock` crate; the kernel interface
//! is small enough to call directly.

use std::ffi::{CStr, c_int};
use std::io;

use crate::init::check;

const CREATE_RULESET_VERSION: u32 = 1;
const RULE_PATH_BENEATH: c_int = 1;

// Filesystem access rights, by the ABI version that introduced them.
const EXECUTE: u64 = 1 << 0;
const WRITE_FILE: u64 = 1 << 1;
const READ_FILE: u64 = 1 << 2;
const READ_DIR: u64 = 1 << 3;
const ALL_V1: u64 = (1 << 13) - 1;
const REFER: u64 = 1 << 13;
const TRUNCATE: u64 = 1 << 14;
const IOCTL_DEV: u64 = 1 << 15;
const NET_BIND_TCP: u64 = 1 << 0;
const NET_CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The kernel's Landlock ABI version, or the errno that says why there is none.
pub(crate) fn abi() -> Result<i32, io::Error> {
    // SAFETY: a null attribute with size 0 and the VERSION flag only queries the ABI.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as i32)
    }
}

/// Which Landlock restrictions the job gets; decided in the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LandlockPlan {
    /// The kernel ABI; 0 disables Landlock.
    pub(crate) abi: i32,
    /// Deny TCP bind and connect (ABI 4 and later).
    pub(crate) deny_tcp: bool,
}

impl LandlockPlan {
    fn handled_fs(&self) -> u64 {
        let mut access = ALL_V1;
        if self.abi >= 2 {
            access |= REFER;
        }
        if self.abi >= 3 {
            access |= TRUNCATE;
        }
        if self.abi >= 5 {
            access |= IOCTL_DEV;
        }
        access
    }

    /// Restricts the calling process: read and execute everywhere in the new root, write only
    /// under `/work`, `/tmp` and to the device files; no TCP when asked; no signals or abstract
    /// sockets beyond the job's own domain.
    pub(crate) fn restrict_self(&self) -> io::Result<()> {
        if self.abi < 1 {
            return Ok(());
        }
        let handled = self.handled_fs();
        let attr = RulesetAttr {
            handled_access_fs: handled,
            handled_access_net: if self.abi >= 4 && self.deny_tcp {
                NET_BIND_TCP | NET_CONNECT_TCP
            } else {
                0
            },
            scoped: if self.abi >= 6 {
                SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
            } else {
                0
            },
        };
        let size = match self.abi {
            1..=3 => 8,
            4 | 5 => 16,
            _ => size_of::<RulesetAttr>(),
        };
        // SAFETY: attr is valid for `size` bytes.
        let ruleset = check(unsafe {
            libc::syscall(libc::SYS_landlock_create_ruleset, &raw const attr, size, 0) as c_int
        })?;
        let result = self.add_rules(ruleset, handled).and_then(|()| {
            // SAFETY: ruleset is a Landlock ruleset descriptor we own.
            check(unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0) as c_int })
                .map(drop)
        });
        // SAFETY: ruleset is ours to close.
        unsafe { libc::close(ruleset) };
        result
    }

    fn add_rules(&self, ruleset: c_int, handled: u64) -> io::Result<()> {
        let read = EXECUTE | READ_FILE | READ_DIR;
        add_rule(ruleset, c"/", read)?;
        add_rule(ruleset, c"/work", handled)?;
        add_rule(ruleset, c"/tmp", handled)?;
        let device = READ_FILE | WRITE_FILE | (handled & (TRUNCATE | IOCTL_DEV));
        for path in [
            c"/dev/null",
            c"/dev/zero",
            c"/dev/full",
            c"/dev/urandom",
            c"/dev/random",
        ] {
            add_rule(ruleset, path, device)?;
        }
        Ok(())
    }
}

/// Allows `access` beneath `path`. Rights that make no sense on a file (directory rights on a
/// device) are rejected by the kernel, so files only get file rights.
fn add_rule(ruleset: c_int, path: &CStr, access: u64) -> io::Result<()> {
    // SAFETY: path is NUL-terminated; O_PATH opens without reading.
    let fd = check(unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) })?;
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: fd,
    };
    // SAFETY: attr is a valid path-beneath attribute; fd is ours to close.
    let ret = unsafe {
        let ret = libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset,
            RULE_PATH_BENEATH,
            &raw const attr,
            0,
        );
        libc::close(fd);
        ret
    };
    check(ret as c_int).map(drop)
}
