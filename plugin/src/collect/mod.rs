//! Continuous collection: the `collection` interface's logic (see `wit/collection.wit` for the
//! contract and its guarantees).
//!
//! One call reads one stream from its checkpoint:
//! 1. The console's clock (the `Date` of `GET system/info`) closes the window `settle` seconds
//!    back: only records stamped at or before it are read, so records that become visible a little
//!    after their timestamp are still ahead of the watermark when they appear.
//! 2. The main pass pages through `<filter>__gte=<watermark>&<filter>__lte=<window end>`, sorted
//!    ascending, and emits every record the checkpoint has not seen (ties at the watermark are
//!    told apart by id), advancing the checkpoint record by record.
//! 3. Revisited streams (alerts) then sweep a few pages of recent records and emit those whose
//!    version changed since it was last emitted.
//!
//! The checkpoint moves with each emitted event, so when a request fails half way the call still
//! returns what it has, with a checkpoint that covers exactly that.

pub mod checkpoint;
pub mod event;
pub mod streams;

use crate::Error;
use crate::actions::confine;
use crate::client::{Client, MAX_PAGE_SIZE, Query};
use crate::http::Method;
use crate::pages::{Bound, Flow, Items};
use crate::time::{format_micros, parse_http_date, parse_iso8601_micros};
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use checkpoint::Checkpoint;
use s1_json_text::scan::{as_str, lookup};
use serde_json::value::RawValue;
use streams::Stream;

/// The most events one call may return.
pub const MAX_EVENTS: u32 = 10_000;
/// Defaults of the options.
pub const DEFAULT_SETTLE_SECONDS: u32 = 60;
pub const DEFAULT_LOOKBACK_SECONDS: i64 = 24 * 3600;
pub const DEFAULT_REVISIT_SECONDS: u32 = 3 * 24 * 3600;
/// Pages of recent alerts one call revisits at most.
const SWEEP_PAGES: usize = 2;
const MICROS: i64 = 1_000_000;

/// How one call runs (the WIT `collect-options`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub max_events: u32,
    pub since: Option<String>,
    pub settle_seconds: Option<u32>,
    pub revisit_seconds: Option<u32>,
}

/// What a call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pages: u32,
    pub records_read: u32,
    pub duplicates_dropped: u32,
}

/// The result of one call (the WIT `batch`).
#[derive(Debug)]
pub struct Batch {
    pub events: Vec<String>,
    pub checkpoint: String,
    pub caught_up: bool,
    pub counts: Counts,
    pub stopped_by: Option<Error>,
}

/// The state of one call while it runs.
struct Run<'a> {
    client: &'a Client<'a>,
    stream: &'static Stream,
    checkpoint: Checkpoint,
    events: Vec<String>,
    bytes: usize,
    counts: Counts,
    max_events: usize,
}

impl Run<'_> {
    fn full(&self) -> bool {
        self.events.len() >= self.max_events || self.bytes >= self.client.config.max_output_bytes
    }

    fn emit(&mut self, id: &str, version: i64, record: &RawValue) {
        let event = event::text(self.stream.name, &self.checkpoint.console, id, version, record);
        self.bytes += event.len();
        self.events.push(event);
    }

    /// The main pass's sink: emits the records not seen yet, advancing the checkpoint.
    fn main_page(&mut self, items: &[&RawValue], floor: i64) -> Result<Flow, Error> {
        for item in items {
            if self.full() {
                return Ok(Flow::Enough);
            }
            let key = Key::of(self.stream, item)?;
            self.counts.records_read += 1;
            if self.checkpoint.emitted(key.mark, &key.id) {
                self.counts.duplicates_dropped += 1;
                continue;
            }
            // The checkpoint first: a record it cannot take (too many at one timestamp) is not
            // emitted either, so no event ever leaves without its checkpoint.
            self.checkpoint.advance(key.mark, &key.id)?;
            self.emit(&key.id, key.version, item);
            if self.stream.revisit && key.mark >= floor {
                self.checkpoint.set_version(&key.id, key.mark, key.version);
            }
        }
        Ok(Flow::More)
    }

    /// The sweep's sink: emits revisited records whose version changed.
    fn sweep_page(&mut self, items: &[&RawValue], last: &mut i64) -> Result<Flow, Error> {
        for item in items {
            if self.full() {
                return Ok(Flow::Enough);
            }
            let key = Key::of(self.stream, item)?;
            self.counts.records_read += 1;
            *last = key.mark;
            if self.checkpoint.version(&key.id).is_some_and(|(_, v)| v == key.version) {
                self.counts.duplicates_dropped += 1;
                continue;
            }
            // A record at the watermark the main pass has not emitted (it became visible since)
            // joins the watermark's ids, so the next main pass does not emit it again.
            if key.mark >= self.checkpoint.watermark && !self.checkpoint.emitted(key.mark, &key.id) {
                self.checkpoint.advance(key.mark, &key.id)?;
            }
            self.emit(&key.id, key.version, item);
            self.checkpoint.set_version(&key.id, key.mark, key.version);
        }
        Ok(Flow::More)
    }
}

/// A record's id, watermark timestamp and version.
struct Key {
    id: String,
    mark: i64,
    version: i64,
}

impl Key {
    /// The record's key fields, read from its text where the stream's pointers say (the record is
    /// part of a page already validated as JSON, so this is a scan, not a second parse).
    fn of(stream: &Stream, raw: &RawValue) -> Result<Key, Error> {
        let text = raw.get();
        if !text.trim_start().starts_with('{') {
            return Err(Error::UnexpectedResponse(format!("{}: a record is not a JSON object", stream.name)));
        }
        let id = lookup(text, stream.id_at).and_then(|value| match as_str(value) {
            Some(s) => crate::config::is_id(&s).then(|| s.into_owned()),
            // Leniently, a JSON integer.
            None => value.parse::<u64>().ok().map(|n| n.to_string()),
        });
        let Some(id) = id else {
            return Err(Error::UnexpectedResponse(format!("{}: a record has no id at {}", stream.name, stream.id_at)));
        };
        let time = |at: &str| {
            lookup(text, at).and_then(as_str).and_then(|s| parse_iso8601_micros(&s)).ok_or_else(|| {
                Error::UnexpectedResponse(format!(
                    "{}: record {id} has no timestamp at {at}; collection stops here rather than skip it",
                    stream.name
                ))
            })
        };
        let mark = time(stream.mark_at)?;
        let version = if stream.version_at == stream.mark_at { mark } else { time(stream.version_at)? };
        Ok(Key { mark, version, id })
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::invalid(field, message)
}

/// Collects the next events of `stream` after `checkpoint`.
pub fn collect(client: &Client, stream: &str, checkpoint: Option<&str>, options: &Options) -> Result<Batch, Error> {
    let known = || streams::STREAMS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
    let stream =
        streams::find(stream).ok_or_else(|| invalid("/stream-name", format!("unknown stream `{stream}`; the streams are {}", known())))?;
    if !(1..=MAX_EVENTS).contains(&options.max_events) {
        return Err(invalid("/options/max-events", format!("expected 1 to {MAX_EVENTS}")));
    }
    let since = match &options.since {
        Some(text) => Some(
            parse_iso8601_micros(text).ok_or_else(|| invalid("/options/since", "expected an ISO-8601 time, e.g. 2026-11-01T00:00:00Z"))?,
        ),
        None => None,
    };
    let console = client.config.console.authority.clone();
    let checkpoint = match checkpoint {
        Some(text) => Some(Checkpoint::parse(text, stream.name, &console)?),
        None => None,
    };
    let settle = i64::from(options.settle_seconds.unwrap_or(DEFAULT_SETTLE_SECONDS)) * MICROS;

    // 1. The console's clock closes the window.
    let info = client.send(Method::Get, "system/info", &Query::new(), None)?;
    let now = info
        .header("date")
        .and_then(parse_http_date)
        .ok_or_else(|| Error::UnexpectedResponse("system/info answered without a Date header".into()))?
        * MICROS;
    let until = now - settle;
    let checkpoint =
        checkpoint.unwrap_or_else(|| Checkpoint::start(stream.name, &console, since.unwrap_or(now - DEFAULT_LOOKBACK_SECONDS * MICROS)));
    let floor = match options.revisit_seconds.unwrap_or(DEFAULT_REVISIT_SECONDS) {
        0 => i64::MAX,
        revisit => (now - i64::from(revisit) * MICROS).max(checkpoint.origin),
    };
    let mut run = Run {
        client,
        stream,
        checkpoint,
        events: Vec::new(),
        bytes: 0,
        counts: Counts::default(),
        max_events: options.max_events as usize,
    };
    let mut base = Query::new();
    confine(&mut base, &client.config.scope)?;

    // 2. The main pass.
    let mut caught_up = false;
    let mut stopped_by = None;
    if run.checkpoint.watermark <= until {
        let mut query = base.clone();
        query.push(&format!("{}__gte", stream.filter), format_micros(run.checkpoint.watermark));
        query.push(&format!("{}__lte", stream.filter), format_micros(until));
        query.push("sortBy", stream.sort_by);
        query.push("sortOrder", "asc");
        let page_size = (run.max_events + run.checkpoint.at_watermark.len()).min(MAX_PAGE_SIZE as usize) as u32;
        let bound = Bound::items(page_size, usize::MAX);
        match client.walk(stream.path, &query, Items::Data, bound, |_, items| run.main_page(items, floor)) {
            Ok(walk) => {
                run.counts.pages += walk.pages;
                caught_up = !walk.more;
            }
            Err(e) => stopped_by = Some(e),
        }
    } else {
        caught_up = true;
    }

    // 3. Revisit recent records for changes (alerts).
    if stream.revisit && floor != i64::MAX {
        run.checkpoint.versions.retain(|(_, created, _)| *created >= floor);
        if stopped_by.is_none() && !run.full() {
            stopped_by = sweep(&mut run, &base, floor).err();
        }
    }

    if let Some(e) = stopped_by {
        if run.events.is_empty() && run.counts.pages == 0 {
            return Err(e);
        }
        client.log.log(crate::log::Level::Warn, &format!("{}: stopped after {} events: {e}", stream.name, run.events.len()));
        return Ok(Batch {
            events: run.events,
            checkpoint: run.checkpoint.to_text(),
            caught_up: false,
            counts: run.counts,
            stopped_by: Some(e),
        });
    }
    let caught_up = caught_up && !run.full();
    Ok(Batch { events: run.events, checkpoint: run.checkpoint.to_text(), caught_up, counts: run.counts, stopped_by: None })
}

/// Sweeps up to [`SWEEP_PAGES`] pages of the records created between the revisit floor and the
/// watermark (inclusive: the newest records change too, and on a quiet tenant nothing newer would
/// ever move the watermark past them), from where the last sweep stopped; a sweep that reaches the
/// watermark starts over at the floor next time.
fn sweep(run: &mut Run, base: &Query, floor: i64) -> Result<(), Error> {
    let from = run.checkpoint.sweep_from.max(floor);
    if from > run.checkpoint.watermark {
        run.checkpoint.sweep_from = 0;
        return Ok(());
    }
    let stream = run.stream;
    let mut query = base.clone();
    query.push(&format!("{}__gte", stream.filter), format_micros(from));
    query.push(&format!("{}__lte", stream.filter), format_micros(run.checkpoint.watermark));
    query.push("sortBy", stream.sort_by);
    query.push("sortOrder", "asc");
    let mut last = from;
    let bound = Bound::items(MAX_PAGE_SIZE, SWEEP_PAGES * MAX_PAGE_SIZE as usize);
    let client = run.client;
    let walk = client.walk(stream.path, &query, Items::Data, bound, |_, items| run.sweep_page(items, &mut last));
    // Progress is kept even when a page failed: the versions already record what was emitted.
    run.checkpoint.sweep_from = last;
    let walk = walk?;
    run.counts.pages += walk.pages;
    if !walk.more {
        run.checkpoint.sweep_from = 0;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
