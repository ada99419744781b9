//! The console itself: the generic request, the connection test, the organisation tree, system
//! information.

use super::super::params::{Kind, Param};
use super::{NONE, row};
use crate::actions::{Action, Op, generic};

const GENERIC: &[Param] = &[
    Param::control("method", Kind::Choice(&["GET", "POST", "PUT", "DELETE"]), "HTTP method (default GET)."),
    Param::control("path", Kind::Text, "Endpoint path under /web/api/v2.1/, e.g. \"threats\" or \"activities/types\".").required(),
    Param::control("query", Kind::Object, "Query parameters; arrays are sent comma-separated."),
    Param::control("body", Kind::Object, "JSON body for POST/PUT/DELETE, e.g. {\"filter\": {...}, \"data\": {...}}."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to send an empty body filter (it acts on everything in scope)."),
    Param::control("paginate", Kind::Bool, "GET only: follow cursors and return every item (up to maxItems)."),
    Param::control("maxItems", Kind::Integer { min: 1, max: 1_000_000 }, "With paginate: stop after this many items (default 10000)."),
];

pub const ACTIONS: &[Action] = &[
    row(
        "api.request",
        "Generic API request",
        "Any Management API v2.1 endpoint with the plugin's auth, scope pins, retries, error mapping and pagination. Refuses paths outside the API.",
        &[GENERIC],
        Op::Native(|client, _, fields| generic::run(client, fields)),
    )
    .destructive()
    .example(r#"{"path": "agents", "query": {"osTypes": ["linux"], "isActive": true}, "paginate": true, "maxItems": 500}"#),
    row(
        "connection.check",
        "Test the connection",
        "Reachability, identity, roles, scope and token expiry, as the typed check report (JSON).",
        &[NONE],
        Op::Native(|client, _, _| Ok(serde_json::to_value(crate::check::run(client)).unwrap_or_default())),
    ),
    row(
        "organizations.tree",
        "Map organisations",
        "The accounts → sites → groups tree the token can see, with licence counts.",
        &[NONE],
        Op::Native(|client, _, _| {
            let tree = crate::organizations::tree(client)?;
            serde_json::to_value(tree).map_err(|e| crate::Error::Other(e.to_string()))
        }),
    ),
    row("system.info", "Console information", "The console's version, build, release and latest agent version.", &[NONE], Op::Read { path: "system/info" }),
    row("system.status", "Console health", "Whether the console is up (no authentication; 1 call per second per IP).", &[NONE], Op::Read { path: "system/status" }),
];
