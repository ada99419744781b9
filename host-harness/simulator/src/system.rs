//! `GET system/status` (no auth: reachability only) and `GET system/info` (authenticated: a cheap
//! credential check that returns the console version).

use super::auth::Caller;
use super::seed::LATEST_WINDOWS_AGENT;
use axum::Json;
use serde_json::{Value, json};

pub async fn status() -> Json<Value> {
    Json(json!({"data": {"health": "ok"}}))
}

pub async fn info(_caller: Caller) -> Json<Value> {
    Json(json!({"data": {
        "version": "24.1.2",
        "build": "24.1.2.118",
        "release": "24.1",
        "patch": "2",
        "latestAgentVersion": LATEST_WINDOWS_AGENT,
    }}))
}
