//! Over-HTTP tests of the downloads: the storage origin behind pre-signed URLs, remote-script
//! results, threat samples (`download-from-cloud`) and agent uploads (`agents/{id}/uploads/{id}`),
//! and that every new route's documented request passes the spec check.

use super::cloud_download::SAMPLE_PASSWORD;
use super::storage::{Blob, REMOTE_OPS_BUCKET};
use super::test_client::{Download, get_https, get_json, get_ok, post_json, request_bytes, request_json, start, start_with};
use super::tests_policy::{PASSWORD, active_agent, assert_error, first_site, threat};
use super::uploads::SEEDED_UPLOAD_PASSWORD;
use super::*;
use serde_json::{Value, json};
use std::io::Cursor;

use super::archive::read as unzip;

fn entry_names(zip: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a zip");
    archive.file_names().map(|name| name.expect("a UTF-8 name").into_owned()).collect()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// An S3 error document's `<Code>`.
fn s3_code(reply: &Download) -> String {
    let body = reply.text();
    assert_eq!(reply.header("content-type"), Some("application/xml"), "{body}");
    let code = body.split("<Code>").nth(1).and_then(|rest| rest.split("</Code>").next()).unwrap_or_default();
    code.to_string()
}

/// An object registered directly on the simulator's storage, as the handlers do; its URL.
fn stored(sim: &Simulator, key: &str) -> String {
    let blob = Blob { bytes: b"PK\x05\x06".to_vec(), content_type: "application/zip", file_name: "x.zip".into() };
    sim.state.storage.presign(REMOTE_OPS_BUCKET, key, blob)
}

// ---- the storage origin ----

#[test]
fn storage_is_its_own_https_origin_on_loopback() {
    let sim = start(0);
    let url = sim.storage_url();
    assert!(url.starts_with("https://127.0.0.1:") && url != sim.https_url(), "{url}");
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let fixed = start_with(SimulatorOptions { agents: 0, storage_port: port, ..SimulatorOptions::default() });
    assert_eq!(fixed.storage_url(), format!("https://127.0.0.1:{port}"));
}

#[test]
fn storage_serves_a_presigned_object_with_attachment_headers() {
    let sim = start(0);
    let reply = get_https(&sim, &stored(&sim, "1/2/x.zip"), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.body, b"PK\x05\x06");
    assert_eq!(reply.header("content-type"), Some("application/zip"));
    assert_eq!(reply.header("content-length"), Some("4"));
    assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"x.zip\""));
}

#[test]
fn storage_refuses_a_request_carrying_an_authorization_header() {
    let sim = start(0);
    let reply = get_https(&sim, &stored(&sim, "k.zip"), Some(&format!("ApiToken {}", tokens::ADMIN)));
    assert_eq!(reply.status, 400);
    assert_eq!(s3_code(&reply), "InvalidArgument");
    assert!(reply.text().contains("Only one auth mechanism allowed") && !reply.text().contains(tokens::ADMIN));
}

#[test]
fn storage_answers_no_such_key_for_an_unknown_object() {
    let sim = start(0);
    let url = stored(&sim, "k.zip").replace("/k.zip?", "/other.zip?");
    let reply = get_https(&sim, &url, None);
    assert_eq!((reply.status, s3_code(&reply)), (404, "NoSuchKey".to_string()));
}

#[test]
fn storage_refuses_a_missing_or_wrong_signature() {
    let sim = start(0);
    let url = stored(&sim, "k.zip");
    let (without, signature) = url.rsplit_once("&X-Amz-Signature=").unwrap();
    let wrong = format!("{without}&X-Amz-Signature={}", "0".repeat(signature.len()));
    let stripped = url.split_once('?').unwrap().0.to_string();
    for url in [without.to_string(), wrong, stripped] {
        let reply = get_https(&sim, &url, None);
        assert_eq!((reply.status, s3_code(&reply)), (403, "SignatureDoesNotMatch".to_string()), "{url}");
    }
}

#[test]
fn storage_refuses_an_expired_url() {
    let sim = start(0);
    let blob = Blob { bytes: b"old".to_vec(), content_type: "application/zip", file_name: "old.zip".into() };
    let two_hours_ago = Timestamp::now().plus_micros(-2 * 3600 * 1_000_000);
    let url = sim.state.storage.presign_at(REMOTE_OPS_BUCKET, "old.zip", blob, two_hours_ago, 3600);
    let reply = get_https(&sim, &url, None);
    assert_eq!((reply.status, s3_code(&reply)), (403, "AccessDenied".to_string()));
    assert!(reply.text().contains("Request has expired"), "{}", reply.text());
}

#[test]
fn storage_requests_are_in_the_request_log_with_authorization_redacted() {
    let sim = start(0);
    let url = stored(&sim, "a/b.zip");
    get_https(&sim, &url, None);
    get_https(&sim, &url, Some(&format!("ApiToken {}", tokens::ADMIN)));
    let log = sim.requests();
    assert_eq!(
        log.iter().map(|r| (r.path.as_str(), r.status)).collect::<Vec<_>>(),
        [("/s1-remote-ops-results/a/b.zip", 200), ("/s1-remote-ops-results/a/b.zip", 400)]
    );
    assert_eq!(log[0].authorization, None);
    assert_eq!(log[1].authorization.as_deref(), Some("ApiToken <redacted>"));
    assert!(log[0].raw_query.as_deref().unwrap().contains("X-Amz-Signature="));
    let signature = url.split("X-Amz-Signature=").nth(1).unwrap().split('&').next().unwrap();
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(tokens::ADMIN));
    assert!(!text.contains(signature), "the link's signature is redacted like a token");
}

// ---- remote-script results ----

#[test]
fn script_results_download_from_storage_as_a_zip_holding_output_txt() {
    let sim = start_with(SimulatorOptions { agents: 50, script_step_duration: std::time::Duration::ZERO, ..SimulatorOptions::default() });
    let agent = active_agent(&sim);
    let body = json!({"filter": {"ids": [agent.id]}, "data": {
        "scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "t", "outputDestination": "SentinelCloud"}});
    let (_, executed) = post_json(&sim, "remote-scripts/execute", tokens::ADMIN, &body);
    let parent = executed["data"]["parentTaskId"].as_str().unwrap().to_string();
    let task = get_ok(&sim, &format!("remote-scripts/status?parentTaskId={parent}"), tokens::ADMIN)["data"][0].clone();
    let (status, links) = post_json(&sim, "remote-scripts/fetch-files", tokens::ADMIN, &json!({"data": {"taskIds": [task["id"]]}}));
    assert_eq!(status, 200, "{links}");
    let link = &links["data"]["download_links"][0];
    let file_name = format!("{}_{}.zip", agent.computer_name, task["id"].as_str().unwrap());
    assert_eq!(link["fileName"], json!(file_name));
    let url = link["downloadUrl"].as_str().unwrap();
    let prefix =
        format!("{}/s1-remote-ops-results/{}/{parent}/{}/{file_name}?", sim.storage_url(), agent.account_id, task["id"].as_str().unwrap());
    assert!(url.starts_with(&prefix), "{url}");
    let reply = get_https(&sim, url, None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-disposition"), Some(format!("attachment; filename=\"{file_name}\"").as_str()));
    assert_eq!(entry_names(&reply.body), ["output.txt"]);
    let output = text(unzip(&reply.body, "output.txt", None).unwrap());
    for expected in [task["id"].as_str().unwrap(), &agent.computer_name, SCRIPT_LIBRARY[0].name] {
        assert!(output.contains(expected), "{expected} in {output}");
    }
}

// ---- threat samples ----

#[test]
fn download_from_cloud_links_the_threat_file_zipped_with_password_infected() {
    let sim = start(50);
    let t = threat(&sim, |_| true);
    let (status, body) = get_json(&sim, &format!("threats/{}/download-from-cloud", t.id), tokens::SOC);
    assert_eq!(status, 200, "{body}");
    let file_name = format!("{}.zip", t.threat_info.sha1);
    assert_eq!(body["data"]["fileName"], json!(file_name));
    let url = body["data"]["downloadUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/s1-threat-files/", sim.storage_url())) && url.contains(&format!("/{file_name}?")), "{url}");
    let reply = get_https(&sim, url, None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/zip"));
    assert_eq!(entry_names(&reply.body), vec![t.threat_info.threat_name.clone()]);
    let sample = text(unzip(&reply.body, &t.threat_info.threat_name, Some(SAMPLE_PASSWORD)).unwrap());
    assert!(sample.contains(&t.threat_info.sha1) && sample.contains("not malware"), "{sample}");
    assert!(unzip(&reply.body, &t.threat_info.threat_name, Some("not-the-password")).is_err());
}

#[test]
fn download_from_cloud_is_404_for_an_unknown_or_out_of_scope_threat() {
    let sim = start(50);
    assert_error(&get_json(&sim, "threats/1/download-from-cloud", tokens::ADMIN), 404, 4040010);
    let (_, site, ..) = first_site(&sim);
    let foreign = threat(&sim, |t| t.agent_realtime_info.site_id.to_string() != site);
    assert_error(&get_json(&sim, &format!("threats/{}/download-from-cloud", foreign.id), tokens::SITE_ADMIN), 404, 4040010);
}

#[test]
fn viewer_gets_403_on_download_from_cloud() {
    let sim = start(50);
    let t = threat(&sim, |_| true);
    assert_error(&get_json(&sim, &format!("threats/{}/download-from-cloud", t.id), tokens::VIEWER), 403, 4030010);
}

// ---- agent uploads ----

/// The newest upload activity of `agent` of that type: its console path (under the API base).
fn upload_path(sim: &Simulator, agent: Id, activity_type: u32) -> String {
    let activities =
        get_ok(sim, &format!("activities?activityTypes={activity_type}&agentIds={agent}&sortBy=id&sortOrder=desc"), tokens::ADMIN);
    let activity = &activities["data"][0];
    let url = activity["data"]["downloadUrl"].as_str().unwrap();
    assert_eq!(url, format!("/agents/{agent}/uploads/{}", activity["id"].as_str().unwrap()));
    url.trim_start_matches('/').to_string()
}

fn download(sim: &Simulator, target: &str, token: &str) -> Download {
    request_bytes(sim, "GET", target, Some(token), None)
}

#[test]
fn agent_files_download_as_a_zip_protected_by_the_fetch_password() {
    let sim = start(50);
    let agent = active_agent(&sim);
    let files = ["C:\\Windows\\Temp\\a.log", "C:\\Users\\x\\b.txt"];
    let body = json!({"data": {"password": PASSWORD, "files": files}});
    assert_eq!(post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body).0, 200);
    let path = upload_path(&sim, agent.id, activity_types::AGENT_FILES_UPLOADED);
    let activity_id = path.rsplit('/').next().unwrap().to_string();
    let reply = download(&sim, &path, tokens::ADMIN);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/zip"));
    assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()));
    let disposition = format!("attachment; filename=\"{}_{activity_id}.zip\"", agent.computer_name);
    assert_eq!(reply.header("content-disposition"), Some(disposition.as_str()));
    assert_eq!(entry_names(&reply.body), ["manifest.json", "Windows/Temp/a.log", "Users/x/b.txt"]);
    let manifest: Value = serde_json::from_slice(&unzip(&reply.body, "manifest.json", Some(PASSWORD)).unwrap()).unwrap();
    assert_eq!(manifest["files"], json!(files));
    assert_eq!((manifest["agentId"].clone(), manifest["activityId"].clone()), (json!(agent.id), json!(activity_id)));
    let contents = text(unzip(&reply.body, "Windows/Temp/a.log", Some(PASSWORD)).unwrap());
    assert_eq!(contents, format!("simulated contents of C:\\Windows\\Temp\\a.log on {}\n", agent.computer_name));
    assert!(unzip(&reply.body, "Users/x/b.txt", Some("Wr0ng!Passw0rd")).is_err());
}

#[test]
fn a_threat_file_upload_downloads_the_threat_file() {
    let sim = start(50);
    let t = threat(&sim, |t| t.agent_realtime_info.agent_is_active && !t.agent_realtime_info.agent_is_decommissioned);
    let body = json!({"filter": {"ids": [t.id]}, "data": {"password": PASSWORD}});
    assert_eq!(post_json(&sim, "threats/fetch-file", tokens::ADMIN, &body).1, json!({"data": {"affected": 1}}));
    let path = upload_path(&sim, t.agent_realtime_info.agent_id, activity_types::THREAT_FILE_UPLOADED);
    let reply = download(&sim, &path, tokens::INCIDENT_RESPONSE);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let entry = uploads::entry_name(&t.threat_info.file_path);
    assert_eq!(entry_names(&reply.body), ["manifest.json".to_string(), entry.clone()]);
    assert!(text(unzip(&reply.body, &entry, Some(PASSWORD)).unwrap()).contains(&t.threat_info.file_path));
}

#[test]
fn seeded_uploads_name_their_own_activity_and_open_with_the_seeded_password() {
    let sim = start(300);
    let (agent, activity_id, file_path, url) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let a = w.activities.iter().find(|a| a.activity_type == activity_types::THREAT_FILE_UPLOADED).expect("a seeded upload");
        (a.agent_id.unwrap(), a.id, a.data["filePath"].as_str().unwrap().to_string(), a.data["downloadUrl"].clone())
    };
    assert_eq!(url, json!(format!("/agents/{agent}/uploads/{activity_id}")));
    let reply = download(&sim, &format!("agents/{agent}/uploads/{activity_id}"), tokens::ADMIN);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let entry = uploads::entry_name(&file_path);
    assert!(text(unzip(&reply.body, &entry, Some(SEEDED_UPLOAD_PASSWORD)).unwrap()).contains(&file_path));
}

#[test]
fn an_upload_is_404_under_another_agent_an_unknown_id_or_out_of_scope() {
    let sim = start(50);
    let (_, site, ..) = first_site(&sim);
    let (agent, other, not_an_upload) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let agent = w.agents.iter().find(|a| a.is_active && a.os_type == "windows" && a.site_id.to_string() != site).unwrap().clone();
        let other = w.agents.iter().find(|a| a.id != agent.id).unwrap().id;
        let uploads = [activity_types::AGENT_FILES_UPLOADED, activity_types::THREAT_FILE_UPLOADED];
        let plain = w.activities.iter().find(|a| a.agent_id == Some(agent.id) && !uploads.contains(&a.activity_type)).unwrap().id;
        (agent, other, plain)
    };
    let body = json!({"data": {"password": PASSWORD, "files": ["C:\\a.txt"]}});
    post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body);
    let path = upload_path(&sim, agent.id, activity_types::AGENT_FILES_UPLOADED);
    let activity_id = path.rsplit('/').next().unwrap();
    assert_eq!(download(&sim, &path, tokens::ADMIN).status, 200);
    let not_found = |target: &str, token: &str, what: &str| {
        let reply = request_json(&sim, "GET", target, token, None);
        assert_error(&reply, 404, 4040010);
        assert!(reply.1["errors"][0]["detail"].as_str().unwrap().starts_with(what), "{target}: {}", reply.1);
    };
    not_found(&format!("agents/{other}/uploads/{activity_id}"), tokens::ADMIN, "Activity");
    not_found(&format!("agents/{}/uploads/1", agent.id), tokens::ADMIN, "Activity");
    not_found(&format!("agents/{}/uploads/{not_an_upload}", agent.id), tokens::ADMIN, "Activity");
    not_found(&format!("agents/1/uploads/{activity_id}"), tokens::ADMIN, "Agent");
    not_found(&path, tokens::SITE_ADMIN, "Agent");
}

#[test]
fn viewer_gets_403_on_agent_uploads() {
    let sim = start(50);
    let agent = active_agent(&sim);
    let body = json!({"data": {"password": PASSWORD, "files": ["C:\\a.txt"]}});
    post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body);
    let path = upload_path(&sim, agent.id, activity_types::AGENT_FILES_UPLOADED);
    assert_error(&request_json(&sim, "GET", &path, tokens::VIEWER, None), 403, 4030010);
}

#[test]
fn the_upload_password_appears_in_no_answer_and_not_in_the_request_log() {
    let sim = start(50);
    let agent = active_agent(&sim);
    let body = json!({"data": {"password": PASSWORD, "files": ["C:\\a.txt"]}});
    post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body);
    let activities = get_ok(&sim, &format!("activities?agentIds={}&limit=100", agent.id), tokens::ADMIN);
    assert!(!activities.to_string().contains(PASSWORD));
    let path = upload_path(&sim, agent.id, activity_types::AGENT_FILES_UPLOADED);
    let reply = download(&sim, &path, tokens::ADMIN);
    assert!(!reply.body.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()));
    assert!(!serde_json::to_string(&sim.requests()).unwrap().contains(PASSWORD));
    assert!(!format!("{:?}", sim.world().lock().unwrap()).contains(PASSWORD));
}

// ---- the spec check ----

#[test]
fn new_routes_with_their_documented_requests_break_no_spec_rule() {
    let sim = start(50);
    let (account, site, group, _) = first_site(&sim);
    let query = format!(
        "unified-exclusions?modeType=suppression&accountIds={account}&siteIds={site}&groupIds={group}&tenant=true&includeChildren=true\
         &includeParents=true&ids=1&osTypes=windows&value__contains=a&description__contains=a&source=user&userIds=1\
         &createdAt__gte=2026-01-01T00:00:00Z&updatedAt__lt=2027-01-01T00:00:00Z&threatType=EDR&conditions=path&interactionLevel=disable_all_monitors\
         &pathExclusionTypes=file&scopePath__contains=Acme&user__contains=Ada&imported=false&recommendation=NONE\
         &limit=5&skip=0&countOnly=false&skipCount=false&sortBy=scopePath&sortOrder=asc"
    );
    assert_eq!(get_json(&sim, &query, tokens::ADMIN).0, 200);
    let body = json!({"data": {"exclusions": [{"id": "1", "exclusionType": "EDR"}, {"id": "2", "exclusionType": "IDR"}]}});
    assert_eq!(request_json(&sim, "DELETE", "unified-exclusions", tokens::ADMIN, Some(&body)).0, 200);
    let t = threat(&sim, |t| t.agent_realtime_info.agent_is_active && !t.agent_realtime_info.agent_is_decommissioned);
    assert_eq!(get_json(&sim, &format!("threats/{}/download-from-cloud", t.id), tokens::ADMIN).0, 200);
    let fetch = json!({"filter": {"ids": [t.id]}, "data": {"password": PASSWORD}});
    assert_eq!(post_json(&sim, "threats/fetch-file", tokens::ADMIN, &fetch).0, 200);
    let path = upload_path(&sim, t.agent_realtime_info.agent_id, activity_types::THREAT_FILE_UPLOADED);
    assert_eq!(download(&sim, &path, tokens::ADMIN).status, 200);
    assert!(sim.spec_violations().is_empty(), "{:?}", sim.spec_violations());
}
