//! A strict parser of the OpenMetrics text format, enough to check `/metrics`.
//!
//! It rejects what a scraper would: a sample whose family was never declared
//! with `# TYPE`, a malformed label set, a value that is not a number, and text
//! that does not end with `# EOF`. Tests then look samples up by name and labels.

use std::collections::{BTreeMap, HashMap};

/// One sample: its full name (with `_total`, `_bucket`…), labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed exposition.
#[derive(Debug, Default)]
pub struct Exposition {
    pub types: HashMap<String, String>,
    pub samples: Vec<Sample>,
}

impl Exposition {
    /// The value of the sample with this name whose labels include `labels`; 0 if none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }
}

/// Parses `text`, or says which line is wrong and why.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut out = Exposition::default();
    let mut ended = false;
    for line in text.lines() {
        if ended {
            return Err(format!("text after # EOF: {line:?}"));
        }
        if line == "# EOF" {
            ended = true;
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or(format!("bad TYPE: {line:?}"))?;
            out.types.insert(name.to_owned(), kind.to_owned());
        } else if line.starts_with("# HELP ") || line.starts_with("# UNIT ") {
        } else {
            let sample = sample(line)?;
            family_of(&out.types, &sample.name).ok_or(format!("undeclared family: {line:?}"))?;
            out.samples.push(sample);
        }
    }
    if !ended {
        return Err("the text does not end with # EOF".into());
    }
    Ok(out)
}

fn family_of<'a>(types: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    let suffixes = [
        "", "_total", "_bucket", "_count", "_sum", "_created", "_info",
    ];
    suffixes.iter().find_map(|s| {
        let base = name.strip_suffix(s)?;
        types.get(base).map(String::as_str)
    })
}

fn sample(line: &str) -> Result<Sample, String> {
    let bad = |why: &str| format!("{why}: {line:?}");
    let (head, value) = line.rsplit_once(' ').ok_or(bad("no value"))?;
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        v => v.parse().map_err(|_| bad("value is not a number"))?,
    };
    let (name, labels) = match head.split_once('{') {
        Some((name, rest)) => (
            name,
            labels(rest.strip_suffix('}').ok_or(bad("unclosed labels"))?).map_err(|e| bad(&e))?,
        ),
        None => (head, BTreeMap::new()),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return Err(bad("bad metric name"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").ok_or("label without =\"")?;
        let end = after.find('"').ok_or("unterminated label value")?;
        out.insert(key.to_owned(), after[..end].to_owned());
        rest = after[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&after[end + 1..]);
    }
    Ok(out)
}

#[test]
fn the_parser_rejects_what_a_scraper_would() {
    assert!(parse("x 1\n# EOF\n").is_err(), "undeclared family");
    assert!(parse("# TYPE x gauge\nx 1\n").is_err(), "no EOF");
    assert!(
        parse("# TYPE x gauge\nx one\n# EOF\n").is_err(),
        "bad value"
    );
    assert!(
        parse("# TYPE x gauge\nx{a=\"1 1\n# EOF\n").is_err(),
        "bad labels"
    );
    let ok = parse("# TYPE x counter\nx_total{a=\"1\",b=\"2\"} 3\n# EOF\n").unwrap();
    assert_eq!(ok.value("x_total", &[("b", "2")]), 3.0);
}
