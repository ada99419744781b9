//! Cursor pagination over SentinelOne's list endpoints, in memory that does not grow with the
//! tenant.
//!
//! A page is parsed in place: its items are [`RawValue`] slices of the response body (validated,
//! never rebuilt as a `serde_json::Value` tree), handed to a sink, and dropped with the body before
//! the next page is fetched. What the sink keeps is the caller's business: a listing keeps the
//! items' text, an id lookup keeps only ids.
//!
//! Every walk ends, whatever the server does:
//! - at the end marker (`null`, missing, `""`, `"null"`: all seen in the wild);
//! - on an empty page that still carries a cursor (nothing more is coming that way);
//! - at the caller's item or byte bound, on a page boundary, with the cursor to resume from; the
//!   last request asks for exactly the items still wanted (`limit = min(remaining, page size)`),
//!   so the bound never falls inside a page;
//! - at a page cap derived from the bound (twice the pages the bound needs, plus two), which
//!   stops a server that answers short pages forever, again with the cursor to resume from;
//! - when the call's deadline (the host's bound less a margin) has passed, before the next
//!   request, with the cursor to resume from;
//! - on a cursor the walk has already followed (a server looping through alternating cursors),
//!   as a typed `unexpected-response`.

use crate::client::{Client, Query};
use crate::http::Method;
use crate::log::Level;
use crate::{API_PREFIX, Error};
use alloc::borrow::{Cow, ToOwned};
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use s1_json_text::envelope::{self, Data, DataFields, array};
use serde_json::value::RawValue;

/// Where a list endpoint keeps its items inside `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Items {
    /// `data` is the array (almost every endpoint).
    Data,
    /// `data.<field>` is the array (`GET sites`: `data.sites`, beside `data.allSites`).
    Field(&'static str),
    /// Either of the above, decided per response: `data` itself when it is an array, else the one
    /// array-valued field of `data` (for the generic request, which cannot know the endpoint).
    Auto,
}

/// One page, borrowed from its response body.
pub struct Page<'a> {
    /// The items, as SentinelOne sent them (unknown fields kept, ids exact).
    pub items: Vec<&'a RawValue>,
    /// Where the next page starts; `None` at the end.
    pub next_cursor: Option<String>,
    /// `pagination.totalItems`, when the server counted.
    pub total_items: Option<u64>,
    /// The other fields of `data` when the items sit in a field of it (`allSites` beside `sites`).
    pub beside: Vec<(String, &'a RawValue)>,
}

fn unexpected(message: impl Into<String>) -> Error {
    Error::UnexpectedResponse(message.into())
}

impl<'a> Page<'a> {
    /// Parses a list response body. The whole body is validated as JSON; the items are not copied.
    pub fn parse(body: &'a [u8], items_at: Items) -> Result<Page<'a>, Error> {
        let text = core::str::from_utf8(body).map_err(|_| unexpected("the body is not UTF-8 text"))?;
        let envelope = envelope::parse(text).map_err(|e| unexpected(format!("the body is not a JSON envelope ({e})")))?;
        let data = envelope.data.ok_or_else(|| unexpected(expected(items_at)))?;
        let (items, beside) = match (items_at, data) {
            (Items::Data | Items::Auto, Data::Array(items)) => (items, Vec::new()),
            (Items::Field(field), Data::Object(fields)) => {
                split(fields, |key, _| key == field).ok_or_else(|| unexpected(expected(items_at)))?
            }
            (Items::Auto, Data::Object(fields)) => {
                if fields.iter().filter(|(_, v)| v.get().starts_with('[')).count() != 1 {
                    return Err(unexpected(expected(items_at)));
                }
                split(fields, |_, value| value.get().starts_with('[')).ok_or_else(|| unexpected(expected(items_at)))?
            }
            _ => return Err(unexpected(expected(items_at))),
        };
        let pagination = envelope.pagination;
        // A cursor is a non-empty string other than "null"; a count, a whole number.
        let next_cursor = pagination
            .as_ref()
            .and_then(|p| p.next_cursor)
            .and_then(|raw| s1_json_text::scan::as_str(raw.get()))
            .filter(|s| !s.is_empty() && s != "null")
            .map(Cow::into_owned);
        let total_items = pagination.and_then(|p| p.total_items).and_then(|raw| raw.get().parse::<u64>().ok());
        Ok(Page { items, next_cursor, total_items, beside })
    }
}

fn expected(items_at: Items) -> String {
    match items_at {
        Items::Data => "expected `data` to be an array".to_owned(),
        Items::Field(f) => format!("expected `data.{f}` to be an array"),
        Items::Auto => "expected `data` to be an array, or an object with one array field".to_owned(),
    }
}

/// The items of the one field `pick` chooses (which must be an array), and the other fields.
fn split(fields: DataFields<'_>, pick: impl Fn(&str, &RawValue) -> bool) -> Option<(Vec<&RawValue>, DataFields<'_>)> {
    let (chosen, beside): (Vec<_>, Vec<_>) = fields.into_iter().partition(|(k, v)| pick(k, v));
    let [(_, items)] = chosen.as_slice() else { return None };
    Some((array(items)?, beside))
}

/// How far a walk may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// Items per request: the endpoint's cap, or the caller's smaller `limit`.
    pub page_size: u32,
    /// Stop once this many items are in hand.
    pub max_items: usize,
    /// Stop, on a page boundary, once the items hold this many bytes of JSON text.
    pub max_bytes: usize,
}

impl Bound {
    /// At most `max_items` items, `page_size` per request, whatever their size.
    pub const fn items(page_size: u32, max_items: usize) -> Bound {
        Bound { page_size, max_items, max_bytes: usize::MAX }
    }

    /// The most requests a walk to this bound may take.
    fn max_pages(&self) -> usize {
        self.max_items.div_ceil(self.page_size.max(1) as usize).saturating_mul(2).saturating_add(2)
    }
}

/// What a sink says after a page: go on, or stop here (it has all it wants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    More,
    Enough,
}

/// Where a walk ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// Items handed to the sink.
    pub returned: usize,
    /// Their size as JSON text.
    pub bytes: usize,
    /// Requests sent.
    pub pages: u32,
    /// `pagination.totalItems` of the first page, when the server counted.
    pub total_items: Option<u64>,
    /// Whether items remain beyond what was returned.
    pub more: bool,
    /// Where to resume when items remain. `None` with `more` only when the server sent more items
    /// than asked for, which leaves no exact place to resume.
    pub next_cursor: Option<String>,
}

/// A cursor's 64-bit FNV-1a hash: the walk remembers cursors it followed by hash, so a server
/// that sends one again is caught in memory that does not grow with the cursors' length.
fn fingerprint(cursor: &str) -> u64 {
    cursor.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

impl Client<'_> {
    /// Follows `nextCursor` from `query` (which may already carry a `cursor`) until the end or
    /// the bound, sending the same filters on every page, and hands each page's items to `sink`
    /// (with the page, for its `beside` fields) until it says [`Flow::Enough`]. Only one page is in
    /// memory at a time.
    pub fn walk(
        &self,
        path: &str,
        query: &Query,
        items_at: Items,
        bound: Bound,
        mut sink: impl FnMut(&Page<'_>, &[&RawValue]) -> Result<Flow, Error>,
    ) -> Result<Walk, Error> {
        let mut walk = Walk::default();
        let mut query = query.clone();
        let mut followed: Vec<u64> = query.get("cursor").map(fingerprint).into_iter().collect();
        let max_pages = bound.max_pages();
        loop {
            if walk.pages > 0 && self.deadline.passed(self.clock) {
                // The host's bound is near: stop on this page boundary, resumable.
                self.log.log(
                    Level::Info,
                    &format!("GET {API_PREFIX}{path}: the call's deadline is near; returning {} items with a cursor", walk.returned),
                );
                walk.more = true;
                walk.next_cursor = query.get("cursor").map(str::to_owned);
                return Ok(walk);
            }
            let want = bound.max_items.saturating_sub(walk.returned).min(bound.page_size as usize).max(1);
            query.set("limit", want.to_string());
            let response = self.send(Method::Get, path, &query, None)?;
            let page = Page::parse(&response.body, items_at)?;
            walk.pages += 1;
            if walk.pages == 1 {
                walk.total_items = page.total_items;
            }
            let take = page.items.len().min(want);
            let flow = sink(&page, &page.items[..take])?;
            walk.returned += take;
            walk.bytes += page.items[..take].iter().map(|i| i.get().len()).sum::<usize>();
            if flow == Flow::Enough {
                // The sink stopped inside what it was given: it knows where it stands.
                walk.more = true;
                return Ok(walk);
            }
            if take < page.items.len() {
                // The server sent more than `limit`: its cursor would skip the items cut here.
                walk.more = true;
                return Ok(walk);
            }
            let Some(cursor) = page.next_cursor else { return Ok(walk) };
            if page.items.is_empty() {
                self.log.log(Level::Info, &format!("GET {API_PREFIX}{path}: an empty page with a cursor; taking it as the end"));
                return Ok(walk);
            }
            if walk.returned >= bound.max_items || walk.bytes >= bound.max_bytes || walk.pages as usize >= max_pages {
                walk.more = true;
                walk.next_cursor = Some(cursor);
                return Ok(walk);
            }
            let print = fingerprint(&cursor);
            if followed.contains(&print) {
                return Err(unexpected(format!(
                    "{path}: the server sent a cursor it had already sent; paging stopped after {} pages",
                    walk.pages
                )));
            }
            followed.push(print);
            query.set("cursor", cursor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::tests::{FakeTransport, config};
    use crate::clock::FakeClock;
    use crate::log::NoLog;
    use serde_json::Value;
    use serde_json::json;

    fn page(ids: &[&str], cursor: Value) -> (u16, Value) {
        let data: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        (200, json!({"data": data, "pagination": {"nextCursor": cursor, "totalItems": 5}}))
    }

    /// Walks `agents` over `responses`; returns the ids seen, the walk, and the paths sent.
    fn walk(responses: Vec<(u16, Value)>, bound: Bound) -> (Result<Walk, Error>, Vec<String>, Vec<String>) {
        let t = FakeTransport::new(responses);
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client::new(&t, &config, &NoLog, &clock);
        let mut ids = Vec::new();
        let result = client.walk("agents", &Query::new(), Items::Data, bound, |_, items| {
            ids.extend(items.iter().map(|i| i.get().to_owned()));
            Ok(Flow::More)
        });
        (result, ids, t.paths())
    }

    #[test]
    fn every_end_marker_ends_the_walk() {
        for end in [Value::Null, json!(""), json!("null")] {
            let (result, ids, paths) = walk(vec![page(&["1", "2"], json!("c2=")), page(&["3"], end)], Bound::items(2, 10));
            let walk = result.unwrap();
            assert_eq!((ids.len(), walk.more, walk.pages), (3, false, 2));
            assert_eq!(paths[1], "/web/api/v2.1/agents?limit=2&cursor=c2%3D");
        }
    }

    #[test]
    fn a_missing_pagination_block_is_the_end() {
        let (result, ids, _) = walk(vec![(200, json!({"data": [{"id": "1"}]}))], Bound::items(10, 10));
        assert_eq!((result.unwrap().more, ids.len()), (false, 1));
    }

    #[test]
    fn the_page_size_never_exceeds_what_is_still_wanted() {
        let (result, ids, paths) = walk(vec![page(&["1", "2"], json!("a")), page(&["3"], json!("b"))], Bound::items(2, 3));
        let walk = result.unwrap();
        assert_eq!(paths, ["/web/api/v2.1/agents?limit=2", "/web/api/v2.1/agents?limit=1&cursor=a"]);
        assert_eq!((ids.len(), walk.more, walk.next_cursor.as_deref()), (3, true, Some("b")));
    }

    #[test]
    fn items_beyond_the_limit_asked_for_are_cut_and_leave_no_cursor() {
        let (result, ids, _) = walk(vec![page(&["1", "2", "3"], json!("x"))], Bound::items(2, 2));
        let walk = result.unwrap();
        assert_eq!((ids.len(), walk.more, walk.next_cursor), (2, true, None));
    }

    #[test]
    fn an_empty_page_with_a_cursor_ends_the_walk() {
        let (result, _, paths) =
            walk(vec![page(&["1"], json!("a")), page(&[], json!("b")), page(&["2"], json!(null))], Bound::items(1, 100));
        assert_eq!((result.unwrap().more, paths.len()), (false, 2));
    }

    #[test]
    fn alternating_cursors_are_a_typed_error() {
        let pages = vec![page(&["1"], json!("a")), page(&["2"], json!("b")), page(&["3"], json!("a")), page(&["4"], json!("b"))];
        let (result, _, paths) = walk(pages, Bound::items(1, 100));
        assert!(matches!(result, Err(Error::UnexpectedResponse(m)) if m.contains("already sent")));
        assert_eq!(paths.len(), 3);
    }

    #[test]
    fn short_pages_stop_at_the_page_cap_with_a_cursor_to_resume() {
        let pages: Vec<_> = (0..20).map(|i| page(&["x"], json!(format!("c{i}")))).collect();
        let (result, _, paths) = walk(pages, Bound::items(5, 10));
        let walk = result.unwrap();
        assert_eq!(paths.len(), 6, "2 pages needed, capped at 2x + 2");
        assert_eq!((walk.more, walk.next_cursor.as_deref()), (true, Some("c5")));
    }

    #[test]
    fn the_byte_bound_stops_on_a_page_boundary_with_the_cursor() {
        let (result, ids, _) =
            walk(vec![page(&["1", "2"], json!("a")), page(&["3", "4"], json!("b"))], Bound { page_size: 2, max_items: 100, max_bytes: 10 });
        let walk = result.unwrap();
        assert_eq!((ids.len(), walk.more, walk.next_cursor.as_deref()), (2, true, Some("a")));
    }

    #[test]
    fn items_keep_their_exact_text() {
        let body = br#"{"data":[{"id":"1834780238610855700","n":1.10,"x":{"unknown":[1,2]}}],"pagination":{"nextCursor":null}}"#;
        let page = Page::parse(body, Items::Data).unwrap();
        assert_eq!(page.items[0].get(), r#"{"id":"1834780238610855700","n":1.10,"x":{"unknown":[1,2]}}"#);
    }

    #[test]
    fn sites_items_come_from_their_field_with_all_sites_beside() {
        let body = br#"{"data":{"allSites":{"activeLicenses":3},"sites":[{"id":"1"}]},"pagination":{"nextCursor":""}}"#;
        for items_at in [Items::Field("sites"), Items::Auto] {
            let page = Page::parse(body, items_at).unwrap();
            assert_eq!(page.items.len(), 1);
            assert_eq!(page.beside.len(), 1);
            assert_eq!((page.beside[0].0.as_str(), page.beside[0].1.get()), ("allSites", r#"{"activeLicenses":3}"#));
        }
    }

    #[test]
    fn a_malformed_body_or_data_is_a_typed_error() {
        for body in [&b"{not json"[..], br#"{"data": null}"#, br#"{"data": {"a": 1}}"#, br#"[1]"#, b"\xff\xfe"] {
            assert!(matches!(Page::parse(body, Items::Data), Err(Error::UnexpectedResponse(_))), "{body:?}");
        }
        assert!(Page::parse(br#"{"data": {"a": [], "b": []}}"#, Items::Auto).is_err(), "two arrays: ambiguous");
    }
}
