//! Threats, activities and alerts: reads to the end, and multi-id actions that change every id
//! given and nothing else.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use serde_json::json;
use std::collections::BTreeSet;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threats_list_returns_every_threat_with_exact_ids() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "threats.list", r#"{"limit": 100}"#).await;
    let expected: BTreeSet<String> = world(&sim).threats.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(ids(&output).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(output["returned"].as_u64(), Some(expected.len() as u64), "no duplicates");
    assert!(output["items"][0]["threatInfo"]["mitigationStatus"].is_string(), "the nested v2.1 shape is passed through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_id_threat_verdict_changes_every_id_and_no_other() {
    let sim = simulator();
    let before = world(&sim);
    let targets: Vec<String> =
        before.threats.iter().filter(|t| t.threat_info.analyst_verdict != "true_positive").take(3).map(|t| t.id.to_string()).collect();
    let input = json!({"ids": targets, "analystVerdict": "true_positive"});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "threats.set-verdict", &input.to_string()).await;
    assert_eq!(output["affected"].as_u64(), Some(3));
    let post = sim.requests().into_iter().rfind(|r| r.method == "POST").unwrap();
    assert_eq!(
        (post.path.as_str(), post.body.clone()),
        ("/web/api/v2.1/threats/analyst-verdict", Some(json!({"filter": {"ids": targets}, "data": {"analystVerdict": "true_positive"}})))
    );
    for (b, a) in before.threats.iter().zip(&world(&sim).threats) {
        if targets.contains(&a.id.to_string()) {
            assert_eq!(a.threat_info.analyst_verdict, "true_positive");
        } else {
            assert_eq!(a.threat_info.analyst_verdict, b.threat_info.analyst_verdict, "{} was touched", a.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mitigation_sends_the_action_in_the_path_and_marks_threats_mitigated() {
    let sim = simulator();
    let target = world(&sim).threats.iter().find(|t| t.threat_info.mitigation_status == "not_mitigated").unwrap().id.to_string();
    let output =
        invoke_ok(&connect(&sim, tokens::ADMIN), "threats.mitigate", &json!({"ids": [target], "action": "quarantine"}).to_string()).await;
    assert_eq!(output["affected"].as_u64(), Some(1));
    assert_eq!(sim.requests().into_iter().rfind(|r| r.method == "POST").unwrap().path, "/web/api/v2.1/threats/mitigate/quarantine");
    let after = world(&sim);
    assert_eq!(after.threats.iter().find(|t| t.id.to_string() == target).unwrap().threat_info.mitigation_status, "mitigated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mitigation_with_no_target_is_refused_and_sends_nothing() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "threats.mitigate", r#"{"action": "kill"}"#).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/ids")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_added_to_a_threat_is_listed_in_its_notes() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let id = world(&sim).threats[7].id.to_string();
    invoke_ok(&conn, "threats.add-note", &json!({"ids": [id], "text": "Escalated to tier 2"}).to_string()).await;
    let notes = invoke_ok(&conn, "threats.notes", &json!({"id": id}).to_string()).await;
    assert!(notes["items"].as_array().unwrap().iter().any(|n| n["text"] == "Escalated to tier 2"));
}

/// Adds a note to threat `id` and returns the note's id.
async fn added_note(conn: &host_harness::Connection, id: &str, text: &str) -> String {
    invoke_ok(conn, "threats.add-note", &json!({"ids": [id], "text": text}).to_string()).await;
    let notes = invoke_ok(conn, "threats.notes", &json!({"id": id}).to_string()).await;
    let note = notes["items"].as_array().unwrap().iter().find(|n| n["text"] == text).unwrap();
    note["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_edited_on_a_threat_shows_its_new_text_and_is_marked_edited() {
    let sim = simulator();
    let conn = connect(&sim, tokens::SOC);
    let id = world(&sim).threats[7].id.to_string();
    let note = added_note(&conn, &id, "Escalated to tier 2").await;
    let edited =
        invoke_ok(&conn, "threats.update-note", &json!({"id": id, "noteId": note, "text": "Escalated to tier 3"}).to_string()).await;
    assert_eq!((&edited["text"], &edited["edited"]), (&json!("Escalated to tier 3"), &json!(true)), "{edited}");
    let put = sim.requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.path, format!("/web/api/v2.1/threats/{id}/notes/{note}"));
    assert_eq!(put.body, Some(json!({"data": {"text": "Escalated to tier 3"}})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_note_is_gone_from_its_threat_and_the_delete_has_no_body() {
    let sim = simulator();
    let conn = connect(&sim, tokens::SOC);
    let id = world(&sim).threats[7].id.to_string();
    let note = added_note(&conn, &id, "Wrong threat").await;
    let output = invoke_ok(&conn, "threats.delete-note", &json!({"id": id, "noteId": note}).to_string()).await;
    assert_eq!(output, json!({"success": true}));
    let delete = sim.requests().into_iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!((delete.path, delete.body), (format!("/web/api/v2.1/threats/{id}/notes/{note}"), None));
    let notes = invoke_ok(&conn, "threats.notes", &json!({"id": id}).to_string()).await;
    assert!(notes["items"].as_array().unwrap().iter().all(|n| n["id"] != note.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_delete_a_note() {
    let sim = simulator();
    let id = world(&sim).threats[7].id.to_string();
    let note = added_note(&connect(&sim, tokens::SOC), &id, "Keep me").await;
    let error = invoke_err(&connect(&sim, tokens::VIEWER), "threats.delete-note", &json!({"id": id, "noteId": note}).to_string()).await;
    assert!(matches!(error, PluginError::Forbidden(_)), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_list_filters_by_type_and_time_as_sentinelone_does() {
    let sim = simulator();
    let w = world(&sim);
    let since = "2026-01-01T00:00:00.000000Z";
    let output = invoke_ok(
        &connect(&sim, tokens::ADMIN),
        "activities.list",
        &json!({"activityTypes": ["86"], "createdAt__gte": since, "maxItems": 100000}).to_string(),
    )
    .await;
    let request = sim.requests().into_iter().find(|r| r.path == "/web/api/v2.1/activities").unwrap();
    assert!(request.query.contains(&("activityTypes".into(), "86".into())));
    let expected = w.activities.iter().filter(|a| a.activity_type == 86).count();
    assert!(expected > 0);
    assert!(output["items"].as_array().unwrap().iter().all(|a| a["activityType"] == 86));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_verdicts_use_upper_snake_and_find_alerts_by_their_nested_id() {
    let sim = simulator();
    let target = world(&sim).alerts[0].alert_info.alert_id.to_string();
    let output = invoke_ok(
        &connect(&sim, tokens::ADMIN),
        "alerts.set-verdict",
        &json!({"ids": [target], "analystVerdict": "TRUE_POSITIVE"}).to_string(),
    )
    .await;
    assert_eq!((output["affected"].as_u64(), output["notFound"].clone()), (Some(1), json!([])));
    let listed =
        invoke_ok(&connect(&sim, tokens::ADMIN), "alerts.list", r#"{"analystVerdict": ["TRUE_POSITIVE"], "maxItems": 100000}"#).await;
    assert!(listed["items"].as_array().unwrap().iter().any(|a| a["alertInfo"]["alertId"] == target.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_events_pages_through_every_event_of_a_threat_once() {
    let sim = simulator();
    let threat = world(&sim).threats[0].id.to_string();
    let output = invoke_ok(&connect(&sim, tokens::VIEWER), "threats.explore-events", &json!({"id": threat, "limit": 10}).to_string()).await;
    let events: BTreeSet<String> = ids(&output).into_iter().collect();
    assert!(events.len() >= 20 && events.len() == output["returned"].as_u64().unwrap() as usize, "no event twice");
    assert_eq!(output["more"], false);
    let pages = sim.requests().iter().filter(|r| r.path == format!("/web/api/v2.1/threats/{threat}/explore/events")).count();
    assert_eq!(pages, events.len().div_ceil(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_to_blocklist_blocks_the_threats_hash_at_its_site() {
    let sim = simulator();
    let threat = world(&sim).threats.into_iter().find(|t| t.threat_info.sha1.len() == 40).unwrap();
    let output = invoke_ok(
        &connect(&sim, tokens::ADMIN),
        "threats.add-to-blocklist",
        &json!({"ids": [threat.id.to_string()], "targetScope": "site"}).to_string(),
    )
    .await;
    assert_eq!(output["affected"], 1);
    let post = sim.requests().into_iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.body, Some(json!({"filter": {"ids": [threat.id.to_string()]}, "data": {"targetScope": "site"}})));
    let site = threat.agent_realtime_info.site_id.to_string();
    assert!(
        world(&sim)
            .restrictions
            .iter()
            .any(|r| r.value.eq_ignore_ascii_case(&threat.threat_info.sha1) && r.scope == json!({"siteIds": [site]}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_configuration_cannot_blocklist_tenant_wide() {
    let sim = simulator();
    let w = world(&sim);
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![w.threats[0].agent_realtime_info.site_id.to_string()];
    let error =
        invoke_err(&conn, "threats.add-to-blocklist", &json!({"ids": [w.threats[0].id.to_string()], "targetScope": "tenant"}).to_string())
            .await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/targetScope")), "{error:?}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_file_puts_a_download_on_the_threats_timeline() {
    let sim = simulator();
    let w = world(&sim);
    let threat =
        w.threats.iter().find(|t| w.agents.iter().any(|a| a.id == t.agent_realtime_info.agent_id && a.is_active)).unwrap().id.to_string();
    let conn = connect(&sim, tokens::ADMIN);
    let output = invoke_ok(&conn, "threats.fetch-file", &json!({"ids": [threat], "password": "Zip-Pass-2026!"}).to_string()).await;
    assert_eq!(output["affected"], 1);
    let timeline = invoke_ok(&conn, "threats.timeline", &json!({"id": threat}).to_string()).await;
    let upload = timeline["items"].as_array().unwrap().iter().find(|a| a["activityType"] == 86).expect("a type-86 activity");
    assert!(upload["data"]["downloadUrl"].as_str().unwrap().starts_with("/agents/"));
}
