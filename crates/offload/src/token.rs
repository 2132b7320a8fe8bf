//! The API token: created at random on first start, kept in the data dir with mode 0600.
//!
//! There is no default token and no default password. The token is never logged;
//! the server prints where it is and how to use it, not the token itself.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The token file inside a data dir.
pub fn path(data: &Path) -> PathBuf {
    data.join("token")
}

/// Reads the token file, creating a new random token if it does not exist.
pub fn load_or_create(path: &Path) -> Result<String> {
    let path = path.to_owned();
    match std::fs::read_to_string(&path) {
        Ok(token) => validate(token.trim(), &path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(err) => {
            Err(err).with_context(|| format!("cannot read the API token at {}", path.display()))
        }
    }
}

fn validate(token: &str, path: &Path) -> Result<String> {
    if token.len() < 32 {
        bail!(
            "the API token in {} is shorter than 32 characters; delete it to have a new one made",
            path.display()
        );
    }
    Ok(token.to_owned())
}

fn create(path: &Path) -> Result<String> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create the API token file {}", path.display()))?;
    file.write_all(token.as_bytes())?;
    file.sync_all()?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_new_token_is_random_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(&path(dir.path())).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(&path(dir.path())).unwrap(), first);
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(load_or_create(&path(other.path())).unwrap(), first);
    }

    #[test]
    fn a_short_token_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), "short").unwrap();
        assert!(load_or_create(&path(dir.path())).is_err());
    }
}
