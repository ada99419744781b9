//! Tenancy: accounts → sites → groups, and moving agents between groups.

use super::super::act::{Body, Count, Target};
use super::super::params::{Kind, Param};
use super::{LIST_CONTROLS, ONE_ID, list, row};
use crate::actions::{Action, Op, Role, Scope};
use crate::client::Items;
use crate::http::Method;

const STATES: &[&str] = &["active", "expired", "deleted"];

const ACCOUNT_FILTERS: &[Param] = &[
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("name", Kind::Text, "Exact account name."),
    Param::query("query", Kind::Text, "Free-text search."),
    Param::query("states", Kind::Choices(STATES), "Account states."),
    Param::query("accountType", Kind::Choice(&["Trial", "Paid"]), "Account type."),
];

const SITE_FILTERS: &[Param] = &[
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("name", Kind::Text, "Exact site name."),
    Param::query("query", Kind::Text, "Free-text search."),
    Param::query("states", Kind::Choices(STATES), "Site states."),
    Param::query("siteType", Kind::Choice(&["Trial", "Paid"]), "Site type."),
    Param::query("isDefault", Kind::Bool, "Only the default site."),
    Param::query("healthStatus", Kind::Bool, "Site health."),
];

const GROUP_FILTERS: &[Param] = &[
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("groupIds", Kind::Ids, "Group ids."),
    Param::query("name", Kind::Text, "Exact group name."),
    Param::query("query", Kind::Text, "Free-text search."),
    Param::query("types", Kind::Choices(&["static", "dynamic", "pinned"]), "Group types."),
    Param::query("isDefault", Kind::Bool, "Only default groups."),
];

/// `GET groups` caps `limit` at 300.
const GROUP_LIST_CONTROLS: &[Param] = &[
    Param::control("limit", Kind::Integer { min: 1, max: 300 }, "Items per request (default and maximum 300)."),
    Param::control("maxItems", Kind::Integer { min: 1, max: 1_000_000 }, "Stop after this many items (default 10000)."),
    Param::control("cursor", Kind::Text, "Resume from a previous output's `nextCursor`."),
    Param::query("sortOrder", Kind::Choice(&["asc", "desc"]), "Sort direction."),
];

/// Accounts, resolved with `GET accounts?accountIds=` (the endpoint takes no site filter, so a
/// site-pinned configuration is checked against its account pins only).
pub const ACCOUNTS: Target = Target {
    id_key: "accountIds",
    pin_keys: &["accountIds"],
    ..Target::new("account", "accounts", ACCOUNT_FILTERS, Count::ListTotal("accounts"))
};
/// Sites, resolved with `GET sites?siteIds=` (items under `data.sites`).
pub const SITES: Target =
    Target { id_key: "siteIds", items: Items::Field("sites"), ..Target::new("site", "sites", SITE_FILTERS, Count::ListTotal("sites")) };
/// Groups, resolved with `GET groups?groupIds=` (at most 300 per page).
pub const GROUPS: Target =
    Target { id_key: "groupIds", page_cap: 300, ..Target::new("group", "groups", GROUP_FILTERS, Count::ListTotal("groups")) };

/// A read of one object at `path/{id}`, refused when the object lies outside the scope pins.
const fn get(name: &'static str, title: &'static str, description: &'static str, path: &'static str, of: &'static Target) -> Action {
    row(name, title, description, &[ONE_ID], Op::Read { path })
        .scope(Scope::Ids { field: "id", of })
        .example(r#"{"id": "1834780238610855645"}"#)
}

const MOVE_TO_GROUP: &[Param] = &[
    Param::control("groupId", Kind::Id, "The group to move the agents into; only agents in the group's site move.").required(),
    Param::control("ids", Kind::Ids, "The agents to move.").required(),
    Param::control("dryRun", Kind::Bool, "Count the agents the ids match and move none."),
];

pub const ACTIONS: &[Action] = &[
    list("accounts.list", "List accounts", "Accounts with licence and agent counts.", "accounts", &[ACCOUNT_FILTERS, LIST_CONTROLS]).example(r#"{"states": ["active"]}"#),
    get("accounts.get", "Get an account", "One account by id.", "accounts/{id}", &ACCOUNTS),
    row(
        "sites.list",
        "List sites",
        "Sites with licence counts (SentinelOne's data.sites).",
        &[SITE_FILTERS, LIST_CONTROLS],
        Op::List { path: "sites", items: Items::Field("sites"), page_cap: crate::client::MAX_PAGE_SIZE },
    )
    .scope(Scope::Query)
    .example(r#"{"accountIds": ["1834780238610855645"], "states": ["active"]}"#),
    get("sites.get", "Get a site", "One site by id, with its licence counts.", "sites/{id}", &SITES),
    row("groups.list", "List groups", "Agent groups.", &[GROUP_FILTERS, GROUP_LIST_CONTROLS], Op::List { path: "groups", items: Items::Data, page_cap: 300 })
        .scope(Scope::Query)
        .example(r#"{"siteIds": ["1834780238610855645"], "types": ["static"]}"#),
    get("groups.get", "Get a group", "One group by id.", "groups/{id}", &GROUPS),
    row(
        "groups.move-agents",
        "Move agents to a group",
        "Move agents into a group of their site (PUT groups/{id}/move-agents); agents of other sites stay where they are, which the output reports.",
        &[MOVE_TO_GROUP],
        Op::Act { method: Method::Put, path: "groups/{groupId}/move-agents", target: &MOVED_AGENTS },
    )
    .role(Role::It)
    .scope(Scope::Ids { field: "groupId", of: &GROUPS })
    .example(r#"{"groupId": "1834780238610855646", "ids": ["1834780238610855700", "1834780238610855701"]}"#),
];

/// Agents as `PUT groups/{id}/move-agents` takes them: a filter, and no `data` (the spec declares
/// none).
const MOVED_AGENTS: Target = Target { body: Body::Filter, ..super::AGENTS };
