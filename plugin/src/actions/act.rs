//! Actions that change state on a set of targets (agents, threats, alerts, ...), safe by
//! construction:
//!
//! - The target is explicit ids, or a non-empty filter with `confirmFilter: true`. SentinelOne
//!   applies an empty filter to every object in scope, so an empty or missing target is refused
//!   before any request.
//! - `dryRun: true` counts what the target matches (via the count endpoint) and acts on nothing.
//! - Scope pins are added to the filter; ids outside them are refused, after one lookup that also
//!   reports ids the console does not know.
//! - The output carries SentinelOne's `affected` count; `affected` below the number of ids asked
//!   for is a warning, never silent success.

use super::params::{Param, to_data, to_query};
use super::{Action, pin_violation};
use crate::Error;
use crate::client::{Bound, Client, Items, Query, data_object};
use crate::http::Method;
use serde_json::{Map, Value, json};

/// How to count what a filter matches, for dry runs.
#[derive(Clone, Copy)]
pub enum Count {
    /// `GET path` answering `data.total` (e.g. `agents/count`).
    Endpoint(&'static str),
    /// `GET path?countOnly=true` answering `pagination.totalItems` (most list endpoints).
    ListTotal(&'static str),
}

/// What a targeted action acts on.
pub struct Target {
    /// The noun, for messages: "agent", "threat".
    pub what: &'static str,
    /// The list endpoint that resolves ids (so unknown or out-of-scope ids are reported).
    pub lookup: &'static str,
    /// Where a list item keeps its id, as a JSON pointer (`/id`; alerts: `/alertInfo/alertId`).
    pub id_at: &'static str,
    /// The filter fields a confirmed filter may use.
    pub filters: &'static [Param],
    pub count: Count,
}

/// Runs a targeted action: `method path` with `{"filter": …, "data": …}`.
pub fn run(client: &Client, action: &Action, target: &Target, method: Method, path: &str, fields: &Map<String, Value>) -> Result<Value, Error> {
    let params = action.params();
    let ids: Vec<String> = fields.get("ids").and_then(Value::as_array).map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    let mut filter: Map<String, Value> = match (ids.is_empty(), fields.get("filter")) {
        (false, Some(_)) => return Err(Error::invalid("/filter", "give either ids or a filter, not both")),
        (false, None) => Map::from_iter([("ids".to_owned(), json!(ids))]),
        (true, Some(Value::Object(filter))) => {
            if fields.get("confirmFilter") != Some(&Value::Bool(true)) {
                return Err(Error::invalid(
                    "/confirmFilter",
                    format!("acting on every {} matching a filter needs \"confirmFilter\": true (or give explicit ids; try \"dryRun\": true first)", target.what),
                ));
            }
            filter.clone()
        }
        _ => {
            return Err(Error::invalid(
                "/ids",
                format!("name the {}s to act on with ids (or a filter with confirmFilter); an empty target would act on every {} in scope", target.what, target.what),
            ));
        }
    };
    confine_filter(&mut filter, &client.config.scope)?;

    // Resolve explicit ids inside the scope: unknown ones are reported, out-of-scope ones refused.
    let mut not_found = Vec::new();
    if !ids.is_empty() {
        let mut query = Query::new().with("ids", ids.join(","));
        super::confine(&mut query, &client.config.scope)?;
        let visible = client.list(target.lookup, &query, Items::Data, Bound { page_size: 1000, max_items: ids.len() })?;
        let seen: Vec<&str> = visible.items.iter().filter_map(|i| i.pointer(target.id_at).and_then(Value::as_str)).collect();
        not_found = ids.iter().filter(|id| !seen.contains(&id.as_str())).cloned().collect();
        if !client.config.scope.is_empty() {
            if let Some(outside) = not_found.first() {
                let i = ids.iter().position(|id| id == outside).unwrap_or(0);
                return Err(Error::invalid(format!("/ids/{i}"), format!("{} {outside} is not visible within the configured scope; nothing was sent", target.what)));
            }
        }
    }

    if fields.get("dryRun") == Some(&Value::Bool(true)) {
        // For explicit ids the lookup above already found every match; a filter needs a count.
        let matched = if ids.is_empty() { count(client, target, &filter)? } else { (ids.len() - not_found.len()) as u64 };
        return Ok(json!({ "dryRun": true, "wouldAffect": matched, "notFound": not_found }));
    }

    let body = json!({ "filter": filter, "data": Value::Object(to_data(&params, fields)) });
    let envelope = client.call(method, path, &Query::new(), Some(&body))?;
    let data = envelope.get("data").cloned().unwrap_or(Value::Null);
    let affected = data.get("affected").and_then(Value::as_u64);
    let mut warnings = Vec::new();
    match affected {
        Some(0) => warnings.push(format!("SentinelOne affected no {}: nothing matched, or the token may not act on them", target.what)),
        Some(n) if !ids.is_empty() && (n as usize) < ids.len() => {
            warnings.push(format!("SentinelOne affected {n} of the {} {}s asked for", ids.len(), target.what));
        }
        _ => {}
    }
    if !not_found.is_empty() {
        warnings.push(format!("{} id(s) unknown to the console: {}", not_found.len(), not_found.join(", ")));
    }
    Ok(json!({
        "affected": affected,
        "requested": if ids.is_empty() { Value::Null } else { json!(ids.len()) },
        "notFound": not_found,
        "warnings": warnings,
        "details": data.get("details").cloned().unwrap_or(Value::Null),
        "data": data,
    }))
}

/// How many objects `filter` matches.
fn count(client: &Client, target: &Target, filter: &Map<String, Value>) -> Result<u64, Error> {
    let filter_params: Vec<&Param> = target.filters.iter().collect();
    let mut query = to_query(&filter_params, filter);
    for (key, value) in filter {
        if query.get(key).is_none() {
            query.push(key, Param::query_value(value));
        }
    }
    let total = match target.count {
        Count::Endpoint(path) => data_object(&client.get(path, &query)?)?.get("total").and_then(Value::as_u64),
        Count::ListTotal(path) => {
            query.set("countOnly", "true");
            let envelope = client.get(path, &query)?;
            envelope.get("pagination").and_then(|p| p.get("totalItems")).and_then(Value::as_u64)
        }
    };
    total.ok_or_else(|| Error::UnexpectedResponse("the count endpoint gave no total".into()))
}

/// Adds scope pins to an action filter (as arrays), refusing ids outside them.
pub fn confine_filter(filter: &mut Map<String, Value>, pins: &crate::config::ScopePins) -> Result<(), Error> {
    for (key, pinned, what) in [("accountIds", &pins.account_ids, "account"), ("siteIds", &pins.site_ids, "site")] {
        if pinned.is_empty() {
            continue;
        }
        match filter.get(key).and_then(Value::as_array) {
            None => {
                filter.insert(key.to_owned(), json!(pinned));
            }
            Some(asked) => {
                let asked: Vec<&str> = asked.iter().filter_map(Value::as_str).collect();
                if let Some(e) = pin_violation(&asked, pinned, &format!("/filter/{key}"), what) {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}
