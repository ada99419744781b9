//! The catalog: one row per action, one module per family. Parameter names are SentinelOne's
//! own (camelCase, with its `__gt`/`__contains` suffixes), so its API documentation applies as
//! is. Each row carries an example input, which `describe` publishes in the schema's `examples`
//! and a test validates against the schema.

mod agents;
mod console;
mod policy;
mod queries;
mod scripts;
mod security;
mod tenancy;

use super::params::{Kind, Param};
use super::{Action, Op, Role, Scope};
use crate::client::{Items, MAX_PAGE_SIZE};

pub use agents::AGENTS;
pub use policy::UNIFIED_EXCLUSIONS;
pub use scripts::TASKS;
pub use security::{ALERTS, THREATS};
pub use tenancy::{ACCOUNTS, GROUPS, SITES};

/// How many items a list action returns when the caller gives no `maxItems`.
pub const DEFAULT_MAX_ITEMS: usize = 10_000;

/// Every family, in the order `describe` lists them.
pub const FAMILIES: &[&[Action]] = &[
    console::ACTIONS,
    tenancy::ACTIONS,
    agents::ACTIONS,
    security::THREAT_ACTIONS,
    security::ACTIVITY_ACTIONS,
    security::ALERT_ACTIONS,
    queries::ACTIONS,
    policy::ACTIONS,
    scripts::ACTIONS,
];

const ID_DOC: &str = "The object's id.";
const TS_DOC: &str = "ISO-8601 UTC timestamp bound: __gt after, __gte at or after, __lt before, __lte at or before.";

const fn ts(name: &'static str) -> Param {
    Param::query(name, Kind::Timestamp, TS_DOC)
}

/// Paging controls shared by every list action.
pub const LIST_CONTROLS: &[Param] = &[
    Param::control("limit", Kind::Integer { min: 1, max: MAX_PAGE_SIZE as i64 }, "Items per request (default and maximum 1000)."),
    Param::control(
        "maxItems",
        Kind::Integer { min: 1, max: 1_000_000 },
        "Stop after this many items (default 10000); `more` says whether items remain.",
    ),
    Param::control("cursor", Kind::Text, "Resume from a previous output's `nextCursor`."),
    Param::query("sortOrder", Kind::Choice(&["asc", "desc"]), "Sort direction."),
];

const ONE_ID: &[Param] = &[Param::control("id", Kind::Id, ID_DOC).required()];
const NONE: &[Param] = &[];

const OS_TYPES: &[&str] = &["windows", "windows_legacy", "linux", "macos"];

/// A row with the defaults every family starts from: read-only, for Viewers, unscoped.
const fn row(name: &'static str, title: &'static str, description: &'static str, params: &'static [&'static [Param]], op: Op) -> Action {
    Action { name, title, description, role: Role::Viewer, destructive: false, scope: Scope::Unscoped, params, op, example: "{}" }
}

/// A list row: `GET path` with filters (scope pins added), all pages.
const fn list(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    params: &'static [&'static [Param]],
) -> Action {
    row(name, title, description, params, Op::List { path, items: Items::Data, page_cap: MAX_PAGE_SIZE }).scope(Scope::Query)
}

impl Action {
    const fn role(self, role: Role) -> Action {
        Action { role, ..self }
    }

    /// Marks a row as destructive: it changes or removes what SentinelOne protects with.
    const fn destructive(self) -> Action {
        Action { destructive: true, ..self }
    }

    const fn scope(self, scope: Scope) -> Action {
        Action { scope, ..self }
    }

    const fn example(self, example: &'static str) -> Action {
        Action { example, ..self }
    }
}
