//! `GET accounts` and `GET accounts/{id}`.
//!
//! Scope: tenant users see every account, account users their own, site users none (an empty list;
//! the reference says "403 or an empty list", we chose the list). An account outside the caller's
//! scope answers 404 like an unknown one.

use super::auth::Caller;
use super::errors::ApiError;
use super::filters::{allows, contains_any, equals_any, single};
use super::model::Account;
use super::paging::{EndMarker, Listing, PageRequest, keyed_by_field};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

const LISTING: Listing = Listing {
    name: "accounts",
    max_limit: 1000,
    sort_fields: &[
        "id",
        "name",
        "totalLicenses",
        "expiration",
        "accountType",
        "state",
        "createdAt",
        "updatedAt",
        "activeLicenses",
        "activeAgents",
        "numberOfSites",
        "usageType",
        "billingMode",
    ],
    end_marker: EndMarker::Null,
};

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page_request = PageRequest::parse(&params, &LISTING)?;
    let mut ids = params.ids("accountIds")?;
    if let Some(more) = params.ids("ids")? {
        ids.get_or_insert_with(Vec::new).extend(more);
    }
    let names = params.csv("name");
    let query = single(&params, "query");
    let states = params.csv_enum("states", &["active", "expired", "deleted"])?;
    let account_types = params.csv("accountType");
    let is_default = params.bool("isDefault")?;

    let mut world = state.world();
    world.refresh_counts();
    let matching: Vec<(u64, &Account)> = world
        .accounts
        .iter()
        .filter(|a| caller.scope.admits_account(a.id))
        .filter(|a| allows(&ids, &a.id) && equals_any(&names, &a.name) && contains_any(&query, [a.name.as_str()]))
        .filter(|a| allows(&states, &a.state) && equals_any(&account_types, &a.account_type))
        .filter(|a| is_default.is_none_or(|d| a.is_default == d))
        .map(|a| (a.id.0, a))
        .collect();
    Ok(Json(page_request.envelope(keyed_by_field(matching, &page_request.sort_by))))
}

pub async fn get(State(state): State<AppState>, caller: Caller, id: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let mut world = state.world();
    world.refresh_counts();
    let account = parse_id(&id)
        .and_then(|id| world.account(id))
        .filter(|a| caller.scope.admits_account(a.id))
        .ok_or_else(|| ApiError::not_found(format!("Account {id} not found")))?;
    Ok(Json(json!({"data": account})))
}
