//! What the blocklist (`restrictions`) and `exclusions` endpoints share: the item, its scope, the
//! list filter, and the list/add/delete logic. [`super::restrictions`] and [`super::exclusions`]
//! only describe their kind ([`PolicyKind`], [`Policy`]); the handlers here are generic over it.
//!
//! # Scopes
//! An item applies at one level of the tree Global → account → site → group; `scope` says which
//! (`{"tenant": true}`, `{"accountIds": [..]}`, `{"siteIds": [..]}` or `{"groupIds": [..]}`), and
//! `scopePath` names the chain (`"Global / Acme Corporation / Acme Headquarters"`).
//! - Visibility (our choice): a caller sees the items at its own level and below it (a site admin
//!   sees its site's and its groups' items, never the account's or Global ones, even with
//!   `includeParents`), and changes only those.
//! - `GET` with no scope filter lists every visible item. With scope filters (`tenant=true`,
//!   `accountIds`, `siteIds`, `groupIds`; several are a union) it lists the items at exactly those
//!   levels, plus the items above them with `includeParents=true` and the items below them with
//!   `includeChildren=true`. Unknown scope ids match nothing.
//! - `POST` takes exactly one of those scope keys in `filter` (none, or two kinds, is a 400: our
//!   choice) and creates one item per id (`data` is the array of created items). Unknown ids are a
//!   400; ids outside the caller's scope a 403. A duplicate (same type, value, osType and level;
//!   hashes compared ignoring case) is a 400 `4000030 Already Exists Error` and nothing is created.
//! - `DELETE` removes the listed ids that exist, have the given `type` and are visible; `affected`
//!   counts them. Values are stored as sent (the console keeps upper-case hashes), and the `value`
//!   filter is exact and case-sensitive while `value__contains` ignores case.

use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any};
use super::model::Role;
use super::model::{Id, Scope, World};
use super::paging::{Keyed, Listing, PageRequest, SortKey};
use super::query::Params;
use super::state::AppState;
use super::threat_actions::{data_text, username};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use serde_json::{Map, Value, json};

pub const OS_TYPES: [&str; 4] = ["windows", "windows_legacy", "macos", "linux"];
pub const SORT_FIELDS: [&str; 7] = ["id", "createdAt", "updatedAt", "osType", "description", "value", "scopePath"];
pub const SOURCES: [&str; 4] = ["user", "cloud", "action_from_threat", "catalog"];

/// One level of the scope tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Tenant,
    Account(Id),
    Site(Id),
    Group(Id),
}

impl Node {
    pub fn of_caller(scope: Scope) -> Node {
        match scope {
            Scope::Tenant => Node::Tenant,
            Scope::Account(account) => Node::Account(account),
            Scope::Site { site, .. } => Node::Site(site),
        }
    }

    /// The node and its ancestors, widest first; `None` for an unknown id.
    pub fn path(self, world: &World) -> Option<Vec<Node>> {
        match self {
            Node::Tenant => Some(vec![Node::Tenant]),
            Node::Account(a) => world.account(a).map(|_| vec![Node::Tenant, self]),
            Node::Site(s) => world.site(s).map(|site| vec![Node::Tenant, Node::Account(site.account_id), self]),
            Node::Group(g) => world
                .groups
                .iter()
                .find(|x| x.id == g)
                .map(|group| vec![Node::Tenant, Node::Account(group.account_id), Node::Site(group.site_id), self]),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Node::Tenant => "tenant",
            Node::Account(_) => "accountIds",
            Node::Site(_) => "siteIds",
            Node::Group(_) => "groupIds",
        }
    }

    fn name(self, world: &World) -> String {
        match self {
            Node::Tenant => "Global".into(),
            Node::Account(a) => world.account(a).map(|x| x.name.clone()).unwrap_or_default(),
            Node::Site(s) => world.site(s).map(|x| x.name.clone()).unwrap_or_default(),
            Node::Group(g) => world.groups.iter().find(|x| x.id == g).map(|x| x.name.clone()).unwrap_or_default(),
        }
    }

    fn scope_json(self) -> Value {
        match self {
            Node::Tenant => json!({"tenant": true}),
            Node::Account(id) | Node::Site(id) | Node::Group(id) => json!({self.key(): [id]}),
        }
    }
}

/// A blocklist entry or an exclusion.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyItem {
    pub id: Id,
    #[serde(rename = "type")]
    pub item_type: String,
    pub value: String,
    pub os_type: String,
    pub description: Option<String>,
    pub source: String,
    pub scope_name: String,
    pub scope_path: String,
    pub scope: Value,
    pub user_id: Option<Id>,
    pub user_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub imported: bool,
    /// `"NONE"` (the reference does not give its type; we recall a string) [?].
    pub not_recommended: String,
    /// Kind-specific fields (exclusions: `mode`, `pathExclusionType`).
    #[serde(flatten)]
    pub extras: Map<String, Value>,
    /// Where the item applies: its level and the levels above, widest first.
    #[serde(skip)]
    pub path: Vec<Node>,
}

impl PolicyItem {
    pub fn level(&self) -> Node {
        self.path.last().copied().unwrap_or(Node::Tenant)
    }

    pub fn visible_to(&self, caller: &Caller) -> bool {
        self.path.contains(&Node::of_caller(caller.scope))
    }

    fn duplicates(&self, draft: &Draft, level: Node) -> bool {
        let same_value =
            if draft.item_type.ends_with("_hash") { self.value.eq_ignore_ascii_case(&draft.value) } else { self.value == draft.value };
        self.item_type == draft.item_type && self.os_type == draft.os_type && self.level() == level && same_value
    }
}

/// What a new item says, before it gets an id and a place.
#[derive(Clone, Debug)]
pub struct Draft {
    pub item_type: String,
    pub value: String,
    pub os_type: String,
    pub description: Option<String>,
    pub source: String,
    pub extras: Map<String, Value>,
    /// The creating user (id, full name); `None` for cloud and catalog entries.
    pub user: Option<(Id, String)>,
    pub imported: bool,
}

impl Draft {
    /// The item at `path` (which must be a resolved [`Node::path`]).
    pub fn build(&self, world: &World, id: Id, path: Vec<Node>, at: Timestamp) -> PolicyItem {
        let level = path.last().copied().unwrap_or(Node::Tenant);
        PolicyItem {
            id,
            item_type: self.item_type.clone(),
            value: self.value.clone(),
            os_type: self.os_type.clone(),
            description: self.description.clone(),
            source: self.source.clone(),
            scope_name: level.name(world),
            scope_path: path.iter().map(|n| n.name(world)).collect::<Vec<_>>().join(" / "),
            scope: level.scope_json(),
            user_id: self.user.as_ref().map(|u| u.0),
            user_name: self.user.as_ref().map(|u| u.1.clone()),
            created_at: at,
            updated_at: at,
            imported: self.imported,
            not_recommended: "NONE".into(),
            extras: self.extras.clone(),
            path,
        }
    }
}

/// Validates and returns a kind's own `data` fields (`data`, `type`).
pub type Extras = fn(&Value, &str) -> Result<Map<String, Value>, ApiError>;

/// One kind of policy item: its listing, types and storage.
pub struct PolicyKind {
    pub listing: Listing,
    pub types: &'static [&'static str],
    pub extras: Extras,
    pub items: fn(&World) -> &Vec<PolicyItem>,
    pub items_mut: fn(&mut World) -> &mut Vec<PolicyItem>,
}

/// A kind as a type, so one generic handler serves both kinds.
pub trait Policy: Send + Sync + 'static {
    const KIND: PolicyKind;
}

pub async fn get_items<P: Policy>(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    list(&P::KIND, &state.world(), &caller, raw.as_deref()).map(Json)
}

pub async fn post_items<P: Policy>(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    add(&P::KIND, &mut state.world(), &caller, &body).map(Json)
}

pub async fn delete_items<P: Policy>(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    delete(&P::KIND, &mut state.world(), &caller, &body).map(Json)
}

/// Adds `draft` at `path` unless an identical item exists there; `Err` holds the existing id.
pub fn insert(kind: &PolicyKind, world: &mut World, draft: &Draft, path: Vec<Node>, now: Timestamp) -> Result<PolicyItem, Id> {
    let level = path.last().copied().unwrap_or(Node::Tenant);
    if let Some(existing) = (kind.items)(world).iter().find(|i| i.duplicates(draft, level)) {
        return Err(existing.id);
    }
    let id = world.new_id();
    let item = draft.build(world, id, path, now);
    (kind.items_mut)(world).push(item.clone());
    Ok(item)
}

// ---- GET ----

/// A `GET`'s filters (also used by [`super::unified_exclusions`]).
pub struct PolicyFilter {
    types: Option<Vec<String>>,
    value: Option<String>,
    value_contains: Option<Vec<String>>,
    os_types: Option<Vec<String>>,
    ids: Option<Vec<Id>>,
    sources: Option<Vec<String>>,
    user_ids: Option<Vec<Id>>,
    description_contains: Option<Vec<String>>,
    created: TimeRange,
    updated: TimeRange,
    /// Requested levels with their resolved paths; `None` when no scope filter was sent.
    levels: Option<Vec<(Node, Vec<Node>)>>,
    include_children: bool,
    include_parents: bool,
}

impl PolicyFilter {
    pub fn parse(p: &Params, kind: &PolicyKind, world: &World) -> Result<PolicyFilter, ApiError> {
        let mut types = p.csv_enum("types", kind.types)?;
        if let Some(more) = p.csv_enum("type", kind.types)? {
            types.get_or_insert_with(Vec::new).extend(more);
        }
        let nodes: Vec<Node> = requested_nodes(p)?.into_iter().flatten().collect();
        Ok(PolicyFilter {
            types,
            value: p.get("value"),
            value_contains: p.csv("value__contains"),
            os_types: p.csv_enum("osTypes", &OS_TYPES)?,
            ids: p.ids("ids")?,
            sources: p.csv_enum("source", &SOURCES)?,
            user_ids: p.ids("userIds")?,
            description_contains: p.csv("description__contains"),
            created: TimeRange::parse(p, "createdAt")?,
            updated: TimeRange::parse(p, "updatedAt")?,
            levels: (!nodes.is_empty()).then(|| nodes.into_iter().filter_map(|n| Some((n, n.path(world)?))).collect()),
            include_children: p.bool("includeChildren")?.unwrap_or(false),
            include_parents: p.bool("includeParents")?.unwrap_or(false),
        })
    }

    fn in_levels(&self, item: &PolicyItem) -> bool {
        let Some(levels) = &self.levels else {
            return true;
        };
        levels.iter().any(|(node, path)| {
            item.level() == *node
                || (self.include_children && item.path.contains(node))
                || (self.include_parents && path.contains(&item.level()))
        })
    }

    pub fn matches(&self, item: &PolicyItem) -> bool {
        allows(&self.types, &item.item_type)
            && self.value.as_ref().is_none_or(|v| *v == item.value)
            && contains_any(&self.value_contains, [item.value.as_str()])
            && allows(&self.os_types, &item.os_type)
            && allows(&self.ids, &item.id)
            && allows(&self.sources, &item.source)
            && self.user_ids.as_ref().is_none_or(|ids| item.user_id.is_some_and(|u| ids.contains(&u)))
            && contains_any(&self.description_contains, item.description.as_deref())
            && self.created.admits(Some(item.created_at))
            && self.updated.admits(Some(item.updated_at))
            && self.in_levels(item)
    }
}

/// `tenant=true`, `accountIds`, `siteIds`, `groupIds` as nodes (in a query or a body filter).
fn requested_nodes(p: &Params) -> Result<Vec<Vec<Node>>, ApiError> {
    let mut kinds = Vec::new();
    if p.bool("tenant")?.unwrap_or(false) {
        kinds.push(vec![Node::Tenant]);
    }
    type Make = fn(Id) -> Node;
    let makers: [(&str, Make); 3] = [("accountIds", Node::Account), ("siteIds", Node::Site), ("groupIds", Node::Group)];
    for (key, make) in makers {
        if let Some(ids) = p.ids(key)? {
            kinds.push(ids.into_iter().map(make).collect());
        }
    }
    Ok(kinds)
}

pub fn sort_key(item: &PolicyItem, sort_by: &str) -> SortKey {
    match sort_by {
        "createdAt" => SortKey::Int(item.created_at.0),
        "updatedAt" => SortKey::Int(item.updated_at.0),
        "osType" => SortKey::text(&item.os_type),
        "description" => item.description.as_deref().map_or(SortKey::Null, SortKey::text),
        "value" => SortKey::text(&item.value),
        "scopePath" => SortKey::text(&item.scope_path),
        _ => SortKey::Int(item.id.0 as i64),
    }
}

/// `GET`: the visible items that match, as one page of the standard envelope.
pub fn list(kind: &PolicyKind, world: &World, caller: &Caller, raw_query: Option<&str>) -> Result<Value, ApiError> {
    let params = Params::parse(raw_query);
    let page_request = PageRequest::parse(&params, &kind.listing)?;
    let filter = PolicyFilter::parse(&params, kind, world)?;
    let keyed = (kind.items)(world)
        .iter()
        .filter(|i| i.visible_to(caller) && filter.matches(i))
        .map(|i| Keyed { key: sort_key(i, &page_request.sort_by), id: i.id.0, item: i })
        .collect();
    Ok(page_request.envelope(keyed))
}

// ---- POST / DELETE ----

/// A body's `data` and `filter` objects (both required here).
fn body_objects(body: &Bytes) -> Result<(Value, Map<String, Value>), ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let data = match body.get("data") {
        Some(data @ Value::Object(_)) => data.clone(),
        Some(_) => return Err(ApiError::validation("data must be an object")),
        None => return Err(ApiError::validation("data is required")),
    };
    let filter = match body.get("filter") {
        Some(Value::Object(filter)) => filter.clone(),
        Some(_) => return Err(ApiError::validation("filter must be an object")),
        None => return Err(ApiError::validation("filter is required")),
    };
    Ok((data, filter))
}

/// An optional string in `data`, checked against `allowed` when given.
pub fn optional_text(data: &Value, key: &str, allowed: Option<&[&str]>) -> Result<Option<String>, ApiError> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => data_text(data, key, allowed).map(Some),
    }
}

fn is_sha1(value: &str) -> bool {
    value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `C:\...` or `\\server\...` on Windows, `/...` elsewhere.
pub fn is_absolute_path(path: &str, os_type: &str) -> bool {
    if os_type.starts_with("windows") {
        let b = path.as_bytes();
        (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')) || path.starts_with("\\\\")
    } else {
        path.starts_with('/')
    }
}

/// Value rules per type: hashes are SHA1s, paths absolute for the OS, file types an extension.
fn check_value(item_type: &str, value: &str, os_type: &str) -> Result<(), ApiError> {
    let ok = match item_type {
        "black_hash" | "white_hash" => is_sha1(value),
        "path" => is_absolute_path(value, os_type),
        "file_type" => {
            let ext = value.strip_prefix('.').unwrap_or(value);
            (1..=16).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        _ => !value.trim().is_empty(),
    };
    if ok {
        return Ok(());
    }
    let rule = match item_type {
        "black_hash" | "white_hash" => "a SHA1 (40 hex characters)",
        "path" => "an absolute path for the osType",
        "file_type" => "a file extension (1 to 16 letters or digits)",
        _ => "a non-empty text",
    };
    Err(ApiError::validation(format!("data.value: '{value}' is not {rule}")))
}

fn parse_draft(kind: &PolicyKind, data: &Value, user: (Id, String)) -> Result<Draft, ApiError> {
    let item_type = data_text(data, "type", Some(kind.types))?;
    let value = data_text(data, "value", None)?;
    let os_type = data_text(data, "osType", Some(&OS_TYPES))?;
    check_value(&item_type, &value, &os_type)?;
    let extras = (kind.extras)(data, &item_type)?;
    Ok(Draft {
        description: optional_text(data, "description", None)?,
        source: optional_text(data, "source", Some(&SOURCES))?.unwrap_or_else(|| "user".into()),
        extras,
        user: Some(user),
        imported: false,
        item_type,
        value,
        os_type,
    })
}

/// The body filter's levels: exactly one kind of scope key, resolved and inside the caller's scope.
fn target_paths(world: &World, caller: &Caller, filter: &Map<String, Value>) -> Result<Vec<Vec<Node>>, ApiError> {
    let kinds: Vec<Vec<Node>> = requested_nodes(&Params::from_filter(filter)?)?.into_iter().filter(|k| !k.is_empty()).collect();
    let nodes = match kinds.as_slice() {
        [] => {
            return Err(ApiError::validation("filter must name a scope: tenant, accountIds, siteIds or groupIds"));
        }
        [nodes] => nodes,
        _ => {
            return Err(ApiError::validation("filter must name only one of tenant, accountIds, siteIds, groupIds"));
        }
    };
    let mut paths: Vec<Vec<Node>> = Vec::new();
    for &node in nodes {
        let path = node.path(world).ok_or_else(|| {
            let id = match node {
                Node::Account(id) | Node::Site(id) | Node::Group(id) => id.to_string(),
                Node::Tenant => String::new(),
            };
            ApiError::validation(format!("filter.{}: unknown id {id}", node.key()))
        })?;
        if !path.contains(&Node::of_caller(caller.scope)) {
            return Err(ApiError::forbidden());
        }
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    Ok(paths)
}

/// `POST`: one new item per target level; any duplicate refuses the whole request.
pub fn add(kind: &PolicyKind, world: &mut World, caller: &Caller, body: &Bytes) -> Result<Value, ApiError> {
    caller.require(Role::Soc)?;
    let (data, filter) = body_objects(body)?;
    let user = (caller.user_id, username(world, caller));
    let draft = parse_draft(kind, &data, user)?;
    let paths = target_paths(world, caller, &filter)?;
    for path in &paths {
        let level = path.last().copied().unwrap_or(Node::Tenant);
        if (kind.items)(world).iter().any(|i| i.duplicates(&draft, level)) {
            return Err(ApiError::already_exists(format!(
                "{} '{}' for {} already exists in this scope",
                draft.item_type, draft.value, draft.os_type
            )));
        }
    }
    let now = Timestamp::now();
    let created: Vec<PolicyItem> = paths.into_iter().filter_map(|path| insert(kind, world, &draft, path, now).ok()).collect();
    Ok(json!({"data": created}))
}

/// `DELETE`: removes the visible items of `data.type` among `data.ids`.
pub fn delete(kind: &PolicyKind, world: &mut World, caller: &Caller, body: &Bytes) -> Result<Value, ApiError> {
    caller.require(Role::Soc)?;
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let Some(Value::Object(data)) = body.get("data") else {
        return Err(ApiError::validation("data is required and must be an object"));
    };
    let item_type = data_text(&body["data"], "type", Some(kind.types))?;
    let ids = Params::from_filter(data)?.ids("ids")?.ok_or_else(|| ApiError::validation("data.ids is required (a non-empty array)"))?;
    let items = (kind.items_mut)(world);
    let before = items.len();
    items.retain(|i| !(ids.contains(&i.id) && i.item_type == item_type && i.visible_to(caller)));
    Ok(json!({"data": {"affected": before - items.len()}}))
}
