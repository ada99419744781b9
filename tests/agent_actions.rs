//! Agent actions: they act on exactly the agents named, refuse an empty or unconfirmed target,
//! count before acting on a dry run, and respect roles and scope pins.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use serde_json::json;
use support::*;

fn posts(sim: &s1_simulator::Simulator) -> Vec<s1_simulator::RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.method == "POST").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolating_two_agents_by_id_disconnects_both_and_leaves_the_rest_untouched() {
    let sim = simulator();
    let before = world(&sim);
    let targets: Vec<String> = before.agents.iter().filter(|a| a.network_status == "connected").take(2).map(|a| a.id.to_string()).collect();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.isolate", &json!({"ids": targets}).to_string()).await;
    assert_eq!((output["affected"].as_u64(), output["requested"].as_u64()), (Some(2), Some(2)));
    assert_eq!(output["warnings"], json!([]));
    let post = posts(&sim).pop().unwrap();
    assert_eq!(post.path, "/web/api/v2.1/agents/actions/disconnect");
    assert_eq!(post.body, Some(json!({"filter": {"ids": targets}, "data": {}})));
    let after = world(&sim);
    for (b, a) in before.agents.iter().zip(&after.agents) {
        if targets.contains(&a.id.to_string()) {
            assert!(a.network_status.starts_with("disconnect"), "{} is {}", a.id, a.network_status);
        } else {
            assert_eq!(a.network_status, b.network_status, "{} was touched", a.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uninstall_with_no_target_is_invalid_input_and_sends_nothing() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    for input in ["{}", r#"{"filter": {}}"#, r#"{"filter": {}, "confirmFilter": true}"#, r#"{"dryRun": false}"#] {
        let error = invoke_err(&conn, "agents.uninstall", input).await;
        assert!(matches!(error, PluginError::InvalidInput(_)), "{input}: {error:?}");
    }
    assert!(sim.requests().is_empty(), "not even a lookup was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_target_without_confirmation_is_refused() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "agents.shutdown", r#"{"filter": {"osTypes": ["linux"]}}"#).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/confirmFilter")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_the_filter_count_and_acts_on_nothing() {
    let sim = simulator();
    let before = world(&sim);
    let input = r#"{"filter": {"osTypes": ["linux"], "isActive": true}, "confirmFilter": true, "dryRun": true}"#;
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.restart", input).await;
    let expected = before.agents.iter().filter(|a| a.os_type == "linux" && a.is_active).count();
    assert_eq!(output["wouldAffect"].as_u64(), Some(expected as u64));
    assert!(posts(&sim).is_empty(), "a dry run sends no action");
    let count = sim.requests().pop().unwrap();
    assert_eq!(count.path, "/web/api/v2.1/agents/count");
    assert_eq!(count.query, vec![("isActive".into(), "true".into()), ("osTypes".into(), "linux".into())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_filter_acts_on_every_match_and_reports_affected() {
    let sim = simulator();
    let before = world(&sim);
    let site = before.sites[1].id.to_string();
    let input = json!({"filter": {"siteIds": [site], "osTypes": ["windows"]}, "confirmFilter": true});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.scan", &input.to_string()).await;
    let matches = |a: &s1_simulator::Agent| a.site_id.to_string() == site && a.os_type == "windows";
    let expected = before.agents.iter().filter(|a| matches(a)).count();
    assert_eq!(output["affected"].as_u64(), Some(expected as u64));
    for (b, a) in before.agents.iter().zip(&world(&sim).agents) {
        if matches(a) {
            assert_eq!(a.scan_status, "started", "{}", a.id);
        } else {
            assert_eq!(a.scan_status, b.scan_status, "{} was touched", a.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_token_asked_to_act_gets_forbidden_with_sentinelones_message() {
    let sim = simulator();
    let before = world(&sim).agents[0].network_status.clone();
    let id = world(&sim).agents[0].id.to_string();
    let error = invoke_err(&connect(&sim, tokens::VIEWER), "agents.isolate", &json!({"ids": [id]}).to_string()).await;
    match error {
        PluginError::Forbidden(u) => {
            assert_eq!((u.status, u.code, u.title.as_deref()), (403, Some(4030010), Some("Insufficient permissions")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world(&sim).agents[0].network_status, before, "the agent was not isolated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_configuration_cannot_touch_an_agent_of_another_site() {
    let sim = simulator();
    let w = world(&sim);
    let foreign = w.agents.iter().find(|a| a.site_id != w.sites[0].id).unwrap().id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![w.sites[0].id.to_string()];
    let error = invoke_err(&conn, "agents.isolate", &json!({"ids": [foreign]}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/ids/0")), "{error:?}");
    assert!(posts(&sim).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acting_on_an_unknown_id_warns_that_nothing_was_affected() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.reconnect", r#"{"ids": ["1234567890123456789"]}"#).await;
    assert_eq!(output["affected"].as_u64(), Some(0));
    assert_eq!(output["notFound"], json!(["1234567890123456789"]));
    assert!(output["warnings"][0].as_str().unwrap().contains("affected no agent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_sends_its_message_in_data_and_requires_it() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let id = world(&sim).agents[0].id.to_string();
    let error = invoke_err(&conn, "agents.broadcast", &json!({"ids": [id]}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/message")));
    invoke_ok(&conn, "agents.broadcast", &json!({"ids": [id], "message": "Reboot at 18:00"}).to_string()).await;
    assert_eq!(posts(&sim).pop().unwrap().body, Some(json!({"filter": {"ids": [id]}, "data": {"message": "Reboot at 18:00"}})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_on_ids_counts_the_known_ones_and_acts_on_nothing() {
    let sim = simulator();
    let known = world(&sim).agents[3].id.to_string();
    let input = json!({"ids": [known, "1234567890123456789"], "dryRun": true});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.uninstall", &input.to_string()).await;
    assert_eq!(output["wouldAffect"].as_u64(), Some(1));
    assert_eq!(output["notFound"], json!(["1234567890123456789"]));
    assert!(posts(&sim).is_empty(), "a dry run sends no action");
    assert!(!world(&sim).agents[3].is_pending_uninstall);
}
