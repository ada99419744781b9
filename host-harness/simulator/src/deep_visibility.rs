//! Deep Visibility (legacy DV queries): `POST dv/init-query`, `GET dv/query-status`,
//! `GET dv/events`, `POST dv/cancel-query`; and the query plumbing PowerQuery shares
//! ([`QueryRequest`], [`QueryRun`], [`lookup`]).
//!
//! Flow: init answers `{"data": {"queryId": "q<32 hex>", "queryModeInfo": {...}}}`; the query then
//! runs for `Timing::query_duration` (progress grows with the elapsed monotonic time, capped at 99
//! while `RUNNING`), then is `FINISHED`, or `EMPTY_RESULTS` when it matched nothing; its results
//! stay available for `Timing::query_lifetime`, after which the status is `QUERY_EXPIRED`. The
//! events (see [`super::dv_events`]) are computed at init from the agents in scope then.
//!
//! Modelling choices (the reference is unsure or silent):
//! - Rate limits (see [`super::rate_limit`]): init once per `dv_init_interval` (60 s), status once
//!   per `dv_status_interval` (1 s), per token; 429 with `Retry-After`. Events and cancel are not
//!   limited.
//! - Validation (400, naming the field): `query` missing or blank; `fromDate`/`toDate` missing or
//!   not ISO-8601; `fromDate` not before `toDate`; a range over 14 days (integrator lore, our
//!   cap); `limit` outside 1..=100000 (default 20,000: the earliest events are kept);
//!   `accountIds`/`siteIds` that are unknown or outside the token's scope; `queryType` items other
//!   than `events`/`processState`; a non-boolean `isVerbose`; a non-string `timeFrame`
//!   (`queryType`, `isVerbose` and `timeFrame` are otherwise ignored). The agents searched are
//!   the token's scope ∩ `accountIds` ∩ `siteIds`.
//! - A query belongs to the token that started it: another token (or an unknown id) gets a 404;
//!   a missing `queryId` is a 400. `QUERY_NOT_FOUND` is never reported.
//! - `dv/events` before the query is `FINISHED` (running, cancelled or expired) is a 400 whose
//!   detail says which; after `EMPTY_RESULTS` it is an empty page. Paging: `limit` ≤ 1000,
//!   cursor or `skip`, `sortBy` `createdAt` (default, ascending), `pid`, `processStartTime` or
//!   `id`; the end marker is JSON `null`. `subQuery` is ignored.
//! - Cancelling a running query makes it `QUERY_CANCELLED` (progress frozen); cancelling one that
//!   already ended changes nothing; both answer `{"data": {"success": true}}`.

use super::auth::Caller;
use super::clock::{MICROS_PER_DAY, Timestamp};
use super::dv_events::{DvEvent, EventFilter, agent_events};
use super::errors::ApiError;
use super::filters::allows;
use super::jobs::{Jobs, Timing};
use super::model::{Agent, Id, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub type DvResult = Vec<DvEvent>;

const MAX_RANGE_DAYS: i64 = 14;
const MAX_LIMIT: u64 = 100_000;
const DEFAULT_LIMIT: usize = 20_000;
const QUERY_TYPES: [&str; 2] = ["events", "processState"];

const EVENTS: Listing = Listing {
    name: "dv-events",
    max_limit: 1000,
    sort_fields: &["id", "createdAt", "pid", "processStartTime"],
    end_marker: EndMarker::Null,
};

/// The body fields DV and PowerQuery share, validated.
pub struct QueryRequest {
    pub query: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub account_ids: Option<Vec<Id>>,
    pub site_ids: Option<Vec<Id>>,
    pub limit: usize,
}

impl QueryRequest {
    pub fn from_json(body: &Map<String, Value>) -> Result<QueryRequest, ApiError> {
        let query = match body.get("query") {
            Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
            _ => {
                return Err(ApiError::validation("query is required (a non-empty string)"));
            }
        };
        let (from, to) = (date(body, "fromDate")?, date(body, "toDate")?);
        if from >= to {
            return Err(ApiError::validation("fromDate must be before toDate"));
        }
        if to.0 - from.0 > MAX_RANGE_DAYS * MICROS_PER_DAY {
            return Err(ApiError::validation(format!("toDate: the date range may not exceed {MAX_RANGE_DAYS} days")));
        }
        let limit = match body.get("limit") {
            None | Some(Value::Null) => DEFAULT_LIMIT,
            Some(value) => value
                .as_u64()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| ApiError::validation(format!("limit must be an integer from 1 to {MAX_LIMIT}")))?
                as usize,
        };
        Ok(QueryRequest { query, from, to, account_ids: id_list(body, "accountIds")?, site_ids: id_list(body, "siteIds")?, limit })
    }

    /// The agents searched: the caller's scope ∩ `accountIds` ∩ `siteIds` (ids outside the scope
    /// are a 400).
    pub fn agents<'w>(&self, world: &'w World, caller: &Caller) -> Result<Vec<&'w Agent>, ApiError> {
        for &id in self.account_ids.iter().flatten() {
            if world.account(id).is_none() || !caller.scope.admits_account(id) {
                return Err(ApiError::validation(format!("accountIds: account {id} is not in your scope")));
            }
        }
        for &id in self.site_ids.iter().flatten() {
            if !world.site(id).is_some_and(|s| caller.scope.admits(s.account_id, s.id)) {
                return Err(ApiError::validation(format!("siteIds: site {id} is not in your scope")));
            }
        }
        Ok(world
            .agents
            .iter()
            .filter(|a| {
                caller.scope.admits(a.account_id, a.site_id)
                    && allows(&self.account_ids, &a.account_id)
                    && allows(&self.site_ids, &a.site_id)
            })
            .collect())
    }

    /// The events the query matches, oldest first, at most `limit`.
    pub fn events(&self, world: &World, caller: &Caller, filter: &EventFilter) -> Result<Vec<DvEvent>, ApiError> {
        let mut events: Vec<DvEvent> = self
            .agents(world, caller)?
            .into_iter()
            .flat_map(|agent| agent_events(world.seed, agent, self.from, self.to))
            .filter(|event| filter.matches(event))
            .collect();
        events.sort_by_key(|e| (e.created_at, e.id));
        events.truncate(self.limit);
        Ok(events)
    }
}

/// A request body that must be a JSON object.
pub fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ApiError::validation("body must be a JSON object")),
    }
}

fn date(body: &Map<String, Value>, key: &str) -> Result<Timestamp, ApiError> {
    match body.get(key) {
        Some(Value::String(text)) => {
            Timestamp::parse(text).ok_or_else(|| ApiError::validation(format!("{key}: '{text}' is not an ISO-8601 date-time")))
        }
        None | Some(Value::Null) => Err(ApiError::validation(format!("{key} is required"))),
        Some(other) => Err(ApiError::validation(format!("{key}: {other} is not an ISO-8601 date-time string"))),
    }
}

/// An optional array of ids (strings or numbers); an empty array counts as absent.
pub fn id_list(body: &Map<String, Value>, key: &str) -> Result<Option<Vec<Id>>, ApiError> {
    let items = match body.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::validation(format!("{key} must be an array of ids")));
        }
    };
    let ids = items
        .iter()
        .map(|item| {
            let text = match item {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            parse_id(&text).ok_or_else(|| ApiError::validation(format!("{key}: {item} is not a valid id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((!ids.is_empty()).then_some(ids))
}

/// The DV-only options: checked for type, otherwise without effect.
fn check_dv_options(body: &Map<String, Value>) -> Result<(), ApiError> {
    match body.get("queryType") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            if let Some(bad) = items.iter().find(|i| !i.as_str().is_some_and(|t| QUERY_TYPES.contains(&t))) {
                return Err(ApiError::validation(format!("queryType: {bad} is not one of {}", QUERY_TYPES.join(", "))));
            }
        }
        Some(_) => return Err(ApiError::validation("queryType must be an array")),
    }
    if !matches!(body.get("isVerbose"), None | Some(Value::Null | Value::Bool(_))) {
        return Err(ApiError::validation("isVerbose must be a boolean"));
    }
    if !matches!(body.get("timeFrame"), None | Some(Value::Null | Value::String(_))) {
        return Err(ApiError::validation("timeFrame must be a string"));
    }
    Ok(())
}

/// Where a query is in its life, judged from the monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// Progress 0..=99.
    Running(u8),
    Finished,
    /// Progress when it was cancelled.
    Cancelled(u8),
    Expired,
}

impl Phase {
    /// Why results cannot be served in this phase (`None` once finished); `poll` names the
    /// endpoint to poll while running.
    pub fn unavailable(self, poll: &str) -> Option<ApiError> {
        let reason = match self {
            Phase::Finished => return None,
            Phase::Running(progress) => format!("the query is still running ({progress}%): poll {poll} until it is FINISHED"),
            Phase::Cancelled(_) => "the query was cancelled".to_string(),
            Phase::Expired => "the query has expired: run it again".to_string(),
        };
        Some(ApiError::validation(format!("queryId: {reason}")))
    }
}

/// One DV or PowerQuery query: its owner, when it started, and its result (computed at init,
/// revealed once the query has run for `Timing::query_duration`).
pub struct QueryRun<R> {
    pub owner: Id,
    started: Instant,
    cancelled: Option<Instant>,
    pub result: R,
}

impl<R: Default> QueryRun<R> {
    pub fn new(owner: Id, result: R) -> QueryRun<R> {
        QueryRun { owner, started: Instant::now(), cancelled: None, result }
    }

    pub fn phase(&self, now: Instant, timing: &Timing) -> Phase {
        let progress = |at: Instant| {
            let elapsed = at.saturating_duration_since(self.started).as_secs_f64();
            (elapsed / timing.query_duration.as_secs_f64() * 100.0).min(99.0) as u8
        };
        if let Some(at) = self.cancelled {
            return Phase::Cancelled(progress(at));
        }
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed < timing.query_duration {
            Phase::Running(progress(now))
        } else if elapsed < timing.query_duration + timing.query_lifetime {
            Phase::Finished
        } else {
            Phase::Expired
        }
    }

    /// Cancels a running query; an ended one is left as it is.
    pub fn cancel(&mut self, now: Instant, timing: &Timing) {
        if matches!(self.phase(now, timing), Phase::Running(_)) {
            self.cancelled = Some(now);
        }
    }

    pub fn release_if_expired(&mut self, now: Instant, timing: &Timing) {
        if self.phase(now, timing) == Phase::Expired {
            self.result = R::default();
        }
    }
}

/// The caller's own query `id` (400 when absent, 404 when unknown or someone else's).
pub fn lookup<'a, R>(
    runs: &'a mut HashMap<String, QueryRun<R>>,
    id: Option<String>,
    caller: &Caller,
) -> Result<&'a mut QueryRun<R>, ApiError> {
    let id = id.ok_or_else(|| ApiError::validation("queryId is required"))?;
    runs.get_mut(id.trim())
        .filter(|run| run.owner == caller.user_id)
        .ok_or_else(|| ApiError::not_found(format!("queryId: no query '{id}' for this token")))
}

/// Applies a per-token rate limit (see [`super::rate_limit`]).
fn admit(state: &AppState, endpoint: &'static str, caller: &Caller, interval: fn(&Timing) -> Duration) -> Result<(), ApiError> {
    let mut jobs = state.jobs();
    let Jobs { limiter, timing, .. } = &mut *jobs;
    limiter.admit(endpoint, caller.user_id, interval(timing), Instant::now())
}

pub async fn init_query(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    admit(&state, "dv/init-query", &caller, |t| t.dv_init_interval)?;
    let body = json_object(&body)?;
    let request = QueryRequest::from_json(&body)?;
    check_dv_options(&body)?;
    let filter = EventFilter::parse(&request.query);
    let events = request.events(&state.world(), &caller, &filter)?;
    let mut jobs = state.jobs();
    jobs.release_expired(Instant::now());
    let query_id = jobs.new_query_id("q");
    jobs.dv_queries.insert(query_id.clone(), QueryRun::new(caller.user_id, events));
    Ok(Json(json!({"data": {
        "queryId": query_id,
        "queryModeInfo": {"mode": "scalar", "lastActivatedAt": Timestamp::now()},
    }})))
}

pub async fn query_status(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    admit(&state, "dv/query-status", &caller, |t| t.dv_status_interval)?;
    let params = Params::parse(raw.as_deref());
    let mut jobs = state.jobs();
    let timing = jobs.timing;
    let run = lookup(&mut jobs.dv_queries, params.get("queryId"), &caller)?;
    let (response_state, progress) = match run.phase(Instant::now(), &timing) {
        Phase::Running(progress) => ("RUNNING", progress),
        Phase::Finished if run.result.is_empty() => ("EMPTY_RESULTS", 100),
        Phase::Finished => ("FINISHED", 100),
        Phase::Cancelled(progress) => ("QUERY_CANCELLED", progress),
        Phase::Expired => ("QUERY_EXPIRED", 100),
    };
    Ok(Json(json!({"data": {
        "responseState": response_state,
        "progressStatus": progress,
        "responseError": null,
        "warnings": [],
    }})))
}

pub async fn events(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref());
    if params.get("sortBy").is_none() {
        params.pairs.push(("sortBy".into(), "createdAt".into()));
    }
    let page = PageRequest::parse(&params, &EVENTS)?;
    let mut jobs = state.jobs();
    let timing = jobs.timing;
    let run = lookup(&mut jobs.dv_queries, params.get("queryId"), &caller)?;
    if let Some(error) = run.phase(Instant::now(), &timing).unavailable("dv/query-status") {
        return Err(error);
    }
    let keyed = run.result.iter().map(|event| Keyed { key: sort_key(event, &page.sort_by), id: event.id.0, item: event }).collect();
    Ok(Json(page.envelope(keyed)))
}

fn sort_key(event: &DvEvent, sort_by: &str) -> SortKey {
    match sort_by {
        "createdAt" => SortKey::Int(event.created_at.0),
        "processStartTime" => SortKey::Int(event.process_start_time.0),
        "pid" => SortKey::Int(event.pid.parse().unwrap_or(0)),
        _ => SortKey::Int(event.id.0 as i64),
    }
}

pub async fn cancel_query(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body = json_object(&body)?;
    let query_id = body.get("queryId").and_then(Value::as_str).map(str::to_string);
    let mut jobs = state.jobs();
    let timing = jobs.timing;
    lookup(&mut jobs.dv_queries, query_id, &caller)?.cancel(Instant::now(), &timing);
    Ok(Json(json!({"data": {"success": true}})))
}
