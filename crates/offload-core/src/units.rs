//! Parsing of human-written durations and sizes: `250ms`, `5s`, `1h`; `512K`, `256M`, `1G`.
//!
//! The CLI flags, the HTTP wire format and the manifest all accept the same
//! spellings, so they share this one parser. Sizes are powers of 1024.

use std::time::Duration;

/// Parses a duration such as `250ms`, `5s`, `1m30s` or `1h`. A bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return secs_to_duration(secs)
            .ok_or_else(|| format!("invalid duration {s:?}: must be a non-negative number"));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("invalid duration {s:?}: {e} (examples: 250ms, 5s, 1h)"))
}

fn secs_to_duration(secs: f64) -> Option<Duration> {
    (0.0..1e12)
        .contains(&secs)
        .then(|| Duration::from_secs_f64(secs))
}

/// Parses a size such as `512K`, `256M`, `1G` or `1.5G` (powers of 1024), or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let err = || {
        format!(
            "invalid size {s:?}: use bytes or a number with K, M, G or T (examples: 512K, 256M, 1G)"
        )
    };
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(err()),
    };
    let value: f64 = number.trim().parse().map_err(|_| err())?;
    let bytes = value * f64::from(1u32 << (shift / 2)) * f64::from(1u32 << (shift - shift / 2));
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("12Q").is_err());
    }
}
