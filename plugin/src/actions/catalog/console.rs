//! The console itself: the generic request, the connection test, the organisation tree, system
//! information.

use super::super::params::{Kind, Param};
use super::{NONE, row};
use crate::actions::{Action, Op, Role, generic};
use crate::output::Output;

/// Where and what: shared by both generic actions.
const GENERIC_PATH: &[Param] = &[
    Param::control("path", Kind::Text, "Endpoint path under /web/api/v2.1/, e.g. \"threats\" or \"activities/types\".").required(),
    Param::control("query", Kind::Object, "Query parameters; arrays are sent comma-separated."),
];
const GENERIC_PAGING: &[Param] = &[
    Param::control(
        "paginate",
        Kind::Bool,
        "GET only: follow cursors and return every item (up to maxItems and the output budget), with more and nextCursor.",
    ),
    Param::control("maxItems", Kind::Integer { min: 1, max: 1_000_000 }, "With paginate: stop after this many items (default 10000)."),
];
const GENERIC_WRITE: &[Param] = &[
    Param::control("method", Kind::Choice(&["GET", "POST", "PUT", "DELETE"]), "HTTP method (default GET)."),
    Param::control("body", Kind::Object, "JSON body for POST/PUT/DELETE, e.g. {\"filter\": {...}, \"data\": {...}}."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to send a body filter: the write reaches everything it matches."),
    Param::control("dryRun", Kind::Bool, "Count what the body filter matches (agent, threat and alert actions) and send nothing else."),
];

pub const ACTIONS: &[Action] = &[
    row(
        "api.get",
        "Generic read",
        "GET any Management API v2.1 endpoint with the plugin's auth, scope pins, retries, error mapping and pagination. Refuses paths outside the API and identity or credential administration.",
        &[GENERIC_PATH, GENERIC_PAGING],
        Op::Native(generic::get),
    )
    .example(r#"{"path": "agents", "query": {"osTypes": ["linux"], "isActive": true}, "paginate": true, "maxItems": 500}"#),
    row(
        "api.request",
        "Generic API request",
        "Any method on any Management API v2.1 endpoint, with every safety rule of the catalog: a body filter needs confirmFilter and must select something (never a whole scope), dryRun counts first. Refuses paths outside the API and identity or credential administration.",
        &[GENERIC_WRITE, GENERIC_PATH, GENERIC_PAGING],
        Op::Native(generic::request),
    )
    .role(Role::Admin)
    .destructive()
    .example(r#"{"method": "POST", "path": "agents/actions/initiate-scan", "body": {"filter": {"ids": ["1834780238610855700"]}, "data": {}}, "confirmFilter": true}"#),
    row(
        "connection.check",
        "Test the connection",
        "Reachability, identity, roles, scope and token expiry, as the typed check report (a projection: the console's own answers are system.info and api.get on user).",
        &[NONE],
        Op::Native(|client, _, _| Output::serialized(&crate::check::run(client))),
    ),
    row(
        "organizations.tree",
        "Map organisations",
        "The accounts → sites → groups tree the token can see, with licence counts (a typed projection: every field SentinelOne sends is in accounts.list, sites.list and groups.list).",
        &[NONE],
        Op::Native(|client, _, _| Output::serialized(&crate::organizations::tree(client)?)),
    ),
    row("system.info", "Console information", "The console's version, build, release and latest agent version.", &[NONE], Op::Read { path: "system/info" }),
    row("system.status", "Console health", "Whether the console is up (no authentication; 1 call per second per IP).", &[NONE], Op::Read { path: "system/status" }),
];
