//! The checksum is of the meaning, not the text: comments, key order, spelling of
//! durations and inherited defaults leave it unchanged; a real change moves it.

use super::EXAMPLE;
use crate::manifest::Manifest;

fn checksum(source: &str) -> String {
    Manifest::parse(source).expect("valid manifest").checksum()
}

/// The example with comments, reordered keys, params swapped and `1.5s` for `1500ms`.
const REORDERED: &str = r#"
# The tool server's manifest.
version = 1 # the only version

[[task]]
feature_flag = "TASK_STRINGS"   # rolled out behind a flag
concurrency_class = "heavy"
retries = 0
timeout = "1.5s"
priority = "normal"
params = [
  { default = 4, type = "int", name = "min_len" },
  { required = true, name = "file", type = "path" },
]
command = ["/usr/bin/strings", "-n", "{min_len}", "{file}"]
description = "printable strings of a file"
id = "strings"

[concurrency_class.heavy]
max = 2

[defaults]
timeout = "90s"
"#;

#[test]
fn comments_key_order_and_spelling_do_not_change_the_checksum() {
    assert_eq!(checksum(EXAMPLE), checksum(REORDERED));
}

#[test]
fn an_inherited_default_equals_the_value_written_out() {
    let inherited = EXAMPLE
        .replace("timeout = \"1500ms\"\n", "")
        .replace("timeout = \"90s\"", "timeout = \"1500ms\"");
    assert_eq!(checksum(EXAMPLE), checksum(&inherited));
}

#[test]
fn a_change_in_meaning_changes_the_checksum() {
    let changes = [
        ("timeout = \"1500ms\"", "timeout = \"1600ms\""),
        ("max = 2", "max = 3"),
        ("default = 4", "default = 5"),
        ("\"-n\"", "\"-N\""),
        ("priority = \"normal\"", "priority = \"critical\""),
        ("TASK_STRINGS", "TASK_STRINGS2"),
    ];
    let base = checksum(EXAMPLE);
    for (from, to) in changes {
        assert!(EXAMPLE.contains(from), "{from} is not in the example");
        assert_ne!(checksum(&EXAMPLE.replace(from, to)), base, "{from} -> {to}");
    }
}

#[test]
fn the_checksum_is_the_sha256_of_the_canonical_form() {
    use sha2::Digest;
    let manifest = Manifest::parse(EXAMPLE).unwrap();
    let expected = hex::encode(sha2::Sha256::digest(manifest.canonical().as_bytes()));
    assert_eq!(manifest.checksum(), expected);
    assert!(manifest.canonical().contains("\"timeout_ms\":1500"));
}
