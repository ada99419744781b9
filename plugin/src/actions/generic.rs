//! `api.get` and `api.request`: any Management API v2.1 endpoint, for the hundreds the catalog
//! does not curate, with the same credential, scope pins, error mapping, pagination and safety
//! rules as every curated action.
//!
//! Confined by construction:
//! - The path is relative to `/web/api/v2.1/` and may hold only path characters (no `..`, scheme,
//!   host, query or fragment), so it can never reach another host or leave the API.
//! - Credential and identity administration is refused outright, whatever the method: users,
//!   service users, roles, logins, SSO, API-token generation and revocation, and the endpoints
//!   that hand out registration tokens, uninstall passwords or local-upgrade authorisations
//!   ([`refused_reason`]). A platform that needs them uses the console.
//! - `api.get` only reads (Viewer). `api.request` may write and is declared for administrators.
//! - A write whose body carries a `filter` needs `confirmFilter: true` and a filter that selects
//!   something: no empty filter, no empty values. On endpoints that act on objects (agents,
//!   threats, alerts, remote scripts: [`object_target`]) a filter of scope keys only (accounts,
//!   sites, groups, tenant) reaches everything in scope and is refused, and so is a body without a
//!   filter. `dryRun: true` counts what such a filter matches and sends nothing else.
//! - Scope pins go into GET queries and body filters, and object ids in the path (accounts, sites,
//!   groups, agents, threats) must be visible within the pins.

use super::act::{self, Target, confine_filter};
use super::catalog::{ACCOUNTS, AGENTS, ALERTS, GROUPS, SITES, THREATS};
use super::params::Param;
use super::{Action, confine, max_items};
use crate::Error;
use crate::client::{Client, MAX_PAGE_SIZE, Query};
use crate::config::is_id;
use crate::http::Method;
use crate::output::{Output, object};
use crate::pages::{Bound, Items};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// Filter keys that only say where, not what: a filter of these alone reaches everything there.
const SCOPE_KEYS: &[&str] = &["accountIds", "siteIds", "groupIds", "tenant"];

/// `api.get`: a read-only request.
pub fn get(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    run(client, action, fields, Method::Get)
}

/// `api.request`: any method.
pub fn request(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let method = match fields.get("method").and_then(Value::as_str).unwrap_or("GET") {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        _ => Method::Delete,
    };
    run(client, action, fields, method)
}

fn run(client: &Client, action: &Action, fields: &Map<String, Value>, method: Method) -> Result<Output, Error> {
    let path = api_path(fields.get("path").and_then(Value::as_str).unwrap_or_default())?;
    if let Some(why) = refused_reason(&path) {
        return Err(Error::invalid("/path", format!("{why}: the generic request does not reach credential or identity administration")));
    }
    let mut query = query_of(fields)?;
    let paginate = fields.get("paginate") == Some(&Value::Bool(true));
    if query.get("cursor").is_some() && paginate {
        return Err(Error::invalid("/query/cursor", "give either a cursor or paginate, not both"));
    }
    let mut body = fields.get("body").cloned();
    if method == Method::Get && body.is_some() {
        return Err(Error::invalid("/body", "a GET request takes no body"));
    }
    if paginate && method != Method::Get {
        return Err(Error::invalid("/paginate", "only GET requests page"));
    }
    let dry_run = fields.get("dryRun") == Some(&Value::Bool(true));
    if dry_run && method == Method::Get {
        return Err(Error::invalid("/dryRun", "a GET changes nothing; dryRun is for writes"));
    }

    if method == Method::Get {
        confine(&mut query, &client.config.scope)?;
    } else {
        let filter = guarded_filter(&path, body.as_mut(), fields)?;
        if let Some(filter) = filter {
            confine_filter(filter, &client.config.scope, "/body/filter")?;
            if dry_run {
                let Some(target) = object_target(&path) else {
                    return Err(Error::invalid(
                        "/dryRun",
                        format!("no count is known for `{path}`; dryRun works on agent, threat and alert actions"),
                    ));
                };
                let matched = act::count(client, target, filter)?;
                return Ok(object(vec![("dryRun", true.into()), ("wouldAffect", matched.into()), ("path", path.into())]).into());
            }
        } else if dry_run {
            return Err(Error::invalid("/dryRun", "dryRun counts what a body filter matches; this request has none"));
        }
    }
    refuse_path_ids_outside_pins(client, &path)?;

    if paginate {
        let page_size = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(MAX_PAGE_SIZE);
        let bound = Bound { page_size, max_items: max_items(fields), max_bytes: client.config.max_output_bytes };
        return super::listing(client, &path, &query, Items::Auto, bound);
    }
    let _ = action;
    client.call(method, &path, &query, body.as_ref()).map(Output::from)
}

/// The validated `query` object as a query string.
fn query_of(fields: &Map<String, Value>) -> Result<Query, Error> {
    let mut query = Query::new();
    if let Some(Value::Object(pairs)) = fields.get("query") {
        for (key, value) in pairs {
            let text = match value {
                Value::String(_) | Value::Bool(_) | Value::Number(_) => Param::query_value(value),
                Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => Param::query_value(value),
                _ => return Err(Error::invalid(format!("/query/{key}"), "expected a string, number, boolean or array of strings")),
            };
            query.push(key, text);
        }
    }
    Ok(query)
}

/// The body's `filter`, checked: present where the endpoint acts on objects, confirmed, and
/// selecting something. `None` when the write has no filter and needs none.
fn guarded_filter<'b>(
    path: &str,
    body: Option<&'b mut Value>,
    fields: &Map<String, Value>,
) -> Result<Option<&'b mut Map<String, Value>>, Error> {
    let targets_objects = object_target(path).is_some() || path.starts_with("agents/actions/");
    let filter = match body {
        Some(Value::Object(body)) => body.get_mut("filter"),
        Some(_) => return Err(Error::invalid("/body", "expected a JSON object")),
        None => None,
    };
    let Some(filter) = filter else {
        if targets_objects {
            return Err(Error::invalid(
                "/body/filter",
                format!("`{path}` acts on the objects its body filter selects; without one it would reach every object in scope"),
            ));
        }
        return Ok(None);
    };
    let Value::Object(filter) = filter else { return Err(Error::invalid("/body/filter", "expected an object")) };
    if let Some((key, _)) = filter.iter().find(|(_, v)| selects_nothing(v)) {
        return Err(Error::invalid(
            format!("/body/filter/{key}"),
            "an empty value selects nothing and would widen the filter to everything in scope",
        ));
    }
    if filter.is_empty() {
        return Err(Error::invalid("/body/filter", "an empty filter acts on everything in scope"));
    }
    if targets_objects && filter.keys().all(|k| SCOPE_KEYS.contains(&k.as_str())) {
        return Err(Error::invalid(
            "/body/filter",
            "a filter of scope keys only reaches every object in that scope; add ids or another criterion",
        ));
    }
    let confirmed = [fields.get("confirmFilter"), fields.get("dryRun")].contains(&Some(&Value::Bool(true)));
    if !confirmed {
        return Err(Error::invalid(
            "/confirmFilter",
            "a write with a body filter reaches everything the filter matches: add \"confirmFilter\": true (try \"dryRun\": true first)",
        ));
    }
    Ok(Some(filter))
}

/// An empty array, string or object, or null: SentinelOne ignores such a criterion.
fn selects_nothing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The objects a write endpoint acts on through its body filter, where the catalog knows how to
/// count them.
fn object_target(path: &str) -> Option<&'static Target> {
    let under = |prefix: &str| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let segments: Vec<&str> = path.split('/').collect();
    let moves_agents = matches!(segments.as_slice(), ["groups", _, "move-agents"]);
    if under("agents/actions") || path == "remote-scripts/execute" || under("remote-ops/forensics/start-collection") || moves_agents {
        Some(&AGENTS)
    } else if under("threats/mitigate")
        || under("threats/actions")
        || [
            "threats/analyst-verdict",
            "threats/incident",
            "threats/notes",
            "threats/external-ticket-id",
            "threats/fetch-file",
            "threats/add-to-blacklist",
            "threats/add-to-exclusions",
        ]
        .contains(&path)
    {
        Some(&THREATS)
    } else if under("cloud-detection/alerts") || under("private/cloud-detection/alerts") {
        Some(&ALERTS)
    } else {
        None
    }
}

/// Why `path` is refused, if it is credential or identity administration.
fn refused_reason(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let first = segments.first().copied().unwrap_or_default();
    if ["users", "service-users", "rbac", "mobile-integration"].contains(&first)
        && (first != "mobile-integration" || segments.get(1) == Some(&"activation"))
    {
        return Some("users, service users, roles and logins are identity administration");
    }
    if path == "export/users" || path == "export/service-users" || path.starts_with("settings/sso") {
        return Some("user exports and single sign-on are identity administration");
    }
    let credential_segment = |s: &&str| {
        [
            "token",
            "uninstall-password",
            "local-authorization",
            "local-upgrade-authorization",
            "generate-api-token",
            "revoke-api-token",
            "passphrases",
            "regenerate-key",
            "partner-key",
        ]
        .contains(s)
    };
    if segments.iter().any(credential_segment) || path == "cloud-funnel/assume-role-external-id" {
        return Some("the endpoint hands out or manages credentials");
    }
    None
}

/// Ids in the path that name an account, site, group, agent or threat must be visible within the
/// scope pins (one lookup each), as the curated actions check theirs.
fn refuse_path_ids_outside_pins(client: &Client, path: &str) -> Result<(), Error> {
    if client.config.scope.is_empty() {
        return Ok(());
    }
    let segments: Vec<&str> = path.split('/').collect();
    for pair in segments.windows(2) {
        let pins = &client.config.scope;
        if pair[0] == "accounts" && is_id(pair[1]) && pins.account_ids.is_empty() && !pins.site_ids.is_empty() {
            // A site pin confines the plugin below every account: no account-level endpoint.
            return Err(Error::invalid("/path", format!("account {} is above the configured site scope; nothing was sent", pair[1])));
        }
        let target: &Target = match pair[0] {
            "accounts" => &ACCOUNTS,
            "sites" => &SITES,
            "groups" => &GROUPS,
            "agents" => &AGENTS,
            "threats" => &THREATS,
            _ => continue,
        };
        if !is_id(pair[1]) {
            continue;
        }
        let ids = [pair[1].to_owned()];
        let hidden = act::not_visible(client, target, &ids)?;
        if let Some(e) = act::outside_scope("path", false, &ids, &hidden, target.what) {
            return Err(e);
        }
    }
    Ok(())
}

/// `agents/count` or `/web/api/v2.1/agents/count` → `agents/count`; refuses everything else.
fn api_path(path: &str) -> Result<String, Error> {
    let bad = |why: &str| Err(Error::invalid("/path", format!("{why}; give a path under {}", crate::API_PREFIX)));
    let relative = path.strip_prefix(crate::API_PREFIX).or_else(|| (!path.starts_with('/')).then_some(path));
    let Some(relative) = relative else { return bad("the path is outside the Management API") };
    let clean = !relative.is_empty()
        && relative.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_./".contains(&c))
        && !relative.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if clean {
        Ok(relative.to_owned())
    } else {
        bad("the path may hold only letters, digits, '-', '_', '.' and single '/' between segments")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_and_prefixed_api_paths() {
        assert_eq!(api_path("agents/count").unwrap(), "agents/count");
        assert_eq!(api_path("/web/api/v2.1/threats/123/notes").unwrap(), "threats/123/notes");
    }

    #[test]
    fn refuses_paths_that_leave_the_api_or_the_host() {
        for path in [
            "/web/api/v2.0/agents",
            "https://evil.example/x",
            "//evil.example/x",
            "agents/../../admin",
            "agents?x=1",
            "agents#x",
            "",
            "/agents",
            "agents//x",
        ] {
            assert!(api_path(path).is_err(), "{path}");
        }
    }

    #[test]
    fn refuses_credential_and_identity_administration() {
        for path in [
            "users",
            "users/generate-api-token",
            "users/revoke-api-token",
            "users/login",
            "users/123",
            "service-users",
            "service-users/delete-service-users",
            "rbac/roles",
            "settings/sso",
            "sites/1/token",
            "groups/1/token",
            "agent-artifacts/token",
            "accounts/1/uninstall-password/view",
            "export/users",
            "agents/passphrases",
            "sites/1/regenerate-key",
            "groups/1/regenerate-key",
            "mobile-integration/provisioning/partner-key",
        ] {
            assert!(refused_reason(path).is_some(), "{path}");
        }
        for path in ["user", "agents", "sites/1", "threats/1/notes", "activities/types", "mobile-integration/incidents/analyst-verdict"] {
            assert!(refused_reason(path).is_none(), "{path}");
        }
    }

    #[test]
    fn knows_which_writes_act_on_objects() {
        let what = |path| object_target(path).map(|t| t.what);
        assert_eq!(what("agents/actions/shutdown"), Some("agent"));
        assert_eq!(what("threats/mitigate/kill"), Some("threat"));
        assert_eq!(what("cloud-detection/alerts/incident"), Some("alert"));
        assert_eq!(what("groups/123/move-agents"), Some("agent"));
        assert!(object_target("restrictions").is_none());
        assert!(object_target("threats-x").is_none());
    }
}
