//! The job's `execve` arguments, built in the worker so the child only reads them.
//!
//! The job is started from the run's init with `clone(CLONE_VM | CLONE_VFORK)`, so it shares init's
//! memory until it execs and must not allocate. Everything `execve` needs, the program paths to try
//! (the `PATH` search done ahead of time), `argv` and `envp`, is therefore prepared here as
//! NUL-terminated pointer arrays that stay valid while the spawn is in progress.

use std::collections::BTreeMap;
use std::ffi::{CString, c_char};

/// Owned C strings plus the pointer arrays that point into them.
#[derive(Debug)]
pub(crate) struct ExecArgs {
    _strings: Vec<CString>,
    candidates: Vec<*const c_char>,
    argv: Vec<*const c_char>,
    envp: Vec<*const c_char>,
}

/// What the job needs to exec, as raw pointers into an [`ExecArgs`] that outlives the spawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExecPtrs {
    /// NULL-terminated list of paths to try in order.
    pub(crate) candidates: *const *const c_char,
    /// NULL-terminated argument vector.
    pub(crate) argv: *const *const c_char,
    /// NULL-terminated environment.
    pub(crate) envp: *const *const c_char,
}

// SAFETY: the pointers are only read, in the forked child, while the owning `ExecArgs` is alive in
// the worker; they are never dereferenced on another thread of the worker.
unsafe impl Send for ExecPtrs {}
// SAFETY: as above; the data behind them is never mutated after construction.
unsafe impl Sync for ExecPtrs {}

/// Where `PATH` lookups go when the job's environment has no `PATH`, as in `execvp`.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

impl ExecArgs {
    /// Builds the arguments. `env` is applied in order, later entries replacing earlier ones with
    /// the same name. Strings were validated to hold no NUL, so conversion cannot fail.
    pub(crate) fn new(argv: &[String], env: &[(String, String)]) -> Self {
        let mut vars = BTreeMap::new();
        for (name, value) in env {
            vars.insert(name.as_str(), value.as_str());
        }
        let path = vars.get("PATH").copied().unwrap_or(DEFAULT_PATH);
        let program = &argv[0];
        let candidates: Vec<CString> = if program.contains('/') {
            vec![c_string(program)]
        } else {
            path.split(':')
                .map(|dir| if dir.is_empty() { "." } else { dir })
                .map(|dir| c_string(&format!("{dir}/{program}")))
                .collect()
        };
        let argv: Vec<CString> = argv.iter().map(|arg| c_string(arg)).collect();
        let envp: Vec<CString> = vars
            .iter()
            .map(|(name, value)| c_string(&format!("{name}={value}")))
            .collect();
        let pointers = |strings: &[CString]| -> Vec<*const c_char> {
            let mut list: Vec<_> = strings.iter().map(|s| s.as_ptr()).collect();
            list.push(std::ptr::null());
            list
        };
        let (candidates_p, argv_p, envp_p) =
            (pointers(&candidates), pointers(&argv), pointers(&envp));
        let mut strings = candidates;
        strings.extend(argv);
        strings.extend(envp);
        Self {
            _strings: strings,
            candidates: candidates_p,
            argv: argv_p,
            envp: envp_p,
        }
    }

    /// Raw pointers for the child; valid while `self` is.
    pub(crate) fn ptrs(&self) -> ExecPtrs {
        ExecPtrs {
            candidates: self.candidates.as_ptr(),
            argv: self.argv.as_ptr(),
            envp: self.envp.as_ptr(),
        }
    }
}

fn c_string(value: &str) -> CString {
    CString::new(value).unwrap_or_default()
}

/// Tries each candidate in turn, like `execvp`: a missing file moves on to the next directory,
/// any other failure is remembered and wins over "not found". Returns only on failure, with the
/// errno to report. Async-signal-safe: reads prepared memory and makes raw system calls.
pub(crate) fn exec(ptrs: &ExecPtrs) -> i32 {
    let mut error = libc::ENOENT;
    let mut index = 0;
    loop {
        // SAFETY: `candidates` is a NULL-terminated array of valid C strings (see ExecArgs::new).
        let candidate = unsafe { *ptrs.candidates.add(index) };
        if candidate.is_null() {
            return error;
        }
        // SAFETY: all three arrays are NULL-terminated arrays of valid C strings.
        unsafe { libc::execve(candidate, ptrs.argv, ptrs.envp) };
        // errno lives in init's thread-local storage, which the job shares until it execs; init
        // is suspended meanwhile, so reading it here is race-free.
        let errno = last_errno();
        // A PATH directory the run's uid cannot search also gives EACCES; only a file that is
        // there but not executable is "permission denied", so EACCES counts only if it exists.
        // SAFETY: candidate is a valid C string.
        let exists = unsafe { libc::access(candidate, libc::F_OK) } == 0;
        let missing = errno == libc::ENOENT || errno == libc::ENOTDIR;
        if !missing && (errno != libc::EACCES || exists) {
            error = errno;
        }
        index += 1;
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: *const *const c_char) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        // SAFETY: the lists are NULL-terminated arrays of C strings owned by the ExecArgs in scope.
        unsafe {
            while !(*list.add(i)).is_null() {
                out.push(
                    std::ffi::CStr::from_ptr(*list.add(i))
                        .to_string_lossy()
                        .into_owned(),
                );
                i += 1;
            }
        }
        out
    }

    #[test]
    fn a_bare_name_is_searched_along_the_jobs_path_and_later_env_entries_win() {
        let env =
            [("PATH", "/a:/b"), ("X", "1"), ("X", "2")].map(|(n, v)| (n.to_owned(), v.to_owned()));
        let args = ExecArgs::new(&["tool".into(), "-v".into()], &env);
        let ptrs = args.ptrs();
        assert_eq!(strings(ptrs.candidates), ["/a/tool", "/b/tool"]);
        assert_eq!(strings(ptrs.argv), ["tool", "-v"]);
        assert_eq!(strings(ptrs.envp), ["PATH=/a:/b", "X=2"]);
    }

    #[test]
    fn a_name_with_a_slash_is_used_as_is() {
        let args = ExecArgs::new(&["./run.sh".into()], &[]);
        assert_eq!(strings(args.ptrs().candidates), ["./run.sh"]);
    }
}
