//! Starting the job from init: a `clone(CLONE_VM | CLONE_VFORK)` child that sets itself up and execs.
//!
//! Forking a copy of a large process costs milliseconds, because every page table is copied, and
//! the worker is large. Init is already a private copy of the worker, so the job is started the way
//! `posix_spawn` does it: the child shares init's memory, runs on a stack of its own, and init is
//! suspended until the child has exec'd or failed. The child may therefore only make raw system
//! calls and write nothing but the failure slot in [`Ctx`]. A failure before or at exec is passed
//! back through that slot and returned from init's `pre_exec` hook, so std reports it to the worker
//! as the spawn error; the code says which step failed (see [`Step`]).

use std::ffi::{c_int, c_void};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

use crate::exec;
use crate::init::{ChildPlan, check};

pub(crate) use crate::isolate::IsolationPlan;

/// Bytes of stack for the job until it execs; T1 setup is the deepest user and needs a few KiB.
const STACK: usize = 64 * 1024;

/// Marks a failure code as "step and errno" rather than a plain exec errno.
const STEP_TAG: i32 = 0x4000_0000;

/// The setup step that failed, carried to the worker inside the spawn error's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Step {
    /// Resetting signal dispositions and the mask.
    Signals = 1,
    /// Applying rlimits.
    Rlimits = 2,
    /// Joining the empty network namespace.
    Network = 3,
    /// Building the mount tree; the mount index is added to this value.
    Mount = 16,
    /// Pivoting into the new root.
    PivotRoot = 4,
    /// Dropping to the run's uid and gid.
    Ids = 5,
    /// Entering the user namespace.
    UserNs = 6,
    /// Setting no-new-privs.
    NoNewPrivs = 7,
    /// Applying Landlock.
    Landlock = 8,
    /// Installing the seccomp filter.
    Seccomp = 9,
    /// Joining the run's cgroup.
    Cgroup = 10,
    /// Moving the progress pipe to its descriptor number.
    Progress = 11,
    /// Lowering the job's CPU priority.
    Nice = 12,
}

/// Encodes a failed step and its errno, with `detail` (such as a mount index) added to the step.
pub(crate) fn failure(step: Step, detail: u8, err: &io::Error) -> i32 {
    let errno = err.raw_os_error().unwrap_or(libc::EIO) & 0xffff;
    STEP_TAG | (i32::from(step as u8 + detail) << 16) | errno
}

/// Splits a spawn error code into (step number, errno) when it carries a step.
pub(crate) fn decode(code: i32) -> Option<(u8, i32)> {
    (code & STEP_TAG != 0).then_some((((code >> 16) & 0xff) as u8, code & 0xffff))
}

/// Shared between init and the job while init is suspended.
struct Ctx<'a> {
    plan: &'a ChildPlan,
    failure: i32,
}

#[repr(C, align(16))]
struct Stack([u8; STACK]);

/// Starts the job and returns its pid once it has exec'd; an error carries the failed step.
pub(crate) fn start(plan: &ChildPlan) -> io::Result<c_int> {
    let mut stack = MaybeUninit::<Stack>::uninit();
    let mut ctx = Ctx { plan, failure: 0 };
    let flags = libc::CLONE_VM
        | libc::CLONE_VFORK
        | libc::SIGCHLD
        | plan.isolation.map_or(0, |iso| iso.clone_flags());
    // SAFETY: the stack is valid for STACK bytes and outlives the child's use of it, because
    // CLONE_VFORK suspends us until the child has exec'd or exited; ctx likewise.
    let pid = unsafe {
        let top = stack.as_mut_ptr().cast::<u8>().add(STACK);
        libc::clone(job_main, top.cast(), flags, (&raw mut ctx).cast::<c_void>())
    };
    let pid = check(pid)?;
    // SAFETY: the child has finished with ctx; the volatile read stops the compiler from assuming
    // the value it stored before the clone.
    let failure = unsafe { std::ptr::read_volatile(&raw const ctx.failure) };
    if failure != 0 {
        // SAFETY: pid is our child, which exited after recording its failure.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        return Err(io::Error::from_raw_os_error(failure));
    }
    Ok(pid)
}

/// The job's entry point: set up, exec, and on failure leave the reason in the context.
extern "C" fn job_main(arg: *mut c_void) -> c_int {
    // SAFETY: arg is the Ctx that start passed and keeps alive while we run.
    let ctx = unsafe { &mut *arg.cast::<Ctx<'_>>() };
    let prepared = prepare(ctx.plan).and_then(|()| {
        install_progress(ctx.plan.progress).map_err(|err| failure(Step::Progress, 0, &err))
    });
    let failure = match prepared {
        Ok(()) => exec::exec(&ctx.plan.exec),
        Err(code) => code,
    };
    // SAFETY: init reads the slot only after we exit; _exit ends only this process.
    unsafe {
        std::ptr::write_volatile(&raw mut ctx.failure, failure);
        libc::_exit(127)
    }
}

/// The job's own setup, in order: its cgroup, signals, rlimits, the tier's isolation, and finally
/// no-new-privs, which must come after anything that needs privilege and before exec.
fn prepare(plan: &ChildPlan) -> Result<(), i32> {
    join_cgroup(plan).map_err(|err| failure(Step::Cgroup, 0, &err))?;
    reset_signals().map_err(|err| failure(Step::Signals, 0, &err))?;
    plan.rlimits
        .apply()
        .map_err(|err| failure(Step::Rlimits, 0, &err))?;
    deprioritize(plan.nice).map_err(|err| failure(Step::Nice, 0, &err))?;
    if let Some(isolation) = &plan.isolation {
        return isolation.apply(plan.ids);
    }
    if let Some((uid, gid)) = plan.ids {
        crate::isolate::drop_ids(uid, gid).map_err(|err| failure(Step::Ids, 0, &err))?;
    }
    rustix::thread::set_no_new_privs(true).map_err(|err| failure(Step::NoNewPrivs, 0, &err.into()))
}

/// Makes the job batch work (`SCHED_BATCH`): it keeps its fair share of the CPU, but its
/// wake-ups do not preempt others', so the worker's event loop still answers promptly while
/// jobs keep both cores busy. Then lowers its priority to `nice`, or keeps the worker's own
/// when that is lower still: raising a priority would need a privilege the worker may not have.
fn deprioritize(nice: c_int) -> io::Result<()> {
    let batch = libc::sched_param { sched_priority: 0 };
    // SAFETY: the scheduler calls have no memory-safety preconditions; 0 names this process and
    // `batch` is a valid parameter block. getpriority returns the nice value itself, so -1 is a
    // value, not an error, here.
    unsafe {
        crate::init::check(libc::sched_setscheduler(0, libc::SCHED_BATCH, &batch))?;
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        crate::init::check(libc::setpriority(libc::PRIO_PROCESS, 0, nice.max(current))).map(drop)
    }
}

/// Moves the job into the run's cgroup before it does anything else, so that every process it
/// forks is counted and killed with the group. Writing "0" moves the writer itself.
fn join_cgroup(plan: &ChildPlan) -> io::Result<()> {
    for fd in plan.cgroup_procs.into_iter().filter(|&fd| fd >= 0) {
        // SAFETY: fd is an open descriptor for the worker's lifetime of the spawn; "0" is valid.
        if unsafe { libc::write(fd, c"0".as_ptr().cast(), 1) } != 1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Puts the progress pipe's write end at `PROGRESS_FD` without close-on-exec. It runs last,
/// just before exec, because until then descriptors the setup still needs (the T1 network
/// namespace, the cgroup files) may sit at that number; the pipe's own copy closes at exec.
fn install_progress(fd: RawFd) -> io::Result<()> {
    let target = crate::progress::PROGRESS_FD;
    // SAFETY: fcntl and dup2 on descriptors of this process have no memory-safety preconditions.
    let ret = unsafe {
        if fd == target {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, target)
        }
    };
    check(ret).map(drop)
}

/// Gives the job default signal handling and an empty mask. Handlers installed in the worker must
/// not run in the job, which shares init's memory until it execs, so they are reset first.
fn reset_signals() -> io::Result<()> {
    // SAFETY: sigaction with valid pointers; the zeroed action is SIG_DFL with an empty mask.
    unsafe {
        let default: libc::sigaction = std::mem::zeroed();
        for signal in 1..libc::SIGRTMAX() {
            let mut old = MaybeUninit::<libc::sigaction>::zeroed();
            if libc::sigaction(signal, std::ptr::null(), old.as_mut_ptr()) != 0 {
                continue;
            }
            let handler = old.assume_init().sa_sigaction;
            if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
                libc::sigaction(signal, &default, std::ptr::null_mut());
            }
        }
        let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(empty.as_mut_ptr());
        check(libc::sigprocmask(
            libc::SIG_SETMASK,
            empty.as_ptr(),
            std::ptr::null_mut(),
        ))?;
    }
    Ok(())
}
