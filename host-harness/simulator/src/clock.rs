//! Timestamps: microseconds since the Unix epoch, rendered the way the console renders them
//! (`2026-03-01T12:05:49.095889Z`) and parsed leniently from filter values.
//!
//! Hand-written (days-from-civil arithmetic) so the simulator needs no date crate.

use serde::{Serialize, Serializer};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

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

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+00:00]` (also a bare `YYYY-MM-DD`), which covers
    /// every form the console emits. Anything else is `None` (the caller answers 400).
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let text = text.strip_suffix('Z').or_else(|| text.strip_suffix("+00:00")).unwrap_or(text);
        let (date, time) = match text.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t)),
            None => (text, None),
        };
        let mut date_parts = date.split('-');
        let year: i64 = number(date_parts.next()?, 4)?;
        let month: i64 = number(date_parts.next()?, 2)?;
        let day: i64 = number(date_parts.next()?, 2)?;
        if date_parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let mut micros = days_from_civil(year, month, day) * MICROS_PER_DAY;
        if let Some(time) = time {
            let (hms, fraction) = match time.split_once('.') {
                Some((hms, f)) => (hms, Some(f)),
                None => (time, None),
            };
            let mut parts = hms.split(':');
            let hour: i64 = number(parts.next()?, 2)?;
            let minute: i64 = number(parts.next()?, 2)?;
            let second: i64 = number(parts.next()?, 2)?;
            if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
                return None;
            }
            micros += (hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND;
            if let Some(fraction) = fraction {
                if fraction.is_empty() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let digits: String = fraction.chars().chain("000000".chars()).take(6).collect();
                micros += digits.parse::<i64>().ok()?;
            }
        }
        Some(Timestamp(micros))
    }
}

fn number(text: &str, width: usize) -> Option<i64> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let rest = self.0.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let seconds = rest / MICROS_PER_SECOND;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            rest % MICROS_PER_SECOND
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Howard Hinnant's `days_from_civil`: proleptic Gregorian date to days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
}
