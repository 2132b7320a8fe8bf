//! `offload wait --progress` with stdout to a pipe: plain progress lines, then the job's
//! line, and the job's own exit code.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::support::*;

#[test]
fn wait_progress_prints_plain_lines_and_exits_like_the_job() {
    let gate_dir = tempfile::tempdir().unwrap();
    // The job runs as its own uid, so it needs a world-writable dir and fifo.
    std::fs::set_permissions(gate_dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let gate = gate_dir.path().join("gate");
    nix::unistd::mkfifo(&gate, nix::sys::stat::Mode::from_bits_truncate(0o666)).unwrap();
    std::fs::set_permissions(&gate, std::fs::Permissions::from_mode(0o666)).unwrap();
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
