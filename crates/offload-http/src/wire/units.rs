//! Durations, sizes and timestamps as people write them in JSON.
//!
//! A duration is a humantime string ("250ms", "5s", "1h 30m") or an integer number
//! of milliseconds; a size is "512K", "256M", "1G" (powers of 1024) or an integer
//! number of bytes; a timestamp is RFC 3339 in UTC. Each parse error says what was
//! wrong and what is accepted, and the caller adds the field's name, so a client
//! never has to guess which unit a number is in.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use offload_core::{Clock, Timestamp};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// A duration on the wire; serialized as integer milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireDuration(pub Duration);

/// A size in bytes on the wire; serialized as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireSize(pub u64);

/// A point in time on the wire: RFC 3339 in UTC with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireTimestamp(pub Timestamp);

/// Parses "250ms", "5s", "1h 30m" and the like.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!(
            "invalid duration {text:?} ({e}): use \"250ms\", \"5s\", \"1h\" or integer milliseconds"
        )
    })
}

/// Parses "512K", "256M", "1G", "2T" (powers of 1024, an optional trailing "B" or
/// "iB") or plain digits as bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {text:?}: use \"512K\", \"256M\", \"1G\" or integer bytes");
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(bad()),
    };
    number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("size {text:?} is larger than {} bytes", u64::MAX))
}

/// Formats a timestamp as RFC 3339 in UTC with milliseconds.
pub fn format_timestamp(ts: Timestamp) -> String {
    let millis = u64::try_from(ts.0).unwrap_or(0);
    let time = UNIX_EPOCH + Duration::from_millis(millis);
    humantime::format_rfc3339_millis(time).to_string()
}

/// Parses an RFC 3339 timestamp in UTC ("2030-01-02T03:04:05Z", fractions allowed).
pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let time = humantime::parse_rfc3339_weak(text.trim()).map_err(|e| {
        format!(
            "invalid timestamp {text:?} ({e}): use RFC 3339 in UTC, like \"2030-01-02T03:04:05Z\""
        )
    })?;
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(Timestamp(
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
    ))
}

/// The current wall-clock time, for `delay` and for the state of a new job.
pub(crate) fn now() -> Timestamp {
    offload_engine::SystemClock.now()
}

/// A visitor for "a string, or a non-negative integer".
struct TextOrCount<F> {
    expecting: &'static str,
    from_text: F,
}

impl<'de, F: FnOnce(&str) -> Result<u64, String>> Visitor<'de> for TextOrCount<F> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{v} is negative: {}", self.expecting)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        (self.from_text)(v).map_err(E::custom)
    }
}

fn duration_text_to_millis(text: &str) -> Result<u64, String> {
    parse_duration(text).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<'de> Deserialize<'de> for WireDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = TextOrCount {
            expecting: "a duration like \"5s\" or integer milliseconds",
            from_text: duration_text_to_millis,
        };
        d.deserialize_any(visitor)
            .map(|ms| WireDuration(Duration::from_millis(ms)))
    }
}

impl Serialize for WireDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX))
    }
}

impl<'de> Deserialize<'de> for WireSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = TextOrCount {
            expecting: "a size like \"256M\" or integer bytes",
            from_text: parse_size,
        };
        d.deserialize_any(visitor).map(WireSize)
    }
}

impl Serialize for WireSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for WireTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_timestamp(&text)
            .map(WireTimestamp)
            .map_err(de::Error::custom)
    }
}

impl Serialize for WireTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(self.0))
    }
}

/// The schema "a string in some notation, or a non-negative integer".
fn text_or_integer(text: &str, integer: &str, example: &str) -> RefOr<Schema> {
    let as_text = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(text))
        .examples([example]);
    let as_integer = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .description(Some(integer));
    let one_of = OneOfBuilder::new().item(as_text).item(as_integer).build();
    RefOr::T(Schema::OneOf(one_of))
}

impl utoipa::PartialSchema for WireDuration {
    fn schema() -> RefOr<Schema> {
        text_or_integer("humantime: \"250ms\", \"5s\", \"1h\"", "milliseconds", "5s")
    }
}

impl utoipa::ToSchema for WireDuration {}

impl utoipa::PartialSchema for WireSize {
    fn schema() -> RefOr<Schema> {
        text_or_integer(
            "powers of 1024: \"512K\", \"256M\", \"1G\"",
            "bytes",
            "256M",
        )
    }
}

impl utoipa::ToSchema for WireSize {}

impl utoipa::PartialSchema for WireTimestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("RFC 3339 in UTC with milliseconds"))
            .into()
    }
}

impl utoipa::ToSchema for WireTimestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_powers_of_1024_and_reject_junk() {
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1gib"), Ok(1 << 30));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("12Q").unwrap_err().contains("12Q"));
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("99999999999T").unwrap_err().contains("larger"));
    }

    #[test]
    fn durations_accept_strings_and_milliseconds_but_not_negatives() {
        let d: WireDuration = serde_json::from_str("\"1h 30m\"").unwrap();
        assert_eq!(d.0, Duration::from_secs(5400));
        let d: WireDuration = serde_json::from_str("250").unwrap();
        assert_eq!(d.0, Duration::from_millis(250));
        let err = serde_json::from_str::<WireDuration>("-5").unwrap_err();
        assert!(err.to_string().contains("negative"), "{err}");
        assert!(serde_json::from_str::<WireDuration>("\"soon\"").is_err());
    }

    #[test]
    fn timestamps_round_trip_with_milliseconds() {
        let ts = Timestamp(1_900_000_000_123);
        let text = format_timestamp(ts);
        assert!(text.ends_with(".123Z"), "{text}");
        assert_eq!(parse_timestamp(&text), Ok(ts));
        assert!(parse_timestamp("yesterday").is_err());
    }
}
