//! The manifest as TOML spells it: serde types that keep each value's byte span.
//!
//! Every table denies unknown keys, so a misspelt key is an error instead of a setting that
//! silently does nothing. Values that later checks may reject are wrapped in [`Spanned`] so
//! those checks can point at the exact line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) version: Spanned<i64>,
    #[serde(default)]
    pub(super) defaults: RawDefaults,
    #[serde(default)]
    pub(super) concurrency_class: BTreeMap<String, Spanned<RawClass>>,
    #[serde(default)]
    pub(super) task: Vec<Spanned<RawTask>>,
}

/// `[defaults]`: values a task inherits when it sets none.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) retries: Option<Spanned<i64>>,
    pub(super) priority: Option<Spanned<toml::Value>>,
    pub(super) queue: Option<Spanned<String>>,
    pub(super) limits: Option<RawLimits>,
}

/// `[concurrency_class.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClass {
    pub(super) max: Spanned<i64>,
}

/// One `[[task]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTask {
    pub(super) id: Spanned<String>,
    pub(super) description: String,
    pub(super) command: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) params: Vec<Spanned<RawParam>>,
    pub(super) priority: Option<Spanned<toml::Value>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) retries: Option<Spanned<i64>>,
    pub(super) queue: Option<Spanned<String>>,
    pub(super) concurrency_class: Option<Spanned<String>>,
    pub(super) feature_flag: Option<Spanned<String>>,
    pub(super) cache_key: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) depends_on: Vec<Spanned<String>>,
    pub(super) limits: Option<RawLimits>,
}

/// One entry of `params`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawParam {
    pub(super) name: Spanned<String>,
    #[serde(rename = "type")]
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    pub(super) required: bool,
    pub(super) default: Option<Spanned<toml::Value>>,
    pub(super) pattern: Option<Spanned<String>>,
    pub(super) values: Option<Spanned<Vec<String>>>,
}

/// `limits`: sizes as `256M`, CPU time as `30s`, counts as integers.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) memory: Option<Spanned<String>>,
    pub(super) cpu: Option<Spanned<String>>,
    pub(super) processes: Option<Spanned<i64>>,
    pub(super) file_size: Option<Spanned<String>>,
    pub(super) open_files: Option<Spanned<i64>>,
    pub(super) output: Option<Spanned<String>>,
}
