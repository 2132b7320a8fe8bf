//! JSON pointer patterns: parsing, escaping and matching against the path
//! the diff walker is standing on.

/// Escapes one path segment as RFC 6901 requires (`~` → `~0`, `/` → `~1`).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A parsed pointer pattern: its escaped segments, `*` matching any one.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    segments: Vec<String>,
}

impl Pattern {
    /// Parses a pointer; `None` for strings that are not pointers, which then
    /// match nothing (validation reports them to the experiment builder).
    pub(crate) fn parse(pointer: &str) -> Option<Pattern> {
        if pointer.is_empty() {
            return Some(Pattern {
                segments: Vec::new(),
            });
        }
        let rest = pointer.strip_prefix('/')?;
        Some(Pattern {
            segments: rest.split('/').map(str::to_owned).collect(),
        })
    }

    /// True when the pattern names exactly the node at `path` (escaped segments).
    pub(crate) fn matches(&self, path: &[String]) -> bool {
        self.segments.len() == path.len()
            && self
                .segments
                .iter()
                .zip(path)
                .all(|(want, have)| want == "*" || want == have)
    }
}

/// Renders escaped segments as a pointer string.
pub(crate) fn render(path: &[String]) -> String {
    path.iter().fold(String::new(), |mut pointer, segment| {
        pointer.push('/');
        pointer.push_str(segment);
        pointer
    })
}
