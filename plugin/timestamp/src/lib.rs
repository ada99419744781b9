//! SentinelOne's timestamps, parsed and written one way for the plugin and the simulator, so a
//! value one accepts the other accepts too.
//!
//! The console writes UTC with a `Z` and usually microseconds (`2019-09-15T12:05:49.095889Z`),
//! sometimes milliseconds or none; it accepts any ISO-8601 offset in filters. Instants are Unix
//! microseconds (`i64`); fractions beyond microseconds are dropped, so `…49.5Z` and
//! `…49.500000Z` are one instant. Calendar arithmetic is Howard Hinnant's, so no date crate is
//! needed (the plugin is a small wasm component).

#![cfg_attr(not(test), no_std)]

extern crate alloc;
use alloc::format;
use alloc::string::String;

/// Microseconds in a second and in a day.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Parses an ISO-8601 date-time with a time zone designator: `Z`, `z` or `±HH:MM` (`±HHMM` and
/// `±HH` too), `T` or a space between date and time, any number of fraction digits.
pub fn parse_micros(text: &str) -> Option<i64> {
    let text = text.trim();
    // Every field below is sliced by byte position: non-ASCII text is never a timestamp, and
    // refusing it here keeps a multi-byte character from splitting (a panic, a trap in the guest).
    if !text.is_ascii() {
        return None;
    }
    let (date, rest) = text.split_at_checked(10)?;
    let day = date_days(date)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, zone) = split_zone(rest)?;
    Some(day * MICROS_PER_DAY + clock_micros(clock)? - zone_offset(zone)? * MICROS_PER_SECOND)
}

/// Like [`parse_micros`], and also a bare date (`2026-03-01`, midnight UTC) or a time without a
/// zone (taken as UTC), as the console's filters accept them.
pub fn parse_lenient_micros(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_ascii() {
        return None;
    }
    if text.len() == 10 {
        return Some(date_days(text)? * MICROS_PER_DAY);
    }
    parse_micros(text).or_else(|| {
        let (date, rest) = text.split_at_checked(10)?;
        let clock = rest.strip_prefix(['T', 't', ' '])?;
        Some(date_days(date)? * MICROS_PER_DAY + clock_micros(clock)?)
    })
}

/// Unix microseconds as the console writes them: `2019-09-15T12:05:49.095889Z`.
pub fn format_micros(micros: i64) -> String {
    let (days, rest) = (micros.div_euclid(MICROS_PER_DAY), micros.rem_euclid(MICROS_PER_DAY));
    let (y, m, d) = civil_from_days(days);
    let seconds = rest / MICROS_PER_SECOND;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z", seconds / 3600, seconds / 60 % 60, seconds % 60, rest % MICROS_PER_SECOND)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn digits(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

/// `YYYY-MM-DD` as a day count, checking the month and the day of the month.
fn date_days(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&date[0..4])?, digits(&date[5..7])?, digits(&date[8..10])?);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month).contains(&d).then(|| days_from_civil(y, m, d))
}

/// `HH:MM:SS[.fraction]` as microseconds into the day (a leap second counts as :59).
fn clock_micros(clock: &str) -> Option<i64> {
    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&hms[0..2])?, digits(&hms[3..5])?, digits(&hms[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut micros = (h * 3600 + m * 60 + s.min(59)) * MICROS_PER_SECOND;
    if let Some(fraction) = fraction {
        digits(fraction)?;
        for (i, d) in fraction.bytes().take(6).enumerate() {
            micros += i64::from(d - b'0') * 10i64.pow(5 - i as u32);
        }
    }
    Some(micros)
}

/// Splits `HH:MM:SS.ffffff<zone>` into the clock and the zone designator.
fn split_zone(rest: &str) -> Option<(&str, &str)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, "Z"));
    }
    let at = rest.rfind(['+', '-'])?;
    Some((&rest[..at], &rest[at..]))
}

/// A zone designator's offset east of UTC, in seconds.
fn zone_offset(zone: &str) -> Option<i64> {
    if zone == "Z" {
        return Some(0);
    }
    let (sign, rest) = zone.split_at_checked(1)?;
    let (h, m) = match rest.len() {
        2 => (digits(rest)?, 0),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        5 if &rest[2..3] == ":" => (digits(&rest[..2])?, digits(&rest[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    let offset = h * 3600 + m * 60;
    Some(if sign == "-" { -offset } else { offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_text_is_no_timestamp_and_never_panics() {
        for text in ["2026-01-01T00:00:00+1é1", "2026-01-01T00:00:00+é:00", "2026-01-0é", "2026-01-01T00:00:0é.1Z", "2026-01-01é00:00:00Z"]
        {
            assert_eq!(parse_micros(text), None, "{text}");
            assert_eq!(parse_lenient_micros(text), None, "{text}");
        }
    }

    const T: i64 = 1_568_549_149 * MICROS_PER_SECOND;

    #[test]
    fn every_offset_form_names_the_same_instant() {
        for text in [
            "2019-09-15T12:05:49Z",
            "2019-09-15t12:05:49z",
            "2019-09-15 12:05:49Z",
            "2019-09-15T14:05:49+02:00",
            "2019-09-15T14:05:49+0200",
            "2019-09-15T14:05:49+02",
            "2019-09-15T07:35:49-04:30",
        ] {
            assert_eq!(parse_micros(text), Some(T), "{text}");
        }
    }

    #[test]
    fn fractions_are_kept_to_the_microsecond() {
        assert_eq!(parse_micros("2019-09-15T12:05:49.095889Z"), Some(T + 95_889));
        assert_eq!(parse_micros("2019-09-15T12:05:49.5Z"), parse_micros("2019-09-15T12:05:49.500000Z"));
        assert_eq!(parse_micros("2019-09-15T12:05:49.123456789Z"), Some(T + 123_456));
    }

    #[test]
    fn formatting_round_trips() {
        for micros in [0, T + 95_889, -1, parse_micros("2024-02-29T23:59:59.999999Z").unwrap()] {
            assert_eq!(parse_micros(&format_micros(micros)), Some(micros));
        }
        assert_eq!(format_micros(T + 95_889), "2019-09-15T12:05:49.095889Z");
    }

    #[test]
    fn garbage_and_impossible_dates_are_refused() {
        for text in [
            "yesterday",
            "2019-13-15T12:05:49Z",
            "2019-02-30T00:00:00Z",
            "2019-09-15T24:00:00Z",
            "2019-09-15T12:05:49",
            "2019-09-15T12:05:49+25:00",
            "",
        ] {
            assert_eq!(parse_micros(text), None, "{text}");
        }
    }

    #[test]
    fn the_lenient_form_also_takes_a_date_or_a_zoneless_time() {
        assert_eq!(parse_lenient_micros("2019-09-15"), Some(T - (12 * 3600 + 5 * 60 + 49) * MICROS_PER_SECOND));
        assert_eq!(parse_lenient_micros("2019-09-15T12:05:49"), Some(T));
        assert_eq!(parse_lenient_micros("2019-09-15T14:05:49+02:00"), Some(T));
    }
}
