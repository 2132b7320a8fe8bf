//! The canonical form of a manifest and its SHA-256 checksum.
//!
//! The canonical form is built from the typed manifest, not from the text: comments, key
//! order, whitespace, the order of `params`, and spellings such as `"1.5s"` for `"1500ms"`
//! do not change it, and a default written out gives the same form as one inherited from
//! `[defaults]`. Anything that changes what would run does change it.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::template::ArgTemplate;
use super::types::{Manifest, Param, ParamType, ParamValue, Priority, Task};

impl Manifest {
    /// The canonical form: compact JSON with keys in a fixed order.
    pub fn canonical(&self) -> String {
        let classes: serde_json::Map<String, Value> = self
            .classes
            .iter()
            .map(|(name, class)| (name.clone(), json!({ "max": class.max })))
            .collect();
        let tasks: Vec<Value> = self.tasks.iter().map(task).collect();
        // Keys are written in sorted order so the text is the same whether or not serde_json's
        // `preserve_order` feature is enabled somewhere in the build.
        json!({ "concurrency_class": classes, "task": tasks, "version": self.version }).to_string()
    }

    /// The SHA-256 of [`Manifest::canonical`], as lowercase hex.
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }
}

fn task(task: &Task) -> Value {
    let command: Vec<Value> = task
        .command
        .iter()
        .map(|arg| match arg {
            ArgTemplate::Literal(text) => json!({ "literal": text }),
            ArgTemplate::Param(name) => json!({ "param": name }),
        })
        .collect();
    let mut params: Vec<&Param> = task.params.iter().collect();
    params.sort_by(|a, b| a.name.cmp(&b.name));
    json!({
        "cache_key": task.cache_key.as_ref().map(|key| key.source()),
        "command": command,
        "concurrency_class": task.concurrency_class,
        "depends_on": task.depends_on,
        "description": task.description,
        "feature_flag": task.feature_flag,
        "id": task.id,
        "limits": limits(&task.limits),
        "params": params.into_iter().map(param).collect::<Vec<_>>(),
        "priority": priority(task.priority),
        "queue": task.queue.as_str(),
        "retries": task.retries,
        "timeout_ms": millis(task.timeout),
    })
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn limits(limits: &crate::spec::Limits) -> Value {
    json!({
        "cpu_ms": millis(limits.cpu),
        "file_size": limits.file_size,
        "memory": limits.memory,
        "open_files": limits.open_files,
        "output": limits.output,
        "processes": limits.processes,
    })
}

fn priority(priority: Priority) -> Value {
    match priority {
        Priority::Critical => json!("critical"),
        Priority::Normal => json!("normal"),
        Priority::Cosmetic => json!("cosmetic"),
        Priority::Rank(rank) => json!(rank),
    }
}

fn param(param: &Param) -> Value {
    let values = match &param.kind {
        ParamType::Enum { values } => json!(values),
        _ => Value::Null,
    };
    json!({
        "default": param.default.as_ref().map(default),
        "name": param.name,
        "pattern": param.pattern.as_ref().map(|p| p.source.clone()),
        "required": param.required,
        "type": param.kind.name(),
        "values": values,
    })
}

fn default(value: &ParamValue) -> Value {
    match value {
        ParamValue::Text(text) => json!(text),
        ParamValue::Int(number) => json!(number),
        ParamValue::Bool(flag) => json!(flag),
    }
}
