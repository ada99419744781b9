//! `GET threats` and the threat filter shared with the threat actions.
//!
//! Choices worth knowing:
//! - Scope follows the threat's agent as it is now (`agentRealtimeInfo`, refreshed from the live
//!   agent before every read), so moving an agent to another site moves its threats too.
//! - `createdAt__*`/`updatedAt__*` compare `threatInfo.createdAt`/`updatedAt` (the top-level
//!   filter names hold values that sit in `threatInfo`).
//! - `classifications` match case-insensitively; the status enums must be sent in lower snake
//!   case (anything else is a 400).

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any, equals_any, excludes};
use super::model::{Id, Threat, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::Params;
use super::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

const LISTING: Listing = Listing {
    name: "threats",
    max_limit: 1000,
    sort_fields: &["id", "createdAt", "updatedAt", "mitigationStatus", "classification", "siteId", "agentComputerName"],
    end_marker: EndMarker::Null,
};

pub const MITIGATION_STATUSES: [&str; 3] = ["not_mitigated", "mitigated", "marked_as_benign"];
pub const ANALYST_VERDICTS: [&str; 4] = ["undefined", "true_positive", "false_positive", "suspicious"];
pub const INCIDENT_STATUSES: [&str; 3] = ["unresolved", "in_progress", "resolved"];
const CONFIDENCE_LEVELS: [&str; 3] = ["malicious", "suspicious", "n/a"];

#[derive(Clone, Debug, Default)]
pub struct ThreatFilter {
    ids: Option<Vec<Id>>,
    agent_ids: Option<Vec<Id>>,
    account_ids: Option<Vec<Id>>,
    site_ids: Option<Vec<Id>>,
    group_ids: Option<Vec<Id>>,
    content_hashes: Option<Vec<String>>,
    content_hash_contains: Option<Vec<String>>,
    mitigation_statuses: Option<Vec<String>>,
    mitigation_statuses_nin: Option<Vec<String>>,
    analyst_verdicts: Option<Vec<String>>,
    analyst_verdicts_nin: Option<Vec<String>>,
    incident_statuses: Option<Vec<String>>,
    incident_statuses_nin: Option<Vec<String>>,
    confidence_levels: Option<Vec<String>>,
    confidence_levels_nin: Option<Vec<String>>,
    classifications: Option<Vec<String>>,
    computer_name_contains: Option<Vec<String>>,
    file_path_contains: Option<Vec<String>>,
    external_ticket_ids: Option<Vec<String>>,
    created: TimeRange,
    updated: TimeRange,
}

impl ThreatFilter {
    pub fn parse(p: &Params) -> Result<ThreatFilter, ApiError> {
        p.bool("tenant")?;
        Ok(ThreatFilter {
            ids: p.ids("ids")?,
            agent_ids: p.ids("agentIds")?,
            account_ids: p.ids("accountIds")?,
            site_ids: p.ids("siteIds")?,
            group_ids: p.ids("groupIds")?,
            content_hashes: p.csv("contentHashes").map(|v| v.iter().map(|h| h.to_lowercase()).collect()),
            content_hash_contains: p.csv("contentHash__contains"),
            mitigation_statuses: p.csv_enum("mitigationStatuses", &MITIGATION_STATUSES)?,
            mitigation_statuses_nin: p.csv_enum("mitigationStatusesNin", &MITIGATION_STATUSES)?,
            analyst_verdicts: p.csv_enum("analystVerdicts", &ANALYST_VERDICTS)?,
            analyst_verdicts_nin: p.csv_enum("analystVerdictsNin", &ANALYST_VERDICTS)?,
            incident_statuses: p.csv_enum("incidentStatuses", &INCIDENT_STATUSES)?,
            incident_statuses_nin: p.csv_enum("incidentStatusesNin", &INCIDENT_STATUSES)?,
            confidence_levels: p.csv_enum("confidenceLevels", &CONFIDENCE_LEVELS)?,
            confidence_levels_nin: p.csv_enum("confidenceLevelsNin", &CONFIDENCE_LEVELS)?,
            classifications: p.csv("classifications"),
            computer_name_contains: p.csv("computerName__contains"),
            file_path_contains: p.csv("filePath__contains"),
            external_ticket_ids: p.csv("externalTicketIds"),
            created: TimeRange::parse(p, "createdAt")?,
            updated: TimeRange::parse(p, "updatedAt")?,
        })
    }

    pub fn matches(&self, t: &Threat) -> bool {
        let info = &t.threat_info;
        let agent = &t.agent_realtime_info;
        allows(&self.ids, &t.id)
            && allows(&self.agent_ids, &agent.agent_id)
            && allows(&self.account_ids, &agent.account_id)
            && allows(&self.site_ids, &agent.site_id)
            && allows(&self.group_ids, &agent.group_id)
            && allows(&self.content_hashes, &info.sha1)
            && contains_any(&self.content_hash_contains, [info.sha1.as_str()])
            && allows(&self.mitigation_statuses, &info.mitigation_status)
            && excludes(&self.mitigation_statuses_nin, &info.mitigation_status)
            && allows(&self.analyst_verdicts, &info.analyst_verdict)
            && excludes(&self.analyst_verdicts_nin, &info.analyst_verdict)
            && allows(&self.incident_statuses, &info.incident_status)
            && excludes(&self.incident_statuses_nin, &info.incident_status)
            && allows(&self.confidence_levels, &info.confidence_level)
            && excludes(&self.confidence_levels_nin, &info.confidence_level)
            && equals_any(&self.classifications, &info.classification)
            && contains_any(&self.computer_name_contains, [agent.agent_computer_name.as_str()])
            && contains_any(&self.file_path_contains, [info.file_path.as_str()])
            && self.external_ticket_ids.as_ref().is_none_or(|list| info.external_ticket_id.as_ref().is_some_and(|id| list.contains(id)))
            && self.created.admits(Some(info.created_at))
            && self.updated.admits(Some(info.updated_at))
    }
}

/// Indices of the threats in the caller's scope that match (refreshes the agent info first).
pub fn select(world: &mut World, caller: &Caller, filter: &ThreatFilter) -> Vec<usize> {
    world.refresh_threat_agents();
    world.threats.iter().enumerate().filter(|(_, t)| in_scope(caller, t) && filter.matches(t)).map(|(i, _)| i).collect()
}

pub fn in_scope(caller: &Caller, threat: &Threat) -> bool {
    let agent = &threat.agent_realtime_info;
    caller.scope.admits(agent.account_id, agent.site_id)
}

fn sort_key(t: &Threat, sort_by: &str) -> SortKey {
    match sort_by {
        "createdAt" => SortKey::Int(t.threat_info.created_at.0),
        "updatedAt" => SortKey::Int(t.threat_info.updated_at.0),
        "mitigationStatus" => SortKey::text(&t.threat_info.mitigation_status),
        "classification" => SortKey::text(&t.threat_info.classification),
        "siteId" => SortKey::Int(t.agent_realtime_info.site_id.0 as i64),
        "agentComputerName" => SortKey::text(&t.agent_realtime_info.agent_computer_name),
        _ => SortKey::Int(t.id.0 as i64),
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let filter = ThreatFilter::parse(&params)?;
    let mut world = state.world();
    let selected = select(&mut world, &caller, &filter);
    let keyed = selected
        .into_iter()
        .map(|i| {
            let threat = &world.threats[i];
            Keyed { key: sort_key(threat, &page_request.sort_by), id: threat.id.0, item: threat }
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}
