//! Structured logs: JSON lines that name the job, and never a secret.

use crate::support::*;

#[test]
fn json_logs_name_the_job_and_never_show_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let secret = "hunter2-do-not-log";
    let server = Server::start_logging(1, &["--log-format", "json", "--log-level", "debug"], log);
    let env = format!("SECRET_VALUE={secret}");
    server.ok(&[
        "submit",
        "--wait",
        "--env",
        &env,
        "--",
        "sh",
        "-c",
        "echo done",
    ]);
    let token = server.token.clone();
    drop(server);
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let about_job = lines
        .iter()
        .find(|l| l.get("job_id").is_some())
        .expect("no line names a job");
    for field in ["job_id", "attempt", "queue", "worker"] {
        assert!(
            about_job.get(field).is_some(),
            "{field} missing from {about_job}"
        );
    }
    assert!(
        !text.contains(secret),
        "a job's environment value reached the log"
    );
    assert!(
        !text.contains(token.trim()),
        "the API token reached the log"
    );
}
