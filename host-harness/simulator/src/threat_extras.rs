//! `GET threats/{id}/explore/events`, `POST threats/add-to-blacklist`, `POST threats/fetch-file`.
//!
//! Choices worth knowing:
//! - Explore events are derived on every read from the seed and the threat id (never stored):
//!   20 to 150 per threat, the first being the threat file's own `Process Creation`. Registry
//!   events happen on Windows agents only. `eventSubType` holds the event's object type
//!   (`process|file|dns|ip|registry`; the reference gives no vocabulary). Filters: `eventTypes`,
//!   `eventSubTypes` (csv, ignoring case), `processName__like` (substring, ignoring case); sortBy
//!   `id|createdAt|eventType|processName|pid`. Unknown or out-of-scope threat: 404.
//! - `add-to-blacklist` (`data.targetScope` ∈ `group|site|account|tenant`, required) adds, per
//!   matched threat, a `black_hash` restriction for its SHA1 and its agent's `osType`, at the
//!   agent's group/site/account or Global, `source: "action_from_threat"`, with `data.description`
//!   (or null). An identical restriction already there is not an error: it is counted in
//!   `affected` with `result: "already_exists"` (created ones say `"success"`). A site admin asking
//!   for `account`/`tenant` (an account admin for `tenant`) gets 403. Each threat gets a
//!   [`types::THREAT_ADDED_TO_BLOCKLIST`] activity (so it shows on its timeline); `threatInfo` is
//!   not changed.
//! - `fetch-file` (`data.password` as in [`super::agent_extras::check_password`]): `affected`
//!   counts the matched threats whose agent is active and not decommissioned; each gets a type-86
//!   activity at once (the upload is instantaneous), with `data.downloadUrl`
//!   `/agents/<agentId>/uploads/<activityId>` and `data.fileDisplayName` (the threat name); that
//!   path serves a zip of the threat's `filePath` encrypted with the request's password (see
//!   [`super::uploads`]).
//! - As for every threat action, an empty filter acts on every threat in scope.

use super::activity_types as types;
use super::agent_extras::{check_password, record_upload};
use super::auth::Caller;
use super::clock::{MICROS_PER_SECOND, Timestamp};
use super::errors::ApiError;
use super::filters::{contains_any, equals_any, single};
use super::model::Role;
use super::model::{ActivityDraft, Id, Scope, Threat, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::policy::{self, Draft, Node};
use super::query::Params;
use super::restrictions;
use super::rng::{SplitMix64, fnv1a};
use super::state::AppState;
use super::threat_actions::{action_body, data_text, threat_in_path, username};
use super::threats::{ThreatFilter, select};
use super::uploads::Upload;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde::Serialize;
use serde_json::{Value, json};

const EVENTS: Listing = Listing {
    name: "threat-explore-events",
    max_limit: 1000,
    sort_fields: &["id", "createdAt", "eventType", "processName", "pid"],
    end_marker: EndMarker::Null,
};

const TARGET_SCOPES: [&str; 4] = ["group", "site", "account", "tenant"];

/// One explore event; fields that do not apply to its type are null.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExploreEvent {
    pub id: Id,
    pub event_type: &'static str,
    pub event_sub_type: &'static str,
    pub created_at: Timestamp,
    pub agent_id: String,
    pub process_name: String,
    pub pid: u64,
    pub process_unique_key: String,
    pub src_proc_uid: String,
    pub user: String,
    pub file_full_name: Option<String>,
    pub sha1: Option<String>,
    pub dns_request: Option<String>,
    pub src_ip: Option<String>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<u16>,
    pub registry_path: Option<String>,
}

const KINDS: [(&str, &str); 7] = [
    ("Process Creation", "process"),
    ("File Creation", "file"),
    ("File Modification", "file"),
    ("File Deletion", "file"),
    ("DNS Resolved", "dns"),
    ("IP Connect", "ip"),
    ("Registry Value Modified", "registry"),
];

fn processes(os_type: &str) -> &'static [&'static str] {
    match os_type {
        "macos" => &["launchd", "zsh", "curl", "osascript", "python3"],
        "linux" => &["bash", "curl", "python3", "sh", "wget"],
        _ => &["explorer.exe", "cmd.exe", "powershell.exe", "rundll32.exe", "svchost.exe"],
    }
}

/// Where a system process's image lives.
fn image_path(os_type: &str, process: &str) -> String {
    if os_type.starts_with("windows") { format!("C:\\Windows\\System32\\{process}") } else { format!("/usr/bin/{process}") }
}

/// The threat's events, oldest first (deterministic for the seed and threat).
pub fn events_of(seed: u64, threat: &Threat) -> Vec<ExploreEvent> {
    let mut rng = SplitMix64::new(seed ^ fnv1a(&threat.id.0.to_be_bytes()));
    let info = &threat.threat_info;
    let agent = &threat.agent_realtime_info;
    let windows = agent.agent_os_type.starts_with("windows");
    let kinds = if windows { &KINDS[..] } else { &KINDS[..6] };
    let count = rng.between(20, 150) as usize;
    let base_id = 2_000_000_000_000_000_000 + (fnv1a(&threat.id.0.to_le_bytes()) % 1_000_000_000) * 1000;
    let src_ip = agent.network_interfaces.first().and_then(|i| i.inet.first().cloned());
    let parent_key = rng.hex(16).to_uppercase();
    let mut at = info.created_at.plus_micros(-120 * MICROS_PER_SECOND);
    (0..count)
        .map(|n| {
            let (event_type, sub_type) = if n == 0 { KINDS[0] } else { *rng.pick(kinds) };
            at = at.plus_micros(rng.between(1, 4 * MICROS_PER_SECOND));
            let process_name =
                if n == 0 || rng.chance(40) { info.threat_name.clone() } else { rng.pick(processes(&agent.agent_os_type)).to_string() };
            let directory = info.file_path.trim_end_matches(&info.threat_name);
            let file = format!("{directory}~tmp{n:03}.dat");
            ExploreEvent {
                id: Id(base_id + n as u64),
                event_type,
                event_sub_type: sub_type,
                created_at: at,
                agent_id: agent.agent_id.to_string(),
                pid: rng.between(300, 65_000) as u64,
                process_unique_key: rng.hex(16).to_uppercase(),
                src_proc_uid: parent_key.clone(),
                user: info.process_user.clone(),
                file_full_name: match sub_type {
                    "process" if process_name == info.threat_name => Some(info.file_path.clone()),
                    "process" => Some(image_path(&agent.agent_os_type, &process_name)),
                    "file" => Some(file),
                    _ => None,
                },
                sha1: match (n, sub_type) {
                    (0, _) => Some(info.sha1.clone()),
                    (_, "file") => Some(rng.hex(40)),
                    _ => None,
                },
                dns_request: (sub_type == "dns").then(|| format!("{}.{}", rng.hex(6), rng.pick(&["cdn-updates.net", "example-c2.org"]))),
                src_ip: (sub_type == "ip").then(|| src_ip.clone()).flatten(),
                dst_ip: (sub_type == "ip").then(|| format!("198.51.100.{}", rng.between(1, 254))),
                dst_port: (sub_type == "ip").then(|| *rng.pick(&[443u16, 80, 8080, 4444])),
                registry_path: (sub_type == "registry")
                    .then(|| "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run".into()),
                process_name,
            }
        })
        .collect()
}

fn event_key(e: &ExploreEvent, sort_by: &str) -> SortKey {
    match sort_by {
        "createdAt" => SortKey::Int(e.created_at.0),
        "eventType" => SortKey::text(e.event_type),
        "processName" => SortKey::text(&e.process_name),
        "pid" => SortKey::Int(e.pid as i64),
        _ => SortKey::Int(e.id.0 as i64),
    }
}

pub async fn explore_events(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &EVENTS)?;
    let event_types = params.csv("eventTypes");
    let sub_types = params.csv("eventSubTypes");
    let process_like = single(&params, "processName__like");
    let mut world = state.world();
    let threat_id = threat_in_path(&mut world, &caller, id)?;
    let Some(threat) = world.threats.iter().find(|t| t.id == threat_id) else {
        return Err(ApiError::not_found(format!("Threat {threat_id} not found")));
    };
    let keyed = events_of(world.seed, threat)
        .into_iter()
        .filter(|e| {
            equals_any(&event_types, e.event_type)
                && equals_any(&sub_types, e.event_sub_type)
                && contains_any(&process_like, [e.process_name.as_str()])
        })
        .map(|e| Keyed { key: event_key(&e, &page_request.sort_by), id: e.id.0, item: e })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}

/// The level `targetScope` names for a threat's agent.
fn target_node(threat: &Threat, target: &str) -> Node {
    let agent = &threat.agent_realtime_info;
    match target {
        "group" => Node::Group(agent.group_id),
        "site" => Node::Site(agent.site_id),
        "account" => Node::Account(agent.account_id),
        _ => Node::Tenant,
    }
}

/// Whether the caller may write at `target` at all (a site admin only at site or group level).
fn may_target(scope: Scope, target: &str) -> bool {
    match scope {
        Scope::Tenant => true,
        Scope::Account(_) => target != "tenant",
        Scope::Site { .. } => matches!(target, "site" | "group"),
    }
}

pub async fn add_to_blacklist(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let (filter, data) = action_body(&body)?;
    let target = data_text(&data, "targetScope", Some(&TARGET_SCOPES))?;
    let description = policy::optional_text(&data, "description", None)?;
    if !may_target(caller.scope, &target) {
        return Err(ApiError::forbidden());
    }
    let filter = ThreatFilter::parse(&filter)?;
    let mut world = state.world();
    let user = username(&world, &caller);
    let now = Timestamp::now();
    let mut details = Vec::new();
    for i in select(&mut world, &caller, &filter) {
        let threat = world.threats[i].clone();
        let draft = Draft {
            item_type: "black_hash".into(),
            value: threat.threat_info.sha1.clone(),
            os_type: threat.agent_realtime_info.agent_os_type.clone(),
            description: description.clone(),
            source: "action_from_threat".into(),
            extras: Default::default(),
            user: Some((caller.user_id, user.clone())),
            imported: false,
        };
        let Some(path) = target_node(&threat, &target).path(&world) else {
            continue;
        };
        let result = match policy::insert(&restrictions::KIND, &mut world, &draft, path, now) {
            Ok(_) => "success",
            Err(_) => "already_exists",
        };
        details.push(json!({"threatId": threat.id, "result": result}));
        record_on_threat(
            &mut world,
            &caller,
            now,
            &threat,
            types::THREAT_ADDED_TO_BLOCKLIST,
            json!({"username": user, "targetScope": target}),
            format!("{user} added the hash of {} to the blocklist", threat.threat_info.threat_name),
        );
    }
    Ok(Json(json!({"data": {"affected": details.len(), "details": details}})))
}

/// Appends an activity on `threat` (its timeline), with the threat name added to `data`.
fn record_on_threat(
    world: &mut World,
    caller: &Caller,
    now: Timestamp,
    threat: &Threat,
    activity_type: u32,
    data: Value,
    text: String,
) -> Id {
    world.record_activity(now, on_threat(caller, threat, activity_type, data, text))
}

/// An activity on `threat`, with the threat name added to `data`.
fn on_threat(caller: &Caller, threat: &Threat, activity_type: u32, mut data: Value, text: String) -> ActivityDraft {
    data["threatName"] = json!(threat.threat_info.threat_name);
    ActivityDraft {
        activity_type,
        primary_description: text,
        secondary_description: Some(threat.agent_realtime_info.agent_computer_name.clone()),
        data,
        agent_id: Some(threat.agent_realtime_info.agent_id),
        threat_id: Some(threat.id),
        user_id: Some(caller.user_id),
    }
}

pub async fn fetch_file(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::IncidentResponse)?;
    let (filter, data) = action_body(&body)?;
    let password = check_password(&data)?;
    let filter = ThreatFilter::parse(&filter)?;
    let mut world = state.world();
    let user = username(&world, &caller);
    let now = Timestamp::now();
    let uploading: Vec<Threat> = select(&mut world, &caller, &filter)
        .into_iter()
        .map(|i| world.threats[i].clone())
        .filter(|t| t.agent_realtime_info.agent_is_active && !t.agent_realtime_info.agent_is_decommissioned)
        .collect();
    for threat in &uploading {
        let info = &threat.threat_info;
        let draft = on_threat(
            &caller,
            threat,
            types::THREAT_FILE_UPLOADED,
            json!({"username": user, "fileDisplayName": info.threat_name, "filePath": info.file_path, "computerName": threat.agent_realtime_info.agent_computer_name}),
            format!("Threat file of {} uploaded", info.threat_name),
        );
        let upload = Upload::new(threat.agent_realtime_info.agent_id, password.as_str(), vec![info.file_path.clone()]);
        record_upload(&mut world, now, draft, upload);
    }
    Ok(Json(json!({"data": {"affected": uploading.len()}})))
}
