//! The request log: every request the simulator answers (401s and 404s included), in order, with
//! secrets removed, so tests can assert what a client sent.
//!
//! Redaction is done before anything is stored: the `Authorization` header keeps only its scheme,
//! any known token text is replaced wherever it appears (query, body), and values under
//! secret-looking keys (`apiToken`, `token`, `password`, ...) are replaced even when the token is
//! unknown. The log therefore never contains a token value, in memory or on disk.

use super::auth;
use super::state::AppState;
use super::tokens;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

const REDACTED: &str = "<redacted>";
/// Secret-looking keys, plus the grant of a pre-signed storage URL (its signature, credential
/// scope and session token work for anyone holding them until they expire).
const SECRET_KEYS: [&str; 9] =
    ["apitoken", "token", "password", "apikey", "secret", "authorization", "x-amz-signature", "x-amz-credential", "x-amz-security-token"];
/// Bodies above this are refused with a 400 (the console's own limits are not documented).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// e.g. `/web/api/v2.1/agents`.
    pub path: String,
    /// Decoded pairs in order.
    pub query: Vec<(String, String)>,
    /// The query string as received (redacted).
    pub raw_query: Option<String>,
    /// The parsed JSON body, or a non-JSON body as a JSON string.
    pub body: Option<Value>,
    /// `"ApiToken <redacted>"`, `"Token <redacted>"`, `"Bearer <redacted>"` or `"<redacted>"`.
    pub authorization: Option<String>,
    /// Which seeded token authenticated ("admin", "viewer", ...), if any valid one was sent.
    pub token_name: Option<String>,
    /// The status the simulator answered.
    pub status: u16,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<Vec<RecordedRequest>>,
    file: Mutex<Option<File>>,
}

impl RequestLog {
    pub fn entries(&self) -> Vec<RecordedRequest> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Starts mirroring requests to `path` (created or truncated), one JSON line per request.
    pub fn set_file(&self, path: &Path) -> anyhow::Result<()> {
        let file = File::create(path)?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
        Ok(())
    }

    pub fn write_to(&self, path: &Path) -> anyhow::Result<()> {
        let mut out = String::new();
        for entry in self.entries() {
            out.push_str(&serde_json::to_string(&entry)?);
            out.push('\n');
        }
        std::fs::write(path, out)?;
        Ok(())
    }

    fn push(&self, entry: RecordedRequest) {
        if let Some(file) = self.file.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            let written = serde_json::to_string(&entry)
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(file, "{line}").and_then(|_| file.flush()));
            if let Err(error) = written {
                tracing::warn!(%error, "simulator: could not append to the request log file");
            }
        }
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
    }
}

/// Middleware: buffers the body, runs the request, records it with the answered status.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let header = parts.headers.get(AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let token_name = {
        let world = state.world();
        auth::authenticate(&world, header.as_deref()).map(|u| u.token_name.to_string())
    };
    let raw_query = parts.uri.query().map(str::to_string);
    let mut entry = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: super::query::Params::parse(raw_query.as_deref())
            .pairs
            .into_iter()
            .map(|(k, v)| {
                let v = if is_secret_key(&k) { REDACTED.to_string() } else { scrub(&v) };
                (k, v)
            })
            .collect(),
        raw_query: raw_query.as_deref().map(redact_raw_query),
        body: None,
        authorization: header.as_deref().map(redact_authorization),
        token_name,
        status: 0,
    };
    let response = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            entry.body = redact_body(&bytes);
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        Err(_) => super::errors::ApiError::validation("request body unreadable or too large").into_response(),
    };
    entry.status = response.status().as_u16();
    tracing::debug!(method = %entry.method, path = %entry.path, status = entry.status, "simulator request");
    state.log.push(entry);
    response
}

fn redact_authorization(header: &str) -> String {
    match header.trim().split_once(' ') {
        Some((scheme, _)) if ["ApiToken", "Token", "Bearer"].iter().any(|s| s.eq_ignore_ascii_case(scheme)) => {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

/// Replaces every known token appearing in `text`.
fn scrub(text: &str) -> String {
    tokens::ALL.iter().fold(text.to_string(), |acc, token| acc.replace(token, REDACTED))
}

fn redact_raw_query(raw: &str) -> String {
    raw.split('&')
        .map(|segment| match segment.split_once('=') {
            Some((k, _)) if is_secret_key(&super::query::decode(k)) => format!("{k}={REDACTED}"),
            _ => scrub(segment),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn redact_body(bytes: &Bytes) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => redact_json(value),
        Err(_) => Value::String(scrub(&String::from_utf8_lossy(bytes))),
    })
}

fn redact_json(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(scrub(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_json).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(&k) && !v.is_null() { Value::String(REDACTED.into()) } else { redact_json(v) };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}
