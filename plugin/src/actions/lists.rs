//! Adding blocklist entries and exclusions; deleting unified exclusions.
//!
//! SentinelOne takes one `osType` per entry, so an entry for several operating systems is one
//! request per OS; each OS's outcome is reported (created, already there, failed) instead of
//! stopping at the first duplicate. The scope an entry applies at is explicit: the input's
//! `scope`, or else the configuration's pins; never silently the whole tenant.

use super::act::{not_visible, string_list};
use super::catalog::{GROUPS, SITES};
use super::params::{is_absolute_path, is_hex, to_data};
use super::{Action, pin_violation};
use crate::Error;
use crate::client::Client;
use crate::output::{Output, object, object_map};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// `unified-exclusions.delete`: a targeted delete whose id lookup is confined to the input's
/// `modeType` (`GET unified-exclusions` requires one) and `exclusionType` (default EDR).
pub fn delete_unified_exclusions(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let mode = fields.get("modeType").and_then(Value::as_str).unwrap_or_default();
    let kind = fields.get("exclusionType").and_then(Value::as_str).unwrap_or("EDR");
    let Some((_, _, target)) = super::catalog::UNIFIED_EXCLUSIONS.iter().find(|(m, k, _)| *m == mode && *k == kind) else {
        return Err(Error::invalid("/modeType", "modeType is suppression or agent_interaction, exclusionType EDR or IDR"));
    };
    super::act::run(client, action, target, crate::http::Method::Delete, "unified-exclusions", fields).map(Output::from)
}

/// SentinelOne's code for a duplicate entry (400 "Already Exists Error").
pub const ALREADY_EXISTS: i64 = 4000030;

/// `blocklist.add`: `POST restrictions` once per OS type.
pub fn add_to_blocklist(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    add(client, action, fields, "restrictions", "blocklist entry").map(Output::from)
}

/// `exclusions.add`: `POST exclusions` once per OS type, after the checks the type implies.
pub fn add_exclusion(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let value = fields.get("value").and_then(Value::as_str).unwrap_or_default();
    match fields.get("type").and_then(Value::as_str) {
        Some("white_hash") if !is_hex(value, &[40]) => {
            return Err(Error::invalid("/value", "a white_hash exclusion takes a SHA1: 40 hex characters"));
        }
        Some("path") if !is_absolute_path(value) => {
            return Err(Error::invalid("/value", "a path exclusion takes an absolute path without wildcards"));
        }
        Some("path") if !fields.contains_key("pathExclusionType") => {
            return Err(Error::invalid("/pathExclusionType", "a path exclusion needs pathExclusionType: file, folder or subfolders"));
        }
        _ => {}
    }
    add(client, action, fields, "exclusions", "exclusion").map(Output::from)
}

fn add(client: &Client, action: &Action, fields: &Map<String, Value>, path: &str, what: &str) -> Result<Value, Error> {
    let scope = write_scope(client, fields)?;
    let base = to_data(&action.params(), fields);
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    let mut created = 0;
    for (i, os) in string_list(fields.get("osTypes")).iter().enumerate() {
        let mut data = base.clone();
        data.insert("osType".to_owned(), os.as_str().into());
        let outcome = |status: &str| vec![("osType", Value::from(os.as_str())), ("status", status.into())];
        match client.post(path, &object(vec![("data", data.into()), ("filter", scope.clone())])) {
            Ok(envelope) => {
                let items = envelope.get("data").cloned().unwrap_or_else(|| Value::Array(Vec::new()));
                created += items.as_array().map_or(0, Vec::len);
                results.push(object([outcome("created"), vec![("items", items)]].concat()));
            }
            Err(Error::Upstream(u)) if u.code == Some(ALREADY_EXISTS) => {
                warnings.push(format!("the {what} already exists for {os}"));
                results.push(object(outcome("already-exists")));
            }
            // Nothing has changed yet: the typed error says it all.
            Err(e) if i == 0 => return Err(e),
            Err(e) => {
                warnings.push(format!("{os}: {e}"));
                results.push(object([outcome("failed"), vec![("error", e.to_value())]].concat()));
            }
        }
    }
    Ok(object(vec![("scope", scope), ("created", created.into()), ("results", results.into()), ("warnings", warnings.into())]))
}

/// The `filter` that says where a new entry applies: exactly one of tenant, accountIds, siteIds
/// or groupIds, inside the scope pins; the pins themselves when the input gives none.
fn write_scope(client: &Client, fields: &Map<String, Value>) -> Result<Value, Error> {
    let pins = &client.config.scope;
    let scope = match fields.get("scope") {
        Some(Value::Object(scope)) => scope.clone(),
        _ if !pins.site_ids.is_empty() => object_map(vec![("siteIds", pins.site_ids.clone().into())]),
        _ if !pins.account_ids.is_empty() => object_map(vec![("accountIds", pins.account_ids.clone().into())]),
        _ => return Err(Error::invalid("/scope", "say where the entry applies: {\"tenant\": true}, or accountIds, siteIds or groupIds")),
    };
    let [(key, value)] = scope.iter().collect::<Vec<_>>()[..] else {
        return Err(Error::invalid("/scope", "give exactly one of tenant, accountIds, siteIds, groupIds"));
    };
    let asked = string_list(Some(value));
    let at = format!("/scope/{key}");
    let refused = |message: &str| Err(Error::invalid(at.clone(), message.to_owned()));
    // Ids checked against a pin of their own kind need no request; others need a lookup.
    let within =
        |pinned: &[String], what: &str| match pin_violation(&asked.iter().map(String::as_str).collect::<Vec<_>>(), pinned, &at, what) {
            Some(e) => Err(e),
            None => Ok(()),
        };
    if key == "tenant" && value != &Value::Bool(true) {
        return refused("tenant scope is {\"tenant\": true}");
    }
    let lookup = match key.as_str() {
        _ if pins.is_empty() => None,
        "tenant" => return refused("the whole tenant reaches beyond the configured scope"),
        "accountIds" if !pins.site_ids.is_empty() => return refused("an account reaches beyond the configured sites"),
        "accountIds" => within(&pins.account_ids, "account").map(|()| None)?,
        "siteIds" if !pins.site_ids.is_empty() => within(&pins.site_ids, "site").map(|()| None)?,
        "siteIds" => Some(&SITES),
        _ => Some(&GROUPS),
    };
    if let Some(target) = lookup
        && let Some(outside) = not_visible(client, target, &asked)?.first()
    {
        return refused(&format!("{} {outside} is not visible within the configured scope", target.what));
    }
    Ok(Value::Object(scope.clone()))
}
