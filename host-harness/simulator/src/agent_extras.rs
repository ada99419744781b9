//! `GET agents/applications` and `POST agents/{id}/actions/fetch-files`, plus the file-upload
//! activity and the password rule shared with `POST threats/fetch-file`.
//!
//! Choices worth knowing:
//! - `agents/applications?ids=<csv>` answers `{"data": [{name, publisher, size, version,
//!   installedDate}]}` with no `pagination` and no agent id on the items (the reference lists only
//!   those five fields, so a client wanting per-agent lists asks one agent at a time). Items follow
//!   the order of `ids`, each agent's apps sorted by name; the list is derived from the seed and the
//!   agent id (same world, same apps) and suits the agent's OS. `ids` missing is a 400; unknown or
//!   out-of-scope agents contribute nothing.
//! - `fetch-files` takes `{"data": {"password", "files": [1..=10 absolute paths]}}`; paths must be
//!   absolute for the agent's OS (`C:\...`/`\\server\...` on Windows, `/...` elsewhere) and have no
//!   `*` or `?`. Unknown or out-of-scope agent: 404 (checked before the body). It answers
//!   `{"data": {"success": true}}` and, when the agent is active, appends an
//!   [`types::AGENT_FILES_UPLOADED`] activity whose `data.downloadUrl` is
//!   `/agents/<agentId>/uploads/<activityId>` (an inactive agent never uploads: no activity).
//!   That path is served by [`super::uploads`]: a zip of the requested paths, encrypted with the
//!   request's password.
//! - Passwords: at least 10 characters with an upper-case letter, a lower-case letter, a digit
//!   and a symbol, else 400 naming `data.password`. The request log redacts them.

use super::activity_types as types;
use super::auth::Caller;
use super::clock::{MICROS_PER_DAY, Timestamp};
use super::errors::ApiError;
use super::model::Role;
use super::model::{ActivityDraft, Agent, Id, World};
use super::policy::is_absolute_path;
use super::query::{Params, parse_id};
use super::rng::SplitMix64;
use super::state::AppState;
use super::threat_actions::{data_text, username};
use super::uploads::Upload;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

/// `(name, publisher, version)` per OS family.
const WINDOWS_APPS: [(&str, &str, &str); 12] = [
    ("7-Zip 23.01 (x64)", "Igor Pavlov", "23.01"),
    ("Adobe Acrobat Reader", "Adobe", "24.004.20220"),
    ("Google Chrome", "Google LLC", "131.0.6778.86"),
    ("Microsoft Edge", "Microsoft Corporation", "131.0.2903.70"),
    ("Microsoft 365 Apps for enterprise - en-us", "Microsoft Corporation", "16.0.17928.20156"),
    ("Microsoft Visual C++ 2015-2022 Redistributable (x64)", "Microsoft Corporation", "14.38.33135.0"),
    ("Mozilla Firefox (x64 en-US)", "Mozilla", "133.0"),
    ("Notepad++ (64-bit x64)", "Notepad++ Team", "8.6.2"),
    ("Python 3.12.4 (64-bit)", "Python Software Foundation", "3.12.4150.0"),
    ("Slack", "Slack Technologies Inc.", "4.41.105"),
    ("VLC media player", "VideoLAN", "3.0.20"),
    ("Zoom Workplace", "Zoom Video Communications, Inc.", "6.2.11"),
];
const MACOS_APPS: [(&str, &str, &str); 10] = [
    ("1Password", "AgileBits Inc.", "8.10.54"),
    ("Docker", "Docker Inc", "4.36.0"),
    ("Firefox", "Mozilla", "133.0"),
    ("Google Chrome", "Google LLC", "131.0.6778.86"),
    ("iTerm", "George Nachman", "3.5.10"),
    ("Microsoft Teams", "Microsoft Corporation", "24295.606.3238.6194"),
    ("Slack", "Slack Technologies Inc.", "4.41.105"),
    ("Visual Studio Code", "Microsoft Corporation", "1.95.3"),
    ("Xcode", "Apple Inc.", "16.1"),
    ("zoom.us", "Zoom Video Communications, Inc.", "6.2.11"),
];
const LINUX_APPS: [(&str, &str, &str); 10] = [
    ("curl", "Daniel Stenberg", "8.5.0"),
    ("docker-ce", "Docker Inc.", "27.3.1"),
    ("git", "Software Freedom Conservancy", "2.43.0"),
    ("nginx", "Nginx, Inc.", "1.24.0"),
    ("openssh-server", "OpenBSD Project", "9.6p1"),
    ("openssl", "OpenSSL Project", "3.0.13"),
    ("python3", "Python Software Foundation", "3.10.12"),
    ("rsyslog", "Adiscon GmbH", "8.2312.0"),
    ("sudo", "Todd C. Miller", "1.9.15"),
    ("vim", "Vim Project", "9.1"),
];

/// One agent's installed applications, sorted by name (deterministic for the seed and agent).
fn applications_of(world: &World, agent: &Agent) -> Vec<Value> {
    let catalogue: &[(&str, &str, &str)] = match agent.os_type.as_str() {
        "macos" => &MACOS_APPS,
        "linux" => &LINUX_APPS,
        _ => &WINDOWS_APPS,
    };
    let mut rng = SplitMix64::new(world.seed ^ agent.id.0 ^ 0xa991_1ca7_10e5_0001);
    catalogue
        .iter()
        .filter_map(|(name, publisher, version)| {
            if !rng.chance(75) {
                return None;
            }
            let installed = world.reference_time.plus_micros(-rng.between(MICROS_PER_DAY, 600 * MICROS_PER_DAY));
            Some(json!({
                "name": name, "publisher": publisher, "version": version,
                "size": rng.between(500_000, 900_000_000), "installedDate": installed,
            }))
        })
        .collect()
}

pub async fn applications(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let mut ids = params.ids("ids")?.ok_or_else(|| ApiError::validation("ids is required (a csv of agent ids)"))?;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let world = state.world();
    let data: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.agents.iter().find(|a| a.id == *id))
        .filter(|a| caller.scope.admits(a.account_id, a.site_id))
        .flat_map(|a| applications_of(&world, a))
        .collect();
    Ok(Json(json!({"data": data})))
}

/// `data.password`, refused when shorter than 10 characters or missing a case, a digit or a symbol.
pub fn check_password(data: &Value) -> Result<String, ApiError> {
    let password = data_text(data, "password", None)?;
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let strong = password.chars().count() >= 10
        && has(char::is_ascii_uppercase)
        && has(char::is_ascii_lowercase)
        && has(char::is_ascii_digit)
        && has(|c| !c.is_alphanumeric() && !c.is_whitespace());
    if strong {
        Ok(password)
    } else {
        Err(ApiError::validation(
            "data.password: must be at least 10 characters and mix upper and lower case letters, \
             digits and symbols",
        ))
    }
}

/// Appends a file-upload activity, points its `data.downloadUrl` at
/// `/agents/<agentId>/uploads/<activityId>` and keeps what the upload holds (see
/// [`super::uploads`]); returns the activity id.
pub fn record_upload(world: &mut World, now: Timestamp, draft: ActivityDraft, upload: Upload) -> Id {
    let agent = upload.agent_id;
    let id = world.record_activity(now, draft);
    world.uploads.insert(id, upload);
    if let Some(activity) = world.activities.iter_mut().rev().find(|a| a.id == id)
        && let Value::Object(data) = &mut activity.data
    {
        data.insert("downloadUrl".into(), json!(format!("/agents/{agent}/uploads/{id}")));
    }
    id
}

/// `data.files`: 1 to 10 absolute paths for the agent's OS, without wildcards.
fn files(data: &Value, os_type: &str) -> Result<Vec<String>, ApiError> {
    let Some(Value::Array(items)) = data.get("files") else {
        return Err(ApiError::validation("data.files is required (1 to 10 paths)"));
    };
    if !(1..=10).contains(&items.len()) {
        return Err(ApiError::validation("data.files: give 1 to 10 paths"));
    }
    items
        .iter()
        .enumerate()
        .map(|(n, item)| match item.as_str() {
            Some(path) if path.contains(['*', '?']) => Err(ApiError::validation(format!("data.files[{n}]: wildcards are not allowed"))),
            Some(path) if is_absolute_path(path, os_type) => Ok(path.to_string()),
            _ => Err(ApiError::validation(format!("data.files[{n}]: not an absolute {os_type} path"))),
        })
        .collect()
}

pub async fn fetch_files(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::IncidentResponse)?;
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let mut world = state.world();
    let agent = parse_id(&id)
        .and_then(|id| world.agents.iter().find(|a| a.id == id))
        .filter(|a| caller.scope.admits(a.account_id, a.site_id))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Agent {id} not found")))?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| ApiError::validation("body must be a JSON object"))?;
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    if !data.is_object() {
        return Err(ApiError::validation("data is required and must be an object"));
    }
    let password = check_password(&data)?;
    let files = files(&data, &agent.os_type)?;
    if agent.is_active {
        let user = username(&world, &caller);
        let name = agent.computer_name.clone();
        record_upload(
            &mut world,
            Timestamp::now(),
            ActivityDraft {
                activity_type: types::AGENT_FILES_UPLOADED,
                primary_description: format!("Files fetched from {name} were uploaded"),
                secondary_description: Some(name.clone()),
                data: json!({"computerName": name, "files": files, "username": user,
                    "fileDisplayName": format!("{name}_files.zip")}),
                agent_id: Some(agent.id),
                threat_id: None,
                user_id: Some(caller.user_id),
            },
            Upload::new(agent.id, password, files),
        );
    }
    Ok(Json(json!({"data": {"success": true}})))
}
