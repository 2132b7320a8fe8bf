//! Bad definitions are refused with errors that name the field and limit.

use offload_experiment::{BuildError, ErrorKind, Lab, LabConfig, MemoryPublisher, Mode};

use super::support::lab;

#[tokio::test]
async fn duplicate_and_reserved_candidate_names_are_refused() {
    let (lab, _published) = lab();
    let duplicate = lab
        .experiment::<(), u8, String>("dup")
        .candidate("v2", |()| async { Ok(1) })
        .candidate("v2", |()| async { Ok(2) })
        .build()
        .err()
        .unwrap();
    assert_eq!(
        duplicate,
        BuildError::DuplicateCandidate {
            name: "v2".to_owned()
        }
    );
    assert_eq!(duplicate.kind(), ErrorKind::DuplicateName);
    let reserved = lab
        .experiment::<(), u8, String>("r")
        .candidate("control", |()| async { Ok(1) })
        .build();
    assert!(matches!(
        reserved.err().unwrap(),
        BuildError::ReservedName { .. }
    ));
}

#[tokio::test]
async fn an_experiment_needs_a_candidate() {
    let (lab, _published) = lab();
    let error = lab
        .experiment::<(), u8, String>("empty")
        .build()
        .err()
        .unwrap();
    assert_eq!(error.to_string(), "candidates: at least 1 is required");
}

#[tokio::test]
async fn sample_rates_outside_the_range_name_the_field() {
    let (lab, _published) = lab();
    let too_many_bp = lab
        .experiment::<(), u8, String>("bp")
        .sample_basis_points(10_001)
        .candidate("c", |()| async { Ok(1) })
        .build()
        .err()
        .unwrap();
    assert_eq!(
        too_many_bp.to_string(),
        "sample: 10001 is outside the allowed range 0..=10000"
    );
    assert_eq!(too_many_bp.kind(), ErrorKind::InvalidConfig);
    let negative = lab
        .experiment::<(), u8, String>("pct")
        .sample_percent(-1.0)
        .candidate("c", |()| async { Ok(1) })
        .build()
        .err()
        .unwrap();
    assert!(negative.to_string().starts_with("sample: -1"), "{negative}");
}

#[tokio::test]
async fn conflicting_and_zero_sizes_are_refused() {
    let (lab, _published) = lab();
    let detached_raise = lab
        .experiment::<(), u8, String>("raise")
        .mode(Mode::Detached)
        .raise_on_mismatches(true)
        .candidate("c", |()| async { Ok(1) })
        .build()
        .err()
        .unwrap();
    assert!(
        detached_raise
            .to_string()
            .starts_with("raise_on_mismatches:"),
        "{detached_raise}"
    );
    let zero_cap = lab
        .experiment::<(), u8, String>("z")
        .max_in_flight(0)
        .candidate("c", |()| async { Ok(1) })
        .build();
    assert!(
        zero_cap
            .err()
            .unwrap()
            .to_string()
            .starts_with("max_in_flight: 0")
    );
    let config = LabConfig {
        publish_capacity: 0,
        ..LabConfig::default()
    };
    let lab_error = Lab::new(&config, MemoryPublisher::default(), |_| {})
        .err()
        .unwrap();
    assert!(
        lab_error.to_string().starts_with("lab.publish_capacity: 0"),
        "{lab_error}"
    );
}
