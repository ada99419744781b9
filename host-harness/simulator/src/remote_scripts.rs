//! Remote scripts (RemoteOps): `GET remote-scripts`, `POST remote-scripts/execute`,
//! `GET remote-scripts/status`, `POST remote-scripts/fetch-files`.
//!
//! The library is seeded by [`super::seed_scripts`]. Execution creates one task per targeted
//! agent under a new `parentTaskId`; tasks move on with the monotonic clock, one
//! `Timing::script_step` per stage: `created` → `pending` → `in_progress` → `completed` for agents
//! that were active (`isActive`) when the script was sent. Tasks for inactive agents stay
//! `pending` and become `expired` once the script timeout (`scriptRuntimeTimeoutSeconds`, from the
//! request or the script, in real seconds) has passed since creation.
//!
//! Modelling choices (the reference is unsure or silent):
//! - Execute takes the agent-action filter ([`super::agents::AgentFilter`], confined to the
//!   caller's scope); an EMPTY filter targets every agent in scope (the console's real quirk; a
//!   missing `filter` is a 400). Agents whose OS is not in the script's `osTypes`, or outside an
//!   account script's account, are skipped and not counted in `affected`. Viewers get 403.
//! - 400 naming the field for: missing `scriptId`, `taskDescription` or `outputDestination`; an
//!   `outputDestination` other than `SentinelCloud`, `Local`, `None`, `SingularityXDR`; a script
//!   unknown or outside the caller's scope; `inputParams` missing or blank for a script with
//!   `inputRequired`; `scriptRuntimeTimeoutSeconds` outside 1..=172800 (our bound); a non-boolean
//!   `requiresApproval`.
//! - Nothing to run (`affected: 0`) answers `parentTaskId: null` and creates no task.
//!   `requiresApproval: true` answers `pending: true` with a `pendingExecutionId` and creates no
//!   task (approvals are not modelled).
//! - Status filters by `parentTaskId` (optional, as the spec says; an unknown one is an empty
//!   page), `ids`,
//!   `status`, `computerName__contains`, `createdAt__*`; sort `id`, `createdAt`, `updatedAt`;
//!   end marker `null`. Site-scoped users see only their agents' tasks.
//! - `fetch-files` (Viewers get 403) returns links only for the caller's `completed` tasks whose
//!   `outputDestination` was `SentinelCloud`; other ids (unknown, not finished, other
//!   destinations) are silently left out. `downloadUrl` is a pre-signed URL on the storage origin
//!   (another host: [`super::storage`]), `/s1-remote-ops-results/<accountId>/<parentTaskId>/
//!   <taskId>/<computerName>_<taskId>.zip`, valid for an hour; a client must fetch it WITHOUT the
//!   SentinelOne `Authorization` header (storage answers 400 to one that sends it). The zip (not
//!   encrypted) holds `output.txt`: a deterministic text naming the task, its parent, the agent's
//!   computer name and the script. Each call signs new URLs (earlier ones stay valid).
//! - No activities are recorded for script runs.

use super::agents::{AgentFilter, select};
use super::archive::{self, Entry};
use super::auth::Caller;
use super::clock::Timestamp;
use super::deep_visibility::{id_list, json_object};
use super::errors::ApiError;
use super::filters::{TimeRange, allows, contains_any, single};
use super::model::Role;
use super::model::{Agent, Id, Scope};
use super::paging::{EndMarker, Keyed, Listing, PageRequest, SortKey, keyed_by_field};
use super::query::{Params, parse_id};
use super::rng::SplitMix64;
use super::state::AppState;
use super::storage::{Blob, REMOTE_OPS_BUCKET, Storage};
use super::threat_actions::{action_body, data_text};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SCRIPTS: Listing = Listing {
    name: "remote-scripts",
    max_limit: 1000,
    sort_fields: &["id", "scriptName", "scriptType", "createdAt", "updatedAt"],
    end_marker: EndMarker::Null,
};
const TASKS: Listing =
    Listing { name: "remote-script-tasks", max_limit: 1000, sort_fields: &["id", "createdAt", "updatedAt"], end_marker: EndMarker::Null };
const OS_TYPES: [&str; 3] = ["windows", "macos", "linux"];
const SCRIPT_TYPES: [&str; 3] = ["artifactCollection", "dataCollection", "action"];
const DESTINATIONS: [&str; 4] = ["SentinelCloud", "Local", "None", "SingularityXDR"];
const TASK_STATUSES: [&str; 8] = ["created", "pending", "in_progress", "completed", "failed", "canceled", "expired", "partially_completed"];
const MAX_TIMEOUT_SECONDS: u64 = 172_800;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    pub id: Id,
    pub script_name: String,
    pub script_type: String,
    pub os_types: Vec<String>,
    pub input_required: bool,
    pub input_instructions: Option<String>,
    pub input_example: Option<String>,
    pub script_runtime_timeout_seconds: u32,
    pub version: String,
    /// `global` or `account`.
    pub scope_level: String,
    pub scope_id: Option<Id>,
    pub scope_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub creator: String,
    pub creator_id: Option<Id>,
    pub script_description: String,
    pub file_name: String,
}

impl Script {
    /// Global scripts are visible everywhere; account scripts within their account.
    fn visible_to(&self, scope: Scope) -> bool {
        self.scope_id.is_none_or(|account| match scope {
            Scope::Tenant => true,
            Scope::Account(a) | Scope::Site { account: a, .. } => a == account,
        })
    }

    fn runs_on(&self, agent: &Agent) -> bool {
        self.os_types.contains(&agent.os_type) && self.scope_id.is_none_or(|a| a == agent.account_id)
    }
}

/// One script run on one agent. The agent is a snapshot taken when the script was sent.
pub struct ScriptTask {
    id: Id,
    parent_task_id: Id,
    agent: Agent,
    script_name: String,
    description: String,
    output_destination: String,
    initiated_by_id: Id,
    created: Instant,
    created_at: Timestamp,
    timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Created,
    Pending,
    InProgress,
    Completed,
    Expired,
}

impl Stage {
    /// `(status, statusDescription)`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Stage::Created => ("created", "Created"),
            Stage::Pending => ("pending", "Pending"),
            Stage::InProgress => ("in_progress", "In progress"),
            Stage::Completed => ("completed", "Completed"),
            Stage::Expired => ("expired", "Expired"),
        }
    }
}

impl ScriptTask {
    /// The stage at `now` and how long after creation it began.
    fn stage(&self, now: Instant, step: Duration) -> (Stage, Duration) {
        let elapsed = now.saturating_duration_since(self.created);
        if self.agent.is_active {
            const ORDER: [Stage; 4] = [Stage::Created, Stage::Pending, Stage::InProgress, Stage::Completed];
            let steps = if step.is_zero() { 3 } else { (elapsed.as_nanos() / step.as_nanos()).min(3) as u32 };
            return (ORDER[steps as usize], step * steps);
        }
        let expiry = self.timeout.max(step);
        if elapsed >= expiry {
            (Stage::Expired, expiry)
        } else if elapsed >= step {
            (Stage::Pending, step)
        } else {
            (Stage::Created, Duration::ZERO)
        }
    }

    fn detailed_status(&self, stage: Stage) -> &'static str {
        match stage {
            Stage::Created => "Task created",
            Stage::Pending if self.agent.is_active => "Waiting for the agent to pick up the task",
            Stage::Pending => "The agent is offline: the task will run when it connects",
            Stage::InProgress => "Script is running",
            Stage::Completed => "Execution completed successfully",
            Stage::Expired => "The agent did not pick up the task before the timeout",
        }
    }

    fn is_cloud_output(&self) -> bool {
        self.output_destination == "SentinelCloud"
    }

    fn to_json(&self, now: Instant, step: Duration) -> Value {
        let (stage, since) = self.stage(now, step);
        let (status, description) = stage.names();
        let a = &self.agent;
        let signed = stage == Stage::Completed && self.is_cloud_output();
        json!({
            "id": self.id,
            "parentTaskId": self.parent_task_id,
            "type": "script_execution",
            "status": status,
            "statusCode": null,
            "statusDescription": description,
            "detailedStatus": self.detailed_status(stage),
            "description": self.description,
            "scriptName": self.script_name,
            "initiatedBy": "user",
            "initiatedById": self.initiated_by_id,
            "createdAt": self.created_at,
            "updatedAt": self.created_at.plus_micros(since.as_micros() as i64),
            "scriptResultsSignature": signed.then(|| SplitMix64::new(self.id.0).hex(32)),
            "agentId": a.id,
            "agentUuid": a.uuid,
            "agentComputerName": a.computer_name,
            "agentOsType": a.os_type,
            "agentMachineType": a.machine_type,
            "agentIsActive": a.is_active,
            "agentIsDecommissioned": a.is_decommissioned,
            "accountId": a.account_id,
            "accountName": a.account_name,
            "siteId": a.site_id,
            "siteName": a.site_name,
            "groupId": a.group_id,
            "groupName": a.group_name,
        })
    }

    fn visible_to(&self, caller: &Caller) -> bool {
        caller.scope.admits(self.agent.account_id, self.agent.site_id)
    }

    /// The task's output: a zip holding `output.txt`.
    fn output_zip(&self) -> Result<Vec<u8>, ApiError> {
        let text = format!(
            "Remote script output (simulated)\ntaskId: {}\nparentTaskId: {}\nagent: {}\nscript: {}\nstatus: completed\n",
            self.id, self.parent_task_id, self.agent.computer_name, self.script_name
        );
        archive::build(&[Entry::new("output.txt", text)], None).map_err(|e| ApiError::internal(format!("cannot build the output zip: {e}")))
    }

    /// Stores the output on the storage origin and answers its link.
    fn download_link(&self, storage: &Storage) -> Result<Value, ApiError> {
        let file_name = format!("{}_{}.zip", self.agent.computer_name, self.id);
        let key = format!("{}/{}/{}/{file_name}", self.agent.account_id, self.parent_task_id, self.id);
        let blob = Blob { bytes: self.output_zip()?, content_type: "application/zip", file_name: file_name.clone() };
        let url = storage.presign(REMOTE_OPS_BUCKET, &key, blob);
        Ok(json!({"taskId": self.id, "fileName": file_name, "downloadUrl": url}))
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page = PageRequest::parse(&params, &SCRIPTS)?;
    let os_types = params.csv_enum("osTypes", &OS_TYPES)?;
    let script_types = params.csv_enum("scriptType", &SCRIPT_TYPES)?;
    let query = single(&params, "query");
    let ids = params.ids("ids")?;
    let account_ids = params.ids("accountIds")?;
    // A site's scripts are its account's (and the global ones).
    let site_accounts: Option<Vec<Id>> = params.ids("siteIds")?.map(|sites| {
        let world = state.world();
        sites.iter().filter_map(|id| world.site(*id).map(|s| s.account_id)).collect()
    });
    let jobs = state.jobs();
    let items = jobs
        .scripts
        .iter()
        .filter(|s| {
            s.visible_to(caller.scope)
                && allows(&ids, &s.id)
                && allows(&script_types, &s.script_type)
                && os_types.as_ref().is_none_or(|wanted| s.os_types.iter().any(|os| wanted.contains(os)))
                && contains_any(&query, [s.script_name.as_str(), &s.script_description])
                && s.scope_id.is_none_or(|account| allows(&account_ids, &account) && allows(&site_accounts, &account))
        })
        .map(|s| (s.id.0, s))
        .collect();
    Ok(Json(page.envelope(keyed_by_field(items, &page.sort_by))))
}

/// The validated `data` of an execute request.
struct Order {
    script_id: Id,
    description: String,
    output_destination: String,
    input: Option<String>,
    timeout_seconds: Option<u64>,
    requires_approval: bool,
}

impl Order {
    fn parse(data: &Value) -> Result<Order, ApiError> {
        let script_id = match data.get("scriptId") {
            Some(Value::String(s)) => parse_id(s),
            Some(Value::Number(n)) => parse_id(&n.to_string()),
            None | Some(Value::Null) => {
                return Err(ApiError::validation("data.scriptId is required"));
            }
            Some(_) => None,
        }
        .ok_or_else(|| ApiError::validation("data.scriptId is not a valid id"))?;
        let description = data_text(data, "taskDescription", None)?;
        if description.trim().is_empty() {
            return Err(ApiError::validation("data.taskDescription is required"));
        }
        let input = match data.get("inputParams") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
            Some(_) => return Err(ApiError::validation("data.inputParams must be a string")),
        };
        let timeout_seconds = match data.get("scriptRuntimeTimeoutSeconds") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_u64().filter(|n| (1..=MAX_TIMEOUT_SECONDS).contains(n)).ok_or_else(|| {
                ApiError::validation(format!("data.scriptRuntimeTimeoutSeconds must be an integer from 1 to {MAX_TIMEOUT_SECONDS}"))
            })?),
        };
        let requires_approval = match data.get("requiresApproval") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(ApiError::validation("data.requiresApproval must be a boolean"));
            }
        };
        Ok(Order {
            script_id,
            description,
            output_destination: data_text(data, "outputDestination", Some(&DESTINATIONS))?,
            input,
            timeout_seconds,
            requires_approval,
        })
    }

    /// The script to run, if the caller may see it and its input is given.
    fn script(&self, scripts: &[Script], caller: &Caller) -> Result<Script, ApiError> {
        let script = scripts
            .iter()
            .find(|s| s.id == self.script_id && s.visible_to(caller.scope))
            .ok_or_else(|| ApiError::validation(format!("data.scriptId: no script {} in your scope", self.script_id)))?;
        if script.input_required && self.input.is_none() {
            return Err(ApiError::validation(format!(
                "data.inputParams is required by '{}': {}",
                script.script_name,
                script.input_instructions.as_deref().unwrap_or("")
            )));
        }
        Ok(script.clone())
    }
}

fn execute_answer(affected: usize, parent: Option<Id>, pending: Option<Id>) -> Json<Value> {
    Json(json!({"data": {
        "affected": affected,
        "parentTaskId": parent,
        "pending": pending.is_some(),
        "pendingExecutionId": pending,
    }}))
}

pub async fn execute(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::IncidentResponse)?;
    let (filter, data) = action_body(&body)?;
    let filter = AgentFilter::parse(&filter)?;
    let order = Order::parse(&data)?;
    let script = order.script(&state.jobs().scripts, &caller)?;
    let timeout = Duration::from_secs(order.timeout_seconds.unwrap_or(u64::from(script.script_runtime_timeout_seconds)));
    let mut world = state.world();
    let targets: Vec<Agent> =
        select(&world, &caller, &filter).into_iter().map(|i| &world.agents[i]).filter(|agent| script.runs_on(agent)).cloned().collect();
    if order.requires_approval {
        return Ok(execute_answer(targets.len(), None, Some(world.new_id())));
    }
    if targets.is_empty() {
        return Ok(execute_answer(0, None, None));
    }
    let parent_task_id = world.new_id();
    let (created, created_at) = (Instant::now(), Timestamp::now());
    let tasks: Vec<ScriptTask> = targets
        .into_iter()
        .map(|agent| ScriptTask {
            id: world.new_id(),
            parent_task_id,
            agent,
            script_name: script.script_name.clone(),
            description: order.description.clone(),
            output_destination: order.output_destination.clone(),
            initiated_by_id: caller.user_id,
            created,
            created_at,
            timeout,
        })
        .collect();
    drop(world);
    let affected = tasks.len();
    state.jobs().tasks.extend(tasks);
    Ok(execute_answer(affected, Some(parent_task_id), None))
}

pub async fn status(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page = PageRequest::parse(&params, &TASKS)?;
    let parent = match params.get("parentTaskId") {
        Some(text) => Some(parse_id(&text).ok_or_else(|| ApiError::validation(format!("parentTaskId: '{text}' is not a valid id")))?),
        None => None,
    };
    let ids = params.ids("ids")?;
    let account_ids = params.ids("accountIds")?;
    let site_ids = params.ids("siteIds")?;
    let statuses = params.csv_enum("status", &TASK_STATUSES)?;
    let names = params.csv("computerName__contains");
    let created = TimeRange::parse(&params, "createdAt")?;
    let jobs = state.jobs();
    let (now, step) = (Instant::now(), jobs.timing.script_step);
    let keyed = jobs
        .tasks
        .iter()
        .filter(|t| {
            parent.is_none_or(|p| t.parent_task_id == p)
                && t.visible_to(&caller)
                && allows(&ids, &t.id)
                && allows(&account_ids, &t.agent.account_id)
                && allows(&site_ids, &t.agent.site_id)
                && created.admits(Some(t.created_at))
                && contains_any(&names, [t.agent.computer_name.as_str()])
        })
        .map(|t| (t.id.0, t.to_json(now, step)))
        .filter(|(_, item)| {
            let status = item["status"].as_str().unwrap_or_default().to_string();
            allows(&statuses, &status)
        })
        .map(|(id, item)| Keyed { key: SortKey::from_json(item.get(&page.sort_by)), id, item })
        .collect();
    Ok(Json(page.envelope(keyed)))
}

pub async fn fetch_files(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller.require(Role::IncidentResponse)?;
    let body = json_object(&body)?;
    let task_ids = match body.get("data") {
        Some(Value::Object(data)) => id_list(data, "taskIds")?,
        _ => None,
    }
    .ok_or_else(|| ApiError::validation("data.taskIds is required (an array of task ids)"))?;
    let jobs = state.jobs();
    let (now, step) = (Instant::now(), jobs.timing.script_step);
    let links: Vec<Value> = jobs
        .tasks
        .iter()
        .filter(|t| task_ids.contains(&t.id) && t.visible_to(&caller) && t.is_cloud_output() && t.stage(now, step).0 == Stage::Completed)
        .map(|t| t.download_link(&state.storage))
        .collect::<Result<_, _>>()?;
    Ok(Json(json!({"data": {"download_links": links}})))
}
