//! The watermark and dedup logic against a small in-memory console: ties at page and call
//! boundaries, updates during paging, late arrivals within the settle delay, faults mid-call,
//! alert revisits, and checkpoints refused before anything is sent.

use super::*;
use crate::client::tests::config;
use crate::clock::FakeClock;
use crate::http::{Request, Response, Transport};
use crate::log::NoLog;
use crate::time::format_micros;
use core::cell::{Cell, RefCell};
use serde_json::Value;
use serde_json::json;

const SECOND: i64 = 1_000_000;
/// The console's clock: 2026-03-01T12:00:00Z.
const NOW: i64 = 1_772_366_400 * SECOND;

/// A change made to the console's records while a call pages.
type Change = Box<dyn FnMut(&mut Vec<Value>)>;

/// A console with one list of threats (or alerts), keyset cursors, and a clock.
struct Console {
    alerts: bool,
    records: RefCell<Vec<Value>>,
    /// Called after each list page is served (to change records while a call pages).
    after_page: RefCell<Option<Change>>,
    /// Fail the n-th list request (1-based) with a 500 (which reads do not retry).
    fail_page: Cell<Option<u32>>,
    pages: Cell<u32>,
    queries: RefCell<Vec<String>>,
}

impl Console {
    fn threats(records: Vec<Value>) -> Console {
        Console {
            alerts: false,
            records: RefCell::new(records),
            after_page: RefCell::new(None),
            fail_page: Cell::new(None),
            pages: Cell::new(0),
            queries: RefCell::new(Vec::new()),
        }
    }

    fn alerts(records: Vec<Value>) -> Console {
        Console { alerts: true, ..Console::threats(records) }
    }

    fn key(&self, record: &Value) -> (i64, String) {
        let (mark, id) = if self.alerts { ("/alertInfo/createdAt", "/alertInfo/alertId") } else { ("/threatInfo/updatedAt", "/id") };
        (
            parse_iso8601_micros(record.pointer(mark).unwrap().as_str().unwrap()).unwrap(),
            record.pointer(id).unwrap().as_str().unwrap().to_owned(),
        )
    }
}

fn decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

impl Transport for Console {
    fn send(&self, request: &Request) -> Result<Response, Error> {
        let (path, query) = request.path_and_query.split_once('?').unwrap_or((&request.path_and_query, ""));
        if path.ends_with("system/info") {
            let date = "Sun, 01 Mar 2026 12:00:00 GMT".to_owned();
            return Ok(Response { status: 200, headers: vec![("date".into(), date)], body: br#"{"data":{"version":"x"}}"#.to_vec() });
        }
        self.queries.borrow_mut().push(query.to_owned());
        self.pages.set(self.pages.get() + 1);
        if self.fail_page.get() == Some(self.pages.get()) {
            return Ok(Response { status: 500, headers: vec![], body: b"{}".to_vec() });
        }
        let params: Vec<(String, String)> =
            query.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_owned(), decode(v))).collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let bound = |suffix: &str| {
            get(&format!("{}{suffix}", if self.alerts { "createdAt" } else { "updatedAt" })).map(|t| parse_iso8601_micros(&t).unwrap())
        };
        let (gte, lte, lt) = (bound("__gte"), bound("__lte"), bound("__lt"));
        let after: Option<(i64, String)> = get("cursor").map(|c| {
            let (m, id) = c.split_once('/').unwrap();
            (m.parse().unwrap(), id.to_owned())
        });
        let limit: usize = get("limit").unwrap().parse().unwrap();
        let mut matching: Vec<((i64, String), Value)> = self
            .records
            .borrow()
            .iter()
            .map(|r| (self.key(r), r.clone()))
            .filter(|((m, _), _)| gte.is_none_or(|g| *m >= g) && lte.is_none_or(|l| *m <= l) && lt.is_none_or(|l| *m < l))
            .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
            .collect();
        matching.sort_by(|a, b| a.0.cmp(&b.0));
        let page: Vec<&((i64, String), Value)> = matching.iter().take(limit).collect();
        let cursor = (matching.len() > limit).then(|| page.last().map(|((m, id), _)| format!("{m}/{id}"))).flatten();
        let body = json!({"data": page.iter().map(|(_, v)| v).collect::<Vec<_>>(), "pagination": {"nextCursor": cursor}});
        if let Some(change) = self.after_page.borrow_mut().as_mut() {
            change(&mut self.records.borrow_mut());
        }
        Ok(Response { status: 200, headers: vec![], body: body.to_string().into_bytes() })
    }
}

fn threat(id: u64, updated: i64) -> Value {
    json!({"id": id.to_string(), "threatInfo": {"updatedAt": format_micros(updated), "analystVerdict": "undefined"}})
}

fn alert(id: u64, created: i64, updated: i64) -> Value {
    json!({"alertInfo": {"alertId": id.to_string(), "createdAt": format_micros(created), "updatedAt": format_micros(updated)}})
}

fn options(max_events: u32) -> Options {
    Options { max_events, since: Some("2026-01-01T00:00:00Z".into()), settle_seconds: Some(60), revisit_seconds: None }
}

/// Runs one call against `console`.
fn call(console: &Console, stream: &str, checkpoint: Option<&str>, options: &Options) -> Result<Batch, Error> {
    let config = config(&[]);
    let clock = FakeClock::default();
    let client = Client::new(console, &config, &NoLog, &clock);
    collect(&client, stream, checkpoint, options)
}

/// The (record id, version) of each event.
fn keys(batch: &Batch) -> Vec<(String, String)> {
    batch
        .events
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_str(e).unwrap();
            let id = v["record"]["id"].as_str().or(v["record"]["alertInfo"]["alertId"].as_str()).unwrap().to_owned();
            (id, v["version"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Calls until caught up; returns every event key and the last checkpoint.
fn drain(console: &Console, stream: &str, mut checkpoint: Option<String>, options: &Options) -> (Vec<(String, String)>, String) {
    let mut all = Vec::new();
    for _ in 0..100 {
        let batch = call(console, stream, checkpoint.as_deref(), options).unwrap();
        assert!(batch.stopped_by.is_none(), "{:?}", batch.stopped_by);
        all.extend(keys(&batch));
        checkpoint = Some(batch.checkpoint);
        if batch.caught_up {
            return (all, checkpoint.unwrap());
        }
    }
    panic!("never caught up");
}

fn assert_exactly_once(keys: &[(String, String)], expected: usize) {
    let unique: alloc::collections::BTreeSet<_> = keys.iter().collect();
    assert_eq!((keys.len(), unique.len()), (expected, expected), "{keys:?}");
}

#[test]
fn ties_at_page_and_call_boundaries_are_emitted_exactly_once() {
    let t = NOW - 3600 * SECOND;
    // Seven threats share one microsecond, around others.
    let mut records: Vec<Value> = (1..=7).map(|i| threat(100 + i, t)).collect();
    records.extend([threat(1, t - SECOND), threat(2, t + SECOND), threat(3, t + SECOND)]);
    let console = Console::threats(records);
    let (keys, _) = drain(&console, "threats", None, &options(3));
    assert_exactly_once(&keys, 10);
}

#[test]
fn a_caught_up_stream_emits_nothing_more_and_keeps_few_ids() {
    let t = NOW - 3600 * SECOND;
    let console = Console::threats((1..=5).map(|i| threat(i, t + i as i64)).collect());
    let (first, checkpoint) = drain(&console, "threats", None, &options(100));
    assert_eq!(first.len(), 5);
    let again = call(&console, "threats", Some(&checkpoint), &options(100)).unwrap();
    assert!(again.events.is_empty() && again.caught_up);
    assert_eq!(again.counts.duplicates_dropped, 1, "only the record at the watermark is read again");
}

#[test]
fn an_update_of_an_emitted_record_is_a_new_event() {
    let t = NOW - 3600 * SECOND;
    let console = Console::threats(vec![threat(1, t), threat(2, t + SECOND)]);
    let (first, checkpoint) = drain(&console, "threats", None, &options(10));
    console.records.borrow_mut()[0] = threat(1, t + 10 * SECOND);
    let (second, _) = drain(&console, "threats", Some(checkpoint), &options(10));
    assert_eq!(first.len(), 2);
    assert_eq!(second, vec![("1".to_owned(), format_micros(t + 10 * SECOND))]);
}

#[test]
fn a_record_updated_while_a_call_pages_is_emitted_once_per_version() {
    let t = NOW - 3600 * SECOND;
    let console = Console::threats((1..=6).map(|i| threat(i, t + i as i64 * SECOND)).collect());
    // After the first page, threat 1 (already emitted) and threat 6 (not yet) are updated.
    let mut once = true;
    *console.after_page.borrow_mut() = Some(Box::new(move |records: &mut Vec<Value>| {
        if core::mem::take(&mut once) {
            records[0] = threat(1, t + 100 * SECOND);
            records[5] = threat(6, t + 101 * SECOND);
        }
    }));
    let (keys, _) = drain(&console, "threats", None, &options(2));
    let versions_of = |id: &str| keys.iter().filter(|(i, _)| i == id).count();
    assert_eq!(
        (versions_of("1"), versions_of("6")),
        (2, 1),
        "threat 1 twice (two versions), threat 6 once (its first version was never served)"
    );
    assert_exactly_once(&keys, 7);
}

#[test]
fn the_window_closes_settle_seconds_behind_the_consoles_clock() {
    let console = Console::threats(vec![threat(1, NOW - 120 * SECOND), threat(2, NOW - 30 * SECOND)]);
    let batch = call(&console, "threats", None, &options(10)).unwrap();
    assert_eq!(keys(&batch).len(), 1, "the record inside the settle delay waits");
    assert!(console.queries.borrow()[0].contains(&format!(
        "updatedAt__lte={}",
        crate::client::Query::new().with("x", format_micros(NOW - 60 * SECOND)).encode()[2..].to_owned()
    )));
}

#[test]
fn a_late_record_within_the_settle_delay_is_still_collected() {
    let console = Console::threats(vec![threat(1, NOW - 120 * SECOND)]);
    let (first, checkpoint) = drain(&console, "threats", None, &options(10));
    // A record stamped 61 s ago becomes visible only now: it is inside the window, after the watermark.
    console.records.borrow_mut().push(threat(2, NOW - 61 * SECOND));
    let (second, _) = drain(&console, "threats", Some(checkpoint), &options(10));
    assert_eq!((first.len(), second.len()), (1, 1));
}

#[test]
fn a_fault_mid_call_keeps_the_progress_and_its_checkpoint() {
    let t = NOW - 3600 * SECOND;
    let console = Console::threats((1..=2500).map(|i| threat(i, t + i as i64)).collect());
    console.fail_page.set(Some(2));
    let batch = call(&console, "threats", None, &options(2500)).unwrap();
    assert!(matches!(batch.stopped_by, Some(Error::Upstream(_))), "{:?}", batch.stopped_by);
    assert!(!batch.caught_up);
    let first = keys(&batch);
    let (rest, _) = drain(&console, "threats", Some(batch.checkpoint), &options(2500));
    let all: Vec<_> = first.into_iter().chain(rest).collect();
    assert_exactly_once(&all, 2500);
}

#[test]
fn a_fault_before_any_progress_is_the_error_itself() {
    let console = Console::threats(vec![threat(1, NOW - 3600 * SECOND)]);
    console.fail_page.set(Some(1));
    assert!(matches!(call(&console, "threats", None, &options(10)), Err(Error::Upstream(_))));
}

#[test]
fn a_bad_checkpoint_or_option_is_refused_before_anything_is_sent() {
    let console = Console::threats(vec![]);
    for (checkpoint, options, field) in [
        (Some("{not json"), options(10), "/checkpoint"),
        (None, options(0), "/options/max-events"),
        (None, Options { since: Some("yesterday".into()), ..options(10) }, "/options/since"),
    ] {
        let e = call(&console, "threats", checkpoint, &options).unwrap_err();
        assert!(matches!(&e, Error::InvalidInput { field: Some(f), .. } if f == field), "{e:?}");
    }
    assert!(matches!(call(&console, "nope", None, &options(10)), Err(Error::InvalidInput { .. })));
    assert!(console.queries.borrow().is_empty());
}

#[test]
fn alert_changes_are_caught_by_revisiting() {
    let t = NOW - 3600 * SECOND;
    let console = Console::alerts((1..=4).map(|i| alert(i, t + i as i64 * SECOND, t + i as i64 * SECOND)).collect());
    let (first, checkpoint) = drain(&console, "alerts", None, &options(10));
    assert_eq!(first.len(), 4);
    // An analyst sets a verdict on alert 2: its updatedAt moves, its createdAt does not.
    console.records.borrow_mut()[1] = alert(2, t + 2 * SECOND, t + 500 * SECOND);
    let (second, checkpoint) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert_eq!(second, vec![("2".to_owned(), format_micros(t + 500 * SECOND))]);
    let (third, _) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert!(third.is_empty(), "a change is emitted once: {third:?}");
}

#[test]
fn a_change_to_the_newest_alert_is_caught_on_a_quiet_tenant() {
    let t = NOW - 3600 * SECOND;
    let console = Console::alerts((1..=4).map(|i| alert(i, t + i as i64 * SECOND, t + i as i64 * SECOND)).collect());
    let (_, checkpoint) = drain(&console, "alerts", None, &options(10));
    // Alert 4 holds the watermark, and no newer alert arrives to move it.
    console.records.borrow_mut()[3] = alert(4, t + 4 * SECOND, t + 700 * SECOND);
    let (second, checkpoint) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert_eq!(second, vec![("4".to_owned(), format_micros(t + 700 * SECOND))]);
    let (third, _) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert!(third.is_empty(), "a change is emitted once: {third:?}");
}

#[test]
fn an_alert_the_sweep_finds_at_the_watermark_is_not_emitted_again_by_the_main_pass() {
    let t = NOW - 3600 * SECOND;
    let console = Console::alerts(vec![alert(1, t, t)]);
    let (_, checkpoint) = drain(&console, "alerts", None, &options(10));
    // A late alert sharing the watermark's creation time; the first call's sweep may see it.
    console.records.borrow_mut().push(alert(2, t, t));
    let (second, checkpoint) = drain(&console, "alerts", Some(checkpoint), &options(10));
    let (third, _) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert_eq!((second, third), (vec![("2".to_owned(), format_micros(t))], vec![]));
}

#[test]
fn alerts_older_than_the_revisit_window_are_not_revisited() {
    let old = NOW - 10 * 24 * 3600 * SECOND;
    let console = Console::alerts(vec![alert(1, old, old)]);
    let (_, checkpoint) = drain(&console, "alerts", None, &options(10));
    assert!(!checkpoint.contains("versions"), "nothing to remember: {checkpoint}");
    console.records.borrow_mut()[0] = alert(1, old, NOW - 100 * SECOND);
    let (second, _) = drain(&console, "alerts", Some(checkpoint), &options(10));
    assert!(second.is_empty());
}
