//! Threat actions and the per-threat sub-resources:
//! `POST threats/mitigate/{action}`, `POST threats/analyst-verdict`, `POST threats/incident`,
//! `POST threats/external-ticket-id`, `POST threats/notes`, `GET threats/{id}/notes`,
//! `GET threats/{id}/timeline`.
//!
//! Action bodies are `{"filter": {...}, "data": {...}}`; the filter uses the `GET threats` matching,
//! confined to the caller's scope. An EMPTY filter acts on every threat in scope (the console's
//! real, dangerous behaviour); a missing `filter` is a 400; viewers get 403. Every change bumps
//! `threatInfo.updatedAt` to the wall clock and appends an activity (so it shows on the timeline).
//! Mitigation skips what the agent's OS cannot do (`remediate` on Linux, `rollback-remediation`
//! off Windows): such threats are listed under `details[].skipped` and not counted in `affected`.
//! `un-quarantine` adds its report but leaves `threatInfo.mitigationStatus` as it was.

use super::activity_types as types;
use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::Role;
use super::model::{ActivityDraft, Id, ThreatNote, World, display_case};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::{Params, parse_id};
use super::seed_security::report;
use super::state::AppState;
use super::threats::{ANALYST_VERDICTS, INCIDENT_STATUSES, ThreatFilter, in_scope, select};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

const MITIGATIONS: [(&str, &str, u32); 5] = [
    ("kill", "kill", types::MITIGATION_KILL),
    ("quarantine", "quarantine", types::MITIGATION_QUARANTINE),
    ("remediate", "remediate", types::MITIGATION_REMEDIATE),
    ("rollback-remediation", "rollback", types::MITIGATION_ROLLBACK),
    ("un-quarantine", "unquarantine", types::MITIGATION_UNQUARANTINE),
];

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

pub async fn mitigate(
    State(state): State<AppState>,
    caller: Caller,
    action: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let action = action.map(|Path(action)| action).unwrap_or_default();
    let Some(&(_, report_action, activity_type)) = MITIGATIONS.iter().find(|(name, ..)| *name == action) else {
        return Err(ApiError::not_found(format!("Unknown mitigation action '{action}'")));
    };
    caller.require(Role::Soc)?;
    let (filter, _data) = action_body(&body)?;
    let filter = ThreatFilter::parse(&filter)?;
    let mut world = state.world();
    let user = username(&world, &caller);
    let now = Timestamp::now();
    let mut affected = 0;
    let mut details = Vec::new();
    for i in select(&mut world, &caller, &filter) {
        let threat = &mut world.threats[i];
        let os = threat.agent_realtime_info.agent_os_type.as_str();
        let unsupported = match action.as_str() {
            "remediate" => os == "linux",
            "rollback-remediation" => !os.starts_with("windows"),
            _ => false,
        };
        if unsupported {
            details.push(json!({"threatId": threat.id, "reports": [], "skipped": [
                {"action": report_action, "reason": "unsupported_os",
                 "description": format!("{action} is not supported on {os}")}]}));
            continue;
        }
        affected += 1;
        let entry = report(report_action, now);
        threat.mitigation_status.push(entry.clone());
        if action != "un-quarantine" {
            threat.threat_info.mitigation_status = "mitigated".into();
            threat.threat_info.mitigation_status_description = display_case("mitigated");
        }
        threat.threat_info.updated_at = now;
        details.push(json!({"threatId": threat.id, "reports": [entry], "skipped": []}));
        let (threat_id, agent_id, name) = (threat.id, threat.agent_realtime_info.agent_id, threat.threat_info.threat_name.clone());
        world.record_activity(
            now,
            ActivityDraft {
                activity_type,
                primary_description: format!("{user} sent {action} for {name}"),
                secondary_description: None,
                data: json!({"threatName": name, "action": report_action, "username": user}),
                agent_id: Some(agent_id),
                threat_id: Some(threat_id),
                user_id: Some(caller.user_id),
            },
        );
    }
    Ok(Json(json!({"data": {"affected": affected, "details": details}})))
}

/// Sets one `threatInfo` field on every matching threat; answers `{affected, details}`.
fn update(
    state: &AppState,
    caller: &Caller,
    body: &Bytes,
    key: &str,
    allowed: Option<&[&str]>,
    activity_type: u32,
    set: fn(&mut super::model::ThreatInfo, &str),
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let (filter, data) = action_body(body)?;
    let value = data_text(&data, key, allowed)?;
    let filter = ThreatFilter::parse(&filter)?;
    let mut world = state.world();
    let user = username(&world, caller);
    let now = Timestamp::now();
    let selected = select(&mut world, caller, &filter);
    let mut details = Vec::new();
    for &i in &selected {
        let threat = &mut world.threats[i];
        set(&mut threat.threat_info, &value);
        threat.threat_info.updated_at = now;
        details.push(json!({"threatId": threat.id, "result": "success"}));
        let (threat_id, agent_id, name) = (threat.id, threat.agent_realtime_info.agent_id, threat.threat_info.threat_name.clone());
        world.record_activity(
            now,
            ActivityDraft {
                activity_type,
                primary_description: format!("{user} set {key} of {name} to {value}"),
                secondary_description: None,
                data: json!({"threatName": name, key: value, "username": user}),
                agent_id: Some(agent_id),
                threat_id: Some(threat_id),
                user_id: Some(caller.user_id),
            },
        );
    }
    Ok(Json(json!({"data": {"affected": selected.len(), "details": details}})))
}

pub async fn analyst_verdict(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body, "analystVerdict", Some(&ANALYST_VERDICTS), types::THREAT_VERDICT_CHANGED, |info, v| {
        info.analyst_verdict = v.into();
        info.analyst_verdict_description = display_case(v);
    })
}

pub async fn incident(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body, "incidentStatus", Some(&INCIDENT_STATUSES), types::THREAT_INCIDENT_CHANGED, |info, v| {
        info.incident_status = v.into();
        info.incident_status_description = display_case(v);
    })
}

pub async fn external_ticket_id(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body, "externalTicketId", None, types::THREAT_TICKET_CHANGED, |info, v| {
        info.external_ticket_exists = !v.is_empty();
        info.external_ticket_id = (!v.is_empty()).then(|| v.to_string());
    })
}

pub async fn add_note(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let (filter, data) = action_body(&body)?;
    let text = data_text(&data, "text", None)?;
    if text.trim().is_empty() {
        return Err(ApiError::validation("data.text must not be empty"));
    }
    let filter = ThreatFilter::parse(&filter)?;
    let mut world = state.world();
    let user = username(&world, &caller);
    let now = Timestamp::now();
    let selected = select(&mut world, &caller, &filter);
    for &i in &selected {
        let (threat_id, agent_id, name) = {
            let threat = &mut world.threats[i];
            threat.threat_info.updated_at = now;
            (threat.id, threat.agent_realtime_info.agent_id, threat.threat_info.threat_name.clone())
        };
        let id = world.new_id();
        world.threat_notes.push(ThreatNote {
            id,
            text: text.clone(),
            creator: user.clone(),
            creator_id: caller.user_id,
            created_at: now,
            updated_at: now,
            edited: false,
            threat_id,
        });
        world.record_activity(
            now,
            ActivityDraft {
                activity_type: types::THREAT_NOTE_ADDED,
                primary_description: format!("{user} added a note to {name}"),
                secondary_description: None,
                data: json!({"threatName": name, "username": user}),
                agent_id: Some(agent_id),
                threat_id: Some(threat_id),
                user_id: Some(caller.user_id),
            },
        );
    }
    Ok(Json(json!({"data": {"affected": selected.len()}})))
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
