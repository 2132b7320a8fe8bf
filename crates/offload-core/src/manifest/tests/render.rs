//! Rendering: values become whole argv elements exactly as given, type-checked, and
//! injection attempts stay inert text or are refused.

use serde_json::{Map, Value, json};

use super::EXAMPLE;
use crate::manifest::{Manifest, RenderError, TASK_LABEL};

fn params(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn argv(manifest: &Manifest, given: Value) -> Result<Vec<String>, RenderError> {
    manifest
        .render("strings", &params(given))
        .map(|spec| spec.command)
}

#[test]
fn defaults_fill_in_and_values_replace_whole_elements() {
    let manifest = Manifest::parse(EXAMPLE).unwrap();
    let spec = manifest
        .render("strings", &params(json!({ "file": "a.bin" })))
        .unwrap();
    assert_eq!(spec.command, ["/usr/bin/strings", "-n", "4", "a.bin"]);
    assert_eq!(spec.timeout, std::time::Duration::from_millis(1500));
    assert_eq!(spec.retry.max_retries, 0);
    assert_eq!(spec.labels[TASK_LABEL], "strings");
    let argv = argv(&manifest, json!({ "file": "b", "min_len": "8" })).unwrap();
    assert_eq!(argv, ["/usr/bin/strings", "-n", "8", "b"]);
}

#[test]
fn shell_metacharacters_stay_one_inert_element() {
    let manifest = Manifest::parse(EXAMPLE).unwrap();
    for hostile in [
        "; rm -rf /",
        "$(reboot)",
        "`id`",
        "a\nb",
        "x' || true '",
        "*",
        "a b c",
    ] {
        let argv = argv(&manifest, json!({ "file": hostile })).unwrap();
        assert_eq!(argv, ["/usr/bin/strings", "-n", "4", hostile]);
    }
}

#[test]
fn option_smuggling_and_bad_types_are_refused() {
    let manifest = Manifest::parse(EXAMPLE).unwrap();
    let cases = [
        (
            json!({ "file": "--help" }),
            "parameter \"file\" of task \"strings\": \"--help\" starts with '-', so a program could read it as an option; write ./--help for a file, or declare an enum for an option",
        ),
        (
            json!({ "file": "a\u{0}b" }),
            "parameter \"file\" of task \"strings\": the value contains a NUL byte",
        ),
        (
            json!({ "file": "a", "min_len": "4; ls" }),
            "parameter \"min_len\" of task \"strings\": \"4; ls\" is not an integer",
        ),
        (
            json!({ "file": "a", "min_len": -1 }),
            "parameter \"min_len\" of task \"strings\": -1 is negative; int parameters must be 0 or more",
        ),
        (
            json!({ "file": "a", "min_len": 1.5 }),
            "parameter \"min_len\" of task \"strings\": expected int, got float",
        ),
        (
            json!({ "file": 3 }),
            "parameter \"file\" of task \"strings\": expected path, got integer",
        ),
        (json!({}), "task \"strings\" needs parameter \"file\""),
        (
            json!({ "file": "a", "extra": "x" }),
            "task \"strings\" has no parameter \"extra\"",
        ),
    ];
    for (given, expected) in cases {
        let err = argv(&manifest, given.clone()).expect_err(&given.to_string());
        assert_eq!(err.to_string(), expected);
    }
    let err = manifest.render("nope", &Map::new()).unwrap_err();
    assert_eq!(err, RenderError::UnknownTask("nope".into()));
}

const CHOICES: &str = r#"
version = 1
[[task]]
id = "hash"
description = "hash a file"
command = ["/usr/bin/env", "{algo}", "{name}", "{verbose}"]
cache_key = "hash-{algo}-{name}"
params = [
  { name = "algo", type = "enum", values = ["sha256sum", "md5sum"], default = "sha256sum" },
  { name = "name", type = "string", pattern = "[a-z]+\\.txt", required = true },
  { name = "verbose", type = "bool", default = false },
]
"#;

#[test]
fn enums_patterns_and_bools_are_checked() {
    let manifest = Manifest::parse(CHOICES).unwrap();
    let render = |given: Value| manifest.render("hash", &params(given));
    let spec = render(json!({ "name": "a.txt", "verbose": true })).unwrap();
    assert_eq!(spec.command, ["/usr/bin/env", "sha256sum", "a.txt", "true"]);
    assert_eq!(
        spec.labels[crate::manifest::CACHE_KEY_LABEL],
        "hash-sha256sum-a.txt"
    );
    let err = render(json!({ "name": "a.txt", "algo": "rm" })).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter \"algo\" of task \"hash\": \"rm\" is not one of [\"sha256sum\", \"md5sum\"]"
    );
    // The pattern is anchored: a matching prefix followed by more text does not pass.
    let err = render(json!({ "name": "a.txt; rm -rf /" })).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter \"name\" of task \"hash\": \"a.txt; rm -rf /\" does not match the pattern \"[a-z]+\\\\.txt\""
    );
    let err = render(json!({ "name": "a.txt", "verbose": "yes" })).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter \"verbose\" of task \"hash\": expected bool, got string"
    );
}

#[test]
fn literal_braces_are_written_doubled() {
    let source = "version = 1\n[[task]]\nid = \"f\"\ndescription = \"d\"\ncommand = [\"/usr/bin/find\", \".\", \"-exec\", \"echo\", \"{{}}\", \";\"]\n";
    let spec = Manifest::parse(source)
        .unwrap()
        .render("f", &Map::new())
        .unwrap();
    assert_eq!(
        spec.command,
        ["/usr/bin/find", ".", "-exec", "echo", "{}", ";"]
    );
}
