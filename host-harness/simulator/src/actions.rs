//! `POST agents/actions/{action}`: body `{"filter": {...}, "data": {...}}` → `{"data": {"affected": N}}`.
//!
//! The filter uses the GET agents matching, confined to the caller's scope. An EMPTY filter acts on
//! every agent in scope, which is the console's real (dangerous) behaviour; a missing `filter` is a
//! 400. Viewers get 403. `affected` counts the agents the command was sent to: every matched agent,
//! except `broadcast` (Windows and macOS only) and `move-to-site` (agents not already there).
//! Each affected agent gets an activity (see [`super::activity_types`]).

use super::activity_types as types;
use super::agents::{AgentFilter, select};
use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::{ActivityDraft, Agent, Id, PendingStatus, Scope};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

const ACTIONS: [&str; 11] = [
    "disconnect",
    "connect",
    "initiate-scan",
    "abort-scan",
    "fetch-logs",
    "restart-machine",
    "shutdown",
    "decommission",
    "uninstall",
    "broadcast",
    "move-to-site",
];

pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    action: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let action = action.map(|Path(action)| action).unwrap_or_default();
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::not_found(format!("Unknown agent action '{action}'")));
    }
    caller.require_write()?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let filter = match body.get("filter") {
        Some(Value::Object(filter)) => filter,
        Some(_) => return Err(ApiError::validation("filter must be an object")),
        None => return Err(ApiError::validation("filter is required")),
    };
    let data = match body.get("data") {
        None | Some(Value::Null) => json!({}),
        Some(data @ Value::Object(_)) => data.clone(),
        Some(_) => return Err(ApiError::validation("data must be an object")),
    };
    let filter = AgentFilter::parse(&Params::from_filter(filter)?)?;

    let mut world = state.world();
    let target_site = if action == "move-to-site" {
        if !matches!(caller.scope, Scope::Tenant | Scope::Account(_)) {
            return Err(ApiError::forbidden());
        }
        let id = target_site_id(&data)?;
        let site = world
            .site(id)
            .filter(|s| caller.scope.admits(s.account_id, s.id))
            .ok_or_else(|| ApiError::validation(format!("data.targetSiteId: unknown site {id}")))?;
        let group = world.groups.iter().find(|g| g.site_id == site.id && g.is_default);
        Some((site.id, site.name.clone(), site.account_id, site.account_name.clone(), group.map(|g| (g.id, g.name.clone()))))
    } else {
        None
    };
    if action == "broadcast" {
        match data.get("message").and_then(Value::as_str).map(str::trim) {
            Some(m) if !m.is_empty() && m.chars().count() <= 140 => {}
            _ => {
                return Err(ApiError::validation("data.message is required (1 to 140 characters)"));
            }
        }
    }

    let now = Timestamp::now();
    let selected = select(&world, &caller, &filter);
    let mut affected = 0;
    for i in selected {
        let agent = &mut world.agents[i];
        let counted = match action.as_str() {
            "broadcast" => matches!(agent.os_type.as_str(), "windows" | "macos"),
            "move-to-site" => target_site.as_ref().is_some_and(|(site_id, ..)| agent.site_id != *site_id),
            _ => true,
        };
        if !counted {
            continue;
        }
        affected += 1;
        apply(agent, &action, now, target_site.as_ref());
        let (agent_id, name) = (agent.id, agent.computer_name.clone());
        world.record_activity(
            now,
            ActivityDraft {
                activity_type: activity_type(&action),
                primary_description: format!("{action} sent to {name}"),
                secondary_description: None,
                data: json!({"computerName": name, "action": action}),
                agent_id: Some(agent_id),
                threat_id: None,
                user_id: Some(caller.user_id),
            },
        );
    }
    world.refresh_counts();
    Ok(Json(json!({"data": {"affected": affected}})))
}

/// The activity an agent action appends (one per affected agent).
fn activity_type(action: &str) -> u32 {
    match action {
        "disconnect" => types::AGENT_DISCONNECTED,
        "connect" => types::AGENT_CONNECTED,
        "initiate-scan" => types::SCAN_STARTED,
        "abort-scan" => types::SCAN_ABORTED,
        "fetch-logs" => types::AGENT_LOGS_REQUESTED,
        "restart-machine" => types::AGENT_RESTART_REQUESTED,
        "shutdown" => types::AGENT_SHUTDOWN_REQUESTED,
        "decommission" => types::AGENT_DECOMMISSIONED,
        "uninstall" => types::AGENT_UNINSTALL_REQUESTED,
        "broadcast" => types::BROADCAST_SENT,
        _ => types::AGENT_MOVED,
    }
}

type TargetSite = (Id, String, Id, String, Option<(Id, String)>);

fn apply(agent: &mut Agent, action: &str, now: Timestamp, target_site: Option<&TargetSite>) {
    match action {
        "disconnect" | "connect" => {
            let (transitional, settled) =
                if action == "disconnect" { ("disconnecting", "disconnected") } else { ("connecting", "connected") };
            agent.network_status = transitional.into();
            agent.pending_status = Some(PendingStatus { settles_to: settled.into(), seen_in_read: None });
        }
        "initiate-scan" => {
            agent.scan_status = "started".into();
            agent.scan_started_at = Some(now);
            agent.scan_finished_at = None;
            agent.scan_aborted_at = None;
        }
        "abort-scan" if agent.scan_status == "started" => {
            agent.scan_status = "aborted".into();
            agent.scan_aborted_at = Some(now);
        }
        "decommission" => {
            agent.is_decommissioned = true;
            agent.is_active = false;
            agent.decommissioned_at = Some(now);
        }
        "uninstall" => agent.is_pending_uninstall = true,
        "move-to-site" => {
            if let Some((site_id, site_name, account_id, account_name, group)) = target_site {
                agent.site_id = *site_id;
                agent.site_name = site_name.clone();
                agent.account_id = *account_id;
                agent.account_name = account_name.clone();
                if let Some((group_id, group_name)) = group {
                    agent.group_id = *group_id;
                    agent.group_name = group_name.clone();
                }
            }
        }
        // fetch-logs, restart-machine, shutdown, broadcast: commands with no visible state.
        _ => return,
    }
    agent.updated_at = now;
}

fn target_site_id(data: &Value) -> Result<Id, ApiError> {
    let text = match data.get("targetSiteId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(ApiError::validation("data.targetSiteId is required")),
    };
    parse_id(&text).ok_or_else(|| ApiError::validation(format!("data.targetSiteId: '{text}' is not a valid id")))
}
