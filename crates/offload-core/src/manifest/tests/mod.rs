//! Tests of the manifest: invalid files with their exact errors, checksum stability, and
//! rendering under injection attempts.

mod checksum;
mod fuzz;
mod invalid;
mod render;

/// The example manifest from the issue, used as a known-good base.
const EXAMPLE: &str = r#"
version = 1
[defaults]
timeout = "90s"
[concurrency_class.heavy]
max = 2
[[task]]
id = "strings"
description = "printable strings of a file"
command = ["/usr/bin/strings", "-n", "{min_len}", "{file}"]
params = [
  { name = "file", type = "path", required = true },
  { name = "min_len", type = "int", default = 4 },
]
priority = "normal"
timeout = "1500ms"
retries = 0
concurrency_class = "heavy"
feature_flag = "TASK_STRINGS"
"#;
