//! `GET|POST|DELETE exclusions`: types `path`, `certificate`, `browser`, `file_type`, `white_hash`.
//!
//! Same shapes, scopes, visibility, duplicate rule (400 `4000030`) and filters as the blocklist
//! (see [`super::policy`]). `POST data` also takes `mode` (validated when sent; path exclusions
//! default to `suppress`) and `pathExclusionType` (`file|folder|subfolders`, required for `path`,
//! ignored otherwise); both are on every exclusion item (null when not applicable). Values:
//! `white_hash` a SHA1, `path` an absolute path for the `osType` (`C:\...`/`\\server\...` on
//! Windows, `/...` elsewhere), `file_type` an extension (`log`, `.LOG`), others any non-empty text.

use super::errors::ApiError;
use super::model::World;
use super::paging::{EndMarker, Listing};
use super::policy::{Policy, PolicyItem, PolicyKind, SORT_FIELDS, optional_text};
use super::threat_actions::data_text;
use serde_json::{Map, Value, json};

pub const TYPES: [&str; 5] = ["path", "certificate", "browser", "file_type", "white_hash"];
pub const MODES: [&str; 5] =
    ["suppress", "disable_in_process_monitor", "disable_in_process_monitor_deep", "disable_all_monitors", "disable_all_monitors_deep"];
pub const PATH_EXCLUSION_TYPES: [&str; 3] = ["file", "folder", "subfolders"];

/// The route type: `policy::get_items::<Exclusions>` and so on.
pub struct Exclusions;

impl Policy for Exclusions {
    const KIND: PolicyKind = KIND;
}

pub const KIND: PolicyKind = PolicyKind {
    listing: Listing { name: "exclusions", max_limit: 1000, sort_fields: &SORT_FIELDS, end_marker: EndMarker::Null },
    types: &TYPES,
    extras,
    items,
    items_mut,
};

/// `mode` and `pathExclusionType`, validated.
pub fn extras(data: &Value, item_type: &str) -> Result<Map<String, Value>, ApiError> {
    let is_path = item_type == "path";
    let mode = optional_text(data, "mode", Some(&MODES))?.or_else(|| is_path.then(|| "suppress".to_string()));
    let path_type = if is_path { Some(data_text(data, "pathExclusionType", Some(&PATH_EXCLUSION_TYPES))?) } else { None };
    let mut map = Map::new();
    map.insert("mode".into(), json!(mode));
    map.insert("pathExclusionType".into(), json!(path_type));
    Ok(map)
}

fn items(world: &World) -> &Vec<PolicyItem> {
    &world.exclusions
}

fn items_mut(world: &mut World) -> &mut Vec<PolicyItem> {
    &mut world.exclusions
}
