//! `GET hashes/{hash}/verdict` → `{"data": {"verdict": "malicious|suspicious|benign|undefined"}}`,
//! and the older `GET hashes/{hash}/reputation` → `{"data": {"rank": "0".."10"}}` (a string, as the
//! spec has it: 5–10 malicious, 1–4 not malicious, 0 unknown), ranked from the same verdict.
//!
//! The reference gives only `data.verdict`; the vocabulary and the rules are ours:
//! - `{hash}` must be an MD5, SHA1 or SHA256 (32, 40 or 64 hex characters, any case), else 400.
//! - `malicious` when a threat with that SHA1 or SHA256 has `confidenceLevel` `malicious`, else
//!   `suspicious` when one has `suspicious`; else `benign` when the hash is a `white_hash`
//!   exclusion; else `undefined`. Seeded threats carry no MD5, so an MD5 is always `undefined`.
//! - It is a cloud reputation, so it ignores the caller's scope (every valid token gets the same
//!   answer), and a blocklist entry does not change it.

use super::auth::Caller;
use super::errors::ApiError;
use super::model::World;
use super::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

fn verdict(world: &World, hash: &str) -> &'static str {
    let same = |other: &str| other.eq_ignore_ascii_case(hash);
    let confidence = |level: &str| {
        world.threats.iter().any(|t| {
            let info = &t.threat_info;
            info.confidence_level == level
                && (same(&info.sha1) || info.sha256.as_deref().is_some_and(same) || info.md5.as_deref().is_some_and(same))
        })
    };
    if confidence("malicious") {
        "malicious"
    } else if confidence("suspicious") {
        "suspicious"
    } else if world.exclusions.iter().any(|e| e.item_type == "white_hash" && same(&e.value)) {
        "benign"
    } else {
        "undefined"
    }
}

/// The hash in the path, if it is an MD5, SHA1 or SHA256.
fn hash_in_path(hash: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let hash = hash.map(|Path(h)| h).unwrap_or_default();
    if ![32, 40, 64].contains(&hash.len()) || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::validation(format!("hash: '{hash}' is not an MD5, SHA1 or SHA256 (32, 40 or 64 hex characters)")));
    }
    Ok(hash)
}

pub async fn get_verdict(
    State(state): State<AppState>,
    _caller: Caller,
    hash: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let hash = hash_in_path(hash)?;
    let world = state.world();
    Ok(Json(json!({"data": {"verdict": verdict(&world, &hash)}})))
}

pub async fn get_reputation(
    State(state): State<AppState>,
    _caller: Caller,
    hash: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let hash = hash_in_path(hash)?;
    let rank = match verdict(&state.world(), &hash) {
        "malicious" => "9",
        "suspicious" => "6",
        "benign" => "1",
        _ => "0",
    };
    Ok(Json(json!({"data": {"rank": rank}})))
}
