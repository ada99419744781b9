//! Timestamps: microseconds since the Unix epoch, rendered the way the console renders them
//! (`2026-03-01T12:05:49.095889Z`) and parsed leniently from filter values, with the
//! `s1-timestamp` crate the plugin uses too (one parser, one formatter, no date crate).

use serde::{Serialize, Serializer};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

pub use s1_timestamp::{MICROS_PER_DAY, MICROS_PER_SECOND};

/// A UTC instant with microsecond precision. Ordered, so filters and sorting compare instants,
/// not strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The wall clock (used for token expiry and for `updatedAt` after an action).
    pub fn now() -> Timestamp {
        let micros = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
        Timestamp(micros)
    }

    pub fn plus_micros(self, micros: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(micros))
    }

    pub fn plus_days(self, days: i64) -> Timestamp {
        self.plus_micros(days.saturating_mul(MICROS_PER_DAY))
    }

    pub fn millis(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parses every form the console accepts in filters: any ISO-8601 offset (`Z`, `+02:00`,
    /// ...), a bare date, a time without a zone (UTC); the same parser as the plugin's
    /// (`s1-timestamp`). Anything else is `None` (the caller answers 400).
    pub fn parse(text: &str) -> Option<Timestamp> {
        s1_timestamp::parse_lenient_micros(text).map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&s1_timestamp::format_micros(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_console_timestamps() {
        let t = Timestamp::parse("2026-03-01T12:05:49.095889Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-01T12:05:49.095889Z");
        assert_eq!(Timestamp::parse("2026-03-01T12:05:49Z").unwrap().to_string(), "2026-03-01T12:05:49.000000Z");
        assert_eq!(Timestamp::parse("2024-02-29T00:00:03.003Z").unwrap().to_string(), "2024-02-29T00:00:03.003000Z");
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000000Z");
        assert!(Timestamp::parse("yesterday").is_none());
        assert!(Timestamp::parse("2026-13-01T00:00:00Z").is_none());
    }

    #[test]
    fn accepts_every_offset_the_plugin_accepts() {
        let utc = Timestamp::parse("2026-03-01T12:05:49Z").unwrap();
        for text in ["2026-03-01T14:05:49+02:00", "2026-03-01T07:35:49-04:30", "2026-03-01T12:05:49+00:00", "2026-03-01 12:05:49Z"] {
            assert_eq!(Timestamp::parse(text), Some(utc), "{text}");
        }
    }
}
