//! `GET|DELETE unified-exclusions`: SentinelOne's newer exclusions API, as a view over the same
//! exclusions as `GET|POST|DELETE exclusions` (see [`super::exclusions`], [`super::policy`]): what
//! one adds or deletes, the other sees. `POST` and `PUT` are not served (405).
//!
//! Choices worth knowing:
//! - Every simulator exclusion is an EDR one. It is `agent_interaction` when it is a `path`
//!   exclusion whose `mode` starts with `disable_`, otherwise `suppression`. An item is the
//!   `exclusions` item plus `modeType`, `threatType: "EDR"` and `interactionLevel`
//!   (`disable_in_process_monitor` for modes `disable_in_process_monitor[_deep]`,
//!   `disable_all_monitors` for `disable_all_monitors[_deep]`, null for suppressions).
//! - `GET` needs `modeType` (`suppression|agent_interaction`; missing or another value: 400 naming
//!   it) and lists only the items of that mode type. Same visibility, scope filters, paging
//!   (`limit` up to 1000, `cursor`, `skip`, `countOnly`, `skipCount`; end marker `null`) and
//!   filters as `exclusions` (`ids`, `accountIds`, `siteIds`, `groupIds`, `tenant`,
//!   `includeChildren`, `includeParents`, `osTypes`, `value__contains`, `description__contains`,
//!   `source`, `userIds`, `createdAt__*`, `updatedAt__*`), plus the spec's: `threatType` (csv of
//!   `EDR|IDR`; `IDR` matches nothing), `conditions` (csv of
//!   `white_hash|path|certificate|file_type|browser|user|host|process`, matched against the
//!   exclusion `type`: `user`, `host`, `process` match nothing), `interactionLevel` (csv of
//!   `disable_all_monitors|disable_in_process_monitor|identity_only`; `identity_only` matches
//!   nothing), `pathExclusionTypes` (csv of `file|folder|subfolders`), `scopePath__contains`,
//!   `user__contains` (the creator's `userName`), `imported` (boolean), `recommendation` (csv of
//!   `Not recommended|Not allowed|NONE`, matched against `notRecommended`, always `"NONE"` here).
//!   Enum values outside those lists are a 400. The spec's `engines`, `exclusionName__contains` and
//!   `applicationName__contains` describe what the simulator does not model: a 400 saying so rather
//!   than a silently ignored filter. Names the spec does not declare for this path (such as
//!   `exclusions`' `types` or `value`) are refused by [`super::spec`] first. `sortBy`: `id`,
//!   `createdAt`, `updatedAt`, `description`, `osType`, `scopePath` (the spec's other columns are
//!   a 400).
//! - `DELETE` (SOC and Admin; others 403, checked first) takes `{"data": {"exclusions": [{"id",
//!   "exclusionType": "EDR"|"IDR"}, ...]}}`. `data.exclusions` missing, empty or not an array is a
//!   400; an entry without a string id (or with one that is not an id), or with another
//!   `exclusionType`, is a 400 naming `data.exclusions[i].id` or `data.exclusions[i].exclusionType`
//!   and deletes nothing. It removes the visible exclusions with those ids whose type matches (so
//!   `IDR` entries remove nothing; unknown or invisible ids are skipped) and answers
//!   `{"data": {"affected": n}}`.

use super::auth::Caller;
use super::errors::ApiError;
use super::exclusions;
use super::filters::{allows, contains_any};
use super::model::{Id, Role, World};
use super::paging::{EndMarker, Keyed, Listing, PageRequest};
use super::policy::{PolicyFilter, PolicyItem, sort_key};
use super::query::{Params, parse_id};
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

pub const MODE_TYPES: [&str; 2] = ["suppression", "agent_interaction"];
pub const THREAT_TYPES: [&str; 2] = ["EDR", "IDR"];
const CONDITIONS: [&str; 8] = ["white_hash", "path", "certificate", "file_type", "browser", "user", "host", "process"];
const INTERACTION_LEVELS: [&str; 3] = ["disable_all_monitors", "disable_in_process_monitor", "identity_only"];
const RECOMMENDATIONS: [&str; 3] = ["Not recommended", "Not allowed", "NONE"];
/// Declared by the spec, not modelled: a 400 when given.
const UNMODELLED: [&str; 3] = ["engines", "exclusionName__contains", "applicationName__contains"];

const LISTING: Listing = Listing {
    name: "unified-exclusions",
    max_limit: 1000,
    sort_fields: &["id", "createdAt", "updatedAt", "description", "osType", "scopePath"],
    end_marker: EndMarker::Null,
};

/// An exclusion's `(modeType, interactionLevel)`.
pub fn mode_of(item: &PolicyItem) -> (&'static str, Option<&'static str>) {
    let mode = item.extras.get("mode").and_then(Value::as_str).unwrap_or_default();
    if item.item_type != "path" || !mode.starts_with("disable_") {
        return ("suppression", None);
    }
    let level = if mode.starts_with("disable_all_monitors") { "disable_all_monitors" } else { "disable_in_process_monitor" };
    ("agent_interaction", Some(level))
}

/// The exclusion as a unified-exclusions item.
fn item_json(item: &PolicyItem) -> Value {
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    let (mode_type, level) = mode_of(item);
    if let Value::Object(map) = &mut value {
        map.insert("modeType".into(), json!(mode_type));
        map.insert("threatType".into(), json!("EDR"));
        map.insert("interactionLevel".into(), json!(level));
    }
    value
}

struct UnifiedFilter {
    mode_type: String,
    policy: PolicyFilter,
    threat_types: Option<Vec<String>>,
    conditions: Option<Vec<String>>,
    interaction_levels: Option<Vec<String>>,
    path_types: Option<Vec<String>>,
    scope_path_contains: Option<Vec<String>>,
    user_contains: Option<Vec<String>>,
    imported: Option<bool>,
    recommendations: Option<Vec<String>>,
}

impl UnifiedFilter {
    fn parse(p: &Params, world: &World) -> Result<UnifiedFilter, ApiError> {
        let mode_type = match p.get("modeType") {
            None => return Err(ApiError::validation("modeType is required: suppression or agent_interaction")),
            Some(m) if MODE_TYPES.contains(&m.as_str()) => m,
            Some(other) => return Err(ApiError::validation(format!("modeType: '{other}' is not one of suppression, agent_interaction"))),
        };
        if let Some(name) = UNMODELLED.iter().find(|name| p.get(name).is_some()) {
            return Err(ApiError::validation(format!("{name}: this filter is not modelled by the simulator")));
        }
        Ok(UnifiedFilter {
            mode_type,
            policy: PolicyFilter::parse(p, &exclusions::KIND, world)?,
            threat_types: p.csv_enum("threatType", &THREAT_TYPES)?,
            conditions: p.csv_enum("conditions", &CONDITIONS)?,
            interaction_levels: p.csv_enum("interactionLevel", &INTERACTION_LEVELS)?,
            path_types: p.csv_enum("pathExclusionTypes", &exclusions::PATH_EXCLUSION_TYPES)?,
            scope_path_contains: p.csv("scopePath__contains"),
            user_contains: p.csv("user__contains"),
            imported: p.bool("imported")?,
            recommendations: p.csv_enum("recommendation", &RECOMMENDATIONS)?,
        })
    }

    fn matches(&self, item: &PolicyItem) -> bool {
        let (mode_type, level) = mode_of(item);
        let path_type = item.extras.get("pathExclusionType").and_then(Value::as_str);
        mode_type == self.mode_type
            && self.policy.matches(item)
            && allows(&self.threat_types, &"EDR".to_string())
            && allows(&self.conditions, &item.item_type)
            && self.interaction_levels.as_ref().is_none_or(|list| level.is_some_and(|l| list.iter().any(|x| x == l)))
            && self.path_types.as_ref().is_none_or(|list| path_type.is_some_and(|t| list.iter().any(|x| x == t)))
            && contains_any(&self.scope_path_contains, [item.scope_path.as_str()])
            && contains_any(&self.user_contains, item.user_name.as_deref())
            && self.imported.is_none_or(|wanted| wanted == item.imported)
            && allows(&self.recommendations, &item.not_recommended)
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let world = state.world();
    let filter = UnifiedFilter::parse(&params, &world)?;
    let page = PageRequest::parse(&params, &LISTING)?;
    let keyed = world
        .exclusions
        .iter()
        .filter(|i| i.visible_to(&caller) && filter.matches(i))
        .map(|i| Keyed { key: sort_key(i, &page.sort_by), id: i.id.0, item: item_json(i) })
        .collect();
    Ok(Json(page.envelope(keyed)))
}

/// `data.exclusions` as the EDR ids to delete (IDR entries are valid but name nothing here).
fn targets(body: &Bytes) -> Result<Vec<Id>, ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let entries = match body.get("data").and_then(|d| d.get("exclusions")) {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        _ => return Err(ApiError::validation("data.exclusions is required (a non-empty array of {id, exclusionType})")),
    };
    let mut ids = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let id = match entry.get("id") {
            Some(Value::String(id)) => {
                parse_id(id).ok_or_else(|| ApiError::validation(format!("data.exclusions[{n}].id: '{id}' is not an id")))?
            }
            _ => return Err(ApiError::validation(format!("data.exclusions[{n}].id is required (a string id)"))),
        };
        match entry.get("exclusionType").and_then(Value::as_str) {
            Some("EDR") => ids.push(id),
            Some("IDR") => {}
            _ => return Err(ApiError::validation(format!("data.exclusions[{n}].exclusionType must be EDR or IDR"))),
        }
    }
    Ok(ids)
}

pub async fn delete(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Soc)?;
    let ids = targets(&body)?;
    let mut world = state.world();
    let before = world.exclusions.len();
    world.exclusions.retain(|i| !(ids.contains(&i.id) && i.visible_to(&caller)));
    Ok(Json(json!({"data": {"affected": before - world.exclusions.len()}})))
}
