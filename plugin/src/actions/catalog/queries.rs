//! Deep Visibility (S1QL) and PowerQuery: queries that run on the console and are read when done.

use super::super::params::{Kind, Param};
use super::{LIST_CONTROLS, row};
use crate::actions::{Action, Op, Role, deep_visibility};
use crate::client::{Items, MAX_PAGE_SIZE};
use crate::http::Method;

/// Where and when a query looks; the scope pins are added to `accountIds`/`siteIds`.
const WINDOW: &[Param] = &[
    Param::data("query", Kind::Text, "The query text.").required(),
    Param::data("fromDate", Kind::Timestamp, "Start of the time range (ISO-8601 UTC).").required(),
    Param::data("toDate", Kind::Timestamp, "End of the time range (ISO-8601 UTC).").required(),
    Param::data("accountIds", Kind::Ids, "Only these accounts."),
    Param::data("siteIds", Kind::Ids, "Only these sites."),
    Param::data("limit", Kind::Integer { min: 1, max: 100_000 }, "The most results the console keeps."),
    Param::control(
        "waitSeconds",
        Kind::Integer { min: 5, max: 3600 },
        "How long to wait for the query to finish (default 120). An unfinished query is returned with its queryId to read later.",
    ),
];
const DV_OPTIONS: &[Param] = &[
    Param::data("queryType", Kind::Choices(&["events", "processState"]), "What to query (default events)."),
    Param::data("isVerbose", Kind::Bool, "Return every field of each event."),
    Param::control("maxItems", Kind::Integer { min: 1, max: 100_000 }, "Stop reading events after this many (default 10000)."),
];
const QUERY_ID: &[Param] = &[Param::query("queryId", Kind::Text, "The queryId from dv.query or dv.status.").required()];
const CANCEL: &[Param] = &[Param::data("queryId", Kind::Text, "The query to cancel.").required()];
const DV_SORT: &[Param] = &[Param::query("sortBy", Kind::Choice(&["createdAt", "pid", "processStartTime"]), "Sort field.")];

pub const ACTIONS: &[Action] = &[
    row(
        "dv.query",
        "Run a Deep Visibility query",
        "Init an S1QL query, poll its status (at most once a second, as SentinelOne allows) until it finishes, then read its events. One init per minute per token: a second query within the minute waits for the console's Retry-After within waitSeconds.",
        &[WINDOW, DV_OPTIONS],
        Op::Native(deep_visibility::run_dv),
    )
    .role(Role::Soc)
    .example(r#"{"query": "EventType = \"Process Creation\" AND ProcessName Contains \"powershell\"", "fromDate": "2026-11-20T00:00:00Z", "toDate": "2026-11-21T00:00:00Z"}"#),
    row("dv.status", "Deep Visibility query status", "One status poll (responseState, progressStatus) of a running query.", &[QUERY_ID], Op::Read { path: "dv/query-status" })
        .role(Role::Soc)
        .example(r#"{"queryId": "q1a2b3c4d5e6f"}"#),
    row("dv.events", "Deep Visibility events", "The events of a finished query, all pages.", &[QUERY_ID, DV_SORT, LIST_CONTROLS], Op::List { path: "dv/events", items: Items::Data, page_cap: MAX_PAGE_SIZE })
        .role(Role::Soc)
        .example(r#"{"queryId": "q1a2b3c4d5e6f", "maxItems": 5000}"#),
    row("dv.cancel", "Cancel a Deep Visibility query", "Stop a running query.", &[CANCEL], Op::Send { method: Method::Post, path: "dv/cancel-query", wrap: false })
        .role(Role::Soc)
        .example(r#"{"queryId": "q1a2b3c4d5e6f"}"#),
    row(
        "powerquery.run",
        "Run a PowerQuery",
        "Run a PowerQuery pipeline and ping it until it finishes; rows come back as objects keyed by column. Results stop at 1000 rows unless the query pipes `| limit N`.",
        &[WINDOW],
        Op::Native(deep_visibility::run_power_query),
    )
    .role(Role::Soc)
    .example(r#"{"query": "event.type = \"Process Creation\" | group count() by endpoint.name", "fromDate": "2026-11-20T00:00:00Z", "toDate": "2026-11-21T00:00:00Z"}"#),
];
