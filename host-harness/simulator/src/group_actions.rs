//! `PUT groups/{id}/move-agents`: body `{"filter": {"agentIds": [...]}}` (or `"ids"`; both are
//! accepted and united) → **200** `{"data": {"agentsMoved": N}}`.
//!
//! Choices worth knowing (the reference is unsure of the status: the spec says 204 with a body):
//! - The filter must name agents with `agentIds` or `ids` (a filter without them is a 400, so a
//!   forgotten id list cannot move a whole site); other agent filter fields narrow the match.
//! - Only agents in the caller's scope and in the group's own site move; others are left alone and
//!   not counted. Agents already in the group are not counted either.
//! - Unknown or out-of-scope group: 404. A dynamic group (membership by filter) is a 400. Viewers
//!   get 403.
//! - Each moved agent gets `groupId`, `groupName` and `updatedAt` (wall clock) and an
//!   [`types::AGENT_MOVED_TO_GROUP`] activity; group `totalAgents` follow.

use super::activity_types as types;
use super::agents::{AgentFilter, select};
use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::ActivityDraft;
use super::model::Role;
use super::query::{Params, parse_id};
use super::state::AppState;
use super::threat_actions::{action_body, username};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// The agent filter, with `agentIds` folded into `ids` (which must then be present).
fn agent_filter(mut params: Params) -> Result<AgentFilter, ApiError> {
    if let Some(agent_ids) = params.get("agentIds") {
        params.pairs.push(("ids".into(), agent_ids));
    }
    if params.get("ids").is_none() {
        return Err(ApiError::validation("filter.agentIds (or filter.ids) is required"));
    }
    AgentFilter::parse(&params)
}

pub async fn move_agents(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::It)?;
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let (params, _data) = action_body(&body)?;
    let filter = agent_filter(params)?;
    let mut world = state.world();
    let group = parse_id(&id)
        .and_then(|id| world.groups.iter().find(|g| g.id == id))
        .filter(|g| caller.scope.admits(g.account_id, g.site_id))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Group {id} not found")))?;
    if group.group_type == "dynamic" {
        return Err(ApiError::validation(format!("Group {id} is dynamic: its members follow its filter")));
    }
    let user = username(&world, &caller);
    let now = Timestamp::now();
    let moving: Vec<usize> = select(&world, &caller, &filter)
        .into_iter()
        .filter(|&i| world.agents[i].site_id == group.site_id && world.agents[i].group_id != group.id)
        .collect();
    for &i in &moving {
        let agent = &mut world.agents[i];
        agent.group_id = group.id;
        agent.group_name = group.name.clone();
        agent.updated_at = now;
        let (agent_id, name) = (agent.id, agent.computer_name.clone());
        world.record_activity(
            now,
            ActivityDraft {
                activity_type: types::AGENT_MOVED_TO_GROUP,
                primary_description: format!("{user} moved {name} to group {}", group.name),
                secondary_description: Some(name.clone()),
                data: json!({"computerName": name, "groupName": group.name, "username": user}),
                agent_id: Some(agent_id),
                threat_id: None,
                user_id: Some(caller.user_id),
            },
        );
    }
    world.refresh_counts();
    Ok(Json(json!({"data": {"agentsMoved": moving.len()}})))
}
