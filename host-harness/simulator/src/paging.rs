//! Pagination shared by every list endpoint: `limit`, `skip`, `cursor`, `countOnly`, `skipCount`,
//! `sortBy`, `sortOrder`, and the `pagination` block of the envelope.
//!
//! Cursors are keyset positions (the sort key and id of the last item served), so paging stays
//! correct while agents change between pages, as on the real console. They are opaque **standard
//! base64 with padding**: the payload is whitened with a nonce chosen so that the text always ends
//! in `=` and contains both `+` and `/`. A client that forgets to percent-encode the cursor (its `+`
//! arrives as a space) or encodes it twice (`%2B` arrives) gets a 400. A cursor also carries a
//! fingerprint of the endpoint, the filters and the sort, so reusing it with different filters is a
//! 400 too; changing `limit` between pages is allowed. With a cursor, `skip` is ignored.
//!
//! End of pages: `nextCursor` is JSON `null` on most endpoints; see [`EndMarker`] for the quirks.

use super::errors::ApiError;
use super::query::Params;
use super::rng::{SplitMix64, fnv1a};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::cmp::Ordering;

const PAGING_KEYS: [&str; 7] = ["cursor", "limit", "skip", "countOnly", "skipCount", "sortBy", "sortOrder"];
const CURSOR_VERSION: u8 = 1;

/// How an endpoint says "no more pages". The reference reports all of these in the wild and tells
/// clients to treat each one as the end, so the simulator uses a different one per endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndMarker {
    /// `"nextCursor": null` (agents, accounts).
    Null,
    /// `"nextCursor": ""` (sites).
    Empty,
    /// `"nextCursor": "null"`, the string (groups).
    NullString,
}

impl EndMarker {
    fn value(self) -> Value {
        match self {
            EndMarker::Null => Value::Null,
            EndMarker::Empty => json!(""),
            EndMarker::NullString => json!("null"),
        }
    }
}

/// What one list endpoint allows.
pub struct Listing {
    /// Distinguishes endpoints inside cursors.
    pub name: &'static str,
    pub max_limit: u64,
    pub sort_fields: &'static [&'static str],
    pub end_marker: EndMarker,
}

/// A sort key value. Variants order `Null < Int < Str`; strings are compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Null,
    Int(i64),
    Str(String),
}

impl SortKey {
    pub fn text(text: &str) -> SortKey {
        SortKey::Str(text.to_lowercase())
    }

    /// A sort key from a serialized field: digit strings (ids) compare as numbers, other strings
    /// (names, ISO timestamps) as text.
    pub fn from_json(value: Option<&Value>) -> SortKey {
        match value {
            None | Some(Value::Null) => SortKey::Null,
            Some(Value::Bool(b)) => SortKey::Int(i64::from(*b)),
            Some(Value::Number(n)) => SortKey::Int(n.as_i64().unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<i64>().map(SortKey::Int).unwrap_or_else(|_| SortKey::text(s))
            }
            Some(Value::String(s)) => SortKey::text(s),
            Some(other) => SortKey::text(&other.to_string()),
        }
    }
}

/// An item ready for paging: its sort key and numeric id (the tie-breaker).
pub struct Keyed<T> {
    pub key: SortKey,
    pub id: u64,
    pub item: T,
}

/// Serializes small objects (accounts, sites, groups) and keys them by the serialized `sort_by`
/// field, so every field in an endpoint's `sortBy` list sorts without a hand-written key.
pub fn keyed_by_field<T: serde::Serialize>(items: Vec<(u64, &T)>, sort_by: &str) -> Vec<Keyed<Value>> {
    items
        .into_iter()
        .map(|(id, item)| {
            let item = serde_json::to_value(item).unwrap_or(Value::Null);
            let key = if sort_by == "id" { SortKey::Int(id as i64) } else { SortKey::from_json(item.get(sort_by)) };
            Keyed { key, id, item }
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
struct Position {
    key: SortKey,
    id: u64,
}

/// The validated paging part of a request.
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub limit: usize,
    pub skip: usize,
    pub count_only: bool,
    pub skip_count: bool,
    pub sort_by: String,
    pub descending: bool,
    fingerprint: u64,
    after: Option<Position>,
    end_marker: EndMarker,
}

/// One page plus the envelope's `pagination` values.
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub next_cursor: Option<String>,
}

impl PageRequest {
    pub fn parse(params: &Params, listing: &Listing) -> Result<PageRequest, ApiError> {
        let limit = params.unsigned("limit")?.unwrap_or(10);
        if limit == 0 || limit > listing.max_limit {
            return Err(ApiError::validation(format!("limit must be between 1 and {}", listing.max_limit)));
        }
        let skip = params.unsigned("skip")?.unwrap_or(0);
        if skip > 1000 {
            return Err(ApiError::validation("skip must be between 0 and 1000; use the cursor beyond that"));
        }
        let sort_by = params.get("sortBy").unwrap_or_else(|| "id".to_string());
        if !listing.sort_fields.contains(&sort_by.as_str()) {
            return Err(ApiError::validation(format!("sortBy must be one of {}", listing.sort_fields.join(", "))));
        }
        let descending = match params.get("sortOrder").as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::validation(format!("sortOrder: '{other}' must be asc or desc")));
            }
        };
        let fingerprint = fingerprint(params, listing.name, &sort_by, descending);
        let after = match params.get("cursor") {
            None => None,
            Some(cursor) => Some(decode_cursor(&cursor, fingerprint)?),
        };
        Ok(PageRequest {
            limit: limit as usize,
            skip: skip as usize,
            count_only: params.bool("countOnly")?.unwrap_or(false),
            skip_count: params.bool("skipCount")?.unwrap_or(false),
            sort_by,
            descending,
            fingerprint,
            after,
            end_marker: listing.end_marker,
        })
    }

    /// One page as the standard list envelope: `{"data": [...], "pagination": {...}}`.
    pub fn envelope<T: serde::Serialize>(&self, items: Vec<Keyed<T>>) -> Value {
        let page = self.paginate(items);
        json!({"data": page.items, "pagination": self.pagination(&page)})
    }

    /// Sorts, positions (cursor or skip) and cuts one page.
    pub fn paginate<T>(&self, mut items: Vec<Keyed<T>>) -> Page<T> {
        let order = |a: &SortKey, a_id: u64, b: &SortKey, b_id: u64| {
            let ordering = a.cmp(b).then(a_id.cmp(&b_id));
            if self.descending { ordering.reverse() } else { ordering }
        };
        items.sort_by(|a, b| order(&a.key, a.id, &b.key, b.id));
        let total = items.len();
        if self.count_only {
            return Page { items: Vec::new(), total, next_cursor: None };
        }
        let start = match &self.after {
            Some(position) => items.partition_point(|it| order(&it.key, it.id, &position.key, position.id) != Ordering::Greater),
            None => self.skip.min(total),
        };
        let end = start.saturating_add(self.limit).min(total);
        let next_cursor = (end < total && end > start).then(|| {
            let last = &items[end - 1];
            encode_cursor(self.fingerprint, &Position { key: last.key.clone(), id: last.id })
        });
        let items = items.drain(start..end).map(|k| k.item).collect();
        Page { items, total, next_cursor }
    }

    /// The envelope's `pagination` object.
    pub fn pagination<T>(&self, page: &Page<T>) -> Value {
        json!({
            "nextCursor": page.next_cursor.as_ref().map(|c| json!(c)).unwrap_or_else(|| self.end_marker.value()),
            "totalItems": if self.skip_count { Value::Null } else { json!(page.total) },
        })
    }
}

/// Hash of the endpoint, every non-paging parameter (sorted, so order does not matter) and the
/// effective sort.
fn fingerprint(params: &Params, endpoint: &str, sort_by: &str, descending: bool) -> u64 {
    let mut pairs: Vec<(&str, String)> = params
        .pairs
        .iter()
        .filter(|(k, v)| !PAGING_KEYS.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, _)| (k.as_str(), params.get(k).unwrap_or_default()))
        .collect();
    pairs.sort();
    pairs.dedup();
    let mut text = format!("{endpoint}\n{sort_by}\n{descending}\n");
    for (k, v) in pairs {
        text.push_str(&format!("{k}={v}\n"));
    }
    fnv1a(text.as_bytes())
}

/// Layout before whitening: version, fingerprint, id, key tag and key bytes, checksum; then zero
/// padding so that the length is 1 mod 3 (base64 then always ends in `==`). Byte 1 is the nonce; the
/// rest is XORed with a keystream derived from it.
fn encode_cursor(fingerprint: u64, position: &Position) -> String {
    let mut body = Vec::new();
    body.extend_from_slice(&fingerprint.to_be_bytes());
    body.extend_from_slice(&position.id.to_be_bytes());
    match &position.key {
        SortKey::Null => body.push(0),
        SortKey::Int(v) => {
            body.push(1);
            body.extend_from_slice(&v.to_be_bytes());
        }
        SortKey::Str(s) => {
            body.push(2);
            let bytes = s.as_bytes();
            let len = bytes.len().min(u16::MAX as usize);
            body.extend_from_slice(&(len as u16).to_be_bytes());
            body.extend_from_slice(&bytes[..len]);
        }
    }
    let checksum = fnv1a(&body) as u32;
    body.extend_from_slice(&checksum.to_be_bytes());
    while (body.len() + 2) % 3 != 1 {
        body.push(0);
    }
    let mut fallback = String::new();
    for nonce in 0..=u8::MAX {
        let mut bytes = vec![CURSOR_VERSION, nonce];
        bytes.extend(whiten(&body, nonce));
        let text = STANDARD.encode(&bytes);
        if text.contains('+') && text.contains('/') {
            return text;
        }
        fallback = text;
    }
    fallback
}

fn decode_cursor(text: &str, fingerprint: u64) -> Result<Position, ApiError> {
    let invalid = || ApiError::validation("cursor: not a valid cursor (pass nextCursor back exactly, URL-encoded once)");
    let bytes = STANDARD.decode(text.as_bytes()).map_err(|_| invalid())?;
    let (header, rest) = bytes.split_at_checked(2).ok_or_else(invalid)?;
    if header[0] != CURSOR_VERSION {
        return Err(invalid());
    }
    let body = whiten(rest, header[1]);
    let mut reader = Reader { bytes: &body, at: 0 };
    let cursor_fingerprint = u64::from_be_bytes(reader.take_array().ok_or_else(invalid)?);
    let id = u64::from_be_bytes(reader.take_array().ok_or_else(invalid)?);
    let key = match reader.take(1).ok_or_else(invalid)?[0] {
        0 => SortKey::Null,
        1 => SortKey::Int(i64::from_be_bytes(reader.take_array().ok_or_else(invalid)?)),
        2 => {
            let len = u16::from_be_bytes(reader.take_array().ok_or_else(invalid)?) as usize;
            let text = reader.take(len).ok_or_else(invalid)?;
            SortKey::Str(String::from_utf8(text.to_vec()).map_err(|_| invalid())?)
        }
        _ => return Err(invalid()),
    };
    let signed = reader.at;
    let checksum = u32::from_be_bytes(reader.take_array().ok_or_else(invalid)?);
    if checksum != fnv1a(&body[..signed]) as u32 || body[reader.at..].iter().any(|b| *b != 0) {
        return Err(invalid());
    }
    if cursor_fingerprint != fingerprint {
        return Err(ApiError::validation("cursor: does not match this query; send the same filters and sort with every page"));
    }
    Ok(Position { key, id })
}

fn whiten(bytes: &[u8], nonce: u8) -> Vec<u8> {
    let mut rng = SplitMix64::new(0x05e1_71e1_u64 ^ u64::from(nonce).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    bytes.iter().map(|b| b ^ (rng.next_u64() as u8)).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn take_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: Listing = Listing { name: "t", max_limit: 1000, sort_fields: &["id", "name"], end_marker: EndMarker::Null };

    #[test]
    fn cursor_is_padded_standard_base64_with_plus_and_slash_and_round_trips() {
        for (key, id) in [(SortKey::Int(7), 1u64), (SortKey::text("WKS-ACME-0001"), 2), (SortKey::Null, 3)] {
            let position = Position { key, id };
            let text = encode_cursor(99, &position);
            assert!(text.ends_with('='), "{text}");
            assert!(text.contains('+') && text.contains('/'), "{text}");
            assert_eq!(decode_cursor(&text, 99).unwrap(), position);
            assert!(decode_cursor(&text, 98).is_err());
            assert!(decode_cursor(&text.replace('+', " "), 99).is_err());
            assert!(decode_cursor(&text.replace('+', "%2B"), 99).is_err());
        }
    }

    #[test]
    fn pages_follow_the_cursor_without_gaps_or_repeats() {
        let items = || (0..25u64).map(|i| Keyed { key: SortKey::Int((i % 5) as i64), id: i, item: i }).collect::<Vec<_>>();
        let mut params = Params::parse(Some("limit=10&sortBy=name&sortOrder=desc"));
        let mut seen = Vec::new();
        loop {
            let request = PageRequest::parse(&params, &LISTING).unwrap();
            let page = request.paginate(items());
            seen.extend(page.items);
            match page.next_cursor {
                Some(cursor) => {
                    params.pairs.retain(|(k, _)| k != "cursor");
                    params.pairs.push(("cursor".into(), cursor));
                }
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 25);
        assert_eq!(seen.len(), 25);
    }
}
