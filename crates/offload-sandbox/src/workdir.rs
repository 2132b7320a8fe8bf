//! The fresh, private working directory each run gets, and its removal.
//!
//! Each run gets a new 0700 directory under the work root, with a name no other run uses, so runs
//! cannot see each other's files. Removal uses `std::fs::remove_dir_all`, which since Rust 1.58.1
//! (CVE-2022-21658) walks the tree with `openat`/`unlinkat` and `O_NOFOLLOW`: a symlink the job
//! planted is unlinked, never followed, so removal cannot delete anything outside the directory.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes runs started by this worker process; the pid distinguishes worker processes.
static NEXT_RUN: AtomicU64 = AtomicU64::new(0);

/// A run's working directory; removed when dropped, in case the run's future is dropped early.
#[derive(Debug)]
pub(crate) struct WorkDir {
    path: Option<PathBuf>,
    owner: Option<u32>,
}

impl WorkDir {
    /// Creates a new, empty 0700 directory under `root`. A name left behind by an earlier worker
    /// with the same pid is skipped rather than reused, because `mkdir` refuses existing paths.
    /// With `owner`, the directory belongs to that uid and gid, the run's own.
    pub(crate) fn create(root: &Path, owner: Option<u32>) -> io::Result<Self> {
        loop {
            let n = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
            let path = root.join(format!("run-{}-{n}", std::process::id()));
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let dir = Self {
                        path: Some(path),
                        owner,
                    };
                    if let Some(uid) = owner {
                        std::os::unix::fs::lchown(dir.path(), Some(uid), Some(uid))?;
                    }
                    return Ok(dir);
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
    }

    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        self.path
            .as_deref()
            .expect("the path is only taken by remove")
    }

    /// Writes the job's input files. `create_new` means `O_EXCL`, which also refuses to follow a
    /// symlink, and names were validated to be plain, so every file lands inside the directory.
    pub(crate) fn write_files(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        for (name, content) in files {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(self.path().join(name))?;
            file.write_all(content)?;
            if let Some(uid) = self.owner {
                std::os::unix::fs::fchown(&file, Some(uid), Some(uid))?;
            }
        }
        Ok(())
    }

    /// Removes the directory and everything in it, off the async threads because a job can leave
    /// a large tree behind.
    pub(crate) async fn remove(mut self) {
        if let Some(path) = self.path.take() {
            let _ = tokio::task::spawn_blocking(move || remove_tree(&path)).await;
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            remove_tree(&path);
        }
    }
}

/// Removes `path` without following symlinks. Failures are ignored: the job may have made parts
/// of its tree unremovable, and a leftover directory must not turn a finished run into an error.
fn remove_tree(path: &Path) {
    let _ = fs::remove_dir_all(path);
}
