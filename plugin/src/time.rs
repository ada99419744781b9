//! Time as the plugin needs it: SentinelOne's ISO-8601 timestamps (parsed and written by the
//! `s1-timestamp` crate the simulator shares), the `Date` header (the console's own clock, so the
//! plugin needs no clock import), and whole days left on a token.

use alloc::vec::Vec;
pub use s1_timestamp::format_micros;
use s1_timestamp::{MICROS_PER_SECOND, days_from_civil};

/// A timestamp with any ISO-8601 offset to Unix seconds (`None` when it is not one).
pub fn parse_iso8601(text: &str) -> Option<i64> {
    parse_iso8601_micros(text).map(|us| us.div_euclid(MICROS_PER_SECOND))
}

/// A timestamp with any ISO-8601 offset to Unix microseconds (fractions beyond microseconds are
/// dropped, so `…03.5Z` and `…03.500000Z` are one instant, whatever precision was written).
pub fn parse_iso8601_micros(text: &str) -> Option<i64> {
    s1_timestamp::parse_micros(text)
}

fn seconds(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61;
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, clock, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mo = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let hms: Vec<i64> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, s] = hms.as_slice() else { return None };
    seconds(year.parse().ok()?, mo, day.parse().ok()?, *h, *mi, *s)
}

/// Whole days from `now` to `then`, rounded towards negative infinity (so an expiry one hour ago
/// is day -1, "expired", not day 0).
pub fn days_between(now: i64, then: i64) -> i64 {
    (then - now).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_microsecond_utc_timestamps() {
        assert_eq!(parse_iso8601("1970-01-02T00:00:00.095889Z"), Some(86_400));
        assert_eq!(parse_iso8601("2019-09-15T12:05:49.095889Z"), Some(1_568_549_149));
    }

    #[test]
    fn parses_timestamps_without_fraction_or_with_offset() {
        assert_eq!(parse_iso8601("2019-09-15T12:05:49Z"), Some(1_568_549_149));
        assert_eq!(parse_iso8601("2019-09-15T14:05:49.003+02:00"), Some(1_568_549_149));
    }

    #[test]
    fn rejects_garbage_timestamps() {
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2019-13-15T12:05:49Z"), None);
    }

    #[test]
    fn microseconds_round_trip_whatever_the_precision_written() {
        let us = parse_iso8601_micros("2019-09-15T12:05:49.095889Z").unwrap();
        assert_eq!(format_micros(us), "2019-09-15T12:05:49.095889Z");
        assert_eq!(parse_iso8601_micros("2019-09-15T12:05:49.5Z"), parse_iso8601_micros("2019-09-15T12:05:49.500000Z"));
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_micros(parse_iso8601_micros("2024-02-29T23:59:59.999999Z").unwrap()), "2024-02-29T23:59:59.999999Z");
    }

    #[test]
    fn parses_http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
    }

    #[test]
    fn days_between_floors_towards_expiry() {
        assert_eq!(days_between(0, 10 * 86_400 + 5), 10);
        assert_eq!(days_between(3600, 0), -1);
    }
}
