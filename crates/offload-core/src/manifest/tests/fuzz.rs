//! Property tests of the parser and renderer over generated input.
//!
//! cargo-fuzz needs a nightly toolchain, which this project's machines do not
//! have, so the same properties run here under proptest on every test run: the
//! parser never panics on any text, and a rendered argv is always the template
//! with each parameter as exactly one whole element.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::EXAMPLE;
use crate::manifest::{Manifest, RenderError};

proptest! {
    #[test]
    fn the_parser_never_panics_on_any_text(text in "\\PC{0,400}") {
        let _ = Manifest::parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_a_mutated_manifest(
        at in 0..EXAMPLE.len(),
        cut in 0usize..20,
        insert in "\\PC{0,12}",
    ) {
        let at = EXAMPLE.floor_char_boundary(at);
        let end = EXAMPLE.floor_char_boundary((at + cut).min(EXAMPLE.len()));
        let text = format!("{}{insert}{}", &EXAMPLE[..at], &EXAMPLE[end..]);
        let _ = Manifest::parse(&text);
    }

    #[test]
    fn a_parameter_is_always_one_whole_argument(file in "\\PC{0,60}", min_len in 0i64..1000) {
        let manifest = Manifest::parse(EXAMPLE).unwrap();
        let mut params = Map::new();
        params.insert("file".into(), Value::String(file.clone()));
        params.insert("min_len".into(), Value::from(min_len));
        match manifest.render("strings", &params) {
            Ok(spec) => {
                let expected = ["/usr/bin/strings", "-n", &min_len.to_string(), &file];
                prop_assert_eq!(spec.command, expected.map(str::to_owned).to_vec());
            }
            Err(RenderError::InvalidValue { param, .. }) => prop_assert_eq!(param, "file"),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}
