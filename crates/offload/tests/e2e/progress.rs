//! Progress in the CLI with output to pipes: `wait --progress` prints plain progress
//! lines, then the job's line, and exits with the job's code; `logs --follow` keeps
//! stdout for the job's output and prints progress on stderr.

use std::path::{Path, PathBuf};

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::support::*;

/// A fifo a job blocks on with `read go < GATE` until the test opens it.
fn gate(dir: &Path) -> PathBuf {
    // The job runs as its own uid, so it needs a world-writable dir and fifo.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let gate = dir.join("gate");
    nix::unistd::mkfifo(&gate, nix::sys::stat::Mode::from_bits_truncate(0o666)).unwrap();
    std::fs::set_permissions(&gate, std::fs::Permissions::from_mode(0o666)).unwrap();
    gate
}

fn open_gate(gate: &Path) {
    writeln!(
        std::fs::OpenOptions::new().write(true).open(gate).unwrap(),
        "go"
    )
    .unwrap();
}

#[test]
fn wait_progress_prints_plain_lines_and_exits_like_the_job() {
    let gate_dir = tempfile::tempdir().unwrap();
    let gate = gate(gate_dir.path());
    // The fifo is a host file, which T1's read-only root hides, so the server is held to T0.
    let server = Server::start_with(1, &["--max-tier", "t0"]);
    let script = format!(
        r#"echo "::progress 40 half" >&3; echo garbage >&3; read go < {}; echo "::progress 100 done" >&3; exit 3"#,
        gate.display()
    );
    let id = server.ok(&["submit", "--retries", "0", "--", "sh", "-c", &script]);
    let id = id.trim();

    let mut wait = offload()
        .args(["wait", id, "--progress", "--timeout", "120s"])
        .env("OFFLOAD_URL", &server.url)
        .env("OFFLOAD_TOKEN", &server.token)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(wait.stdout.take().unwrap()).lines();
    // The first line proves the stream is open and the job is blocked on the gate.
    assert_eq!(lines.next().unwrap().unwrap(), "progress 40% half");
    writeln!(
        std::fs::OpenOptions::new().write(true).open(&gate).unwrap(),
        "go"
    )
    .unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = wait.wait().unwrap();

    assert_eq!(
        rest.first().map(String::as_str),
        Some("progress 100% done"),
        "{rest:?}"
    );
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(
        rest[1].contains(id) && rest[1].contains("failed"),
        "{rest:?}"
    );
    assert_eq!(status.code(), Some(3), "wait exits with the job's code");
}

#[test]
fn logs_follow_keeps_stdout_for_output_and_shows_progress_on_stderr() {
    let gate_dir = tempfile::tempdir().unwrap();
    let gate = gate(gate_dir.path());
    let server = Server::start_with(1, &["--max-tier", "t0"]);
    let script = format!(
        r#"echo before; echo "::progress 40 half" >&3; read go < {}; echo after; echo "::progress 100 done" >&3"#,
        gate.display()
    );
    let id = server.ok(&["submit", "--", "sh", "-c", &script]);
    let mut logs = offload()
        .args(["logs", id.trim(), "--follow"])
        .env("OFFLOAD_URL", &server.url)
        .env("OFFLOAD_TOKEN", &server.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(logs.stderr.take().unwrap()).lines();
    assert_eq!(progress.next().unwrap().unwrap(), "progress 40% half");
    open_gate(&gate);
    let stdout = std::io::read_to_string(logs.stdout.take().unwrap()).unwrap();
    let rest: Vec<String> = progress.map(Result::unwrap).collect();
    assert!(logs.wait().unwrap().success());
    assert_eq!(
        stdout, "before\nafter\n",
        "output written before the command ran is kept"
    );
    assert_eq!(rest, ["progress 100% done"]);
}
