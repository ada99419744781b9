//! `GET sites` and `GET sites/{id}`.
//!
//! Quirks reproduced: the list's `data` is an object `{"sites": [...], "allSites": {...}}` (totals
//! over every matching site, not just the page), and the last page says `"nextCursor": ""`.

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{allows, contains_any, equals_any, single};
use super::model::Site;
use super::paging::{EndMarker, Listing, PageRequest, keyed_by_field};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

const LISTING: Listing = Listing {
    name: "sites",
    max_limit: 1000,
    sort_fields: &[
        "id",
        "name",
        "totalLicenses",
        "expiration",
        "siteType",
        "state",
        "suite",
        "createdAt",
        "updatedAt",
        "activeLicenses",
        "accountName",
        "sku",
        "description",
    ],
    end_marker: EndMarker::Empty,
};

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let mut account_ids = params.ids("accountIds")?;
    if let Some(more) = params.ids("accountId")? {
        account_ids.get_or_insert_with(Vec::new).extend(more);
    }
    let site_ids = params.ids("siteIds")?;
    let names = params.csv("name");
    let name_contains = params.csv("name__contains");
    let query = single(&params, "query");
    let mut states = params.csv_enum("states", &["active", "expired", "deleted"])?;
    if let Some(more) = params.csv_enum("state", &["active", "expired", "deleted"])? {
        states.get_or_insert_with(Vec::new).extend(more);
    }
    let site_types = params.csv("siteType");
    let is_default = params.bool("isDefault")?;

    let mut world = state.world();
    world.refresh_counts();
    let matching: Vec<&Site> = world
        .sites
        .iter()
        .filter(|s| caller.scope.admits(s.account_id, s.id))
        .filter(|s| allows(&account_ids, &s.account_id) && allows(&site_ids, &s.id))
        .filter(|s| equals_any(&names, &s.name) && contains_any(&name_contains, [s.name.as_str()]))
        .filter(|s| contains_any(&query, [s.name.as_str(), s.account_name.as_str()]))
        .filter(|s| allows(&states, &s.state) && equals_any(&site_types, &s.site_type))
        .filter(|s| is_default.is_none_or(|d| s.is_default == d))
        .collect();
    let all_sites = json!({
        "activeLicenses": matching.iter().map(|s| s.active_licenses).sum::<usize>(),
        "totalLicenses": matching.iter().map(|s| s.total_licenses).sum::<usize>(),
    });
    let keyed = keyed_by_field(matching.into_iter().map(|s| (s.id.0, s)).collect(), &page_request.sort_by);
    let page = page_request.paginate(keyed);
    Ok(Json(json!({
        "data": {"sites": page.items, "allSites": all_sites},
        "pagination": page_request.pagination(&page),
    })))
}

pub async fn get(State(state): State<AppState>, caller: Caller, id: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let mut world = state.world();
    world.refresh_counts();
    let site = parse_id(&id)
        .and_then(|id| world.site(id))
        .filter(|s| caller.scope.admits(s.account_id, s.id))
        .ok_or_else(|| ApiError::not_found(format!("Site {id} not found")))?;
    Ok(Json(json!({"data": site})))
}
