//! Threats, activities and cloud-detection alerts.

use super::super::act::{Count, Target};
use super::super::params::{Kind, Param};
use super::{LIST_CONTROLS, NONE, ONE_ID, list, row, ts};
use crate::actions::{Action, Op, Role, Scope};
use crate::client::{Items, MAX_PAGE_SIZE};
use crate::http::Method;

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
const THREAT_SORT: &[Param] = &[Param::query(
    "sortBy",
    Kind::Choice(&["id", "createdAt", "updatedAt"]),
    "Sort field. Incremental readers use updatedAt with sortOrder asc.",
)];

pub const THREATS: Target = Target::new("threat", "threats", THREAT_FILTERS, Count::ListTotal("threats"));

const THREAT_TARGET: &[Param] = &[
    Param::control("ids", Kind::Ids, "The threats to act on."),
    Param::control(
        "filter",
        Kind::Filter(THREAT_FILTERS),
        "Act on every threat matching this filter instead of ids (needs confirmFilter).",
    ),
    Param::control("confirmFilter", Kind::Bool, "Must be true to act on a filter: the action reaches every matching threat."),
    Param::control("dryRun", Kind::Bool, "Count the threats the target matches and act on none."),
];
const MITIGATION: &[Param] = &[Param::control(
    "action",
    Kind::Choice(&["kill", "quarantine", "remediate", "rollback-remediation", "un-quarantine"]),
    "The mitigation.",
)
.required()];
const VERDICT: &[Param] = &[Param::data("analystVerdict", Kind::Choice(ANALYST_VERDICTS), "The analyst verdict.").required()];
const INCIDENT: &[Param] = &[Param::data("incidentStatus", Kind::Choice(INCIDENT_STATUSES), "The incident status.").required()];
const NOTE: &[Param] = &[Param::data("text", Kind::Text, "The note.").required()];
const ONE_NOTE: &[Param] = &[
    Param::control("id", Kind::Id, "The threat.").required(),
    Param::control("noteId", Kind::Id, "The note (see threats.notes).").required(),
];
const TICKET: &[Param] = &[Param::data("externalTicketId", Kind::Text, "The ticket id in the external system.").required()];

const ADD_TO_BLOCKLIST: &[Param] = &[
    Param::data(
        "targetScope",
        Kind::Choice(&["group", "site", "account", "tenant"]),
        "Where the blocklist entry applies, relative to each threat's agent.",
    )
    .required(),
    Param::data("description", Kind::Text, "The entry's description."),
    Param::data("note", Kind::Text, "A note added to the threats."),
    Param::data("externalTicketId", Kind::Text, "A ticket id in an external system."),
];
const FETCH_FILE: &[Param] = &[Param::data(
    "password",
    Kind::Password,
    "Password for the uploaded zip: at least 10 characters mixing upper and lower case, digits and symbols. Never logged or returned.",
)
.required()];
const EXPLORE_EVENTS: &[Param] = &[
    Param::query("eventTypes", Kind::Texts, "Event types, e.g. [\"Process Creation\", \"DNS Resolved\"]."),
    Param::query("eventSubTypes", Kind::Texts, "Event sub-types."),
    Param::query("processName__like", Kind::Text, "Process name containing this."),
    Param::query("sortBy", Kind::Choice(&["id", "createdAt", "eventType", "processName", "pid"]), "Sort field."),
];

/// Two threats by id, the usual way to aim a threat action.
const TWO_THREATS: &str = r#"{"ids": ["1834780238610856001", "1834780238610856002"]}"#;
/// The threat read rows name one threat, which must lie inside the scope pins.
const ONE_THREAT: Scope = Scope::Ids { field: "id", of: &THREATS };

/// One targeted row on threats or alerts.
const fn act(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    target: &'static Target,
    params: &'static [&'static [Param]],
) -> Action {
    row(name, title, description, params, Op::Act { method: Method::Post, path, target }).role(Role::Soc).example(TWO_THREATS)
}

/// A list of one threat's sub-objects: `GET threats/{id}/...`, all pages.
const fn threat_list(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    params: &'static [&'static [Param]],
) -> Action {
    row(name, title, description, params, Op::List { path, items: Items::Data, page_cap: MAX_PAGE_SIZE })
        .scope(ONE_THREAT)
        .example(r#"{"id": "1834780238610856001"}"#)
}

pub const THREAT_ACTIONS: &[Action] = &[
    list("threats.list", "List threats", "Threats (v2.1 nested shape) matching the filters, all pages.", "threats", &[THREAT_FILTERS, THREAT_SORT, LIST_CONTROLS])
        .example(r#"{"incidentStatuses": ["unresolved"], "updatedAt__gt": "2026-11-01T00:00:00Z", "sortBy": "updatedAt", "sortOrder": "asc"}"#),
    row("threats.get", "Get a threat", "One threat by id (via the list endpoint; there is no /threats/{id}).", &[ONE_ID], Op::One { path: "threats", what: "threat" })
        .scope(Scope::Query)
        .example(r#"{"id": "1834780238610856001"}"#),
    act("threats.mitigate", "Mitigate threats", "Kill, quarantine, remediate, roll back or un-quarantine.", "threats/mitigate/{action}", &THREATS, &[THREAT_TARGET, MITIGATION])
        .destructive()
        .example(r#"{"ids": ["1834780238610856001"], "action": "quarantine"}"#),
    act("threats.set-verdict", "Set the analyst verdict", "Set the analyst verdict on every threat given.", "threats/analyst-verdict", &THREATS, &[THREAT_TARGET, VERDICT])
        .example(r#"{"ids": ["1834780238610856001", "1834780238610856002"], "analystVerdict": "true_positive"}"#),
    act("threats.set-incident-status", "Set the incident status", "Set the incident status on every threat given.", "threats/incident", &THREATS, &[THREAT_TARGET, INCIDENT])
        .example(r#"{"ids": ["1834780238610856001"], "incidentStatus": "resolved"}"#),
    act("threats.add-note", "Add a note", "Add the same note to every threat given.", "threats/notes", &THREATS, &[THREAT_TARGET, NOTE])
        .example(r#"{"ids": ["1834780238610856001"], "text": "Escalated to tier 2."}"#),
    act("threats.set-external-ticket", "Set the external ticket id", "Link the threats to a ticket in another system.", "threats/external-ticket-id", &THREATS, &[THREAT_TARGET, TICKET])
        .example(r#"{"ids": ["1834780238610856001"], "externalTicketId": "INC-20431"}"#),
    act("threats.add-to-blocklist", "Add to the blocklist", "Block each threat's SHA1 at the chosen scope of its agent (POST threats/add-to-blacklist).", "threats/add-to-blacklist", &THREATS, &[THREAT_TARGET, ADD_TO_BLOCKLIST])
        .destructive()
        .example(r#"{"ids": ["1834780238610856001"], "targetScope": "site", "description": "Blocked from INC-20431"}"#),
    act("threats.fetch-file", "Fetch the threat file", "Ask the agents to upload each threat's file (a password-protected zip); a type-86 activity on the threat's timeline carries the download.", "threats/fetch-file", &THREATS, &[THREAT_TARGET, FETCH_FILE])
        .role(Role::IncidentResponse)
        .example(r#"{"ids": ["1834780238610856001"], "password": "Zip-Pass-2026!"}"#),
    row(
        "threats.download-from-cloud",
        "Threat file link from the cloud",
        "The signed link to a threat's file in SentinelOne's cloud, with its name (the downloads interface fetches the bytes).",
        &[ONE_ID],
        Op::Read { path: "threats/{id}/download-from-cloud" },
    )
    .role(Role::IncidentResponse)
    .scope(ONE_THREAT)
    .example(r#"{"id": "1834780238610856001"}"#),
    threat_list("threats.notes", "List a threat's notes", "The notes on one threat, all pages.", "threats/{id}/notes", &[ONE_ID, LIST_CONTROLS]),
    row("threats.update-note", "Edit a note", "Replace the text of one note on a threat.", &[ONE_NOTE, NOTE], Op::Send { method: Method::Put, path: "threats/{id}/notes/{noteId}", wrap: true })
        .role(Role::Soc)
        .scope(ONE_THREAT)
        .example(r#"{"id": "1834780238610856001", "noteId": "1834780238610858001", "text": "Escalated to tier 3."}"#),
    row("threats.delete-note", "Delete a note", "Delete one note from a threat.", &[ONE_NOTE], Op::Send { method: Method::Delete, path: "threats/{id}/notes/{noteId}", wrap: true })
        .role(Role::Soc)
        .scope(ONE_THREAT)
        .destructive()
        .example(r#"{"id": "1834780238610856001", "noteId": "1834780238610858001"}"#),
    threat_list("threats.timeline", "A threat's timeline", "The activities on one threat, all pages.", "threats/{id}/timeline", &[ONE_ID, LIST_CONTROLS]),
    threat_list("threats.explore-events", "Explore a threat's events", "The process, file, network and registry events of one threat's storyline, all pages.", "threats/{id}/explore/events", &[ONE_ID, EXPLORE_EVENTS, LIST_CONTROLS]),
];

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
    Param::query(
        "incidentStatus",
        Kind::Choices(&["UNRESOLVED", "IN_PROGRESS", "RESOLVED"]),
        "Incident statuses (UPPER_SNAKE here; alerts show display case).",
    ),
    Param::query(
        "analystVerdict",
        Kind::Choices(&["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"]),
        "Analyst verdicts (UPPER_SNAKE).",
    ),
    Param::query("severity", Kind::Choices(&["Low", "Medium", "High", "Critical"]), "Rule severities."),
    ts("createdAt__gt"),
    ts("createdAt__gte"),
    ts("createdAt__lt"),
    ts("createdAt__lte"),
];

/// Listing only: an action's filter selects alerts, and `sortBy` selects none (the spec's action
/// filters do not declare it).
const ALERT_SORT: &[Param] = &[Param::query("sortBy", Kind::Choice(&["alertInfoCreatedAt", "id"]), "Sort field.")];

pub const ALERTS: Target = Target {
    id_at: "/alertInfo/alertId",
    ..Target::new("alert", "cloud-detection/alerts", ALERT_FILTERS, Count::ListTotal("cloud-detection/alerts"))
};

const ALERT_TARGET: &[Param] = &[
    Param::control("ids", Kind::Ids, "The alerts to act on."),
    Param::control("filter", Kind::Filter(ALERT_FILTERS), "Act on every alert matching this filter instead of ids (needs confirmFilter)."),
    Param::control("confirmFilter", Kind::Bool, "Must be true to act on a filter."),
    Param::control("dryRun", Kind::Bool, "Count the alerts the target matches and act on none."),
];
const ALERT_VERDICT: &[Param] =
    &[Param::data("analystVerdict", Kind::Choice(&["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"]), "The analyst verdict.")
        .required()];
const ALERT_INCIDENT: &[Param] =
    &[Param::data("incidentStatus", Kind::Choice(&["UNRESOLVED", "IN_PROGRESS", "RESOLVED"]), "The incident status.").required()];

pub const ACTIVITY_ACTIONS: &[Action] = &[
    list(
        "activities.list",
        "List activities",
        "Console activities matching the filters, all pages.",
        "activities",
        &[ACTIVITY_FILTERS, LIST_CONTROLS],
    )
    .example(r#"{"activityTypes": ["86"], "createdAt__gt": "2026-11-20T00:00:00Z", "sortBy": "createdAt", "sortOrder": "asc"}"#),
    row(
        "activities.types",
        "Activity types",
        "Every activity type code with its description template.",
        &[NONE],
        Op::Read { path: "activities/types" },
    ),
];

pub const ALERT_ACTIONS: &[Action] = &[
    list(
        "alerts.list",
        "List cloud-detection alerts",
        "STAR and custom-rule alerts; the id is alertInfo.alertId.",
        "cloud-detection/alerts",
        &[ALERT_FILTERS, ALERT_SORT, LIST_CONTROLS],
    )
    .example(r#"{"incidentStatus": ["UNRESOLVED"], "severity": ["High", "Critical"]}"#),
    act(
        "alerts.set-verdict",
        "Set an alert verdict",
        "Set the analyst verdict on every alert given.",
        "cloud-detection/alerts/analyst-verdict",
        &ALERTS,
        &[ALERT_TARGET, ALERT_VERDICT],
    )
    .example(r#"{"ids": ["1834780238610857001"], "analystVerdict": "FALSE_POSITIVE"}"#),
    act(
        "alerts.set-incident-status",
        "Set an alert incident status",
        "Set the incident status on every alert given.",
        "cloud-detection/alerts/incident",
        &ALERTS,
        &[ALERT_TARGET, ALERT_INCIDENT],
    )
    .example(r#"{"ids": ["1834780238610857001"], "incidentStatus": "RESOLVED"}"#),
];
