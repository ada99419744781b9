//! Remote scripts: a run on explicit agents, waited for within a bound, with every task's status
//! reported, and results for the tasks that completed.

mod support;

use host_harness::PluginError;
use s1_simulator::{SCRIPT_LIBRARY, tokens};
use serde_json::{Value, json};
use support::*;

/// Two active Windows agents and one inactive agent (seeded, the same for every agent count).
const ACTIVE: [&str; 2] = ["1800916064157201976", "1800916588079101510"];
const INACTIVE: &str = "1800923206265297423";

fn run_input(ids: &[&str], wait: u64) -> String {
    json!({"ids": ids, "scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "Process list for INC-1", "outputDestination": "SentinelCloud", "waitSeconds": wait}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_run_on_two_agents_waits_until_both_tasks_complete() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "scripts.run", &run_input(&ACTIVE, 60)).await;
    assert_eq!((output["affected"].clone(), output["finished"].clone()), (json!(2), json!(true)));
    assert_eq!(output["statusCounts"], json!({"completed": 2}));
    let agents: Vec<&str> = output["tasks"].as_array().unwrap().iter().map(|t| t["agentId"].as_str().unwrap()).collect();
    assert_eq!(agents.len(), 2);
    assert!(ACTIVE.iter().all(|a| agents.contains(a)));
    let execute = sim.requests().into_iter().find(|r| r.path.ends_with("/remote-scripts/execute")).unwrap();
    assert_eq!(
        execute.body,
        Some(
            json!({"filter": {"ids": ACTIVE}, "data": {"scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "Process list for INC-1", "outputDestination": "SentinelCloud"}})
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_on_an_offline_agent_is_reported_pending_when_the_wait_ends() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "scripts.run", &run_input(&[ACTIVE[0], INACTIVE], 4)).await;
    assert_eq!(output["finished"], false);
    let inactive = output["tasks"].as_array().unwrap().iter().find(|t| t["agentId"] == INACTIVE).unwrap();
    assert_eq!(inactive["status"], "pending");
    assert!(output["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("scripts.status")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_download_links_for_the_completed_tasks() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let run = invoke_ok(&conn, "scripts.run", &run_input(&ACTIVE, 60)).await;
    let tasks: Vec<Value> = run["tasks"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
    let results = invoke_ok(&conn, "scripts.results", &json!({"taskIds": tasks}).to_string()).await;
    let links = results["download_links"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l["downloadUrl"].as_str().unwrap().starts_with("https://")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_run_without_a_target_is_refused_and_sends_nothing() {
    let sim = simulator();
    let input = json!({"scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "x", "outputDestination": "None"});
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "scripts.run", &input.to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/ids")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_run_a_script() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::VIEWER), "scripts.run", &run_input(&ACTIVE, 0)).await;
    assert!(matches!(error, PluginError::Forbidden(ref u) if u.status == 403), "{error:?}");
}
