//! Agents: listing, counting, installed applications, the agent actions, and fetching files.

use super::super::act::{Count, Target};
use super::super::params::{Kind, Param};
use super::{LIST_CONTROLS, ONE_ID, OS_TYPES, row, ts};
use crate::actions::{Action, Op, Role, Scope};
use crate::client::{Items, MAX_PAGE_SIZE};
use crate::http::Method;

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
const MACHINE_TYPES: &[&str] = &["unknown", "desktop", "laptop", "server", "kubernetes node", "storage", "kubernetes pod"];

const AGENT_SORT: &[Param] = &[Param::query(
    "sortBy",
    Kind::Choice(&[
        "id",
        "computerName",
        "createdAt",
        "updatedAt",
        "lastActiveDate",
        "registeredAt",
        "networkStatus",
        "siteId",
        "osType",
        "agentVersion",
    ]),
    "Sort field. Incremental readers use updatedAt with sortOrder asc.",
)];

/// Agents, targeted by ids or a confirmed agent filter.
pub const AGENTS: Target = Target::new("agent", "agents", AGENT_FILTERS, Count::Endpoint("agents/count"));

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
const DISABLE: &[Param] = &[
    Param::data("shouldReboot", Kind::Bool, "Reboot the endpoints to complete the change.").required(),
    Param::data("expiration", Kind::Timestamp, "Re-enable the agents at this time (ISO-8601); without it they stay disabled."),
];
const ENABLE: &[Param] = &[Param::data("shouldReboot", Kind::Bool, "Reboot the endpoints to complete the change.").required()];
const APPLICATIONS: &[Param] = &[Param::query("ids", Kind::Ids, "The agents whose installed applications to list.").required()];
const FETCH_FILES: &[Param] = &[
    Param::control("id", Kind::Id, "The agent to fetch the files from.").required(),
    Param::data("files", Kind::Paths, "Absolute paths of up to 10 files (10 MB in all), no wildcards.").required(),
    Param::data(
        "password",
        Kind::Password,
        "Password for the uploaded zip: at least 10 characters mixing upper and lower case, digits and symbols. Never logged or returned.",
    )
    .required(),
];

/// An example targeting two agents by id.
const TWO_AGENTS: &str = r#"{"ids": ["1834780238610855700", "1834780238610855701"]}"#;

/// One `POST agents/actions/<verb>` row.
const fn agent_action(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    role: Role,
    params: &'static [&'static [Param]],
) -> Action {
    row(name, title, description, params, Op::Act { method: Method::Post, path, target: &AGENTS }).role(role).example(TWO_AGENTS)
}

pub const ACTIONS: &[Action] = &[
    row(
        "agents.list",
        "List agents",
        "Agents matching the filters, following cursors to the end or to maxItems.",
        &[AGENT_FILTERS, AGENT_SORT, LIST_CONTROLS],
        Op::List { path: "agents", items: Items::Data, page_cap: MAX_PAGE_SIZE },
    )
    .scope(Scope::Query)
    .example(r#"{"osTypes": ["windows"], "isActive": true, "sortBy": "updatedAt", "sortOrder": "asc", "maxItems": 2000}"#),
    row("agents.count", "Count agents", "How many agents match the filters.", &[AGENT_FILTERS], Op::Count { path: "agents/count" })
        .scope(Scope::Query)
        .example(r#"{"infected": true}"#),
    row(
        "agents.get",
        "Get an agent",
        "One agent by id, with every field SentinelOne returns.",
        &[ONE_ID],
        Op::One { path: "agents", what: "agent" },
    )
    .scope(Scope::Query)
    .example(r#"{"id": "1834780238610855700"}"#),
    row(
        "agents.applications",
        "Installed applications",
        "The applications installed on the agents (name, publisher, version, size, install date).",
        &[APPLICATIONS],
        Op::Read { path: "agents/applications" },
    )
    .scope(Scope::Ids { field: "ids", of: &AGENTS })
    .example(r#"{"ids": ["1834780238610855700"]}"#),
    agent_action(
        "agents.isolate",
        "Isolate agents",
        "Disconnect the endpoints from the network; they keep talking to the console.",
        "agents/actions/disconnect",
        Role::Soc,
        &[AGENT_TARGET],
    )
    .destructive(),
    agent_action(
        "agents.reconnect",
        "Reconnect agents",
        "Reconnect isolated endpoints to the network.",
        "agents/actions/connect",
        Role::Soc,
        &[AGENT_TARGET],
    ),
    agent_action(
        "agents.scan",
        "Start a full disk scan",
        "Start a full disk scan on the agents.",
        "agents/actions/initiate-scan",
        Role::It,
        &[AGENT_TARGET],
    ),
    agent_action(
        "agents.abort-scan",
        "Abort a scan",
        "Stop a running full disk scan.",
        "agents/actions/abort-scan",
        Role::It,
        &[AGENT_TARGET],
    ),
    agent_action(
        "agents.fetch-logs",
        "Fetch agent logs",
        "Ask the agents to upload their logs.",
        "agents/actions/fetch-logs",
        Role::It,
        &[AGENT_TARGET, FETCH_LOGS],
    ),
    agent_action(
        "agents.restart",
        "Restart endpoints",
        "Reboot the endpoints.",
        "agents/actions/restart-machine",
        Role::It,
        &[AGENT_TARGET],
    )
    .destructive(),
    agent_action(
        "agents.shutdown",
        "Shut down endpoints",
        "Shut the endpoints down (online agents only).",
        "agents/actions/shutdown",
        Role::It,
        &[AGENT_TARGET],
    )
    .destructive(),
    agent_action(
        "agents.decommission",
        "Decommission agents",
        "Remove the agents from the console until they check in again.",
        "agents/actions/decommission",
        Role::Admin,
        &[AGENT_TARGET],
    )
    .destructive(),
    agent_action(
        "agents.uninstall",
        "Uninstall agents",
        "Uninstall the agents (the endpoint reboots afterwards).",
        "agents/actions/uninstall",
        Role::Admin,
        &[AGENT_TARGET],
    )
    .destructive()
    .example(r#"{"filter": {"computerName__contains": ["LAB-"], "isActive": false}, "dryRun": true}"#),
    agent_action(
        "agents.broadcast",
        "Broadcast a message",
        "Show a message to the endpoints' users.",
        "agents/actions/broadcast",
        Role::It,
        &[AGENT_TARGET, BROADCAST],
    )
    .example(r#"{"ids": ["1834780238610855700"], "message": "IT will restart this computer at 18:00."}"#),
    agent_action(
        "agents.move-to-site",
        "Move agents to a site",
        "Move the agents to another site (account or global scope).",
        "agents/actions/move-to-site",
        Role::Admin,
        &[AGENT_TARGET, MOVE_TO_SITE],
    )
    .destructive()
    .example(r#"{"ids": ["1834780238610855700"], "targetSiteId": "1834780238610855650"}"#),
    agent_action(
        "agents.disable",
        "Disable agents",
        "Turn the agents' protection off (until expiration, when given); they keep reporting to the console.",
        "agents/actions/disable-agent",
        Role::Admin,
        &[AGENT_TARGET, DISABLE],
    )
    .destructive()
    .example(r#"{"ids": ["1834780238610855700"], "shouldReboot": false, "expiration": "2026-12-01T08:00:00Z"}"#),
    agent_action(
        "agents.mark-up-to-date",
        "Mark as up to date",
        "Record the agents' version as up to date, where the console does not know it as the latest.",
        "agents/actions/mark-up-to-date",
        Role::It,
        &[AGENT_TARGET],
    ),
    agent_action(
        "agents.enable",
        "Enable agents",
        "Turn the agents' protection back on.",
        "agents/actions/enable-agent",
        Role::Admin,
        &[AGENT_TARGET, ENABLE],
    )
    .example(r#"{"ids": ["1834780238610855700"], "shouldReboot": false}"#),
    row(
        "agents.fetch-files",
        "Fetch files from an agent",
        "Ask one agent to upload files (a password-protected zip); the download appears as a file-upload activity.",
        &[FETCH_FILES],
        Op::Send { method: Method::Post, path: "agents/{id}/actions/fetch-files", wrap: true },
    )
    .role(Role::IncidentResponse)
    .scope(Scope::Ids { field: "id", of: &AGENTS })
    .example(r#"{"id": "1834780238610855700", "files": ["C:\\Windows\\Temp\\dropper.exe"], "password": "Zip-Pass-2026!"}"#),
];
