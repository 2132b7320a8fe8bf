//! Exit records on the engine's side: where they live, and what happens to them.
//!
//! Every command attempt gets a record file named `<job id>.<attempt>` in the configured
//! directory; the sandbox's init writes the job's exit code there the moment the job exits on its
//! own (see [`offload_sandbox::read_exit_record`]). The completer removes a record once the
//! attempt's result is committed. A record that is still there when the orphan pass finds its
//! attempt running proves the job finished before the previous process died, so the attempt is
//! completed with that code instead of being run again.

use std::path::{Path, PathBuf};

use offload_core::JobId;

/// The directory of exit records, or nothing when the engine keeps none.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExitRecords {
    dir: Option<PathBuf>,
}

impl ExitRecords {
    /// Uses `dir`, creating it (mode 0700) if needed. Without a usable directory the engine
    /// keeps no records, which only reopens the window they close, so it warns and goes on.
    pub(crate) fn open(dir: Option<&Path>) -> Self {
        let dir = dir.and_then(|dir| match create_private_dir(dir) {
            Ok(()) => Some(dir.to_owned()),
            Err(err) => {
                tracing::warn!(dir = %dir.display(), error = %err, "cannot keep exit records");
                None
            }
        });
        Self { dir }
    }

    /// Where the record of one attempt goes.
    pub(crate) fn path(&self, id: JobId, attempt: u32) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(format!("{id}.{attempt}")))
    }

    /// The exit code recorded for an attempt, if its job exited on its own.
    pub(crate) fn read(&self, id: JobId, attempt: u32) -> Option<i32> {
        offload_sandbox::read_exit_record(&self.path(id, attempt)?)
    }

    /// Removes the records of attempts whose results are committed, off the async threads.
    pub(crate) async fn remove(&self, attempts: Vec<(JobId, u32)>) {
        let paths: Vec<PathBuf> = attempts
            .into_iter()
            .filter_map(|(id, attempt)| self.path(id, attempt))
            .collect();
        if !paths.is_empty() {
            let _ =
                tokio::task::spawn_blocking(move || paths.iter().for_each(remove_quietly)).await;
        }
    }

    /// Removes every record. Only for an engine that owns its store, after its orphan pass: by
    /// then every attempt a record could speak for has been completed.
    pub(crate) fn clear(&self) {
        let Some(entries) = self
            .dir
            .as_ref()
            .and_then(|dir| std::fs::read_dir(dir).ok())
        else {
            return;
        };
        for entry in entries.flatten() {
            remove_quietly(&entry.path());
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A record that is already gone needs no removing; any other failure leaves a file the next
/// start clears.
fn remove_quietly(path: &PathBuf) {
    if let Err(err) = std::fs::remove_file(path)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %err, "cannot remove exit record");
    }
}
