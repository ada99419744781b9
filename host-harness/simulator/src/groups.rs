//! `GET groups` and `GET groups/{id}`.
//!
//! Quirks reproduced: `limit` is capped at 300 (not 1000), and the last page says
//! `"nextCursor": "null"` (the string).

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any, equals_any, single};
use super::model::Group;
use super::paging::{EndMarker, Listing, PageRequest, keyed_by_field};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

const LISTING: Listing = Listing {
    name: "groups",
    max_limit: 300,
    sort_fields: &["id", "name", "type", "rank", "siteId", "createdAt", "updatedAt", "description"],
    end_marker: EndMarker::NullString,
};

const GROUP_TYPES: [&str; 3] = ["static", "dynamic", "pinned"];

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let account_ids = params.ids("accountIds")?;
    let site_ids = params.ids("siteIds")?;
    let mut group_ids = params.ids("groupIds")?;
    for key in ["ids", "id"] {
        if let Some(more) = params.ids(key)? {
            group_ids.get_or_insert_with(Vec::new).extend(more);
        }
    }
    let names = params.csv("name");
    let query = single(&params, "query");
    let mut types = params.csv_enum("types", &GROUP_TYPES)?;
    if let Some(more) = params.csv_enum("type", &GROUP_TYPES)? {
        types.get_or_insert_with(Vec::new).extend(more);
    }
    let is_default = params.bool("isDefault")?;
    let updated = TimeRange::parse(&params, "updatedAt")?;

    let mut world = state.world();
    world.refresh_counts();
    let matching: Vec<(u64, &Group)> = world
        .groups
        .iter()
        .filter(|g| caller.scope.admits(g.account_id, g.site_id))
        .filter(|g| allows(&account_ids, &g.account_id) && allows(&site_ids, &g.site_id) && allows(&group_ids, &g.id))
        .filter(|g| equals_any(&names, &g.name) && contains_any(&query, [g.name.as_str()]))
        .filter(|g| allows(&types, &g.group_type) && is_default.is_none_or(|d| g.is_default == d))
        .filter(|g| updated.admits(Some(g.updated_at)))
        .map(|g| (g.id.0, g))
        .collect();
    Ok(Json(page_request.envelope(keyed_by_field(matching, &page_request.sort_by))))
}

pub async fn get(State(state): State<AppState>, caller: Caller, id: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let mut world = state.world();
    world.refresh_counts();
    let group = parse_id(&id)
        .and_then(|id| world.groups.iter().find(|g| g.id == id))
        .filter(|g| caller.scope.admits(g.account_id, g.site_id))
        .ok_or_else(|| ApiError::not_found(format!("Group {id} not found")))?;
    Ok(Json(json!({"data": group})))
}
