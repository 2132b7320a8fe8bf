//! From TOML text to a typed [`Manifest`]: field-level conversion with `[defaults]` applied.
//!
//! Each value is converted where it is read, so its error can point at its own span. Checks
//! that relate several tasks (order, references, cycles) run afterwards in `validate`.

use std::time::Duration;

use toml::Spanned;

use super::error::{ErrorKind, Locator, ManifestError};
use super::limits::apply_limits;
use super::params::parse_param;
use super::raw::{RawDefaults, RawManifest, RawTask};
use super::template::{parse_arg, parse_template};
use super::types::{ConcurrencyClass, Manifest, ParseConfig, Priority, Task};
use crate::id::QueueName;
use crate::spec::Limits;
use crate::units::parse_duration;
use crate::validate::bounds;

type Result<T> = std::result::Result<T, ManifestError>;

/// Values a task inherits when it sets none.
struct Defaults {
    timeout: Duration,
    retries: u32,
    priority: Priority,
    queue: QueueName,
    limits: Limits,
}

impl Manifest {
    /// Parses and validates a manifest against the default [`ParseConfig`].
    pub fn parse(source: &str) -> Result<Manifest> {
        Manifest::parse_with(source, &ParseConfig::default())
    }

    /// Parses and validates a manifest; the error names the line, column and a fix.
    pub fn parse_with(source: &str, config: &ParseConfig) -> Result<Manifest> {
        let at = Locator { source };
        let raw: RawManifest = toml::from_str(source).map_err(|err| toml_error(at, &err))?;
        check_version(at, &raw.version)?;
        let defaults = parse_defaults(at, &raw.defaults, config)?;
        let mut classes = std::collections::BTreeMap::new();
        for (name, class) in &raw.concurrency_class {
            classes.insert(name.clone(), parse_class(at, name, class)?);
        }
        let tasks = raw
            .task
            .iter()
            .map(|task| parse_task(at, task, &defaults, config))
            .collect::<Result<Vec<Task>>>()?;
        super::validate::check(at, &raw, &classes, &tasks)?;
        Ok(Manifest {
            version: super::VERSION,
            classes,
            tasks,
        })
    }
}

fn toml_error(at: Locator<'_>, err: &toml::de::Error) -> ManifestError {
    let span = err.span().unwrap_or(0..0);
    let message = err.message().trim().to_owned();
    let (kind, fix) = if message.starts_with("unknown field") {
        (
            ErrorKind::UnknownKey,
            "remove the key or correct its spelling; docs/manifest.md lists the keys",
        )
    } else if message.starts_with("missing field") {
        (ErrorKind::InvalidValue, "add the missing key to this table")
    } else if message.starts_with("invalid type") {
        (
            ErrorKind::InvalidValue,
            "give the value the type docs/manifest.md lists for this key",
        )
    } else {
        (
            ErrorKind::Syntax,
            "correct the TOML syntax at this position",
        )
    };
    at.error(&span, kind, message, fix)
}

fn check_version(at: Locator<'_>, version: &Spanned<i64>) -> Result<()> {
    if *version.get_ref() == i64::from(super::VERSION) {
        return Ok(());
    }
    Err(at.error(
        &version.span(),
        ErrorKind::UnsupportedVersion,
        format!("version {} is not supported", version.get_ref()),
        format!("set version = {}", super::VERSION),
    ))
}

fn parse_defaults(at: Locator<'_>, raw: &RawDefaults, config: &ParseConfig) -> Result<Defaults> {
    let timeout = match &raw.timeout {
        Some(timeout) => parse_timeout(at, timeout, config)?,
        None => super::DEFAULT_TASK_TIMEOUT.min(config.max_timeout),
    };
    let limits = match &raw.limits {
        Some(limits) => apply_limits(at, Limits::default(), limits)?,
        None => Limits::default(),
    };
    Ok(Defaults {
        timeout,
        retries: raw
            .retries
            .as_ref()
            .map(|r| parse_retries(at, r))
            .transpose()?
            .unwrap_or(0),
        priority: raw
            .priority
            .as_ref()
            .map(|p| parse_priority(at, p))
            .transpose()?
            .unwrap_or(Priority::Normal),
        queue: raw
            .queue
            .as_ref()
            .map(|q| parse_queue(at, q))
            .transpose()?
            .unwrap_or_default(),
        limits,
    })
}

fn parse_class(
    at: Locator<'_>,
    name: &str,
    class: &Spanned<super::raw::RawClass>,
) -> Result<ConcurrencyClass> {
    let max = &class.get_ref().max;
    match u32::try_from(*max.get_ref()) {
        Ok(value @ 1..=1024) => Ok(ConcurrencyClass { max: value }),
        _ => Err(at.error(
            &max.span(),
            ErrorKind::InvalidValue,
            format!(
                "concurrency_class.{name}.max is {}; it must be 1 to 1024",
                max.get_ref()
            ),
            "set max to a number from 1 to 1024",
        )),
    }
}

fn parse_task(
    at: Locator<'_>,
    spanned: &Spanned<RawTask>,
    defaults: &Defaults,
    config: &ParseConfig,
) -> Result<Task> {
    let raw = spanned.get_ref();
    check_task_id(at, &raw.id)?;
    let params = raw
        .params
        .iter()
        .map(|p| parse_param(at, p))
        .collect::<Result<Vec<_>>>()?;
    let mut depends_on: Vec<String> = raw.depends_on.iter().map(|d| d.get_ref().clone()).collect();
    depends_on.sort();
    depends_on.dedup();
    Ok(Task {
        id: raw.id.get_ref().clone(),
        description: raw.description.clone(),
        command: parse_command(at, &raw.command)?,
        params,
        priority: raw
            .priority
            .as_ref()
            .map(|p| parse_priority(at, p))
            .transpose()?
            .unwrap_or(defaults.priority),
        timeout: raw
            .timeout
            .as_ref()
            .map(|t| parse_timeout(at, t, config))
            .transpose()?
            .unwrap_or(defaults.timeout),
        retries: raw
            .retries
            .as_ref()
            .map(|r| parse_retries(at, r))
            .transpose()?
            .unwrap_or(defaults.retries),
        queue: raw
            .queue
            .as_ref()
            .map(|q| parse_queue(at, q))
            .transpose()?
            .unwrap_or_else(|| defaults.queue.clone()),
        concurrency_class: raw.concurrency_class.as_ref().map(|c| c.get_ref().clone()),
        feature_flag: raw
            .feature_flag
            .as_ref()
            .map(|f| parse_flag(at, f))
            .transpose()?,
        cache_key: raw
            .cache_key
            .as_ref()
            .map(|key| {
                located(
                    at,
                    key,
                    parse_template(key.get_ref()),
                    "write placeholders as {name} and literal braces as {{ and }}",
                )
            })
            .transpose()?,
        depends_on,
        limits: match &raw.limits {
            Some(limits) => apply_limits(at, defaults.limits.clone(), limits)?,
            None => defaults.limits.clone(),
        },
    })
}

/// Turns a plain error message about one spanned value into a located error.
fn located<T, V>(
    at: Locator<'_>,
    value: &Spanned<V>,
    result: std::result::Result<T, String>,
    fix: &str,
) -> Result<T> {
    result.map_err(|message| at.error(&value.span(), ErrorKind::InvalidValue, message, fix))
}

fn check_task_id(at: Locator<'_>, id: &Spanned<String>) -> Result<()> {
    let text = id.get_ref();
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !text.is_empty() && text.len() <= 64 && text.chars().all(valid) {
        return Ok(());
    }
    Err(at.error(
        &id.span(),
        ErrorKind::InvalidValue,
        format!("task id {text:?} is invalid: ids are 1 to 64 of [A-Za-z0-9_-]"),
        "rename the task using only letters, digits, '_' and '-'",
    ))
}

fn parse_command(
    at: Locator<'_>,
    command: &Spanned<Vec<Spanned<String>>>,
) -> Result<Vec<super::ArgTemplate>> {
    let fix = "make each placeholder its own argv element, e.g. [\"-n\", \"{min_len}\"]";
    let args = command
        .get_ref()
        .iter()
        .map(|arg| located(at, arg, parse_arg(arg.get_ref()), fix))
        .collect::<Result<Vec<_>>>()?;
    match args.first() {
        Some(super::ArgTemplate::Literal(program)) if !program.is_empty() => Ok(args),
        Some(_) => Err(at.error(
            &command.span(),
            ErrorKind::InvalidValue,
            "the program (first element of command) must be a literal",
            "write the program's path as the first element",
        )),
        None => Err(at.error(
            &command.span(),
            ErrorKind::InvalidValue,
            "command is empty",
            "give the argv, e.g. [\"/usr/bin/true\"]",
        )),
    }
}

fn parse_timeout(
    at: Locator<'_>,
    timeout: &Spanned<String>,
    config: &ParseConfig,
) -> Result<Duration> {
    let fix = "write a duration such as \"1500ms\" or \"90s\"";
    let value = located(at, timeout, parse_duration(timeout.get_ref()), fix)?;
    if value.is_zero() {
        return Err(at.error(
            &timeout.span(),
            ErrorKind::InvalidValue,
            "timeout is 0",
            fix,
        ));
    }
    if value > config.max_timeout {
        let cap = humantime::format_duration(config.max_timeout);
        return Err(at.error(
            &timeout.span(),
            ErrorKind::TimeoutAboveCap,
            format!(
                "timeout {:?} is above the global cap of {cap}",
                timeout.get_ref()
            ),
            format!("lower the timeout to {cap} or less"),
        ));
    }
    Ok(value)
}

fn parse_retries(at: Locator<'_>, retries: &Spanned<i64>) -> Result<u32> {
    match u32::try_from(*retries.get_ref()) {
        Ok(value) if value <= bounds::MAX_RETRIES => Ok(value),
        _ => Err(at.error(
            &retries.span(),
            ErrorKind::InvalidValue,
            format!(
                "retries is {}; it must be 0 to {}",
                retries.get_ref(),
                bounds::MAX_RETRIES
            ),
            format!("set retries to a number from 0 to {}", bounds::MAX_RETRIES),
        )),
    }
}

fn parse_priority(at: Locator<'_>, priority: &Spanned<toml::Value>) -> Result<Priority> {
    let parsed = match priority.get_ref() {
        toml::Value::String(name) if name == "critical" => Some(Priority::Critical),
        toml::Value::String(name) if name == "normal" => Some(Priority::Normal),
        toml::Value::String(name) if name == "cosmetic" => Some(Priority::Cosmetic),
        toml::Value::Integer(rank) => i32::try_from(*rank)
            .ok()
            .filter(|r| bounds::PRIORITY.contains(r))
            .map(Priority::Rank),
        _ => None,
    };
    parsed.ok_or_else(|| {
        at.error(
            &priority.span(),
            ErrorKind::InvalidValue,
            format!("priority {} is not critical, normal, cosmetic or an integer from -1000 to 1000", priority.get_ref()),
            "write priority = \"critical\", \"normal\", \"cosmetic\" or an integer from -1000 to 1000",
        )
    })
}

fn parse_queue(at: Locator<'_>, queue: &Spanned<String>) -> Result<QueueName> {
    located(
        at,
        queue,
        QueueName::new(queue.get_ref().clone()),
        "use 1 to 64 of [A-Za-z0-9_.-]",
    )
}

fn parse_flag(at: Locator<'_>, flag: &Spanned<String>) -> Result<String> {
    let name = flag.get_ref();
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
        return Ok(name.clone());
    }
    Err(at.error(
        &flag.span(),
        ErrorKind::InvalidValue,
        format!("feature_flag {name:?} is not an environment variable name"),
        "use [A-Z_][A-Z0-9_]*, e.g. \"TASK_STRINGS\"",
    ))
}
