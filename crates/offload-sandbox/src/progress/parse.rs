//! The progress line format, as a pure function from bytes to an update: no I/O, no clock.
//!
//! A line is `::progress PERCENT [MESSAGE]`, where:
//! - `::progress` starts the line exactly (lower case, no leading space);
//! - one or more spaces or tabs separate it from `PERCENT` and `PERCENT` from `MESSAGE`;
//! - `PERCENT` is one to three digits, optionally followed by `.` and one or more digits, with a
//!   value from 0 to 100 (`40`, `40.5`, `100.0`); no sign, exponent or `%`. Digits past the
//!   second decimal place are cut off, never rounded up, so `99.999` is not `100`;
//! - `MESSAGE` is the rest of the line with surrounding spaces and tabs trimmed: valid UTF-8
//!   without control characters, cut to [`MAX_MESSAGE`] bytes at a character boundary.
//!
//! A line ends at `\n`; a `\r` before it is dropped. An empty line is skipped without being
//! counted; any other line that breaks a rule above, or is longer than [`MAX_LINE`] bytes, is
//! malformed.

use super::{MAX_LINE, MAX_MESSAGE, Percent, Progress};

/// What one line means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A well-formed update.
    Update(Progress),
    /// An empty line, skipped.
    Blank,
    /// Anything else, ignored and counted.
    Malformed,
}

/// Parses one line, without its `\n`.
pub(crate) fn parse_line(line: &[u8]) -> Parsed {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Parsed::Blank;
    }
    match update(line) {
        Some(progress) => Parsed::Update(progress),
        None => Parsed::Malformed,
    }
}

const SEPARATORS: [char; 2] = [' ', '\t'];

fn update(line: &[u8]) -> Option<Progress> {
    if line.len() > MAX_LINE {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    let rest = text.strip_prefix("::progress")?;
    if !rest.starts_with(SEPARATORS) {
        return None;
    }
    let rest = rest.trim_start_matches(SEPARATORS);
    let (number, message) = rest.split_once(SEPARATORS).unwrap_or((rest, ""));
    Some(Progress {
        percent: percent(number)?,
        message: message_of(message.trim_matches(SEPARATORS))?,
    })
}

/// `DIGITS[.DIGITS]` from 0 to 100, in hundredths.
fn percent(text: &str) -> Option<Percent> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > 3 || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    let whole: u16 = whole.parse().ok()?;
    let fraction = fraction.unwrap_or("").as_bytes();
    let tenths = fraction.first().map_or(0, |d| u16::from(d - b'0'));
    let hundredths = fraction.get(1).map_or(0, |d| u16::from(d - b'0'));
    // 100 with any nonzero decimal is over 100, even past the digits kept.
    if whole == 100 && fraction.iter().any(|&d| d != b'0') {
        return None;
    }
    Percent::from_hundredths(whole.checked_mul(100)? + tenths * 10 + hundredths)
}

/// `Some(None)` for no message, `None` when the message is malformed.
fn message_of(text: &str) -> Option<Option<String>> {
    if text.is_empty() {
        return Some(None);
    }
    if text.chars().any(char::is_control) {
        return None;
    }
    let mut end = text.len().min(MAX_MESSAGE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(Some(text[..end].to_owned()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn update(percent: u16, message: Option<&str>) -> Parsed {
        Parsed::Update(Progress {
            percent: Percent::from_hundredths(percent).unwrap(),
            message: message.map(str::to_owned),
        })
    }

    #[test]
    fn well_formed_lines_give_their_percent_and_message() {
        let cases = [
            ("::progress 40 resizing", update(4000, Some("resizing"))),
            ("::progress 0", update(0, None)),
            ("::progress\t100.0\t", update(10_000, None)),
            (
                "::progress   7.5   two  words  \r",
                update(750, Some("two  words")),
            ),
            ("::progress 99.999 almost", update(9999, Some("almost"))),
            ("::progress 40 größer 🚀", update(4000, Some("größer 🚀"))),
            ("", Parsed::Blank),
            ("\r", Parsed::Blank),
        ];
        for (line, want) in cases {
            assert_eq!(parse_line(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn anything_else_is_malformed() {
        let bad = [
            "garbage",
            "::progress",
            "::progress ",
            "::progress40",
            " ::progress 40",
            "::PROGRESS 40",
            "::progress 101",
            "::progress 100.01",
            "::progress 100.001",
            "::progress -1",
            "::progress +40",
            "::progress 40%",
            "::progress 4e1",
            "::progress .5",
            "::progress 40.",
            "::progress 0040",
            "::progress NaN",
            "::progress 40 bell\u{7}",
            "::progress 40 esc\u{1b}[31m",
        ];
        for line in bad {
            assert_eq!(parse_line(line.as_bytes()), Parsed::Malformed, "{line:?}");
        }
        assert_eq!(parse_line(b"::progress 40 \xff"), Parsed::Malformed);
        let long = format!("::progress 1 {}", "x".repeat(MAX_LINE));
        assert_eq!(parse_line(long.as_bytes()), Parsed::Malformed);
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let line = format!("::progress 1 {}", "é".repeat(MAX_MESSAGE));
        let Parsed::Update(progress) = parse_line(line.as_bytes()) else {
            panic!("{line:?} is well-formed");
        };
        let message = progress.message.unwrap();
        assert_eq!(message.len(), MAX_MESSAGE);
        assert!(message.chars().all(|c| c == 'é'));
    }

    proptest! {
        #[test]
        fn no_line_makes_the_parser_panic(line in proptest::collection::vec(any::<u8>(), 0..1200)) {
            let _ = parse_line(&line);
        }

        #[test]
        fn lines_near_the_format_parse_within_bounds(
            number in "[0-9]{0,4}(\\.[0-9]{0,4})?",
            message in "\\PC{0,300}",
        ) {
            let line = format!("::progress {number} {message}");
            if let Parsed::Update(progress) = parse_line(line.as_bytes()) {
                prop_assert!(progress.percent <= Percent::FULL);
                let message = progress.message.unwrap_or_default();
                prop_assert!(message.len() <= MAX_MESSAGE);
                prop_assert!(!message.chars().any(char::is_control));
            }
        }

        #[test]
        fn every_whole_percent_round_trips(percent in 0u16..=100) {
            let line = format!("::progress {percent}");
            prop_assert_eq!(parse_line(line.as_bytes()), update(percent * 100, None));
        }
    }
}
