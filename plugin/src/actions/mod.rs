//! The action catalog and the one engine that runs it.
//!
//! An action is a row of the [`catalog`]: a name, a role, whether it is destructive, its
//! parameters, and an [`Op`] saying which kind of SentinelOne call it is. The engine validates the
//! input against the parameters, applies the configuration's scope pins, sends the request(s),
//! and shapes the output, the same way for every row. Adding an endpoint is adding a row.

pub mod act;
pub mod catalog;
pub mod deep_visibility;
pub mod generic;
pub mod lists;
pub mod params;
pub mod remote_scripts;

use crate::Error;
use crate::client::{Client, Query, data_object};
use crate::config::ScopePins;
use crate::output::{ObjectText, Output, RawItems, object};
use crate::pages::{Bound, Flow, Items};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use params::{Param, input_schema, to_query, validate};
use serde_json::{Map, Value};

/// SentinelOne's built-in roles, least privileged first (mirrors the WIT `role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Viewer,
    Soc,
    It,
    IncidentResponse,
    Admin,
}

/// Which kind of SentinelOne call an action is.
#[derive(Clone, Copy)]
pub enum Op {
    /// `GET path` returning one object in `data` (e.g. `system/info`).
    Read { path: &'static str },
    /// `GET path` with filters, following cursors: the output is a listing.
    List { path: &'static str, items: Items, page_cap: u32 },
    /// `GET path` with filters returning `data.total` (the output is `data` as sent).
    Count { path: &'static str },
    /// `GET path?ids=<id>` expecting exactly one item: SentinelOne's way to get one object by id
    /// where no `/{id}` route exists or where the list shape is richer.
    One { path: &'static str, what: &'static str },
    /// A state change on targets chosen by ids or a confirmed filter (see [`act`]).
    Act { method: crate::http::Method, path: &'static str, target: &'static act::Target },
    /// `method path` whose body is the `Use::Data` fields, as `{"data": {...}}` when `wrap`, or
    /// bare (`dv/cancel-query` takes `{"queryId"}`): requests about one object named in the path
    /// or the body, not a set of targets.
    Send { method: crate::http::Method, path: &'static str, wrap: bool },
    /// Plain Rust for what is not a single call (the connection test, the organisation tree,
    /// queries that run to completion).
    Native(NativeFn),
}

/// An action written in plain Rust: the client, its own row, and the validated input.
pub type NativeFn = fn(&Client, &Action, &Map<String, Value>) -> Result<Output, Error>;

/// How the configuration's scope pins (account and site ids) constrain an action.
#[derive(Clone, Copy)]
pub enum Scope {
    /// Nothing to constrain (console-wide reads such as `system.info`), or the engine confines
    /// the request itself (targeted actions confine their filter and resolve their ids).
    Unscoped,
    /// The pins are added to the query as `accountIds`/`siteIds`, where the action takes them.
    Query,
    /// The input field `field` (an id or ids) must name objects the console shows within the
    /// pins; checked with one lookup before anything else is sent.
    Ids { field: &'static str, of: &'static act::Target },
}

/// One row of the catalog.
#[derive(Clone, Copy)]
pub struct Action {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub role: Role,
    pub destructive: bool,
    /// How the configuration's scope pins constrain the action.
    pub scope: Scope,
    /// The parameters, as groups of shared slices (filters, then paging controls, ...).
    pub params: &'static [&'static [Param]],
    pub op: Op,
    /// An example input (JSON text), published in the schema's `examples`.
    pub example: &'static str,
}

impl Action {
    /// `agents.list` → `agents`.
    pub fn family(&self) -> &'static str {
        self.name.split('.').next().unwrap_or(self.name)
    }

    pub fn params(&self) -> Vec<&'static Param> {
        self.params.iter().flat_map(|group| group.iter()).collect()
    }

    /// The input's JSON Schema (draft 2020-12), as text. Targeted actions also require a target:
    /// ids, or a filter with `confirmFilter: true`.
    pub fn input_schema(&self) -> String {
        let params = self.params();
        let mut extra = String::new();
        if serde_json::from_str::<&serde_json::value::RawValue>(self.example).is_ok() {
            extra = format!(r#","examples":[{}]"#, self.example);
        }
        if params.iter().any(|p| p.name == "filter") {
            extra.push_str(TARGET_SCHEMA);
        }
        input_schema(self.title, &params, &extra)
    }
}

/// A targeted action's rule: ids, or a filter confirmed (or dry-run), never both.
const TARGET_SCHEMA: &str = concat!(
    r#","oneOf":["#,
    r#"{"required":["ids"],"not":{"required":["filter"]}},"#,
    r#"{"required":["filter"],"anyOf":["#,
    r#"{"required":["confirmFilter"],"properties":{"confirmFilter":{"const":true}}},"#,
    r#"{"required":["dryRun"],"properties":{"dryRun":{"const":true}}}"#,
    r#"],"not":{"required":["ids"]}}]"#,
);

/// The action called `name`.
pub fn find(name: &str) -> Option<&'static Action> {
    all().find(|a| a.name == name)
}

/// Every action, in the order `describe` lists them.
pub fn all() -> impl Iterator<Item = &'static Action> {
    catalog::FAMILIES.iter().flat_map(|family| family.iter())
}

/// Runs `name` with the JSON text `input` and returns its output.
pub fn invoke(client: &Client, name: &str, input: &str) -> Result<Output, Error> {
    let action = find(name).ok_or_else(|| Error::invalid_input(format!("unknown action `{name}`; `describe` lists them")))?;
    let params = action.params();
    let fields = validate(&params, input)?;
    let mut query = to_query(&params, &fields);
    if let Scope::Ids { field, of } = action.scope {
        refuse_outside_pins(client, field, of, &fields)?;
    }
    if let Scope::Query = action.scope {
        // Pin only the scope keys this endpoint takes (accounts have no `siteIds`).
        let declared = |key: &str| matches!(action.op, Op::One { .. }) || params.iter().any(|p| p.name == key);
        let pins = ScopePins {
            account_ids: if declared("accountIds") { client.config.scope.account_ids.clone() } else { Vec::new() },
            site_ids: if declared("siteIds") { client.config.scope.site_ids.clone() } else { Vec::new() },
        };
        confine(&mut query, &pins)?;
    }
    match action.op {
        Op::Read { path } => {
            let envelope = client.get(&fill_path(path, &fields), &query)?;
            match envelope.get("data") {
                Some(data @ (Value::Object(_) | Value::Array(_))) => Ok(data.clone().into()),
                _ => Err(Error::UnexpectedResponse("expected `data` to be an object or an array".into())),
            }
        }
        Op::Act { method, path, target } => act::run(client, action, target, method, &fill_path(path, &fields), &fields).map(Output::from),
        Op::Count { path } => {
            // `data` as sent (every field kept), once it is known to hold the count.
            let envelope = client.get(path, &query)?;
            let data = data_object(&envelope)?;
            if !data.get("total").is_some_and(Value::is_u64) {
                return Err(Error::UnexpectedResponse("expected `data.total` to be a count".into()));
            }
            Ok(Value::Object(data.clone()).into())
        }
        Op::One { path, what } => {
            let id = fields.get("id").and_then(Value::as_str).unwrap_or_default();
            query.set("ids", id);
            let listing = client.list(path, &query, Items::Data, Bound::items(2, 2))?;
            match listing.items.as_slice() {
                [one] => Ok(one.clone().into()),
                [] => Err(Error::NotFound(crate::error::Upstream {
                    status: 200,
                    title: Some(format!("{what} not found")),
                    detail: Some(format!("no {what} with id {id} is visible to this token and scope")),
                    ..Default::default()
                })),
                _ => Err(Error::UnexpectedResponse(format!("more than one {what} has id {id}"))),
            }
        }
        Op::List { path, items, page_cap } => {
            let page_size = control(&fields, "limit").map_or(page_cap, |n| n as u32).min(page_cap);
            if let Some(cursor) = fields.get("cursor").and_then(Value::as_str) {
                query.set("cursor", cursor);
            }
            let bound = Bound { page_size, max_items: max_items(&fields), max_bytes: client.config.max_output_bytes };
            listing(client, &fill_path(path, &fields), &query, items, bound)
        }
        Op::Send { method, path, wrap } => {
            // A request that declares no data (deleting one object) goes without a body.
            let declares_data = params.iter().any(|p| p.usage == params::Use::Data);
            let data = Value::Object(params::to_data(&params, &fields));
            let body = declares_data.then(|| if wrap { object(vec![("data", data)]) } else { data });
            let envelope = client.call(method, &fill_path(path, &fields), &Query::new(), body.as_ref())?;
            Ok(envelope.get("data").cloned().unwrap_or_else(|| Value::Object(Map::new())).into())
        }
        Op::Native(run) => run(client, action, &fields),
    }
}

/// Refuses ids in `fields[field]` that the console does not show within the scope pins (no pins:
/// nothing to check, no request).
fn refuse_outside_pins(client: &Client, field: &str, of: &act::Target, fields: &Map<String, Value>) -> Result<(), Error> {
    let indexed = matches!(fields.get(field), Some(Value::Array(_)));
    refuse_hidden(client, field, indexed, of, &act::string_list(fields.get(field)))
}

/// Refuses the first of `ids` (the input at `/field`, an array when `indexed`) that the console
/// does not show within the scope pins, after one lookup; no pins or no ids: no request.
pub fn refuse_hidden(client: &Client, field: &str, indexed: bool, of: &act::Target, ids: &[String]) -> Result<(), Error> {
    if client.config.scope.is_empty() || ids.is_empty() {
        return Ok(());
    }
    let not_found = act::not_visible(client, of, ids)?;
    act::outside_scope(field, indexed, ids, &not_found, of.what).map_or(Ok(()), Err)
}

/// `groups/{groupId}/move-agents` with `{groupId}` from the validated input. Only ids (digits)
/// and hashes (hex) are ever placed in a path, so no input can change the path's shape.
fn fill_path(path: &str, fields: &Map<String, Value>) -> String {
    let mut out = path.to_owned();
    for (name, value) in fields {
        if let Some(v) = value.as_str() {
            out = out.replace(&format!("{{{name}}}"), v);
        }
    }
    out
}

fn control(fields: &Map<String, Value>, name: &str) -> Option<u64> {
    fields.get(name).and_then(Value::as_u64)
}

/// The caller's `maxItems` for a listing, or the default.
fn max_items(fields: &Map<String, Value>) -> usize {
    control(fields, "maxItems").map_or(catalog::DEFAULT_MAX_ITEMS, |n| n as usize)
}

/// A listing as every list action returns it: `items` as SentinelOne sent them (secrets
/// redacted), `returned`, `totalItems`, `more`, `nextCursor`, then any field SentinelOne sent
/// beside the items (`allSites`). Bounded by `bound`, in memory that does not grow with the
/// tenant (see [`crate::output`]).
pub fn listing(client: &Client, path: &str, query: &Query, items_at: Items, bound: Bound) -> Result<Output, Error> {
    Ok(listing_into(client, path, query, items_at, bound, ObjectText::new())?.into())
}

/// [`listing`]'s fields appended to `head` (for outputs that say more than the listing).
pub fn listing_into(
    client: &Client,
    path: &str,
    query: &Query,
    items_at: Items,
    bound: Bound,
    head: ObjectText,
) -> Result<ObjectText, Error> {
    let mut items = RawItems::default();
    let mut beside = Vec::new();
    let walk = client.walk(path, query, items_at, bound, |page, slice| {
        if beside.is_empty() {
            beside = page.beside.iter().map(|(k, v)| (k.clone(), (*v).to_owned())).collect();
        }
        items.push(slice);
        Ok(Flow::More)
    })?;
    Ok(head.listing(items, &walk, beside))
}

/// Confines a query to the configuration's scope pins: a pinned key the caller left out is
/// filled in; one the caller set must stay inside the pins, or the action is refused.
pub fn confine(query: &mut Query, pins: &ScopePins) -> Result<(), Error> {
    for (key, pinned, what) in [("accountIds", &pins.account_ids, "account"), ("siteIds", &pins.site_ids, "site")] {
        if pinned.is_empty() {
            continue;
        }
        match query.get(key) {
            None => query.set(key, pinned.join(",")),
            Some(asked) => {
                let asked: Vec<&str> = asked.split(',').collect();
                if let Some(e) = pin_violation(&asked, pinned, &format!("/{key}"), what) {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

/// The refusal for the first of `asked` outside `pinned`, if any.
pub fn pin_violation(asked: &[&str], pinned: &[String], at: &str, what: &str) -> Option<Error> {
    let (i, outside) = asked.iter().enumerate().find(|(_, id)| !pinned.iter().any(|p| p == *id))?;
    Some(Error::invalid(format!("{at}/{i}"), format!("{what} {outside} is outside the configured scope ({})", pinned.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::tests::{FakeTransport, config};
    use crate::clock::FakeClock;
    use crate::log::NoLog;

    #[test]
    fn scope_pins_fill_in_and_refuse_outside_ids() {
        let pins = ScopePins { account_ids: vec![], site_ids: vec!["11".into(), "12".into()] };
        let mut q = Query::new();
        confine(&mut q, &pins).unwrap();
        assert_eq!(q.get("siteIds"), Some("11,12"));
        let mut q = Query::new().with("siteIds", "12,99");
        assert_eq!(confine(&mut q, &pins).unwrap_err(), Error::invalid("/siteIds/1", "site 99 is outside the configured scope (11, 12)"));
    }

    #[test]
    fn invalid_input_sends_nothing() {
        let t = FakeTransport::new(vec![]);
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client::new(&t, &config, &NoLog, &clock);
        assert!(invoke(&client, "agents.list", r#"{"limit": 5000}"#).is_err());
        assert!(t.requests.borrow().is_empty());
    }

    #[test]
    fn connection_check_reports_a_denied_console_as_its_typed_failure() {
        let t = FakeTransport::new(vec![]);
        t.responses.borrow_mut().push(Err(Error::RequestDenied("the host's policy does not allow requests to console.example".into())));
        let config = config(&[]);
        let clock = FakeClock::default();
        let client = Client::new(&t, &config, &NoLog, &clock);
        let report = invoke(&client, "connection.check", "").unwrap().to_value();
        assert_eq!(report["verdict"], "not-ready", "{report}");
        assert_eq!(report["failure"]["error"], "request-denied", "{report}");
    }

    #[test]
    fn every_catalog_row_has_a_unique_dotted_name_and_a_schema() {
        let mut names = alloc::collections::BTreeSet::new();
        for a in all() {
            assert!(names.insert(a.name), "duplicate {}", a.name);
            assert!(a.name.contains('.'), "{}", a.name);
            let schema: Value = serde_json::from_str(&a.input_schema()).unwrap();
            assert_eq!(schema["type"], "object", "{}", a.name);
        }
    }
}
