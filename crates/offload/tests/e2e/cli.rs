//! The CLI tour from the README, against a real server.

use crate::support::*;

#[test]
fn submit_wait_prints_stdout_and_exits_with_the_job_code() {
    let server = Server::start(2);
    let out = server.cli(&[
        "submit",
        "--wait",
        "--retries",
        "0",
        "--",
        "sh",
        "-c",
        "echo hello; exit 3",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn submit_wait_reports_a_timeout_in_one_line() {
    let server = Server::start(1);
    let out = server.cli(&[
        "submit",
        "--wait",
        "--retries",
        "0",
        "--timeout",
        "200ms",
        "--kill-after",
        "100ms",
        "--",
        "sleep",
        "100",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("timed out"), "{stderr}");
}

#[test]
fn get_json_has_id_state_attempts_exit_code_and_queue() {
    let server = Server::start(1);
    let id = server
        .ok(&["submit", "--queue", "q1", "--", "true"])
        .trim()
        .to_owned();
    server.ok(&["wait", &id, "--timeout", "60s"]);
    let job = job_json(&server.ok(&["get", &id, "--json"]));
    assert_eq!(job["id"].to_string(), id);
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["queue"], "q1");
    assert_eq!(job["exit_code"], 0);
    assert_eq!(job["attempts"][0]["outcome"]["kind"], "exited");
    let tier = job["attempts"][0]["tier"].as_str().unwrap_or_default();
    assert!(
        ["T0", "T1", "T2"].contains(&tier),
        "the tier applied is recorded: {job}"
    );
}

#[test]
fn cancel_kills_a_running_job_and_list_shows_it() {
    let server = Server::start(1);
    let id = server
        .ok(&["submit", "--", "sleep", "1000"])
        .trim()
        .to_owned();
    server.ok(&["cancel", &id]);
    let job = job_json(&server.ok(&["wait", &id, "--timeout", "60s", "--json"]));
    assert_eq!(job["state"], "cancelled");
    let listed = job_json(&server.ok(&["list", "--state", "cancelled", "--json"]));
    assert_eq!(listed["jobs"][0]["id"].to_string(), id);
}

#[test]
fn dead_letters_can_be_listed_retried_and_purged() {
    let server = Server::start(1);
    let id = server
        .ok(&["submit", "--retries", "0", "--", "false"])
        .trim()
        .to_owned();
    server.cli(&["wait", &id, "--timeout", "60s"]);
    let dead = job_json(&server.ok(&["dead", "list", "--json"]));
    assert_eq!(dead["jobs"][0]["id"].to_string(), id);
    server.ok(&["dead", "retry", &id]);
    server.cli(&["wait", &id, "--timeout", "60s"]);
    let job = job_json(&server.ok(&["get", &id, "--json"]));
    assert_eq!(job["attempts"].as_array().unwrap().len(), 2);
    server.ok(&["dead", "purge"]);
    let dead = job_json(&server.ok(&["dead", "list", "--json"]));
    assert_eq!(dead["jobs"].as_array().unwrap().len(), 0);
}

#[test]
fn exec_runs_without_a_server() {
    let out = offload()
        .args([
            "exec",
            "--timeout",
            "5s",
            "--",
            "sh",
            "-c",
            "echo local; exit 4",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "local\n");
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn the_cli_refuses_to_run_without_a_token() {
    let server = Server::start(0);
    let out = offload()
        .args(["list"])
        .env("OFFLOAD_URL", &server.url)
        .env_remove("OFFLOAD_TOKEN")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no API token"));
}

#[test]
fn submit_falls_back_to_the_local_sandbox_when_the_server_is_down() {
    let out = offload()
        .args([
            "submit",
            "--wait",
            "--fallback",
            "local",
            "--",
            "echo",
            "degraded",
        ])
        .env("OFFLOAD_URL", "http://127.0.0.1:9")
        .env("OFFLOAD_TOKEN", "x".repeat(64))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "degraded\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_manifest_server_runs_tasks_refuses_raw_commands_and_reloads_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("offload.toml");
    let task = |word: &str| {
        format!(
            "version = 1\n[[task]]\nid = \"say\"\ndescription = \"says {word}\"\n\
             command = [\"/bin/echo\", \"{word}\", \"{{what}}\"]\n\
             params = [{{ name = \"what\", type = \"string\", required = true }}]\n"
        )
    };
    std::fs::write(&manifest, task("hello")).unwrap();
    let server = Server::start_with(1, &["--manifest", manifest.to_str().unwrap()]);
    let out = server.ok(&["submit", "--wait", "--task", "say", "--param", "what=world"]);
    assert_eq!(out, "hello world\n");
    let raw = server.cli(&["submit", "--", "id"]);
    assert!(!raw.status.success());
    assert!(String::from_utf8_lossy(&raw.stderr).contains("only the tasks of its manifest"));
    std::fs::write(&manifest, task("goodbye")).unwrap();
    let mut events = ReloadWatch::new(&server);
    server.signal(nix::sys::signal::Signal::SIGHUP);
    events.until_description("says goodbye");
    let out = server.ok(&["submit", "--wait", "--task", "say", "--param", "what=world"]);
    assert_eq!(out, "goodbye world\n");
}

#[test]
fn doctor_prints_every_mechanism_as_json() {
    let out = offload().args(["doctor", "--json"]).output().unwrap();
    assert!(out.status.success());
    let table = job_json(&String::from_utf8_lossy(&out.stdout));
    let names: Vec<_> = table["mechanisms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    assert!(names.len() >= 5, "{table}");
    assert!(table["best_tier"].is_string(), "{table}");
}

/// `offload bench` against a server: it returns once every job it submitted has
/// finished, and says how many.
#[test]
fn bench_over_http_waits_for_every_job() {
    let server = Server::start(4);
    let out = server.ok(&[
        "bench",
        "--noop",
        "--jobs",
        "60",
        "--concurrency",
        "2",
        "--batch",
        "10",
        "--queue",
        "bench",
    ]);
    assert!(out.contains("60 finished"), "{out}");
    let listed = server.ok(&[
        "list",
        "--queue",
        "bench",
        "--state",
        "succeeded",
        "--limit",
        "100",
        "--json",
    ]);
    let jobs: serde_json::Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(60), "{listed}");
}
