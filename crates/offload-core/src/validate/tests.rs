//! A table of bad specs, each with the field its error must name.

use super::*;
use crate::spec::Idempotency;

fn ok() -> JobSpec {
    JobSpec {
        command: vec!["true".into()],
        ..JobSpec::default()
    }
}

fn field_of(spec: &JobSpec) -> String {
    validate(spec).expect_err("spec should be rejected").field
}

#[test]
fn the_default_spec_with_a_command_is_valid() {
    assert_eq!(validate(&ok()), Ok(()));
}

#[test]
fn an_empty_command_is_rejected_unless_noop() {
    let empty = JobSpec::default();
    assert_eq!(field_of(&empty), "command");
    let noop = JobSpec {
        kind: JobKind::Noop,
        ..JobSpec::default()
    };
    assert_eq!(validate(&noop), Ok(()));
}

#[test]
fn file_names_with_paths_are_rejected() {
    for name in ["a/b", "..", ".", "", "../x"] {
        let mut spec = ok();
        spec.files.insert(name.into(), "x".into());
        assert_eq!(field_of(&spec), format!("files[{name:?}]"));
    }
}

#[test]
fn absurd_limits_are_rejected_and_name_the_field() {
    type Mutation = Box<dyn Fn(&mut JobSpec)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("limits.memory", Box::new(|s| s.limits.memory = 0)),
        ("limits.memory", Box::new(|s| s.limits.memory = u64::MAX)),
        ("limits.cpu", Box::new(|s| s.limits.cpu = Duration::ZERO)),
        ("limits.processes", Box::new(|s| s.limits.processes = 0)),
        ("limits.file_size", Box::new(|s| s.limits.file_size = 0)),
        ("limits.open_files", Box::new(|s| s.limits.open_files = 1)),
        ("limits.output", Box::new(|s| s.limits.output = u64::MAX)),
        ("timeout", Box::new(|s| s.timeout = Duration::ZERO)),
        (
            "kill_after",
            Box::new(|s| s.kill_after = Duration::from_secs(1 << 40)),
        ),
        ("priority", Box::new(|s| s.priority = 5000)),
        ("retries", Box::new(|s| s.retry.max_retries = 1000)),
        ("backoff.factor", Box::new(|s| s.retry.backoff.factor = 0.5)),
        ("backoff.jitter", Box::new(|s| s.retry.backoff.jitter = 2.0)),
        (
            "env[\"1BAD\"]",
            Box::new(|s| drop(s.env.insert("1BAD".into(), "v".into()))),
        ),
        (
            "idempotency_key",
            Box::new(|s| {
                s.idempotency = Some(Idempotency {
                    key: String::new(),
                    ttl: Duration::from_secs(60),
                })
            }),
        ),
    ];
    for (field, mutate) in cases {
        let mut spec = ok();
        mutate(&mut spec);
        assert_eq!(field_of(&spec), field);
    }
}

#[test]
fn the_message_names_the_limit() {
    let mut spec = ok();
    spec.limits.memory = 0;
    let err = validate(&spec).unwrap_err().to_string();
    assert!(err.starts_with("limits.memory: 0 is out of range"), "{err}");
    assert!(err.contains("274877906944"), "{err}");
}

fn shadowed(shadow: crate::shadow::ShadowSpec) -> JobSpec {
    JobSpec {
        shadow: Some(shadow),
        ..ok()
    }
}

fn shadow_of(command: &[&str], normalize: Vec<String>) -> crate::shadow::ShadowSpec {
    crate::shadow::ShadowSpec {
        command: command.iter().map(|s| s.to_string()).collect(),
        normalize,
        ..crate::shadow::ShadowSpec::default()
    }
}

#[test]
fn a_shadow_with_a_command_is_valid_and_names_its_experiment_by_queue() {
    let spec = shadowed(shadow_of(&["echo"], vec![r"id=\d+".into()]));
    assert_eq!(validate(&spec), Ok(()));
    let shadow = spec.shadow.as_ref().unwrap();
    assert_eq!(
        shadow.experiment_name(&spec).unwrap().as_str(),
        "shadow-default"
    );
}

#[test]
fn bad_shadows_name_their_field() {
    assert_eq!(
        field_of(&shadowed(shadow_of(&[], vec![]))),
        "shadow.command"
    );
    let many = vec!["a".to_owned(); crate::shadow::bounds::MAX_NORMALIZE + 1];
    assert_eq!(
        field_of(&shadowed(shadow_of(&["x"], many))),
        "shadow.normalize"
    );
    let bad = vec!["ok".to_owned(), "(".to_owned()];
    assert_eq!(
        field_of(&shadowed(shadow_of(&["x"], bad))),
        "shadow.normalize[1]"
    );
    let mut named = shadow_of(&["x"], vec![]);
    named.experiment = Some("no spaces".into());
    assert_eq!(field_of(&shadowed(named)), "shadow.experiment");
    let noop = JobSpec {
        kind: JobKind::Noop,
        ..shadowed(shadow_of(&["x"], vec![]))
    };
    assert_eq!(field_of(&noop), "shadow");
}
