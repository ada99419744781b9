//! `GET agents`, `GET agents/count`, and the agent filter shared with agent actions.
//!
//! Choices worth knowing:
//! - No implicit filter: decommissioned agents are listed unless `isDecommissioned=false` is sent.
//! - `computerName` matches exactly but case-insensitively (Windows names are case-insensitive);
//!   `uuids` ignore case and dashes.
//! - A scope filter outside the caller's scope (a site admin asking for another site) matches
//!   nothing rather than answering 403.
//! - Transitional network statuses (`disconnecting`, `connecting`, set by actions) are seen by the
//!   first agent read that matches the agent; the read after that sees the settled status
//!   (`disconnected`, `connected`), as if the endpoint had acknowledged in between.

use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any, equals_any, excludes, single};
use super::model::{Agent, Id, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::Params;
use super::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

const LISTING: Listing = Listing {
    name: "agents",
    max_limit: 1000,
    sort_fields: &[
        "id",
        "computerName",
        "updatedAt",
        "createdAt",
        "lastActiveDate",
        "registeredAt",
        "networkStatus",
        "siteId",
        "osType",
        "machineType",
        "agentVersion",
    ],
    end_marker: EndMarker::Null,
};

const OS_TYPES: [&str; 4] = ["windows", "windows_legacy", "linux", "macos"];
const NETWORK_STATUSES: [&str; 4] = ["connected", "disconnected", "connecting", "disconnecting"];
const SCAN_STATUSES: [&str; 4] = ["none", "started", "aborted", "finished"];
const MACHINE_TYPES: [&str; 7] = ["unknown", "desktop", "laptop", "server", "kubernetes node", "storage", "kubernetes pod"];

/// The agent filter: GET agents query parameters, or an action's `filter` object.
#[derive(Clone, Debug, Default)]
pub struct AgentFilter {
    ids: Option<Vec<Id>>,
    uuids: Option<Vec<String>>,
    uuid_contains: Option<Vec<String>>,
    computer_names: Option<Vec<String>>,
    name_contains: Option<Vec<String>>,
    name_like: Option<Vec<String>>,
    external_id_contains: Option<Vec<String>>,
    query: Option<Vec<String>>,
    account_ids: Option<Vec<Id>>,
    site_ids: Option<Vec<Id>>,
    group_ids: Option<Vec<Id>>,
    is_active: Option<Vec<bool>>,
    infected: Option<Vec<bool>>,
    is_decommissioned: Option<Vec<bool>>,
    is_uninstalled: Option<Vec<bool>>,
    is_pending_uninstall: Option<Vec<bool>>,
    is_up_to_date: Option<Vec<bool>>,
    network_statuses: Option<Vec<String>>,
    network_statuses_nin: Option<Vec<String>>,
    scan_statuses: Option<Vec<String>>,
    scan_statuses_nin: Option<Vec<String>>,
    mitigation_modes: Option<Vec<String>>,
    os_types: Option<Vec<String>>,
    os_types_nin: Option<Vec<String>>,
    os_archs: Option<Vec<String>>,
    machine_types: Option<Vec<String>>,
    machine_types_nin: Option<Vec<String>>,
    agent_versions: Option<Vec<String>>,
    domains: Option<Vec<String>>,
    active_threats: Option<u64>,
    active_threats_gt: Option<u64>,
    inet_contains: Option<Vec<String>>,
    external_ip_contains: Option<Vec<String>>,
    physical_contains: Option<Vec<String>>,
    user_contains: Option<Vec<String>>,
    created: TimeRange,
    updated: TimeRange,
    registered: TimeRange,
    last_active: TimeRange,
    decommissioned: TimeRange,
}

/// Merges several keys that mean the same thing (`scanStatus`/`scanStatuses`, ...).
fn merged<T>(parts: impl IntoIterator<Item = Result<Option<Vec<T>>, ApiError>>) -> Result<Option<Vec<T>>, ApiError> {
    let mut out: Option<Vec<T>> = None;
    for part in parts {
        if let Some(items) = part? {
            out.get_or_insert_with(Vec::new).extend(items);
        }
    }
    Ok(out)
}

fn normalize_uuid(text: &str) -> String {
    text.chars().filter(|c| *c != '-').collect::<String>().to_lowercase()
}

impl AgentFilter {
    pub fn parse(p: &Params) -> Result<AgentFilter, ApiError> {
        p.bool("tenant")?;
        let uuids = merged([Ok(p.csv("uuids")), Ok(p.csv("uuid"))])?.map(|v| v.iter().map(|u| normalize_uuid(u)).collect());
        Ok(AgentFilter {
            ids: p.ids("ids")?,
            uuids,
            uuid_contains: p.csv("uuid__contains"),
            computer_names: p.csv("computerName"),
            name_contains: p.csv("computerName__contains"),
            name_like: single(p, "computerName__like"),
            external_id_contains: p.csv("externalId__contains"),
            query: single(p, "query"),
            account_ids: p.ids("accountIds")?,
            site_ids: merged([p.ids("siteIds"), p.ids("filteredSiteIds")])?,
            group_ids: merged([p.ids("groupIds"), p.ids("filteredGroupIds")])?,
            is_active: p.bools("isActive")?,
            infected: p.bools("infected")?,
            is_decommissioned: p.bools("isDecommissioned")?,
            is_uninstalled: p.bools("isUninstalled")?,
            is_pending_uninstall: p.bools("isPendingUninstall")?,
            is_up_to_date: p.bools("isUpToDate")?,
            network_statuses: p.csv_enum("networkStatuses", &NETWORK_STATUSES)?,
            network_statuses_nin: p.csv_enum("networkStatusesNin", &NETWORK_STATUSES)?,
            scan_statuses: merged([p.csv_enum("scanStatuses", &SCAN_STATUSES), p.csv_enum("scanStatus", &SCAN_STATUSES)])?,
            scan_statuses_nin: p.csv_enum("scanStatusesNin", &SCAN_STATUSES)?,
            mitigation_modes: p.csv_enum("mitigationMode", &["detect", "protect"])?,
            os_types: p.csv_enum("osTypes", &OS_TYPES)?,
            os_types_nin: p.csv_enum("osTypesNin", &OS_TYPES)?,
            os_archs: p.csv_enum("osArch", &["32 bit", "64 bit", "ARM64"])?,
            machine_types: p.csv_enum("machineTypes", &MACHINE_TYPES)?,
            machine_types_nin: p.csv_enum("machineTypesNin", &MACHINE_TYPES)?,
            agent_versions: p.csv("agentVersions"),
            domains: p.csv("domains"),
            active_threats: p.unsigned("activeThreats")?,
            active_threats_gt: p.unsigned("activeThreats__gt")?,
            inet_contains: p.csv("networkInterfaceInet__contains"),
            external_ip_contains: p.csv("externalIp__contains"),
            physical_contains: p.csv("networkInterfacePhysical__contains"),
            user_contains: p.csv("lastLoggedInUserName__contains"),
            created: TimeRange::parse(p, "createdAt")?,
            updated: TimeRange::parse(p, "updatedAt")?,
            registered: TimeRange::parse(p, "registeredAt")?,
            last_active: TimeRange::parse(p, "lastActiveDate")?,
            decommissioned: TimeRange::parse(p, "decommissionedAt")?,
        })
    }

    pub fn matches(&self, a: &Agent) -> bool {
        let inets = || a.network_interfaces.iter().flat_map(|i| i.inet.iter().map(String::as_str));
        allows(&self.ids, &a.id)
            && allows(&self.uuids, &a.uuid)
            && contains_any(&self.uuid_contains, [a.uuid.as_str()])
            && equals_any(&self.computer_names, &a.computer_name)
            && contains_any(&self.name_contains, [a.computer_name.as_str()])
            && contains_any(&self.name_like, [a.computer_name.as_str()])
            && contains_any(&self.external_id_contains, [a.external_id.as_str()])
            && contains_any(
                &self.query,
                [a.computer_name.as_str(), a.uuid.as_str(), a.external_ip.as_str(), a.last_ip_to_mgmt.as_str()].into_iter().chain(inets()),
            )
            && allows(&self.account_ids, &a.account_id)
            && allows(&self.site_ids, &a.site_id)
            && allows(&self.group_ids, &a.group_id)
            && allows(&self.is_active, &a.is_active)
            && allows(&self.infected, &a.infected)
            && allows(&self.is_decommissioned, &a.is_decommissioned)
            && allows(&self.is_uninstalled, &a.is_uninstalled)
            && allows(&self.is_pending_uninstall, &a.is_pending_uninstall)
            && allows(&self.is_up_to_date, &a.is_up_to_date)
            && allows(&self.network_statuses, &a.network_status)
            && excludes(&self.network_statuses_nin, &a.network_status)
            && allows(&self.scan_statuses, &a.scan_status)
            && excludes(&self.scan_statuses_nin, &a.scan_status)
            && allows(&self.mitigation_modes, &a.mitigation_mode)
            && allows(&self.os_types, &a.os_type)
            && excludes(&self.os_types_nin, &a.os_type)
            && allows(&self.os_archs, &a.os_arch)
            && allows(&self.machine_types, &a.machine_type)
            && excludes(&self.machine_types_nin, &a.machine_type)
            && allows(&self.agent_versions, &a.agent_version)
            && equals_any(&self.domains, &a.domain)
            && self.active_threats.is_none_or(|n| u64::from(a.active_threats) == n)
            && self.active_threats_gt.is_none_or(|n| u64::from(a.active_threats) > n)
            && contains_any(&self.inet_contains, inets())
            && contains_any(&self.external_ip_contains, [a.external_ip.as_str()])
            && contains_any(&self.physical_contains, a.network_interfaces.iter().map(|i| i.physical.as_str()))
            && contains_any(&self.user_contains, [a.last_logged_in_user_name.as_str()])
            && self.created.admits(Some(a.created_at))
            && self.updated.admits(Some(a.updated_at))
            && self.registered.admits(Some(a.registered_at))
            && self.last_active.admits(Some(a.last_active_date))
            && self.decommissioned.admits(a.decommissioned_at)
    }
}

/// Indices of the agents in the caller's scope that match the filter (no side effects).
pub fn select(world: &World, caller: &Caller, filter: &AgentFilter) -> Vec<usize> {
    world
        .agents
        .iter()
        .enumerate()
        .filter(|(_, a)| caller.scope.admits(a.account_id, a.site_id) && filter.matches(a))
        .map(|(i, _)| i)
        .collect()
}

/// A read: settles transitions seen by an earlier read, selects, and marks new transitions seen.
fn read(world: &mut World, caller: &Caller, filter: &AgentFilter) -> Vec<usize> {
    world.agent_reads += 1;
    let this_read = world.agent_reads;
    let now = Timestamp::now();
    for agent in &mut world.agents {
        if agent.pending_status.as_ref().is_some_and(|p| p.seen_in_read.is_some_and(|r| r < this_read))
            && let Some(pending) = agent.pending_status.take()
        {
            agent.network_status = pending.settles_to;
            agent.updated_at = now;
        }
    }
    let selected = select(world, caller, filter);
    for &i in &selected {
        if let Some(pending) = world.agents[i].pending_status.as_mut() {
            pending.seen_in_read.get_or_insert(this_read);
        }
    }
    selected
}

fn sort_key(agent: &Agent, sort_by: &str) -> SortKey {
    match sort_by {
        "computerName" => SortKey::text(&agent.computer_name),
        "updatedAt" => SortKey::Int(agent.updated_at.0),
        "createdAt" => SortKey::Int(agent.created_at.0),
        "lastActiveDate" => SortKey::Int(agent.last_active_date.0),
        "registeredAt" => SortKey::Int(agent.registered_at.0),
        "networkStatus" => SortKey::text(&agent.network_status),
        "siteId" => SortKey::Int(agent.site_id.0 as i64),
        "osType" => SortKey::text(&agent.os_type),
        "machineType" => SortKey::text(&agent.machine_type),
        "agentVersion" => SortKey::text(&agent.agent_version),
        _ => SortKey::Int(agent.id.0 as i64),
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let filter = AgentFilter::parse(&params)?;
    let mut world = state.world();
    let selected = read(&mut world, &caller, &filter);
    let keyed = selected
        .into_iter()
        .map(|i| {
            let agent = &world.agents[i];
            Keyed { key: sort_key(agent, &page_request.sort_by), id: agent.id.0, item: agent }
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}

pub async fn count(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let filter = AgentFilter::parse(&params)?;
    let mut world = state.world();
    let total = read(&mut world, &caller, &filter).len();
    Ok(Json(json!({"data": {"total": total}})))
}
