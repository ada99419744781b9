//! `GET agents/{agent_id}/uploads/{activity_id}` ("Export Agent Logs" in the spec): the zip an
//! agent uploaded after `POST agents/{id}/actions/fetch-files` or `POST threats/fetch-file`, served
//! by the console itself (authenticated like every API call, checked against the spec).
//!
//! Choices worth knowing:
//! - Every file-upload activity (type 80 from agent `fetch-files`, type 86 from threat
//!   `fetch-file`, and the seeded type-86 ones) has `data.downloadUrl`
//!   `/agents/<agentId>/uploads/<activityId>` with its own activity id, and an [`Upload`] kept in
//!   [`World::uploads`]: the agent, the password given to the fetch request and the requested
//!   paths. The password lives only there: never in the activity JSON, an answer or the request
//!   log (whose bodies are redacted), and [`Uploads`]' `Debug` leaves it out. Seeded uploads use
//!   [`SEEDED_UPLOAD_PASSWORD`] and hold the threat's `filePath`.
//! - Unknown or out-of-scope agent: 404 `Agent <id> not found`; an activity id that is not an
//!   upload of that agent, or whose activity the caller cannot see: 404 `Activity <id> not found`
//!   (both the error envelope). Viewers get 403 (our choice: uploaded files are evidence), checked
//!   first; every other role may download.
//! - The answer is 200 `application/zip` with `Content-Length` and `Content-Disposition:
//!   attachment; filename="<agentComputerName>_<activityId>.zip"`. The zip (see
//!   [`super::archive`]) is encrypted with the upload's password and holds `manifest.json`
//!   (`{"agentId", "activityId", "computerName", "files": [the requested paths]}`) and one entry
//!   per requested path, named after it with the drive (`C:`), leading slashes or `\\` stripped and
//!   backslashes turned to `/` (`C:\Windows\Temp\a.log` → `Windows/Temp/a.log`), holding
//!   `simulated contents of <path> on <computerName>\n`.

use super::archive::{self, Entry};
use super::auth::Caller;
use super::errors::ApiError;
use super::model::{Id, Role, World};
use super::query::parse_id;
use super::state::AppState;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::BTreeMap;

/// The password of every seeded upload (seeded activities have no fetch request to take it from).
pub const SEEDED_UPLOAD_PASSWORD: &str = "Seeded-Upload-1!";

/// What one upload holds: whose it is, its password and the requested paths.
#[derive(Clone)]
pub struct Upload {
    pub agent_id: Id,
    password: String,
    pub files: Vec<String>,
}

impl Upload {
    pub fn new(agent_id: Id, password: impl Into<String>, files: Vec<String>) -> Upload {
        Upload { agent_id, password: password.into(), files }
    }
}

/// The uploads by activity id.
#[derive(Clone, Default)]
pub struct Uploads(BTreeMap<Id, Upload>);

impl Uploads {
    pub fn insert(&mut self, activity: Id, upload: Upload) {
        self.0.insert(activity, upload);
    }

    pub fn get(&self, activity: Id) -> Option<&Upload> {
        self.0.get(&activity)
    }
}

/// Ids, agents and paths; never the passwords.
impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(id, u)| (id, (u.agent_id, &u.files)))).finish()
    }
}

/// An archive entry name for an agent path: no drive, no leading separators, `/` only.
pub fn entry_name(path: &str) -> String {
    let b = path.as_bytes();
    let rest = if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' { &path[2..] } else { path };
    rest.replace('\\', "/").trim_start_matches('/').to_string()
}

/// The zip of an upload, encrypted with its password.
fn zip_of(upload: &Upload, activity: Id, computer_name: &str) -> Result<Vec<u8>, ApiError> {
    let manifest = json!({"agentId": upload.agent_id, "activityId": activity, "computerName": computer_name, "files": upload.files});
    let mut entries = vec![Entry::new("manifest.json", serde_json::to_vec_pretty(&manifest).unwrap_or_default())];
    for path in &upload.files {
        entries.push(Entry::new(entry_name(path), format!("simulated contents of {path} on {computer_name}\n")));
    }
    archive::build(&entries, Some(&upload.password)).map_err(|e| ApiError::internal(format!("cannot build the upload's zip: {e}")))
}

/// The upload `activity` of `agent` as the caller may see it: `(computer name, zip)`.
fn find(world: &World, caller: &Caller, agent: &str, activity: &str) -> Result<(String, Vec<u8>), ApiError> {
    let agent = parse_id(agent)
        .and_then(|id| world.agents.iter().find(|a| a.id == id))
        .filter(|a| caller.scope.admits(a.account_id, a.site_id))
        .ok_or_else(|| ApiError::not_found(format!("Agent {agent} not found")))?;
    let not_found = || ApiError::not_found(format!("Activity {activity} not found"));
    let activity_id = parse_id(activity).ok_or_else(not_found)?;
    let upload = world.uploads.get(activity_id).filter(|u| u.agent_id == agent.id).ok_or_else(not_found)?;
    let visible = world.activities.iter().any(|a| a.id == activity_id && super::activities::in_scope(caller.scope, a));
    if !visible {
        return Err(not_found());
    }
    Ok((agent.computer_name.clone(), zip_of(upload, activity_id, &agent.computer_name)?))
}

pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    if caller.role == Role::Viewer {
        return Err(ApiError::forbidden());
    }
    let (agent, activity) = ids.map(|Path(ids)| ids).unwrap_or_default();
    let (computer_name, zip) = find(&state.world(), &caller, &agent, &activity)?;
    Ok(zip_response(zip, &format!("{computer_name}_{activity}.zip")))
}

/// 200 `application/zip` with `Content-Disposition: attachment; filename="<file_name>"`.
pub fn zip_response(zip: Vec<u8>, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, Body::from(zip)).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file_name.replace(['"', '\\'], "_"))) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_drop_the_drive_and_leading_separators() {
        assert_eq!(entry_name("C:\\Windows\\Temp\\a.log"), "Windows/Temp/a.log");
        assert_eq!(entry_name("\\\\server\\share\\b.txt"), "server/share/b.txt");
        assert_eq!(entry_name("/var/log/syslog"), "var/log/syslog");
    }

    #[test]
    fn uploads_debug_never_shows_the_password() {
        let mut uploads = Uploads::default();
        uploads.insert(Id(7), Upload::new(Id(1), "Sup3r-Secret!", vec!["/etc/hosts".into()]));
        let text = format!("{uploads:?}");
        assert!(text.contains("/etc/hosts") && !text.contains("Sup3r-Secret!"), "{text}");
    }
}
