//! `GET cloud-detection/alerts`, `POST cloud-detection/alerts/analyst-verdict` and
//! `POST cloud-detection/alerts/incident`.
//!
//! Choices worth knowing:
//! - The case split is reproduced: the `incidentStatus`/`analystVerdict` query filters take
//!   UPPER_SNAKE values only (lower case is a 400), the objects carry display case
//!   (`"Unresolved"`, `"In progress"`, `"True positive"`), and the two actions accept lower or
//!   UPPER snake case and store display case.
//! - `severity` matches case-insensitively (`Low|Medium|High|Critical`).
//! - `sortBy=id` and `alertInfoAlertId` both sort by `alertInfo.alertId`.
//! - Scope follows `agentDetectionInfo` (account and site at detection time); the actions use the
//!   same filter as the list, and an empty filter acts on every alert in scope, as for threats.

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any, equals_any};
use super::model::{Alert, Id, World, display_case};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::Params;
use super::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

const LISTING: Listing = Listing {
    name: "cloud-detection-alerts",
    max_limit: 1000,
    sort_fields: &["id", "alertInfoAlertId", "alertInfoCreatedAt", "alertInfoUpdatedAt", "severity"],
    end_marker: EndMarker::Null,
};

const INCIDENT_STATUSES: [&str; 3] = ["UNRESOLVED", "IN_PROGRESS", "RESOLVED"];
const VERDICTS: [&str; 4] = ["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"];
const SEVERITIES: [&str; 4] = ["Low", "Medium", "High", "Critical"];

pub struct AlertFilter {
    ids: Option<Vec<Id>>,
    account_ids: Option<Vec<Id>>,
    site_ids: Option<Vec<Id>>,
    incident_statuses: Option<Vec<String>>,
    verdicts: Option<Vec<String>>,
    severities: Option<Vec<String>>,
    rule_name_contains: Option<Vec<String>>,
    created: TimeRange,
}

impl AlertFilter {
    pub fn parse(p: &Params) -> Result<AlertFilter, ApiError> {
        p.bool("tenant")?;
        let display = |items: Option<Vec<String>>| items.map(|v| v.iter().map(|s| display_case(s)).collect::<Vec<_>>());
        let severities = p.csv("severity");
        if let Some(bad) = severities.iter().flatten().find(|s| !SEVERITIES.iter().any(|k| k.eq_ignore_ascii_case(s))) {
            return Err(ApiError::validation(format!("severity: '{bad}' is not one of {}", SEVERITIES.join(", "))));
        }
        Ok(AlertFilter {
            ids: p.ids("ids")?,
            account_ids: p.ids("accountIds")?,
            site_ids: p.ids("siteIds")?,
            incident_statuses: display(p.csv_enum("incidentStatus", &INCIDENT_STATUSES)?),
            verdicts: display(p.csv_enum("analystVerdict", &VERDICTS)?),
            severities,
            rule_name_contains: p.csv("ruleName__contains"),
            created: TimeRange::parse(p, "createdAt")?,
        })
    }

    fn matches(&self, a: &Alert) -> bool {
        allows(&self.ids, &a.alert_info.alert_id)
            && allows(&self.account_ids, &a.agent_detection_info.account_id)
            && allows(&self.site_ids, &a.agent_detection_info.site_id)
            && allows(&self.incident_statuses, &a.alert_info.incident_status)
            && allows(&self.verdicts, &a.alert_info.analyst_verdict)
            && equals_any(&self.severities, &a.rule_info.severity)
            && contains_any(&self.rule_name_contains, [a.rule_info.name.as_str()])
            && self.created.admits(Some(a.alert_info.created_at))
    }
}

pub fn select(world: &World, caller: &Caller, filter: &AlertFilter) -> Vec<usize> {
    world
        .alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| caller.scope.admits(a.agent_detection_info.account_id, a.agent_detection_info.site_id) && filter.matches(a))
        .map(|(i, _)| i)
        .collect()
}

fn severity_rank(severity: &str) -> i64 {
    SEVERITIES.iter().position(|s| s.eq_ignore_ascii_case(severity)).map_or(-1, |p| p as i64)
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let filter = AlertFilter::parse(&params)?;
    let world = state.world();
    let keyed = select(&world, &caller, &filter)
        .into_iter()
        .map(|i| {
            let a = &world.alerts[i];
            Keyed {
                key: match page_request.sort_by.as_str() {
                    "alertInfoCreatedAt" => SortKey::Int(a.alert_info.created_at.0),
                    "alertInfoUpdatedAt" => SortKey::Int(a.alert_info.updated_at.0),
                    "severity" => SortKey::Int(severity_rank(&a.rule_info.severity)),
                    _ => SortKey::Int(a.alert_info.alert_id.0 as i64),
                },
                id: a.alert_info.alert_id.0,
                item: a,
            }
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}
