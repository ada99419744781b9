//! The strict console: every request is checked against SentinelOne's own v2.1 specification
//! (`reference/sentinelone-v2.1-swagger.json`, the source of truth for paths, query names and
//! body keys) before any handler sees it. An operation the spec does not declare, a query
//! parameter it does not name, or a body key (top level, or inside an object the spec describes
//! key by key, such as `filter`) it does not list is answered with a 400 in SentinelOne's error
//! shape, and kept in [`Violations`], so every end-to-end test is also a check of the exact
//! request the plugin sent.
//!
//! Objects the spec leaves open (`"data": {"type": "object", "properties": {}}`) are not checked
//! inside; neither are values (types and enums are the handlers' business).

use super::errors::ApiError;
use super::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::{LazyLock, Mutex};

/// SentinelOne's v2.1 specification, as published (swagger 2.0).
const SWAGGER: &str = include_str!("../reference/sentinelone-v2.1-swagger.json");

/// The operations of the spec, read once per process.
static SPEC: LazyLock<Spec> = LazyLock::new(|| Spec::parse(SWAGGER).expect("the embedded v2.1 specification parses"));

/// One declared operation.
struct Operation {
    method: String,
    /// The path's segments after `/web/api/v2.1/`; `None` is a `{parameter}`.
    segments: Vec<Option<String>>,
    query: Vec<String>,
    /// The body's declared keys, `None` when the operation takes no JSON body or leaves it open.
    body: Option<Keys>,
}

/// The keys an object may hold, and, for keys whose value the spec describes key by key, theirs.
#[derive(Debug, Default)]
struct Keys {
    names: Vec<String>,
    nested: Vec<(String, Keys)>,
}

struct Spec {
    operations: Vec<Operation>,
}

impl Spec {
    fn parse(text: &str) -> anyhow::Result<Spec> {
        let doc: Value = serde_json::from_str(text)?;
        let definitions = doc.get("definitions").and_then(Value::as_object).cloned().unwrap_or_default();
        let paths = doc.get("paths").and_then(Value::as_object).ok_or_else(|| anyhow::anyhow!("no paths"))?;
        let mut operations = Vec::new();
        for (path, methods) in paths {
            let Some(relative) = path.strip_prefix(super::routes::PREFIX).and_then(|p| p.strip_prefix('/')) else { continue };
            let segments: Vec<Option<String>> =
                relative.split('/').map(|s| if s.starts_with('{') { None } else { Some(s.to_owned()) }).collect();
            for (method, operation) in methods.as_object().into_iter().flatten() {
                let parameters = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
                let query =
                    parameters.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str().map(str::to_owned)).collect();
                let body = parameters.iter().find(|p| p["in"] == "body").and_then(|p| keys(&p["schema"], &definitions, 0));
                operations.push(Operation { method: method.to_ascii_uppercase(), segments: segments.clone(), query, body });
            }
        }
        Ok(Spec { operations })
    }

    /// The operation `method` `relative` names: literal segments win over parameters.
    fn find(&self, method: &str, relative: &str) -> Option<&Operation> {
        let asked: Vec<&str> = relative.split('/').collect();
        self.operations
            .iter()
            .filter(|o| o.method == method && o.segments.len() == asked.len())
            .filter(|o| o.segments.iter().zip(&asked).all(|(s, a)| s.as_deref().is_none_or(|s| s == *a)))
            .max_by_key(|o| o.segments.iter().filter(|s| s.is_some()).count())
    }
}

/// The keys of an object schema (following `$ref`s), or `None` when it is open or not an object.
fn keys(schema: &Value, definitions: &Map<String, Value>, depth: usize) -> Option<Keys> {
    let schema = resolve(schema, definitions)?;
    let properties = schema.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty())?;
    let mut keys = Keys::default();
    for (name, property) in properties {
        keys.names.push(name.clone());
        if depth < 2
            && let Some(inner) = keys_of_object(property, definitions, depth + 1)
        {
            keys.nested.push((name.clone(), inner));
        }
    }
    Some(keys)
}

fn keys_of_object(schema: &Value, definitions: &Map<String, Value>, depth: usize) -> Option<Keys> {
    let resolved = resolve(schema, definitions)?;
    (resolved.get("type").is_none_or(|t| t == "object")).then(|| keys(resolved, definitions, depth)).flatten()
}

fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => definitions.get(reference.strip_prefix("#/definitions/")?),
        None => Some(schema),
    }
}

/// What a request did that the spec does not declare.
enum Violation {
    /// No such operation: kept, and answered as the console answers it (the router's 404/405).
    Operation(String),
    /// An undeclared query parameter or body key: answered with a 400.
    Shape(String),
}

fn violation(method: &str, relative: &str, query_names: &[String], body: Option<&Value>) -> Option<Violation> {
    let spec = &*SPEC;
    let Some(operation) = spec.find(method, relative) else {
        return Some(Violation::Operation(format!("{method} /{relative} is not an operation of the v2.1 specification")));
    };
    shape_violation(operation, method, relative, query_names, body).map(Violation::Shape)
}

fn shape_violation(operation: &Operation, method: &str, relative: &str, query_names: &[String], body: Option<&Value>) -> Option<String> {
    if let Some(name) = query_names.iter().find(|n| !operation.query.contains(n)) {
        return Some(format!("query parameter `{name}` is not declared for {method} /{relative}"));
    }
    let (Some(keys), Some(Value::Object(body))) = (&operation.body, body) else { return None };
    undeclared(keys, body, "").map(|key| format!("body key `{key}` is not declared for {method} /{relative}"))
}

/// The first key of `object` that `keys` does not declare, as a path (`filter.sortBy`).
fn undeclared(keys: &Keys, object: &Map<String, Value>, at: &str) -> Option<String> {
    for (name, value) in object {
        let path = if at.is_empty() { name.clone() } else { format!("{at}.{name}") };
        if !keys.names.contains(name) {
            return Some(path);
        }
        if let (Some((_, inner)), Value::Object(value)) = (keys.nested.iter().find(|(n, _)| n == name), value)
            && let Some(found) = undeclared(inner, value, &path)
        {
            return Some(found);
        }
    }
    None
}

/// The violations this simulator answered with a 400, in order.
#[derive(Default)]
pub struct Violations(Mutex<Vec<String>>);

impl Violations {
    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn push(&self, violation: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(violation);
    }
}

/// Middleware: refuses what the spec does not declare, before any handler runs.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(relative) = request.uri().path().strip_prefix(super::routes::PREFIX).and_then(|p| p.strip_prefix('/')).map(str::to_owned)
    else {
        return next.run(request).await;
    };
    // The console authenticates first: a request without a valid token is a 401, whatever its shape.
    let authorization = request.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if super::auth::authenticate(&state.world(), authorization).is_none() {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let query_names: Vec<String> = super::query::Params::parse(request.uri().query()).pairs.into_iter().map(|(k, _)| k).collect();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::request_log::MAX_BODY_BYTES).await else {
        return ApiError::validation("request body unreadable or too large").into_response();
    };
    let json: Option<Value> = serde_json::from_slice(&bytes).ok();
    match violation(&method, &relative, &query_names, json.as_ref()) {
        None => {}
        Some(Violation::Operation(found)) => {
            tracing::warn!(target: "simulator::spec", "{found}");
            state.spec_violations.push(found);
        }
        Some(Violation::Shape(found)) => {
            tracing::warn!(target: "simulator::spec", "{found}");
            state.spec_violations.push(found.clone());
            return ApiError::validation(found).into_response();
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_declares_the_operations_the_simulator_serves() {
        assert!(SPEC.operations.len() > 400);
        assert!(SPEC.find("GET", "agents/count").is_some_and(|o| o.segments.iter().all(Option::is_some)));
        assert!(SPEC.find("GET", "threats/123/notes").is_some());
        assert!(SPEC.find("PATCH", "agents").is_none());
    }

    #[test]
    fn undeclared_query_names_and_body_keys_are_violations() {
        let shape = |method: &str, path: &str, query: &[&str], body: Value| match violation(
            method,
            path,
            &query.iter().map(|q| q.to_string()).collect::<Vec<_>>(),
            Some(&body),
        ) {
            Some(Violation::Shape(v)) => Some(v),
            Some(Violation::Operation(v)) => panic!("{v}"),
            None => None,
        };
        assert_eq!(shape("GET", "agents", &["limit", "osTypes"], Value::Null), None);
        assert!(shape("GET", "agents", &["bogus"], Value::Null).is_some_and(|v| v.contains("`bogus`")));
        assert_eq!(shape("PUT", "groups/1/move-agents", &[], serde_json::json!({"filter": {"ids": ["1"]}})), None);
        let body = serde_json::json!({"filter": {"ids": ["1"]}, "data": {}});
        assert!(shape("PUT", "groups/1/move-agents", &[], body).is_some_and(|v| v.contains("`data`")));
        let body = serde_json::json!({"filter": {"ids": ["1"], "sortBy": "id"}, "data": {"analystVerdict": "true_positive"}});
        assert!(shape("POST", "cloud-detection/alerts/analyst-verdict", &[], body).is_some_and(|v| v.contains("filter.sortBy")));
        assert!(matches!(violation("POST", "agents/actions/no-such-verb", &[], None), Some(Violation::Operation(_))));
    }
}
