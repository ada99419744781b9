//! The blocklist: `GET|POST|DELETE restrictions` (type `black_hash` only).
//!
//! Shapes: `POST {"data": {"type": "black_hash", "value": "<sha1>", "osType": ..., "description"?,
//! "source"?}, "filter": {"tenant": true} | {"accountIds"|"siteIds"|"groupIds": [...]}}` →
//! `{"data": [created items]}`; `DELETE {"data": {"type": "black_hash", "ids": [...]}}` →
//! `{"data": {"affected": N}}`. Scopes, visibility, duplicates (400 `4000030`) and filters are
//! shared with exclusions and described in [`super::policy`].

use super::errors::ApiError;
use super::model::World;
use super::paging::{EndMarker, Listing};
use super::policy::{Policy, PolicyItem, PolicyKind, SORT_FIELDS};
use serde_json::{Map, Value};

/// The route type: `policy::get_items::<Blocklist>` and so on.
pub struct Blocklist;

impl Policy for Blocklist {
    const KIND: PolicyKind = KIND;
}

pub const KIND: PolicyKind = PolicyKind {
    listing: Listing { name: "restrictions", max_limit: 1000, sort_fields: &SORT_FIELDS, end_marker: EndMarker::Null },
    types: &["black_hash"],
    extras: no_extras,
    items,
    items_mut,
};

fn no_extras(_data: &Value, _item_type: &str) -> Result<Map<String, Value>, ApiError> {
    Ok(Map::new())
}

fn items(world: &World) -> &Vec<PolicyItem> {
    &world.restrictions
}

fn items_mut(world: &mut World) -> &mut Vec<PolicyItem> {
    &mut world.restrictions
}
