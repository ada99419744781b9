//! Threat and alert actions: `POST <path>` with `{"filter": {...}, "data": {...}}` →
//! `{"data": {"affected": N, "details": [...]}}`, each one row of [`FILTER_ACTIONS`].
//!
//! A row says the path, what it acts on (threats or alerts), the role the console requires, the
//! activity each change records (code, name, description template), the value it reads and
//! checks from `data`, and the change on one target. The routes and `activities/types` are read
//! from the table. One engine ([`run`]) does the rest the same way for every row: parse the body,
//! select the targets with the `GET` filter confined to the caller's scope (an EMPTY filter acts on
//! everything in scope, the console's real, dangerous behaviour; a missing one is a 400), apply,
//! bump the version timestamp, record the activity, and count what was affected. A target the
//! change does not apply to (a mitigation the agent's OS cannot do) is listed under `details`,
//! not counted.

use super::activity_types as types;
use super::alerts::{AlertFilter, select as select_alerts};
use super::auth::Caller;
use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::{ActivityDraft, Id, Role, ThreatNote, World, display_case};
use super::seed_security::report;
use super::state::AppState;
use super::threat_actions::{action_body, data_text, username};
use super::threats::{ANALYST_VERDICTS, INCIDENT_STATUSES, ThreatFilter, select as select_threats};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::{Value, json};

/// What an action acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Threats,
    Alerts,
}

/// One change, as the engine hands it to a row.
pub struct Change<'a> {
    /// The value the row read from `data`.
    pub value: &'a str,
    pub user: &'a str,
    pub caller: &'a Caller,
    pub now: Timestamp,
}

/// One simulated threat or alert action.
pub struct FilterAction {
    /// The path under `/web/api/v2.1/`.
    pub path: &'static str,
    pub on: On,
    pub role: Role,
    /// The activity each change records: `(code, action, description template)`.
    pub activity: (u32, &'static str, &'static str),
    /// Reads and checks the value the action sets (a 400 naming the field).
    pub value: fn(&Value) -> Result<String, ApiError>,
    /// Changes target `i`: `Ok(detail)` counts it, `Err(detail)` skips it.
    pub apply: fn(&mut World, usize, &Change) -> Result<Value, Value>,
}

const fn threats(
    path: &'static str,
    activity: (u32, &'static str, &'static str),
    value: fn(&Value) -> Result<String, ApiError>,
    apply: fn(&mut World, usize, &Change) -> Result<Value, Value>,
) -> FilterAction {
    FilterAction { path, on: On::Threats, role: Role::Soc, activity, value, apply }
}

const fn alerts(
    path: &'static str,
    activity: (u32, &'static str, &'static str),
    value: fn(&Value) -> Result<String, ApiError>,
    apply: fn(&mut World, usize, &Change) -> Result<Value, Value>,
) -> FilterAction {
    FilterAction { path, on: On::Alerts, role: Role::Soc, activity, value, apply }
}

pub const FILTER_ACTIONS: &[FilterAction] = &[
    threats(
        "threats/mitigate/kill",
        (types::MITIGATION_KILL, "Threat Mitigation Report Kill Success", "{{ computer_name }} killed {{ threat_name }}"),
        no_value,
        kill,
    ),
    threats(
        "threats/mitigate/quarantine",
        (types::MITIGATION_QUARANTINE, "Threat Mitigation Report Quarantine Success", "{{ computer_name }} quarantined {{ threat_name }}"),
        no_value,
        quarantine,
    ),
    threats(
        "threats/mitigate/remediate",
        (types::MITIGATION_REMEDIATE, "Threat Mitigation Report Remediate Success", "{{ computer_name }} remediated {{ threat_name }}"),
        no_value,
        remediate,
    ),
    threats(
        "threats/mitigate/rollback-remediation",
        (types::MITIGATION_ROLLBACK, "Threat Mitigation Report Rollback Success", "{{ computer_name }} rolled back {{ threat_name }}"),
        no_value,
        rollback,
    ),
    threats(
        "threats/mitigate/un-quarantine",
        (
            types::MITIGATION_UNQUARANTINE,
            "Threat Mitigation Report Un-Quarantine Success",
            "{{ computer_name }} released {{ threat_name }} from quarantine",
        ),
        no_value,
        unquarantine,
    ),
    threats(
        "threats/analyst-verdict",
        (
            types::THREAT_VERDICT_CHANGED,
            "Threat Analyst Verdict Changed",
            "{{ username }} changed the analyst verdict of {{ threat_name }} to {{ analyst_verdict }}",
        ),
        threat_verdict,
        set_threat_verdict,
    ),
    threats(
        "threats/incident",
        (
            types::THREAT_INCIDENT_CHANGED,
            "Threat Incident Status Changed",
            "{{ username }} changed the incident status of {{ threat_name }} to {{ incident_status }}",
        ),
        threat_incident,
        set_threat_incident,
    ),
    threats(
        "threats/external-ticket-id",
        (
            types::THREAT_TICKET_CHANGED,
            "Threat External Ticket Id Changed",
            "{{ username }} set the external ticket of {{ threat_name }} to {{ external_ticket_id }}",
        ),
        ticket,
        set_ticket,
    ),
    threats(
        "threats/notes",
        (types::THREAT_NOTE_ADDED, "Threat Note Added", "{{ username }} added a note to {{ threat_name }}"),
        note_text,
        add_note,
    ),
    alerts(
        "cloud-detection/alerts/analyst-verdict",
        (
            types::ALERT_VERDICT_CHANGED,
            "Alert Analyst Verdict Changed",
            "{{ username }} changed the analyst verdict of alert {{ alert_id }}",
        ),
        alert_verdict,
        set_alert_verdict,
    ),
    alerts(
        "cloud-detection/alerts/incident",
        (
            types::ALERT_INCIDENT_CHANGED,
            "Alert Incident Status Changed",
            "{{ username }} changed the incident status of alert {{ alert_id }}",
        ),
        alert_incident,
        set_alert_incident,
    ),
];

/// Runs `action` for the caller's body: the engine every row shares.
pub async fn run(
    action: &'static FilterAction,
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(action.role)?;
    let (filter, data) = action_body(&body)?;
    let value = (action.value)(&data)?;
    let mut world = state.world();
    let selected = match action.on {
        On::Threats => select_threats(&mut world, &caller, &ThreatFilter::parse(&filter)?),
        On::Alerts => select_alerts(&world, &caller, &AlertFilter::parse(&filter)?),
    };
    let user = username(&world, &caller);
    let change = Change { value: &value, user: &user, caller: &caller, now: Timestamp::now() };
    let mut affected = 0;
    let mut details = Vec::new();
    for i in selected {
        match (action.apply)(&mut world, i, &change) {
            Ok(detail) => {
                affected += 1;
                details.push(detail);
                record(&mut world, action, i, &change);
            }
            Err(skipped) => details.push(skipped),
        }
    }
    Ok(Json(json!({"data": {"affected": affected, "details": details}})))
}

/// The activity of one change, on the target's timeline.
fn record(world: &mut World, action: &FilterAction, i: usize, change: &Change) {
    let (target, data, agent_id, threat_id) = match action.on {
        On::Threats => {
            let t = &mut world.threats[i];
            t.threat_info.updated_at = change.now;
            let name = t.threat_info.threat_name.clone();
            (name.clone(), json!({"threatName": name}), Some(t.agent_realtime_info.agent_id), Some(t.id))
        }
        On::Alerts => {
            let a = &mut world.alerts[i];
            a.alert_info.updated_at = change.now;
            let agent = a.agent_realtime_info["id"].as_str().and_then(super::query::parse_id);
            (format!("alert {}", a.alert_info.alert_id), json!({"alertId": a.alert_info.alert_id}), agent, None)
        }
    };
    let (code, name, _) = action.activity;
    let mut data = data;
    data["username"] = json!(change.user);
    if !change.value.is_empty() {
        data["value"] = json!(change.value);
    }
    world.record_activity(
        change.now,
        ActivityDraft {
            activity_type: code,
            primary_description: format!("{}: {name} ({target})", change.user),
            secondary_description: None,
            data,
            agent_id,
            threat_id,
            user_id: Some(change.caller.user_id),
        },
    );
}

fn no_value(_: &Value) -> Result<String, ApiError> {
    Ok(String::new())
}

/// A mitigation: its report on the threat, and `mitigationStatus` set (but by `un-quarantine`).
fn mitigate(world: &mut World, i: usize, change: &Change, action: &str, unsupported: fn(&str) -> bool) -> Result<Value, Value> {
    let threat = &mut world.threats[i];
    let os = threat.agent_realtime_info.agent_os_type.clone();
    if unsupported(&os) {
        let reason = json!({"action": action, "reason": "unsupported_os", "description": format!("{action} is not supported on {os}")});
        return Err(json!({"threatId": threat.id, "reports": [], "skipped": [reason]}));
    }
    let entry = report(action, change.now);
    threat.mitigation_status.push(entry.clone());
    if action != "unquarantine" {
        threat.threat_info.mitigation_status = "mitigated".into();
        threat.threat_info.mitigation_status_description = display_case("mitigated");
    }
    Ok(json!({"threatId": threat.id, "reports": [entry], "skipped": []}))
}

fn everywhere(_: &str) -> bool {
    false
}

fn kill(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    mitigate(world, i, change, "kill", everywhere)
}

fn quarantine(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    mitigate(world, i, change, "quarantine", everywhere)
}

/// Remediation needs the agent's own tooling, which Linux agents lack.
fn remediate(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    mitigate(world, i, change, "remediate", |os| os == "linux")
}

/// Rollback relies on Windows volume shadow copies.
fn rollback(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    mitigate(world, i, change, "rollback", |os| !os.starts_with("windows"))
}

fn unquarantine(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    mitigate(world, i, change, "unquarantine", everywhere)
}

fn threat_verdict(data: &Value) -> Result<String, ApiError> {
    data_text(data, "analystVerdict", Some(&ANALYST_VERDICTS))
}

fn threat_incident(data: &Value) -> Result<String, ApiError> {
    data_text(data, "incidentStatus", Some(&INCIDENT_STATUSES))
}

fn ticket(data: &Value) -> Result<String, ApiError> {
    data_text(data, "externalTicketId", None)
}

fn note_text(data: &Value) -> Result<String, ApiError> {
    let text = data_text(data, "text", None)?;
    if text.trim().is_empty() {
        return Err(ApiError::validation("data.text must not be empty"));
    }
    Ok(text)
}

fn success(id: Id) -> Value {
    json!({"threatId": id, "result": "success"})
}

fn set_threat_verdict(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let info = &mut world.threats[i].threat_info;
    info.analyst_verdict = change.value.into();
    info.analyst_verdict_description = display_case(change.value);
    Ok(success(world.threats[i].id))
}

fn set_threat_incident(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let info = &mut world.threats[i].threat_info;
    info.incident_status = change.value.into();
    info.incident_status_description = display_case(change.value);
    Ok(success(world.threats[i].id))
}

fn set_ticket(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let info = &mut world.threats[i].threat_info;
    info.external_ticket_exists = !change.value.is_empty();
    info.external_ticket_id = (!change.value.is_empty()).then(|| change.value.to_owned());
    Ok(success(world.threats[i].id))
}

fn add_note(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let threat_id = world.threats[i].id;
    let id = world.new_id();
    world.threat_notes.push(ThreatNote {
        id,
        text: change.value.to_owned(),
        creator: change.user.to_owned(),
        creator_id: change.caller.user_id,
        created_at: change.now,
        updated_at: change.now,
        edited: false,
        threat_id,
    });
    Ok(success(threat_id))
}

/// Alerts take `true_positive` or `TRUE_POSITIVE` and show the display case.
fn alert_value(data: &Value, key: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let value = data_text(data, key, None)?;
    let upper = value.to_uppercase();
    if !allowed.contains(&upper.as_str()) || (value != upper && value != value.to_lowercase()) {
        return Err(ApiError::validation(format!("data.{key}: '{value}' is not one of {} (lower or upper case)", allowed.join(", "))));
    }
    Ok(display_case(&upper))
}

fn alert_verdict(data: &Value) -> Result<String, ApiError> {
    alert_value(data, "analystVerdict", &["UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"])
}

fn alert_incident(data: &Value) -> Result<String, ApiError> {
    alert_value(data, "incidentStatus", &["UNRESOLVED", "IN_PROGRESS", "RESOLVED"])
}

fn set_alert_verdict(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let info = &mut world.alerts[i].alert_info;
    info.analyst_verdict = change.value.into();
    Ok(json!({"alertId": info.alert_id, "result": "success"}))
}

fn set_alert_incident(world: &mut World, i: usize, change: &Change) -> Result<Value, Value> {
    let info = &mut world.alerts[i].alert_info;
    info.incident_status = change.value.into();
    Ok(json!({"alertId": info.alert_id, "result": "success"}))
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn every_row_has_its_own_path_and_activity_code() {
        let mut paths = std::collections::BTreeSet::new();
        for action in FILTER_ACTIONS {
            assert!(paths.insert(action.path), "{} twice", action.path);
            assert!(types::TYPES.iter().all(|(code, ..)| *code != action.activity.0), "{}: its activity is also in TYPES", action.path);
        }
    }
}
