//! Type checks of parameter values, shared by defaults in the file and values from callers.
//!
//! A default written in TOML and a value sent as JSON go through the same function, so a
//! default can never be something a caller could not have sent.

use super::types::{Param, ParamType, ParamValue};

/// A value before it is checked, whatever format it came in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'a> {
    /// A string.
    Text(&'a str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Anything else, by its type name.
    Other(&'static str),
}

impl<'a> Input<'a> {
    /// Reads a TOML value.
    pub(super) fn from_toml(value: &'a toml::Value) -> Input<'a> {
        match value {
            toml::Value::String(text) => Input::Text(text),
            toml::Value::Integer(number) => Input::Int(*number),
            toml::Value::Boolean(flag) => Input::Bool(*flag),
            other => Input::Other(other.type_str()),
        }
    }

    /// Reads a JSON value.
    pub(super) fn from_json(value: &'a serde_json::Value) -> Input<'a> {
        match value {
            serde_json::Value::String(text) => Input::Text(text),
            serde_json::Value::Number(number) => {
                number.as_i64().map_or(Input::Other("float"), Input::Int)
            }
            serde_json::Value::Bool(flag) => Input::Bool(*flag),
            serde_json::Value::Null => Input::Other("null"),
            serde_json::Value::Array(_) => Input::Other("array"),
            serde_json::Value::Object(_) => Input::Other("object"),
        }
    }
}

/// Checks `input` against the parameter's type, set and pattern.
pub(super) fn check_value(param: &Param, input: Input<'_>) -> Result<ParamValue, String> {
    let value = match (&param.kind, input) {
        (ParamType::Int, Input::Int(number)) => int(number)?,
        (ParamType::Int, Input::Text(text)) => int(text
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an integer"))?)?,
        (ParamType::Bool, Input::Bool(flag)) => ParamValue::Bool(flag),
        (ParamType::Bool, Input::Text("true")) => ParamValue::Bool(true),
        (ParamType::Bool, Input::Text("false")) => ParamValue::Bool(false),
        (ParamType::Enum { values }, Input::Text(text)) => member(values, text)?,
        (ParamType::String | ParamType::Path, Input::Text(text)) => text_value(text)?,
        (kind, input) => {
            return Err(format!(
                "expected {}, got {}",
                kind.name(),
                input_name(input)
            ));
        }
    };
    match (&param.pattern, &value) {
        (Some(pattern), ParamValue::Text(text)) if !pattern.matches(text) => Err(format!(
            "{text:?} does not match the pattern {:?}",
            pattern.source
        )),
        _ => Ok(value),
    }
}

fn int(number: i64) -> Result<ParamValue, String> {
    // A negative number renders with a leading '-', which a program could read as an option.
    u64::try_from(number)
        .map(ParamValue::Int)
        .map_err(|_| format!("{number} is negative; int parameters must be 0 or more"))
}

fn member(values: &[String], text: &str) -> Result<ParamValue, String> {
    if values.iter().any(|value| value == text) {
        Ok(ParamValue::Text(text.to_owned()))
    } else {
        Err(format!("{text:?} is not one of {values:?}"))
    }
}

fn text_value(text: &str) -> Result<ParamValue, String> {
    if text.contains('\0') {
        return Err("the value contains a NUL byte".into());
    }
    if text.starts_with('-') {
        return Err(format!(
            "{text:?} starts with '-', so a program could read it as an option; \
             write ./{text} for a file, or declare an enum for an option"
        ));
    }
    Ok(ParamValue::Text(text.to_owned()))
}

fn input_name(input: Input<'_>) -> &'static str {
    match input {
        Input::Text(_) => "string",
        Input::Int(_) => "integer",
        Input::Bool(_) => "boolean",
        Input::Other(name) => name,
    }
}
