//! Content-addressed deduplication: the SHA-256 of a spec's canonical form.
//!
//! `dedupe` submissions use this hash as their idempotency key, so the same code
//! submitted twice within the key's lifetime runs once. The canonical form is the
//! spec's JSON with sorted keys (all maps in a spec are `BTreeMap`s, and serde
//! writes struct fields in declaration order), minus the fields that do not change
//! what runs: the idempotency setting itself and the labels. A shadow is part of
//! the hash: the same job with another shadow (or none) runs something else.

use sha2::{Digest, Sha256};

use crate::spec::JobSpec;

/// The hex SHA-256 of the canonical form of `spec`.
pub fn spec_hash(spec: &JobSpec) -> String {
    let canonical = JobSpec {
        idempotency: None,
        labels: Default::default(),
        ..spec.clone()
    };
    // Serializing plain data with BTreeMaps cannot fail; an empty string would still
    // hash deterministically if it ever did.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cmd: &[&str]) -> JobSpec {
        JobSpec {
            command: cmd.iter().map(|s| s.to_string()).collect(),
            ..JobSpec::default()
        }
    }

    #[test]
    fn same_spec_same_hash_different_spec_different_hash() {
        assert_eq!(
            spec_hash(&spec(&["echo", "a"])),
            spec_hash(&spec(&["echo", "a"]))
        );
        assert_ne!(
            spec_hash(&spec(&["echo", "a"])),
            spec_hash(&spec(&["echo", "b"]))
        );
    }

    #[test]
    fn labels_and_idempotency_do_not_change_the_hash() {
        let mut labelled = spec(&["echo"]);
        labelled.labels.insert("team".into(), "x".into());
        assert_eq!(spec_hash(&labelled), spec_hash(&spec(&["echo"])));
    }

    #[test]
    fn map_insertion_order_does_not_change_the_hash() {
        let mut a = spec(&["cat"]);
        a.files.insert("b".into(), "2".into());
        a.files.insert("a".into(), "1".into());
        let mut b = spec(&["cat"]);
        b.files.insert("a".into(), "1".into());
        b.files.insert("b".into(), "2".into());
        assert_eq!(spec_hash(&a), spec_hash(&b));
    }

    #[test]
    fn a_shadow_changes_the_hash() {
        let mut shadowed = spec(&["echo"]);
        shadowed.shadow = Some(crate::ShadowSpec {
            command: vec!["echo".into(), "2".into()],
            ..crate::ShadowSpec::default()
        });
        assert_ne!(spec_hash(&shadowed), spec_hash(&spec(&["echo"])));
    }
}
