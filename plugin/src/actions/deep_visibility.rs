//! Deep Visibility (S1QL) and PowerQuery, run to completion inside a bounded wait.
//!
//! SentinelOne limits each token to one `dv/init-query` a minute and one `dv/query-status` a
//! second. The status polls here are spaced a little over a second apart, so a query never trips
//! its own limit; an init refused with 429 (another query within the minute) is retried after
//! the console's `Retry-After` if that fits in `waitSeconds`, and otherwise comes back as the
//! typed `rate-limited` error. A query still running when the wait ends is returned unfinished
//! with its `queryId`, so nothing is lost: `dv.status` and `dv.events` pick it up.

use super::act::confine_filter;
use super::params::to_data;
use super::{Action, control, listing_into, max_items};
use crate::Error;
use crate::client::{Client, MAX_PAGE_SIZE, Query, data_object};
use crate::clock::Deadline;
use crate::error::Upstream;
use crate::output::{ObjectText, Output, RawItems, object};
use crate::pages::{Bound, Items, Walk};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use serde_json::{Map, Value};

/// A little over the documented one status call per second per token.
pub const STATUS_INTERVAL: Duration = Duration::from_millis(1050);
/// How long a query may run when the input says nothing.
const DEFAULT_WAIT: Duration = Duration::from_secs(120);

/// `dv.query`: init → poll status → read every event (up to `maxItems`).
pub fn run_dv(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let deadline = client.wait_deadline(wait(fields));
    let body = query_body(client, action, fields)?;
    let init = post_within(client, "dv/init-query", &body, &deadline)?;
    let init = data_object(&init)?;
    let query_id = query_id(init, "dv/init-query")?;
    let mut status = init.clone();
    loop {
        if !deadline.sleep_within(client.clock, STATUS_INTERVAL) {
            return Ok(unfinished(&query_id, status.get("responseState"), status.get("progressStatus"), &status).into());
        }
        status.extend(data_object(&client.get("dv/query-status", &Query::new().with("queryId", &query_id))?)?.clone());
        match status.get("responseState").and_then(Value::as_str).unwrap_or_default() {
            "FINISHED" => break,
            "EMPTY_RESULTS" => {
                let empty = Walk { total_items: Some(0), ..Walk::default() };
                return Ok(finished(&query_id, "EMPTY_RESULTS", &status).listing(RawItems::default(), &empty, Vec::new()).into());
            }
            state if state.contains("RUNNING") || state == "PLANNING" => {}
            state => return Err(ended(state, status.get("responseError"))),
        }
    }
    let bound = Bound { page_size: MAX_PAGE_SIZE, max_items: max_items(fields), max_bytes: client.config.max_output_bytes };
    let query = Query::new().with("queryId", &query_id);
    Ok(listing_into(client, "dv/events", &query, Items::Data, bound, finished(&query_id, "FINISHED", &status))?.into())
}

/// `powerquery.run`: create → ping until `FINISHED`; rows become objects keyed by column name.
pub fn run_power_query(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let deadline = client.wait_deadline(wait(fields));
    let body = query_body(client, action, fields)?;
    let mut result = data_object(&post_within(client, "dv/events/pq", &body, &deadline)?)?.clone();
    let query_id = query_id(&result, "dv/events/pq")?;
    loop {
        match result.get("status").and_then(Value::as_str).unwrap_or_default() {
            "FINISHED" => break,
            state if ["FAIL", "ERROR", "CANCEL", "EXPIRED", "TIMED_OUT"].iter().any(|bad| state.contains(bad)) => {
                return Err(ended(state, result.get("error").or(result.get("responseError"))));
            }
            _ => {}
        }
        if !deadline.sleep_within(client.clock, STATUS_INTERVAL) {
            return Ok(unfinished(&query_id, result.get("status"), result.get("progress"), &result).into());
        }
        result = data_object(&client.get("dv/events/pq-ping", &Query::new().with("queryId", &query_id))?)?.clone();
    }
    let columns: Vec<String> = match result.get("columns") {
        Some(Value::Array(columns)) => unique_names(columns.iter().map(|c| c.get("name").and_then(Value::as_str).unwrap_or_default())),
        _ => return Err(Error::UnexpectedResponse("a finished PowerQuery has no `columns` array".into())),
    };
    let rows = match result.get("data") {
        Some(Value::Array(rows)) => rows.iter().map(|row| keyed(&columns, row)).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Error::UnexpectedResponse("a finished PowerQuery has no `data` array".into())),
    };
    let returned = rows.len();
    let head = finished(&query_id, "FINISHED", &result)
        .field("columns", result.get("columns").cloned().unwrap_or(Value::Null))
        .field("rows", rows)
        .field("returned", returned)
        .field("recommendations", result.get("recommendations").cloned().unwrap_or_else(|| Value::Array(Vec::new())));
    Ok(head.into())
}

fn wait(fields: &Map<String, Value>) -> Duration {
    control(fields, "waitSeconds").map_or(DEFAULT_WAIT, Duration::from_secs)
}

/// The query's body: its data fields, with the scope pins as `accountIds`/`siteIds`.
fn query_body(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Value, Error> {
    let mut body = to_data(&action.params(), fields);
    confine_filter(&mut body, &client.config.scope, "")?;
    Ok(Value::Object(body))
}

/// POSTs `body`, waiting out a 429's `Retry-After` while the deadline allows.
fn post_within(client: &Client, path: &str, body: &Value, deadline: &Deadline) -> Result<Value, Error> {
    loop {
        match client.post(path, body) {
            Err(Error::RateLimited { retry_after_seconds: Some(s), .. })
                if deadline.sleep_within(client.clock, Duration::from_secs(u64::from(s))) => {}
            other => return other,
        }
    }
}

fn query_id(data: &Map<String, Value>, path: &str) -> Result<String, Error> {
    match data.get("queryId") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        _ => Err(Error::UnexpectedResponse(format!("{path} returned no queryId"))),
    }
}

/// A query that ended without results: SentinelOne's state and message as an upstream error.
fn ended(state: &str, message: Option<&Value>) -> Error {
    Error::Upstream(Upstream {
        status: 200,
        code: None,
        title: Some(format!("the query ended in state {state}")),
        detail: message.and_then(Value::as_str).map(str::to_owned),
    })
}

/// What a query's output carries of SentinelOne's own answer: every field it sent but these,
/// whose content the output already holds in its own shape (the id; PowerQuery's columns,
/// positional rows and recommendations).
const SHAPED: &[&str] = &["queryId", "columns", "data", "recommendations"];

fn unfinished(query_id: &str, state: Option<&Value>, progress: Option<&Value>, data: &Map<String, Value>) -> Value {
    let mut out = object(vec![
        ("queryId", query_id.into()),
        ("finished", false.into()),
        ("state", state.cloned().unwrap_or(Value::Null)),
        ("progress", progress.cloned().unwrap_or(Value::Null)),
        (
            "warnings",
            vec!["the query was still running when the wait ended (waitSeconds, or the host's call bound); read it later with its queryId"]
                .into(),
        ),
    ]);
    if let Value::Object(o) = &mut out {
        details_into(o, data);
    }
    out
}

/// The head of a finished query's output: its id and state, then the details SentinelOne gave.
fn finished(query_id: &str, state: &str, data: &Map<String, Value>) -> ObjectText {
    let mut details = Map::new();
    details_into(&mut details, data);
    let mut head = ObjectText::new().field("queryId", query_id).field("finished", true).field("state", state);
    for (key, value) in details {
        head = head.field(&key, value);
    }
    head
}

/// Copies every field SentinelOne sent about the query (all but [`SHAPED`]) into `out`, as
/// `console:<name>` where the name is already taken by the plugin's own summary.
fn details_into(out: &mut Map<String, Value>, data: &Map<String, Value>) {
    for (key, value) in data.iter().filter(|(k, _)| !SHAPED.contains(&k.as_str())) {
        let name = if out.contains_key(key) { format!("console:{key}") } else { key.clone() };
        out.insert(name, value.clone());
    }
}

/// Column names as row keys: a name met again becomes `name#2`, `name#3`, ... (`count() as n,
/// count() as n` would otherwise keep one value of two).
fn unique_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen = alloc::collections::BTreeSet::new();
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let mut key = name.to_owned();
        let mut n = 1;
        while !seen.insert(key.clone()) {
            n += 1;
            key = format!("{name}#{n}");
        }
        out.push(key);
    }
    out
}

/// One positional PowerQuery row as an object keyed by column name (names made unique first, see
/// [`unique_names`], so no value is lost).
fn keyed(columns: &[String], row: &Value) -> Result<Value, Error> {
    match row.as_array() {
        Some(values) if values.len() == columns.len() => {
            let mut row = Map::new();
            for (column, value) in columns.iter().zip(values) {
                row.insert(column.clone(), value.clone());
            }
            Ok(Value::Object(row))
        }
        _ => Err(Error::UnexpectedResponse(format!("a PowerQuery row does not match its {} columns", columns.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::unique_names;
    use crate::actions::invoke;
    use crate::client::Client;
    use crate::client::tests::{FakeTransport, config};
    use crate::clock::FakeClock;
    use crate::log::NoLog;
    use core::time::Duration;
    use serde_json::{Value, json};

    const WINDOW: &str = r#""fromDate": "2026-11-20T00:00:00Z", "toDate": "2026-11-21T00:00:00Z""#;

    fn status(state: &str) -> (u16, Value) {
        (200, json!({"data": {"responseState": state, "progressStatus": 50}}))
    }

    /// Runs `action` with `input` against `responses`; returns the output, the paths sent and the sleeps.
    fn run(action: &str, input: &str, responses: FakeTransport) -> (Value, Vec<String>, Vec<Duration>) {
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client::new(&responses, &config, &NoLog, &clock);
        let out = invoke(&client, action, input).unwrap().to_value();
        (out, responses.paths(), clock.sleeps.take())
    }

    #[test]
    fn dv_polls_status_at_most_once_a_second_then_reads_every_event() {
        let t = FakeTransport::new(vec![
            (200, json!({"data": {"queryId": "q1"}})),
            status("RUNNING"),
            status("FINISHED"),
            (200, json!({"data": [{"id": "e1"}], "pagination": {"nextCursor": "c2"}})),
            (200, json!({"data": [{"id": "e2"}], "pagination": {"nextCursor": null}})),
        ]);
        let (out, paths, sleeps) = run("dv.query", &format!(r#"{{"query": "AgentName = \"a\"", {WINDOW}}}"#), t);
        assert_eq!(out["finished"], true);
        assert_eq!(out["returned"], 2);
        assert_eq!(paths[1], "/web/api/v2.1/dv/query-status?queryId=q1");
        assert_eq!(paths[4], "/web/api/v2.1/dv/events?queryId=q1&limit=1000&cursor=c2");
        assert!(sleeps.len() == 2 && sleeps.iter().all(|s| *s >= Duration::from_secs(1)), "{sleeps:?}");
    }

    #[test]
    fn dv_waits_out_a_rate_limited_init_within_the_wait() {
        let t = FakeTransport::new(vec![(200, json!({"data": {"queryId": "q1"}})), status("EMPTY_RESULTS")]).after(429, Some("40"));
        let (out, paths, sleeps) = run("dv.query", &format!(r#"{{"query": "x", {WINDOW}}}"#), t);
        assert_eq!(out["state"], "EMPTY_RESULTS");
        assert_eq!(paths.iter().filter(|p| p.ends_with("dv/init-query")).count(), 2);
        assert_eq!(sleeps[0], Duration::from_secs(40));
    }

    #[test]
    fn dv_returns_an_unfinished_query_with_its_id_when_the_wait_runs_out() {
        let t = FakeTransport::new(vec![
            (200, json!({"data": {"queryId": "q9"}})),
            status("RUNNING"),
            status("RUNNING"),
            status("RUNNING"),
            status("RUNNING"),
        ]);
        let (out, _, sleeps) = run("dv.query", &format!(r#"{{"query": "x", "waitSeconds": 5, {WINDOW}}}"#), t);
        assert_eq!((out["finished"].clone(), out["queryId"].clone()), (json!(false), json!("q9")));
        assert!(sleeps.iter().sum::<Duration>() <= Duration::from_secs(5));
    }

    #[test]
    fn powerquery_rows_come_back_keyed_by_column() {
        let t = FakeTransport::new(vec![
            (200, json!({"data": {"queryId": "p1", "status": "RUNNING", "progress": 0, "columns": [], "data": []}})),
            (
                200,
                json!({"data": {"queryId": "p1", "status": "FINISHED", "progress": 100, "columns": [{"name": "endpoint.name"}, {"name": "count"}], "data": [["WS-1", 3]]}}),
            ),
        ]);
        let (out, paths, _) = run("powerquery.run", &format!(r#"{{"query": "| group count() by endpoint.name", {WINDOW}}}"#), t);
        assert_eq!(out["rows"], json!([{"endpoint.name": "WS-1", "count": 3}]));
        assert_eq!(paths[1], "/web/api/v2.1/dv/events/pq-ping?queryId=p1");
    }

    #[test]
    fn repeated_column_names_keep_every_value() {
        assert_eq!(unique_names(["n", "host", "n", "n"].into_iter()), ["n", "host", "n#2", "n#3"]);
    }
}
