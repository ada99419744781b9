//! The blocklist, exclusions and hash verdicts: entries added per OS at an explicit scope,
//! duplicates reported instead of failing the whole add, deletes by id inside the scope.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use serde_json::{Value, json};
use support::*;

const SHA1: &str = "0123456789abcdef0123456789abcdef01234567";

fn posts(sim: &s1_simulator::Simulator, path: &str) -> Vec<Value> {
    sim.requests().into_iter().filter(|r| r.method == "POST" && r.path == format!("/web/api/v2.1/{path}")).filter_map(|r| r.body).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_add_sends_one_entry_per_os_at_the_given_site() {
    let sim = simulator();
    let site = world(&sim).sites[1].id.to_string();
    let input = json!({"value": SHA1, "osTypes": ["windows", "macos"], "description": "INC-1 dropper", "scope": {"siteIds": [site]}});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "blocklist.add", &input.to_string()).await;
    assert_eq!(output["created"], 2);
    assert_eq!(
        posts(&sim, "restrictions"),
        ["windows", "macos"].map(|os| json!({"data": {"type": "black_hash", "value": SHA1, "osType": os, "description": "INC-1 dropper"}, "filter": {"siteIds": [site]}}))
    );
    let stored: Vec<(String, String)> = world(&sim)
        .restrictions
        .iter()
        .filter(|r| r.value == SHA1)
        .map(|r| (r.os_type.clone(), r.scope["siteIds"][0].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(stored, [("windows".to_owned(), site.clone()), ("macos".to_owned(), site)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_an_existing_blocklist_entry_reports_it_and_still_adds_the_other_os() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    invoke_ok(&conn, "blocklist.add", &json!({"value": SHA1, "osTypes": ["windows"], "scope": {"tenant": true}}).to_string()).await;
    let output =
        invoke_ok(&conn, "blocklist.add", &json!({"value": SHA1, "osTypes": ["windows", "linux"], "scope": {"tenant": true}}).to_string())
            .await;
    assert_eq!(output["results"][0]["status"], "already-exists");
    assert_eq!(output["results"][1]["status"], "created");
    assert_eq!(output["created"], 1);
    let duplicate = sim.requests().into_iter().filter(|r| r.path.ends_with("/restrictions") && r.method == "POST").nth(1).unwrap();
    assert_eq!(duplicate.status, 400, "the console answered the duplicate with its 400 Already Exists");
    assert_eq!(world(&sim).restrictions.iter().filter(|r| r.value == SHA1).count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_add_without_a_scope_is_refused_and_sends_nothing() {
    let sim = simulator();
    let error =
        invoke_err(&connect(&sim, tokens::ADMIN), "blocklist.add", &json!({"value": SHA1, "osTypes": ["windows"]}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/scope")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_configuration_cannot_block_a_hash_tenant_wide() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![world(&sim).sites[0].id.to_string()];
    let error =
        invoke_err(&conn, "blocklist.add", &json!({"value": SHA1, "osTypes": ["windows"], "scope": {"tenant": true}}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/scope/tenant")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_blocklist_add_defaults_to_the_pinned_site() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    let site = world(&sim).sites[2].id.to_string();
    conn.site_ids = vec![site.clone()];
    invoke_ok(&conn, "blocklist.add", &json!({"value": SHA1, "osTypes": ["linux"]}).to_string()).await;
    assert_eq!(posts(&sim, "restrictions")[0]["filter"], json!({"siteIds": [site]}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_delete_removes_exactly_the_ids_given() {
    let sim = simulator();
    let before = world(&sim).restrictions;
    let gone: Vec<String> = before.iter().take(2).map(|r| r.id.to_string()).collect();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "blocklist.delete", &json!({"ids": gone}).to_string()).await;
    assert_eq!(output["affected"], 2);
    let delete = sim.requests().into_iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!(delete.body, Some(json!({"data": {"type": "black_hash", "ids": gone}})));
    let after: Vec<String> = world(&sim).restrictions.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(after.len(), before.len() - 2);
    assert!(gone.iter().all(|id| !after.contains(id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_delete_dry_run_reports_unknown_ids_and_deletes_nothing() {
    let sim = simulator();
    let known = world(&sim).restrictions[0].id.to_string();
    let output =
        invoke_ok(&connect(&sim, tokens::ADMIN), "blocklist.delete", &json!({"ids": [known, "42"], "dryRun": true}).to_string()).await;
    assert_eq!((output["wouldAffect"].clone(), output["notFound"].clone()), (json!(1), json!(["42"])));
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(world(&sim).restrictions.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_list_finds_an_entry_by_hash() {
    let sim = simulator();
    let entry = world(&sim).restrictions.into_iter().find(|r| r.source == "action_from_threat").unwrap();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "blocklist.list", &json!({"value__contains": [entry.value]}).to_string()).await;
    assert_eq!(ids(&output), [entry.id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusions_add_then_delete_round_trips() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let site = world(&sim).sites[0].id.to_string();
    let input = json!({"type": "path", "value": "/opt/backup/agent", "osTypes": ["linux"], "pathExclusionType": "file", "mode": "suppress", "scope": {"siteIds": [site]}});
    let added = invoke_ok(&conn, "exclusions.add", &input.to_string()).await;
    let id = added["results"][0]["items"][0]["id"].as_str().expect("the created exclusion's id").to_owned();
    assert_eq!(
        posts(&sim, "exclusions")[0]["data"],
        json!({"type": "path", "value": "/opt/backup/agent", "osType": "linux", "pathExclusionType": "file", "mode": "suppress"})
    );
    let deleted = invoke_ok(&conn, "exclusions.delete", &json!({"ids": [id], "type": "path"}).to_string()).await;
    assert_eq!(deleted["affected"], 1);
    assert!(world(&sim).exclusions.iter().all(|e| e.id.to_string() != id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_exclusion_needs_an_absolute_path() {
    let sim = simulator();
    let input =
        json!({"type": "path", "value": "backup/agent", "osTypes": ["linux"], "pathExclusionType": "file", "scope": {"tenant": true}});
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "exclusions.add", &input.to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/value")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_add_to_the_blocklist() {
    let sim = simulator();
    let error = invoke_err(
        &connect(&sim, tokens::VIEWER),
        "blocklist.add",
        &json!({"value": SHA1, "osTypes": ["windows"], "scope": {"tenant": true}}).to_string(),
    )
    .await;
    assert!(matches!(error, PluginError::Forbidden(ref u) if u.status == 403), "{error:?}");
    assert!(world(&sim).restrictions.iter().all(|r| r.value != SHA1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_verdict_reports_the_threat_confidence() {
    let sim = simulator();
    let threat = world(&sim).threats.into_iter().find(|t| t.threat_info.confidence_level == "malicious").unwrap();
    let output = invoke_ok(&connect(&sim, tokens::VIEWER), "hashes.verdict", &json!({"hash": threat.threat_info.sha1}).to_string()).await;
    assert_eq!(output["verdict"], "malicious");
    assert_eq!(sim.requests()[0].path, format!("/web/api/v2.1/hashes/{}/verdict", threat.threat_info.sha1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_reputation_ranks_a_malicious_hash_as_malicious() {
    let sim = simulator();
    let threat = world(&sim).threats.into_iter().find(|t| t.threat_info.confidence_level == "malicious").unwrap();
    let output =
        invoke_ok(&connect(&sim, tokens::VIEWER), "hashes.reputation", &json!({"hash": threat.threat_info.sha1}).to_string()).await;
    assert_eq!(output["rank"], "9");
    assert_eq!(sim.requests()[0].path, format!("/web/api/v2.1/hashes/{}/reputation", threat.threat_info.sha1));
}

/// Adds a path exclusion that turns the agent's monitors off (an `agent_interaction` one in the
/// unified API) and returns its id.
async fn interaction_exclusion(sim: &s1_simulator::Simulator) -> String {
    let site = world(sim).sites[0].id.to_string();
    let input = json!({"type": "path", "value": "/opt/build/cache", "osTypes": ["linux"], "pathExclusionType": "folder", "mode": "disable_all_monitors", "scope": {"siteIds": [site]}});
    let added = invoke_ok(&connect(sim, tokens::ADMIN), "exclusions.add", &input.to_string()).await;
    added["results"][0]["items"][0]["id"].as_str().expect("the created exclusion's id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_exclusions_list_one_mode_type_with_the_mode_sent() {
    let sim = simulator();
    let id = interaction_exclusion(&sim).await;
    let conn = connect(&sim, tokens::ADMIN);
    let interaction = invoke_ok(&conn, "unified-exclusions.list", r#"{"modeType": "agent_interaction"}"#).await;
    assert!(ids(&interaction).contains(&id));
    assert!(interaction["items"].as_array().unwrap().iter().all(|e| e["modeType"] == "agent_interaction"));
    let suppression = invoke_ok(&conn, "unified-exclusions.list", r#"{"modeType": "suppression"}"#).await;
    assert!(!ids(&suppression).contains(&id));
    assert_eq!(ids(&interaction).len() + ids(&suppression).len(), world(&sim).exclusions.len());
    let listed = sim.requests().into_iter().rev().find(|r| r.path.ends_with("/unified-exclusions")).unwrap();
    assert!(listed.query.contains(&("modeType".to_owned(), "suppression".to_owned())), "{:?}", listed.query);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_exclusions_list_without_a_mode_type_is_refused_and_sends_nothing() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "unified-exclusions.list", "{}").await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/modeType")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_exclusions_delete_sends_each_id_with_its_exclusion_type() {
    let sim = simulator();
    let id = interaction_exclusion(&sim).await;
    sim.clear_requests();
    let input = json!({"ids": [id], "modeType": "agent_interaction"});
    let deleted = invoke_ok(&connect(&sim, tokens::ADMIN), "unified-exclusions.delete", &input.to_string()).await;
    assert_eq!(deleted["affected"], 1);
    let requests = sim.requests();
    assert!(requests[0].query.contains(&("modeType".to_owned(), "agent_interaction".to_owned())), "the id lookup names the mode type");
    let delete = requests.iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!(delete.body, Some(json!({"data": {"exclusions": [{"id": id, "exclusionType": "EDR"}]}})));
    assert!(world(&sim).exclusions.iter().all(|e| e.id.to_string() != id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unified_exclusion_of_another_mode_type_is_reported_unknown_by_a_dry_run() {
    let sim = simulator();
    let id = interaction_exclusion(&sim).await;
    let input = json!({"ids": [id], "modeType": "suppression", "dryRun": true});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "unified-exclusions.delete", &input.to_string()).await;
    assert_eq!((output["wouldAffect"].clone(), output["notFound"].clone()), (json!(0), json!([id])));
    assert!(sim.requests().iter().all(|r| r.method != "DELETE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unified_exclusion_dry_run_counts_only_its_exclusion_type() {
    let sim = simulator();
    let id = interaction_exclusion(&sim).await;
    let input = json!({"ids": [id], "modeType": "agent_interaction", "exclusionType": "IDR", "dryRun": true});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "unified-exclusions.delete", &input.to_string()).await;
    assert_eq!(output["notFound"], json!([id]), "an EDR exclusion is not what an IDR delete removes");
    let lookup = sim.requests().into_iter().rev().find(|r| r.path.ends_with("/unified-exclusions")).unwrap();
    assert!(lookup.query.contains(&("threatType".to_owned(), "IDR".to_owned())), "{:?}", lookup.query);
}
