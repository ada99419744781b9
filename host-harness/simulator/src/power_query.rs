//! PowerQuery: `POST dv/events/pq` and `GET dv/events/pq-ping`.
//!
//! Both answer `{"data": {"queryId": "pq<32 hex>", "status", "progress", "columns", "data",
//! "recommendations"}}`. The query runs like a DV query (see [`super::deep_visibility`]: same
//! body validation, scope, `Timing::query_duration` and `query_lifetime`); while it runs the
//! answer is `"status": "RUNNING"` with empty `columns`/`data`; once done it is `"FINISHED"`,
//! `progress: 100`, `columns: [{"name", "type"}]` and positional rows. With a zero query duration
//! the POST itself answers FINISHED.
//!
//! Supported subset (over the same events as DV, see [`super::dv_events`]):
//! - The part before the first `|` is a filter in the DV subset (dotted names such as
//!   `endpoint.name`, `event.type`, `src.process.name` work there too).
//! - `| group count() by f1, f2` (or `| group n = count() by ...`) gives columns `[f1, f2,
//!   "count"]` (or `n`), one row per distinct key, most frequent first, then by key.
//! - `| limit N` caps the rows at N. Without it rows are capped at 1000 and, when that cut rows,
//!   `recommendations` says so (the console's sentence).
//! - Without a group stage, rows are raw events, newest first, with the fixed columns of
//!   [`FIELDS`]. Fields a group names outside [`FIELDS`] are `null`. Any other stage is ignored.
//!
//! Modelling choices: PowerQuery has no rate limit (the reference documents none, and we do not
//! share the DV init limit); an unknown or another token's `queryId` is a 404, a missing one a
//! 400, an expired one a 400; there is no cancel endpoint.

use super::auth::Caller;
use super::deep_visibility::{Phase, QueryRequest, QueryRun, json_object, lookup};
use super::dv_events::{DvEvent, EventFilter, Token, tokens};
use super::errors::ApiError;
use super::jobs::Timing;
use super::query::Params;
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Instant;

const DEFAULT_ROW_CAP: usize = 1000;
const CAP_RECOMMENDATION: &str = "Result set limited to 1000 rows by default. To display more rows, add a command like \"| limit 10000\".";

/// The fields a PowerQuery can name, with their column type; raw rows show all of them.
pub const FIELDS: [(&str, &str); 16] = [
    ("event.time", "INTEGER"),
    ("event.type", "STRING"),
    ("endpoint.name", "STRING"),
    ("endpoint.os", "STRING"),
    ("agent.uuid", "STRING"),
    ("site.name", "STRING"),
    ("src.process.name", "STRING"),
    ("src.process.pid", "INTEGER"),
    ("src.process.cmdline", "STRING"),
    ("src.process.user", "STRING"),
    ("src.ip.address", "STRING"),
    ("dst.ip.address", "STRING"),
    ("dst.port.number", "INTEGER"),
    ("event.dns.request", "STRING"),
    ("tgt.file.path", "STRING"),
    ("tgt.file.sha1", "STRING"),
];

/// A finished query's answer.
#[derive(Clone, Debug, Default)]
pub struct PqTable {
    columns: Vec<Value>,
    rows: Vec<Vec<Value>>,
    recommendations: Vec<&'static str>,
}

struct Group {
    keys: Vec<String>,
    count_name: String,
}

struct Pipeline {
    filter: EventFilter,
    group: Option<Group>,
    limit: Option<usize>,
}

impl Pipeline {
    fn parse(query: &str) -> Pipeline {
        let tokens = tokens(query);
        let mut stages = tokens.split(|t| *t == Token::Pipe);
        let filter = EventFilter::from_tokens(stages.next().unwrap_or_default());
        let mut pipeline = Pipeline { filter, group: None, limit: None };
        for stage in stages {
            match stage.split_first() {
                Some((command, rest)) if command.is_word("group") => {
                    pipeline.group = group_stage(rest).or(pipeline.group.take());
                }
                Some((command, [Token::Word(n)])) if command.is_word("limit") => {
                    pipeline.limit = n.parse().ok().filter(|n| *n > 0).or(pipeline.limit);
                }
                _ => {}
            }
        }
        pipeline
    }

    fn table(&self, events: &[DvEvent]) -> PqTable {
        let (columns, mut rows) = match &self.group {
            Some(group) => grouped(events, group),
            None => raw(events),
        };
        let cap = self.limit.unwrap_or(DEFAULT_ROW_CAP);
        let mut recommendations = Vec::new();
        if rows.len() > cap {
            rows.truncate(cap);
            if self.limit.is_none() {
                recommendations.push(CAP_RECOMMENDATION);
            }
        }
        PqTable { columns, rows, recommendations }
    }
}

/// `count() by a, b` or `name = count() by a, b`.
fn group_stage(tokens: &[Token]) -> Option<Group> {
    let by = tokens.iter().position(|t| t.is_word("by"))?;
    let count_name = match &tokens[..by] {
        [count, Token::Open, Token::Close] if count.is_word("count") => "count".to_string(),
        [Token::Word(name), Token::Op(eq), count, Token::Open, Token::Close] if eq == "=" && count.is_word("count") => name.clone(),
        _ => return None,
    };
    let keys = tokens[by + 1..]
        .split(|t| *t == Token::Comma)
        .map(|key| match key {
            [Token::Word(field)] => Some(field.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    (!keys.is_empty()).then_some(Group { keys, count_name })
}

fn column(name: &str, kind: &str) -> Value {
    json!({"name": name, "type": kind})
}

fn column_type(field: &str) -> &'static str {
    FIELDS.iter().find(|(name, _)| name.eq_ignore_ascii_case(field)).map_or("STRING", |(_, kind)| kind)
}

/// The value of a PowerQuery field on an event (`null` for fields outside [`FIELDS`]).
fn field(event: &DvEvent, name: &str) -> Value {
    match name.to_ascii_lowercase().as_str() {
        "event.time" => json!(event.created_at.millis()),
        "event.type" => json!(event.event_type),
        "endpoint.name" => json!(event.agent_name),
        "endpoint.os" => json!(event.agent_os),
        "agent.uuid" => json!(event.agent_uuid),
        "site.name" => json!(event.site_name),
        "src.process.name" => json!(event.process_name),
        "src.process.pid" => json!(event.pid.parse::<u64>().ok()),
        "src.process.cmdline" => json!(event.process_cmd),
        "src.process.user" => json!(event.user),
        "src.ip.address" => json!(event.src_ip),
        "dst.ip.address" => json!(event.dst_ip),
        "dst.port.number" => json!(event.dst_port),
        "event.dns.request" => json!(event.dns_request),
        "tgt.file.path" => json!(event.file_full_name),
        "tgt.file.sha1" => json!(event.sha1),
        _ => Value::Null,
    }
}

fn raw(events: &[DvEvent]) -> (Vec<Value>, Vec<Vec<Value>>) {
    let columns = FIELDS.iter().map(|(name, kind)| column(name, kind)).collect();
    let rows = events.iter().rev().map(|event| FIELDS.iter().map(|(name, _)| field(event, name)).collect()).collect();
    (columns, rows)
}

fn grouped(events: &[DvEvent], group: &Group) -> (Vec<Value>, Vec<Vec<Value>>) {
    let mut counts: BTreeMap<String, (Vec<Value>, u64)> = BTreeMap::new();
    for event in events {
        let key: Vec<Value> = group.keys.iter().map(|k| field(event, k)).collect();
        counts.entry(Value::from(key.clone()).to_string()).or_insert((key, 0)).1 += 1;
    }
    let mut counted: Vec<(Vec<Value>, u64)> = counts.into_values().collect();
    counted.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let columns = group.keys.iter().map(|k| column(k, column_type(k))).chain([column(&group.count_name, "INTEGER")]).collect();
    let rows = counted
        .into_iter()
        .map(|(mut key, count)| {
            key.push(json!(count));
            key
        })
        .collect();
    (columns, rows)
}

/// The answer for a query in its current phase.
fn answer(query_id: &str, run: &QueryRun<PqTable>, timing: &Timing) -> Result<Value, ApiError> {
    let (status, progress, table) = match run.phase(Instant::now(), timing) {
        Phase::Running(progress) => ("RUNNING", progress, PqTable::default()),
        phase => match phase.unavailable("dv/events/pq-ping") {
            Some(error) => return Err(error),
            None => ("FINISHED", 100, run.result.clone()),
        },
    };
    Ok(json!({"data": {
        "queryId": query_id,
        // The console's own name for the query in its event store, reported beside the id.
        "externalId": format!("ext-{query_id}"),
        "status": status,
        "progress": progress,
        "columns": table.columns,
        "data": table.rows,
        "recommendations": table.recommendations,
    }}))
}

pub async fn start(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request = QueryRequest::from_json(&json_object(&body)?)?;
    let pipeline = Pipeline::parse(&request.query);
    let events = request.events(&state.world(), &caller, &pipeline.filter)?;
    let run = QueryRun::new(caller.user_id, pipeline.table(&events));
    let mut jobs = state.jobs();
    jobs.release_expired(Instant::now());
    let query_id = jobs.new_query_id("pq");
    let answer = answer(&query_id, &run, &jobs.timing)?;
    jobs.pq_queries.insert(query_id, run);
    Ok(Json(answer))
}

pub async fn ping(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let query_id = params.get("queryId");
    let mut jobs = state.jobs();
    let timing = jobs.timing;
    let run = lookup(&mut jobs.pq_queries, query_id.clone(), &caller)?;
    Ok(Json(answer(query_id.unwrap_or_default().trim(), run, &timing)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_group_and_limit_stages() {
        let p = Pipeline::parse(r#"event.type = "DNS Resolved" | group n = count() by endpoint.name, event.type | limit 5"#);
        let group = p.group.unwrap();
        assert_eq!(group.keys, ["endpoint.name", "event.type"]);
        assert_eq!(group.count_name, "n");
        assert_eq!(p.limit, Some(5));
        let p = Pipeline::parse("* | columns a | group max(x) by y");
        assert!(p.group.is_none() && p.limit.is_none());
    }
}
