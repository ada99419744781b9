//! Just enough calendar arithmetic to count the days left on a token, without a clock import:
//! "now" is the console's own `Date` response header, so the plugin and SentinelOne agree.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn seconds(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61;
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses SentinelOne's timestamps (`2019-09-15T12:05:49.095889Z`, with micro-, milli- or no
/// fractional seconds, or a `+00:00` offset) to Unix seconds.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    parse_iso8601_micros(text).map(|us| us.div_euclid(1_000_000))
}

/// Like [`parse_iso8601`], to Unix microseconds (fractions beyond microseconds are dropped), so
/// `…03.5Z` and `…03.500000Z` are one instant, whatever precision the console wrote.
pub fn parse_iso8601_micros(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = std::str::from_utf8(b.get(r)?).ok()?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let base = seconds(num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?)?;
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let Some((b'.', frac)) = rest.split_first() {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        for (i, d) in frac[..digits].iter().take(6).enumerate() {
            micros += i64::from(d - b'0') * 10i64.pow(5 - i as u32);
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            let o = h * 3600 + m * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some((base - offset) * 1_000_000 + micros)
}

/// Unix microseconds as SentinelOne writes timestamps: `2019-09-15T12:05:49.095889Z`.
pub fn format_micros(micros: i64) -> String {
    let (secs, us) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
