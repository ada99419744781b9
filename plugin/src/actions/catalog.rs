//! The catalog: one row per action. Parameter names are SentinelOne's own query names
//! (camelCase, with its `__gt`/`__contains` suffixes), so its API documentation applies as is.

use super::params::{Kind, Param};
use super::act::{Count, Target};
use super::{Action, Op, Role};
use crate::http::Method;
use crate::client::{Items, MAX_PAGE_SIZE};

/// How many items a list action returns when the caller gives no `maxItems`.
pub const DEFAULT_MAX_ITEMS: usize = 10_000;

const ID_DOC: &str = "The object's id.";
const TS_DOC: &str = "ISO-8601 UTC timestamp bound: __gt after, __gte at or after, __lt before, __lte at or before.";

const fn ts(name: &'static str) -> Param {
    Param::query(name, Kind::Timestamp, TS_DOC)
}

/// Paging controls shared by every list action.
pub const LIST_CONTROLS: &[Param] = &[
    Param::control("limit", Kind::Integer { min: 1, max: MAX_PAGE_SIZE as i64 }, "Items per request (default and maximum 1000)."),
    Param::control("maxItems", Kind::Integer { min: 1, max: 1_000_000 }, "Stop after this many items (default 10000); `more` says whether items remain."),
    Param::control("cursor", Kind::Text, "Resume from a previous output's `nextCursor`."),
    Param::query("sortOrder", Kind::Choice(&["asc", "desc"]), "Sort direction."),
];

/// `GET agents` filters, shared by listing and counting.
pub const AGENT_FILTERS: &[Param] = &[
    Param::query("ids", Kind::Ids, "Agent ids."),
    Param::query("uuids", Kind::Texts, "Agent UUIDs."),
    Param::query("computerName", Kind::Text, "Exact computer name."),
    Param::query("computerName__contains", Kind::Texts, "Computer names containing any of these substrings."),
    Param::query("computerName__like", Kind::Text, "Computer name containing this substring."),
    Param::query("query", Kind::Text, "Free-text search."),
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("groupIds", Kind::Ids, "Group ids."),
    Param::query("isActive", Kind::Bool, "Whether the agent is connected to the console."),
    Param::query("infected", Kind::Bool, "Whether the agent has at least one active threat."),
    Param::query("isDecommissioned", Kind::Bool, "Whether the agent is decommissioned."),
    Param::query("isUninstalled", Kind::Bool, "Whether the agent is uninstalled."),
    Param::query("isPendingUninstall", Kind::Bool, "Whether an uninstall is pending."),
    Param::query("isUpToDate", Kind::Bool, "Whether the agent runs the latest version."),
    Param::query("networkStatuses", Kind::Choices(NETWORK_STATUSES), "Network (isolation) status."),
    Param::query("networkStatusesNin", Kind::Choices(NETWORK_STATUSES), "Network status not in."),
    Param::query("scanStatuses", Kind::Choices(&["none", "started", "aborted", "finished"]), "Full disk scan status."),
    Param::query("mitigationMode", Kind::Choice(&["detect", "protect"]), "Policy mitigation mode."),
    Param::query("osTypes", Kind::Choices(OS_TYPES), "Operating system families."),
    Param::query("osTypesNin", Kind::Choices(OS_TYPES), "Operating system families not in."),
    Param::query("machineTypes", Kind::Choices(MACHINE_TYPES), "Machine types."),
    Param::query("agentVersions", Kind::Texts, "Exact agent versions."),
    Param::query("domains", Kind::Texts, "Domains."),
    Param::query("externalIp__contains", Kind::Texts, "External IPs containing any of these."),
    Param::query("networkInterfaceInet__contains", Kind::Texts, "Local IPs containing any of these."),
    Param::query("lastLoggedInUserName__contains", Kind::Texts, "Last logged-in user names containing any of these."),
    Param::query("activeThreats__gt", Kind::Integer { min: 0, max: 1_000_000 }, "More active threats than this."),
    ts("createdAt__gt"),
    ts("createdAt__gte"),
    ts("createdAt__lt"),
    ts("createdAt__lte"),
    ts("updatedAt__gt"),
    ts("updatedAt__gte"),
    ts("updatedAt__lt"),
    ts("updatedAt__lte"),
    ts("lastActiveDate__gt"),
    ts("lastActiveDate__lt"),
    ts("registeredAt__gt"),
    ts("registeredAt__lt"),
];

const NETWORK_STATUSES: &[&str] = &["connected", "connecting", "disconnected", "disconnecting"];
const OS_TYPES: &[&str] = &["windows", "windows_legacy", "linux", "macos"];
const MACHINE_TYPES: &[&str] = &["unknown", "desktop", "laptop", "server", "kubernetes node", "storage", "kubernetes pod"];

const AGENT_SORT: &[Param] = &[Param::query(
    "sortBy",
    Kind::Choice(&["id", "computerName", "createdAt", "updatedAt", "lastActiveDate", "registeredAt", "networkStatus", "siteId", "osType", "agentVersion"]),
    "Sort field. Incremental readers use updatedAt with sortOrder asc.",
)];

const ONE_ID: &[Param] = &[Param::control("id", Kind::Id, ID_DOC).required()];
const NONE: &[Param] = &[];

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

/// A list row: `GET path` with filters, all pages.
const fn list(name: &'static str, title: &'static str, description: &'static str, path: &'static str, items: Items, page_cap: u32, params: &'static [&'static [Param]]) -> Action {
    Action { name, title, description, role: Role::Viewer, destructive: false, scoped: true, params, op: Op::List { path, items, page_cap } }
}

/// A read row: `GET path/{id}`.
const fn get(name: &'static str, title: &'static str, description: &'static str, path: &'static str) -> Action {
    Action { name, title, description, role: Role::Viewer, destructive: false, scoped: false, params: &[ONE_ID], op: Op::Read { path } }
}

/// Tenancy: accounts, sites and groups.
pub const TENANCY: &[Action] = &[
    list("accounts.list", "List accounts", "Accounts with licence and agent counts.", "accounts", Items::Data, MAX_PAGE_SIZE, &[ACCOUNT_FILTERS, LIST_CONTROLS]),
    get("accounts.get", "Get an account", "One account by id.", "accounts/{id}"),
    list("sites.list", "List sites", "Sites with licence counts (SentinelOne's data.sites).", "sites", Items::Field("sites"), MAX_PAGE_SIZE, &[SITE_FILTERS, LIST_CONTROLS]),
    get("sites.get", "Get a site", "One site by id, with its licence counts.", "sites/{id}"),
    list("groups.list", "List groups", "Agent groups.", "groups", Items::Data, 300, &[GROUP_FILTERS, GROUP_LIST_CONTROLS]),
    get("groups.get", "Get a group", "One group by id.", "groups/{id}"),
];

const GENERIC: &[Param] = &[
    Param::control("method", Kind::Choice(&["GET", "POST", "PUT", "DELETE"]), "HTTP method (default GET)."),
    Param::control("path", Kind::Text, "Endpoint path under /web/api/v2.1/, e.g. \"threats\" or \"activities/types\".").required(),
    Param::control("query", Kind::Object, "Query parameters; arrays are sent comma-separated."),
    Param::control("body", Kind::Object, "JSON body for POST/PUT/DELETE, e.g. {\"filter\": {...}, \"data\": {...}}."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to send an empty body filter (it acts on everything in scope)."),
    Param::control("paginate", Kind::Bool, "GET only: follow cursors and return every item (up to maxItems)."),
    Param::control("maxItems", Kind::Integer { min: 1, max: 1_000_000 }, "With paginate: stop after this many items (default 10000)."),
];

/// Every action, in the order `describe` lists them.
pub const ACTIONS: &[Action] = &[
    Action {
        name: "api.request",
        title: "Generic API request",
        description: "Any Management API v2.1 endpoint with the plugin's auth, scope pins, error mapping and pagination. Refuses paths outside the API.",
        role: Role::Viewer,
        destructive: true,
        scoped: false,
        params: &[GENERIC],
        op: Op::Native(|client, fields| super::generic::run(client, fields)),
    },
    Action {
        name: "connection.check",
        title: "Test the connection",
        description: "Reachability, identity, roles, scope and token expiry, as the typed check report (JSON).",
        role: Role::Viewer,
        destructive: false,
        scoped: false,
        params: &[NONE],
        op: Op::Native(|client, _| Ok(serde_json::to_value(crate::check::run(client)).unwrap_or_default())),
    },
    Action {
        name: "organizations.tree",
        title: "Map organisations",
        description: "The accounts → sites → groups tree the token can see, with licence counts.",
        role: Role::Viewer,
        destructive: false,
        scoped: false,
        params: &[NONE],
        op: Op::Native(|client, _| {
            let tree = crate::organizations::tree(client)?;
            serde_json::to_value(tree).map_err(|e| crate::Error::Other(e.to_string()))
        }),
    },
    Action {
        name: "system.info",
        title: "Console information",
        description: "The console's version, build, release and latest agent version.",
        role: Role::Viewer,
        destructive: false,
        scoped: false,
        params: &[NONE],
        op: Op::Read { path: "system/info" },
    },
    Action {
        name: "agents.list",
        title: "List agents",
        description: "Agents matching the filters, following cursors to the end or to maxItems.",
        role: Role::Viewer,
        destructive: false,
        scoped: true,
        params: &[AGENT_FILTERS, AGENT_SORT, LIST_CONTROLS],
        op: Op::List { path: "agents", items: Items::Data, page_cap: MAX_PAGE_SIZE },
    },
    Action {
        name: "agents.count",
        title: "Count agents",
        description: "How many agents match the filters.",
        role: Role::Viewer,
        destructive: false,
        scoped: true,
        params: &[AGENT_FILTERS],
        op: Op::Count { path: "agents/count" },
    },
    Action {
        name: "agents.get",
        title: "Get an agent",
        description: "One agent by id, with every field SentinelOne returns.",
        role: Role::Viewer,
        destructive: false,
        scoped: true,
        params: &[ONE_ID],
        op: Op::One { path: "agents", what: "agent" },
    },
];

// ---- Targeted actions -------------------------------------------------------------------

/// Agents, targeted by ids or a confirmed agent filter.
pub const AGENTS: Target = Target { what: "agent", lookup: "agents", id_at: "/id", filters: AGENT_FILTERS, count: Count::Endpoint("agents/count") };

/// How an agent action names its target and asks for a dry run.
pub const AGENT_TARGET: &[Param] = &[
    Param::control("ids", Kind::Ids, "The agents to act on."),
    Param::control("filter", Kind::Filter(AGENT_FILTERS), "Act on every agent matching this filter instead of ids (needs confirmFilter)."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to act on a filter: the action reaches every matching agent."),
    Param::control("dryRun", Kind::Bool, "Count the agents the target matches and act on none."),
];

const BROADCAST: &[Param] = &[Param::data("message", Kind::Text, "The message to show (Windows and macOS only).").required()];
const MOVE_TO_SITE: &[Param] = &[Param::data("targetSiteId", Kind::Id, "The site to move the agents to.").required()];
const FETCH_LOGS: &[Param] = &[
    Param::data("agentLogs", Kind::Bool, "Collect agent logs."),
    Param::data("platformLogs", Kind::Bool, "Collect platform logs."),
    Param::data("customerFacingLogs", Kind::Bool, "Collect customer-facing logs."),
];

/// One `POST agents/actions/<verb>` row.
const fn agent_action(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    role: Role,
    destructive: bool,
    params: &'static [&'static [Param]],
) -> Action {
    Action { name, title, description, role, destructive, scoped: false, params, op: Op::Act { method: Method::Post, path, target: &AGENTS } }
}

/// Agent actions: every one needs explicit ids or a confirmed filter, and supports `dryRun`.
pub const AGENT_ACTIONS: &[Action] = &[
    agent_action("agents.isolate", "Isolate agents", "Disconnect the endpoints from the network; they keep talking to the console.", "agents/actions/disconnect", Role::Soc, true, &[AGENT_TARGET]),
    agent_action("agents.reconnect", "Reconnect agents", "Reconnect isolated endpoints to the network.", "agents/actions/connect", Role::Soc, false, &[AGENT_TARGET]),
    agent_action("agents.scan", "Start a full disk scan", "Start a full disk scan on the agents.", "agents/actions/initiate-scan", Role::It, false, &[AGENT_TARGET]),
    agent_action("agents.abort-scan", "Abort a scan", "Stop a running full disk scan.", "agents/actions/abort-scan", Role::It, false, &[AGENT_TARGET]),
    agent_action("agents.fetch-logs", "Fetch agent logs", "Ask the agents to upload their logs.", "agents/actions/fetch-logs", Role::It, false, &[AGENT_TARGET, FETCH_LOGS]),
    agent_action("agents.restart", "Restart endpoints", "Reboot the endpoints.", "agents/actions/restart-machine", Role::It, true, &[AGENT_TARGET]),
    agent_action("agents.shutdown", "Shut down endpoints", "Shut the endpoints down (online agents only).", "agents/actions/shutdown", Role::It, true, &[AGENT_TARGET]),
    agent_action("agents.decommission", "Decommission agents", "Remove the agents from the console until they check in again.", "agents/actions/decommission", Role::Admin, true, &[AGENT_TARGET]),
    agent_action("agents.uninstall", "Uninstall agents", "Uninstall the agents (the endpoint reboots afterwards).", "agents/actions/uninstall", Role::Admin, true, &[AGENT_TARGET]),
    agent_action("agents.broadcast", "Broadcast a message", "Show a message to the endpoints' users.", "agents/actions/broadcast", Role::It, false, &[AGENT_TARGET, BROADCAST]),
    agent_action("agents.move-to-site", "Move agents to a site", "Move the agents to another site (account or global scope).", "agents/actions/move-to-site", Role::Admin, true, &[AGENT_TARGET, MOVE_TO_SITE]),
];

// ---- Threats, activities, alerts -------------------------------------------------------

const ANALYST_VERDICTS: &[&str] = &["undefined", "true_positive", "false_positive", "suspicious"];
const INCIDENT_STATUSES: &[&str] = &["unresolved", "in_progress", "resolved"];

/// `GET threats` filters (top-level names; the values live under `threatInfo`).
pub const THREAT_FILTERS: &[Param] = &[
    Param::query("ids", Kind::Ids, "Threat ids."),
    Param::query("agentIds", Kind::Ids, "Agent ids."),
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("groupIds", Kind::Ids, "Group ids."),
    Param::query("contentHashes", Kind::Texts, "SHA1 hashes."),
    Param::query("mitigationStatuses", Kind::Choices(&["not_mitigated", "mitigated", "marked_as_benign"]), "Mitigation statuses."),
    Param::query("analystVerdicts", Kind::Choices(ANALYST_VERDICTS), "Analyst verdicts."),
    Param::query("incidentStatuses", Kind::Choices(INCIDENT_STATUSES), "Incident statuses."),
    Param::query("confidenceLevels", Kind::Choices(&["malicious", "suspicious", "n/a"]), "Confidence levels."),
    Param::query("classifications", Kind::Texts, "Classifications, e.g. Malware, Ransomware."),
    Param::query("computerName__contains", Kind::Texts, "Agent computer names containing any of these."),
    ts("createdAt__gt"),
    ts("createdAt__gte"),
    ts("createdAt__lt"),
    ts("createdAt__lte"),
    ts("updatedAt__gt"),
    ts("updatedAt__gte"),
    ts("updatedAt__lt"),
    ts("updatedAt__lte"),
];
const THREAT_SORT: &[Param] = &[Param::query("sortBy", Kind::Choice(&["id", "createdAt", "updatedAt"]), "Sort field. Incremental readers use updatedAt with sortOrder asc.")];

pub const THREATS: Target = Target { what: "threat", lookup: "threats", id_at: "/id", filters: THREAT_FILTERS, count: Count::ListTotal("threats") };

const THREAT_TARGET: &[Param] = &[
    Param::control("ids", Kind::Ids, "The threats to act on."),
    Param::control("filter", Kind::Filter(THREAT_FILTERS), "Act on every threat matching this filter instead of ids (needs confirmFilter)."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to act on a filter: the action reaches every matching threat."),
    Param::control("dryRun", Kind::Bool, "Count the threats the target matches and act on none."),
];
const MITIGATION: &[Param] = &[Param::control("action", Kind::Choice(&["kill", "quarantine", "remediate", "rollback-remediation", "un-quarantine"]), "The mitigation.").required()];
const VERDICT: &[Param] = &[Param::data("analystVerdict", Kind::Choice(ANALYST_VERDICTS), "The analyst verdict.").required()];
const INCIDENT: &[Param] = &[Param::data("incidentStatus", Kind::Choice(INCIDENT_STATUSES), "The incident status.").required()];
const NOTE: &[Param] = &[Param::data("text", Kind::Text, "The note.").required()];
const TICKET: &[Param] = &[Param::data("externalTicketId", Kind::Text, "The ticket id in the external system.").required()];

const ACTIVITY_FILTERS: &[Param] = &[
    Param::query("activityTypes", Kind::Texts, "Activity type codes (see activities.types), e.g. [\"86\"]."),
    Param::query("ids", Kind::Ids, "Activity ids."),
    Param::query("agentIds", Kind::Ids, "Agent ids."),
    Param::query("threatIds", Kind::Ids, "Threat ids."),
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("groupIds", Kind::Ids, "Group ids."),
    ts("createdAt__gt"),
    ts("createdAt__gte"),
    ts("createdAt__lt"),
    ts("createdAt__lte"),
    Param::query("sortBy", Kind::Choice(&["id", "activityType", "createdAt"]), "Sort field."),
];

const ALERT_FILTERS: &[Param] = &[
    Param::query("ids", Kind::Ids, "Alert ids (alertInfo.alertId)."),
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
    Param::query("incidentStatus", Kind::Choices(&["UNRESOLVED", "IN_PROGRESS", "RESOLVED"]), "Incident statuses (UPPER_SNAKE here; alerts show display case)."),
    Param::query("analystVerdict", Kind::Choices(&["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"]), "Analyst verdicts (UPPER_SNAKE)."),
    Param::query("severity", Kind::Choices(&["Low", "Medium", "High", "Critical"]), "Rule severities."),
    ts("createdAt__gt"),
    ts("createdAt__gte"),
    ts("createdAt__lt"),
    ts("createdAt__lte"),
    Param::query("sortBy", Kind::Choice(&["alertInfoCreatedAt", "id"]), "Sort field."),
];

pub const ALERTS: Target = Target { what: "alert", lookup: "cloud-detection/alerts", id_at: "/alertInfo/alertId", filters: ALERT_FILTERS, count: Count::ListTotal("cloud-detection/alerts") };

const ALERT_TARGET: &[Param] = &[
    Param::control("ids", Kind::Ids, "The alerts to act on."),
    Param::control("filter", Kind::Filter(ALERT_FILTERS), "Act on every alert matching this filter instead of ids (needs confirmFilter)."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to act on a filter."),
    Param::control("dryRun", Kind::Bool, "Count the alerts the target matches and act on none."),
];
const ALERT_VERDICT: &[Param] = &[Param::data("analystVerdict", Kind::Choice(&["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"]), "The analyst verdict.").required()];
const ALERT_INCIDENT: &[Param] = &[Param::data("incidentStatus", Kind::Choice(&["UNRESOLVED", "IN_PROGRESS", "RESOLVED"]), "The incident status.").required()];

/// One targeted row on threats or alerts.
const fn act(name: &'static str, title: &'static str, description: &'static str, path: &'static str, destructive: bool, target: &'static Target, params: &'static [&'static [Param]]) -> Action {
    Action { name, title, description, role: Role::Soc, destructive, scoped: false, params, op: Op::Act { method: Method::Post, path, target } }
}

/// Threats, activities and cloud-detection alerts.
pub const SECURITY: &[Action] = &[
    list("threats.list", "List threats", "Threats (v2.1 nested shape) matching the filters, all pages.", "threats", Items::Data, MAX_PAGE_SIZE, &[THREAT_FILTERS, THREAT_SORT, LIST_CONTROLS]),
    Action { name: "threats.get", title: "Get a threat", description: "One threat by id (via the list endpoint; there is no /threats/{id}).", role: Role::Viewer, destructive: false, scoped: true, params: &[ONE_ID], op: Op::One { path: "threats", what: "threat" } },
    act("threats.mitigate", "Mitigate threats", "Kill, quarantine, remediate, roll back or un-quarantine.", "threats/mitigate/{action}", true, &THREATS, &[THREAT_TARGET, MITIGATION]),
    act("threats.set-verdict", "Set the analyst verdict", "Set the analyst verdict on every threat given.", "threats/analyst-verdict", false, &THREATS, &[THREAT_TARGET, VERDICT]),
    act("threats.set-incident-status", "Set the incident status", "Set the incident status on every threat given.", "threats/incident", false, &THREATS, &[THREAT_TARGET, INCIDENT]),
    act("threats.add-note", "Add a note", "Add the same note to every threat given.", "threats/notes", false, &THREATS, &[THREAT_TARGET, NOTE]),
    act("threats.set-external-ticket", "Set the external ticket id", "Link the threats to a ticket in another system.", "threats/external-ticket-id", false, &THREATS, &[THREAT_TARGET, TICKET]),
    Action { name: "threats.notes", title: "List a threat's notes", description: "The notes on one threat, all pages.", role: Role::Viewer, destructive: false, scoped: false, params: &[ONE_ID, LIST_CONTROLS], op: Op::List { path: "threats/{id}/notes", items: Items::Data, page_cap: MAX_PAGE_SIZE } },
    Action { name: "threats.timeline", title: "A threat's timeline", description: "The activities on one threat, all pages.", role: Role::Viewer, destructive: false, scoped: false, params: &[ONE_ID, LIST_CONTROLS], op: Op::List { path: "threats/{id}/timeline", items: Items::Data, page_cap: MAX_PAGE_SIZE } },
    list("activities.list", "List activities", "Console activities matching the filters, all pages.", "activities", Items::Data, MAX_PAGE_SIZE, &[ACTIVITY_FILTERS, LIST_CONTROLS]),
    Action { name: "activities.types", title: "Activity types", description: "Every activity type code with its description template.", role: Role::Viewer, destructive: false, scoped: false, params: &[NONE], op: Op::Read { path: "activities/types" } },
    list("alerts.list", "List cloud-detection alerts", "STAR and custom-rule alerts; the id is alertInfo.alertId.", "cloud-detection/alerts", Items::Data, MAX_PAGE_SIZE, &[ALERT_FILTERS, LIST_CONTROLS]),
    act("alerts.set-verdict", "Set an alert verdict", "Set the analyst verdict on every alert given.", "cloud-detection/alerts/analyst-verdict", false, &ALERTS, &[ALERT_TARGET, ALERT_VERDICT]),
    act("alerts.set-incident-status", "Set an alert incident status", "Set the incident status on every alert given.", "cloud-detection/alerts/incident", false, &ALERTS, &[ALERT_TARGET, ALERT_INCIDENT]),
];
