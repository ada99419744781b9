//! `GET activities` and `GET activities/types`.
//!
//! Choices worth knowing:
//! - Scope: an activity on an agent belongs to the agent's site; activities with no site (user
//!   logins) are tenant-level and listed to tenant-scoped users only.
//! - `activityTypes` is a csv of integers (anything else is a 400); unknown codes just match
//!   nothing. `activities/types` is not paged (`data` is the whole array, no `pagination`).

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{TimeRange, allows};
use super::model::{Activity, Id, Scope};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey};
use super::query::Params;
use super::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

const LISTING: Listing =
    Listing { name: "activities", max_limit: 1000, sort_fields: &["id", "activityType", "createdAt"], end_marker: EndMarker::Null };

/// `activityTypes`: csv of integers.
pub fn type_list(params: &Params) -> Result<Option<Vec<u32>>, ApiError> {
    params
        .csv("activityTypes")
        .map(|items| {
            items
                .iter()
                .map(|item| item.parse::<u32>().map_err(|_| ApiError::validation(format!("activityTypes: '{item}' is not an integer"))))
                .collect()
        })
        .transpose()
}

struct ActivityFilter {
    types: Option<Vec<u32>>,
    ids: Option<Vec<Id>>,
    agent_ids: Option<Vec<Id>>,
    threat_ids: Option<Vec<Id>>,
    user_ids: Option<Vec<Id>>,
    account_ids: Option<Vec<Id>>,
    site_ids: Option<Vec<Id>>,
    group_ids: Option<Vec<Id>>,
    created: TimeRange,
}

/// An optional id must be present and listed when the filter is set.
fn allows_opt(filter: &Option<Vec<Id>>, value: Option<Id>) -> bool {
    filter.as_ref().is_none_or(|list| value.is_some_and(|v| list.contains(&v)))
}

impl ActivityFilter {
    fn parse(p: &Params) -> Result<ActivityFilter, ApiError> {
        p.bool("tenant")?;
        p.bool("includeHidden")?;
        Ok(ActivityFilter {
            types: type_list(p)?,
            ids: p.ids("ids")?,
            agent_ids: p.ids("agentIds")?,
            threat_ids: p.ids("threatIds")?,
            user_ids: p.ids("userIds")?,
            account_ids: p.ids("accountIds")?,
            site_ids: p.ids("siteIds")?,
            group_ids: p.ids("groupIds")?,
            created: TimeRange::parse(p, "createdAt")?,
        })
    }

    fn matches(&self, a: &Activity) -> bool {
        allows(&self.types, &a.activity_type)
            && allows(&self.ids, &a.id)
            && allows_opt(&self.agent_ids, a.agent_id)
            && allows_opt(&self.threat_ids, a.threat_id)
            && allows_opt(&self.user_ids, a.user_id)
            && allows_opt(&self.account_ids, a.account_id)
            && allows_opt(&self.site_ids, a.site_id)
            && allows_opt(&self.group_ids, a.group_id)
            && self.created.admits(Some(a.created_at))
    }
}

pub fn in_scope(scope: Scope, a: &Activity) -> bool {
    match (a.account_id, a.site_id) {
        (Some(account), Some(site)) => scope.admits(account, site),
        (Some(account), None) => scope.admits_account(account),
        _ => scope == Scope::Tenant,
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let filter = ActivityFilter::parse(&params)?;
    let world = state.world();
    let keyed = world
        .activities
        .iter()
        .filter(|a| in_scope(caller.scope, a) && filter.matches(a))
        .map(|a| Keyed {
            key: match page_request.sort_by.as_str() {
                "createdAt" => SortKey::Int(a.created_at.0),
                "activityType" => SortKey::Int(i64::from(a.activity_type)),
                _ => SortKey::Int(a.id.0 as i64),
            },
            id: a.id.0,
            item: a,
        })
        .collect();
    Ok(Json(page_request.envelope(keyed)))
}

pub async fn types(_caller: Caller) -> Json<Value> {
    let data: Vec<Value> = super::activity_types::all()
        .map(|(id, action, template)| json!({"id": id, "action": action, "descriptionTemplate": template}))
        .collect();
    Json(json!({"data": data}))
}
