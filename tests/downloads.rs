//! Downloads through the `downloads` interface: the bytes of an agent's upload from the console,
//! and of signed links on SentinelOne's storage (cloud threat files, script results), which go
//! out only when the host's policy names the storage's origin and never carry the token.

mod support;

use host_harness::policy::Origin;
use host_harness::{AgentUpload, Connection, DownloadSource, DownloadedFile, PluginError, TransportKind};
use s1_simulator::{SCRIPT_LIBRARY, Simulator, tokens};
use serde_json::{Value, json};
use std::io::Read as _;
use support::*;

/// An active Windows agent (seeded, the same for every agent count).
const ACTIVE: &str = "1800916064157201976";
const PASSWORD: &str = "Zip-Pass-2026!";

async fn download(conn: &Connection, source: &DownloadSource) -> Result<DownloadedFile, PluginError> {
    runtime().download(conn, source).await.expect("the call must not fault the host").value
}

/// The connection with the simulator's storage origin allowed besides the console.
fn with_storage(sim: &Simulator, mut conn: Connection) -> Connection {
    conn.policy.allowed_origins.push(Origin::parse(&sim.storage_url()).unwrap());
    conn
}

/// The entry `name` of a zip, decrypted with `password`.
fn entry(zip: &[u8], name: &str, password: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip archive");
    let mut file = archive.by_name_decrypt(name, password.as_bytes()).expect("the entry opens with the password");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

fn entry_names(zip: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip archive");
    archive.file_names().map(|n| n.expect("an entry name").into_owned()).collect()
}

/// Asks the agent to upload `path` and returns the upload activity's id.
async fn fetch_files(sim: &Simulator, conn: &Connection, path: &str) -> String {
    let input = json!({"id": ACTIVE, "files": [path], "password": PASSWORD});
    invoke_ok(conn, "agents.fetch-files", &input.to_string()).await;
    let world = world(sim);
    let activity = world.activities.iter().rev().find(|a| a.data.get("downloadUrl").is_some()).expect("the upload activity");
    assert_eq!(activity.data["downloadUrl"], json!(format!("/agents/{ACTIVE}/uploads/{}", activity.id)));
    activity.id.to_string()
}

fn upload(activity: &str) -> DownloadSource {
    DownloadSource::AgentUpload(AgentUpload { agent_id: ACTIVE.into(), activity_id: activity.into() })
}

/// Runs a script on the active agent with its output sent to SentinelCloud; returns the task id.
async fn finished_task(conn: &Connection) -> String {
    let input = json!({"ids": [ACTIVE], "scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "Process list for INC-1", "outputDestination": "SentinelCloud", "waitSeconds": 60});
    let run = invoke_ok(conn, "scripts.run", &input.to_string()).await;
    assert_eq!(run["finished"], true);
    run["tasks"][0]["id"].as_str().unwrap().to_owned()
}

fn storage_requests(sim: &Simulator) -> Vec<s1_simulator::RecordedRequest> {
    sim.requests().into_iter().filter(|r| !r.path.starts_with(s1_simulator::PREFIX)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_upload_is_the_zip_of_the_fetched_file_under_the_fetch_password() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let activity = fetch_files(&sim, &conn, "C:\\Windows\\Temp\\dropper.exe").await;
    let file = download(&conn, &upload(&activity)).await.unwrap();
    assert_eq!(file.content_type.as_deref(), Some("application/zip"));
    assert!(file.name.as_deref().is_some_and(|n| n.ends_with(&format!("_{activity}.zip"))), "{:?}", file.name);
    assert_eq!(file.origin, sim.https_url());
    let names = entry_names(&file.bytes);
    assert!(names.contains(&"manifest.json".to_owned()) && names.contains(&"Windows/Temp/dropper.exe".to_owned()), "{names:?}");
    let manifest: Value = serde_json::from_slice(&entry(&file.bytes, "manifest.json", PASSWORD)).unwrap();
    assert!(manifest.to_string().contains("dropper.exe"), "{manifest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_upload_is_one_get_on_its_uploads_path() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let activity = fetch_files(&sim, &conn, "C:\\Windows\\Temp\\dropper.exe").await;
    sim.clear_requests();
    download(&conn, &upload(&activity)).await.unwrap();
    let requests = sim.requests();
    assert_eq!(requests.len(), 1, "no scope lookup without pins, one GET");
    let sent = &requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.clone(), sent.status),
        ("GET", format!("/web/api/v2.1/agents/{ACTIVE}/uploads/{activity}"), 200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_upload_does_not_open_with_another_password() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let activity = fetch_files(&sim, &conn, "C:\\Windows\\Temp\\dropper.exe").await;
    let file = download(&conn, &upload(&activity)).await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&file.bytes)).unwrap();
    let wrong = archive.by_name_decrypt("manifest.json", b"Not-The-Pass-1!").map(|mut f| {
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map(|_| bytes)
    });
    assert!(!matches!(wrong, Ok(Ok(_))), "the archive opened with a wrong password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_upload_is_not_found() {
    let sim = simulator();
    let error = download(&connect(&sim, tokens::ADMIN), &upload("42")).await.unwrap_err();
    assert!(matches!(error, PluginError::NotFound(ref u) if u.status == 404), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_may_not_download_an_upload() {
    let sim = simulator();
    let activity = fetch_files(&sim, &connect(&sim, tokens::ADMIN), "C:\\Windows\\Temp\\dropper.exe").await;
    let error = download(&connect(&sim, tokens::VIEWER), &upload(&activity)).await.unwrap_err();
    assert!(matches!(error, PluginError::Forbidden(ref u) if u.status == 403), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_outside_the_scope_pins_is_refused_before_the_download() {
    let sim = simulator();
    let world = world(&sim);
    let agent = world.agents.iter().find(|a| a.id.to_string() == ACTIVE).unwrap();
    let other_site = world.sites.iter().find(|s| s.id != agent.site_id).unwrap().id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![other_site];
    let error = download(&conn, &upload("42")).await.unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/agent-upload/agent-id")), "{error:?}");
    assert!(sim.requests().iter().all(|r| !r.path.contains("/uploads/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_id_is_refused_and_nothing_is_sent() {
    let sim = simulator();
    let source = DownloadSource::AgentUpload(AgentUpload { agent_id: ACTIVE.into(), activity_id: "1/../../system".into() });
    let error = download(&connect(&sim, tokens::ADMIN), &source).await.unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/agent-upload/activity-id")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_result_comes_from_the_storage_origin_without_the_token() {
    let sim = simulator();
    let conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    let task = finished_task(&conn).await;
    let file = download(&conn, &DownloadSource::ScriptResult(task.clone())).await.unwrap();
    assert_eq!(file.origin, sim.storage_url());
    assert!(entry_names(&file.bytes).contains(&"output.txt".to_owned()));
    let fetched = storage_requests(&sim);
    assert_eq!(fetched.len(), 1);
    assert_eq!((fetched[0].status, fetched[0].authorization.clone()), (200, None), "the signed link went without a credential");
    let asked = sim.requests().into_iter().find(|r| r.path.ends_with("/remote-scripts/fetch-files")).unwrap();
    assert_eq!(asked.body, Some(json!({"data": {"taskIds": [task]}})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_link_goes_without_the_token_even_when_the_plugin_holds_it() {
    let sim = simulator();
    let conn = with_storage(&sim, connect_via_config(&sim, tokens::ADMIN));
    let task = finished_task(&conn).await;
    download(&conn, &DownloadSource::ScriptResult(task)).await.unwrap();
    assert_eq!(storage_requests(&sim)[0].authorization, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_link_on_an_origin_the_policy_does_not_name_is_denied() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let task = finished_task(&conn).await;
    let error = download(&conn, &DownloadSource::ScriptResult(task)).await.unwrap_err();
    assert!(matches!(error, PluginError::RequestDenied(_)), "{error:?}");
    assert!(storage_requests(&sim).is_empty(), "nothing reached the storage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_without_results_is_not_found() {
    let sim = simulator();
    let conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    let error = download(&conn, &DownloadSource::ScriptResult("42".into())).await.unwrap_err();
    assert!(matches!(error, PluginError::NotFound(_)), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threat_file_from_the_cloud_is_the_sample_zip() {
    let sim = simulator();
    let conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    let threat = world(&sim).threats[0].clone();
    let file = download(&conn, &DownloadSource::ThreatFromCloud(threat.id.to_string())).await.unwrap();
    let sha1 = threat.threat_info.sha1.clone();
    assert_eq!(file.name, Some(format!("{sha1}.zip")));
    let names = entry_names(&file.bytes);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(!entry(&file.bytes, &names[0], "infected").is_empty());
    assert_eq!(storage_requests(&sim)[0].authorization, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_link_itself_is_an_action_output() {
    let sim = simulator();
    let threat = world(&sim).threats[0].id.to_string();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "threats.download-from-cloud", &json!({"id": threat}).to_string()).await;
    assert!(output["downloadUrl"].as_str().unwrap().starts_with(&sim.storage_url()));
    assert!(output["fileName"].as_str().unwrap().ends_with(".zip"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_over_the_response_cap_is_a_typed_transport_error() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    let activity = fetch_files(&sim, &conn, "C:\\Windows\\Temp\\dropper.exe").await;
    conn.policy.http.max_response_bytes = 64;
    let error = download(&conn, &upload(&activity)).await.unwrap_err();
    assert!(matches!(error, PluginError::Transport(ref t) if t.kind == TransportKind::ResponseTooLarge), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_saves_a_download_whole_and_reports_its_sha256() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let activity = fetch_files(&sim, &conn, "C:\\Users\\Public\\notes.txt").await;
    let file = download(&conn, &upload(&activity)).await.unwrap();
    let dir = std::env::temp_dir().join(format!("s1-download-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload.zip");
    let summary = s1_harness::download::save(&file, &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), file.bytes);
    assert_eq!(summary["bytes"], json!(file.bytes.len()));
    assert_eq!(summary["sha256"].as_str().unwrap().len(), 64);
    assert!(!dir.join("upload.zip.part").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_result_of_an_agent_outside_the_pins_is_refused_before_any_link_is_asked() {
    let sim = simulator();
    let task = finished_task(&connect(&sim, tokens::ADMIN)).await;
    let world = world(&sim);
    let agent = world.agents.iter().find(|a| a.id.to_string() == ACTIVE).unwrap();
    let other_site = world.sites.iter().find(|s| s.id != agent.site_id).unwrap().id.to_string();
    let mut conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    conn.site_ids = vec![other_site];
    sim.clear_requests();
    let error = download(&conn, &DownloadSource::ScriptResult(task)).await.unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/script-result")), "{error:?}");
    assert!(sim.requests().iter().all(|r| !r.path.ends_with("/remote-scripts/fetch-files")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_result_within_the_pins_downloads() {
    let sim = simulator();
    let task = finished_task(&connect(&sim, tokens::ADMIN)).await;
    let site = world(&sim).agents.iter().find(|a| a.id.to_string() == ACTIVE).unwrap().site_id.to_string();
    let mut conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    conn.site_ids = vec![site];
    let file = download(&conn, &DownloadSource::ScriptResult(task)).await.unwrap();
    assert!(entry_names(&file.bytes).contains(&"output.txt".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_signed_link_leaves_its_signature_out_of_records_and_logs() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let threat = world(&sim).threats[0].id.to_string();
    let outcome = runtime().download(&conn, &DownloadSource::ThreatFromCloud(threat)).await.unwrap();
    assert!(matches!(outcome.value, Err(PluginError::RequestDenied(_))));
    let denied = outcome.outbound.iter().find(|r| r.denied.is_some()).expect("the denied request is recorded");
    assert!(denied.uri.starts_with(&sim.storage_url()) && denied.uri.ends_with("?<redacted>"), "{}", denied.uri);
    let seen = format!("{:?}{:?}", outcome.outbound, outcome.logs);
    assert!(!seen.contains("X-Amz-Signature"), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_signed_link_is_recorded_without_its_query() {
    let sim = simulator();
    let conn = with_storage(&sim, connect(&sim, tokens::ADMIN));
    let threat = world(&sim).threats[0].id.to_string();
    let outcome = runtime().download(&conn, &DownloadSource::ThreatFromCloud(threat)).await.unwrap();
    assert!(outcome.value.is_ok());
    let uris: Vec<&str> = outcome.outbound.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert!(uris[0].ends_with("/download-from-cloud"), "the console's request is recorded whole: {uris:?}");
    assert!(uris[1].starts_with(&sim.storage_url()) && uris[1].ends_with(".zip?<redacted>"), "{uris:?}");
}
