//! Templates: argv elements and cache keys with `{name}` placeholders.
//!
//! An argv element is either literal text or exactly one placeholder, so that a value
//! always becomes one whole argument and can never be split or merged with a flag. A
//! cache key is free text and may mix literals and placeholders. `{{` and `}}` write
//! literal braces (so `find -exec {} ;` is written `"{{}}"`).

/// One argv element of a command template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgTemplate {
    /// Passed as written.
    Literal(String),
    /// Replaced by the value of the named parameter, as one whole element.
    Param(String),
}

/// A text template with placeholders, such as a cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The pieces, in order.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// The value of the named parameter.
    Param(String),
}

impl Template {
    /// The names of the parameters it uses, in order of appearance.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Param(name) => Some(name.as_str()),
            TemplatePart::Text(_) => None,
        })
    }

    /// The template as written, with literal braces doubled again.
    pub fn source(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
                TemplatePart::Param(name) => format!("{{{name}}}"),
            })
            .collect()
    }
}

/// Splits `text` into literal and placeholder parts; the error says what is wrong.
pub(super) fn parse_template(text: &str) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                literal.push(c);
            }
            ('{', _) => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                check_param_name(&name)?;
                if !literal.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut literal)));
                }
                parts.push(TemplatePart::Param(name));
            }
            ('}', _) => return Err("unmatched '}'".into()),
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(TemplatePart::Text(literal));
    }
    Ok(Template { parts })
}

/// Parses one argv element: literal text, or exactly one whole placeholder.
pub(super) fn parse_arg(text: &str) -> Result<ArgTemplate, String> {
    let template = parse_template(text)?;
    match template.parts.as_slice() {
        [] => Ok(ArgTemplate::Literal(String::new())),
        [TemplatePart::Text(text)] => Ok(ArgTemplate::Literal(text.clone())),
        [TemplatePart::Param(name)] => Ok(ArgTemplate::Param(name.clone())),
        _ => Err("a placeholder must be a whole argv element".into()),
    }
}

/// Checks that `name` is a valid parameter name: `[a-z_][a-z0-9_]*`, at most 64 bytes.
pub(super) fn check_param_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && name.len() <= 64 {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a parameter name: use 1 to 64 of [a-z0-9_], not starting with a digit"
        ))
    }
}
