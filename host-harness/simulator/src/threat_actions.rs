//! The per-threat sub-resources (`GET threats/{id}/notes`, `PUT|DELETE threats/{id}/notes/{note_id}`,
//! `GET threats/{id}/timeline`) and what
//! every action body shares (`{"filter": {...}, "data": {...}}`, see [`action_body`]). The threat
//! and alert actions themselves are rows of [`super::filter_actions::FILTER_ACTIONS`].

use super::auth::Caller;
use super::errors::ApiError;
use super::model::{Id, Role, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::{Params, parse_id};
use super::state::AppState;
use super::threats::in_scope;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

const NOTES: Listing =
    Listing { name: "threat-notes", max_limit: 1000, sort_fields: &["id", "createdAt", "updatedAt"], end_marker: EndMarker::Null };

const TIMELINE: Listing = Listing {
    name: "threat-timeline",
    max_limit: 1000,
    sort_fields: &["id", "createdAt", "activityType", "primaryDescription", "hash"],
    end_marker: EndMarker::Null,
};

/// An action body's filter (as query-style [`Params`]) and `data` object.
pub fn action_body(body: &Bytes) -> Result<(Params, Value), ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let filter = match body.get("filter") {
        Some(Value::Object(filter)) => Params::from_filter(filter)?,
        Some(_) => return Err(ApiError::validation("filter must be an object")),
        None => return Err(ApiError::validation("filter is required")),
    };
    let data = match body.get("data") {
        None | Some(Value::Null) => json!({}),
        Some(data @ Value::Object(_)) => data.clone(),
        Some(_) => return Err(ApiError::validation("data must be an object")),
    };
    Ok((filter, data))
}

/// A required string in `data`, checked against `allowed` when given.
pub fn data_text(data: &Value, key: &str, allowed: Option<&[&str]>) -> Result<String, ApiError> {
    let value = data.get(key).and_then(Value::as_str).ok_or_else(|| ApiError::validation(format!("data.{key} is required")))?;
    if let Some(allowed) = allowed
        && !allowed.contains(&value)
    {
        return Err(ApiError::validation(format!("data.{key}: '{value}' is not one of {}", allowed.join(", "))));
    }
    Ok(value.to_string())
}

pub fn username(world: &World, caller: &Caller) -> String {
    world.users.iter().find(|u| u.id == caller.user_id).map(|u| u.full_name.clone()).unwrap_or_default()
}

/// The threat named in the path, if it exists and is in the caller's scope (else a 404).
pub fn threat_in_path(world: &mut World, caller: &Caller, id: Result<Path<String>, PathRejection>) -> Result<Id, ApiError> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    world.refresh_threat_agents();
    parse_id(&id)
        .and_then(|id| world.threats.iter().find(|t| t.id == id))
        .filter(|t| in_scope(caller, t))
        .map(|t| t.id)
        .ok_or_else(|| ApiError::not_found(format!("Threat {id} not found")))
}

pub async fn notes(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &NOTES)?;
    let mut world = state.world();
    let threat_id = threat_in_path(&mut world, &caller, id)?;
    let keyed = world
        .threat_notes
        .iter()
        .filter(|n| n.threat_id == threat_id)
        .map(|n| Keyed {
            key: match page_request.sort_by.as_str() {
                "createdAt" => SortKey::Int(n.created_at.0),
                "updatedAt" => SortKey::Int(n.updated_at.0),
                _ => SortKey::Int(n.id.0 as i64),
            },
            id: n.id.0,
            item: n,
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}

/// The note `note` of the threat in the path, within the caller's scope: its index in the world.
fn note_in_path(world: &mut World, caller: &Caller, ids: Result<Path<(String, String)>, PathRejection>) -> Result<usize, ApiError> {
    let (threat, note) = ids.map(|Path(ids)| ids).unwrap_or_default();
    let threat_id = threat_in_path(world, caller, Ok(Path(threat)))?;
    parse_id(&note)
        .and_then(|note| world.threat_notes.iter().position(|n| n.id == note && n.threat_id == threat_id))
        .ok_or_else(|| ApiError::not_found(format!("Threat note {note} not found")))
}

/// `PUT threats/{threat_id}/notes/{note_id}` `{"data": {"text"}}` → the note, edited.
pub async fn update_note(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let text = data_text(&body["data"], "text", None)?;
    if text.trim().chars().count() < 2 {
        return Err(ApiError::validation("data.text must hold at least 2 characters"));
    }
    let mut world = state.world();
    let i = note_in_path(&mut world, &caller, ids)?;
    let note = &mut world.threat_notes[i];
    (note.text, note.updated_at, note.edited) = (text, super::clock::Timestamp::now(), true);
    Ok(Json(json!({"data": note})))
}

/// `DELETE threats/{threat_id}/notes/{note_id}` → `{"data": {"success": true}}`.
pub async fn delete_note(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let mut world = state.world();
    let i = note_in_path(&mut world, &caller, ids)?;
    world.threat_notes.remove(i);
    Ok(Json(json!({"data": {"success": true}})))
}

pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &TIMELINE)?;
    let activity_types = super::activities::type_list(&params)?;
    let mut world = state.world();
    let threat_id = threat_in_path(&mut world, &caller, id)?;
    let keyed = world
        .activities
        .iter()
        .filter(|a| a.threat_id == Some(threat_id))
        .filter(|a| activity_types.as_ref().is_none_or(|t| t.contains(&a.activity_type)))
        .map(|a| Keyed {
            key: match page_request.sort_by.as_str() {
                "createdAt" => SortKey::Int(a.created_at.0),
                "activityType" => SortKey::Int(i64::from(a.activity_type)),
                "primaryDescription" => SortKey::text(&a.primary_description),
                "hash" => SortKey::text(a.hash.as_deref().unwrap_or("")),
                _ => SortKey::Int(a.id.0 as i64),
            },
            id: a.id.0,
            item: a,
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}
