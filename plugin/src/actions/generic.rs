//! `api.request`: any Management API v2.1 endpoint, for the hundreds the catalog does not curate,
//! with the same credential, scope pins, error mapping and pagination as every other action.
//!
//! It is confined by construction: the path is relative to `/web/api/v2.1/` and may hold only
//! path characters (no `..`, scheme, host, query or fragment), so it can never reach another host
//! or leave the API; and a body `filter` may not be empty (SentinelOne would apply it to
//! everything in scope) unless `confirmFilter` is true.

use super::act::confine_filter;
use super::confine;
use super::params::Param;
use crate::Error;
use crate::client::{Bound, Client, Items, MAX_PAGE_SIZE, Query};
use crate::http::Method;
use serde_json::{Map, Value};

/// Runs the generic request described by the validated `fields`.
pub fn run(client: &Client, fields: &Map<String, Value>) -> Result<Value, Error> {
    let method = match fields.get("method").and_then(Value::as_str).unwrap_or("GET") {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        _ => Method::Delete,
    };
    let path = api_path(fields.get("path").and_then(Value::as_str).unwrap_or_default())?;

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
    if query.get("cursor").is_some() && fields.get("paginate") == Some(&Value::Bool(true)) {
        return Err(Error::invalid("/query/cursor", "give either a cursor or paginate, not both"));
    }
    if method == Method::Get {
        confine(&mut query, &client.config.scope)?;
    }

    let mut body = fields.get("body").cloned();
    if let Some(Value::Object(b)) = body.as_mut() {
        if let Some(filter) = b.get_mut("filter") {
            let Value::Object(filter) = filter else { return Err(Error::invalid("/body/filter", "expected an object")) };
            if filter.is_empty() && fields.get("confirmFilter") != Some(&Value::Bool(true)) {
                return Err(Error::invalid("/body/filter", "an empty filter acts on everything in scope; add confirmFilter: true if that is meant"));
            }
            confine_filter(filter, &client.config.scope, "/body/filter")?;
        }
    }
    if method == Method::Get && body.is_some() {
        return Err(Error::invalid("/body", "a GET request takes no body"));
    }

    if fields.get("paginate") == Some(&Value::Bool(true)) {
        if method != Method::Get {
            return Err(Error::invalid("/paginate", "only GET requests page"));
        }
        let max_items = super::max_items(fields);
        let page_size = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(MAX_PAGE_SIZE);
        let listing = client.list(&path, &query, Items::Data, Bound { page_size, max_items })?;
        return Ok(super::listing_output(listing));
    }
    client.call(method, &path, &query, body.as_ref())
}

/// `agents/count` or `/web/api/v2.1/agents/count` → `agents/count`; refuses everything else.
fn api_path(path: &str) -> Result<String, Error> {
    let bad = |why: &str| Err(Error::invalid("/path", format!("{why}; give a path under {}", crate::API_PREFIX)));
    let relative = path.strip_prefix(crate::API_PREFIX).or_else(|| (!path.starts_with('/')).then_some(path));
    let Some(relative) = relative else { return bad("the path is outside the Management API") };
    let clean = !relative.is_empty()
        && relative.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_./".contains(&c))
        && !relative.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if clean { Ok(relative.to_owned()) } else { bad("the path may hold only letters, digits, '-', '_', '.' and single '/' between segments") }
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
        for path in ["/web/api/v2.0/agents", "https://evil.example/x", "//evil.example/x", "agents/../../admin", "agents?x=1", "agents#x", "", "/agents", "agents//x"] {
            assert!(api_path(path).is_err(), "{path}");
        }
    }
}
