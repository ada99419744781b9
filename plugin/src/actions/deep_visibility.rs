//! Deep Visibility (S1QL) and PowerQuery, run to completion inside a bounded wait.
//!
//! SentinelOne limits each token to one `dv/init-query` a minute and one `dv/query-status` a
//! second. The status polls here are spaced a little over a second apart, so a query never trips
//! its own limit; an init refused with 429 (another query within the minute) is retried after
//! the console's `Retry-After` if that fits in `waitSeconds`, and otherwise comes back as the
//! typed `rate-limited` error. A query still running when the wait ends is returned unfinished
//! with its `queryId`, so nothing is lost: `dv.status` and `dv.events` pick it up.

use super::Action;
use super::act::confine_filter;
use super::catalog::DEFAULT_MAX_ITEMS;
use super::params::to_data;
use crate::Error;
use crate::client::{Bound, Client, Items, MAX_PAGE_SIZE, Query, data_object};
use crate::clock::Deadline;
use crate::error::Upstream;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// A little over the documented one status call per second per token.
pub const STATUS_INTERVAL: Duration = Duration::from_millis(1050);
/// How long a query may run when the input says nothing.
const DEFAULT_WAIT: Duration = Duration::from_secs(120);

/// `dv.query`: init → poll status → read every event (up to `maxItems`).
pub fn run_dv(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Value, Error> {
    let deadline = Deadline::after(client.clock, wait(fields));
    let body = query_body(client, action, fields)?;
    let init = post_within(client, "dv/init-query", &body, &deadline)?;
    let query_id = query_id(data_object(&init)?, "dv/init-query")?;
    let mut status = Map::new();
    loop {
        if !deadline.sleep_within(client.clock, STATUS_INTERVAL) {
            return Ok(unfinished(&query_id, status.get("responseState"), status.get("progressStatus")));
        }
        status = data_object(&client.get("dv/query-status", &Query::new().with("queryId", &query_id))?)?.clone();
        match status.get("responseState").and_then(Value::as_str).unwrap_or_default() {
            "FINISHED" => break,
            "EMPTY_RESULTS" => return Ok(finished(&query_id, "EMPTY_RESULTS", json!({"items": [], "returned": 0, "totalItems": 0, "more": false, "nextCursor": null}))),
            state if state.contains("RUNNING") || state == "PLANNING" => {}
            state => return Err(ended(state, status.get("responseError"))),
        }
    }
    let max_items = fields.get("maxItems").and_then(Value::as_u64).map_or(DEFAULT_MAX_ITEMS, |n| n as usize);
    let listing = client.list("dv/events", &Query::new().with("queryId", &query_id), Items::Data, Bound { page_size: MAX_PAGE_SIZE, max_items })?;
    let events = json!({
        "items": listing.items,
        "returned": listing.items.len(),
        "totalItems": listing.total_items,
        "more": listing.more,
        "nextCursor": listing.next_cursor,
    });
    Ok(finished(&query_id, "FINISHED", events))
}

/// `powerquery.run`: create → ping until `FINISHED`; rows become objects keyed by column name.
pub fn run_power_query(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Value, Error> {
    let deadline = Deadline::after(client.clock, wait(fields));
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
            return Ok(unfinished(&query_id, result.get("status"), result.get("progress")));
        }
        result = data_object(&client.get("dv/events/pq-ping", &Query::new().with("queryId", &query_id))?)?.clone();
    }
    let columns: Vec<String> = match result.get("columns") {
        Some(Value::Array(columns)) => columns.iter().map(|c| c.get("name").and_then(Value::as_str).unwrap_or_default().to_owned()).collect(),
        _ => return Err(Error::UnexpectedResponse("a finished PowerQuery has no `columns` array".into())),
    };
    let rows = match result.get("data") {
        Some(Value::Array(rows)) => rows.iter().map(|row| keyed(&columns, row)).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Error::UnexpectedResponse("a finished PowerQuery has no `data` array".into())),
    };
    Ok(finished(
        &query_id,
        "FINISHED",
        json!({
            "columns": result.get("columns"),
            "rows": rows,
            "returned": rows.len(),
            "recommendations": result.get("recommendations").cloned().unwrap_or_else(|| json!([])),
        }),
    ))
}

fn wait(fields: &Map<String, Value>) -> Duration {
    fields.get("waitSeconds").and_then(Value::as_u64).map_or(DEFAULT_WAIT, Duration::from_secs)
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
            Err(Error::RateLimited { retry_after_seconds: Some(s), .. }) if deadline.sleep_within(client.clock, Duration::from_secs(u64::from(s))) => {}
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

fn unfinished(query_id: &str, state: Option<&Value>, progress: Option<&Value>) -> Value {
    json!({
        "queryId": query_id,
        "finished": false,
        "state": state,
        "progress": progress,
        "warnings": ["the query was still running when waitSeconds ran out; read it later with its queryId"],
    })
}

fn finished(query_id: &str, state: &str, results: Value) -> Value {
    let mut out = json!({ "queryId": query_id, "finished": true, "state": state });
    if let (Some(out), Value::Object(results)) = (out.as_object_mut(), results) {
        out.extend(results);
    }
    out
}

/// One positional PowerQuery row as an object keyed by column name.
fn keyed(columns: &[String], row: &Value) -> Result<Value, Error> {
    match row.as_array() {
        Some(values) if values.len() == columns.len() => Ok(Value::Object(columns.iter().cloned().zip(values.iter().cloned()).collect())),
        _ => Err(Error::UnexpectedResponse(format!("a PowerQuery row does not match its {} columns", columns.len()))),
    }
}
