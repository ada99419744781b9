//! `GET threats/{threat_id}/download-from-cloud`: a pre-signed link to the threat's file sample
//! on the storage origin (see [`super::storage`]).
//!
//! Choices worth knowing:
//! - Viewers get 403 (our choice: malware samples are privileged), checked first; every other role
//!   may download. Unknown or out-of-scope threat: 404 `Threat <id> not found` (the error
//!   envelope, as other `/{id}` lookups). Every visible threat has a sample (whether the file was
//!   fetched first is not modelled).
//! - The answer is `{"data": {"downloadUrl", "fileName": "<threat sha1>.zip"}}`; the URL is valid
//!   for an hour and points at `/s1-threat-files/<accountId>/<threatId>/<sha1>.zip`. Each call
//!   signs a new URL (earlier ones stay valid).
//! - The zip holds one entry named after the threat's file (`threatInfo.threatName`, or the
//!   basename of `threatInfo.filePath` when the name is blank) whose bytes are an inert,
//!   deterministic text naming the threat (never real malware), encrypted (ZipCrypto) with the
//!   password [`SAMPLE_PASSWORD`], `infected`: our choice, after the convention malware archives
//!   widely follow.

use super::archive::{self, Entry};
use super::auth::Caller;
use super::errors::ApiError;
use super::model::{Role, Threat};
use super::state::AppState;
use super::storage::{Blob, THREAT_FILES_BUCKET};
use super::threat_actions::threat_in_path;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// The password of every threat sample zip.
pub const SAMPLE_PASSWORD: &str = "infected";

/// The name of the threat's file inside its sample zip.
pub fn sample_name(threat: &Threat) -> String {
    let info = &threat.threat_info;
    if !info.threat_name.trim().is_empty() {
        return info.threat_name.clone();
    }
    info.file_path.rsplit(['/', '\\']).next().unwrap_or_default().to_string()
}

/// The inert bytes standing in for the threat's file.
pub fn sample_bytes(threat: &Threat) -> Vec<u8> {
    let info = &threat.threat_info;
    format!(
        "SentinelOne simulator: inert stand-in for a threat sample (not malware)\nthreatId: {}\nsha1: {}\nfilePath: {}\nclassification: {}\n",
        threat.id, info.sha1, info.file_path, info.classification
    )
    .into_bytes()
}

pub async fn download_from_cloud(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    if caller.role == Role::Viewer {
        return Err(ApiError::forbidden());
    }
    let threat = {
        let mut world = state.world();
        let threat_id = threat_in_path(&mut world, &caller, id)?;
        world
            .threats
            .iter()
            .find(|t| t.id == threat_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("Threat {threat_id} not found")))?
    };
    let zip = archive::build(&[Entry::new(sample_name(&threat), sample_bytes(&threat))], Some(SAMPLE_PASSWORD))
        .map_err(|e| ApiError::internal(format!("cannot build the sample's zip: {e}")))?;
    let file_name = format!("{}.zip", threat.threat_info.sha1);
    let key = format!("{}/{}/{file_name}", threat.agent_realtime_info.account_id, threat.id);
    let url = state.storage.presign(
        THREAT_FILES_BUCKET,
        &key,
        Blob { bytes: zip, content_type: "application/zip", file_name: file_name.clone() },
    );
    Ok(Json(json!({"data": {"downloadUrl": url, "fileName": file_name}})))
}
