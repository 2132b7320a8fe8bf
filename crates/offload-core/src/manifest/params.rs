//! One entry of a task's `params`: its name, type, pattern and default, checked together.
//!
//! Every parameter is either required or has a default, so rendering never meets a
//! placeholder without a value and never has to guess whether to drop an argv element.

use toml::Spanned;

use super::error::{ErrorKind, Locator, ManifestError};
use super::raw::RawParam;
use super::template::check_param_name;
use super::types::{Param, ParamType, Pattern};
use super::value::{Input, check_value};

type Result<T> = std::result::Result<T, ManifestError>;

/// Converts one raw parameter.
pub(super) fn parse_param(at: Locator<'_>, spanned: &Spanned<RawParam>) -> Result<Param> {
    let raw = spanned.get_ref();
    let name = raw.name.get_ref();
    check_param_name(name).map_err(|message| {
        at.error(
            &raw.name.span(),
            ErrorKind::InvalidValue,
            message,
            "rename the parameter, e.g. \"min_len\"",
        )
    })?;
    let mut param = Param {
        name: name.clone(),
        kind: parse_kind(at, raw)?,
        required: raw.required,
        default: None,
        pattern: parse_pattern(at, raw)?,
    };
    param.default = match (&raw.default, raw.required) {
        (Some(default), false) => Some(
            check_value(&param, Input::from_toml(default.get_ref())).map_err(|problem| {
                at.error(
                    &default.span(),
                    ErrorKind::InvalidValue,
                    format!("default of {name:?}: {problem}"),
                    "give a default that fits the type, values and pattern",
                )
            })?,
        ),
        (Some(default), true) => {
            return Err(at.error(
                &default.span(),
                ErrorKind::InvalidValue,
                format!("parameter {name:?} is required and has a default"),
                "remove `default`, or remove `required = true`",
            ));
        }
        (None, true) => None,
        (None, false) => {
            return Err(at.error(
                &spanned.span(),
                ErrorKind::InvalidValue,
                format!("parameter {name:?} is optional but has no default"),
                "add `default = ...` or `required = true`",
            ));
        }
    };
    Ok(param)
}

fn parse_kind(at: Locator<'_>, raw: &RawParam) -> Result<ParamType> {
    let kind = match raw.kind.get_ref().as_str() {
        "string" => ParamType::String,
        "int" => ParamType::Int,
        "bool" => ParamType::Bool,
        "path" => ParamType::Path,
        "enum" => return parse_enum(at, raw),
        other => {
            return Err(at.error(
                &raw.kind.span(),
                ErrorKind::InvalidValue,
                format!("type {other:?} is not string, int, bool, enum or path"),
                "use one of: string, int, bool, enum, path",
            ));
        }
    };
    match &raw.values {
        Some(values) => Err(at.error(
            &values.span(),
            ErrorKind::InvalidValue,
            format!("`values` is only for enum parameters, not {}", kind.name()),
            "remove `values`, or set type = \"enum\"",
        )),
        None => Ok(kind),
    }
}

fn parse_enum(at: Locator<'_>, raw: &RawParam) -> Result<ParamType> {
    let Some(values) = &raw.values else {
        return Err(at.error(
            &raw.kind.span(),
            ErrorKind::InvalidValue,
            "an enum parameter needs `values`",
            "add values = [\"a\", \"b\"]",
        ));
    };
    let list = values.get_ref();
    let mut sorted = list.clone();
    sorted.sort();
    sorted.dedup();
    let valid = !list.is_empty()
        && sorted.len() == list.len()
        && list.iter().all(|v| !v.is_empty() && !v.contains('\0'));
    if !valid {
        return Err(at.error(
            &values.span(),
            ErrorKind::InvalidValue,
            "enum values must be a non-empty list of distinct, non-empty strings",
            "list each allowed value once",
        ));
    }
    Ok(ParamType::Enum {
        values: list.clone(),
    })
}

fn parse_pattern(at: Locator<'_>, raw: &RawParam) -> Result<Option<Pattern>> {
    let Some(pattern) = &raw.pattern else {
        return Ok(None);
    };
    if !matches!(raw.kind.get_ref().as_str(), "string" | "path") {
        return Err(at.error(
            &pattern.span(),
            ErrorKind::InvalidValue,
            format!(
                "`pattern` is only for string and path parameters, not {}",
                raw.kind.get_ref()
            ),
            "remove `pattern`",
        ));
    }
    Pattern::new(pattern.get_ref()).map(Some).map_err(|err| {
        let first_line = err
            .to_string()
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_owned();
        at.error(
            &pattern.span(),
            ErrorKind::InvalidValue,
            format!(
                "pattern {:?} is not a valid regular expression: {first_line}",
                pattern.get_ref()
            ),
            "correct the regular expression (regex crate syntax)",
        )
    })
}
