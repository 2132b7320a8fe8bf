//! A table of invalid manifests, each with its exact error: kind, line, column, message and
//! fix.

use crate::manifest::{ErrorKind, Manifest, ParseConfig};

/// A minimal valid task with extra lines appended.
fn task(id: &str, extra: &str) -> String {
    format!("[[task]]\nid = \"{id}\"\ndescription = \"d\"\ncommand = [\"/bin/true\"]\n{extra}\n")
}

/// A task whose command and params are given.
fn task_with(command: &str, params: &str) -> String {
    format!(
        "version = 1\n[[task]]\nid = \"a\"\ndescription = \"d\"\ncommand = {command}\nparams = [{params}]\n"
    )
}

fn one(extra: &str) -> String {
    format!("version = 1\n{}", task("a", extra))
}

fn cases() -> Vec<(String, ErrorKind, &'static str)> {
    use ErrorKind::*;
    vec![
        ("version = 1\n[[task]\n".into(), Syntax, "2:8: unclosed array table, expected `]` (fix: correct the TOML syntax at this position)"),
        (one("colour = \"red\""), UnknownKey, "6:1: unknown field `colour`, expected one of `id`, `description`, `command`, `params`, `priority`, `timeout`, `retries`, `queue`, `concurrency_class`, `feature_flag`, `cache_key`, `depends_on`, `limits` (fix: remove the key or correct its spelling; docs/manifest.md lists the keys)"),
        ("version = 1\n[defaults]\ntimeout = \"1s\"\nretry = 2\n".into(), UnknownKey, "4:1: unknown field `retry`, expected one of `timeout`, `retries`, `priority`, `queue`, `limits` (fix: remove the key or correct its spelling; docs/manifest.md lists the keys)"),
        (format!("version = 2\n{}", task("a", "")), UnsupportedVersion, "1:11: version 2 is not supported (fix: set version = 1)"),
        (format!("version = 1\n{}{}", task("b", ""), task("a", "")), Unsorted, "8:6: task \"a\" comes after \"b\"; tasks must be sorted by id (fix: move task \"a\" before task \"b\")"),
        (format!("version = 1\n{}{}", task("a", ""), task("a", "")), Duplicate, "8:6: task id \"a\" is declared twice (fix: rename or remove one of the two tasks)"),
        ("version = 1\n[[task]]\nid = \"a\"\ndescription = \"d\"\ncommand = [\"/bin/echo\", \"{file}\"]\n".into(), UndeclaredParam, "5:11: task \"a\" uses parameter {file} but does not declare it (fix: add { name = \"file\", type = \"string\", required = true } to params)"),
        (task_with("[\"/bin/echo\"]", "{ name = \"n\", type = \"int\", default = 1 }"), UndeclaredParam, "6:11: parameter \"n\" of task \"a\" is declared but never used (fix: use {n} in command or cache_key, or remove it)"),
        (one("timeout = \"2h\""), TimeoutAboveCap, "6:11: timeout \"2h\" is above the global cap of 1h (fix: lower the timeout to 1h or less)"),
        (one("timeout = \"0s\""), InvalidValue, "6:11: timeout is 0 (fix: write a duration such as \"1500ms\" or \"90s\")"),
        (one("timeout = 5"), InvalidValue, "6:11: invalid type: integer `5`, expected a string (fix: give the value the type docs/manifest.md lists for this key)"),
        (one("priority = \"urgent\""), InvalidValue, "6:12: priority \"urgent\" is not critical, normal, cosmetic or an integer from -1000 to 1000 (fix: write priority = \"critical\", \"normal\", \"cosmetic\" or an integer from -1000 to 1000)"),
        (one("priority = 5000"), InvalidValue, "6:12: priority 5000 is not critical, normal, cosmetic or an integer from -1000 to 1000 (fix: write priority = \"critical\", \"normal\", \"cosmetic\" or an integer from -1000 to 1000)"),
        (format!("version = 1\n{}{}", task("a", "depends_on = [\"b\"]"), task("b", "depends_on = [\"a\"]")), Cycle, "6:15: depends_on forms a cycle: a -> b -> a (fix: remove one dependency of the cycle)"),
        (one("depends_on = [\"a\"]"), Cycle, "6:15: task \"a\" depends on itself (fix: remove it from its own depends_on)"),
        (one("depends_on = [\"zzz\"]"), UnknownReference, "6:15: depends_on names \"zzz\", which is not a task (fix: name an existing task id, or remove the entry)"),
        (one("concurrency_class = \"heavy\""), UnknownReference, "6:21: concurrency_class \"heavy\" is not declared (fix: add [concurrency_class.heavy] with max = N, or remove the key)"),
        (task_with("[\"/bin/echo\", \"-n{n}\"]", "{ name = \"n\", type = \"int\", default = 1 }"), InvalidValue, "5:25: a placeholder must be a whole argv element (fix: make each placeholder its own argv element, e.g. [\"-n\", \"{min_len}\"])"),
        (task_with("[\"{n}\"]", "{ name = \"n\", type = \"path\", required = true }"), InvalidValue, "5:11: the program (first element of command) must be a literal (fix: write the program's path as the first element)"),
        (task_with("[\"/bin/echo\", \"{n}\"]", "{ name = \"n\", type = \"int\" }"), InvalidValue, "6:11: parameter \"n\" is optional but has no default (fix: add `default = ...` or `required = true`)"),
        (task_with("[\"/bin/echo\", \"{n}\"]", "{ name = \"n\", type = \"float\", default = 1 }"), InvalidValue, "6:32: type \"float\" is not string, int, bool, enum or path (fix: use one of: string, int, bool, enum, path)"),
        (task_with("[\"/bin/echo\", \"{n}\"]", "{ name = \"n\", type = \"int\", default = \"four\" }"), InvalidValue, "6:49: default of \"n\": \"four\" is not an integer (fix: give a default that fits the type, values and pattern)"),
        (task_with("[\"/bin/echo\", \"{n}\"]", "{ name = \"n\", type = \"enum\", values = [\"x\"], default = \"y\" }"), InvalidValue, "6:66: default of \"n\": \"y\" is not one of [\"x\"] (fix: give a default that fits the type, values and pattern)"),
        (task_with("[\"/bin/echo\", \"{n}\"]", "{ name = \"n\", type = \"string\", pattern = \"[a-z\", required = true }"), InvalidValue, "6:52: pattern \"[a-z\" is not a valid regular expression: error: unclosed character class (fix: correct the regular expression (regex crate syntax))"),
        (format!("version = 1\n{}", task("a b", "")), InvalidValue, "3:6: task id \"a b\" is invalid: ids are 1 to 64 of [A-Za-z0-9_-] (fix: rename the task using only letters, digits, '_' and '-')"),
        (one("feature_flag = \"lower\""), InvalidValue, "6:16: feature_flag \"lower\" is not an environment variable name (fix: use [A-Z_][A-Z0-9_]*, e.g. \"TASK_STRINGS\")"),
        (one("retries = -1"), InvalidValue, "6:11: retries is -1; it must be 0 to 100 (fix: set retries to a number from 0 to 100)"),
        (one("limits = { memory = \"1K\" }"), InvalidValue, "6:21: limits.memory: 1024 bytes is outside 1048576 to 274877906944 (fix: set limits.memory within the bounds in docs/manifest.md)"),
        ("version = 1\n[concurrency_class.heavy]\nmax = 0\n".into(), InvalidValue, "3:7: concurrency_class.heavy.max is 0; it must be 1 to 1024 (fix: set max to a number from 1 to 1024)"),
    ]
}

#[test]
fn each_invalid_manifest_has_its_exact_error() {
    for (source, kind, expected) in cases() {
        let err = Manifest::parse(&source).expect_err(&source);
        assert_eq!(
            (err.kind, err.to_string().as_str()),
            (kind, expected),
            "source:\n{source}"
        );
    }
}

#[test]
fn the_timeout_cap_comes_from_the_config() {
    let source = one("timeout = \"10s\"");
    assert!(Manifest::parse(&source).is_ok());
    let config = ParseConfig {
        max_timeout: std::time::Duration::from_secs(5),
    };
    let err = Manifest::parse_with(&source, &config).expect_err("10s is above a 5s cap");
    assert_eq!(
        err.to_string(),
        "6:11: timeout \"10s\" is above the global cap of 5s (fix: lower the timeout to 5s or less)"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes; the default's column must be the same as with a one-byte value.
    let params = |value: &str| {
        format!("{{ name = \"n\", type = \"enum\", values = [\"{value}\"], default = \"y\" }}")
    };
    let ascii = Manifest::parse(&task_with("[\"/bin/echo\", \"{n}\"]", &params("x")))
        .expect_err("y is not in the set");
    let accented = Manifest::parse(&task_with("[\"/bin/echo\", \"{n}\"]", &params("é")))
        .expect_err("y is not in the set");
    assert_eq!((accented.line, accented.column), (ascii.line, ascii.column));
}
