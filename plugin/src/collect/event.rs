//! One collected event: the SentinelOne record, unchanged but for redacted secrets, in an
//! envelope that says which stream and console it came from, which version it is, and a
//! deterministic id a receiver can drop repeats by.

use crate::output::redact;
use crate::time::format_micros;
use alloc::format;
use alloc::string::String;
use serde_json::value::RawValue;

/// `{"stream","eventId","console","version","record"}` as JSON text.
pub fn text(stream: &str, console: &str, id: &str, version: i64, record: &RawValue) -> String {
    let version = format_micros(version);
    let record = redact(record.get());
    let event_id = event_id(console, stream, id, &version);
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::with_capacity(record.len() + 160);
    out.push_str("{\"stream\":");
    out.push_str(&quoted(stream));
    out.push_str(",\"eventId\":\"");
    out.push_str(&event_id);
    out.push_str("\",\"console\":");
    out.push_str(&quoted(console));
    out.push_str(",\"version\":\"");
    out.push_str(&version);
    out.push_str("\",\"record\":");
    out.push_str(&record);
    out.push('}');
    out
}

/// The same record version always gets the same id: FNV-1a (128 bits) of console, stream, record
/// id and version, in hex. Not a security hash; a key for dropping repeats.
pub fn event_id(console: &str, stream: &str, id: &str, version: &str) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut hash = OFFSET;
    for part in [console, stream, id, version] {
        for byte in part.bytes().chain(core::iter::once(0)) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_record_is_kept_as_sent_but_for_secrets() {
        let raw = RawValue::from_string(r#"{"id":"1834780238610855700","licenseKey":"K-1","n":1.50,"extra":{"x":[1]}}"#.into()).unwrap();
        let event: Value = serde_json::from_str(&text("agents", "c.example", "1834780238610855700", 1_000_000, &raw)).unwrap();
        assert_eq!(event["record"]["id"], "1834780238610855700");
        assert_eq!(event["record"]["licenseKey"], "<redacted>");
        assert_eq!(event["record"]["extra"]["x"][0], 1);
        assert_eq!((event["stream"].as_str(), event["version"].as_str()), (Some("agents"), Some("1970-01-01T00:00:01.000000Z")));
    }

    #[test]
    fn event_ids_depend_on_every_part_and_nothing_else() {
        let a = event_id("c", "threats", "1", "v1");
        assert_eq!(a, event_id("c", "threats", "1", "v1"));
        assert_eq!(a.len(), 32);
        for other in [
            event_id("d", "threats", "1", "v1"),
            event_id("c", "alerts", "1", "v1"),
            event_id("c", "threats", "2", "v1"),
            event_id("c", "threats", "1", "v2"),
        ] {
            assert_ne!(a, other);
        }
    }
}
