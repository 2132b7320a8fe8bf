//! The child side of a run: the per-run init process and the job's last steps before `exec`.
//!
//! [`enter`] is the `pre_exec` hook. It runs in the child that std forked from the multithreaded
//! worker, so it may only make async-signal-safe calls: raw system calls, no allocation, no locks.
//! It starts the job (see `job.rs`) and then becomes the run's init, which supervises the job's
//! tree and finally exits with the job's status. The crate docs describe the whole protocol.

use std::ffi::c_int;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

use crate::exec::ExecPtrs;
use crate::job::{self, IsolationPlan};
use crate::proctree::signal_descendants;
use crate::rlimits::RlimitPlan;

/// Sent by the worker to init: "send `SIGTERM` to the whole tree".
pub(crate) const SOFT_KILL: c_int = libc::SIGTERM;
/// Sent by the worker to init: "send `SIGKILL` to the whole tree".
pub(crate) const HARD_KILL: c_int = libc::SIGUSR1;

/// How long init waits for a `SIGCHLD` before scanning `/proc` again while it clears the tree.
/// The scan is a snapshot, so a process forked just after it is only found by the next one.
const RESCAN_MS: c_int = 10;

/// Everything the child needs, computed by the worker before fork so the child only copies it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildPlan {
    /// Read end of the lifeline pipe; EOF on it means the worker is gone.
    pub(crate) lifeline: RawFd,
    /// Write end of the progress pipe, which the job moves to `PROGRESS_FD`; init closes it.
    pub(crate) progress: RawFd,
    /// The exit record init writes when the job exits on its own; -1 when the run keeps none.
    pub(crate) exit_record: RawFd,
    /// The job's rlimits.
    pub(crate) rlimits: RlimitPlan,
    /// The job's `execve` arguments.
    pub(crate) exec: ExecPtrs,
    /// The uid and gid the job runs as, when the worker is root.
    pub(crate) ids: Option<(u32, u32)>,
    /// The nice value the job runs at.
    pub(crate) nice: c_int,
    /// The run cgroup's `cgroup.procs` descriptors the job joins first, -1 when unused (below T2).
    pub(crate) cgroup_procs: [RawFd; crate::cgroup_run::MAX_PROCS],
    /// The isolation to set up; `None` at T0.
    pub(crate) isolation: Option<IsolationPlan>,
}

/// The `pre_exec` hook. It returns only on failure, with an error std reports to the worker; on
/// success this process becomes the run's init and never returns.
pub(crate) fn enter(plan: &ChildPlan) -> io::Result<()> {
    // SAFETY: setsid and prctl have no memory-safety preconditions.
    check(unsafe { libc::setsid() })?;
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) })?;
    let mask = handled_signals();
    // Signals are blocked before the job starts so that none can arrive before init starts
    // reading them from the signalfd.
    // SAFETY: mask is an initialised sigset_t.
    check(unsafe { libc::sigprocmask(libc::SIG_BLOCK, &mask, std::ptr::null_mut()) })?;
    let signals =
        check(unsafe { libc::signalfd(-1, &mask, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK) })?;
    let job = job::start(plan)?;
    supervise(job, signals, plan.lifeline, plan.exit_record)
}

/// The init loop: relays the worker's kill requests to the tree until the job exits, then clears
/// the tree and exits with the job's status.
fn supervise(job: c_int, signals: RawFd, lifeline: RawFd, exit_record: RawFd) -> ! {
    // Init never execs, so it must close the job's pipes and every descriptor it inherited from
    // the worker (other runs' pipes, std's exec-error pipe); otherwise it would hold them open.
    close_all_except([signals, lifeline, exit_record]);
    // SAFETY: prctl has no memory-safety preconditions. A non-dumpable init never writes a core
    // file when it re-raises the job's fatal signal below.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    let me = unsafe { libc::getpid() };
    let mut fds = [poll_fd(signals), poll_fd(lifeline)];
    // Whether the worker asked for the tree to stop, or went away; after that, the job's exit is
    // not its own and is not recorded.
    let mut stopped = false;
    let status = loop {
        if let Some(status) = reap_ready(job) {
            break status;
        }
        // SAFETY: fds is a valid array of two pollfd structures.
        if unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) } < 0 {
            continue;
        }
        if fds[0].revents != 0 {
            stopped |= handle_signals(signals, me);
        }
        if fds[1].revents != 0 {
            signal_descendants(me, libc::SIGKILL);
            fds[1].fd = -1;
            stopped = true;
        }
    };
    if !stopped && libc::WIFEXITED(status) {
        record_exit(exit_record, libc::WEXITSTATUS(status));
    }
    clear_tree(me, signals);
    exit_like(status)
}

/// Writes `exit <code>\n` at the start of the exit record, before init clears the tree, so the
/// record exists even if the worker dies while init is still working. It formats into a stack
/// buffer because init may not allocate.
fn record_exit(exit_record: RawFd, code: c_int) {
    if exit_record < 0 {
        return;
    }
    let mut line = *b"exit 000\n";
    let code = code.clamp(0, 255) as u8;
    line[5..8].copy_from_slice(&[b'0' + code / 100, b'0' + code / 10 % 10, b'0' + code % 10]);
    // SAFETY: line is valid for reads of its length; a failed write only loses the record.
    unsafe { libc::pwrite(exit_record, line.as_ptr().cast(), line.len(), 0) };
}

/// Reaps every child that has exited; returns the job's wait status once the job is among them.
fn reap_ready(job: c_int) -> Option<c_int> {
    let mut job_status = None;
    loop {
        let mut status = 0;
        // SAFETY: status is a valid out-pointer.
        match unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } {
            pid if pid == job => job_status = Some(status),
            pid if pid > 0 => {}
            _ => return job_status,
        }
    }
}

/// Drains the signalfd and acts on each request from the worker; returns whether there was one.
fn handle_signals(signals: RawFd, me: c_int) -> bool {
    let mut info = MaybeUninit::<libc::signalfd_siginfo>::uninit();
    let size = size_of::<libc::signalfd_siginfo>();
    let mut asked = false;
    // SAFETY: info is valid for writes of `size` bytes, and is read only after a full record.
    while unsafe { libc::read(signals, info.as_mut_ptr().cast(), size) } == size as isize {
        let signal = match unsafe { info.assume_init_ref() }.ssi_signo as c_int {
            SOFT_KILL => libc::SIGTERM,
            HARD_KILL => libc::SIGKILL,
            _ => continue,
        };
        signal_descendants(me, signal);
        asked = true;
    }
    asked
}

/// Kills and reaps every remaining descendant. Killed processes' children are re-parented to us
/// (we are their subreaper), so repeating reap, scan and kill until no child is left clears the
/// whole tree, including descendants that called `setsid` and ones forked during a scan. Any
/// descendant implies a living child of ours, so when the first reap finds no children at all,
/// the common case of a job that left nothing behind costs no `/proc` scan.
fn clear_tree(me: c_int, signals: RawFd) {
    while has_children_after_reaping() {
        signal_descendants(me, libc::SIGKILL);
        let mut fds = [poll_fd(signals)];
        // SAFETY: fds is a valid array of one pollfd; the read drains pending SIGCHLD records.
        unsafe {
            libc::poll(fds.as_mut_ptr(), 1, RESCAN_MS);
            let mut sink = [0u8; 512];
            libc::read(signals, sink.as_mut_ptr().cast(), sink.len());
        }
    }
}

/// Reaps every exited child; returns whether any child is still alive.
fn has_children_after_reaping() -> bool {
    loop {
        let mut status = 0;
        // SAFETY: status is a valid out-pointer.
        match unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } {
            pid if pid > 0 => continue,
            0 => return true,
            _ => return false,
        }
    }
}

/// Ends init the way the job ended, so the worker's `wait4` sees the job's status.
fn exit_like(status: c_int) -> ! {
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        // SAFETY: restoring the default action and re-raising is the documented way to die of a
        // signal; the zeroed sigaction is a valid SIG_DFL action with an empty mask.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &action, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
            let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(empty.as_mut_ptr());
            libc::sigprocmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut());
            libc::_exit(128 + signal)
        }
    }
    // SAFETY: _exit skips atexit handlers and stdio flushing, which belong to the worker.
    unsafe {
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            127
        })
    }
}

fn handled_signals() -> libc::sigset_t {
    let mut mask = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initialises the set before sigaddset reads it.
    unsafe {
        libc::sigemptyset(mask.as_mut_ptr());
        for signal in [libc::SIGCHLD, SOFT_KILL, HARD_KILL] {
            libc::sigaddset(mask.as_mut_ptr(), signal);
        }
        mask.assume_init()
    }
}

/// Closes every descriptor except the ones init keeps (negative entries keep nothing), using
/// `close_range` on the gaps between them. Sorting a fixed array allocates nothing.
fn close_all_except(mut keep: [RawFd; 3]) {
    keep.sort_unstable();
    let mut first = 0u32;
    for fd in keep.into_iter().filter(|&fd| fd >= 0).map(|fd| fd as u32) {
        if fd > first {
            close_range(first, fd - 1);
        }
        first = first.max(fd + 1);
    }
    close_range(first, u32::MAX);
}

fn close_range(first: u32, last: u32) {
    // SAFETY: closing descriptors has no memory-safety preconditions in this process, which runs
    // no other code that could use them.
    unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
}

fn poll_fd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

pub(crate) fn check(ret: c_int) -> io::Result<c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}
