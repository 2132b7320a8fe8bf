//! The task manifest (`offload.toml`): one TOML file that declares every task offload may
//! run, with typed parameters, priorities, timeouts, retries, concurrency classes, feature
//! flags and dependencies.
//!
//! The manifest is the one canonical list of tasks, so drift between what is declared and
//! what runs can be caught by a checksum. This module is pure: it parses from a `&str`,
//! validates, computes the checksum of a canonical form, and renders a task into a
//! [`JobSpec`](crate::JobSpec). Reading the file and running the tasks belong to callers.
//!
//! Parameters are substituted as *whole* argv elements, never through a shell, so a value
//! such as `; rm -rf /` stays one harmless argument. See `docs/manifest.md` for the format.

mod checksum;
mod error;
mod limits;
mod params;
mod parse;
mod raw;
mod render;
mod template;
mod types;
mod validate;
mod value;

#[cfg(test)]
mod tests;

pub use error::{ErrorKind, ManifestError, RenderError};
pub use render::{CACHE_KEY_LABEL, TASK_LABEL};
pub use template::{ArgTemplate, Template, TemplatePart};
pub use types::{
    ConcurrencyClass, Manifest, Param, ParamType, ParamValue, ParseConfig, Pattern, Priority, Task,
};

/// The only manifest format version this build understands.
pub const VERSION: u32 = 1;

/// The default global cap on a task's timeout; [`ParseConfig`] can lower or raise it.
pub const DEFAULT_TIMEOUT_CAP: std::time::Duration = std::time::Duration::from_secs(3600);

/// The timeout of a task that sets none, when `[defaults]` sets none either.
pub const DEFAULT_TASK_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);
