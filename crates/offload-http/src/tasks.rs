//! The task registry: the manifest's tasks, which clients submit by name.
//!
//! A server started with a manifest runs declared tasks with typed parameters,
//! rendered into argv elements and never through a shell. Raw `command` jobs are
//! then refused unless the server allows them. Reloading swaps the manifest whole:
//! a job already accepted keeps the spec it was rendered with, and a manifest that
//! does not parse is rejected while the old one stays in force.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use offload_core::manifest::{Manifest, ManifestError};
use parking_lot::RwLock;

/// A loaded manifest with its checksum and where it came from.
#[derive(Debug)]
pub struct LoadedManifest {
    /// The tasks.
    pub manifest: Manifest,
    /// The SHA-256 of its canonical form.
    pub checksum: String,
    /// The file it was read from.
    pub path: PathBuf,
}

/// Why a manifest could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read.
    #[error("cannot read the manifest {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid manifest.
    #[error("{path}:{source}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line, column and a fix.
        source: ManifestError,
    },
    /// The server was started without a manifest, so there is nothing to reload.
    #[error("this server was started without --manifest")]
    NoManifest,
}

/// The server's tasks, if it has a manifest.
#[derive(Debug, Default)]
pub struct TaskRegistry {
    current: RwLock<Option<Arc<LoadedManifest>>>,
    allow_raw_commands: bool,
}

impl TaskRegistry {
    /// A registry loaded from `path`. With a manifest, raw commands are refused
    /// unless `allow_raw_commands` is set.
    pub fn load(path: &Path, allow_raw_commands: bool) -> Result<TaskRegistry, RegistryError> {
        let loaded = read(path)?;
        Ok(TaskRegistry {
            current: RwLock::new(Some(Arc::new(loaded))),
            allow_raw_commands,
        })
    }

    /// Re-reads the manifest file and swaps it in; on error the old one stays.
    pub fn reload(&self) -> Result<Arc<LoadedManifest>, RegistryError> {
        let path = self
            .current()
            .ok_or(RegistryError::NoManifest)?
            .path
            .clone();
        let loaded = Arc::new(read(&path)?);
        *self.current.write() = Some(loaded.clone());
        Ok(loaded)
    }

    /// The manifest in force, if any.
    pub fn current(&self) -> Option<Arc<LoadedManifest>> {
        self.current.read().clone()
    }

    /// Whether jobs with a raw `command` are accepted: always without a manifest,
    /// and with one only when the server allows them.
    pub fn raw_commands_allowed(&self) -> bool {
        self.allow_raw_commands || self.current.read().is_none()
    }
}

fn read(path: &Path) -> Result<LoadedManifest, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
        path: path.to_owned(),
        source,
    })?;
    let manifest = Manifest::parse(&text).map_err(|source| RegistryError::Invalid {
        path: path.to_owned(),
        source,
    })?;
    let checksum = manifest.checksum();
    Ok(LoadedManifest {
        manifest,
        checksum,
        path: path.to_owned(),
    })
}
