//! Jobs that cannot start: the result names the program or the field at fault.

use offload_sandbox::{RunSpec, Termination};

use crate::support::Fixture;

fn spawn_error(termination: Termination) -> String {
    match termination {
        Termination::SpawnError(message) => message,
        other => panic!("expected a spawn error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_command_is_a_spawn_error_naming_it() {
    let fx = Fixture::new();
    let spec = RunSpec {
        argv: vec!["no-such-command-offload".into()],
        ..RunSpec::default()
    };
    let message = spawn_error(fx.run(spec).await.termination);
    assert_eq!(message, "command not found: no-such-command-offload");
    assert_eq!(fx.leftovers(), 0);
}

#[tokio::test]
async fn a_file_without_execute_permission_is_a_spawn_error_naming_it() {
    let fx = Fixture::new();
    let spec = RunSpec {
        argv: vec!["./x".into()],
        files: vec![("x".into(), b"#!/bin/sh\necho never\n".to_vec())],
        ..RunSpec::default()
    };
    let message = spawn_error(fx.run(spec).await.termination);
    assert_eq!(message, "permission denied: ./x");
}

#[tokio::test]
async fn a_file_name_that_escapes_the_work_dir_is_refused_before_anything_runs() {
    let fx = Fixture::new();
    let spec = RunSpec {
        argv: vec!["true".into()],
        files: vec![("ok".into(), Vec::new()), ("../evil".into(), Vec::new())],
        ..RunSpec::default()
    };
    let message = spawn_error(fx.run(spec).await.termination);
    assert!(
        message.starts_with("files[1].name \"../evil\""),
        "{message}"
    );
    assert!(!fx.work_root().parent().unwrap().join("evil").exists());
}

#[tokio::test]
async fn an_empty_argv_is_refused() {
    let fx = Fixture::new();
    let message = spawn_error(fx.run(RunSpec::default()).await.termination);
    assert_eq!(message, "argv: must not be empty");
}
