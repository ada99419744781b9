//! Scope pins everywhere: every id an action takes is checked against the configured account and
//! site pins before anything is changed, and the connection test says when a pin names nothing.

mod support;

use host_harness::{FindingCode, PluginError, Severity};
use s1_simulator::{SimulatorOptions, tokens};
use serde_json::json;
use std::time::Duration;
use support::*;

fn refused_at(error: &PluginError, field: &str) -> bool {
    matches!(error, PluginError::InvalidInput(i) if i.field.as_deref() == Some(field))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_to_site_refuses_a_target_site_outside_the_pins_and_moves_nothing() {
    let sim = simulator();
    let (site, other_site, agent) = {
        let w = world(&sim);
        let site = w.sites[0].id;
        let other = w.sites.iter().find(|s| s.id != site).unwrap().id;
        let agent = w.agents.iter().find(|a| a.site_id == site).unwrap().id;
        (site.to_string(), other.to_string(), agent.to_string())
    };
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site];
    let error = invoke_err(&conn, "agents.move-to-site", &json!({"ids": [agent], "targetSiteId": other_site}).to_string()).await;
    assert!(refused_at(&error, "/targetSiteId"), "{error:?}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"), "nothing was moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_tasks_are_read_within_the_pins() {
    let sim = simulator();
    let site = world(&sim).sites[0].id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site.clone()];
    invoke_ok(&conn, "scripts.status", r#"{"parentTaskId": "1834780238610859601"}"#).await;
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.path, "/web/api/v2.1/remote-scripts/status");
    assert!(request.query.contains(&("siteIds".into(), site)), "{:?}", request.query);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_results_refuse_a_task_outside_the_pins() {
    let sim =
        s1_simulator::Simulator::start(SimulatorOptions { script_step_duration: Duration::from_millis(1), ..SimulatorOptions::default() })
            .unwrap();
    let (site, other_agent) = {
        let w = world(&sim);
        let site = w.sites[0].id;
        let agent = w.agents.iter().find(|a| a.site_id != site && a.is_active && a.os_type == "windows").unwrap().id;
        (site.to_string(), agent.to_string())
    };
    // An admin without pins runs a script on an agent of another site...
    let admin = connect(&sim, tokens::ADMIN);
    let input = json!({"ids": [other_agent], "scriptId": s1_simulator::SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "t", "outputDestination": "SentinelCloud", "waitSeconds": 0});
    let run = invoke_ok(&admin, "scripts.run", &input.to_string()).await;
    let task = run["tasks"][0]["id"].as_str().expect("a task id").to_owned();
    // ...and a connection pinned to the first site may not fetch its results.
    let mut pinned = connect(&sim, tokens::ADMIN);
    pinned.site_ids = vec![site];
    sim.clear_requests();
    let error = invoke_err(&pinned, "scripts.results", &json!({"taskIds": [task]}).to_string()).await;
    assert!(refused_at(&error, "/taskIds/0"), "{error:?}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"), "no results were fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_warns_when_a_pin_names_nothing_the_token_can_see() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec!["1000000000000000001".into()];
    let report = runtime().check(&conn).await.unwrap().value;
    let finding = report.findings.iter().find(|f| f.code == FindingCode::PinNotVisible).expect("a pin-not-visible finding");
    assert_eq!(finding.severity, Severity::Warning);
    assert!(finding.message.contains("1000000000000000001"), "{}", finding.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_nothing_about_pins_that_name_visible_sites() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![world(&sim).sites[0].id.to_string()];
    let report = runtime().check(&conn).await.unwrap().value;
    assert!(report.findings.iter().all(|f| f.code != FindingCode::PinNotVisible), "{:?}", report.findings);
}
