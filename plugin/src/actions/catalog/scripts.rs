//! Remote scripts (RemoteOps): the library, running a script on agents, and its tasks.

use super::super::act::{Count, Target};
use super::super::params::{Kind, Param};
use super::agents::AGENT_TARGET;
use super::{LIST_CONTROLS, OS_TYPES, list, row};
use crate::actions::{Action, Op, Role, Scope, remote_scripts};
use crate::client::{Items, MAX_PAGE_SIZE};
use crate::http::Method;

const LIBRARY_FILTERS: &[Param] = &[
    Param::query("ids", Kind::Ids, "Script ids."),
    Param::query("osTypes", Kind::Choices(OS_TYPES), "Operating systems the script runs on."),
    Param::query("scriptType", Kind::Choice(&["artifactCollection", "dataCollection", "action"]), "Script type."),
    Param::query("query", Kind::Text, "Free-text search."),
    Param::query("accountIds", Kind::Ids, "Account ids."),
    Param::query("siteIds", Kind::Ids, "Site ids."),
];

const EXECUTE: &[Param] = &[
    Param::data("scriptId", Kind::Id, "The script to run (see scripts.list).").required(),
    Param::data("taskDescription", Kind::Text, "What the run is for (shown in the console).").required(),
    Param::data(
        "outputDestination",
        Kind::Choice(&["SentinelCloud", "Local", "None", "SingularityXDR"]),
        "Where the output goes (SentinelCloud for scripts.results).",
    )
    .required(),
    Param::data("inputParams", Kind::Text, "The script's command-line input."),
    Param::data("scriptRuntimeTimeoutSeconds", Kind::Integer { min: 1, max: 172_800 }, "Stop the script after this long."),
    Param::data("requiresApproval", Kind::Bool, "Wait for an approver in the console."),
    Param::control(
        "waitSeconds",
        Kind::Integer { min: 0, max: 3600 },
        "How long to wait for every task to end (default 60; 0 returns at once). Tasks still running are reported as such.",
    ),
];

const STATUS: &[Param] = &[
    Param::query("parentTaskId", Kind::Id, "The parentTaskId of a run.").required(),
    Param::query("status", Kind::Choices(remote_scripts::TASK_STATUSES), "Task statuses."),
    Param::query("computerName__contains", Kind::Texts, "Computer names containing any of these."),
    Param::query("accountIds", Kind::Ids, "Tasks on agents of these accounts."),
    Param::query("siteIds", Kind::Ids, "Tasks on agents of these sites."),
];

/// Remote-script tasks, resolved with `GET remote-scripts/status?ids=` within the scope pins.
pub const TASKS: Target = Target::new("remote-script task", "remote-scripts/status", STATUS, Count::ListTotal("remote-scripts/status"));
const RESULTS: &[Param] = &[Param::data("taskIds", Kind::Ids, "Task ids (from scripts.run or scripts.status).").required()];

pub const ACTIONS: &[Action] = &[
    list("scripts.list", "List remote scripts", "The script library.", "remote-scripts", &[LIBRARY_FILTERS, LIST_CONTROLS]).example(r#"{"osTypes": ["windows"], "scriptType": "artifactCollection"}"#),
    row(
        "scripts.run",
        "Run a remote script",
        "Run a library script on agents, then wait (bounded) for every task to end; each task's status is reported per agent.",
        &[AGENT_TARGET, EXECUTE],
        Op::Native(remote_scripts::run),
    )
    .role(Role::IncidentResponse)
    .destructive()
    .example(r#"{"ids": ["1834780238610855700"], "scriptId": "1834780238610859501", "taskDescription": "Collect browser history for INC-20431", "outputDestination": "SentinelCloud", "waitSeconds": 120}"#),
    row("scripts.status", "Remote script tasks", "The tasks of one run, with their status, all pages.", &[STATUS, LIST_CONTROLS], Op::List { path: "remote-scripts/status", items: Items::Data, page_cap: MAX_PAGE_SIZE })
        .scope(Scope::Query)
        .example(r#"{"parentTaskId": "1834780238610859601"}"#),
    row(
        "scripts.results",
        "Remote script results",
        "Download links of finished tasks' output (pre-signed URLs on another host: fetch them without the SentinelOne token).",
        &[RESULTS],
        Op::Send { method: Method::Post, path: "remote-scripts/fetch-files", wrap: true },
    )
    .role(Role::IncidentResponse)
    .scope(Scope::Ids { field: "taskIds", of: &TASKS })
    .example(r#"{"taskIds": ["1834780238610859602"]}"#),
];
