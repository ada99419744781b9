//! Actions that change state on a set of targets (agents, threats, alerts, ...), safe by
//! construction:
//!
//! - The target is explicit ids, or a non-empty filter with `confirmFilter: true` (a dry run
//!   needs no confirmation: it acts on nothing). SentinelOne applies an empty filter to every
//!   object in scope, so an empty or missing target is refused before any request.
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
use crate::output::{object, object_map};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// How to count what a filter matches, for dry runs.
#[derive(Clone, Copy)]
pub enum Count {
    /// `GET path` answering `data.total` (e.g. `agents/count`).
    Endpoint(&'static str),
    /// `GET path?countOnly=true` answering `pagination.totalItems` (most list endpoints).
    ListTotal(&'static str),
}

/// The body a targeted action sends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `{"filter": {...}, "data": {...}}`: agent, threat and alert actions.
    FilterData,
    /// `{"filter": {...}}`: actions whose body declares no `data` (moving agents into a group).
    Filter,
    /// `{"data": {"ids": [...], ...}}`: deleting blocklist entries and exclusions (ids only).
    DataIds,
    /// `{"data": {"exclusions": [{"id", "exclusionType"}, ...]}}`: deleting unified exclusions,
    /// each id with the input's `exclusionType` (`EDR` unless given).
    DataExclusions,
}

/// What a targeted action acts on.
pub struct Target {
    /// The noun, for messages: "agent", "threat".
    pub what: &'static str,
    /// The list endpoint that resolves ids (so unknown or out-of-scope ids are reported).
    pub lookup: &'static str,
    /// The lookup's query key for ids (`ids`; `accountIds` for accounts, `siteIds` for sites).
    pub id_key: &'static str,
    /// Where a list item keeps its id, as a JSON pointer (`/id`; alerts: `/alertInfo/alertId`).
    pub id_at: &'static str,
    /// Where the lookup's items are (`data`, or `data.sites`).
    pub items: Items,
    /// The lookup's largest `limit`.
    pub page_cap: u32,
    /// The scope pins the lookup endpoint takes as filters.
    pub pin_keys: &'static [&'static str],
    /// More query for the lookup: blocklist entries set below a pinned scope need
    /// `includeChildren=true` to be seen there.
    pub lookup_extra: &'static [(&'static str, &'static str)],
    /// The filter fields a confirmed filter may use.
    pub filters: &'static [Param],
    pub count: Count,
    pub body: Body,
}

impl Target {
    /// A target resolved with `GET lookup?ids=...`, items in `data` with an `id`.
    pub const fn new(what: &'static str, lookup: &'static str, filters: &'static [Param], count: Count) -> Target {
        Target {
            what,
            lookup,
            id_key: "ids",
            id_at: "/id",
            items: Items::Data,
            page_cap: crate::client::MAX_PAGE_SIZE,
            pin_keys: &["accountIds", "siteIds"],
            lookup_extra: &[],
            filters,
            count,
            body: Body::FilterData,
        }
    }
}

/// Runs a targeted action: `method path` with `{"filter": …, "data": …}`.
pub fn run(
    client: &Client,
    action: &Action,
    target: &Target,
    method: Method,
    path: &str,
    fields: &Map<String, Value>,
) -> Result<Value, Error> {
    let params = action.params();
    let ids = string_list(fields.get("ids"));
    let mut filter: Map<String, Value> = match (ids.is_empty(), fields.get("filter")) {
        (false, Some(_)) => return Err(Error::invalid("/filter", "give either ids or a filter, not both")),
        (false, None) => object_map(vec![("ids", ids.clone().into())]),
        (true, Some(Value::Object(filter))) => {
            let confirmed = [fields.get("confirmFilter"), fields.get("dryRun")].contains(&Some(&Value::Bool(true)));
            if !confirmed {
                return Err(Error::invalid(
                    "/confirmFilter",
                    format!(
                        "acting on every {} matching a filter needs \"confirmFilter\": true (or give explicit ids; try \"dryRun\": true first)",
                        target.what
                    ),
                ));
            }
            filter.clone()
        }
        _ => {
            return Err(Error::invalid(
                "/ids",
                format!(
                    "name the {}s to act on with ids (or a filter with confirmFilter); an empty target would act on every {} in scope",
                    target.what, target.what
                ),
            ));
        }
    };
    confine_filter(&mut filter, &client.config.scope, "/filter")?;
    confine_target_scope(fields, &client.config.scope)?;
    confine_target_site(client, fields)?;

    // Resolve explicit ids inside the scope: unknown ones are reported, out-of-scope ones refused.
    let mut not_found = Vec::new();
    if !ids.is_empty() {
        not_found = not_visible(client, target, &ids)?;
        if let Some(e) = outside_scope("ids", true, &ids, &not_found, target.what).filter(|_| !client.config.scope.is_empty()) {
            return Err(e);
        }
    }

    if fields.get("dryRun") == Some(&Value::Bool(true)) {
        // For explicit ids the lookup above already found every match; a filter needs a count.
        let matched = if ids.is_empty() { count(client, target, &filter)? } else { (ids.len() - not_found.len()) as u64 };
        return Ok(object(vec![("dryRun", true.into()), ("wouldAffect", matched.into()), ("notFound", not_found.into())]));
    }

    let mut data = to_data(&params, fields);
    let body = match target.body {
        Body::FilterData => object(vec![("filter", filter.into()), ("data", data.into())]),
        Body::Filter => object(vec![("filter", filter.into())]),
        Body::DataIds => {
            data.insert("ids".to_owned(), Value::from(ids.clone()));
            object(vec![("data", data.into())])
        }
        Body::DataExclusions => {
            let kind = fields.get("exclusionType").and_then(Value::as_str).unwrap_or("EDR");
            let exclusions: Vec<Value> =
                ids.iter().map(|id| object(vec![("id", id.as_str().into()), ("exclusionType", kind.into())])).collect();
            object(vec![("data", object(vec![("exclusions", exclusions.into())]))])
        }
    };
    let envelope = client.call(method, path, &Query::new(), Some(&body))?;
    Ok(outcome(envelope.get("data").cloned().unwrap_or(Value::Null), target, &ids, not_found))
}

/// The output of an action: SentinelOne's `affected` (or `agentsMoved`), with a warning when it
/// falls short of what was asked for.
fn outcome(data: Value, target: &Target, ids: &[String], not_found: Vec<String>) -> Value {
    let affected = data.get("affected").or_else(|| data.get("agentsMoved")).and_then(Value::as_u64);
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
    object(vec![
        ("affected", affected.into()),
        ("requested", if ids.is_empty() { Value::Null } else { ids.len().into() }),
        ("notFound", not_found.into()),
        ("warnings", warnings.into()),
        ("details", data.get("details").cloned().unwrap_or(Value::Null)),
        ("data", data),
    ])
}

/// A string or an array of strings as a list (an absent field is empty).
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// Which of `ids` the console does not show within the configured scope (one paged lookup).
pub fn not_visible(client: &Client, target: &Target, ids: &[String]) -> Result<Vec<String>, Error> {
    let mut query = Query::new().with(target.id_key, ids.join(","));
    for (key, value) in target.lookup_extra {
        query.push(key, *value);
    }
    // The pins go into the lookup as filters, except the one the ids themselves are keyed by
    // (sites looked up by `siteIds`): ids outside that pin are simply not visible.
    let pins = &client.config.scope;
    let filter_by =
        |key: &str, pinned: &Vec<String>| if target.pin_keys.contains(&key) && key != target.id_key { pinned.clone() } else { Vec::new() };
    let outside_pin = |id: &str| match target.id_key {
        "accountIds" => !pins.account_ids.is_empty() && !pins.account_ids.iter().any(|p| p == id),
        "siteIds" => !pins.site_ids.is_empty() && !pins.site_ids.iter().any(|p| p == id),
        _ => false,
    };
    let lookup_pins = crate::config::ScopePins {
        account_ids: filter_by("accountIds", &pins.account_ids),
        site_ids: filter_by("siteIds", &pins.site_ids),
    };
    super::confine(&mut query, &lookup_pins)?;
    let visible = client.list(target.lookup, &query, target.items, Bound::items(target.page_cap, ids.len()))?;
    let seen: Vec<&str> = visible.items.iter().filter_map(|i| i.pointer(target.id_at).and_then(Value::as_str)).collect();
    Ok(ids.iter().filter(|id| !seen.contains(&id.as_str()) || outside_pin(id)).cloned().collect())
}

/// The refusal for the first of `ids` (the input field `field`, an array when `indexed`) that
/// [`not_visible`] reported, if any.
pub fn outside_scope(field: &str, indexed: bool, ids: &[String], not_found: &[String], what: &str) -> Option<Error> {
    let outside = not_found.first()?;
    let at = match ids.iter().position(|id| id == outside) {
        Some(i) if indexed => format!("/{field}/{i}"),
        _ => format!("/{field}"),
    };
    Some(Error::invalid(at, format!("{what} {outside} is not visible within the configured scope; nothing was sent")))
}

/// A `targetScope` (where a blocklist entry made from a threat applies) may not reach above the
/// configured pins: a site-pinned configuration may add at group or site level only.
fn confine_target_scope(fields: &Map<String, Value>, pins: &crate::config::ScopePins) -> Result<(), Error> {
    let Some(level) = fields.get("targetScope").and_then(Value::as_str) else { return Ok(()) };
    let too_wide = match level {
        "tenant" => !pins.is_empty(),
        "account" => !pins.site_ids.is_empty(),
        _ => false,
    };
    if too_wide {
        return Err(Error::invalid("/targetScope", format!("\"{level}\" reaches beyond the configured scope; use a narrower targetScope")));
    }
    Ok(())
}

/// A `targetSiteId` (where `agents.move-to-site` moves agents) must be a site within the pins:
/// one of the pinned sites, or a site visible within the pinned accounts.
fn confine_target_site(client: &Client, fields: &Map<String, Value>) -> Result<(), Error> {
    let Some(site) = fields.get("targetSiteId").and_then(Value::as_str) else { return Ok(()) };
    super::refuse_hidden(client, "targetSiteId", false, &crate::actions::catalog::SITES, &[site.to_owned()])
}

/// How many objects `filter` matches.
pub fn count(client: &Client, target: &Target, filter: &Map<String, Value>) -> Result<u64, Error> {
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

/// Adds scope pins to an action filter or body (as arrays), refusing ids outside them; `at` is
/// the object's JSON pointer in the input, for the error.
pub fn confine_filter(filter: &mut Map<String, Value>, pins: &crate::config::ScopePins, at: &str) -> Result<(), Error> {
    for (key, pinned, what) in [("accountIds", &pins.account_ids, "account"), ("siteIds", &pins.site_ids, "site")] {
        if pinned.is_empty() {
            continue;
        }
        match filter.get(key).and_then(Value::as_array) {
            None => {
                filter.insert(key.to_owned(), Value::from(pinned.clone()));
            }
            Some(asked) => {
                // Every element must be an id string: a number, or an empty list, would slip past
                // the comparison below while the console still reads it as a scope.
                if asked.is_empty() {
                    return Err(Error::invalid(
                        format!("{at}/{key}"),
                        format!("an empty list names no {what}; leave it out to use the pins"),
                    ));
                }
                if let Some(i) = asked.iter().position(|id| !id.is_string()) {
                    return Err(Error::invalid(format!("{at}/{key}/{i}"), format!("a {what} id is a string")));
                }
                let asked: Vec<&str> = asked.iter().filter_map(Value::as_str).collect();
                if let Some(e) = pin_violation(&asked, pinned, &format!("{at}/{key}"), what) {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}
