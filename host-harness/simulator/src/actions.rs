//! `POST agents/actions/{action}`: body `{"filter": {...}, "data": {...}}` → `{"data": {"affected": N}}`.
//!
//! Every agent action is one row of [`AGENT_ACTIONS`]: its path segment, the role it needs, the
//! activity each affected agent gets, what it checks in `data`, which matched agents it affects,
//! and the state change. The handler, the endpoint list, `activities/types` and the role checks
//! are all read from the table; an action without a row is a 404, never a silent catch-all.
//!
//! The filter uses the GET agents matching, confined to the caller's scope. An EMPTY filter acts on
//! every agent in scope, which is the console's real (dangerous) behaviour; a missing `filter` is a
//! 400. `affected` counts the agents the command was sent to.

use super::activity_types as types;
use super::agents::{AgentFilter, select};
use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::{ActivityDraft, Agent, Id, PendingStatus, Role, Scope, World};
use super::query::parse_id;
use super::state::AppState;
use super::threat_actions::action_body;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// What an action's `prepare` worked out from `data` for `affects` and `apply`.
#[derive(Default)]
pub struct Prepared {
    /// `move-to-site`: the site, its account, and its default group.
    target_site: Option<TargetSite>,
}

struct TargetSite {
    site: (Id, String),
    account: (Id, String),
    group: Option<(Id, String)>,
}

/// One simulated agent action.
pub struct AgentAction {
    /// The path segment: `agents/actions/<verb>`.
    pub verb: &'static str,
    /// The least role that may send it.
    pub role: Role,
    /// The activity each affected agent gets: `(code, action, description template)`.
    pub activity: (u32, &'static str, &'static str),
    /// Checks `data` (a 400 naming the field when it is wrong).
    pub prepare: fn(&Value, &World, &Caller) -> Result<Prepared, ApiError>,
    /// Whether a matched agent is affected (counted and changed).
    pub affects: fn(&Agent, &Prepared) -> bool,
    /// The change on one affected agent (`updated_at` moves when it changes anything).
    pub apply: fn(&mut Agent, &Prepared, Timestamp) -> bool,
}

/// A row that checks nothing, affects every matched agent and changes no visible state (a command
/// such as a restart); the builders below say what differs.
const fn row(verb: &'static str, role: Role, activity: (u32, &'static str, &'static str)) -> AgentAction {
    AgentAction { verb, role, activity, prepare: no_data, affects: every, apply: command_only }
}

impl AgentAction {
    const fn prepare(self, prepare: fn(&Value, &World, &Caller) -> Result<Prepared, ApiError>) -> AgentAction {
        AgentAction { prepare, ..self }
    }

    const fn affects(self, affects: fn(&Agent, &Prepared) -> bool) -> AgentAction {
        AgentAction { affects, ..self }
    }

    const fn apply(self, apply: fn(&mut Agent, &Prepared, Timestamp) -> bool) -> AgentAction {
        AgentAction { apply, ..self }
    }
}

pub const AGENT_ACTIONS: &[AgentAction] = &[
    row(
        "disconnect",
        Role::Soc,
        (
            types::AGENT_DISCONNECTED,
            "User Disconnected Agent From Network",
            "{{ username }} disconnected {{ computer_name }} from the network",
        ),
    )
    .apply(disconnect),
    row(
        "connect",
        Role::Soc,
        (types::AGENT_CONNECTED, "User Reconnected Agent To Network", "{{ username }} reconnected {{ computer_name }} to the network"),
    )
    .apply(connect),
    row("initiate-scan", Role::It, (types::SCAN_STARTED, "Scan Started", "Full disk scan started on {{ computer_name }}"))
        .apply(start_scan),
    row("abort-scan", Role::It, (types::SCAN_ABORTED, "Scan Aborted", "Full disk scan aborted on {{ computer_name }}")).apply(abort_scan),
    row("fetch-logs", Role::It, (57, "Agent Logs Requested", "{{ username }} requested logs from {{ computer_name }}")),
    row("restart-machine", Role::It, (58, "Agent Restart Requested", "{{ username }} requested a restart of {{ computer_name }}")),
    row("shutdown", Role::It, (59, "Agent Shutdown Requested", "{{ username }} requested a shutdown of {{ computer_name }}")),
    row("decommission", Role::Admin, (54, "Agent Decommissioned", "{{ username }} decommissioned {{ computer_name }}")).apply(decommission),
    row("uninstall", Role::Admin, (55, "Agent Uninstall Requested", "{{ username }} requested uninstall of {{ computer_name }}"))
        .apply(uninstall),
    row("broadcast", Role::It, (60, "Broadcast Message Sent", "{{ username }} sent a message to {{ computer_name }}"))
        .prepare(broadcast_message)
        .affects(windows_or_macos),
    row("move-to-site", Role::Admin, (56, "Agent Moved To Site", "{{ username }} moved {{ computer_name }} to site {{ site_name }}"))
        .prepare(target_site)
        .affects(not_in_target_site)
        .apply(move_to_site),
    row("mark-up-to-date", Role::It, (64, "Agent Marked Up To Date", "{{ username }} marked {{ computer_name }} as up to date"))
        .apply(mark_up_to_date),
    row("disable-agent", Role::Admin, (61, "Agent Disabled", "{{ username }} disabled {{ computer_name }}"))
        .prepare(should_reboot_with_expiry)
        .apply(disable),
    row("enable-agent", Role::Admin, (62, "Agent Enabled", "{{ username }} enabled {{ computer_name }}"))
        .prepare(should_reboot)
        .apply(enable),
];

/// The row for `verb`.
pub fn find(verb: &str) -> Option<&'static AgentAction> {
    AGENT_ACTIONS.iter().find(|a| a.verb == verb)
}

pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    action: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let verb = action.map(|Path(action)| action).unwrap_or_default();
    let action = find(&verb).ok_or_else(|| ApiError::not_found(format!("Unknown agent action '{verb}'")))?;
    caller.require(action.role)?;
    let (filter, data) = action_body(&body)?;
    let filter = AgentFilter::parse(&filter)?;

    let mut world = state.world();
    let prepared = (action.prepare)(&data, &world, &caller)?;
    let now = Timestamp::now();
    let selected = select(&world, &caller, &filter);
    let mut affected = 0;
    for i in selected {
        let agent = &mut world.agents[i];
        if !(action.affects)(agent, &prepared) {
            continue;
        }
        affected += 1;
        if (action.apply)(agent, &prepared, now) {
            agent.updated_at = now;
        }
        let (agent_id, name) = (agent.id, agent.computer_name.clone());
        world.record_activity(
            now,
            ActivityDraft {
                activity_type: action.activity.0,
                primary_description: format!("{} sent to {name}", action.verb),
                secondary_description: None,
                data: json!({"computerName": name, "action": action.verb}),
                agent_id: Some(agent_id),
                threat_id: None,
                user_id: Some(caller.user_id),
            },
        );
    }
    world.refresh_counts();
    Ok(Json(json!({"data": {"affected": affected}})))
}

fn no_data(_: &Value, _: &World, _: &Caller) -> Result<Prepared, ApiError> {
    Ok(Prepared::default())
}

fn every(_: &Agent, _: &Prepared) -> bool {
    true
}

fn command_only(_: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    false
}

/// Isolation and reconnection pass through a transitional status, which the next read settles.
fn transition(agent: &mut Agent, transitional: &str, settled: &str) -> bool {
    agent.network_status = transitional.into();
    agent.pending_status = Some(PendingStatus { settles_to: settled.into(), seen_in_read: None });
    true
}

fn disconnect(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    transition(agent, "disconnecting", "disconnected")
}

fn connect(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    transition(agent, "connecting", "connected")
}

fn start_scan(agent: &mut Agent, _: &Prepared, now: Timestamp) -> bool {
    agent.scan_status = "started".into();
    agent.scan_started_at = Some(now);
    agent.scan_finished_at = None;
    agent.scan_aborted_at = None;
    true
}

fn abort_scan(agent: &mut Agent, _: &Prepared, now: Timestamp) -> bool {
    if agent.scan_status != "started" {
        return false;
    }
    agent.scan_status = "aborted".into();
    agent.scan_aborted_at = Some(now);
    true
}

fn decommission(agent: &mut Agent, _: &Prepared, now: Timestamp) -> bool {
    agent.is_decommissioned = true;
    agent.is_active = false;
    agent.decommissioned_at = Some(now);
    true
}

fn uninstall(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    agent.is_pending_uninstall = true;
    true
}

fn broadcast_message(data: &Value, _: &World, _: &Caller) -> Result<Prepared, ApiError> {
    match data.get("message").and_then(Value::as_str).map(str::trim) {
        Some(m) if !m.is_empty() && m.chars().count() <= 140 => Ok(Prepared::default()),
        _ => Err(ApiError::validation("data.message is required (1 to 140 characters)")),
    }
}

/// Messages reach Windows and macOS endpoints only.
fn windows_or_macos(agent: &Agent, _: &Prepared) -> bool {
    matches!(agent.os_type.as_str(), "windows" | "macos")
}

/// `move-to-site` needs account or global scope and a site the caller can see.
fn target_site(data: &Value, world: &World, caller: &Caller) -> Result<Prepared, ApiError> {
    if !matches!(caller.scope, Scope::Tenant | Scope::Account(_)) {
        return Err(ApiError::forbidden());
    }
    let text = match data.get("targetSiteId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(ApiError::validation("data.targetSiteId is required")),
    };
    let id = parse_id(&text).ok_or_else(|| ApiError::validation(format!("data.targetSiteId: '{text}' is not a valid id")))?;
    let site = world
        .site(id)
        .filter(|s| caller.scope.admits(s.account_id, s.id))
        .ok_or_else(|| ApiError::validation(format!("data.targetSiteId: unknown site {id}")))?;
    let group = world.groups.iter().find(|g| g.site_id == site.id && g.is_default).map(|g| (g.id, g.name.clone()));
    let target = TargetSite { site: (site.id, site.name.clone()), account: (site.account_id, site.account_name.clone()), group };
    Ok(Prepared { target_site: Some(target) })
}

fn not_in_target_site(agent: &Agent, prepared: &Prepared) -> bool {
    prepared.target_site.as_ref().is_some_and(|t| agent.site_id != t.site.0)
}

fn move_to_site(agent: &mut Agent, prepared: &Prepared, _: Timestamp) -> bool {
    let Some(target) = &prepared.target_site else { return false };
    (agent.site_id, agent.site_name) = target.site.clone();
    (agent.account_id, agent.account_name) = target.account.clone();
    if let Some((group_id, group_name)) = &target.group {
        (agent.group_id, agent.group_name) = (*group_id, group_name.clone());
    }
    true
}

/// `enable-agent` and `disable-agent` require `data.shouldReboot` (a boolean).
fn should_reboot(data: &Value, _: &World, _: &Caller) -> Result<Prepared, ApiError> {
    match data.get("shouldReboot") {
        Some(Value::Bool(_)) => Ok(Prepared::default()),
        _ => Err(ApiError::validation("data.shouldReboot is required (true or false)")),
    }
}

/// `disable-agent` also takes an optional `data.expiration` (ISO date-time).
fn should_reboot_with_expiry(data: &Value, world: &World, caller: &Caller) -> Result<Prepared, ApiError> {
    if let Some(expiration) = data.get("expiration")
        && expiration.as_str().and_then(Timestamp::parse).is_none()
    {
        return Err(ApiError::validation("data.expiration must be an ISO-8601 date-time"));
    }
    should_reboot(data, world, caller)
}

fn mark_up_to_date(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    agent.is_up_to_date = true;
    true
}

fn disable(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    agent.operational_state = "fully_disabled".into();
    true
}

fn enable(agent: &mut Agent, _: &Prepared, _: Timestamp) -> bool {
    agent.operational_state = "na".into();
    true
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn every_row_has_its_own_verb_and_activity_code() {
        let mut verbs = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for action in AGENT_ACTIONS {
            assert!(verbs.insert(action.verb), "{} twice", action.verb);
            assert!(codes.insert(action.activity.0), "{}: activity code {} taken", action.verb, action.activity.0);
            assert!(types::TYPES.iter().all(|(code, ..)| *code != action.activity.0), "{}: its activity is also in TYPES", action.verb);
        }
    }
}
